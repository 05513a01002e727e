"""Fetch counts and store reads stay exact under real threads switching as often as they can."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from feeds.http import representation
from syndicate.database import Database
from syndicate.newswire.models import FeedFetch
from syndicate.syndication.cache import Store
from syndicate.syndication.fetches import BATCH, FetchCounter
from syndicate.syndication.render import CachedFeed
from tests.conftest import real_commit_database
from tests.depth import examples
from tests.factories import make_feed_partner

THREADS = 8


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    # Hand the GIL over as often as possible, so threads interleave inside every call.
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def _run(threads: int, work: Callable[[], None]) -> None:
    """Run ``work`` in ``threads`` threads at once; an exception in any of them fails."""
    start = threading.Barrier(threads)
    failures: list[BaseException] = []

    def body() -> None:
        start.wait()
        try:
            work()
        except BaseException as error:  # reported below, in the test's own thread
            failures.append(error)

    running = [threading.Thread(target=body) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    assert failures == []


DAY = datetime(2026, 3, 1, tzinfo=UTC).date()


def test_counts_from_many_threads_are_exact_while_being_taken() -> None:
    counter = FetchCounter(interval_seconds=3600)
    per_thread = BATCH * 3
    taken: list[dict[tuple[int, object], int]] = []
    stop = threading.Event()

    def taker() -> None:
        while not stop.is_set():
            taken.append(counter.take())

    reader = threading.Thread(target=taker)
    reader.start()

    def add() -> None:
        for i in range(per_thread):
            counter.hit(i % 3, DAY)

    _run(THREADS, add)
    stop.set()
    reader.join()
    taken.append(counter.take())
    totals = {key: sum(part.get((key, DAY), 0) for part in taken) for key in (0, 1, 2)}
    assert totals == {key: THREADS * len(range(key, per_thread, 3)) for key in (0, 1, 2)}
    assert counter.take() == {}


def test_counts_restored_after_a_failed_write_are_kept() -> None:
    counter = FetchCounter(interval_seconds=0)
    for _ in range(5):
        counter.hit(7, DAY)
    taken = counter.take()
    assert taken == {(7, DAY): 5}
    counter.restore(taken)
    counter.hit(7, DAY)
    assert counter.take() == {(7, DAY): 6}


def _entry(text: str, valid_until: datetime | None = None) -> CachedFeed:
    rep = representation(text.encode() * 50, datetime(2026, 1, 1, tzinfo=UTC))
    return CachedFeed(valid_until, rep)


def test_store_reads_stay_exact_while_other_threads_write() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    one = _entry("a")
    store = Store(max_bytes=(one.size + 400) * 3)
    keys = [("feed", publisher, ("all",), "rss") for publisher in range(6)]
    wrong: list[object] = []

    def churn() -> None:
        for round_ in range(3_000):
            key = keys[round_ % len(keys)]
            found = store.get(key, (1, "a"), now)
            if found is not None and found.valid_until is not None:
                wrong.append(found)  # an expired copy must never come back
            if found is None:
                entry = _entry("a")
                store.put(key, (1, "a"), entry, entry.size)
            if round_ % 7 == 0:
                gone = _entry("a", valid_until=now - timedelta(seconds=1))
                store.put(key, (1, "a"), gone, gone.size, gone.valid_until)

    _run(THREADS, churn)
    assert wrong == []
    stats = store.stats()
    assert stats["entries"] <= 3
    assert stats["bytes"] <= store.max_bytes


def test_readers_marking_entries_recent_never_break_a_writer_evicting() -> None:
    """Readers reorder the map (most recently used) while writers evict from its front,
    for 3 s at the thorough depth (CI), 1 s at the quick one."""
    now = datetime(2026, 5, 1, tzinfo=UTC)
    one = _entry("a")
    store = Store(max_bytes=(one.size + 400) * 8)
    keys = [("feed", publisher, ("all",), "rss") for publisher in range(16)]
    deadline = time.monotonic() + examples(thorough=3, quick=1)

    def reader() -> None:
        while time.monotonic() < deadline:
            for key in keys:
                store.get(key, 1, now)

    def writer() -> None:
        while time.monotonic() < deadline:
            for key in keys:
                entry = _entry("a")
                store.put(key, 1, entry, entry.size)

    failures: list[BaseException] = []

    def guarded(work: Callable[[], None]) -> Callable[[], None]:
        def body() -> None:
            try:
                work()
            except BaseException as error:  # reported below
                failures.append(error)

        return body

    threads = [threading.Thread(target=guarded(reader)) for _ in range(4)]
    threads += [threading.Thread(target=guarded(writer)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(store) <= 8
    assert store.stats()["bytes"] <= store.max_bytes


@pytest.fixture
def counted_partner(tmp_path: Path) -> Iterator[tuple[Database, int, Callable[[], int]]]:
    """A real-commit database with one partner: the database, the partner's id, and how
    many fetches the database holds."""
    with real_commit_database(tmp_path) as url:
        database = Database(url)
        try:
            with database.transaction() as session:
                publisher, _secret = make_feed_partner(session)
                session.flush()
                publisher_id = publisher.id

            def written() -> int:
                with database.session() as session:
                    return int(session.scalar(select(func.sum(FeedFetch.count))) or 0)

            yield database, publisher_id, written
        finally:
            database.dispose()


def test_an_idle_process_writes_its_counts_on_a_timer(
    counted_partner: tuple[Database, int, Callable[[], int]],
) -> None:
    """No request after the last count: the counter's own thread writes it."""
    database, publisher_id, written = counted_partner
    counter = FetchCounter(interval_seconds=0.3, database=database)
    counter._last_flush = time.monotonic()  # not due when counted
    for _ in range(3):
        counter.hit(publisher_id, DAY)
    deadline = time.monotonic() + 10
    while written() != 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert written() == 3


def test_a_forked_worker_writes_its_own_counts_on_its_own_timer(
    counted_partner: tuple[Database, int, Callable[[], int]],
) -> None:
    """A gunicorn worker is forked from a process that may have counted: the worker starts
    its own timer, writes what it counted, and leaves what the parent counted to the parent."""
    database, publisher_id, written = counted_partner
    counter = FetchCounter(interval_seconds=3600, database=database)
    counter.hit(publisher_id, DAY)  # the parent's, not due for an hour
    assert counter._timer is not None
    child = os.fork()
    if child == 0:  # the child reports through its exit status, without pytest's exit
        status = 1
        try:
            counter.interval = 0.2
            counter.hit(publisher_id, DAY)
            counter.hit(publisher_id, DAY)
            deadline = time.monotonic() + 10
            while written() != 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            status = 0 if written() == 2 else 2
        finally:
            os._exit(status)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert written() == 2
    assert counter.flush() == 1
    assert written() == 3
