"""The partner feed query: one indexed page of covered, visible articles, in one statement.

A render needs four things about a partner's scope at ``now``: the recently killed stories
it had received (shown as kill notices), the newest visible stories, and the next moments
that change the page without any edit (a scheduled release, an embargo preview opening).
They are branches of one ``UNION ALL``; each page branch is an ordered, limited scan of the
``(status, released_at)`` index, one per way an article can be visible, so the work does not
grow with the archive. The statement is built once per kind of scope (:func:`scope_shape`)
with the moment, the limits and the scope's lists as bound parameters: a render pays
neither statement construction nor cache-key generation. :mod:`.snapshot` then reads the
chosen articles by id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from licenses.coverage import (
    Coverage,
    covered_condition,
    embargo_condition,
    scope_parameters,
    scope_shape,
)
from syndicate.content.models import Article, ArticleStatus, Tag
from syndicate.content.services import publicly_visible
from syndicate.newswire.embargo import embargo_visible, partner_received

_KILLED, _LIVE, _RELEASE, _PREVIEW = range(4)
_NOW = bindparam("now", type_=Article.__table__.c.released_at.type)
_KILL_CUTOFF = bindparam("kill_cutoff", type_=Article.__table__.c.killed_at.type)
_LIMIT = bindparam("page_limit", type_=Integer)
_TAG_SLUG = bindparam("tag_slug", type_=Tag.__table__.c.slug.type)


@dataclass(frozen=True)
class FeedPage:
    """What a render reads about a partner's scope at one moment."""

    killed: tuple[int, ...]
    live: tuple[int, ...]
    next_release: datetime | None
    next_embargo_preview: datetime | None

    @property
    def ids(self) -> tuple[int, ...]:
        """Kill notices first (they are what a partner must act on), then the stories."""
        return self.killed + self.live


EMPTY_PAGE = FeedPage((), (), None, None)


def visibility_branches(
    now: datetime | ColumnElement[datetime],
    covered: ColumnElement[bool],
    embargo_covered: ColumnElement[bool] | None = None,
) -> list[ColumnElement[bool]]:
    """Each way an article can be in a partner feed at ``now``, one status per branch.

    Together they equal :func:`publicly_visible` within ``covered`` (plus, with
    ``embargo_covered``, the stories under a partner embargo within that scope: the one of
    the licences with embargo entitlement); split by status, each one can walk the
    ``(status, released_at)`` index newest first and stop after one page.
    """
    public = publicly_visible(now)
    branches = [
        and_(Article.status == status, public, covered)
        for status in (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
    ]
    if embargo_covered is not None:
        branches.append(and_(embargo_visible(now), embargo_covered))
    return branches


def _tagged(kind: int, page: Select[*tuple[Any, ...]]) -> Select[Any]:
    # Compound members may not be ordered or limited themselves (SQLite): wrap each page.
    sub = page.subquery()
    return select(literal_column(str(kind), Integer).label("kind"), sub.c.id, sub.c.moment)


def with_tag(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """``condition``, narrowed to the stories carrying the tag bound as ``tag_slug``."""
    return and_(condition, Article.tags.any(Tag.slug == _TAG_SLUG))


def page_statement(shape: Coverage, with_kills: bool, tagged: bool = False) -> CompoundSelect:
    """The one statement of :func:`feed_page` for scopes of ``shape`` (with ``tagged``,
    only the stories carrying one tag, kill notices included)."""
    covered = covered_condition(shape, bound=True)
    # Embargoed stories: only within the scope of the licences that grant embargoes.
    embargo_covered = embargo_condition(shape, bound=True) if shape.embargo_entitled else None
    received = partner_received(shape, bound=True)
    if tagged:
        covered, received = with_tag(covered), with_tag(received)
        embargo_covered = with_tag(embargo_covered) if embargo_covered is not None else None
    members: list[Select[*tuple[Any, ...]]] = []
    if with_kills:
        members.append(
            _tagged(
                _KILLED,
                select(Article.id, Article.killed_at.label("moment"))
                .where(
                    Article.status == ArticleStatus.KILLED,
                    Article.killed_at > _KILL_CUTOFF,
                    received,
                )
                .order_by(Article.killed_at.desc(), Article.id.desc())
                .limit(_LIMIT),
            )
        )
    members.extend(
        _tagged(
            _LIVE,
            select(Article.id, Article.released_at.label("moment"))
            .where(branch)
            .order_by(Article.released_at.desc(), Article.id.desc())
            .limit(_LIMIT),
        )
        for branch in visibility_branches(_NOW, covered, embargo_covered)
    )
    # The next moments are the first row of an ordered scan, not min(): the index on
    # (status, released_at) then stops at the first covered story instead of reading them all.
    members.append(
        _tagged(
            _RELEASE,
            select(Article.id, Article.released_at.label("moment"))
            .where(Article.status == ArticleStatus.SCHEDULED, Article.released_at > _NOW, covered)
            .order_by(Article.released_at)
            .limit(1),
        )
    )
    if embargo_covered is not None:
        members.append(
            _tagged(
                _PREVIEW,
                select(Article.id, Article.embargo_preview_at.label("moment"))
                .where(
                    Article.status == ArticleStatus.SCHEDULED,
                    Article.embargo_preview_at > _NOW,
                    Article.released_at > Article.embargo_preview_at,
                    embargo_covered,
                )
                .order_by(Article.embargo_preview_at)
                .limit(1),
            )
        )
    return union_all(*members)


_STATEMENTS: dict[tuple[Coverage, bool, bool], CompoundSelect] = {}


def _newest(rows: list[tuple[int, datetime]], limit: int) -> tuple[int, ...]:
    rows.sort(key=lambda row: (row[1], row[0]), reverse=True)
    return tuple(article_id for article_id, _ in rows[:limit])


def feed_page(
    session: Session,
    coverage: Coverage,
    now: datetime,
    limit: int,
    kill_days: int,
    tag: str | None = None,
) -> FeedPage:
    """The page of a partner feed at ``now``: up to ``limit`` covered stories killed in the
    last ``kill_days`` that the partner had received (newest kill first), up to ``limit``
    visible stories (newest first), and when the next release and embargo preview fall.
    With ``tag`` (a tag's slug), only the stories carrying that tag count."""
    if coverage.empty or limit <= 0:
        return EMPTY_PAGE
    with_kills = kill_days > 0
    key = (scope_shape(coverage), with_kills, tag is not None)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = _STATEMENTS.setdefault(key, page_statement(*key))
    params: dict[str, Any] = {"now": now, "page_limit": limit, **scope_parameters(coverage)}
    if tag is not None:
        params["tag_slug"] = tag
    if with_kills:
        params["kill_cutoff"] = now - timedelta(days=kill_days)
    killed: list[tuple[int, datetime]] = []
    live: list[tuple[int, datetime]] = []
    moments: dict[int, datetime | None] = {}
    for kind, article_id, moment in session.execute(statement, params).all():
        if kind == _KILLED:
            killed.append((article_id, moment))
        elif kind == _LIVE:
            live.append((article_id, moment))
        else:
            moments[kind] = moment
    return FeedPage(
        killed=_newest(killed, limit),
        live=_newest(live, limit),
        next_release=moments.get(_RELEASE),
        next_embargo_preview=moments.get(_PREVIEW),
    )
