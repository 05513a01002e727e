"""Photos carry their rights inside the file, and nothing else of their origin.

Uploads are written with Pillow; the files served under ``/media/`` (the same files the
partner feeds link to) are read back with ExifTool, a different reader, which must find
the IPTC fields (Creator, Credit Line, Copyright Notice, Web Statement of Rights, Licensor
URL, caption) and no location or camera data. Needs Debian's ``libimage-exiftool-perl``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from PIL import Image as PILImage
from sqlalchemy.orm import Session

from syndicate.content.images import ImageRights, UploadLimits, ingest_image
from syndicate.content.models import Image
from syndicate.content.rights import RightsClass
from syndicate.media import MediaStore
from tests.conftest import csrf_token, login
from tests.factories import make_user, media_store_for

EXIFTOOL = shutil.which("exiftool")


@pytest.fixture(autouse=True)
def exiftool() -> None:
    """ExifTool must be there to read the files back (CI installs it)."""
    if EXIFTOOL is None:
        missing = "exiftool is missing: install Debian's libimage-exiftool-perl"
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)


TERMS = "http://localhost/republish"
LIMITS = UploadLimits(rendition_widths=(40, 80))


def camera_photo(fmt: str = "JPEG") -> bytes:
    """A photo as a camera writes it: make, model, and where it was taken."""
    image = PILImage.new("RGB", (160, 120), (40, 120, 200))
    exif = PILImage.Exif()
    exif[0x010F] = "Harbourline Optics"  # Make
    exif[0x0110] = "HL-7 Field"  # Model
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def read_metadata(data: bytes, tmp_path: Path, name: str) -> dict[str, Any]:
    """Every tag ExifTool finds in ``data``, by group and name (XMP structures kept)."""
    path = tmp_path / name
    path.write_bytes(data)
    result = subprocess.run(
        [str(EXIFTOOL), "-j", "-G1", "-struct", "-a", str(path)],
        capture_output=True,
        encoding="utf-8",
        check=True,
    )
    found: dict[str, Any] = json.loads(result.stdout)[0]
    return found


def served(client: FlaskClient, key: str) -> bytes:
    response = client.get(f"/media/{key}")
    assert response.status_code == 200
    data = response.data
    response.close()
    return data


def all_keys(image: Image) -> list[str]:
    return [image.storage_key, *(r.storage_key for r in image.renditions)]


def assert_no_origin(tags: dict[str, Any]) -> None:
    leaked = [
        name
        for name in tags
        if name.split(":")[0] in {"GPS", "IFD0", "ExifIFD", "XMP-exif", "XMP-tiff"}
        or name.split(":")[-1] in {"Make", "Model", "GPSLatitude", "GPSLongitude", "GPSPosition"}
    ]
    assert leaked == [], leaked


def test_the_upload_really_carries_a_location(tmp_path: Path) -> None:
    tags = read_metadata(camera_photo(), tmp_path, "camera.jpg")
    assert tags["IFD0:Make"] == "Harbourline Optics"
    assert "GPS:GPSLatitude" in tags


@pytest.mark.parametrize(("fmt", "ext"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp")])
def test_every_served_file_carries_the_rights_and_no_origin(
    app: Flask, client: FlaskClient, session: Session, tmp_path: Path, fmt: str, ext: str
) -> None:
    image = ingest_image(
        session,
        media_store_for(app),
        camera_photo(fmt),
        ImageRights(
            rights_class=RightsClass.STAFF,
            creator="Ada Lens",
            organization="The Lantern Desk",
        ),
        alt_text="A ferry at the quay",
        caption="The morning ferry leaves Port Amity & heads <north>.",
        limits=LIMITS,
        terms_url=TERMS,
    )
    session.commit()
    assert len(image.renditions) == 2
    for key in all_keys(image):
        assert key.endswith(f".{ext}")
        tags = read_metadata(served(client, key), tmp_path, Path(key).name)
        assert tags["XMP-dc:Creator"] == ["Ada Lens"]
        assert tags["XMP-photoshop:Credit"] == "Ada Lens/The Lantern Desk"
        assert tags["XMP-dc:Rights"] == "© Ada Lens/The Lantern Desk"
        assert tags["XMP-xmpRights:WebStatement"] == TERMS
        assert tags["XMP-plus:Licensor"] == [{"LicensorURL": TERMS}]
        assert tags["XMP-dc:Description"] == "The morning ferry leaves Port Amity & heads <north>."
        assert_no_origin(tags)


def test_an_agency_photo_points_at_its_agency_not_at_our_terms(
    app: Flask, client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    image = ingest_image(
        session,
        media_store_for(app),
        camera_photo(),
        ImageRights(
            rights_class=RightsClass.AGENCY,
            creator="Pell Ocampo",
            organization="Wirephoto Agency",
            source_url="https://wirephoto.example/licensing/8812",
        ),
        alt_text="A crowd at the levee",
        limits=LIMITS,
        terms_url=TERMS,
    )
    session.commit()
    tags = read_metadata(served(client, image.storage_key), tmp_path, "agency.jpg")
    assert tags["XMP-photoshop:Credit"] == "Pell Ocampo/Wirephoto Agency"
    assert tags["XMP-plus:Licensor"] == [
        {"LicensorURL": "https://wirephoto.example/licensing/8812"}
    ]
    assert "XMP-xmpRights:WebStatement" not in tags
    assert "XMP-dc:Description" not in tags
    assert TERMS not in json.dumps(tags)


def test_a_rights_edit_rewrites_the_files(
    app: Flask, client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    store = media_store_for(app)
    image = ingest_image(
        session,
        store,
        camera_photo(),
        ImageRights(rights_class=RightsClass.STAFF, creator="Ada Lens", organization="Desk"),
        alt_text="A ferry",
        limits=LIMITS,
        terms_url=TERMS,
    )
    user = make_user(session)
    session.commit()
    old_keys = all_keys(image)
    login(client, user.email)
    response = client.post(
        f"/staff/images/{image.id}",
        data={
            "csrf_token": csrf_token(client, f"/staff/images/{image.id}"),
            "alt_text": "A ferry",
            "caption": "Now with a caption.",
            "rights_class": "creative_commons",
            "creator": "Ines Vale",
            "organization": "",
            "license_url": "https://creativecommons.org/licenses/by/4.0/",
            "source_url": "",
            "partner_allowed": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    image = session.get(Image, image.id)
    assert image is not None
    new_keys = all_keys(image)
    # Files are served as immutable: new contents get new addresses.
    assert not set(new_keys) & set(old_keys)
    for key in new_keys:
        tags = read_metadata(served(client, key), tmp_path, Path(key).name)
        assert tags["XMP-dc:Creator"] == ["Ines Vale"]
        assert tags["XMP-photoshop:Credit"] == "Ines Vale (CC BY 4.0)"
        assert tags["XMP-xmpRights:WebStatement"] == "https://creativecommons.org/licenses/by/4.0/"
        assert tags["XMP-dc:Description"] == "Now with a caption."
        assert_no_origin(tags)
    with PILImage.open(store.path(image.storage_key)) as reopened:
        assert reopened.size == (160, 120)


def _strip_metadata(store: MediaStore, key: str) -> None:
    """Re-save a stored file without any metadata, as files were stored before."""
    path = store.path(key)
    with PILImage.open(path) as opened:
        opened.load()
        out = io.BytesIO()
        opened.save(out, opened.format)
    path.write_bytes(out.getvalue())


def test_embed_rights_command_brings_older_files_up_to_date(
    app: Flask, client: FlaskClient, session: Session, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    store = media_store_for(app)
    image = ingest_image(
        session,
        store,
        camera_photo(),
        ImageRights(rights_class=RightsClass.HANDOUT, creator="", organization="Port Authority"),
        alt_text="The harbour",
        limits=LIMITS,
        terms_url=TERMS,
    )
    session.commit()
    for key in all_keys(image):
        _strip_metadata(store, key)
    assert "XMP-photoshop:Credit" not in read_metadata(
        served(client, image.storage_key), tmp_path, "before.jpg"
    )
    result = runner.invoke(args=["images", "embed-rights"])
    assert result.exit_code == 0, result.output
    assert "Rewrote the files of 1 of" in result.output
    session.expire_all()
    image = session.get(Image, image.id)
    assert image is not None
    for key in all_keys(image):
        tags = read_metadata(served(client, key), tmp_path, Path(key).name)
        assert tags["XMP-dc:Creator"] == ["Port Authority"]
        assert tags["XMP-photoshop:Credit"] == "Port Authority"
        assert tags["XMP-dc:Rights"] == "© Port Authority"
    again = runner.invoke(args=["images", "embed-rights"])
    assert "Rewrote the files of 0 of" in again.output
