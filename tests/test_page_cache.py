"""The page cache: anonymous public pages answered from memory, never stale, never private."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import Client, TestResponse

from feeds.http import representation
from syndicate.accounts.models import Role
from syndicate.app import create_app
from syndicate.comments import services as comments
from syndicate.comments.models import Comment
from syndicate.content.images import ImageRights, update_image_rights
from syndicate.content.models import Article, ImageRole
from syndicate.content.rights import RightsClass
from syndicate.content.services import ArticleFields, add_correction, update_article
from syndicate.database import Database
from syndicate.orm import utcnow
from syndicate.syndication.cache import OVERHEAD, Store
from syndicate.syndication.version import current_version
from syndicate.syndication.watch import watch_for
from syndicate.web.headers import REPRESENTATION
from syndicate.web.pagecache import PageCache, is_public_path, query_key
from tests.conftest import login, real_commit_database
from tests.factories import (
    add_image,
    make_article,
    make_author,
    make_image,
    make_section,
    make_user,
    media_store_for,
)
from tests.sizes import deep_size


def page_cache(app: Flask) -> PageCache:
    """The application's page cache middleware."""
    cache: PageCache = app.extensions["syndicate.pagecache"]
    return cache


def without_date(response: TestResponse) -> list[tuple[str, str]]:
    """Every header, ``Date`` aside (it is the moment of the answer), sorted: their order
    carries no meaning."""
    return sorted((name, value) for name, value in response.headers if name.lower() != "date")


def straight_from_flask(client: FlaskClient, path: str, **kw: Any) -> TestResponse:
    """What Flask itself answers, the page cache switched off for one request."""
    cache = page_cache(client.application)
    enabled, cache.enabled = cache.enabled, False
    try:
        return client.open(path, **kw)
    finally:
        cache.enabled = enabled


def retitle(session: Session, article: Article, headline: str) -> None:
    """Change the headline through the content service, keeping every other field."""
    fields = ArticleFields(
        slug=article.slug,
        headline=headline,
        section_id=article.section_id,
        dek=article.dek,
        body_source=article.body_source,
        body_format=article.body_format,
        dateline=article.dateline,
        author_ids=[a.id for a in article.authors],
        tags=[t.name for t in article.tags],
        syndication=article.syndication,
        comments_open=article.comments_open,
    )
    update_article(session, article, fields, article.version, None)


def posted_comment(session: Session, app: Flask, article: Article, text: str) -> Comment:
    """Post a comment from a first-time commenter: it is held for moderation."""
    return comments.post_comment(
        session,
        article,
        comments.CommentInput(name="Oriel Vance", text=text),
        secret=app.config["SECRET_KEY"],
        client_address="192.0.2.7",
        now=utcnow(),
        close_after_days=0,
    )


def approved_comment(session: Session, app: Flask, article: Article, text: str) -> Comment:
    """Post a comment (held) and approve it through the moderation service."""
    comment = posted_comment(session, app, article, text)
    return comments.approve(session, comment, actor_id=None, now=utcnow())


# --- keys and paths --------------------------------------------------------------------------


def test_only_public_pages_are_candidates() -> None:
    for path in ("/", "/articles/a", "/sections/b", "/authors/c", "/search", "/republish"):
        assert is_public_path(path), path
    for path in ("/feeds/public.rss", "/feeds/public.atom", "/sitemap.xml"):
        assert is_public_path(path), path
    for path in (
        "/staff",
        "/staff/articles",
        "/portal",
        "/api/v1/articles",
        "/login",
        "/articles/a/comments",
        "/articles/",
        "/feeds/partner.rss",
        "/media/x.png",
        "/republish/apply",
    ):
        assert not is_public_path(path), path


def test_query_key_ignores_name_order_but_not_value_order() -> None:
    assert query_key("q=ferry&page=2") == query_key("page=2&q=ferry")
    assert query_key("q=a+b") == query_key("q=a%20b")
    # The first value is the one the view reads: these are different pages.
    assert query_key("q=a&q=b") != query_key("q=b&q=a")
    assert query_key("q=a&%71=b") != query_key("%71=b&q=a")
    assert query_key("") == ()


def test_store_is_bounded_by_bytes_and_serves_only_the_label_kept_under() -> None:
    store = Store(max_bytes=8000)
    assert not store.put(("page", "/too-big", ()), (1, "a"), b"", 8000)
    for n in range(10):
        assert store.put(("page", f"/{n}", ()), (1, "a"), n, 1000)
    assert store.stats()["bytes"] <= 8000
    assert store.get(("page", "/0", ()), (1, "a"), 0) is None  # least recently used went first
    assert store.get(("page", "/9", ()), (1, "a"), 0) == 9
    # Another version, or the same number with another history (a rolled-back change, a
    # restored backup): never served, and dropped when asked for.
    assert store.get(("page", "/8", ()), (2, "b"), 0) is None
    assert store.get(("page", "/8", ()), (1, "a"), 0) is None
    assert store.get(("page", "/7", ()), (1, "c"), 0) is None
    # Held until the moment it stops being exact.
    assert store.put(("page", "/timed", ()), (1, "a"), "t", 10, until=5.0)
    assert store.get(("page", "/timed", ()), (1, "a"), 4.9) == "t"
    assert store.get(("page", "/timed", ()), (1, "a"), 5.0) is None


# --- hits, headers, 304, HEAD ----------------------------------------------------------------


def public_paths(session: Session) -> list[str]:
    story = make_article(
        session,
        section=make_section(session, slug="memo-section"),
        authors=[make_author(session, slug="memo-author")],
        body_source="Words about the lighthouse keepers of Vell.",
    )
    return [
        "/",
        f"/articles/{story.slug}",
        "/sections/memo-section",
        "/authors/memo-author",
        "/search?q=lighthouse",
        "/search",
        "/republish",
        "/feeds/public.rss",
        "/feeds/public.atom",
        "/sitemap.xml",
    ]


def test_repeated_anonymous_gets_come_from_memory_with_flasks_bytes_and_headers(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    paths = public_paths(session)
    session.commit()
    cache = page_cache(app)
    for path in paths:
        first = client.get(path)
        assert first.status_code == 200, path
        hits = cache.hits
        again = client.get(path)
        assert cache.hits == hits + 1, path
        assert again.status_code == 200
        assert again.get_data() == first.get_data(), path
        assert without_date(again) == without_date(first), path
        # Header by header what Flask itself sends for the same request.
        flask = straight_from_flask(client, path)
        assert cache.hits == hits + 1
        assert without_date(again) == without_date(flask), path
        assert again.get_data() == flask.get_data(), path
        for name in (
            "Content-Security-Policy",
            "X-Content-Type-Options",
            "Referrer-Policy",
            "X-Frame-Options",
            "ETag",
        ):
            assert again.headers.get(name), (path, name)
        assert again.headers["Cache-Control"].startswith("public"), path
        assert "Set-Cookie" not in again.headers, path
    assert client.get_cookie("syndicate_session") is None
    # What the store was charged for each page bounds what the page's entry holds.
    pages = [kept for key, kept in cache.store._lru.items() if key[0] == "page"]
    assert len(pages) >= len(paths)
    for kept in pages:
        assert deep_size(kept.value) <= kept.size - OVERHEAD


def test_query_strings_in_another_order_share_an_entry(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Tide tables for Morrow Bay")
    make_article(session, headline="Bay swimmers return")
    session.commit()
    cache = page_cache(app)
    first = client.get("/search?q=tide&page=1")
    assert b"Morrow Bay" in first.get_data()
    hits = cache.hits
    again = client.get("/search?page=1&q=tide")
    assert cache.hits == hits + 1
    assert again.get_data() == first.get_data()
    other = client.get("/search?q=swimmers")
    assert cache.hits == hits + 1
    assert b"Bay swimmers return" in other.get_data()
    assert b"Morrow Bay" not in other.get_data()


def test_conditional_requests_get_304_from_memory(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    paths = public_paths(session)
    session.commit()
    cache = page_cache(app)
    for path in paths:
        first = client.get(path)
        etag = first.headers["ETag"]
        before = cache.not_modified
        cached = client.get(path, headers={"If-None-Match": etag})
        assert cached.status_code == 304, path
        assert cache.not_modified == before + 1, path
        assert cached.get_data() == b""
        assert cached.headers["ETag"] == etag
        assert cached.headers["Cache-Control"].startswith("public")
        flask = straight_from_flask(client, path, headers={"If-None-Match": etag})
        assert flask.status_code == 304
        assert without_date(cached) == without_date(flask), path
        listed = client.get(path, headers={"If-None-Match": f'"older", W/{etag}'})
        assert listed.status_code == 304, path
        assert cache.not_modified == before + 2, path
        # Another validator is not a match: the full page, still from memory.
        hits = cache.hits
        full = client.get(path, headers={"If-None-Match": '"something-else"'})
        assert full.status_code == 200
        assert cache.hits == hits + 1
        assert full.get_data() == first.get_data()


def test_if_modified_since_on_public_feeds(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session)
    session.commit()
    first = client.get("/feeds/public.atom")
    last_modified = first.headers["Last-Modified"]
    cached = client.get("/feeds/public.atom", headers={"If-Modified-Since": last_modified})
    flask = straight_from_flask(
        client, "/feeds/public.atom", headers={"If-Modified-Since": last_modified}
    )
    assert cached.status_code == flask.status_code == 304
    assert without_date(cached) == without_date(flask)


def test_head_is_answered_from_memory_without_a_body(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    path = f"/articles/{story.slug}"
    cache = page_cache(app)
    before = cache.stores
    head = client.head(path)  # the view renders the whole page for a HEAD too: it is kept
    assert head.status_code == 200
    assert head.get_data() == b""
    assert cache.stores == before + 1
    hits = cache.hits
    for encoding in ("", "gzip"):
        headers = {"Accept-Encoding": encoding}
        get = client.get(path, headers=headers)
        head = client.head(path, headers=headers)
        assert cache.hits == hits + 2
        hits = cache.hits
        assert head.get_data() == b""
        assert without_date(head) == without_date(get)
        assert head.headers["Content-Length"] == str(len(get.get_data()))


# --- changes show on the next request --------------------------------------------------------


def test_edits_corrections_rights_and_comments_show_on_the_next_request(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    store = media_store_for(app)
    story = make_article(session, headline="Harbour bell rings again")
    image = make_image(session, store, creator="Tamsin Oake", organization="")
    add_image(session, story, image, ImageRole.LEAD)
    session.commit()
    path = f"/articles/{story.slug}"
    cache = page_cache(app)

    def fetch() -> str:
        client.get(path)
        hits = cache.hits
        page = client.get(path)
        assert cache.hits == hits + 1, "the unchanged page comes from memory"
        return page.get_data(as_text=True)

    assert "Harbour bell rings again" in fetch()
    assert "Tamsin Oake" in fetch()

    retitle(session, story, "Harbour bell rings at dawn")
    session.commit()
    assert "Harbour bell rings at dawn" in fetch()

    add_correction(session, story, "The bell weighs two tonnes, not three.", None)
    session.commit()
    assert "two tonnes, not three" in fetch()

    update_image_rights(
        session,
        image,
        ImageRights(rights_class=RightsClass.AGENCY, creator="Pell Agency", organization=""),
        alt_text="A bronze bell",
        caption="The bell, recast.",
        actor_id=None,
    )
    session.commit()
    page = fetch()
    assert "Pell Agency" in page
    assert "Tamsin Oake" not in page

    approved_comment(session, app, story, "I heard it from the ferry this morning.")
    session.commit()
    assert "I heard it from the ferry this morning." in fetch()


def test_comments_change_pages_but_never_the_feed_version(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session, headline="Lighthouse keeper retires")
    session.commit()
    path = f"/articles/{story.slug}"
    feeds = current_version(session)
    discussion = watch_for(app).read()[2]

    def page() -> str:
        return client.get(path).get_data(as_text=True)

    assert "Lighthouse keeper retires" in page()
    held = posted_comment(session, app, story, "Thirty winters on that rock.")
    session.commit()
    assert watch_for(app).read()[2] == discussion, "a held comment shows nowhere"
    comments.mark_spam(session, held, actor_id=None, now=utcnow())
    session.commit()
    assert watch_for(app).read()[2] == discussion, "held to spam shows nowhere either"

    shown = posted_comment(session, app, story, "He kept the lamp lit through the storm.")
    session.commit()
    comments.approve(session, shown, actor_id=None, now=utcnow())
    session.commit()
    assert watch_for(app).read()[2] == discussion + 1, "approval shows the comment"
    assert "He kept the lamp lit through the storm." in page()

    comments.mark_spam(session, shown, actor_id=None, now=utcnow())
    session.commit()
    assert watch_for(app).read()[2] == discussion + 2, "hiding a shown comment"
    assert "He kept the lamp lit" not in page()
    # Partner feeds show no comments: their version, and so their cached copies, stay.
    assert current_version(session) == feeds


def test_a_change_rolled_back_never_labels_a_later_one(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session, headline="Orchard fair opens")
    session.commit()
    path = f"/articles/{story.slug}"
    assert "Orchard fair opens" in client.get(path).get_data(as_text=True)

    # A change kept only until its transaction is rolled back, rendered meanwhile.
    savepoint = session.begin_nested()
    retitle(session, story, "Orchard fair postponed")
    session.flush()
    assert "Orchard fair postponed" in client.get(path).get_data(as_text=True)
    savepoint.rollback()
    session.expire_all()

    # Another change raises the version to the same number as the rolled-back one.
    retitle(session, session.get(Article, story.id) or story, "Orchard fair moves indoors")
    session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "Orchard fair moves indoors" in page
    assert "postponed" not in page


# --- who and what is never served from memory ------------------------------------------------


def test_signed_in_readers_bypass_the_cache_and_do_not_poison_it(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_user(session, email="night-editor@example.org", role=Role.STAFF)
    story = make_article(session)
    session.commit()
    path = f"/articles/{story.slug}"
    cache = page_cache(app)
    public = client.get(path)
    assert client.get(path).get_data() == public.get_data()

    assert login(client, "night-editor@example.org").status_code == 302
    hits, bypassed = cache.hits, cache.bypassed
    for _ in range(2):
        private = client.get(path)
        assert private.status_code == 200
        assert private.headers["Cache-Control"] == "private, no-store"
        assert "night-editor@example.org" in private.get_data(as_text=True)
    assert cache.hits == hits
    assert cache.bypassed == bypassed + 2

    anonymous = app.test_client()
    page = anonymous.get(path)
    assert "night-editor@example.org" not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"].startswith("public")
    assert cache.hits == hits + 1


def test_credentials_of_any_kind_bypass_the_cache(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    path = f"/articles/{story.slug}"
    cache = page_cache(app)
    client.get(path)
    hits = cache.hits
    client.get(path, headers={"Authorization": "Bearer not-a-real-token"})
    for cookies in ({"syndicate_remember": "1|abc"}, {"theme": "dark", "syndicate_session": "x"}):
        holder = app.test_client()
        for name, value in cookies.items():
            holder.set_cookie(name, value)
        assert holder.get(path).status_code == 200
    assert cache.hits == hits
    # An unrelated cookie says nothing about who is reading.
    reader = app.test_client()
    reader.set_cookie("theme", "dark")
    reader.get(path)
    assert cache.hits == hits + 1


def test_non_public_paths_never_come_from_memory(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = make_article(session)
    session.commit()
    cache = page_cache(app)
    paths = [
        "/staff",
        "/staff/articles",
        "/portal",
        "/api/v1/articles",
        "/login",
        f"/articles/{story.slug}/comments",
        "/republish/apply",
        "/no-such-page",
    ]
    hits, stores = cache.hits, cache.stores
    for path in paths * 2:
        client.get(path)
    assert cache.hits == hits
    assert cache.stores == stores


def test_missing_pages_and_refusals_are_not_kept(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    cache = page_cache(app)
    stores = cache.stores
    for _ in range(2):
        assert client.get("/articles/no-such-story").status_code == 404
        assert client.get("/search?page=999&q=x").status_code == 404
    assert client.post("/search").status_code in (400, 405)
    assert cache.stores == stores


class FakeApp:
    """A WSGI app answering a public path with whatever headers a test sets, leaving its
    representation in the environ as a public page does."""

    def __init__(self, headers: list[tuple[str, str]], status: str = "200 OK") -> None:
        self.headers = headers
        self.status = status
        self.calls = 0

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        self.calls += 1
        body = b"<p>page</p>"
        environ[REPRESENTATION] = representation(body, None)
        start_response(self.status, [*self.headers, ("Content-Length", str(len(body)))])
        return [body]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ([("Cache-Control", "public, max-age=60"), ("Set-Cookie", "a=b; Path=/")], "200 OK"),
        ([("Cache-Control", "private, no-store")], "200 OK"),
        ([], "200 OK"),
        ([("Cache-Control", "public, max-age=60"), ("Vary", "Accept-Language")], "200 OK"),
        ([("Cache-Control", "public, max-age=60")], "404 NOT FOUND"),
        ([("Cache-Control", "public, max-age=60")], "206 PARTIAL CONTENT"),
    ],
    ids=["set-cookie", "private", "no-cache-control", "vary", "404", "206"],
)
def test_unsuitable_answers_are_never_kept(
    app: Flask, db: Database, headers: list[tuple[str, str]], status: str
) -> None:
    inner = FakeApp(headers, status)
    cache = PageCache(app, inner, store=Store(1 << 20))
    client = Client(cache)
    for _ in range(3):
        client.get("/republish")
    assert inner.calls == 3
    assert cache.stores == cache.hits == 0


def test_a_suitable_answer_is_kept_and_an_oversized_one_is_not(app: Flask, db: Database) -> None:
    inner = FakeApp([("Cache-Control", "public, max-age=60"), ("Vary", "Cookie")])
    cache = PageCache(app, inner, store=Store(1 << 20))
    for _ in range(3):
        assert Client(cache).get("/republish").get_data() == b"<p>page</p>"
    assert (inner.calls, cache.stores, cache.hits) == (1, 1, 2)

    tiny = FakeApp([("Cache-Control", "public, max-age=60")])
    small_cache = PageCache(app, tiny, store=Store(1 << 20), max_bytes=40)
    for _ in range(2):
        Client(small_cache).get("/republish")
    assert tiny.calls == 2
    assert small_cache.stores == 0


def test_entries_expire_after_the_configured_age(app: Flask, db: Database) -> None:
    now = [1_000_000.0]
    inner = FakeApp([("Cache-Control", "public, max-age=60")])
    cache = PageCache(app, inner, store=Store(1 << 20), max_age_seconds=30, clock=lambda: now[0])
    client = Client(cache)
    client.get("/republish")
    now[0] += 29
    client.get("/republish")
    assert inner.calls == 1
    now[0] += 2
    client.get("/republish")
    assert inner.calls == 2


def test_switched_off_everything_goes_to_flask(app: Flask, db: Database) -> None:
    inner = FakeApp([("Cache-Control", "public, max-age=60")])
    cache = PageCache(app, inner, store=Store(1 << 20), enabled=False)
    for _ in range(3):
        Client(cache).get("/republish")
    assert inner.calls == 3
    assert cache.stores == cache.hits == 0


# --- time alone ------------------------------------------------------------------------------


def test_comments_close_on_time_without_any_write(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "COMMENTS_CLOSE_AFTER_DAYS", 1)
    story = make_article(session, headline="Comments close soon")
    story.first_published_at = utcnow() - timedelta(days=1) + timedelta(seconds=1.5)
    session.commit()
    path = f"/articles/{story.slug}"
    cache = page_cache(app)
    open_page = client.get(path).get_data(as_text=True)
    hits = cache.hits
    assert client.get(path).get_data(as_text=True) == open_page
    assert cache.hits == hits + 1
    assert story.first_published_at is not None
    closes = story.first_published_at + timedelta(days=1)
    time.sleep(max(0.0, (closes - utcnow()).total_seconds()) + 0.2)
    closed_page = client.get(path).get_data(as_text=True)
    assert cache.hits == hits + 1
    assert closed_page != open_page


# --- two workers on one database, with real commits ------------------------------------------


@pytest.fixture(scope="module")
def shared_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database whose commits are real (not rolled back per test)."""
    with real_commit_database(tmp_path_factory.mktemp("pages")) as url:
        yield url


@pytest.fixture
def workers(app: Flask, shared_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Flask]]:
    """Two application instances (two workers) on one database."""
    pair = tuple(
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "shared-secret-for-both-workers",
                "DATABASE_URL": shared_url,
                "MEDIA_DIR": str(tmp_path / "media"),
                "SITE_BASE_URL": "http://localhost",
            }
        )
        for _ in range(2)
    )
    try:
        yield pair[0], pair[1]
    finally:
        for worker in pair:
            worker.extensions["syndicate.db"].dispose()


def database_of(worker: Flask) -> Database:
    """The worker's database."""
    database: Database = worker.extensions["syndicate.db"]
    return database


def test_a_change_through_one_worker_shows_in_the_other_at_once(
    workers: tuple[Flask, Flask],
) -> None:
    first, second = workers
    with database_of(first).transaction() as session:
        story = make_article(session, headline="Ferry to Skell resumes")
        path, story_id = f"/articles/{story.slug}", story.id
    reader = second.test_client()
    cache = page_cache(second)
    assert "Ferry to Skell resumes" in reader.get(path).get_data(as_text=True)
    hits = cache.hits
    reader.get(path)
    assert cache.hits == hits + 1

    with database_of(first).transaction() as session:
        found = session.get(Article, story_id)
        assert found is not None
        add_correction(session, found, "The ferry sails from the north quay.", None)
    page = reader.get(path).get_data(as_text=True)
    assert "The ferry sails from the north quay." in page
    assert cache.hits == hits + 1

    with database_of(first).transaction() as session:
        found = session.get(Article, story_id)
        assert found is not None
        approved_comment(session, first, found, "Finally, the island is connected again.")
    assert "Finally, the island is connected again." in reader.get(path).get_data(as_text=True)
    assert cache.hits == hits + 1
    reader.get(path)
    assert cache.hits == hits + 2


def test_a_scheduled_story_appears_at_its_release_without_any_write(
    workers: tuple[Flask, Flask],
) -> None:
    first, _second = workers
    release = utcnow() + timedelta(seconds=2)
    with database_of(first).transaction() as session:
        story = make_article(session, headline="Lantern parade announced", released_at=release)
        path = f"/articles/{story.slug}"
    reader = first.test_client()
    cache = page_cache(first)
    assert "Lantern parade announced" not in reader.get("/").get_data(as_text=True)
    hits = cache.hits
    assert "Lantern parade announced" not in reader.get("/").get_data(as_text=True)
    assert cache.hits == hits + 1, "before the release the front page comes from memory"
    assert reader.get(path).status_code == 404

    with database_of(first).transaction() as session:
        before = current_version(session)
    time.sleep(max(0.0, (release - utcnow()).total_seconds()) + 0.2)
    assert "Lantern parade announced" in reader.get("/").get_data(as_text=True)
    assert reader.get(path).status_code == 200
    with database_of(first).transaction() as session:
        assert current_version(session) == before
        assert session.scalar(select(Article.id).where(Article.slug == story.slug))
