"""The content version, raised by every change a reader could see.

One session event (installed once, for every session) raises the version inside the
transaction that flushes a change to anything a feed or page shows, so the new version
becomes visible exactly when the change does: committed together, or rolled back together.
A change that only pages show (a comment appearing or leaving) raises a second counter
instead, which pages are labelled with and feeds are not. Each raise also records its moment,
so a number repeated after a rolled-back raise never looks like the old one; a restored
backup raises both counters again (:func:`raise_all`). Reading is :mod:`.watch`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, event, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from licenses.models import FeedKey, License, Publisher, TermsVersion
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content import models as content
from syndicate.orm import utcnow
from syndicate.syndication.models import DISCUSSION_ROW, FEED_STATE_ROW, FeedState
from syndicate.syndication.watch import RAISED, SETTLING, STAMP_QUERY, stamp_of

# Execution option marking an UPDATE that changes nothing a feed or page shows.
BOOKKEEPING = "syndicate_bookkeeping"

# What feeds and pages show, or who may read them (TermsVersion: the terms on /republish).
# Approved comments show on article pages only: they raise the discussion counter, which
# pages are labelled with and feeds are not (held ones show nowhere: see ``_seen``).
WATCHED: tuple[type[Any], ...] = (
    *(content.Article, content.ArticleImage, content.Author, content.Correction, content.Image),
    *(content.ImageRendition, content.Section, content.Tag, License, FeedKey, Publisher),
    *(TermsVersion, Comment),
)
# Bookkeeping that changes on reads; raising the version for it would empty every cache.
IGNORED_ATTRIBUTES: dict[type[Any], frozenset[str]] = {FeedKey: frozenset({"last_used_at"})}


class ContentVersion(NamedTuple):
    """The feed content version and when it last rose: a feed's label."""

    number: int
    changed_at: datetime


def current_version(session: Session) -> ContentVersion:
    """The version as ``session`` sees it now, read with the watch's own query."""
    return ContentVersion(*stamp_of(session.execute(STAMP_QUERY).all())[:2])


def bump(connection: Connection, row: int = FEED_STATE_ROW) -> None:
    """Raise counter ``row`` by one in ``connection``'s transaction (creating it once)."""
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(FeedState).values(id=row, version=1, changed_at=utcnow())
    stmt = stmt.on_conflict_do_update(
        index_elements=[FeedState.id],
        set_={"version": FeedState.version + 1, "changed_at": stmt.excluded.changed_at},
    )
    connection.execute(stmt)


def raise_all(connection: Connection) -> None:
    """Raise both counters, so nothing labelled before (a restored backup) is used again."""
    bump(connection, FEED_STATE_ROW)
    bump(connection, DISCUSSION_ROW)


def row_for(cls: type[Any]) -> int:
    """The counter a change to a ``cls`` raises: comments show on pages only."""
    return DISCUSSION_ROW if issubclass(cls, Comment) else FEED_STATE_ROW


def _seen(obj: Any) -> bool:
    """Whether ``obj``, before or after this flush, is something a reader can see.

    A comment shows only while approved: one posted and held for moderation, or moved
    between held, spam and deleted, changes no page and no feed.
    """
    if not isinstance(obj, Comment):
        return True
    history = inspect(obj).attrs.status.history
    states = (*history.added, *history.unchanged, *history.deleted)
    # A status not loaded is unknown: count it as seen.
    return not states or CommentStatus.APPROVED in states


def _changed(session: Session, obj: Any) -> bool:
    if not _seen(obj):
        return False
    ignored = IGNORED_ATTRIBUTES.get(type(obj))
    if ignored is None:
        return session.is_modified(obj)
    state = inspect(obj)
    return any(attr.key not in ignored and attr.history.has_changes() for attr in state.attrs)


def rows_to_raise(session: Session) -> set[int]:
    """The counters the pending flush must raise: what it changes that a reader sees."""
    rows = {
        row_for(type(obj))
        for obj in (*session.new, *session.deleted)
        if isinstance(obj, WATCHED) and _seen(obj)
    }
    rows.update(
        row_for(type(obj))
        for obj in session.dirty
        if isinstance(obj, WATCHED) and _changed(session, obj)
    )
    return rows


def feeds_change(session: Session) -> bool:
    """Whether the pending flush changes anything a feed shows (not only a page)."""
    return FEED_STATE_ROW in rows_to_raise(session)


def _after_flush(session: Session, _context: Any) -> None:
    # After the flush, new/dirty/deleted still describe what was just written.
    rows = rows_to_raise(session)
    for row in sorted(rows):
        bump(session.connection(), row)
        session.info[RAISED] = True


def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    # Bookkeeping (a credential's last use) changes nothing a reader sees.
    if state.execution_options.get(BOOKKEEPING):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, WATCHED):
        bump(state.session.connection(), row_for(mapper.class_))
        state.session.info[RAISED] = True


def install() -> None:
    """Watch every session, and make version-raising commits settle (idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("do_orm_execute", _bulk_statement),
        *SETTLING,
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
