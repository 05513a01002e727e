"""Partner feeds across processes: two app instances on one database, a real gunicorn
server whose logs must never show a feed key, and Werkzeug's request log."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from werkzeug.serving import make_server

from syndicate.app import create_app
from syndicate.content.models import Article
from syndicate.content.services import add_correction
from syndicate.database import Database
from tests.conftest import real_commit_database
from tests.factories import make_article, make_feed_partner

BIN = Path(sys.executable).parent


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A freshly migrated database whose commits are real (not rolled back per test)."""
    with real_commit_database(tmp_path) as url:
        yield url


def worker_app(url: str, tmp_path: Path) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "shared-secret-for-both-workers",
            "DATABASE_URL": url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "SITE_BASE_URL": "http://localhost",
        }
    )


def seed(url: str) -> tuple[int, str]:
    database = Database(url)
    try:
        with database.transaction() as session:
            article = make_article(session, headline="Ferry timetable changes")
            _publisher, secret = make_feed_partner(session)
            return article.id, secret
    finally:
        database.dispose()


def test_a_change_through_one_worker_shows_in_the_other(
    shared_database: str, tmp_path: Path
) -> None:
    first, second = worker_app(shared_database, tmp_path), worker_app(shared_database, tmp_path)
    try:
        article_id, secret = seed(shared_database)
        headers = {"Authorization": f"Bearer {secret}"}
        before = second.test_client().get("/feeds/partner.atom", headers=headers)
        assert before.status_code == 200
        assert b"Ferry timetable changes" in before.data
        assert first.test_client().get("/feeds/partner.atom", headers=headers).status_code == 200

        with first.extensions["syndicate.db"].transaction() as session:
            article = session.get(Article, article_id)
            assert article is not None
            add_correction(session, article, "The ferry leaves at 7:40.", actor_id=None)

        after = second.test_client().get("/feeds/partner.atom", headers=headers)
        entry = feedparser.parse(after.data).entries[0]
        assert "The ferry leaves at 7:40." in entry.content[0].value
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        for app in (first, second):
            app.extensions["syndicate.db"].dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError as error:
            error.close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


@contextmanager
def serving(url: str, tmp_path: Path, *, workers: int = 1) -> Iterator[tuple[str, Path]]:
    """``syndicate serve`` on ``url`` (access log on); yields its base URL and log file."""
    port = free_port()
    env = {
        **os.environ,
        "SYNDICATE_DATABASE_URL": url,
        "SYNDICATE_INSTANCE_PATH": str(tmp_path / "instance"),
        "SYNDICATE_SECRET_KEY": "served-feeds-test-secret",
    }
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "syndicate"), "serve", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(base + "/feeds/public.rss")
            yield base, log_path
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)


def test_feed_keys_never_reach_the_server_log(shared_database: str, tmp_path: Path) -> None:
    _article_id, secret = seed(shared_database)
    with serving(shared_database, tmp_path) as (base, log_path):
        with urllib.request.urlopen(
            f"{base}/feeds/partner.rss?key={secret}", timeout=10
        ) as response:
            assert response.status == 200
            assert b"Ferry timetable changes" in response.read()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/feeds/partner.rss?key={secret}x", timeout=10)
        assert refused.value.code == 401
        refused.value.close()
    output = log_path.read_text()
    assert "/feeds/partner.rss" in output  # the access log was on
    assert secret not in output
    assert secret[len("synd_feed_") :] not in output


def test_werkzeug_request_log_redacts_the_key(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    secret = "synd_feed_" + "Q" * 43
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{server.port}/feeds/partner.rss?key={secret}", timeout=10
                )
            assert refused.value.code == 401
            refused.value.close()
    finally:
        server.shutdown()
        thread.join(timeout=5)
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any("/feeds/partner.rss?key=[redacted]" in line for line in lines), lines
    assert all(secret not in line for line in lines)
