"""Feed fetch counts: one per partner feed answered 200 or 304, by the view or the fast path.

A count is appended to a deque (appends and pops of a deque are documented thread-safe) and
folded into per-(publisher, day) totals under a lock. The totals are written with one
insert-or-increment per pair when a request finds the flush interval
(``PICKUPS_FETCH_FLUSH_SECONDS``) passed, by a thread of the process that checks as often,
and by the server when a worker exits (gunicorn's ``worker_exit``, :mod:`syndicate.server`).
A write that fails puts its counts back for the next one.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter, deque
from datetime import date

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from syndicate.database import Database
from syndicate.forking import reset_after_fork
from syndicate.newswire.models import FeedFetch

log = logging.getLogger(__name__)
BATCH = 4096
Pair = tuple[int, date]


def record_fetches(connection: Connection, publisher_id: int, day: date, count: int) -> None:
    """Add ``count`` fetches for a publisher and day with a single statement."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(FeedFetch).values(publisher_id=publisher_id, day=day, count=count)
    stmt = stmt.on_conflict_do_update(
        index_elements=[FeedFetch.publisher_id, FeedFetch.day],
        set_={"count": FeedFetch.count + stmt.excluded.count},
    )
    connection.execute(stmt)


class FetchCounter:
    """This process's fetch counts not yet written."""

    def __init__(self, interval_seconds: float, database: Database | None = None) -> None:
        self.interval = interval_seconds
        self.database = database
        self._recent: deque[Pair] = deque()
        self._totals: Counter[Pair] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self._timer: threading.Thread | None = None
        reset_after_fork(self)

    def hit(self, publisher_id: int, day: date) -> None:
        """Count one fetch; write the counts when the interval has passed."""
        self._recent.append((publisher_id, day))
        if len(self._recent) >= BATCH:
            with self._lock:
                self._fold()
        if self.database is not None:
            if self._timer is None:
                self._start_timer()
            if time.monotonic() - self._last_flush >= self.interval:
                self.flush()

    def take(self) -> dict[Pair, int]:
        """Remove and return the pending counts."""
        with self._lock:
            self._fold()
            totals = dict(self._totals)
            self._totals.clear()
            self._last_flush = time.monotonic()
        return totals

    def restore(self, counts: dict[Pair, int]) -> None:
        """Put back counts that were taken but could not be written."""
        with self._lock:
            self._totals.update(counts)

    def flush(self) -> int:
        """Write the pending counts in one transaction; returns the pairs written."""
        pending = self.take()
        if not pending or self.database is None:
            self.restore(pending)
            return 0
        try:
            with self.database.transaction() as session:
                for (publisher_id, day), count in sorted(pending.items()):
                    record_fetches(session.connection(), publisher_id, day, count)
        except Exception:  # statistics must never break a feed answer
            self.restore(pending)
            log.exception("could not write feed fetch counts")
            return 0
        return len(pending)

    def _fold(self) -> None:
        # With the lock held: only folding pops, so every item counted is still there.
        recent, totals = self._recent, self._totals
        for _ in range(len(recent)):
            totals[recent.popleft()] += 1

    def after_fork(self) -> None:
        """In a forked child: the parent's counts are the parent's to write, its lock may
        have been held at the fork, and its timer thread did not come along."""
        self._lock = threading.Lock()
        self._recent = deque()
        self._totals = Counter()
        self._last_flush = time.monotonic()
        self._timer = None

    def _start_timer(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Thread(
                    target=_timer, args=(weakref.ref(self),), daemon=True
                )
                self._timer.start()


def _timer(ref: weakref.ref[FetchCounter]) -> None:
    """Write the counts of an idle process too; ends with its counter. Sessions bound to one
    connection (the test suite's) are left to the request thread that owns it."""
    pause = threading.Event()  # waits without time.sleep, which tests may replace
    while (counter := ref()) is not None:
        wait = min(max(counter.interval, 0.5), 60.0)
        database = counter.database
        own = database is not None and database.sessionmaker.kw.get("bind") is database.engine
        if own and time.monotonic() - counter._last_flush >= counter.interval:
            counter.flush()
        del counter
        pause.wait(wait)


def install(app: Flask) -> FetchCounter:
    """Give ``app`` its fetch counter (``app.extensions["syndication.fetches"]``)."""
    counter = FetchCounter(
        float(app.config["PICKUPS_FETCH_FLUSH_SECONDS"]), app.extensions["syndicate.db"]
    )
    app.extensions["syndication.fetches"] = counter
    return counter
