"""The one reader of the content version: each worker's stamp, without a read per request.

The store (:mod:`.cache`) serves an entry only under the stamp it was labelled with: the
content version, the moment it rose and the discussion version (feeds use the first two).
Each worker process keeps one thread that reads the two counter rows every
``CACHE_VERSION_POLL_MS`` through connections of its own and remembers the stamp with the
moment the read was *sent*. A stamp is trusted only while younger than ``CACHE_VERSION_TRUST_MS``;
older, the request reads the rows itself. Every commit that raises a version waits that same
span before it returns (:func:`settle`), so once a change is acknowledged every stamp any
worker still trusts was read after it. A stalled poller only makes the stamp old. With
sessions bound to one connection (the test suite) every call reads through it.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, SessionTransaction

from syndicate.database import Database, make_engine
from syndicate.forking import reset_after_fork
from syndicate.syndication.models import DISCUSSION_ROW, FEED_STATE_ROW, FeedState

log = logging.getLogger(__name__)

# (content version, when it rose, discussion version): feeds use the first two, pages all.
Stamp = tuple[int, datetime, int]
# When a version never raised rose.
NEVER = datetime(2000, 1, 1, tzinfo=UTC)
STAMP_QUERY = select(FeedState.id, FeedState.version, FeedState.changed_at).where(
    FeedState.id.in_([FEED_STATE_ROW, DISCUSSION_ROW])
)


def stamp_of(rows: Iterable[Sequence[Any]], moment: Callable[[Any], Any] | None = None) -> Stamp:
    """The stamp from the rows of :data:`STAMP_QUERY` (a row not yet written counts as 0,
    risen at :data:`NEVER`); ``moment`` turns a driver's raw ``changed_at`` into the aware
    datetime the column holds."""
    content: tuple[int, datetime] = (0, NEVER)
    discussion = 0
    for row_id, version, changed_at in rows:
        if row_id == FEED_STATE_ROW:
            content = (int(version), moment(changed_at) if moment else changed_at)
        else:
            discussion = int(version)
    return (*content, discussion)


# Session.info keys: the wait a version-raising commit owes, and that this one owes it.
SETTLE_SECONDS = "syndicate.settle_seconds"
RAISED = "syndicate.version_raised"
SETTLE_DUE = "syndicate.settle_due"
# After a failed poll, wait this long (growing to the cap) before connecting again.
RETRY_FIRST = 0.05
RETRY_CAP = 2.0
# With no request asking for the stamp for this long, the poller rests until one does.
IDLE_SECONDS = 1.0


class VersionWatch:
    """One process's view of the content version (see the module documentation).

    ``trust_seconds`` of 0 turns the poller off: every :meth:`stamp` reads the row.
    """

    def __init__(
        self,
        database: Database,
        *,
        poll_seconds: float,
        trust_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if trust_seconds and poll_seconds * 2 > trust_seconds:
            raise ValueError("the version poll interval must be at most half the trust span")
        self.database = database
        self.poll_seconds = poll_seconds
        self.trust_seconds = trust_seconds
        self.clock = clock
        self.polls = 0
        self.direct_reads = 0
        # Reads go through the driver's own cursor (a poll costs a tenth of one through
        # SQLAlchemy): give its moment the column's type, as a session would read it.
        dialect = database.engine.dialect
        self._sql = str(
            STAMP_QUERY.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
        )
        column_type = FeedState.__table__.c.changed_at.type
        self._moment = column_type.dialect_impl(dialect).result_processor(dialect, None)
        # Autocommit: one round trip per read, no BEGIN/ROLLBACK, no pre-ping. Connections
        # are made only when read through; a watch forgotten with its application closes them.
        self._engine = make_engine(database.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        weakref.finalize(self, self._engine.dispose)
        self._lock = threading.Lock()
        # (moment the read was sent, stamp): replaced whole under the lock; a reader loads
        # the reference once (one atomic load), so it needs no lock.
        self._known: tuple[float, Stamp] | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        # A hint that requests ask (a lost write only lets the poller rest a cycle early).
        self._used = False
        reset_after_fork(self)
        event.listen(database.engine, "engine_disposed", self._on_dispose)

    def stamp(self) -> Stamp:
        """``(version, changed_at, discussion)`` as of a read sent less than the trust span
        ago."""
        known = self._known
        if known is not None and self.clock() - known[0] < self.trust_seconds:
            self._used = True
            return known[1]
        if self.trust_seconds and self._bound() is None:
            if self._thread is None:
                self._start()
            else:
                self._wake.set()
        return self.read()

    def read(self, counter: str = "direct_reads") -> Stamp:
        """Read both counter rows now (one query); the answer also refreshes the stamp."""
        bound = self._bound()
        if bound is not None:
            return stamp_of(bound.execute(STAMP_QUERY).all())
        sent = self.clock()
        raw = self._engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(self._sql)
            stamp = stamp_of(cursor.fetchall(), self._moment)
            cursor.close()
        except BaseException:
            raw.invalidate()
            raise
        finally:
            raw.close()
        with self._lock:
            setattr(self, counter, getattr(self, counter) + 1)
            if self._known is None or sent > self._known[0]:
                self._known = (sent, stamp)
        return stamp

    def _bound(self) -> Any:
        # The connection sessions are bound to instead of the engine (the test suite).
        bind = self.database.sessionmaker.kw.get("bind")
        return None if bind is self.database.engine else bind

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._stop = threading.Event()
            self._wake = threading.Event()
            self._thread = threading.Thread(
                target=_poll,
                args=(weakref.ref(self), self._stop, self._wake),
                name="syndicate-version-watch",
                daemon=True,
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the poller and forget the stamp (it restarts on the next :meth:`stamp`)."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop.set()
            self._wake.set()
            self._known = None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _on_dispose(self, _engine: Engine) -> None:
        self.stop()
        self._engine.dispose()

    def after_fork(self) -> None:
        """In a forked child: the poller did not come along, and the parent's connections
        and reading are not the child's."""
        self._lock = threading.Lock()
        self._thread = None
        self._known = None
        self._engine.dispose(close=False)


def _poll(ref: weakref.ref[VersionWatch], stop: threading.Event, wake: threading.Event) -> None:
    """The poller. It holds its watch only weakly, so a forgotten application stops it, and
    rests while no request asks for the stamp (the first one to find it old wakes it)."""
    retry = RETRY_FIRST
    delay = unused = 0.0
    while not stop.wait(delay):
        watch = ref()
        if watch is None:
            return
        if watch._used:
            watch._used, unused = False, 0.0
        elif unused >= IDLE_SECONDS:
            del watch
            wake.clear()
            while not wake.wait(IDLE_SECONDS) and not stop.is_set():
                if ref() is None:
                    return
            unused, delay = 0.0, 0.0
            continue
        started = watch.clock()
        try:
            watch.read("polls")
        except Exception:
            log.warning("content version poll failed; retrying in %.2fs", retry, exc_info=True)
            delay, retry = retry, min(retry * 2, RETRY_CAP)
            continue
        retry = RETRY_FIRST
        delay = max(0.0, started + watch.poll_seconds - watch.clock())
        unused += watch.poll_seconds
        del watch


def watch_for(app: Any) -> VersionWatch:
    """The application's :class:`VersionWatch`, created on first use from its configuration."""
    watch: VersionWatch | None = app.extensions.get("syndicate.version_watch")
    if watch is None:
        watch = VersionWatch(
            app.extensions["syndicate.db"],
            poll_seconds=float(app.config["CACHE_VERSION_POLL_MS"]) / 1000,
            trust_seconds=float(app.config["CACHE_VERSION_TRUST_MS"]) / 1000,
        )
        app.extensions["syndicate.version_watch"] = watch
    return watch


def settle_after_commit(session: Session) -> None:
    """After a commit that raised the version, owe a wait of the trust span (sessions joined
    to an outer connection commit nothing for real and owe none); :func:`settle` waits."""
    if not session.info.pop(RAISED, False):
        return
    seconds = float(session.info.get(SETTLE_SECONDS) or 0)
    if seconds > 0 and isinstance(session.bind, Engine):
        session.info[SETTLE_DUE] = seconds


def settle(session: Session, transaction: SessionTransaction) -> None:
    """Wait out what a just-ended transaction owes (see :func:`settle_after_commit`)."""
    if transaction.parent is None:
        seconds = session.info.pop(SETTLE_DUE, 0)
        if seconds:
            time.sleep(seconds)


# The session events that make a version-raising commit wait out the trust span.
SETTLING = (("after_commit", settle_after_commit), ("after_transaction_end", settle))
