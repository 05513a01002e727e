"""One database session per request, committed at the request boundary."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from syndicate.database import Database

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def database() -> Database:
    """The application's :class:`Database`."""
    db: Database = current_app.extensions["syndicate.db"]
    return db


def db_session() -> Session:
    """The session of the current request (or CLI command), created on first use."""
    if "db_session" not in g:
        writes = not has_request_context() or request.method not in SAFE_METHODS
        g.db_session = database().session(write=writes)
    session: Session = g.db_session
    return session


def init_app(app: Flask, db: Database) -> None:
    """Attach ``db`` and commit each request's work once, at its end.

    A response below 400 commits; anything else rolls back, so a refused request
    leaves nothing half-written (unless the view asked to :func:`keep_writes`).
    """
    app.extensions["syndicate.db"] = db

    @app.after_request
    def _commit(response: Response) -> Response:
        session: Session | None = g.pop("db_session", None)
        if session is None:
            return response
        try:
            if response.status_code < 400 or g.pop("db_keep_writes", False):
                session.commit()
            else:
                session.rollback()
        finally:
            session.close()
        return response

    @app.teardown_appcontext
    def _close(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def keep_writes() -> None:
    """Commit this request's work even if its answer is an error.

    For writes that are the refusal itself, such as counting a wrong password: rolling
    them back with the rest of the refused request would undo the count.
    """
    g.db_keep_writes = True


def write_apart(work: Callable[[Session], None]) -> bool:
    """Run a small best-effort write in its own short transaction; whether it was done.

    For bookkeeping during reads (a credential's last use): the request's own transaction
    stays read-only, so on SQLite it never has to upgrade to a writer after another writer
    committed (which fails at once, whatever the busy timeout). A failure is logged, not
    raised: losing a last-use stamp must not fail the read. Within a writing request the
    work joins the request's own transaction.
    """
    if has_request_context() and request.method not in SAFE_METHODS:
        # A writing request already holds the write lock: a second transaction would wait
        # for it. Its own commit carries the bookkeeping instead.
        work(db_session())
        return True
    try:
        with database().transaction() as session:
            work(session)
    except OperationalError:
        log.warning("a best-effort write was skipped", exc_info=True)
        return False
    return True
