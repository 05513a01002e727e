"""Staff console: uploads, the image library, the image page and rights edits over HTTP."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from syndicate.audit import AuditEvent
from syndicate.content.models import Image, ImageRole
from syndicate.content.rights import RightsClass
from syndicate.media import MediaStore
from syndicate.orm import utcnow
from tests.conftest import csrf_token, login
from tests.factories import add_image, jpeg_bytes, make_article, make_image, make_user, png_bytes


@pytest.fixture
def staff(client, session):
    user = make_user(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    return user


@pytest.fixture
def store(app) -> MediaStore:
    return MediaStore(app.config["MEDIA_DIR"])


@pytest.fixture
def small_renditions(app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "UPLOADS_RENDITION_WIDTHS", [16, 32])


def media_files(app) -> set[Path]:
    root = Path(app.config["MEDIA_DIR"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def image_count(session) -> int:
    return session.scalar(select(func.count(Image.id)))


def upload(client, data: bytes, filename: str = "photo.png", **fields: str):
    form = {
        "csrf_token": csrf_token(client, "/staff/images/upload"),
        "alt_text": "A ferry leaving the harbour in fog",
        "caption": "The 7:40 to Holm leaves on time.",
        "creator": "Lene Strand",
        "organization": "Harbour Courier",
        "rights_class": "partner",
        "license_url": "",
        "source_url": "https://courier.example/ferry",
        "partner_allowed": "y",
        "partner_allowed_until": "",
    }
    form.update(fields)
    form["file"] = (io.BytesIO(data), filename)  # type: ignore[assignment]
    return client.post("/staff/images/upload", data=form, content_type="multipart/form-data")


def assert_nothing_written(app, session, files_before: set[Path], count_before: int) -> None:
    assert image_count(session) == count_before
    assert media_files(app) == files_before


def test_upload_form_renders(client, staff) -> None:
    response = client.get("/staff/images/upload")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert "Partner permission ends" in html
    assert "Creative Commons" in html


@pytest.mark.parametrize(
    ("data", "filename", "media_type"),
    [
        (png_bytes(64, 48, (10, 120, 200)), "harbour.png", "image/png"),
        (jpeg_bytes(64, 48, (200, 120, 10)), "harbour.jpg", "image/jpeg"),
    ],
)
def test_upload_accepts_a_real_image_and_stores_renditions(
    app, client, session, staff, store, small_renditions, data, filename, media_type
) -> None:
    response = upload(client, data, filename, partner_allowed_until="2031-06-30")
    assert response.status_code == 302
    image = session.scalar(select(Image).order_by(Image.id.desc()))
    assert response.headers["Location"] == f"/staff/images/{image.id}"
    assert image.media_type == media_type
    assert image.credit_line == "Lene Strand/Harbour Courier"
    assert image.rights_class is RightsClass.PARTNER
    assert image.partner_allowed_until == datetime(2031, 6, 30, tzinfo=UTC)
    assert store.exists(image.storage_key)
    assert [r.width for r in image.renditions] == [16, 32]
    for rendition in image.renditions:
        assert store.exists(rendition.storage_key)
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "image.create", AuditEvent.object_id == str(image.id)
        )
    )
    assert event is not None
    assert event.actor_id == staff.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "uploaded" in page
    assert "Lene Strand/Harbour Courier" in page


def test_text_file_is_refused(app, client, session, staff) -> None:
    before, count = media_files(app), image_count(session)
    response = upload(client, b"just some words, not a picture\n", "notes.txt")
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP image" in response.get_data(as_text=True)
    assert_nothing_written(app, session, before, count)


def test_missing_file_is_refused(app, client, session, staff) -> None:
    before, count = media_files(app), image_count(session)
    form = {
        "csrf_token": csrf_token(client, "/staff/images/upload"),
        "alt_text": "x",
        "creator": "A",
        "rights_class": "staff",
    }
    response = client.post("/staff/images/upload", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a JPEG, PNG or WebP file." in response.get_data(as_text=True)
    assert_nothing_written(app, session, before, count)


def test_oversize_file_is_refused(app, client, session, staff, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "UPLOADS_MAX_BYTES", 200)
    before, count = media_files(app), image_count(session)
    response = upload(client, png_bytes(300, 300, (1, 2, 3)) + b"\0" * 300)
    assert response.status_code == 422
    assert "the limit is" in response.get_data(as_text=True)
    assert_nothing_written(app, session, before, count)


def test_over_pixel_image_is_refused(app, client, session, staff, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "UPLOADS_MAX_PIXELS", 1000)
    before, count = media_files(app), image_count(session)
    response = upload(client, png_bytes(50, 40, (9, 9, 9)))
    assert response.status_code == 422
    assert "50×40 pixels; the limit is 1,000 pixels" in response.get_data(as_text=True)
    assert_nothing_written(app, session, before, count)


def test_missing_credit_is_refused(app, client, session, staff) -> None:
    before, count = media_files(app), image_count(session)
    response = upload(client, png_bytes(20, 20, (5, 6, 7)), creator="", organization="")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "the credit needs one" in html
    assert "field--error" in html
    assert_nothing_written(app, session, before, count)


def test_rights_class_must_be_chosen(app, client, session, staff) -> None:
    before, count = media_files(app), image_count(session)
    response = upload(client, png_bytes(20, 20, (4, 6, 7)), rights_class="")
    assert response.status_code == 422
    assert "Choose the rights class" in response.get_data(as_text=True)
    assert_nothing_written(app, session, before, count)


def test_creative_commons_needs_a_licence_and_alt_text_is_required(
    app, client, session, staff
) -> None:
    before, count = media_files(app), image_count(session)
    response = upload(
        client, png_bytes(20, 20, (8, 6, 7)), rights_class="creative_commons", alt_text=""
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "needs its licence URL" in html
    assert "Describe the image" in html
    assert_nothing_written(app, session, before, count)


def test_library_filters_by_creator_organisation_and_rights_class(
    client, session, staff, store
) -> None:
    make_image(
        session,
        store,
        creator="Ruth Okafor",
        organization="Valley Post",
        rights_class=RightsClass.PARTNER,
        alt_text="Orchard in bloom",
    )
    make_image(
        session,
        store,
        creator="",
        organization="Regional Water Board",
        rights_class=RightsClass.PUBLIC_DOMAIN,
        alt_text="Dam spillway",
    )
    make_image(
        session,
        store,
        creator="Karl Dunmore",
        organization="Wirefoto",
        rights_class=RightsClass.AGENCY,
        alt_text="Crowd at the rally",
    )
    session.commit()

    def library(query: str) -> str:
        response = client.get(f"/staff/images?{query}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    by_creator = library("creator=okafor")
    assert "Orchard in bloom" in by_creator
    assert "Dam spillway" not in by_creator
    assert "Crowd at the rally" not in by_creator
    by_org = library("organization=water+board")
    assert "Regional Water Board/Public domain" in by_org
    assert "Orchard in bloom" not in by_org
    by_rights = library("rights=agency")
    assert "Crowd at the rally" in by_rights
    assert "Never (agency photo)" in by_rights
    assert "Orchard in bloom" not in by_rights
    combined = library("rights=partner&creator=dunmore")
    assert "Crowd at the rally" not in combined
    assert "Orchard in bloom" not in combined
    free_text = library("q=SPILLWAY")
    assert "Dam spillway" in free_text
    assert "Orchard in bloom" not in free_text


def test_library_and_image_page_list_every_article_using_the_image(
    client, session, staff, store
) -> None:
    image = make_image(
        session,
        store,
        creator="Mats Holt",
        organization="",
        alt_text="Snowplough at dawn",
        partner_allowed_until=utcnow() - timedelta(days=1),
    )
    first = make_article(session, headline="Roads reopen in the high valleys")
    second = make_article(session, headline="Council buys two more ploughs", publish=False)
    make_article(session, headline="Unrelated story about bees")
    add_image(session, first, image, role=ImageRole.LEAD)
    add_image(session, second, image)
    session.commit()

    library = client.get("/staff/images?creator=mats+holt").get_data(as_text=True)
    page = client.get(f"/staff/images/{image.id}").get_data(as_text=True)
    for html in (library, page):
        assert "Roads reopen in the high valleys" in html
        assert "Council buys two more ploughs" in html
        assert "Unrelated story about bees" not in html
        assert f'href="/staff/articles/{first.id}"' in html
        assert f'href="/staff/articles/{second.id}"' in html
        assert "Lapsed on" in html
        assert "Mats Holt" in html
    assert client.get("/staff/images/987654").status_code == 404


def test_rights_edit_is_audited(client, session, staff, store) -> None:
    image = make_image(
        session,
        store,
        creator="Ada Lens",
        organization="The Lantern Desk",
        rights_class=RightsClass.STAFF,
    )
    session.commit()
    path = f"/staff/images/{image.id}"
    page = client.get(path).get_data(as_text=True)
    assert 'value="Ada Lens"' in page
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "alt_text": "Harbour wall after the storm",
            "caption": "Waves broke over the wall twice.",
            "creator": "Ada Lens",
            "organization": "Lantern Desk archive",
            "rights_class": "handout",
            "license_url": "",
            "source_url": "",
            "partner_allowed_until": "2030-01-15",
        },
    )
    assert response.status_code == 302
    session.expire_all()
    fresh = session.get(Image, image.id)
    assert fresh.credit_line == "Ada Lens/Lantern Desk archive"
    assert fresh.rights_class is RightsClass.HANDOUT
    assert fresh.partner_allowed is False
    assert fresh.partner_allowed_until == datetime(2030, 1, 15, tzinfo=UTC)
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "image.rights_update", AuditEvent.object_id == str(image.id)
        )
    )
    assert event is not None
    assert event.actor_id == staff.id
    assert event.before["organization"] == "The Lantern Desk"
    assert event.before["rights_class"] == "staff"
    assert event.after["organization"] == "Lantern Desk archive"
    assert event.after["partner_allowed"] is False
    assert event.after["caption"] == "Waves broke over the wall twice."


def test_rights_edit_that_removes_the_credit_is_refused(client, session, staff, store) -> None:
    image = make_image(session, store, creator="Ada Lens", organization="")
    session.commit()
    path = f"/staff/images/{image.id}"
    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "alt_text": "Still here",
            "creator": "",
            "organization": "",
            "rights_class": "staff",
            "partner_allowed": "y",
        },
    )
    assert response.status_code == 422
    assert "the credit needs one" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Image, image.id).creator == "Ada Lens"
    assert (
        session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "image.rights_update", AuditEvent.object_id == str(image.id)
            )
        )
        == 0
    )
