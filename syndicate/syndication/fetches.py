"""Feed fetch counting that costs the feed path almost nothing.

A WSGI middleware around the application sees every partner feed answer the view gives,
and the fast path reports the cache hits it answers itself; each 200 or 304 adds one to an
in-memory counter per (publisher, day); the publisher of a key is learned when the view
accepts it. The counts are written
with one insert-or-increment per pair at most once per flush interval per process. A
process that dies loses at most one interval of counts: these are statistics, not accounts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from syndicate.database import Database
from syndicate.newswire.models import FeedFetch
from syndicate.orm import utcnow
from syndicate.syndication.credentials import presented_digest
from syndicate.syndication.tally import Tally

log = logging.getLogger(__name__)


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
    """Pending fetch counts of this process; counting takes no lock (see :mod:`.tally`)."""

    def __init__(self, interval_seconds: float) -> None:
        self.interval = interval_seconds
        self._pending: Tally[tuple[int, date]] = Tally()
        self._last_flush = time.monotonic()

    def hit(self, publisher_id: int, day: date) -> None:
        """Count one fetch."""
        self._pending.add((publisher_id, day))

    def due(self) -> bool:
        """Whether the pending counts should be written now."""
        return time.monotonic() - self._last_flush >= self.interval and bool(self._pending)

    def take(self) -> dict[tuple[int, date], int]:
        """Remove and return the pending counts."""
        self._last_flush = time.monotonic()
        return self._pending.take()

    def flush(self, connection: Connection) -> int:
        """Write the pending counts in ``connection``'s transaction; returns pairs written."""
        pending = self.take()
        try:
            for (publisher_id, day), count in sorted(pending.items()):
                record_fetches(connection, publisher_id, day, count)
        except Exception:
            self._pending.restore(pending)
            raise
        return len(pending)


FEED_PATHS = frozenset({"/feeds/partner.rss", "/feeds/partner.atom", "/feeds/partner.json"})
MAX_LEARNED_KEYS = 10_000


class KeyDirectory:
    """Which publisher a feed key (by digest) belongs to, learned when the view accepts it.

    Only keys the view has authenticated are here, and only 200/304 answers are counted,
    so a revoked or unknown key never counts.
    """

    def __init__(self) -> None:
        self._publishers: dict[str, int] = {}
        self._lock = threading.Lock()

    def learn(self, digest: str, publisher_id: int) -> None:
        """Remember the publisher of an accepted key."""
        with self._lock:
            if len(self._publishers) >= MAX_LEARNED_KEYS:
                self._publishers.clear()
            self._publishers[digest] = publisher_id

    def publisher_for(self, digest: str) -> int | None:
        """The publisher of a key seen before, else ``None``."""
        return self._publishers.get(digest)


class FetchCountingMiddleware:
    """Counts every partner feed request the application answers with 200 or 304.

    The fast path, which wraps it, counts the answers it gives itself through :meth:`count`;
    the only work per request is a hash of the key and a dictionary update.
    """

    def __init__(
        self,
        wsgi_app: Callable[..., Iterable[bytes]],
        counter: FetchCounter,
        keys: KeyDirectory,
        database: Database,
    ) -> None:
        self.wsgi_app = wsgi_app
        self.counter = counter
        self.keys = keys
        self.database = database

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Pass the request on; count it if it was a partner feed answered 200 or 304."""
        if environ.get("PATH_INFO") not in FEED_PATHS:
            return self.wsgi_app(environ, start_response)
        statuses: list[str] = []

        def recording(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, recording)
        if statuses and statuses[-1][:3] in ("200", "304"):
            publisher_id = self.keys.publisher_for(presented_digest(environ))
            if publisher_id is not None:
                self.count(publisher_id, utcnow().date())
        return result

    def count(self, publisher_id: int, day: date) -> None:
        """Count one answered fetch (also called by the fast path for its own answers)."""
        self.counter.hit(publisher_id, day)
        if self.counter.due():
            self._flush()

    def _flush(self) -> None:
        try:
            with self.database.transaction() as session:
                self.counter.flush(session.connection())
        except Exception:  # statistics must never break a feed answer
            log.exception("could not write feed fetch counts")


def install(app: Flask) -> FetchCountingMiddleware:
    """Wrap ``app``'s WSGI stack with the fetch counter."""
    counter = FetchCounter(float(app.config["PICKUPS_FETCH_FLUSH_SECONDS"]))
    keys = KeyDirectory()
    app.extensions["syndication.fetches"] = counter
    app.extensions["syndication.fetch_keys"] = keys
    middleware = FetchCountingMiddleware(
        app.wsgi_app, counter, keys, app.extensions["syndicate.db"]
    )
    app.wsgi_app = middleware  # type: ignore[method-assign]
    app.extensions["syndication.fetch_counting"] = middleware
    return middleware
