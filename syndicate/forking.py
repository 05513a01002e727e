"""What a forked child must forget: one registry of the objects that hold per-process state.

gunicorn forks its workers from a master that has built the application, and the outbox
worker forks too. A parent's pooled connections, locks that another of its threads may have
held at the fork, its background threads (which do not come along) and its counts not yet
written are not the child's. Each object holding such state registers itself here, weakly,
and its ``after_fork`` runs in every forked child before the child does anything else
(``os.register_at_fork``), however the fork was made.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol


class ForkAware(Protocol):
    """An object with state a forked child must reset."""

    def after_fork(self) -> None:
        """Called in the child, once, right after the fork."""


_REGISTERED: weakref.WeakSet[ForkAware] = weakref.WeakSet()


def reset_after_fork(obj: ForkAware) -> None:
    """Call ``obj.after_fork()`` in every child forked while ``obj`` lives."""
    _REGISTERED.add(obj)


def _in_child() -> None:
    for obj in list(_REGISTERED):
        obj.after_fork()


os.register_at_fork(after_in_child=_in_child)
