"""The version watch: each worker knows the content version without a read per request,
and still sees every acknowledged change on its very next request.

Unit-level tests drive :class:`VersionWatch` on a real database (SQLite file, or a fresh
PostgreSQL database when the suite runs there) whose commits are real. The last test serves
the application with gunicorn and two worker processes and checks, over HTTP, that a key
revoked and a story edited through the API show in every worker from the next request on.
"""

from __future__ import annotations

import gc
import http.client
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from licenses.models import FeedKey
from syndicate.accounts.models import Role
from syndicate.accounts.services import create_api_token
from syndicate.app import create_app
from syndicate.content.models import Article
from syndicate.database import Database
from syndicate.orm import utcnow
from syndicate.syndication import version, watch
from syndicate.syndication.version import current_version
from syndicate.syndication.watch import SETTLE_SECONDS, VersionWatch
from tests.factories import make_article, make_feed_partner, make_user
from tests.test_partner_feeds_workers import serving
from tests.test_partner_feeds_workers import shared_database as shared_database_fixture

shared_database = shared_database_fixture


@pytest.fixture
def seeded(shared_database: str) -> Iterator[dict[str, Any]]:
    """The shared database with one story and one feed partner; a writer that settles."""
    version.install()
    writer = Database(shared_database)
    with writer.transaction() as session:
        article = make_article(session, slug="watched-story", dek="First.")
        _publisher, secret = make_feed_partner(session)
        ids = {"article": article.id, "secret": secret}
    try:
        yield {"url": shared_database, "writer": writer, **ids}
    finally:
        writer.dispose()


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The settling waits commits make, recorded as they happen (each still really waits):
    how long a commit takes says nothing reliable on a busy machine."""
    recorded: list[float] = []
    real_sleep = time.sleep

    def recording_sleep(seconds: float) -> None:
        # time.sleep is the process's: other threads' sleeps are not the commits' waits.
        if sys._getframe(1).f_code is watch.settle.__code__:
            recorded.append(seconds)
        real_sleep(seconds)

    monkeypatch.setattr(watch.time, "sleep", recording_sleep)
    return recorded


def edit(database: Database, article_id: int, dek: str) -> int:
    """Change the story (raising the version); return the version it committed."""
    with database.transaction() as session:
        article = session.get(Article, article_id)
        assert article is not None
        article.dek = dek
    with database.session() as session:
        return current_version(session).number


def wait_until(condition: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


# ----------------------------------------------------------------------------- writers


def test_a_commit_that_raises_the_version_waits_out_the_trust_span(
    seeded, waits: list[float]
) -> None:
    writer: Database = seeded["writer"]
    writer.session_info[SETTLE_SECONDS] = 0.5
    started = time.monotonic()
    editing = threading.Thread(target=edit, args=(writer, seeded["article"], "Second."))
    editing.start()
    # Once the commit settles (on a busy machine, committing alone can take a while): still
    # waiting, but no longer holding a connection (nor, on SQLite, the write lock).
    wait_until(lambda: waits or not editing.is_alive())
    assert editing.is_alive()
    assert writer.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    editing.join()
    assert time.monotonic() - started >= 0.5
    assert waits == [0.5]

    # Bookkeeping that changes nothing a reader sees (a key's last use) does not wait.
    with writer.transaction() as session:
        key = session.scalars(select(FeedKey)).one()
        key.last_used_at = utcnow()
    assert waits == [0.5]

    # Nor does a transaction that raised the version and was rolled back, nor the commit
    # of an unrelated session afterwards.
    session = writer.session(write=True)
    try:
        article = session.get(Article, seeded["article"])
        assert article is not None
        article.dek = "Never."
        session.flush()
        session.rollback()
    finally:
        session.close()
    with writer.transaction() as session:
        session.execute(select(Article.id)).all()
    assert waits == [0.5]


def test_without_a_trust_span_nothing_waits_and_every_stamp_is_a_read(
    seeded, waits: list[float]
) -> None:
    reader = Database(seeded["url"])
    try:
        direct = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0)
        # As the application wires it: writers owe the trust span of its watch.
        seeded["writer"].session_info[SETTLE_SECONDS] = direct.trust_seconds
        first = direct.stamp()
        number = edit(seeded["writer"], seeded["article"], "Second.")
        assert waits == []
        assert direct.stamp()[0] == number != first[0]
        assert direct.direct_reads == 2
        assert direct._thread is None  # no poller at all
    finally:
        reader.dispose()


# ----------------------------------------------------------------------------- readers


def test_a_stamp_is_trusted_only_within_the_span_then_read_again(
    seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = Database(seeded["url"])
    now = [100.0]
    try:
        w = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0.05, clock=lambda: now[0])
        monkeypatch.setattr(w, "_start", lambda: None)  # no poller: the clock decides alone
        before = w.stamp()
        assert w.direct_reads == 1
        number = edit(seeded["writer"], seeded["article"], "Second.")  # no settling here

        now[0] += 0.049
        assert w.stamp() == before  # still trusted: from memory, no read
        assert w.direct_reads == 1
        now[0] += 0.002
        assert w.stamp()[0] == number  # too old: read again
        assert w.direct_reads == 2
    finally:
        reader.dispose()


def test_the_poller_keeps_the_stamp_current_without_reads_in_requests(seeded) -> None:
    reader = Database(seeded["url"])
    try:
        w = VersionWatch(reader, poll_seconds=0.4, trust_seconds=1.0)
        w.stamp()
        wait_until(lambda: w.polls >= 1)
        reads = w.direct_reads
        number = edit(seeded["writer"], seeded["article"], "Second.")
        # A poll sent before the edit committed may end after it: wait for the stamp itself
        # (each call is a request asking, which keeps the poller going).
        wait_until(lambda: w.stamp()[0] == number)
        assert w.direct_reads == reads
    finally:
        reader.dispose()


def test_a_polled_stamp_carries_the_moment_a_session_reads(seeded) -> None:
    reader = Database(seeded["url"])
    try:
        w = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0.05)
        number = edit(seeded["writer"], seeded["article"], "Third.")
        polls = w.polls
        w.stamp()
        wait_until(lambda: w.polls > polls + 1)
        with reader.session() as session:
            read = current_version(session)
        assert read.number == number
        # The poller reads with the driver's cursor; the feed view labels its copies and
        # dates its Last-Modified with this moment, so it must be the column's aware value.
        assert w.stamp()[:2] == (read.number, read.changed_at)
        assert read.changed_at.tzinfo is not None
    finally:
        reader.dispose()


def test_an_acknowledged_change_is_seen_at_once_by_another_process_watch(seeded) -> None:
    """The guarantee itself: once the writer's commit returns, no trusted stamp is older."""
    writer: Database = seeded["writer"]
    writer.session_info[SETTLE_SECONDS] = 0.05
    reader = Database(seeded["url"])
    try:
        w = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0.05)
        w.stamp()
        wait_until(lambda: w.polls >= 3)
        for n in range(12):
            number = edit(writer, seeded["article"], f"Revision {n}.")
            assert w.stamp()[0] == number, f"stale stamp after acknowledged change {n}"
        assert w.polls > 3
    finally:
        reader.dispose()


def test_the_poller_rests_when_unused_and_wakes_on_demand(
    seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch, "IDLE_SECONDS", 0.1)
    reader = Database(seeded["url"])
    try:
        w = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0.05)
        w.stamp()
        time.sleep(0.5)
        resting = w.polls
        assert resting >= 2
        time.sleep(0.3)
        assert w.polls == resting  # nobody asked: no polling
        number = edit(seeded["writer"], seeded["article"], "Second.")
        assert w.stamp()[0] == number  # an old stamp: read in the request, poller woken
        wait_until(lambda: w.polls > resting)
    finally:
        reader.dispose()


def test_disposing_the_engine_stops_the_poller(seeded) -> None:
    reader = Database(seeded["url"])
    w = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0.05)
    w.stamp()
    thread = w._thread
    assert thread is not None
    assert thread.is_alive()
    reader.dispose()
    assert not thread.is_alive()
    assert w._thread is None


def test_a_forgotten_watch_stops_its_poller(seeded) -> None:
    reader = Database(seeded["url"])
    w = VersionWatch(reader, poll_seconds=0.01, trust_seconds=0.05)
    w.stamp()
    thread = w._thread
    assert thread is not None
    del w, reader
    # The poller holds the watch only while it polls: once the cycle (application, engine,
    # watch) is collected, the thread ends.
    deadline = time.monotonic() + 5
    while thread.is_alive() and time.monotonic() < deadline:
        gc.collect()
        thread.join(timeout=0.05)
    assert not thread.is_alive()


def test_the_poll_interval_must_fit_twice_in_the_trust_span(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="half the trust span"):
        create_app(
            {
                "SECRET_KEY": "watch-config-secret",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'config.db'}",
                "CACHE_VERSION_POLL_MS": 40,
                "CACHE_VERSION_TRUST_MS": 50,
            }
        )


# ----------------------------------------------------------------------------- workers


def _call(port: int, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers = {**headers, "Content-Type": "application/json"}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_every_gunicorn_worker_sees_an_acknowledged_change_on_its_next_request(
    seeded, tmp_path: Path
) -> None:
    """Two worker processes, each with its own watch; keys revoked and a story edited over
    HTTP show in both workers from the next request on."""
    url = seeded["url"]
    with seeded["writer"].transaction() as session:
        staff = make_user(session, role=Role.STAFF, email="watch.editor@example.org")
        _token, staff_token = create_api_token(session, staff, label="watch")
        article = session.get(Article, seeded["article"])
        assert article is not None
        slug, article_version = article.slug, article.version
    with serving(url, tmp_path, workers=2) as (base, log_path):
        port = int(base.rsplit(":", 1)[1])
        _check_both_workers(port, seeded["secret"], staff_token, slug, article_version)
    # Both workers answered the revoked key (the access log names the worker's process).
    refusing = re.findall(r'<(\d+)> "GET /feeds/partner.rss HTTP/1.1" 401', log_path.read_text())
    assert len(set(refusing)) == 2, "only one worker was seen refusing the revoked key"


def _check_both_workers(
    port: int, secret: str, staff: str, slug: str, article_version: int
) -> None:
    feed = {"Authorization": f"Bearer {secret}"}
    staff_auth = {"Authorization": f"Bearer {staff}"}
    page = f"/articles/{slug}"
    outcomes: list[tuple[float, float, str, int, bytes]] = []  # sent, answered, what, status
    lock = threading.Lock()
    stop = threading.Event()

    def fetch(path: str, headers: dict[str, str], what: str) -> None:
        while not stop.is_set():
            sent = time.monotonic()
            status, body = _call(port, "GET", path, headers)
            with lock:
                outcomes.append((sent, time.monotonic(), what, status, body))

    # Fresh connections each time, so both workers answer both kinds of request.
    threads = [threading.Thread(target=fetch, args=(page, {}, "page")) for _ in range(3)]
    threads += [threading.Thread(target=fetch, args=("/feeds/partner.rss", feed, "feed"))]
    threads += [threading.Thread(target=fetch, args=("/feeds/partner.rss", feed, "feed"))]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: sum(1 for o in list(outcomes) if o[3] == 200) >= 200, seconds=60)
        edited_sent = time.monotonic()
        status, body = _call(
            port,
            "PATCH",
            f"/api/v1/articles/{slug}",
            staff_auth,
            {"version": article_version, "dek": "Edited while readers watched."},
        )
        assert status == 200, body
        edited = time.monotonic()
        time.sleep(0.3)
        status, body = _call(port, "GET", "/api/v1/feed-keys", staff_auth)
        assert status == 200, body
        (key,) = json.loads(body)["items"]
        revoke_sent = time.monotonic()
        status, body = _call(port, "DELETE", f"/api/v1/feed-keys/{key['id']}", staff_auth)
        assert status == 204, body
        revoked = time.monotonic()
        time.sleep(0.4)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    pages_before = [o for o in outcomes if o[2] == "page" and o[1] < edited_sent]
    pages_after = [o for o in outcomes if o[2] == "page" and o[0] > edited]
    feeds_before = [o for o in outcomes if o[2] == "feed" and o[1] < revoke_sent]
    feeds_after = [o for o in outcomes if o[2] == "feed" and o[0] > revoked]
    assert pages_before
    assert pages_after
    assert feeds_before
    assert feeds_after
    assert all(b"Edited while readers watched." not in o[4] for o in pages_before)
    assert all(o[3] == 200 and b"Edited while readers watched." in o[4] for o in pages_after), (
        "a page served after the edit was acknowledged still showed the old text"
    )
    assert {o[3] for o in feeds_before} == {200}
    assert {o[3] for o in feeds_after} == {401}, "a revoked key was served after the revocation"
