"""Rendered partner feeds, kept in memory and never served stale.

An entry is stored under (publisher, scope signature, format) together with the content
version it was rendered from and the moment it stops being true (the next scheduled
release in scope or the next photo permission to lapse). It is used only while the
database's version is the same and that moment has not come: the version is checked on
every request (:mod:`.watch`), so a change made through any worker or machine is seen by
all of them on their next request. Keys and licences are checked on every request, before the
cache. The memory is bounded: least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime

from feeds.http import Representation


@dataclass(frozen=True)
class CachedFeed:
    """One rendered feed and the conditions under which it is still exact."""

    version: int
    valid_until: datetime | None
    representation: Representation
    content_type: str

    @property
    def size(self) -> int:
        """Bytes held (both encodings)."""
        rep = self.representation
        return len(rep.body) + len(rep.gzip_body)

    def fresh(self, version: int, now: datetime) -> bool:
        """Whether this entry is exactly what a render at ``now`` would give."""
        return self.version == version and (self.valid_until is None or now < self.valid_until)


class FeedCache:
    """A thread-safe LRU of :class:`CachedFeed`, bounded by total size."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, CachedFeed] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int, now: datetime) -> CachedFeed | None:
        """The entry for ``key`` if it is still exact, else ``None``."""
        # The lookup only reads; marking the entry recently used reorders the map, so it
        # happens under the lock like every other change: an eviction walking the map in
        # another thread must never see it reordered (that raised "OrderedDict mutated
        # during iteration" under load). When another thread holds the lock, the mark is
        # skipped rather than waited for: recency is a hint, and readers queueing on the
        # lock cost more than an eviction order that is slightly off.
        entry = self._entries.get(key)
        if entry is None:
            return None
        if not entry.fresh(version, now):
            with self._lock:
                if self._entries.get(key) is entry:
                    self._drop(key)
            return None
        if self._lock.acquire(blocking=False):
            try:
                # Evicted meanwhile by another thread: the entry is still exact; no trace.
                if self._entries.get(key) is entry:
                    self._entries.move_to_end(key)
            finally:
                self._lock.release()
        return entry

    def peek(self, key: Hashable) -> CachedFeed | None:
        """The entry under ``key``, fresh or not, leaving it and its recency untouched."""
        return self._entries.get(key)

    def put(self, key: Hashable, entry: CachedFeed) -> None:
        """Store ``entry``, evicting the least recently used ones beyond the bound."""
        if entry.size > self.max_bytes:
            return
        with self._lock:
            self._drop(key)
            self._entries[key] = entry
            self._bytes += entry.size
            while self._bytes > self.max_bytes and self._entries:
                self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        """Forget everything (benchmarks time cold renders with it)."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry.size

    def __len__(self) -> int:
        return len(self._entries)
