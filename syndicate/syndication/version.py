"""The feed content version: read on every feed request, raised by every relevant change.

One session event (installed once, for every session) raises the version inside the
transaction that flushes a change to anything a feed shows, so the new version becomes
visible exactly when the change does: committed together, or rolled back together. Such a
commit then waits out the span for which workers trust a version they polled
(:mod:`.watch`), so that once it returns every worker's next request sees the change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from licenses.models import FeedKey, License, Publisher
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content.models import (
    Article,
    ArticleImage,
    Author,
    Correction,
    Image,
    ImageRendition,
    Section,
    Tag,
)
from syndicate.orm import utcnow
from syndicate.syndication.models import FEED_STATE_ROW, FeedState
from syndicate.syndication.watch import install_settling, mark_raised

NEVER = datetime(2000, 1, 1, tzinfo=UTC)

# Changes to these can alter what a feed says or who may read it.
# Execution option marking an UPDATE that changes nothing a feed or page shows.
BOOKKEEPING = "syndicate_bookkeeping"

WATCHED: tuple[type[Any], ...] = (
    Article,
    ArticleImage,
    Author,
    Correction,
    Image,
    ImageRendition,
    Section,
    Tag,
    License,
    FeedKey,
    Publisher,
    # Approved comments show on the article page, which the page cache keys on this version
    # (held ones show nowhere: see ``_seen``).
    Comment,
)
# Bookkeeping that changes on reads; raising the version for it would empty every cache.
IGNORED_ATTRIBUTES: dict[type[Any], frozenset[str]] = {
    FeedKey: frozenset({"last_used_at"}),
}


@dataclass(frozen=True)
class ContentVersion:
    """The feed content version and when it last rose."""

    number: int
    changed_at: datetime


def current_version(session: Session) -> ContentVersion:
    """The current version (0 before the first change): one primary-key read."""
    row = session.execute(
        select(FeedState.version, FeedState.changed_at).where(FeedState.id == FEED_STATE_ROW)
    ).first()
    if row is None:
        return ContentVersion(0, NEVER)
    return ContentVersion(int(row.version), row.changed_at)


def bump(connection: Connection) -> None:
    """Raise the version by one in ``connection``'s transaction (creating the row once)."""
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(FeedState).values(id=FEED_STATE_ROW, version=1, changed_at=utcnow())
    stmt = stmt.on_conflict_do_update(
        index_elements=[FeedState.id],
        set_={"version": FeedState.version + 1, "changed_at": stmt.excluded.changed_at},
    )
    connection.execute(stmt)


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
    if not isinstance(obj, WATCHED) or not _seen(obj):
        return False
    ignored = IGNORED_ATTRIBUTES.get(type(obj))
    if ignored is None:
        return session.is_modified(obj)
    state = inspect(obj)
    return any(attr.key not in ignored and attr.history.has_changes() for attr in state.attrs)


def needs_bump(session: Session) -> bool:
    """Whether the pending flush changes anything a feed depends on."""
    if any(isinstance(obj, WATCHED) and _seen(obj) for obj in session.new):
        return True
    if any(isinstance(obj, WATCHED) and _seen(obj) for obj in session.deleted):
        return True
    return any(_changed(session, obj) for obj in session.dirty)


def _after_flush(session: Session, _context: Any) -> None:
    # After the flush, new/dirty/deleted still describe what was just written.
    if needs_bump(session):
        bump(session.connection())
        mark_raised(session)


def _bulk_statement(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    # Bookkeeping (a credential's last use) changes nothing a reader sees.
    if state.execution_options.get(BOOKKEEPING):
        return
    mapper = state.bind_mapper
    if mapper is not None and issubclass(mapper.class_, WATCHED):
        bump(state.session.connection())
        mark_raised(state.session)


def install() -> None:
    """Watch every session, and make version-raising commits settle (idempotent)."""
    install_settling()
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
    if not event.contains(Session, "do_orm_execute", _bulk_statement):
        event.listen(Session, "do_orm_execute", _bulk_statement)
