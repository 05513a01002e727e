"""The partner's story desk: what its licences in force cover, a page at a time, newest first.

The desk never decides entitlement itself. It takes the publisher's coverage from
:func:`licenses.coverage.publisher_coverage` and the ways a story is visible to a partner
from the feed query (:func:`syndicate.syndication.query.visibility_branches`: public within
the scope, embargoed within the scope of the licences with embargo entitlement), and adds
the stories the partner had received before a kill (:func:`partner_received`), shown with
their kill notice. Each branch is an ordered, limited scan of the ``(status, released_at)``
index, as in the feed.

Pages are keyset pages: a cursor names the last story shown (its release time and id) and
the next page starts strictly after it, so a page deep in a 100,000-story archive reads
about as many rows as the first one (``bench/desk.py`` measures it). No ``OFFSET``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, union_all
from sqlalchemy.orm import Session

from licenses.coverage import Coverage, covered_condition, embargo_condition, publisher_coverage
from licenses.models import Publisher, PublisherStatus
from syndicate.content.models import Article, ArticleStatus, article_tags
from syndicate.content.services import search_condition
from syndicate.newswire.embargo import partner_condition, partner_received
from syndicate.syndication.query import visibility_branches

PAGE_SIZE = 25
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# ASCII digits only, bounded: a cursor is read before anything else touches it.
_CURSOR = re.compile(r"(-?[0-9]{1,17})\.([0-9]{1,10})")
_MAX_ID = 2**31 - 1


def desk_coverage(session: Session, publisher: Publisher, now: datetime) -> Coverage:
    """What ``publisher``'s desk shows: the coverage its feed key would get at ``now``
    (nothing while the publisher is not active, exactly as its feeds refuse it)."""
    if publisher.status is not PublisherStatus.ACTIVE:
        return Coverage()
    return publisher_coverage(session, publisher.id, now)


@dataclass(frozen=True)
class Cursor:
    """A position in the desk: the release time and id of a story shown."""

    released_at: datetime
    article_id: int

    def token(self) -> str:
        """The cursor as it travels in a URL: microseconds since 1970, a dot, the id."""
        micros = (self.released_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}.{self.article_id}"

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """The cursor in ``raw``, or ``None`` when it is absent or not one."""
        match = _CURSOR.fullmatch(raw or "")
        if match is None:
            return None
        article_id = int(match.group(2))
        if not 1 <= article_id <= _MAX_ID:
            return None
        try:
            moment = _EPOCH + timedelta(microseconds=int(match.group(1)))
        except OverflowError:
            return None
        return cls(moment, article_id)


@dataclass(frozen=True)
class DeskFilters:
    """What the partner narrowed the desk to; ``None`` or empty means no narrowing."""

    section_id: int | None = None
    tag_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    query: str = ""

    def conditions(self) -> list[ColumnElement[bool]]:
        """The filters as SQL conditions on :class:`Article`."""
        found: list[ColumnElement[bool]] = []
        # The date bounds first: see ``_scan``.
        if self.until is not None:
            found.append(Article.released_at < self.until)
        if self.since is not None:
            found.append(Article.released_at >= self.since)
        if self.section_id is not None:
            found.append(Article.section_id == self.section_id)
        if self.tag_id is not None:
            found.append(
                Article.id.in_(
                    select(article_tags.c.article_id).where(article_tags.c.tag_id == self.tag_id)
                )
            )
        if self.query:
            found.append(search_condition(self.query))
        return found


@dataclass(frozen=True)
class DeskPage:
    """One page of the desk: story ids newest first, and the cursors around it."""

    ids: tuple[int, ...]
    older: Cursor | None
    newer: Cursor | None


def desk_branches(coverage: Coverage, now: datetime) -> list[ColumnElement[bool]]:
    """Each way a story is on the partner's desk at ``now``, one status per branch: the
    feed's visibility branches, and the killed stories the partner had received."""
    embargo = embargo_condition(coverage) if coverage.embargo_entitled else None
    branches = visibility_branches(now, covered_condition(coverage), embargo)
    branches.append(
        and_(
            Article.status == ArticleStatus.KILLED,
            Article.released_at.is_not(None),
            partner_received(coverage),
        )
    )
    return branches


def on_desk(coverage: Coverage, now: datetime) -> ColumnElement[bool]:
    """SQL condition: the story is on the desk of a partner with ``coverage`` at ``now``
    (what the partner may read now, or a kill notice of a story it had received)."""
    killed = and_(Article.status == ArticleStatus.KILLED, partner_received(coverage))
    return or_(partner_condition(coverage, now), killed)


def _after(cursor: Cursor) -> ColumnElement[bool]:
    # The first conjunct lets the index range start at the cursor.
    return and_(
        Article.released_at <= cursor.released_at,
        or_(Article.released_at < cursor.released_at, Article.id < cursor.article_id),
    )


def _before(cursor: Cursor) -> ColumnElement[bool]:
    return and_(
        Article.released_at >= cursor.released_at,
        or_(Article.released_at > cursor.released_at, Article.id > cursor.article_id),
    )


def _scan(
    session: Session,
    coverage: Coverage,
    now: datetime,
    filters: DeskFilters,
    position: ColumnElement[bool] | None,
    limit: int,
    *,
    newest_first: bool,
) -> list[tuple[int, datetime]]:
    order: Any = (
        (Article.released_at.desc(), Article.id.desc())
        if newest_first
        else (Article.released_at.asc(), Article.id.asc())
    )
    # The cursor's bound first, then the dates, then the visibility branch: SQLite walks the
    # index from the first bound on ``released_at`` it meets (the branch's "released by now"
    # is one), and from "now" a deep page would read every newer story before its own.
    extra = ([position] if position is not None else []) + filters.conditions()
    members: list[Select[Any]] = []
    for branch in desk_branches(coverage, now):
        page = select(Article.id, Article.released_at).where(*extra, branch)
        # Compound members may not be ordered or limited themselves (SQLite): wrap each page.
        sub = page.order_by(*order).limit(limit).subquery()
        members.append(select(sub.c.id, sub.c.released_at))
    rows = [(row[0], row[1]) for row in session.execute(union_all(*members)).all()]
    rows.sort(key=lambda row: (row[1], row[0]), reverse=newest_first)
    return rows[:limit]


def desk_page(
    session: Session,
    coverage: Coverage,
    now: datetime,
    filters: DeskFilters = DeskFilters(),
    *,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> DeskPage:
    """A page of the desk of a partner with ``coverage`` at ``now``: the newest stories, or
    those just older than ``after``, or just newer than ``before``."""
    if coverage.empty:
        return DeskPage((), None, None)
    if before is not None:
        rows = _scan(session, coverage, now, filters, _before(before), size + 1, newest_first=False)
        if len(rows) > size:
            shown = list(reversed(rows[:size]))
            return DeskPage(tuple(i for i, _ in shown), _cursor(shown[-1]), _cursor(shown[0]))
        # Fewer than a page is newer: that is the first page.
        after = None
    position = _after(after) if after is not None else None
    rows = _scan(session, coverage, now, filters, position, size + 1, newest_first=True)
    shown = rows[:size]
    older = _cursor(shown[-1]) if len(rows) > size else None
    newer = _cursor(shown[0]) if after is not None and shown else None
    return DeskPage(tuple(i for i, _ in shown), older, newer)


def _cursor(row: tuple[int, datetime]) -> Cursor:
    return Cursor(row[1], row[0])


def desk_article_id(session: Session, coverage: Coverage, now: datetime, slug: str) -> int | None:
    """The id of the story ``slug`` if it is on the desk of a partner with ``coverage`` at
    ``now``; ``None`` for a story outside its licences, under an embargo it is not entitled
    to, never released to it, or missing (all alike)."""
    if coverage.empty:
        return None
    return session.scalar(
        select(Article.id).where(Article.slug == slug, on_desk(coverage, now)).limit(1)
    )
