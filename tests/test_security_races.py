"""Concurrent article edits over real HTTP, threads released together by a barrier.

A second application on its own freshly migrated database (real commits, dropped at the
end) is served by a threaded werkzeug server; every client thread has its own connection
and every request its own database session. On PostgreSQL the version column guards the
UPDATE itself; on SQLite writers are serialised by ``BEGIN IMMEDIATE`` and then see the new
version. Either way exactly one save of a given version wins and the others get 409.

Double approval of a licensing request is covered by tests/test_licensing_domain.py and
the API tests. Here too: a feed key revoked while partners fetch their feed as fast as they
can fails on every request that starts after the revocation is committed.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from syndicate.accounts.models import Role
from syndicate.accounts.services import create_api_token
from syndicate.app import create_app
from syndicate.audit import AuditEvent
from syndicate.content.models import Article
from syndicate.database import Database
from syndicate.migrate import upgrade
from tests.conftest import _fresh_postgres
from tests.factories import make_article, make_feed_partner, make_user

THREADS = 8


def _backends() -> list[str]:
    backends = ["sqlite"]
    if os.environ.get("SYNDICATE_TEST_DATABASE_URL", "").startswith("postgresql"):
        backends.append("postgresql")
    return backends


@pytest.fixture(params=_backends())
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A threaded HTTP server for an app on its own database, with a staff token and a story."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'race.db'}", None
    else:
        url, drop = _fresh_postgres(os.environ["SYNDICATE_TEST_DATABASE_URL"])
    upgrade(url)
    database = Database(url)
    with database.transaction() as session:
        user = make_user(session, role=Role.STAFF, email="race.editor@example.org")
        _token, secret = create_api_token(session, user, label="races")
        article = make_article(session, slug="contested-story", dek="Start.")
        slug = article.slug
        _publisher, feed_key = make_feed_partner(session)
    app = create_app(
        {
            "SECRET_KEY": "race-test-secret",
            "DATABASE_URL": url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "RATELIMIT_API": "100000 per minute",
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield {
            "port": server.server_port,
            "token": secret,
            "slug": slug,
            "database": database,
            "feed_key": feed_key,
        }
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["syndicate.db"].dispose()
        database.dispose()
        if drop is not None:
            drop()


def _request(port: int, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Authorization": f"Bearer {token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def _article(served: dict[str, Any]) -> dict[str, Any]:
    status, body = _request(
        served["port"], served["token"], "GET", f"/api/v1/articles/{served['slug']}"
    )
    assert status == 200, body
    return dict(body)


def test_concurrent_saves_of_one_version_let_exactly_one_win(served) -> None:
    start = _article(served)
    barrier = threading.Barrier(THREADS)
    results: dict[int, tuple[int, Any]] = {}

    def edit(n: int) -> None:
        body = {"version": start["version"], "headline": f"Headline from editor {n}"}
        barrier.wait(timeout=30)
        results[n] = _request(
            served["port"], served["token"], "PATCH", f"/api/v1/articles/{served['slug']}", body
        )

    threads = [threading.Thread(target=edit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200] + [409] * (THREADS - 1), results
    (winner,) = [n for n, (status, _) in results.items() if status == 200]
    for status, body in results.values():
        if status == 409:
            assert body["error"]["fields"] == {"version": "stale"}
    final = _article(served)
    assert final["headline"] == f"Headline from editor {winner}"
    assert final["version"] == start["version"] + 1
    with served["database"].session() as session:
        updates = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "article.update")
        )
    assert updates == 1  # the losers left no trace


def test_read_modify_write_with_retries_loses_no_update(served) -> None:
    start = _article(served)
    barrier = threading.Barrier(THREADS)
    attempts: dict[int, int] = {}

    def append_marker(n: int) -> None:
        barrier.wait(timeout=30)
        tries = 0
        while True:
            tries += 1
            current = _article(served)
            body = {"version": current["version"], "dek": f"{current['dek']} [{n}]"}
            status, reply = _request(
                served["port"],
                served["token"],
                "PATCH",
                f"/api/v1/articles/{served['slug']}",
                body,
            )
            if status == 200:
                attempts[n] = tries
                return
            assert status == 409, reply
            assert tries < 100

    threads = [threading.Thread(target=append_marker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(attempts) == THREADS
    final = _article(served)
    markers = [f"[{n}]" for n in range(THREADS)]
    assert all(marker in final["dek"] for marker in markers), final["dek"]
    assert sum(final["dek"].count(marker) for marker in markers) == THREADS
    assert final["version"] == start["version"] + THREADS
    with served["database"].session() as session:
        stored = session.scalar(select(Article.version).where(Article.slug == served["slug"]))
    assert stored == final["version"]


def test_a_key_revoked_during_feed_fetches_fails_from_the_next_request(served) -> None:
    """Fetchers hammer the feed (through the fast path once warm) while staff revoke the key."""
    port, feed_key = served["port"], served["feed_key"]
    revoked_at: list[float] = []
    outcomes: list[tuple[float, float, int]] = []  # (sent, answered, status)
    lock = threading.Lock()
    stop = threading.Event()
    barrier = threading.Barrier(THREADS + 1)

    def fetch_feed() -> None:
        barrier.wait(timeout=30)
        while not stop.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            sent = time.monotonic()
            try:
                connection.request(
                    "GET", "/feeds/partner.rss", headers={"Authorization": f"Bearer {feed_key}"}
                )
                response = connection.getresponse()
                response.read()
                status = response.status
            finally:
                connection.close()
            with lock:
                outcomes.append((sent, time.monotonic(), status))

    threads = [threading.Thread(target=fetch_feed) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=30)
    status, keys = _request(port, served["token"], "GET", "/api/v1/feed-keys")
    assert status == 200, keys
    (key,) = keys["items"]
    deadline = time.monotonic() + 30
    while not any(s == 200 for *_, s in list(outcomes)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    delete_sent = time.monotonic()
    status, _ = _request(port, served["token"], "DELETE", f"/api/v1/feed-keys/{key['id']}")
    assert status == 204
    revoked_at.append(time.monotonic())
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes, "no fetch completed"
    assert {status for *_, status in outcomes} <= {200, 401}, "no server error, no other status"
    before = [s for sent, answered, s in outcomes if answered < delete_sent]
    after = [s for sent, answered, s in outcomes if sent > revoked_at[0]]
    assert before, "some fetches finished before the revocation"
    assert 200 in before
    assert after, "some fetches started after the revocation"
    assert set(after) == {401}, "a revoked key must fail on every later request"
