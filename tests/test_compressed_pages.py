"""Public pages and feeds compressed like the partner feeds: gzip to clients that ask, an
ETag per encoding, 304s for each, both encodings kept by the page cache; never a page that
carries a CSRF token."""

from __future__ import annotations

import gzip

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from feeds.http import MAX_ANSWERS
from syndicate.accounts.models import Role
from syndicate.syndication.cache import OVERHEAD
from syndicate.web.pagecache import PageCache
from tests.conftest import login
from tests.factories import make_article, make_author, make_publisher, make_section, make_user
from tests.sizes import deep_size

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


def page_cache(app: Flask) -> PageCache:
    """The application's page cache middleware."""
    cache: PageCache = app.extensions["syndicate.pagecache"]
    return cache


def public_paths(session: Session) -> list[str]:
    """One of every kind of public page and feed, over a story published now."""
    story = make_article(
        session,
        section=make_section(session, slug="zip-section"),
        authors=[make_author(session, slug="zip-author")],
        body_source="The harbour master counts the herring boats. " * 40,
        tags=["Herring"],
    )
    month = f"{story.first_published_at:%Y-%m}"
    return [
        "/",
        f"/articles/{story.slug}",
        "/sections/zip-section",
        "/authors/zip-author",
        "/tags/herring",
        "/search?q=herring",
        "/republish",
        "/feeds/public.rss",
        "/feeds/public.atom",
        "/sitemap.xml",
        "/sitemaps/pages.xml",
        f"/sitemaps/articles-{month}.xml",
        "/sitemaps/news.xml",
    ]


def vary(headers: object) -> set[str]:
    """The request headers an answer varies on, lower-cased."""
    value = headers.get("Vary", "")  # type: ignore[attr-defined]
    return {part.strip().lower() for part in value.split(",") if part.strip()}


def test_public_pages_are_gzipped_for_clients_that_ask_and_identity_for_the_rest(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    paths = public_paths(session)
    session.commit()
    for path in paths:
        plain = client.get(path)
        packed = client.get(path, headers=GZIP)
        assert plain.status_code == packed.status_code == 200, path
        assert "Content-Encoding" not in plain.headers, path
        assert packed.headers["Content-Encoding"] == "gzip", path
        assert gzip.decompress(packed.get_data()) == plain.get_data(), path
        assert packed.headers["Content-Length"] == str(len(packed.get_data())), path
        assert len(packed.get_data()) < len(plain.get_data()), path
        assert "accept-encoding" in vary(plain.headers), path
        assert "accept-encoding" in vary(packed.headers), path
        # A different encoding is a different representation: its own strong tag.
        assert plain.headers["ETag"] != packed.headers["ETag"], path
        assert not packed.headers["ETag"].startswith("W/"), path
        for refused in ("gzip;q=0", "identity", "br"):
            other = client.get(path, headers={"Accept-Encoding": refused})
            assert "Content-Encoding" not in other.headers, (path, refused)
            assert other.get_data() == plain.get_data(), (path, refused)
            assert other.headers["ETag"] == plain.headers["ETag"], (path, refused)


def test_each_encoding_answers_304_to_its_own_tag_and_head_to_its_own_headers(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    paths = public_paths(session)
    session.commit()
    for path in paths:
        plain = client.get(path)
        packed = client.get(path, headers=GZIP)
        for asked, full in (({}, plain), (GZIP, packed)):
            tag = full.headers["ETag"]
            fresh = client.get(path, headers={**asked, "If-None-Match": tag})
            assert fresh.status_code == 304, (path, asked)
            assert fresh.get_data() == b""
            assert fresh.headers["ETag"] == tag, (path, asked)
            assert "accept-encoding" in vary(fresh.headers), path
            assert "Content-Encoding" not in fresh.headers, path
            stale = client.get(path, headers={**asked, "If-None-Match": '"another"'})
            assert stale.status_code == 200
            assert stale.get_data() == full.get_data()
            head = client.head(path, headers=asked)
            assert head.status_code == 200
            assert head.get_data() == b""
            assert sorted(head.headers.items()) == sorted(full.headers.items()), (path, asked)


@pytest.mark.parametrize("cached", [True, False], ids=["page-cache", "flask"])
def test_the_page_cache_and_flask_give_the_same_compressed_answer(
    client: FlaskClient, session: Session, app: Flask, cached: bool
) -> None:
    paths = public_paths(session)
    session.commit()
    cache = page_cache(app)
    cache.enabled = cached
    try:
        for path in paths:
            first = client.get(path, headers=GZIP)
            again = client.get(path, headers=GZIP)
            assert again.headers["Content-Encoding"] == "gzip", path
            assert again.get_data() == first.get_data(), path
            assert sorted(again.headers.items()) == sorted(first.headers.items()), path
    finally:
        cache.enabled = True


def test_the_page_cache_keeps_both_encodings_and_answers_either_from_memory(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    paths = [p for p in public_paths(session) if p != "/sitemaps/news.xml"]
    session.commit()
    cache = page_cache(app)
    for path in paths:
        stores = cache.stores
        plain = client.get(path)  # rendered once, kept in both encodings
        assert cache.stores == stores + 1, path
        hits, not_modified = cache.hits, cache.not_modified
        packed = client.get(path, headers=GZIP)
        assert cache.hits == hits + 1, f"{path}: the gzip answer did not come from memory"
        assert gzip.decompress(packed.get_data()) == plain.get_data(), path
        fresh = client.get(path, headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
        assert fresh.status_code == 304
        assert (cache.hits, cache.not_modified) == (hits + 2, not_modified + 1), path
        assert cache.stores == stores + 1, path
        # Clients with Accept-Encoding of every kind: still one answer of each kind kept.
        for n in range(20):
            wanted = "gzip, " if n % 2 else "identity, "
            client.get(path, headers={"Accept-Encoding": wanted + "x" * (100 * n)})
        client.get(path, headers={"If-None-Match": plain.headers["ETag"]})
    # The store is charged for both encodings and the answers built from them.
    pages = [kept for key, kept in cache.store._lru.items() if key[0] == "page"]
    assert len(pages) == len(paths)
    for kept in pages:
        rep, _route = kept.value
        assert len(rep.answers) == MAX_ANSWERS
        assert kept.size >= len(rep.body) + len(rep.gzip_body) + OVERHEAD
        assert deep_size(rep) <= kept.size - OVERHEAD


def test_anonymous_readers_with_a_session_cookie_get_compressed_pages_from_flask(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    path = f"/articles/{story.slug}"
    cache = page_cache(app)
    assert client.get("/login").status_code == 200  # a session, holding a CSRF token
    assert client.get_cookie("syndicate_session") is not None
    bypassed = cache.bypassed
    packed = client.get(path, headers=GZIP)
    assert cache.bypassed == bypassed + 1
    assert packed.headers["Content-Encoding"] == "gzip"
    assert b"csrf_token" not in gzip.decompress(packed.get_data())
    assert packed.headers["Cache-Control"].startswith("public")


def test_pages_with_a_csrf_token_are_never_compressed(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    publisher = make_publisher(session)
    make_user(session, email="desk@example.org", role=Role.STAFF)
    make_user(
        session, email="partner@example.org", role=Role.PARTNER, publisher_slug=publisher.slug
    )
    session.commit()
    login_page = client.get("/login", headers=GZIP)
    assert b'name="csrf_token"' in login_page.get_data()
    assert "Content-Encoding" not in login_page.headers
    pages = {
        "desk@example.org": ["/staff/", "/staff/articles", f"/articles/{story.slug}", "/"],
        "partner@example.org": ["/portal/", f"/articles/{story.slug}", "/search?q=story"],
    }
    for email, paths in pages.items():
        reader = app.test_client()
        assert login(reader, email).status_code == 302
        for path in paths:
            page = reader.get(path, headers=GZIP, follow_redirects=True)
            assert page.status_code == 200, (email, path)
            assert b'name="csrf_token"' in page.get_data(), (email, path)
            assert "Content-Encoding" not in page.headers, (email, path)
            assert page.headers["Cache-Control"] == "private, no-store", (email, path)


def test_if_match_is_judged_by_werkzeug_on_the_identity_bytes(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    path = f"/articles/{story.slug}"
    plain = client.get(path)
    hits = page_cache(app).hits
    assert client.get(path, headers={**GZIP, "If-Match": '"another"'}).status_code == 412
    matching = client.get(path, headers={**GZIP, "If-Match": plain.headers["ETag"]})
    assert matching.status_code == 200
    assert matching.get_data() == plain.get_data()
    assert page_cache(app).hits == hits
