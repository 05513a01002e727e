"""Engine and session factory, with the SQLite settings the service relies on.

No Flask here: the CLI, the web layer and the tests all build sessions from a
:class:`Database`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from syndicate.forking import reset_after_fork

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT; take it over
    # (the recipe from SQLAlchemy's SQLite dialect documentation).
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writer takes the write lock up front: a deferred transaction that read first
        # cannot upgrade once another writer has committed (SQLITE_BUSY_SNAPSHOT in WAL).
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url``; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        kwargs.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine)
        return engine
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


class Database:
    """An engine and the session factory bound to it.

    A forked child (a gunicorn worker serving the application its master built) starts
    with an empty pool: the parent's connections are forgotten there, not closed, and stay
    the parent's (SQLAlchemy's ``dispose(close=False)`` recipe for a pool that crosses a
    fork).
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        reset_after_fork(self)
        # Every new session starts with a copy of this.
        self.session_info: dict[str, Any] = {}
        self.sessionmaker: sessionmaker[Session] = sessionmaker(
            bind=self.engine, expire_on_commit=False, info=self.session_info
        )

    @property
    def dialect(self) -> str:
        """The backend's name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def session(self, write: bool = False) -> Session:
        """A new session; the caller commits or rolls back.

        ``write=True`` marks a unit of work that will write: on SQLite its transaction
        starts with ``BEGIN IMMEDIATE`` so concurrent writers queue instead of failing.
        """
        session = self.sessionmaker()
        if write and self.dialect == "sqlite":
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        return session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A writing session that commits on success and rolls back on error."""
        session = self.session(write=True)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    def after_fork(self) -> None:
        """In a forked child: forget the parent's pooled connections without closing them
        (SQLAlchemy's recipe for a fork); the child opens its own."""
        self.engine.dispose(close=False)
