"""Counts kept by many request threads at once, without a lock per count.

A lock taken on every request turns into a convoy under the GIL: a thread that loses the
GIL while holding it makes every other request thread block on the lock, and each hand-over
then costs a GIL switch too. Measured with four threads answering cached partner feeds,
the four small locks of that path made each answer cost four times its single-thread price.

A :class:`Tally` therefore only appends each count to a deque (one atomic operation under
the GIL) and folds the deque into its totals, under a lock, once per ``batch`` counts and
whenever the totals are read. Only folding removes from the deque, and only under the lock,
so no count is lost or counted twice.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Hashable, Mapping
from typing import Generic, TypeVar

BATCH = 4096
K = TypeVar("K", bound=Hashable)


class Tally(Generic[K]):
    """Thread-safe counts of hashable keys; :meth:`add` takes no lock."""

    def __init__(self, batch: int = BATCH) -> None:
        self._batch = batch
        self._recent: deque[K] = deque()
        self._totals: Counter[K] = Counter()
        self._lock = threading.Lock()

    def add(self, key: K) -> None:
        """Count one occurrence of ``key``."""
        recent = self._recent
        recent.append(key)
        if len(recent) >= self._batch:
            with self._lock:
                self._fold()

    def total(self, key: K) -> int:
        """How many times ``key`` has been counted and not yet taken."""
        with self._lock:
            self._fold()
            return self._totals[key]

    def take(self) -> dict[K, int]:
        """Remove and return every count."""
        with self._lock:
            self._fold()
            totals = dict(self._totals)
            self._totals.clear()
        return totals

    def restore(self, counts: Mapping[K, int]) -> None:
        """Put back counts that were taken but could not be used (a failed write)."""
        with self._lock:
            self._totals.update(counts)

    def __bool__(self) -> bool:
        return bool(self._recent) or bool(self._totals)

    def _fold(self) -> None:
        # Called with the lock held: no one else removes, so these items are all there.
        recent, totals = self._recent, self._totals
        for _ in range(len(recent)):
            totals[recent.popleft()] += 1
