"""The partner feed fast path: cache hits answered below Flask, exactly as the view answers.

Every test checks through the middleware's own counter whether a request was answered by
the fast path, and that each change a feed depends on (a key, a licence, a publisher, an
article, time itself) takes effect on the very next request.
"""

from __future__ import annotations

import base64
import gzip
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import feedparser
import pytest
import time_machine
from flask import Flask, request
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from licenses.keys import key_digest, revoke_feed_key
from licenses.licences import revoke_licence, suspend_licence
from licenses.models import FeedKey, License, Publisher, PublisherStatus, ScopeKind
from syndicate.content.models import Article, ImageRole
from syndicate.content.services import add_correction, publish_article
from syndicate.orm import utcnow
from syndicate.syndication.credentials import DIGEST, presented_digest, presented_key
from syndicate.syndication.fastpath import FeedFastPath
from syndicate.syndication.views import feed_cache
from syndicate.syndication.views import presented_key as view_presented_key
from tests import test_partner_feeds_workers as workers
from tests.conftest import fetches_held, past_this_second
from tests.factories import (
    add_image,
    make_article,
    make_feed_partner,
    make_image,
    make_licence,
    make_section,
    media_store_for,
)
from tests.test_ops import gained, scrape
from tests.test_partner_feeds_workers import seed, serving, worker_app

# A freshly migrated database whose commits are real (the two-worker tests share it).
shared_database = workers.shared_database

FORMATS = ("rss", "atom", "json")


def fast_path(app: Flask) -> FeedFastPath:
    """The application's fast path middleware."""
    fast: FeedFastPath = app.extensions["syndication.fastpath"]
    return fast


@pytest.fixture(autouse=True)
def cold(app: Flask) -> Iterator[None]:
    """Ids and versions repeat between rolled-back tests: start with nothing remembered."""
    fast = fast_path(app)
    feed_cache(app).clear()
    assert fast.enabled
    yield
    feed_cache(app).clear()
    fast.enabled = True


def grants(app: Flask) -> int:
    """How many grants the store holds for the fast path."""
    return int(feed_cache(app).stats()["by_kind"].get("grant", {}).get("entries", 0))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def get(client: FlaskClient, fmt: str, secret: str, **headers: str) -> TestResponse:
    return client.get(f"/feeds/partner.{fmt}", headers={**bearer(secret), **headers})


def served_fast(app: Flask, client: FlaskClient, fmt: str, secret: str, **kw: str) -> TestResponse:
    """A request the fast path must answer itself."""
    fast = fast_path(app)
    before = fast.served
    response = get(client, fmt, secret, **kw)
    assert fast.served == before + 1, (response.status_code, response.get_data(as_text=True)[:200])
    return response


def settle() -> None:
    """Let the second of the last change pass, so feeds carry Last-Modified and stay cached."""
    past_this_second()


def warm(
    app: Flask, client: FlaskClient, secret: str, fmt: str = "rss", *, settled: bool = False
) -> TestResponse:
    """First request through the view (which teaches the fast path), the second through it.

    The data was just committed: wait out that second first (unless the caller already has,
    ``settled``), or the copy rendered in it would expire at its end (see render.py) and the
    second request might miss.
    """
    if not settled:
        settle()
    first = get(client, fmt, secret)
    assert first.status_code == 200
    return served_fast(app, client, fmt, secret)


# ----------------------------------------------------------------------------- parity

VARIANTS: list[tuple[str, dict[str, str]]] = [
    ("GET", {}),
    ("GET", {"Accept-Encoding": "gzip, deflate"}),
    ("GET", {"Accept-Encoding": "gzip;q=0"}),
    ("HEAD", {}),
    ("HEAD", {"Accept-Encoding": "gzip"}),
]


def conditional_variants(etag: str, gzip_etag: str, modified: str) -> list[dict[str, str]]:
    return [
        {"If-None-Match": etag},
        {"If-None-Match": gzip_etag, "Accept-Encoding": "gzip"},
        {"If-None-Match": f'W/{etag}, "other"'},
        {"If-None-Match": '"no-such-tag"'},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
        {"If-None-Match": '"no-such-tag"', "If-Modified-Since": modified},
    ]


def compare(
    app: Flask, client: FlaskClient, method: str, path: str, headers: dict[str, str]
) -> int:
    """Ask the view, then the fast path; the answers must match header for header, byte for
    byte. Returns the status."""
    fast = fast_path(app)
    fast.enabled = False
    slow = client.open(path, method=method, headers=headers)
    fast.enabled = True
    before = fast.served
    quick = client.open(path, method=method, headers=headers)
    assert fast.served == before + 1, f"{method} {path} {headers} was not served fast"
    assert quick.status == slow.status
    assert sorted(quick.headers.items()) == sorted(slow.headers.items()), (method, headers)
    assert quick.data == slow.data
    if slow.status_code == 304 or method == "HEAD":
        assert quick.data == b""
    return slow.status_code


@pytest.mark.parametrize("production", [False, True], ids=["development", "production"])
@pytest.mark.parametrize("hub", ["", "https://hub.example/websub"], ids=["no-hub", "hub"])
def test_fast_answers_equal_the_view_header_by_header_and_byte_by_byte(
    client: FlaskClient,
    session: Session,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
    hub: str,
    production: bool,
) -> None:
    monkeypatch.setitem(app.config, "FEEDS_WEBSUB_HUB", hub)
    monkeypatch.delitem(app.extensions, "syndication.settings", raising=False)
    monkeypatch.setitem(app.config, "ENV", "production" if production else "development")
    monkeypatch.setattr(fast_path(app), "production", production)
    story = make_article(session, headline="Tidal gauge readings")
    add_correction(session, story, "The gauge is at the north pier.", actor_id=None)
    _publisher, secret = make_feed_partner(session)
    session.commit()
    settle()
    statuses = set()
    for fmt in FORMATS:
        path = f"/feeds/partner.{fmt}"
        warm(app, client, secret, fmt, settled=True)
        plain = get(client, fmt, secret)
        zipped = get(client, fmt, secret, **{"Accept-Encoding": "gzip"})
        assert gzip.decompress(zipped.data) == plain.data
        assert ("Link" in plain.headers) is bool(hub)
        assert ("Strict-Transport-Security" in plain.headers) is production
        auth = bearer(secret)
        for method, extra in VARIANTS:
            statuses.add(compare(app, client, method, path, {**auth, **extra}))
        conditions = conditional_variants(
            plain.headers["ETag"], zipped.headers["ETag"], plain.headers["Last-Modified"]
        )
        for extra in conditions:
            statuses.add(compare(app, client, "GET", path, {**auth, **extra}))
        basic = base64.b64encode(f"anyone:{secret}".encode()).decode()
        statuses.add(compare(app, client, "GET", path, {"Authorization": f"Basic {basic}"}))
        statuses.add(compare(app, client, "GET", f"{path}?key={secret}", {}))
    assert statuses == {200, 304}


def test_the_key_is_read_as_the_view_reads_it(app: Flask) -> None:
    secret = "synd_feed_" + "k" * 43
    basic = base64.b64encode(f"user:{secret}".encode()).decode()
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"Authorization": f"Bearer {secret}"}, "", secret),
        ({"Authorization": f"Basic {basic}"}, "", secret),
        ({}, f"a=1&key={secret}&key=other", secret),
        # A Bearer header wins over the query string.
        ({"Authorization": "Bearer x"}, "key=y", "x"),
        # An unreadable header, or another scheme, leaves the query string to decide.
        ({"Authorization": "Basic %%%"}, "key=y", "y"),
        ({"Authorization": "Digest realm=x"}, "key=y", "y"),
        ({"Authorization": "Bearer x"}, "", "x"),
        ({"Authorization": "Bearer \t x \t"}, "key=y", "x"),
        ({"Authorization": "Bearer abc=="}, "", "abc=="),
        # Parameters instead of a token: no key, and the query string is not consulted.
        ({"Authorization": "Bearer a=b"}, "key=y", ""),
        ({"Authorization": "bearer x"}, "", "x"),
        ({}, "key=caf%C3%A9", "café"),
        ({}, "", ""),
    ]
    for headers, query, expected in cases:
        with app.test_request_context("/feeds/partner.rss", headers=headers, query_string=query):
            assert view_presented_key() == expected
            environ = dict(request.environ)
            assert presented_key(environ) == expected
            assert presented_digest(environ) == key_digest(expected)
            # Computed once: later layers read it from the environ.
            assert environ[DIGEST] == key_digest(expected)


# ----------------------------------------------------------------------------- serving


def test_fast_answers_are_counted_as_feed_fetches(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Pilots change the rota")
    publisher, secret = make_feed_partner(session)
    session.commit()
    with fetches_held(app) as counter:
        warm(app, client, secret)  # one answer from the view, one from the fast path
        served_fast(app, client, "rss", secret)
        served_fast(app, client, "rss", secret, **{"If-None-Match": '"no-match"'})
        etag = get(client, "rss", secret).headers["ETag"]
        assert served_fast(app, client, "rss", secret, **{"If-None-Match": etag}).status_code == 304
        # A refusal is not a fetch.
        assert get(client, "rss", secret + "x").status_code == 401
        assert counter.take() == {(publisher.id, utcnow().date()): 6}


def test_cache_hits_are_served_by_the_fast_path_with_one_query(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    make_article(session, headline="Lock keepers vote")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    settle()
    first = get(client, "atom", secret)
    assert first.status_code == 200
    assert grants(app)  # the view's acceptance was learned
    query_counter.clear()
    for _ in range(3):
        again = served_fast(app, client, "atom", secret)
        assert again.data == first.data
    statements = [s for s in query_counter if not s.upper().startswith(("SAVEPOINT", "RELEASE"))]
    assert len(statements) == 3, statements
    assert all("feed_state" in s for s in statements)


def test_conditional_requests_get_304_from_the_fast_path(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Quay lights dimmed")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    settle()
    response = warm(app, client, secret, "json")
    etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
    by_tag = served_fast(app, client, "json", secret, **{"If-None-Match": etag})
    assert by_tag.status_code == 304
    assert by_tag.data == b""
    assert by_tag.headers["ETag"] == etag
    by_date = served_fast(app, client, "json", secret, **{"If-Modified-Since": modified})
    assert by_date.status_code == 304
    assert by_date.data == b""
    stale = served_fast(app, client, "json", secret, **{"If-None-Match": '"old"'})
    assert stale.status_code == 200
    assert stale.data == response.data


def test_fast_answers_are_counted_like_the_views_in_the_request_and_cache_metrics(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path wraps the metrics middleware and counts its own answers: by the view's
    route, method and status, as feed fetches, in the latency histogram, and as cache hits."""
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_ADDRESSES", ["127.0.0.1/32"])
    make_article(session, headline="Ferry timetable redrawn")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    settle()
    etag = warm(app, client, secret, "rss").headers["ETag"]
    before = scrape(client)
    served_fast(app, client, "rss", secret)
    served_fast(app, client, "rss", secret, **{"If-None-Match": etag})
    fast = fast_path(app)
    answered = fast.served
    assert client.head("/feeds/partner.rss", headers=bearer(secret)).status_code == 200
    assert fast.served == answered + 1
    after = scrape(client)

    rose = partial(gained, before, after)
    route = "syndication.partner_rss"
    total = "syndicate_http_requests_total"
    assert rose(total, route=route, method="GET", status="200") == 1
    assert rose(total, route=route, method="GET", status="304") == 1
    assert rose(total, route=route, method="HEAD", status="200") == 1
    assert rose("syndicate_feed_fetches_total", feed=route, status="200") == 2
    assert rose("syndicate_feed_fetches_total", feed=route, status="304") == 1
    assert rose("syndicate_http_request_duration_seconds_count", route=route) == 3
    # Each answer found the grant, then the feed it names.
    assert rose("syndicate_cache_hits_total", cache="grant") == 3
    assert rose("syndicate_cache_hits_total", cache="feed") == 3


def test_a_failure_in_the_fast_path_is_counted_as_a_500(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An exception in the fast path's own code reaches the server, which answers 500: the
    request counter shows it, as the metrics middleware would have."""
    monkeypatch.setitem(app.config, "METRICS_ALLOWED_ADDRESSES", ["127.0.0.1/32"])
    make_article(session, headline="Footbridge reopens")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    warm(app, client, secret, "rss")
    before = scrape(client)

    def broken(*_args: Any) -> Any:
        raise RuntimeError("answer failed")

    monkeypatch.setattr("syndicate.syndication.fastpath.answer", broken)
    with pytest.raises(RuntimeError, match="answer failed"):
        get(client, "rss", secret)
    after = scrape(client)
    labels = {"route": "syndication.partner_rss", "method": "GET", "status": "500"}
    total = "syndicate_http_requests_total"
    assert gained(before, after, total, **labels) == 1


def test_switched_off_nothing_is_served_fast(
    client: FlaskClient, session: Session, app: Flask, tmp_path: Path
) -> None:
    make_article(session, headline="Weir repairs")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    fast = fast_path(app)
    fast.enabled = False
    before = fast.served
    for _ in range(3):
        assert get(client, "rss", secret).status_code == 200
    assert fast.served == before
    off = create_app_with({"FEEDS_FAST_PATH": False}, app, tmp_path)
    try:
        assert fast_path(off).enabled is False
    finally:
        off.extensions["syndicate.db"].dispose()


def create_app_with(overrides: dict[str, Any], app: Flask, tmp_path: Path) -> Flask:
    from syndicate.app import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "DATABASE_URL": app.config["DATABASE_URL"],
            "MEDIA_DIR": str(tmp_path / "media"),
            **overrides,
        }
    )


def test_requests_with_a_cookie_and_refusals_go_to_the_view(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Dune fencing")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    warm(app, client, secret)
    fast = fast_path(app)
    before = fast.served
    client.set_cookie("syndicate_session", "anything")
    assert get(client, "rss", secret).status_code == 200
    client.delete_cookie("syndicate_session")
    assert get(client, "rss", secret + "x").status_code == 401
    assert client.get("/feeds/partner.rss").status_code == 401
    assert client.post("/feeds/partner.rss", headers=bearer(secret)).status_code in (400, 405)
    assert fast.served == before


# ----------------------------------------------------------------------------- changes


def test_a_revoked_key_fails_on_the_very_next_request(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Pier closure")
    publisher, secret = make_feed_partner(session)
    session.commit()
    warm(app, client, secret)
    key = session.scalars(select(FeedKey).where(FeedKey.publisher_id == publisher.id)).one()
    revoke_feed_key(session, key, actor_id=None)
    session.commit()
    before = fast_path(app).served
    refused = get(client, "rss", secret)
    assert refused.status_code == 401
    assert "WWW-Authenticate" in refused.headers
    assert fast_path(app).served == before


def test_a_suspended_publisher_is_refused_on_the_next_request(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Ferry strike")
    publisher, secret = make_feed_partner(session)
    session.commit()
    warm(app, client, secret)
    loaded = session.get(Publisher, publisher.id)
    assert loaded is not None
    loaded.status = PublisherStatus.SUSPENDED
    session.commit()
    assert get(client, "rss", secret).status_code == 401


@pytest.mark.parametrize("change", ["revoke", "suspend"])
def test_a_licence_revoked_or_suspended_refuses_the_next_request(
    client: FlaskClient, session: Session, app: Flask, change: str
) -> None:
    make_article(session, headline="Salt marsh survey")
    publisher, secret = make_feed_partner(session)
    session.commit()
    warm(app, client, secret, "atom")
    licence = session.scalars(select(License).where(License.publisher_id == publisher.id)).one()
    act = revoke_licence if change == "revoke" else suspend_licence
    act(session, licence, reason="Terms breached.", actor_id=None)
    session.commit()
    assert get(client, "atom", secret).status_code == 403


def test_a_licence_ending_by_time_alone_refuses_the_next_request(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Estuary dredging")
    ends_at = utcnow() + timedelta(seconds=3)
    _publisher, secret = make_feed_partner(session, ends_at=ends_at)
    session.commit()
    warm(app, client, secret)
    served_fast(app, client, "rss", secret)
    # The clock moves past it; nothing is written and no time has to pass.
    with time_machine.travel(ends_at + timedelta(seconds=0.1), tick=True):
        assert get(client, "rss", secret).status_code == 403


def test_a_licence_starting_later_widens_the_feed_from_the_next_request(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    rivers, courts = make_section(session, slug="rivers"), make_section(session, slug="courts")
    make_article(session, headline="Weir repairs", section=rivers)
    make_article(session, headline="Ferry fares ruling", section=courts)
    publisher, secret = make_feed_partner(
        session, scope_kind=ScopeKind.SECTIONS, scope_sections=["rivers"]
    )
    starts_at = utcnow() + timedelta(seconds=3)
    make_licence(session, publisher, starts_at=starts_at)
    session.commit()
    narrow = warm(app, client, secret)
    assert b"Weir repairs" in narrow.data
    assert b"Ferry fares ruling" not in narrow.data
    # The clock moves past it; nothing is written and no time has to pass.
    with time_machine.travel(starts_at + timedelta(seconds=0.1), tick=True):
        wide = get(client, "rss", secret)
        assert b"Ferry fares ruling" in wide.data


def test_the_view_teaches_the_fast_path_without_reading_again(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str]
) -> None:
    make_article(session, headline="Tidal gauges")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    settle()
    query_counter.clear()
    assert get(client, "rss", secret).status_code == 200
    reads = [s for s in query_counter if s.lstrip().upper().startswith("SELECT")]
    # One read each of the key and the licences: the view's, none after it to learn them.
    assert sum("FROM feed_keys" in s for s in reads) == 1, reads
    assert sum("FROM licenses" in s for s in reads) == 1, reads
    served_fast(app, client, "rss", secret)


def test_an_article_change_shows_in_the_next_response(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    article = make_article(session, headline="Bridge tolls")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    before = warm(app, client, secret)
    add_correction(session, article, "Tolls rise in May, not April.", actor_id=None)
    session.commit()
    after = get(client, "rss", secret)
    assert after.status_code == 200
    assert b"Tolls rise in May, not April." in after.data
    assert after.headers["ETag"] != before.headers["ETag"]
    # Learned again at the new version: the next request is a fast hit with the new bytes.
    settle()
    after = get(client, "rss", secret)
    assert served_fast(app, client, "rss", secret).data == after.data


def test_a_photo_permission_lapsing_by_time_removes_the_photo(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    store = media_store_for(app)
    article = make_article(session, section=make_section(session), publish=False)
    image = make_image(session, store, creator="Passing Lens", organization="Brief Agency")
    lapses_at = utcnow() + timedelta(seconds=3)
    image.partner_allowed_until = lapses_at
    add_image(session, article, image, ImageRole.LEAD)
    publish_article(session, article, release_at=None, actor_id=None)
    _publisher, secret = make_feed_partner(session)
    session.commit()
    first = warm(app, client, secret)
    assert b"Passing Lens" in first.data
    # The clock moves past it; nothing is written and no time has to pass.
    with time_machine.travel(lapses_at + timedelta(seconds=0.1), tick=True):
        later = get(client, "rss", secret)
        assert later.status_code == 200
        assert b"Passing Lens" not in later.data
        assert image.storage_key.encode() not in later.data


def test_the_last_use_is_still_recorded_once_a_minute(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    make_article(session, headline="Ropewalk museum")
    publisher, secret = make_feed_partner(session)
    session.commit()
    warm(app, client, secret)
    key = session.scalars(select(FeedKey).where(FeedKey.publisher_id == publisher.id)).one()
    session.refresh(key)
    assert key.last_used_at is not None
    first_use = key.last_used_at
    # Pretend the last recorded use was long ago (last_used_at never raises the version).
    key.last_used_at = first_use - timedelta(minutes=5)
    session.commit()
    feed_cache(app).clear("grant")  # what the fast path knew said the use was not due
    before = fast_path(app).served
    assert get(client, "rss", secret).status_code == 200
    assert fast_path(app).served == before  # due: the view records it
    session.refresh(key)
    assert key.last_used_at is not None
    assert key.last_used_at >= first_use
    served_fast(app, client, "rss", secret)


# ----------------------------------------------------------------------------- workers


def test_two_workers_on_one_database_stay_consistent(shared_database: str, tmp_path: Path) -> None:
    first, second = worker_app(shared_database, tmp_path), worker_app(shared_database, tmp_path)
    try:
        article_id, secret = seed(shared_database)
        headers = bearer(secret)
        clients = [first.test_client(), second.test_client()]
        settle()
        for app, c in zip((first, second), clients, strict=True):
            assert c.get("/feeds/partner.atom", headers=headers).status_code == 200
            before = fast_path(app).served
            assert c.get("/feeds/partner.atom", headers=headers).status_code == 200
            assert fast_path(app).served == before + 1

        with first.extensions["syndicate.db"].transaction() as session:
            article = session.get(Article, article_id)
            assert article is not None
            add_correction(session, article, "The ferry leaves at 7:40.", actor_id=None)
        changed = clients[1].get("/feeds/partner.atom", headers=headers)
        entry = feedparser.parse(changed.data).entries[0]
        assert "The ferry leaves at 7:40." in entry.content[0].value
        settle()
        changed = clients[1].get("/feeds/partner.atom", headers=headers)
        # Both learn the new version and serve fast again, with the same bytes.
        for app, c in zip((first, second), clients, strict=True):
            c.get("/feeds/partner.atom", headers=headers)
            c.get("/feeds/partner.atom", headers=headers)
            before = fast_path(app).served
            again = c.get("/feeds/partner.atom", headers=headers)
            assert fast_path(app).served == before + 1
            assert again.data == changed.data

        with second.extensions["syndicate.db"].transaction() as session:
            key = session.scalars(select(FeedKey)).one()
            revoke_feed_key(session, key, actor_id=None)
        for c in clients:
            assert c.get("/feeds/partner.atom", headers=headers).status_code == 401
    finally:
        for app in (first, second):
            app.extensions["syndicate.db"].dispose()


# ----------------------------------------------------------------------------- logs


def test_the_key_never_reaches_a_log_line(
    client: FlaskClient,
    session: Session,
    app: Flask,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_article(session, headline="Harbour pilots")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    # A copy rendered within the second of the change expires at its end (see warm()).
    settle()
    with caplog.at_level(logging.DEBUG):
        assert client.get(f"/feeds/partner.rss?key={secret}").status_code == 200
        before = fast_path(app).served
        assert client.get(f"/feeds/partner.rss?key={secret}").status_code == 200
        assert fast_path(app).served == before + 1

        # A failure inside the fast path is logged, without the key, and the view answers.
        stamp, failures = fast_path(app).watch.stamp, []

        def broken() -> tuple[int, object, int]:
            if not failures:  # the fast path asks first, then the view
                failures.append(1)
                raise RuntimeError("version store unavailable")
            return stamp()

        monkeypatch.setattr(fast_path(app).watch, "stamp", broken)
        assert client.get(f"/feeds/partner.rss?key={secret}").status_code == 200
    assert any("fast path" in r.getMessage() for r in caplog.records)
    text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert secret not in text
    assert secret[len("synd_feed_") :] not in text


def test_a_gunicorn_worker_serving_fast_logs_no_key(shared_database: str, tmp_path: Path) -> None:
    _article_id, secret = seed(shared_database)
    with serving(shared_database, tmp_path) as (base, log_path):
        bodies = []
        for _ in range(4):
            with urllib.request.urlopen(f"{base}/feeds/partner.rss?key={secret}") as response:
                assert response.status == 200
                bodies.append(response.read())
        assert len(set(bodies)) == 1
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/feeds/partner.rss?key={secret}x", timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    output = log_path.read_text()
    assert output.count("/feeds/partner.rss") >= 5  # every request, fast or not, is logged
    assert secret not in output
    assert secret[len("synd_feed_") :] not in output
