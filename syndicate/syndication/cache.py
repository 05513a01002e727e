"""The one store behind every in-process cache: rendered feeds and pages, shared feed items,
the fast path's grants.

An entry is kept under a key whose first element names its kind, with the label it was made
under (:mod:`.watch`) and the moment it stops being exact; :meth:`Store.get` returns it only
for an equal label before that moment, and drops it otherwise. One least-recently-used map
bounded by the bytes charged per entry (a bound on what the entry holds, memos included,
which the tests check by walking the objects); no other cache or memo holds a value once it
is evicted. Every read and write holds the store's one lock, so nothing depends on the
interpreter lock.

The map is an ``OrderedDict`` kept here rather than ``cachetools.LRUCache``: a hit there runs
five Python calls (``get``, ``__contains__`` twice, two ``__getitem__``) where this one runs
none, and every cached partner feed answer makes two lookups.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Hashable
from typing import Any, NamedTuple

from flask import Flask

# Charged per entry for its key, its record and the map's bookkeeping (an allowance).
OVERHEAD = 400


class _Kept(NamedTuple):
    label: Hashable
    until: Any
    value: Any
    size: int


class Store:
    """A thread-safe LRU of labelled entries, bounded by ``max_bytes`` in all."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # Least recently used first; ``_bytes`` is the sum of the entries' sizes.
        self._lru: OrderedDict[tuple[Any, ...], _Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        # Hits and misses by kind (counted on every lookup: keyed by the kind alone, which
        # is cheaper than a pair), and the other events by (kind, event).
        self._hits: Counter[str] = Counter()
        self._misses: Counter[str] = Counter()
        self._counts: Counter[tuple[str, str]] = Counter()

    def get(self, key: tuple[Any, ...], label: Hashable, now: Any) -> Any:
        """The value under ``key`` if it was kept under ``label`` and holds at ``now``."""
        with self._lock:
            return self._held(key, label, now)

    def get_through(
        self, key: tuple[Any, ...], kind: str, suffix: Hashable, label: Hashable, now: Any
    ) -> tuple[Any, Any] | None:
        """The value under ``key`` and the one under ``(kind, *that value, suffix)``, both
        held under ``label`` at ``now``, found in one hold of the lock (the fast path: a
        grant, then its feed in one format); counted as ``through`` for the first key's kind."""
        with self._lock:
            first = self._held(key, label, now)
            second = None if first is None else self._held((kind, *first, suffix), label, now)
            if second is None:
                return None
            self._counts[key[0], "through"] += 1
            return first, second

    def _held(self, key: tuple[Any, ...], label: Hashable, now: Any) -> Any:
        # Called with the lock held.
        kept = self._lru.get(key)
        if kept is not None:
            if kept.label == label and (kept.until is None or now < kept.until):
                self._lru.move_to_end(key)
                self._hits[key[0]] += 1
                return kept.value
            self._drop(key)
        self._misses[key[0]] += 1
        return None

    def _drop(self, key: tuple[Any, ...]) -> None:
        # Called with the lock held.
        self._bytes -= self._lru.pop(key).size

    def put(
        self, key: tuple[Any, ...], label: Hashable, value: Any, size: int, until: Any = None
    ) -> bool:
        """Keep ``value`` (charged ``size`` bytes) until ``until``; evict the least recently
        used beyond the budget. ``False`` when it alone would exceed the budget."""
        kept = _Kept(label, until, value, size + OVERHEAD)
        if kept.size > self.max_bytes:
            return False
        with self._lock:
            if key in self._lru:
                self._drop(key)
            self._lru[key] = kept
            self._bytes += kept.size
            while self._bytes > self.max_bytes:
                self._bytes -= self._lru.popitem(last=False)[1].size
        return True

    def note(self, kind: str, event: str) -> None:
        """Count ``event`` of ``kind`` (hits and misses are counted by :meth:`get`)."""
        with self._lock:
            self._counts[kind, event] += 1

    def count(self, kind: str, event: str) -> int:
        """How many ``event`` of ``kind`` were counted."""
        with self._lock:
            if event in ("hits", "misses"):
                return (self._hits if event == "hits" else self._misses)[kind]
            return self._counts[kind, event]

    def stats(self) -> dict[str, Any]:
        """Hits, misses, bytes charged and entries, in all, and per kind (``by_kind``: the
        counts of :meth:`get` and :meth:`note` and the entries held)."""
        with self._lock:
            counts = Counter(self._counts)
            counts.update({(kind, "hits"): n for kind, n in self._hits.items()})
            counts.update({(kind, "misses"): n for kind, n in self._misses.items()})
            counts.update((key[0], "entries") for key in self._lru)
            stats: dict[str, Any] = {"hits": 0, "misses": 0, "entries": 0, "bytes": 0}
            stats.update(bytes=self._bytes, max_bytes=self.max_bytes)
        by_kind: dict[str, dict[str, int]] = {}
        stats["by_kind"] = by_kind
        for (kind, event), n in counts.items():
            by_kind.setdefault(kind, {})[event] = n
            if event in ("hits", "misses", "entries"):
                stats[event] += n
        return stats

    def clear(self, *kinds: str) -> None:
        """Forget every entry, or those of ``kinds`` (the counts stay)."""
        with self._lock:
            for key in [k for k in self._lru if not kinds or k[0] in kinds]:
                self._drop(key)

    def __len__(self) -> int:
        with self._lock:
            return len(self._lru)


def store_for(app: Flask) -> Store:
    """The application's store, made on first use; its budget is the feed and page budgets
    together (``FEEDS_CACHE_MAX_BYTES`` + ``SITE_PAGE_CACHE_MAX_BYTES``)."""
    store: Store | None = app.extensions.get("syndicate.cache_store")
    if store is None:
        budget = app.config["FEEDS_CACHE_MAX_BYTES"] + app.config["SITE_PAGE_CACHE_MAX_BYTES"]
        store = app.extensions["syndicate.cache_store"] = Store(int(budget))
    return store
