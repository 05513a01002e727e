"""Image intake: verification, limits, metadata stripping, renditions, rights."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from syndicate.content.images import ImageRejected, ImageRights, UploadLimits, ingest_image
from syndicate.content.models import Image
from syndicate.content.rights import RightsClass
from syndicate.media import MediaStore
from tests.factories import jpeg_bytes, png_bytes


@pytest.fixture
def store(tmp_path: Path) -> MediaStore:
    return MediaStore(tmp_path / "media")


def _rights(**kw) -> ImageRights:
    kw.setdefault("rights_class", RightsClass.STAFF)
    kw.setdefault("creator", "Ada Lens")
    return ImageRights(**kw)


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Image))


def _files(store: MediaStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file()] if store.root.exists() else []


def test_accepts_a_jpeg_and_makes_renditions(session, store) -> None:
    image = ingest_image(
        session,
        store,
        jpeg_bytes(800, 600),
        _rights(),
        alt_text="A lake",
        limits=UploadLimits(rendition_widths=(200, 400, 1600)),
        actor_id=None,
    )
    assert (image.width, image.height, image.media_type) == (800, 600, "image/jpeg")
    assert [r.width for r in image.renditions] == [200, 400]
    assert [r.height for r in image.renditions] == [150, 300]
    for key in [image.storage_key, *(r.storage_key for r in image.renditions)]:
        assert store.exists(key)
    assert image.credit_line == "Ada Lens"


def test_exif_metadata_is_stripped(session, store) -> None:
    exif = PILImage.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS
    out = io.BytesIO()
    PILImage.new("RGB", (40, 30), (10, 20, 30)).save(out, "JPEG", exif=exif)
    assert b"SecretCam" in out.getvalue()
    image = ingest_image(session, store, out.getvalue(), _rights(), alt_text="x", actor_id=None)
    stored = store.path(image.storage_key).read_bytes()
    assert b"SecretCam" not in stored
    with PILImage.open(io.BytesIO(stored)) as reopened:
        assert not reopened.getexif()


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (b"this is plainly not an image", UploadLimits(), "not a JPEG, PNG or WebP"),
        (b"", UploadLimits(), "empty"),
        (png_bytes(10, 10), UploadLimits(max_bytes=50), "limit is"),
        (png_bytes(100, 100), UploadLimits(max_pixels=5_000), "pixels"),
        (b"GIF89a" + b"\x00" * 40, UploadLimits(), "not a JPEG"),
    ],
)
def test_refusals_write_nothing(session, store, data, limits, message) -> None:
    before = _count(session)
    with pytest.raises(ImageRejected, match=message):
        ingest_image(session, store, data, _rights(), alt_text="x", limits=limits, actor_id=None)
    assert _count(session) == before
    assert _files(store) == []


def test_gif_is_refused_by_format(session, store) -> None:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(ImageRejected, match="GIF"):
        ingest_image(session, store, out.getvalue(), _rights(), alt_text="x", actor_id=None)


def test_truncated_image_is_refused(session, store) -> None:
    data = jpeg_bytes(400, 300)
    with pytest.raises(ImageRejected):
        ingest_image(session, store, data[: len(data) // 2], _rights(), alt_text="x", actor_id=None)
    assert _files(store) == []


@pytest.mark.parametrize(
    ("rights", "alt", "field"),
    [
        (_rights(creator="", organization=""), "x", "creator"),
        (_rights(rights_class=RightsClass.CREATIVE_COMMONS), "x", "license_url"),
        (_rights(source_url="ftp://example.org/x"), "x", "source_url"),
        (_rights(), "  ", "alt_text"),
    ],
)
def test_rights_fields_are_required(session, store, rights, alt, field) -> None:
    with pytest.raises(ImageRejected) as info:
        ingest_image(session, store, png_bytes(), rights, alt_text=alt, actor_id=None)
    assert info.value.field == field
    assert _files(store) == []


def test_same_file_twice_is_two_library_entries(session, store) -> None:
    data = png_bytes(30, 20)
    a = ingest_image(session, store, data, _rights(), alt_text="x", actor_id=None)
    b = ingest_image(
        session,
        store,
        data,
        _rights(rights_class=RightsClass.HANDOUT, organization="Org"),
        alt_text="y",
        actor_id=None,
    )
    assert a.id != b.id
    assert a.sha256 == b.sha256


def test_media_keys_cannot_escape_the_root(store) -> None:
    for key in ("../etc/passwd", "/abs", "images/../../x", ""):
        with pytest.raises(ValueError, match="bad media key"):
            store.path(key)
