"""Counting without a lock per count, and cache reads without a lock, under real threads."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from feeds.http import representation
from syndicate.syndication.cache import CachedFeed, FeedCache
from syndicate.syndication.fetches import FetchCounter
from syndicate.syndication.tally import Tally

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


def test_counts_from_many_threads_are_exact_while_being_taken() -> None:
    tally: Tally[int] = Tally(batch=64)
    per_thread = 20_000
    taken: list[dict[int, int]] = []
    stop = threading.Event()

    def taker() -> None:
        while not stop.is_set():
            taken.append(tally.take())

    reader = threading.Thread(target=taker)
    reader.start()

    def add() -> None:
        for i in range(per_thread):
            tally.add(i % 3)

    _run(THREADS, add)
    stop.set()
    reader.join()
    taken.append(tally.take())
    totals = {key: sum(part.get(key, 0) for part in taken) for key in (0, 1, 2)}
    assert sum(totals.values()) == THREADS * per_thread
    assert totals == {
        0: THREADS * len(range(0, per_thread, 3)),
        1: THREADS * len(range(1, per_thread, 3)),
        2: THREADS * len(range(2, per_thread, 3)),
    }
    assert not tally
    assert tally.take() == {}


def test_a_count_below_the_batch_is_seen_by_total_and_take() -> None:
    tally: Tally[str] = Tally(batch=1000)
    tally.add("y")
    tally.add("y")
    tally.add("x")
    assert tally
    assert tally.total("y") == 2
    assert tally.total("x") == 1
    assert tally.take() == {"y": 2, "x": 1}
    assert tally.total("y") == 0


def test_counts_restored_after_a_failed_write_are_kept() -> None:
    counter = FetchCounter(interval_seconds=0)
    day = datetime(2026, 3, 1, tzinfo=UTC).date()
    for _ in range(5):
        counter.hit(7, day)
    assert counter.due()
    taken = counter.take()
    assert taken == {(7, day): 5}
    assert not counter.due()
    counter._pending.restore(taken)
    counter.hit(7, day)
    assert counter.take() == {(7, day): 6}


def _entry(version: int, text: str, valid_until: datetime | None = None) -> CachedFeed:
    rep = representation(text.encode() * 50, datetime(2026, 1, 1, tzinfo=UTC))
    return CachedFeed(version, valid_until, rep, "application/rss+xml; charset=utf-8")


def test_cache_reads_stay_exact_while_other_threads_write() -> None:
    now = datetime(2026, 5, 1, tzinfo=UTC)
    one = _entry(1, "a")
    cache = FeedCache(max_bytes=one.size * 3)
    keys = [(publisher, ("all",), "rss") for publisher in range(6)]
    wrong: list[CachedFeed] = []

    def churn() -> None:
        for round_ in range(3_000):
            key = keys[round_ % len(keys)]
            found = cache.get(key, 1, now)
            if found is not None and not found.fresh(1, now):
                wrong.append(found)
            if cache.peek(key) is None:
                cache.put(key, _entry(1, "a"))
            if round_ % 7 == 0:
                # A copy that has stopped being exact is dropped by whoever reads it.
                cache.put(key, _entry(1, "a", valid_until=now - timedelta(seconds=1)))

    _run(THREADS, churn)
    assert wrong == []
    # The size bound holds and the byte count matches what is held.
    assert len(cache) <= 3
    assert cache._bytes == sum(entry.size for entry in cache._entries.values())
    assert cache._bytes <= cache.max_bytes


def test_readers_marking_entries_recent_never_break_a_writer_evicting() -> None:
    """Readers reorder the map (most recently used) while writers evict from its front:
    a reorder during the eviction's walk raised "OrderedDict mutated during iteration",
    which a feed request saw as a 500. Bounded: a few seconds at most."""
    now = datetime(2026, 5, 1, tzinfo=UTC)
    one = _entry(1, "a")
    cache = FeedCache(max_bytes=one.size * 8)
    keys = [(publisher, ("all",), "rss") for publisher in range(16)]
    for key in keys[:8]:
        cache.put(key, _entry(1, "a"))
    deadline = time.monotonic() + 3

    def reader() -> None:
        while time.monotonic() < deadline:
            for key in keys:
                cache.get(key, 1, now)

    def writer() -> None:
        while time.monotonic() < deadline:
            for key in keys:
                cache.put(key, _entry(1, "a"))

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
    assert len(cache) <= 8
    assert cache._bytes == sum(entry.size for entry in cache._entries.values())
