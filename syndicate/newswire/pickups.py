"""Pickup statistics: tracked views (from the pixel), feed fetches and copies taken from the
story desk, per day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from licenses.models import Publisher
from syndicate.content.models import Article
from syndicate.newswire.models import FeedFetch
from syndicate.syndication.models import PickupCopy, PickupView

MAX_DAYS = 366


@dataclass(frozen=True)
class DayPoint:
    """One day of the chart."""

    day: date
    views: int
    fetches: int
    # Copies of the ready-to-paste block taken from the story desk (intents to republish).
    copies: int = 0


@dataclass(frozen=True)
class PickupRow:
    """Views of one article by one publisher on one day from one referring host."""

    day: date
    publisher: str
    article_slug: str
    headline: str
    referrer_host: str
    views: int


@dataclass(frozen=True)
class ArticleTotal:
    """Total views of one article over the period."""

    slug: str
    headline: str
    views: int


@dataclass(frozen=True)
class PublisherTotal:
    """Total views and fetches of one publisher over the period."""

    name: str
    views: int
    fetches: int
    copies: int = 0


def _pairs(result: Any) -> dict[Any, Any]:
    return dict(iter(result))


def period(days: int, today: date) -> tuple[date, date]:
    """The first and last day of a period of ``days`` ending today (bounded)."""
    days = max(1, min(MAX_DAYS, days))
    return today - timedelta(days=days - 1), today


def _days(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def _views_filter(publisher_id: int | None) -> ColumnElement[bool]:
    return PickupView.publisher_id == publisher_id if publisher_id is not None else true()


def _fetch_filter(publisher_id: int | None) -> ColumnElement[bool]:
    return FeedFetch.publisher_id == publisher_id if publisher_id is not None else true()


def _copies_filter(publisher_id: int | None) -> ColumnElement[bool]:
    return PickupCopy.publisher_id == publisher_id if publisher_id is not None else true()


def daily_series(
    session: Session, start: date, end: date, publisher_id: int | None = None
) -> list[DayPoint]:
    """Views, fetches and copies per day from ``start`` to ``end``, every day present (zeros
    too)."""
    views = _pairs(
        session.execute(
            select(PickupView.day, func.sum(PickupView.count))
            .where(PickupView.day.between(start, end), _views_filter(publisher_id))
            .group_by(PickupView.day)
        )
    )
    fetches = _pairs(
        session.execute(
            select(FeedFetch.day, func.sum(FeedFetch.count))
            .where(FeedFetch.day.between(start, end), _fetch_filter(publisher_id))
            .group_by(FeedFetch.day)
        )
    )
    copies = _pairs(
        session.execute(
            select(PickupCopy.day, func.sum(PickupCopy.count))
            .where(PickupCopy.day.between(start, end), _copies_filter(publisher_id))
            .group_by(PickupCopy.day)
        )
    )
    return [
        DayPoint(
            day,
            int(views.get(day) or 0),
            int(fetches.get(day) or 0),
            int(copies.get(day) or 0),
        )
        for day in _days(start, end)
    ]


def top_articles(
    session: Session, start: date, end: date, publisher_id: int | None = None, limit: int = 10
) -> list[ArticleTotal]:
    """The most viewed articles of the period."""
    total = func.sum(PickupView.count).label("views")
    rows = session.execute(
        select(Article.slug, Article.headline, total)
        .join(Article, Article.id == PickupView.article_id)
        .where(PickupView.day.between(start, end), _views_filter(publisher_id))
        .group_by(Article.id, Article.slug, Article.headline)
        .order_by(total.desc(), Article.slug)
        .limit(limit)
    ).all()
    return [ArticleTotal(slug, headline, int(views)) for slug, headline, views in rows]


def publisher_totals(session: Session, start: date, end: date) -> list[PublisherTotal]:
    """Views, fetches and copies per publisher over the period, busiest first."""
    views = _pairs(
        session.execute(
            select(PickupView.publisher_id, func.sum(PickupView.count))
            .where(PickupView.day.between(start, end))
            .group_by(PickupView.publisher_id)
        )
    )
    fetches = _pairs(
        session.execute(
            select(FeedFetch.publisher_id, func.sum(FeedFetch.count))
            .where(FeedFetch.day.between(start, end))
            .group_by(FeedFetch.publisher_id)
        )
    )
    copies = _pairs(
        session.execute(
            select(PickupCopy.publisher_id, func.sum(PickupCopy.count))
            .where(PickupCopy.day.between(start, end))
            .group_by(PickupCopy.publisher_id)
        )
    )
    ids = set(views) | set(fetches) | set(copies)
    if not ids:
        return []
    names = _pairs(
        session.execute(select(Publisher.id, Publisher.name).where(Publisher.id.in_(ids)))
    )
    totals = [
        PublisherTotal(
            names.get(i, f"#{i}"),
            int(views.get(i) or 0),
            int(fetches.get(i) or 0),
            int(copies.get(i) or 0),
        )
        for i in ids
    ]
    return sorted(totals, key=lambda t: (-t.views, -t.fetches, t.name.lower()))


def _story_rows(
    session: Session,
    counted: type[PickupView] | type[PickupCopy],
    detail: Any,
    where: ColumnElement[bool],
    start: date,
    end: date,
) -> list[Any]:
    """(day, publisher, article slug, headline, ``detail``, count) rows of a per-story
    count table over the period, in that order."""
    return list(
        session.execute(
            select(
                counted.day,
                Publisher.name,
                Article.slug,
                Article.headline,
                detail,
                counted.count,
            )
            .join(Article, Article.id == counted.article_id)
            .join(Publisher, Publisher.id == counted.publisher_id)
            .where(counted.day.between(start, end), where)
            .order_by(counted.day, Publisher.name, Article.slug, detail)
        ).all()
    )


def pickup_rows(
    session: Session, start: date, end: date, publisher_id: int | None = None
) -> list[PickupRow]:
    """Every recorded (day, publisher, article, host) count of the period, for CSV export."""
    rows = _story_rows(
        session, PickupView, PickupView.referrer_host, _views_filter(publisher_id), start, end
    )
    return [PickupRow(*row) for row in rows]


def copy_rows(
    session: Session, start: date, end: date, publisher_id: int | None = None
) -> list[tuple[date, str, str, str, str, int]]:
    """Every (day, publisher, article slug, headline, format, copies) of the period, for CSV
    export: the copy-ready blocks partners took from the story desk."""
    rows = _story_rows(
        session, PickupCopy, PickupCopy.format, _copies_filter(publisher_id), start, end
    )
    return [(day, name, slug, headline, fmt, int(n)) for day, name, slug, headline, fmt, n in rows]


def fetch_rows(
    session: Session, start: date, end: date, publisher_id: int | None = None
) -> list[tuple[date, str, int]]:
    """Every (day, publisher, fetches) of the period, for CSV export."""
    rows = session.execute(
        select(FeedFetch.day, Publisher.name, FeedFetch.count)
        .join(Publisher, Publisher.id == FeedFetch.publisher_id)
        .where(FeedFetch.day.between(start, end), _fetch_filter(publisher_id))
        .order_by(FeedFetch.day, Publisher.name)
    ).all()
    return [(day, name, int(count)) for day, name, count in rows]
