"""The public pages over HTTP: listings, sections, authors, search, terms and refusals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.app import create_app
from syndicate.content.models import ArticleStatus, ImageRole
from syndicate.orm import utcnow
from tests.factories import (
    add_image,
    kill_article,
    make_article,
    make_author,
    make_image,
    make_section,
    media_store_for,
)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


def test_home_shows_the_latest_public_stories_newest_first(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    section = make_section(session, name="Rivers", slug="rivers")
    older = make_article(
        session,
        section=section,
        headline="Older river story",
        released_at=utcnow() - timedelta(days=2),
    )
    newer = make_article(
        session,
        section=section,
        headline="Newest river story",
        released_at=utcnow() - timedelta(hours=1),
    )
    add_image(session, newer, make_image(session, media_store_for(app)), ImageRole.LEAD)
    session.commit()

    response = client.get("/")
    assert response.status_code == 200
    html = text(response)
    assert "card--lead" in html
    assert html.index("Newest river story") < html.index("Older river story")
    assert f'href="/articles/{older.slug}"' in html
    assert "srcset=" in html
    assert 'href="/sections/rivers"' in html


def test_home_lists_rss_and_atom_autodiscovery_links(client: FlaskClient) -> None:
    html = text(client.get("/"))
    assert 'rel="alternate" type="application/rss+xml"' in html
    assert 'href="/feeds/public.rss"' in html
    assert 'rel="alternate" type="application/atom+xml"' in html
    assert 'href="/feeds/public.atom"' in html


def test_home_has_section_blocks_beyond_the_latest_page(
    client: FlaskClient, session: Session
) -> None:
    rivers = make_section(session, name="Rivers block", slug="rivers-block")
    courts = make_section(session, name="Courts block", slug="courts-block")
    for n in range(12):
        make_article(
            session,
            section=rivers if n % 2 else courts,
            headline=f"Block story {n:02d}",
            released_at=utcnow() - timedelta(hours=n + 1),
        )
    session.commit()
    html = text(client.get("/"))
    # Ten stories fill the top of the page; the two oldest appear in their section blocks.
    assert 'id="block-rivers-block"' in html
    assert 'id="block-courts-block"' in html
    assert "Block story 10" in html
    assert "Block story 11" in html
    assert html.count("Block story 00") == 1
    assert re.search(r'href="/\?before=\d+">More stories', html)


def test_home_page_two_and_refusals(client: FlaskClient, session: Session) -> None:
    section = make_section(session)
    for n in range(11):
        make_article(
            session,
            section=section,
            headline=f"Paged story {n:02d}",
            released_at=utcnow() - timedelta(hours=n + 1),
        )
    session.commit()
    more = re.search(r'href="(/\?before=\d+)">More stories', text(client.get("/")))
    assert more
    page_two = client.get(more.group(1))
    assert page_two.status_code == 200
    assert "Paged story 10" in text(page_two)
    assert "Paged story 00" not in text(page_two)
    assert re.search(r'rel="prev" href="/\?after=\d+"', text(page_two))
    legacy = client.get("/?page=2")
    assert legacy.status_code == 302
    assert legacy.headers["Location"].endswith(more.group(1))
    assert client.get("/?page=1").status_code == 301
    assert client.get("/?page=3").status_code == 404
    assert client.get("/?page=0").status_code == 404
    assert client.get("/?page=abc").status_code == 404


def test_empty_home_page_still_renders(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "<h1" in text(response)


def test_section_page_lists_only_its_stories_and_paginates(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    water = make_section(session, name="Water", slug="water", description="Rivers and rain.")
    other = make_section(session, name="Elsewhere", slug="elsewhere")
    for n in range(3):
        make_article(
            session,
            section=water,
            headline=f"Water story {n}",
            released_at=utcnow() - timedelta(hours=n + 1),
        )
    make_article(session, section=other, headline="Story from elsewhere")
    session.commit()

    first = client.get("/sections/water")
    assert first.status_code == 200
    html = text(first)
    assert "<h1" in html
    assert "Water" in html
    assert "Rivers and rain." in html
    assert "Water story 0" in html
    assert "Water story 1" in html
    assert "Water story 2" not in html
    assert "Story from elsewhere" not in html
    older = re.search(r'rel="next" href="(/sections/water\?before=\d+)"', html)
    assert older, "the first page links to older stories by keyset"
    assert 'rel="prev"' not in html, "the first page has no newer page"
    second = text(client.get(older.group(1)))
    assert "Water story 2" in second
    assert re.search(r'rel="prev" href="/sections/water\?after=\d+"', second)
    assert 'rel="next"' not in second, "the last page has no older page"
    # Old numbered links redirect to the address that shows the same stories now.
    legacy = client.get("/sections/water?page=2")
    assert legacy.status_code == 302
    assert legacy.headers["Location"].endswith(older.group(1))
    assert client.get("/sections/water?page=3").status_code == 404


def test_unknown_section_and_author_are_404(client: FlaskClient) -> None:
    for path in ("/sections/no-such-section", "/authors/no-such-author"):
        response = client.get(path)
        assert response.status_code == 404
        html = text(response)
        assert "We could not find that page" in html
        assert 'class="masthead"' in html


def test_author_page_shows_bio_and_their_public_stories(
    client: FlaskClient, session: Session
) -> None:
    author = make_author(
        session,
        slug="iris-vale",
        name="Iris Vale",
        title="Rivers reporter",
        bio="Iris Vale covers the lower valley.",
    )
    colleague = make_author(session, name="Other Writer")
    make_article(session, authors=[author, colleague], headline="Shared byline story")
    make_article(session, authors=[colleague], headline="Not by Iris")
    make_article(session, authors=[author], headline="Unpublished Iris draft", publish=False)
    session.commit()

    response = client.get("/authors/iris-vale")
    assert response.status_code == 200
    html = text(response)
    assert "Iris Vale" in html
    assert "Rivers reporter" in html
    assert "Iris Vale covers the lower valley." in html
    assert "Shared byline story" in html
    assert "Not by Iris" not in html
    assert "Unpublished Iris draft" not in html
    assert client.get("/authors/iris-vale?page=2").status_code == 404


def test_search_finds_public_stories_by_every_word(client: FlaskClient, session: Session) -> None:
    make_article(
        session,
        headline="Heron count rises",
        dek="Wetland birds return.",
        body_source="Volunteers counted herons along the levee.",
    )
    make_article(session, headline="Court backlog", body_source="Judges and herons? No.")
    make_article(
        session,
        headline="Draft about herons and levee",
        publish=False,
        body_source="herons levee",
    )
    session.commit()

    response = client.get("/search?q=herons+levee")
    assert response.status_code == 200
    html = text(response)
    assert "Heron count rises" in html
    assert "Wetland birds return." in html
    assert "Court backlog" not in html
    assert "Draft about herons" not in html
    assert "One story matches" in html


def test_search_without_a_query_shows_the_form(client: FlaskClient, session: Session) -> None:
    make_article(session, headline="Should not be listed")
    session.commit()
    response = client.get("/search")
    assert response.status_code == 200
    html = text(response)
    assert 'name="q"' in html
    assert "Should not be listed" not in html
    assert "Search every published story" in html
    assert "stories match" not in html
    assert client.get("/search?q=%20%20").status_code == 200


def test_search_treats_wildcards_literally(client: FlaskClient, session: Session) -> None:
    make_article(session, headline="Percent story", body_source="Rates rose 5% this year.")
    make_article(session, headline="Plain story", body_source="Nothing special here.")
    session.commit()
    html = text(client.get("/search?q=%25"))
    assert "Plain story" not in html, "a lone % matches nothing, not everything"
    html = text(client.get("/search?q=5%25"))
    assert "Percent story" in html
    assert "Plain story" not in html
    assert "No stories match" in text(client.get("/search?q=zzzqqq"))


def test_republish_page_explains_the_terms_and_how_to_apply(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session, headline="A story to republish")
    draft = make_article(session, headline="Secret draft headline", publish=False)
    session.commit()

    response = client.get("/republish")
    assert response.status_code == 200
    html = text(response)
    assert app.config["SITE_LICENSING_EMAIL"] in html
    for words in (
        "style",
        "length",
        "attribution line",
        "link to the original",
        "photos",
        "eligible",
    ):
        assert words.lower() in html.lower()
    asked = text(client.get(f"/republish?article={story.slug}"))
    assert "A story to republish" in asked
    assert "Secret draft headline" not in text(client.get(f"/republish?article={draft.slug}"))
    assert client.get("/republish?article=nothing-here").status_code == 200


def test_drafts_and_future_stories_are_invisible_everywhere(
    client: FlaskClient, session: Session
) -> None:
    section = make_section(session, slug="hidden-section")
    author = make_author(session, slug="hidden-author")
    draft = make_article(
        session,
        section=section,
        authors=[author],
        headline="Zebra draft",
        publish=False,
        body_source="zebra",
    )
    future = make_article(
        session,
        section=section,
        authors=[author],
        headline="Zebra scheduled",
        released_at=utcnow() + timedelta(days=1),
        body_source="zebra",
    )
    assert future.status is ArticleStatus.SCHEDULED
    session.commit()

    for slug in (draft.slug, future.slug):
        assert client.get(f"/articles/{slug}").status_code == 404
    for path in (
        "/",
        "/sections/hidden-section",
        "/authors/hidden-author",
        "/search?q=zebra",
        "/feeds/public.rss",
        "/feeds/public.atom",
    ):
        body = text(client.get(path))
        assert "Zebra" not in body, path


def test_a_scheduled_story_appears_once_its_time_has_come(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(
        session, headline="Released by the clock", released_at=utcnow() + timedelta(days=1)
    )
    session.commit()
    assert client.get(f"/articles/{story.slug}").status_code == 404
    story.released_at = utcnow() - timedelta(minutes=1)
    session.commit()
    assert client.get(f"/articles/{story.slug}").status_code == 200
    assert "Released by the clock" in text(client.get("/"))


def test_killed_story_answers_410_with_its_notice(client: FlaskClient, session: Session) -> None:
    story = make_article(session, headline="Story that was killed")
    kill_article(session, story, reason="The main source withdrew their account.")
    session.commit()

    response = client.get(f"/articles/{story.slug}")
    assert response.status_code == 410
    html = text(response)
    assert "withdrawn" in html.lower()
    assert "The main source withdrew their account." in html
    assert response.headers.get("Set-Cookie") is None
    for path in ("/", "/feeds/public.rss", "/search?q=killed"):
        assert "Story that was killed" not in text(client.get(path))


def test_unknown_article_is_a_styled_404(client: FlaskClient) -> None:
    response = client.get("/articles/no-such-story")
    assert response.status_code == 404
    html = text(response)
    assert 'class="error-page"' in html
    assert "/static/css/site.css" in html
    assert "Traceback" not in html
    assert response.headers.get("Set-Cookie") is None


def test_unexpected_errors_get_a_styled_500_page(app: Flask) -> None:
    fresh = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": app.config["DATABASE_URL"],
            "MEDIA_DIR": app.config["MEDIA_DIR"],
        }
    )

    @fresh.route("/boom")
    def boom() -> str:
        raise RuntimeError("kaboom: internal detail")

    try:
        response = fresh.test_client().get("/boom")
    finally:
        fresh.extensions["syndicate.db"].engine.dispose()
    assert response.status_code == 500
    html = text(response)
    assert 'class="error-page"' in html
    assert "Something went wrong on our side" in html
    assert "kaboom" not in html
    assert "Traceback" not in html
