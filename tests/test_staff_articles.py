"""Staff console: creating, editing, previewing and listing articles over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from syndicate.audit import AuditEvent
from syndicate.content.models import Article, ArticleStatus
from syndicate.orm import utcnow
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_author, make_section, make_user

HOSTILE_BODY = (
    '<p>Harbour pilots met on Tuesday.</p><script>alert("x")</script>'
    '<img src="x.png" onerror="alert(1)">'
    '<p><a href="javascript:alert(2)">the minutes</a> and <a href="https://example.org/m">more</a></p>'
)


@pytest.fixture
def staff(client, session):
    user = make_user(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    return user


@pytest.fixture
def desk(session):
    section = make_section(session, name="Coast")
    authors = [make_author(session, name="Mira Ostrand"), make_author(session, name="Tobias Venn")]
    session.commit()
    return section, authors


def form_data(client, desk, path: str = "/staff/articles/new", **overrides: Any) -> dict[str, Any]:
    section, authors = desk
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, path),
        "headline": "Lighthouse keepers vote to stay on the island",
        "slug": "",
        "dek": "The last crew on Skerry Point chose another decade of winters.",
        "dateline": "SKERRY POINT",
        "section_id": str(section.id),
        "author_ids": [str(a.id) for a in authors],
        "tags": "Coast, Labour , coast",
        "body_format": "markdown",
        "body_source": "The vote was *unanimous*.\n\nNobody asked for a boat home.",
        "syndication": "syndicate",
        "comments_open": "y",
    }
    data.update(overrides)
    return data


def article_count(session) -> int:
    return session.scalar(select(func.count(Article.id)))


def preview_part(html: str) -> str:
    match = re.search(r'<section class="preview".*?</section>', html, re.DOTALL)
    assert match, "no preview on the page"
    return match.group(0)


def test_new_article_form_renders(client, staff, desk) -> None:
    response = client.get("/staff/articles/new")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mira Ostrand" in html
    assert "Coast" in html
    assert 'name="csrf_token"' in html


def test_create_article_with_slug_from_headline(client, session, staff, desk) -> None:
    response = client.post("/staff/articles/new", data=form_data(client, desk))
    assert response.status_code == 302
    article = session.scalar(
        select(Article).where(Article.slug == "lighthouse-keepers-vote-to-stay-on-the-island")
    )
    assert article is not None
    assert response.headers["Location"] == f"/staff/articles/{article.id}"
    assert article.status is ArticleStatus.DRAFT
    assert [a.name for a in article.authors] == ["Mira Ostrand", "Tobias Venn"]
    assert sorted(t.slug for t in article.tags) == ["coast", "labour"]
    assert "<em>unanimous</em>" in article.body_html
    assert article.comments_open is True
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "article.create", AuditEvent.object_id == str(article.id)
        )
    )
    assert event is not None
    assert event.actor_id == staff.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "created" in page


def test_duplicate_slug_is_refused_with_a_message_on_the_slug_field(
    client, session, staff, desk
) -> None:
    make_article(session, slug="harbour-dues", publish=False)
    session.commit()
    before = article_count(session)
    response = client.post("/staff/articles/new", data=form_data(client, desk, slug="harbour-dues"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"harbour-dues.{0,40}is already used", html)
    assert "field--error" in html
    assert article_count(session) == before


def test_missing_fields_are_refused(client, session, staff, desk) -> None:
    before = article_count(session)
    data = form_data(client, desk, headline="   ")
    del data["author_ids"]
    response = client.post("/staff/articles/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A headline is required." in html
    assert "Choose at least one author." in html
    assert article_count(session) == before


def test_bad_slug_is_refused(client, session, staff, desk) -> None:
    before = article_count(session)
    response = client.post("/staff/articles/new", data=form_data(client, desk, slug="Bad Slug!"))
    assert response.status_code == 422
    assert "lower-case letters" in response.get_data(as_text=True)
    assert article_count(session) == before


def test_saved_html_body_is_sanitised(client, session, staff, desk) -> None:
    data = form_data(client, desk, slug="pilots", body_format="html", body_source=HOSTILE_BODY)
    assert client.post("/staff/articles/new", data=data).status_code == 302
    article = session.scalar(select(Article).where(Article.slug == "pilots"))
    html = article.body_html
    assert "Harbour pilots met on Tuesday." in html
    assert "<script" not in html
    assert "alert(" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert 'href="https://example.org/m"' in html
    assert article.body_source == HOSTILE_BODY


def test_preview_sanitises_and_saves_nothing(client, session, staff, desk) -> None:
    before = article_count(session)
    data = form_data(client, desk, body_format="html", body_source=HOSTILE_BODY)
    response = client.post("/staff/articles/new/preview", data=data)
    assert response.status_code == 200
    preview = preview_part(response.get_data(as_text=True))
    assert "Lighthouse keepers vote to stay on the island" in preview
    assert "Harbour pilots met on Tuesday." in preview
    assert "<script" not in preview
    assert "onerror" not in preview
    assert "javascript:" not in preview
    # The slug left empty is suggested from the headline.
    assert 'value="lighthouse-keepers-vote-to-stay-on-the-island"' in response.get_data(
        as_text=True
    )
    assert article_count(session) == before


def test_edit_preview_shows_figures_and_leaves_article_unchanged(
    client, session, staff, desk
) -> None:
    from syndicate.content.models import ImageRole
    from syndicate.media import MediaStore
    from tests.factories import add_image, make_image

    article = make_article(session, section=desk[0], authors=desk[1], publish=False)
    image = make_image(
        session,
        MediaStore(client.application.config["MEDIA_DIR"]),
        creator="Ines Carrow",
        organization="Skerry Gazette",
        caption="Keepers at dawn.",
    )
    add_image(session, article, image, role=ImageRole.LEAD)
    session.commit()
    path = f"/staff/articles/{article.id}"
    data = form_data(
        client,
        desk,
        path=path,
        version=str(article.version),
        slug=article.slug,
        headline="A new headline nobody saved",
        body_source="Preview *only* <script>x()</script>",
    )
    response = client.post(f"{path}/preview", data=data)
    assert response.status_code == 200
    preview = preview_part(response.get_data(as_text=True))
    assert "A new headline nobody saved" in preview
    assert "<em>only</em>" in preview
    assert "<script" not in preview
    assert "Keepers at dawn." in preview
    assert "Images courtesy of Ines Carrow/Skerry Gazette" in preview
    session.expire_all()
    assert session.get(Article, article.id).headline != "A new headline nobody saved"


def test_edit_saves_and_raises_the_version(client, session, staff, desk) -> None:
    article = make_article(session, section=desk[0], authors=desk[1], publish=False)
    session.commit()
    path = f"/staff/articles/{article.id}"
    version = article.version
    page = client.get(path).get_data(as_text=True)
    assert f'name="version" type="hidden" value="{version}"' in page
    data = form_data(
        client,
        desk,
        path=path,
        version=str(article.version),
        slug="new-slug",
        headline="Tide tables corrected",
        comments_open="",
    )
    del data["comments_open"]
    response = client.post(path, data=data)
    assert response.status_code == 302
    session.expire_all()
    saved = session.get(Article, article.id)
    assert saved.headline == "Tide tables corrected"
    assert saved.slug == "new-slug"
    assert saved.comments_open is False
    assert saved.version == version + 1


def test_stale_edit_gets_409_and_changes_nothing(client, session, staff, desk) -> None:
    article = make_article(
        session, section=desk[0], authors=desk[1], headline="Original headline", publish=False
    )
    session.commit()
    path = f"/staff/articles/{article.id}"
    stale_version = article.version
    # Someone else saves first.
    first = form_data(
        client,
        desk,
        path=path,
        version=str(stale_version),
        slug=article.slug,
        headline="Their headline",
    )
    assert client.post(path, data=first).status_code == 302
    mine = form_data(
        client,
        desk,
        path=path,
        version=str(stale_version),
        slug=article.slug,
        headline="My headline",
    )
    response = client.post(path, data=mine)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else saved this article" in html
    assert "My headline" in html  # the editor's text is shown again, not lost
    session.expire_all()
    saved = session.get(Article, article.id)
    assert saved.headline == "Their headline"
    assert saved.version == stale_version + 1


def test_edit_to_a_taken_slug_is_refused(client, session, staff, desk) -> None:
    make_article(session, slug="taken-slug", publish=False)
    article = make_article(session, section=desk[0], authors=desk[1], publish=False)
    session.commit()
    path = f"/staff/articles/{article.id}"
    data = form_data(client, desk, path=path, version=str(article.version), slug="taken-slug")
    response = client.post(path, data=data)
    assert response.status_code == 422
    assert "already used" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Article, article.id).slug == article.slug


def test_missing_article_is_404(client, staff) -> None:
    assert client.get("/staff/articles/999999").status_code == 404


def test_list_filters_by_effective_status_and_searches_headlines(client, session, staff) -> None:
    now = utcnow()
    make_article(session, headline="Draft about ferries", publish=False)
    make_article(session, headline="Published about ferries")
    make_article(session, headline="Future about gulls", released_at=now + timedelta(days=2))
    past_scheduled = make_article(
        session, headline="Lapsed schedule about gulls", released_at=now + timedelta(days=2)
    )
    # Its time has come: readers see it, so the console calls it published.
    past_scheduled.released_at = now - timedelta(minutes=5)
    session.commit()

    def headlines(query: str) -> str:
        response = client.get(f"/staff/articles?{query}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    published = headlines("status=published")
    assert "Published about ferries" in published
    assert "Lapsed schedule about gulls" in published
    assert "Future about gulls" not in published
    assert "Draft about ferries" not in published
    scheduled = headlines("status=scheduled")
    assert "Future about gulls" in scheduled
    assert "Lapsed schedule about gulls" not in scheduled
    assert "badge--scheduled" in scheduled
    drafts = headlines("status=draft")
    assert "Draft about ferries" in drafts
    assert "Published about ferries" not in drafts
    search = headlines("q=FERRIES")
    assert "Draft about ferries" in search
    assert "Published about ferries" in search
    assert "gulls" not in search
    assert "Draft about ferries" in headlines("status=draft&q=ferr")
    assert "Draft about ferries" in headlines("status=bogus")


def test_list_is_paginated(client, session, staff, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    for n in range(3):
        make_article(session, headline=f"Paged story {n}", publish=False)
    session.commit()
    first = client.get("/staff/articles?q=Paged+story").get_data(as_text=True)
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older
    assert "before=" in older.group(1)
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    rows = re.compile(r">Paged story \d<")
    assert len(rows.findall(first)) == 2
    assert len(rows.findall(second)) == 1
    # Numbered pages are gone: an old link starts again at the first page.
    assert client.get("/staff/articles?q=Paged+story&page=2").status_code == 302
    assert client.get("/staff/articles?page=nonsense").status_code == 302
    assert client.get("/staff/articles?before=nonsense").status_code == 200
