"""The partner feed query: one indexed page of covered, visible articles.

Articles are chosen by id, in one statement made of one branch per way an article can be
visible (each branch an ordered, limited scan of the ``(status, released_at)`` index);
:mod:`.snapshot` then reads them by id with their section, authors, tags, images and
corrections in a fixed number of batched statements, whatever the size of the archive.
Embargoed stories for entitled partners are one more branch; recently killed stories
(shown as kill notices) are chosen by a separate small query.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, union_all
from sqlalchemy.orm import Session

from licenses.coverage import Coverage, covered_condition
from syndicate.content.models import Article, ArticleStatus
from syndicate.content.services import publicly_visible
from syndicate.newswire.embargo import embargo_visible, partner_received


def visibility_branches(now: datetime, embargo: bool = False) -> list[ColumnElement[bool]]:
    """Each way an article can be in a partner feed at ``now``, one status per branch.

    Together they equal :func:`publicly_visible` (plus, with ``embargo``, the stories
    under a partner embargo); split by status, each one can walk the
    ``(status, released_at)`` index newest first and stop after one page.
    """
    public = publicly_visible(now)
    branches = [
        and_(Article.status == status, public)
        for status in (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
    ]
    if embargo:
        branches.append(embargo_visible(now))
    return branches


def partner_article_ids(
    session: Session, coverage: Coverage, now: datetime, limit: int
) -> list[int]:
    """Ids of the newest ``limit`` articles ``coverage`` lets a partner receive now."""
    if coverage.empty or limit <= 0:
        return []
    covered = covered_condition(coverage)
    branches = [
        select(Article.id, Article.released_at)
        .where(branch, covered)
        .order_by(Article.released_at.desc(), Article.id.desc())
        .limit(limit)
        .subquery()
        for branch in visibility_branches(now, coverage.embargo_entitled)
    ]
    merged = union_all(*(select(b.c.id, b.c.released_at) for b in branches)).subquery()
    stmt = (
        select(merged.c.id).order_by(merged.c.released_at.desc(), merged.c.id.desc()).limit(limit)
    )
    return list(session.scalars(stmt))


def killed_article_ids(
    session: Session, coverage: Coverage, now: datetime, days: int, limit: int
) -> list[int]:
    """Covered stories killed in the last ``days`` that the partner had received, newest kill
    first: their items become kill notices."""
    if coverage.empty or days <= 0 or limit <= 0:
        return []
    stmt = (
        select(Article.id)
        .where(
            Article.status == ArticleStatus.KILLED,
            Article.killed_at > now - timedelta(days=days),
            covered_condition(coverage),
            partner_received(coverage.embargo_entitled),
        )
        .order_by(Article.killed_at.desc(), Article.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def next_embargo_preview(session: Session, coverage: Coverage, now: datetime) -> datetime | None:
    """When the next covered embargoed story reaches an entitled partner's feed."""
    if coverage.empty or not coverage.embargo_entitled:
        return None
    stmt = select(func.min(Article.embargo_preview_at)).where(
        Article.status == ArticleStatus.SCHEDULED,
        Article.embargo_preview_at > now,
        Article.released_at > Article.embargo_preview_at,
        covered_condition(coverage),
    )
    value: datetime | None = session.scalar(stmt)
    return value


def next_release(session: Session, coverage: Coverage, now: datetime) -> datetime | None:
    """When the next covered scheduled story goes public (a cached feed expires then)."""
    if coverage.empty:
        return None
    stmt = select(func.min(Article.released_at)).where(
        Article.status == ArticleStatus.SCHEDULED,
        Article.released_at > now,
        covered_condition(coverage),
    )
    value: datetime | None = session.scalar(stmt)
    return value
