"""Filter helpers for the console's lists."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from syndicate.content.models import Article, ArticleStatus

STATUS_FILTERS = ("draft", "scheduled", "published", "killed")


def like_pattern(text: str) -> str:
    """A case-folded ``LIKE`` pattern matching ``text`` anywhere (with ``\\`` as escape)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def status_condition(status: str, now: datetime) -> ColumnElement[bool]:
    """SQL for an article's effective status: a scheduled story past its time is published."""
    released = and_(Article.released_at.is_not(None), Article.released_at <= now)
    if status == "published":
        return or_(
            Article.status == ArticleStatus.PUBLISHED,
            and_(Article.status == ArticleStatus.SCHEDULED, released),
        )
    if status == "scheduled":
        return and_(
            Article.status == ArticleStatus.SCHEDULED,
            or_(Article.released_at.is_(None), Article.released_at > now),
        )
    return Article.status == ArticleStatus(status)


def status_counts(session: Session, now: datetime) -> dict[str, int]:
    """How many articles have each effective status."""
    counts = {}
    for status in STATUS_FILTERS:
        counts[status] = (
            session.scalar(select(func.count(Article.id)).where(status_condition(status, now))) or 0
        )
    return counts
