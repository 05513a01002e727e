"""Anonymous pages are cacheable and cookieless; pages issue a bounded number of queries."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.accounts.models import Role
from syndicate.content.models import Article, Author, ImageRole, Section
from syndicate.content.services import add_correction
from tests.conftest import login
from tests.factories import (
    add_image,
    make_article,
    make_author,
    make_image,
    make_section,
    make_user,
    media_store_for,
)

# Home and article pages must stay under this many statements, however much content exists.
QUERY_BOUND = 15


def public_paths(session: Session) -> list[str]:
    story = make_article(
        session,
        section=make_section(session, slug="cache-section"),
        authors=[make_author(session, slug="cache-author")],
        body_source="cached words",
    )
    return [
        "/",
        f"/articles/{story.slug}",
        "/sections/cache-section",
        "/authors/cache-author",
        "/search?q=cached",
        "/search",
        "/republish",
        "/feeds/public.rss",
        "/feeds/public.atom",
    ]


def test_anonymous_pages_are_public_with_etag_and_no_cookie(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    paths = public_paths(session)
    session.commit()
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers.get("Set-Cookie") is None, path
        cache = response.headers["Cache-Control"]
        assert "public" in cache, path
        assert f"max-age={app.config['SITE_CACHE_MAX_AGE']}" in cache, path
        assert response.headers.get("ETag"), path


def test_matching_etag_answers_304_without_a_body(client: FlaskClient, session: Session) -> None:
    paths = public_paths(session)
    session.commit()
    for path in paths:
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path
        assert again.get_data() == b"", path
        assert again.headers.get("Set-Cookie") is None, path
        stale = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert stale.status_code == 200, path


def test_etag_changes_when_the_content_does(client: FlaskClient, session: Session) -> None:
    story = make_article(session, headline="First headline")
    session.commit()
    before = client.get(f"/articles/{story.slug}").headers["ETag"]
    add_correction(session, story, "A fix.", None)
    session.commit()
    after = client.get(f"/articles/{story.slug}").headers["ETag"]
    assert before != after


def test_signed_in_readers_get_private_uncached_pages(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="reader-staff@example.org", role=Role.STAFF)
    story = make_article(session)
    session.commit()
    assert login(client, "reader-staff@example.org").status_code == 302
    for path in ("/", f"/articles/{story.slug}"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "ETag" not in response.headers


def build_stories(
    session: Session, app: Flask, sections: list[Section], authors: list[Author], count: int
) -> list[Article]:
    """``count`` public stories, each with two authors, a lead and an inline image."""
    store = media_store_for(app)
    stories = []
    for n in range(count):
        story = make_article(
            session,
            section=sections[n % len(sections)],
            authors=[authors[n % len(authors)], authors[(n + 1) % len(authors)]],
            tags=["One", "Two"],
        )
        add_image(session, story, make_image(session, store), ImageRole.LEAD)
        add_image(session, story, make_image(session, store), ImageRole.INLINE)
        stories.append(story)
    return stories


def count_queries(client: FlaskClient, statements: list[str], path: str) -> int:
    # The statements of the render itself: the page cache (tests/test_page_cache.py) is off.
    page_cache = client.application.extensions["syndicate.pagecache"]
    enabled, page_cache.enabled = page_cache.enabled, False
    statements.clear()
    try:
        response = client.get(path)
    finally:
        page_cache.enabled = enabled
    assert response.status_code == 200
    return sum(
        1
        for s in statements
        if not s.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK"))
    )


def test_home_page_queries_do_not_grow_with_the_number_of_stories(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    sections = [make_section(session) for _ in range(3)]
    authors = [make_author(session) for _ in range(4)]
    build_stories(session, app, sections, authors, 3)
    session.commit()
    few = count_queries(client, query_counter, "/")

    build_stories(session, app, sections, authors, 27)
    session.commit()
    many = count_queries(client, query_counter, "/")
    assert few == many
    assert many <= QUERY_BOUND


def test_listing_pages_queries_are_bounded(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    sections = [make_section(session, slug="bounded-section")]
    authors = [make_author(session, slug="bounded-author")]
    build_stories(session, app, sections, authors, 3)
    session.commit()
    paths = ["/sections/bounded-section", "/authors/bounded-author", "/search?q=paragraph"]
    few = [count_queries(client, query_counter, p) for p in paths]
    build_stories(session, app, sections, authors, 27)
    session.commit()
    many = [count_queries(client, query_counter, p) for p in paths]
    assert few == many
    assert max(many) <= QUERY_BOUND


def test_article_page_queries_do_not_grow_with_images_authors_or_corrections(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    store = media_store_for(app)
    small = make_article(session, authors=[make_author(session)])
    add_image(session, small, make_image(session, store), ImageRole.LEAD)
    big = make_article(
        session, authors=[make_author(session) for _ in range(5)], tags=["A", "B", "C", "D"]
    )
    add_image(session, big, make_image(session, store), ImageRole.LEAD)
    for _ in range(8):
        add_image(session, big, make_image(session, store))
    for n in range(3):
        add_correction(session, big, f"Correction {n}.", None)
    session.commit()

    few = count_queries(client, query_counter, f"/articles/{small.slug}")
    many = count_queries(client, query_counter, f"/articles/{big.slug}")
    assert few == many
    assert many <= QUERY_BOUND


def test_feed_queries_are_bounded(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    sections = [make_section(session)]
    authors = [make_author(session), make_author(session)]
    build_stories(session, app, sections, authors, 2)
    session.commit()
    few = count_queries(client, query_counter, "/feeds/public.atom")
    build_stories(session, app, sections, authors, 10)
    session.commit()
    assert count_queries(client, query_counter, "/feeds/public.atom") == few <= QUERY_BOUND
