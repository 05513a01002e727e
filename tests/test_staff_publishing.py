"""Staff console: publishing, scheduling, images in articles and corrections over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from syndicate.audit import AuditEvent
from syndicate.content.models import Article, ArticleStatus, ImageRole
from syndicate.content.services import is_public, publicly_visible
from syndicate.media import MediaStore
from syndicate.orm import utcnow
from tests.conftest import csrf_token, login
from tests.factories import add_image, make_article, make_image, make_user


@pytest.fixture
def staff(client, session):
    user = make_user(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    return user


@pytest.fixture
def store(app) -> MediaStore:
    return MediaStore(app.config["MEDIA_DIR"])


def post(client, path: str, edit_page: str, **data: str):
    data["csrf_token"] = csrf_token(client, edit_page)
    return client.post(path, data=data)


def reload(session, article: Article) -> Article:
    session.expire_all()
    fresh = session.get(Article, article.id)
    assert fresh is not None
    return fresh


def test_publish_refused_for_uncredited_image_then_allowed_after_credit(
    client, session, staff, store
) -> None:
    article = make_article(session, publish=False)
    image = make_image(session, store, alt_text="Gulls over the breakwater")
    image.creator = ""
    image.organization = ""
    add_image(session, article, image, role=ImageRole.LEAD)
    session.commit()
    edit = f"/staff/articles/{article.id}"

    refused = post(client, f"{edit}/publish", edit, when="now")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f"image #{image.id}" in html
    assert "Gulls over the breakwater" in html
    assert "has no credit" in html
    assert reload(session, article).status is ArticleStatus.DRAFT

    credited = post(
        client,
        f"/staff/images/{image.id}",
        f"/staff/images/{image.id}",
        alt_text="Gulls over the breakwater",
        caption="",
        creator="Petra Lund",
        organization="",
        rights_class="staff",
        license_url="",
        source_url="",
        partner_allowed="y",
    )
    assert credited.status_code == 302
    allowed = post(client, f"{edit}/publish", edit, when="now")
    assert allowed.status_code == 302
    fresh = reload(session, article)
    assert fresh.status is ArticleStatus.PUBLISHED
    assert is_public(fresh, utcnow())
    assert "The article is published." in client.get(edit).get_data(as_text=True)


def test_schedule_in_the_future_is_scheduled_and_not_public(client, session, staff) -> None:
    article = make_article(session, publish=False)
    session.commit()
    edit = f"/staff/articles/{article.id}"
    release = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    response = post(
        client,
        f"{edit}/publish",
        edit,
        when="schedule",
        release_at=release.strftime("%Y-%m-%dT%H:%M"),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "badge--scheduled" in page
    assert "scheduled for" in page
    fresh = reload(session, article)
    assert fresh.status is ArticleStatus.SCHEDULED
    # The datetime-local value is read as UTC.
    assert fresh.released_at == release
    assert not is_public(fresh, utcnow())
    visible = session.scalars(select(Article.id).where(publicly_visible(utcnow()))).all()
    assert article.id not in visible
    listing = client.get("/staff/articles?status=scheduled").get_data(as_text=True)
    assert fresh.headline in listing
    assert (
        client.get("/staff/articles?status=published").get_data(as_text=True).count(fresh.headline)
        == 0
    )


def test_schedule_needs_a_future_time(client, session, staff) -> None:
    article = make_article(session, publish=False)
    session.commit()
    edit = f"/staff/articles/{article.id}"
    past = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, f"{edit}/publish", edit, when="schedule", release_at=past)
    assert response.status_code == 422
    assert "Choose a time in the future" in response.get_data(as_text=True)
    missing = post(client, f"{edit}/publish", edit, when="schedule", release_at="")
    assert missing.status_code == 422
    garbage = post(client, f"{edit}/publish", edit, when="schedule", release_at="soon")
    assert garbage.status_code == 422
    assert reload(session, article).status is ArticleStatus.DRAFT


def test_publishing_a_published_article_again_is_refused(client, session, staff) -> None:
    article = make_article(session)
    session.commit()
    released = article.released_at
    edit = f"/staff/articles/{article.id}"
    response = post(client, f"{edit}/publish", edit, when="now")
    assert response.status_code == 422
    assert "already published" in response.get_data(as_text=True)
    assert reload(session, article).released_at == released


def test_unpublish_returns_to_draft(client, session, staff) -> None:
    article = make_article(session)
    session.commit()
    edit = f"/staff/articles/{article.id}"
    assert post(client, f"{edit}/unpublish", edit).status_code == 302
    fresh = reload(session, article)
    assert fresh.status is ArticleStatus.DRAFT
    assert not is_public(fresh, utcnow())
    again = post(client, f"{edit}/unpublish", edit)
    assert again.status_code == 422


def test_attach_and_detach_images(client, session, staff, store) -> None:
    article = make_article(session, publish=False)
    photo = make_image(
        session,
        store,
        creator="Oskar Brae",
        organization="Fjordline Weekly",
        caption="Nets drying on the quay.",
    )
    session.commit()
    edit = f"/staff/articles/{article.id}"
    picker = client.get(f"{edit}?image_q=%23{photo.id}").get_data(as_text=True)
    assert f'name="image_id" value="{photo.id}"' in picker

    response = post(
        client,
        f"{edit}/images",
        edit,
        image_id=str(photo.id),
        role="lead",
        caption_override="Nets on the north quay, March.",
    )
    assert response.status_code == 302
    fresh = reload(session, article)
    assert fresh.lead is not None
    assert fresh.lead.image_id == photo.id
    assert fresh.lead.caption == "Nets on the north quay, March."
    page = client.get(edit).get_data(as_text=True)
    assert "Oskar Brae/Fjordline Weekly" in page
    assert "Nets on the north quay, March." in page

    duplicate = post(client, f"{edit}/images", edit, image_id=str(photo.id), role="inline")
    assert duplicate.status_code == 422
    assert "already in this article" in duplicate.get_data(as_text=True)
    missing = post(client, f"{edit}/images", edit, image_id="987654", role="inline")
    assert missing.status_code == 422
    assert "no image number 987654" in missing.get_data(as_text=True)

    detach = post(client, f"{edit}/images/{photo.id}/detach", edit)
    assert detach.status_code == 302
    assert reload(session, article).images == []
    assert post(client, f"{edit}/images/{photo.id}/detach", edit).status_code == 422


def test_add_correction(client, session, staff) -> None:
    article = make_article(session)
    session.commit()
    revision = article.revision
    edit = f"/staff/articles/{article.id}"
    empty = post(client, f"{edit}/corrections", edit, note="  ")
    assert empty.status_code == 422
    assert "Write the correction." in empty.get_data(as_text=True)
    response = post(
        client,
        f"{edit}/corrections",
        edit,
        note="An earlier version misspelt the harbourmaster's name.",
    )
    assert response.status_code == 302
    fresh = reload(session, article)
    assert [c.note for c in fresh.corrections] == [
        "An earlier version misspelt the harbourmaster's name."
    ]
    assert fresh.revision == revision + 1
    assert "misspelt the harbourmaster" in client.get(edit).get_data(as_text=True)
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "article.correct", AuditEvent.object_id == str(article.id)
        )
    )
    assert event is not None
    assert event.actor_id == staff.id
