"""The archive by month: how many public stories each calendar month (UTC) holds, and when
the latest of them last changed, kept in ``archive_months`` so that the sitemap index reads
a row per month instead of grouping every story on each request.

What the public sees depends on the time: a scheduled story appears at its release, a change
stamped ahead shows once its time comes. So each row holds the month's figures as they were
when it was written, and the span in which they stay exact: from ``lastmod`` (the latest
release or change that had happened) until ``changes_at`` (the next one still to come, None
when there is none). A reader whose moment falls outside that span (a scheduled story of the
month has gone out since) counts that month from its stories instead, which costs one
month's worth of rows; the next write in the month brings its row up to date again.

A session hook recomputes the months of every article whose status, release or change time
is written, in the same transaction, holding the month's row lock (PostgreSQL) so that two
writers cannot leave a count that misses one of them. Bulk statements (``insert(Article)``)
through the session are counted by a statement hook; writes that bypass the session
altogether (the benchmark's bulk loader) call :func:`rebuild` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import ORMExecuteState, Session

from syndicate.content.models import ArchiveMonth, Article, ArticleStatus
from syndicate.orm import utcnow

# A story counts for its month while its status is one of these and its release has passed.
LISTED = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
_TRACKED = ("status", "released_at", "content_updated_at")
_PENDING = "syndicate.archive_months"


@dataclass(frozen=True)
class Figures:
    """One month's public stories at a moment, and when that stops being true."""

    month: str
    stories: int
    lastmod: datetime | None
    changes_at: datetime | None

    def holds_at(self, now: datetime) -> bool:
        """Whether these figures are the month's at ``now``."""
        return (self.lastmod is None or self.lastmod <= now) and (
            self.changes_at is None or now < self.changes_at
        )


def month_key(moment: datetime) -> str:
    """``YYYY-MM`` of ``moment`` in UTC (a naive value is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment:%Y-%m}"


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next one, in UTC."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def key_bounds(key: str) -> tuple[datetime, datetime]:
    """:func:`month_bounds` of a ``YYYY-MM`` key."""
    year, month = (int(part) for part in key.split("-"))
    return month_bounds(year, month)


def month_sql(bind: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a story's release as SQL, in UTC on both databases."""
    if bind.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Article.released_at), "YYYY-MM")
    # SQLite keeps the UTC time as ISO text.
    return func.substr(Article.released_at, 1, 7)


def shown_modified_sql(now: datetime) -> ColumnElement[datetime]:
    """:func:`~syndicate.content.services.shown_modified` as SQL, for one story's row."""
    changed = Article.content_updated_at
    return case(
        (
            and_(changed.is_not(None), changed > Article.released_at, changed <= now),
            changed,
        ),
        else_=Article.released_at,
    )


def aware(value: Any) -> datetime | None:
    """A timestamp from an aggregate: SQLite gives it back as text, without its zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _figures_columns(now: datetime) -> list[ColumnElement[Any]]:
    released = Article.released_at
    changed = Article.content_updated_at
    # _listed() holds the rest of publicly_visible(now).
    out = released <= now
    return [
        func.count(case((out, 1))),
        func.max(case((out, shown_modified_sql(now)))),
        func.min(case((released > now, released))),
        func.min(case((and_(changed > released, changed > now), changed))),
    ]


def _figures(month: str, row: Any) -> Figures:
    stories, lastmod, next_release, next_change = row
    upcoming = [m for m in (aware(next_release), aware(next_change)) if m is not None]
    return Figures(month, int(stories or 0), aware(lastmod), min(upcoming, default=None))


def _listed() -> ColumnElement[bool]:
    return and_(Article.status.in_(LISTED), Article.released_at.is_not(None))


def compute(
    connection: Connection | Session, months: Iterable[str], now: datetime
) -> list[Figures]:
    """The figures of the given months at ``now``, counted from their stories.

    A month without a listed story (not even a scheduled one) is left out.
    """
    keys = sorted(set(months))
    if not keys:
        return []
    bind = connection.get_bind() if isinstance(connection, Session) else connection
    key = month_sql(bind)
    ranges = [
        and_(Article.released_at >= start, Article.released_at < end)
        for start, end in map(key_bounds, keys)
    ]
    rows = connection.execute(
        select(key, *_figures_columns(now)).where(_listed(), or_(*ranges)).group_by(key)
    ).all()
    return [_figures(str(row[0]), row[1:]) for row in rows]


def _store(connection: Connection, figures: Figures) -> None:
    values = {
        "stories": figures.stories,
        "lastmod": figures.lastmod,
        "changes_at": figures.changes_at,
    }
    connection.execute(
        update(ArchiveMonth).where(ArchiveMonth.month == figures.month).values(**values)
    )


def refresh(connection: Connection, months: Iterable[str], now: datetime) -> None:
    """Recompute and store the rows of ``months``, each under its row lock."""
    keys = sorted(set(months))
    if not keys:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    # Make the rows exist, then lock them: a concurrent writer of the same month waits here
    # and then counts with this transaction's stories committed.
    connection.execute(
        dialect.insert(ArchiveMonth)
        .values([{"month": k, "stories": 0} for k in keys])
        .on_conflict_do_nothing(index_elements=["month"])
    )
    connection.execute(
        select(ArchiveMonth.month)
        .where(ArchiveMonth.month.in_(keys))
        .order_by(ArchiveMonth.month)
        .with_for_update()
    )
    found = {f.month: f for f in compute(connection, keys, now)}
    for key in keys:
        if key in found:
            _store(connection, found[key])
    gone = [k for k in keys if k not in found]
    if gone:
        connection.execute(delete(ArchiveMonth).where(ArchiveMonth.month.in_(gone)))


def rebuild(connection: Connection, now: datetime | None = None) -> int:
    """Recompute every month from the stories (after bulk writes); returns the month count."""
    moment = now or utcnow()
    key = month_sql(connection)
    rows = connection.execute(
        select(key, *_figures_columns(moment)).where(_listed()).group_by(key)
    ).all()
    connection.execute(delete(ArchiveMonth))
    figures = [_figures(str(row[0]), row[1:]) for row in rows]
    if figures:
        connection.execute(
            insert(ArchiveMonth),
            [
                {
                    "month": f.month,
                    "stories": f.stories,
                    "lastmod": f.lastmod,
                    "changes_at": f.changes_at,
                }
                for f in figures
            ],
        )
    return len(figures)


def stored(session: Session) -> list[Figures]:
    """Every stored month row, newest month first."""
    rows = session.execute(
        select(
            ArchiveMonth.month, ArchiveMonth.stories, ArchiveMonth.lastmod, ArchiveMonth.changes_at
        ).order_by(ArchiveMonth.month.desc())
    ).all()
    return [Figures(m, s, aware(lm), aware(ch)) for m, s, lm, ch in rows]


def _months_of(article: Article) -> set[str]:
    """The months ``article`` is or was counted in, by its current and previous release."""
    previous = inspect(article).attrs.released_at.history.deleted
    return {month_key(v) for v in (article.released_at, *previous) if v is not None}


def _collect(session: Session, _context: Any, _instances: Any) -> None:
    """Before a flush: note the months of the articles whose listing may change."""
    months: set[str] = session.info.setdefault(_PENDING, set())
    for obj in session.new:
        if isinstance(obj, Article):
            months |= _months_of(obj)
    for obj in session.deleted:
        if isinstance(obj, Article):
            months |= _months_of(obj)
    for obj in session.dirty:
        if isinstance(obj, Article) and obj not in session.deleted:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _TRACKED):
                months |= _months_of(obj)


def _apply(session: Session, _context: Any) -> None:
    """After the flush: recompute the noted months with the flushed stories."""
    months = session.info.pop(_PENDING, None)
    if months:
        refresh(session.connection(), months, utcnow())


def _bulk(state: ORMExecuteState) -> Any:
    """ORM bulk statements on articles skip the flush: count their months here.

    A bulk insert names its rows' releases; an UPDATE or DELETE statement could touch any
    month, so every month is counted again after it (rare: the service writes through the
    session).
    """
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ is not Article:
        return None
    rows = state.parameters if isinstance(state.parameters, list) else None
    months: set[str] | None = None
    if state.is_insert and rows:
        months = {month_key(r["released_at"]) for r in rows if r.get("released_at") is not None}
    result = state.invoke_statement()
    connection = state.session.connection()
    if months is None:
        rebuild(connection)
    else:
        refresh(connection, months, utcnow())
    return result


event.listen(Session, "before_flush", _collect)
event.listen(Session, "after_flush", _apply)
event.listen(Session, "do_orm_execute", _bulk)
