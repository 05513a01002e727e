"""Pagination and filter helpers for the console's lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from syndicate.content.models import Article, ArticleStatus
from syndicate.pagination import Page
from syndicate.web.inputs import parse_int

STATUS_FILTERS = ("draft", "scheduled", "published", "killed")


def page_number() -> int:
    """The ``page`` query parameter, at least 1; garbage counts as 1."""
    return parse_int(request.args.get("page"), 1, 100_000) or 1


def paginate(session: Session, statement: Select[Any], number: int, per_page: int) -> Page[Any]:
    """Run ``statement`` for one page, with the total count of its rows."""
    total = session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = list(session.scalars(statement.limit(per_page).offset((number - 1) * per_page)))
    return Page(items=items, number=number, per_page=per_page, total=total or 0)


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
