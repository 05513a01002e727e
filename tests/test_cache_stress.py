"""The caches under load: many threads and workers reading while others write.

Readers must never see an error, another partner's feed or a copy older than the last
change acknowledged to its writer; what the caches keep alive must stay within their byte
budget (measured by walking the live objects, not read from the caches' own counts); and a
worker that is asked to exit must have written every fetch it counted.
"""

from __future__ import annotations

import gc
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from feeds.http import Representation
from syndicate.app import create_app
from syndicate.content.models import Article
from syndicate.database import Database
from syndicate.newswire.models import FeedFetch
from syndicate.syndication import version
from syndicate.syndication.cache import Store
from syndicate.syndication.watch import SETTLE_SECONDS
from tests.browser_support import gunicorn_workers
from tests.conftest import real_commit_database
from tests.depth import examples
from tests.factories import make_article, make_feed_partner
from tests.test_partner_feeds_workers import free_port, wait_for

BIN = Path(sys.executable).parent
FEED_BUDGET = 160_000
PAGE_BUDGET = 64_000
EDITION = re.compile(rb"Edition (\d+)")


@pytest.fixture
def database_with_partners(tmp_path: Path) -> Iterator[tuple[str, list[tuple[str, str]], int]]:
    """A real-commit database: thirty stories, twenty-four partners (name, key) each
    licensed for everything, and the id of the story whose headline the writers edit."""
    with real_commit_database(tmp_path) as url:
        database = Database(url)
        try:
            with database.transaction() as session:
                for n in range(30):
                    make_article(session, headline=f"Harbour story {n}", dek="Quay works. " * 40)
                edited = make_article(session, headline="Edition 0 of the tide tables")
                partners = []
                for _ in range(24):
                    publisher, secret = make_feed_partner(session)
                    session.flush()
                    partners.append((f"{publisher.id}:{publisher.name}", secret))
                edited_id = edited.id
        finally:
            database.dispose()
        yield url, partners, edited_id


class Editor:
    """Edits the story's headline to ``Edition n`` and remembers the last acknowledged n:
    a commit returns only once every worker's next request sees it (see watch.py)."""

    def __init__(self, url: str, article_id: int) -> None:
        version.install()
        self.database = Database(url)
        self.database.session_info[SETTLE_SECONDS] = 0.05
        self.article_id = article_id
        self.acknowledged = 0
        self.lock = threading.Lock()
        self.next = 0

    def edit(self) -> None:
        with self.lock:
            self.next += 1
            n = self.next
            with self.database.transaction() as session:
                article = session.get(Article, self.article_id)
                assert article is not None
                article.headline = f"Edition {n} of the tide tables"
            self.acknowledged = n


def check_feed(body: bytes, name: str, acknowledged: int, problems: list[str], where: str) -> None:
    """A feed body must be this partner's and at least as new as ``acknowledged``."""
    if f"stories for {name.split(':', 1)[1]}".encode() not in body:
        problems.append(f"{where}: another partner's feed")
    editions = [int(n) for n in EDITION.findall(body)]
    if not editions or min(editions) < acknowledged:
        problems.append(f"{where}: edition {editions[:1]} after {acknowledged} was acknowledged")


def live_representation_bytes() -> int:
    """Bytes of every rendered feed still alive in this process."""
    gc.collect()
    return sum(
        len(obj.body) + len(obj.gzip_body)
        for obj in gc.get_objects()
        if type(obj) is Representation
    )


@pytest.fixture
def switch_often() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def run_for(seconds: float, workers: list[Callable[[], None]]) -> list[BaseException]:
    """Run each worker in a thread, repeatedly, for ``seconds``; the exceptions raised."""
    deadline = time.monotonic() + seconds
    failures: list[BaseException] = []

    def loop(work: Callable[[], None]) -> None:
        try:
            while time.monotonic() < deadline:
                work()
        except BaseException as error:  # reported by the test
            failures.append(error)

    threads = [threading.Thread(target=loop, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    return failures


def test_readers_and_writers_over_the_real_caches(
    database_with_partners: tuple[str, list[tuple[str, str]], int],
    tmp_path: Path,
    switch_often: None,
) -> None:
    """Four reader threads ask for every partner's feeds in every format through the real
    application (fast path, view, caches) with a budget of about three feeds, while two
    writers edit a story and render feeds of their own; the GIL changes hands every
    microsecond."""
    url, partners, article_id = database_with_partners
    app: Flask = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "stress-secret",
            "DATABASE_URL": url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "SITE_BASE_URL": "http://localhost",
            "FEEDS_CACHE_MAX_BYTES": FEED_BUDGET,
            "SITE_PAGE_CACHE_MAX_BYTES": PAGE_BUDGET,
            "RATELIMIT_ENABLED": False,
        }
    )
    editor = Editor(url, article_id)
    problems: list[str] = []
    statuses: Counter[int] = Counter()
    rng = random.Random(19)

    def reader() -> None:
        client = app.test_client()
        name, secret = rng.choice(partners)
        fmt = rng.choice(("rss", "atom", "json"))
        acknowledged = editor.acknowledged
        response = client.get(
            f"/feeds/partner.{fmt}", headers={"Authorization": f"Bearer {secret}"}
        )
        statuses[response.status_code] += 1
        if response.status_code != 200:
            problems.append(f"{fmt} for {name}: {response.status_code}")
            return
        check_feed(response.data, name, acknowledged, problems, f"{fmt} for {name}")

    def writer() -> None:
        editor.edit()
        time.sleep(0.2)

    try:
        failures = run_for(examples(8, 2), [reader] * 4 + [writer] * 2)
        assert failures == []
        assert problems == [], problems[:5]
        assert statuses[200] > 50, statuses
        # Measured: the rendered feeds alive in this process, whoever holds them.
        assert live_representation_bytes() <= FEED_BUDGET + PAGE_BUDGET
    finally:
        editor.database.dispose()
        app.extensions["syndicate.db"].dispose()


class Payload:
    """A value that knows the key and label it was stored under, and holds ``size`` bytes."""

    def __init__(self, key: tuple[str, int], label: tuple[int, int], size: int) -> None:
        self.key, self.label, self.data = key, label, b"x" * size

    def __iter__(self) -> Iterator[Any]:
        # What a grant names, as the fast path's (publisher, scope) does: its feed's key.
        return iter(self.key[1:2])


def test_store_readers_and_writers_never_see_a_stale_or_foreign_entry(
    switch_often: None,
) -> None:
    """Four readers, three fast-path readers (a grant, then the feed it names) and three
    writers over one store for three seconds, the label (version) rising meanwhile: every
    value returned is the one kept under that key and label, every read through is counted,
    and the payloads alive afterwards fit the budget."""
    budget = 64 * 1024
    store = Store(budget)
    label = [(1, 0)]
    keys = [("feed", n, "rss") for n in range(40)]
    grants = [("grant", n) for n in range(40)]
    wrong: list[str] = []
    rng = random.Random(3)

    through: list[int] = []  # list.append: one atomic step per successful read through

    def read() -> None:
        key, now_label = rng.choice(keys), label[0]
        value = store.get(key, now_label, 0.0)
        if value is not None and (value.key != key or value.label != now_label):
            wrong.append(f"{key} at {now_label}: {value.key} {value.label}")

    def read_through() -> None:
        # The fast path's read: a grant, then the feed it names.
        n, now_label = rng.randrange(len(keys)), label[0]
        found = store.get_through(("grant", n), "feed", "rss", now_label, 0.0)
        if found is not None:
            through.append(1)
            for value, key in zip(found, (("grant", n), ("feed", n, "rss")), strict=True):
                if value.key != key or value.label != now_label:
                    wrong.append(f"through {key} at {now_label}: {value.key} {value.label}")

    def write() -> None:
        key, now_label = rng.choice([*keys, *grants]), label[0]
        store.put(key, now_label, Payload(key, now_label, 4000), 4000 + 64)

    def raise_version() -> None:
        label[0] = (label[0][0] + 1, label[0][1] + 1)
        time.sleep(0.01)

    assert run_for(3, [read] * 4 + [read_through] * 3 + [write] * 2 + [raise_version]) == []
    assert wrong == []
    assert through, "no read went through"
    assert store.count("grant", "through") == len(through)
    gc.collect()
    alive = sum(len(obj.data) for obj in gc.get_objects() if type(obj) is Payload)
    assert alive <= budget
    stats = store.stats()
    assert stats["bytes"] <= budget
    assert stats["hits"] > 0
    assert stats["misses"] > 0


# ----------------------------------------------------------------------------- served


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def fetch(url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), dict(error.headers)


def test_served_churn_with_a_tiny_budget_and_counts_that_survive_the_workers(
    database_with_partners: tuple[str, list[tuple[str, str]], int], tmp_path: Path
) -> None:
    """``syndicate serve --workers 2`` with room for about three feeds: partners' feeds
    (some conditional) and public pages under load while a story is edited; no 5xx, nothing
    stale or foreign. Then every worker is asked to exit (SIGTERM, as a deploy or
    ``max_requests`` does): every fetch answered is in the database, though the flush
    interval is an hour."""
    url, partners, article_id = database_with_partners
    config = tmp_path / "syndicate.toml"
    config.write_text(
        f"[feeds]\ncache_max_bytes = {FEED_BUDGET}\n"
        f"[site]\npage_cache_max_bytes = {PAGE_BUDGET}\n"
        "[pickups]\nfetch_flush_seconds = 3600\n"
        "[ratelimit]\nenabled = false\n"
    )
    port = free_port()
    env = {
        **os.environ,
        "SYNDICATE_DATABASE_URL": url,
        "SYNDICATE_INSTANCE_PATH": str(tmp_path / "instance"),
        "SYNDICATE_SECRET_KEY": "served-stress-secret",
        "SYNDICATE_CONFIG": str(config),
    }
    log_path = tmp_path / "server.log"
    editor = Editor(url, article_id)
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "syndicate"), "serve", "--port", str(port), "--workers", "2", "--no-worker"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/feeds/public.rss")
        problems: list[str] = []
        answered: Counter[str] = Counter()
        statuses: Counter[int] = Counter()
        etags: dict[tuple[str, str], str] = {}
        rng = random.Random(7)

        def reader() -> None:
            name, secret = rng.choice(partners)
            fmt = rng.choice(("rss", "atom", "json"))
            headers = {"Authorization": f"Bearer {secret}"}
            if (name, fmt) in etags and rng.random() < 0.3:
                headers["If-None-Match"] = etags[name, fmt]
            acknowledged = editor.acknowledged
            status, body, sent = fetch(f"{base}/feeds/partner.{fmt}", headers)
            statuses[status] += 1
            if status in (200, 304):
                answered[name] += 1
            if status == 200:
                etags[name, fmt] = sent.get("ETag", "")
                check_feed(body, name, acknowledged, problems, f"{fmt} for {name}")
            elif status != 304:
                problems.append(f"{fmt} for {name}: {status}")

        def pages() -> None:
            status, _body, _ = fetch(base + rng.choice(("/", "/feeds/public.rss", "/search")), {})
            statuses[status] += 1
            if status >= 500:
                problems.append(f"page: {status}")

        def writer() -> None:
            editor.edit()
            time.sleep(0.3)

        # Rounds of load until enough feeds were answered to mean something: a busy machine
        # answers fewer per round, and that is no failure of the server's.
        failures: list[BaseException] = []
        started = time.monotonic()
        while sum(answered.values()) <= 100 and time.monotonic() - started < 60:
            failures += run_for(examples(10, 2), [reader] * 5 + [pages, writer])
        assert failures == []
        assert problems == [], problems[:5]
        assert not any(status >= 500 for status in statuses), statuses
        assert sum(answered.values()) > 100, statuses

        # Every worker asked to exit politely; the server starts new ones.
        workers = gunicorn_workers(server.pid)
        assert len(workers) == 2, workers
        for pid in workers:
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        database = Database(url)
        try:
            with database.session() as session:
                rows = session.execute(
                    select(FeedFetch.publisher_id, func.sum(FeedFetch.count)).group_by(
                        FeedFetch.publisher_id
                    )
                ).all()
        finally:
            database.dispose()
        written = {publisher_id: int(count) for publisher_id, count in rows}
        expected = {int(name.split(":")[0]): n for name, n in answered.items()}
        assert written == expected
    finally:
        editor.database.dispose()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
