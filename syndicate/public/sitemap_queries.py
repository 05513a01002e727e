"""What the sitemaps list, read with :func:`publicly_visible` like every public surface.

An embargoed or scheduled story is absent until its release; a killed, unpublished or
never-released one is never listed. Each story's ``lastmod`` is :func:`shown_modified`,
the time every other surface shows; a month's is the latest of its stories', kept with
its count in ``archive_months`` (:mod:`syndicate.content.archive`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from syndicate.content import archive
from syndicate.content.archive import aware, month_bounds, shown_modified_sql
from syndicate.content.models import Article, Author, Section, Tag, article_authors, article_tags
from syndicate.content.services import publicly_visible, shown_modified

# At most this many URLs in one story sitemap; a busier month gets parts 2, 3, ...
PART_SIZE = 10_000
# The sitemaps.org limit for one file: the tag and author lists stop there.
SITEMAP_LIMIT = 50_000
# Google News takes stories of the last two days, at most 1,000 per sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_LIMIT = 1_000


@dataclass(frozen=True)
class Month:
    """One calendar month (UTC) of public stories."""

    year: int
    month: int
    count: int
    lastmod: datetime

    @property
    def parts(self) -> int:
        """How many sitemaps the month takes."""
        return max(1, -(-self.count // PART_SIZE))


@dataclass(frozen=True)
class Entry:
    """One URL of a sitemap: what it names and when it last changed."""

    slug: str
    lastmod: datetime | None


@dataclass(frozen=True)
class NewsEntry:
    """One story of the news sitemap."""

    slug: str
    headline: str
    released_at: datetime


def archive_months(session: Session, now: datetime) -> list[Month]:
    """Every month with a public story, newest first, with its count and latest change.

    Read from ``archive_months`` (a row per month); a month whose row no longer holds at
    ``now`` (a story of it released or changed since the row was written) is counted from
    its stories, in one statement for all such months.
    """
    months: dict[str, Month] = {}
    stale = []
    for row in archive.stored(session):
        if not row.holds_at(now):
            stale.append(row.month)
        elif row.stories and row.lastmod is not None:
            months[row.month] = _month(row.month, row.stories, row.lastmod)
    for found in archive.compute(session, stale, now):
        if found.stories and found.lastmod is not None:
            months[found.month] = _month(found.month, found.stories, found.lastmod)
    return [months[key] for key in sorted(months, reverse=True)]


def _month(key: str, count: int, lastmod: datetime) -> Month:
    year, month = (int(part) for part in key.split("-"))
    return Month(year, month, count, lastmod)


def month_entries(session: Session, now: datetime, year: int, month: int, part: int) -> list[Entry]:
    """Part ``part`` (from 1) of the month's public stories, oldest first."""
    start, end = month_bounds(year, month)
    rows = session.execute(
        select(Article.slug, Article.released_at, Article.content_updated_at)
        .where(publicly_visible(now), Article.released_at >= start, Article.released_at < end)
        .order_by(Article.released_at, Article.id)
        .offset((part - 1) * PART_SIZE)
        .limit(PART_SIZE)
    ).all()
    # publicly_visible() holds only released stories.
    return [
        Entry(slug, shown_modified(cast(datetime, released), (updated,), now))
        for slug, released, updated in rows
    ]


def news_entries(session: Session, now: datetime) -> list[NewsEntry]:
    """The public stories released in the last 48 hours, newest first."""
    rows = session.execute(
        select(Article.slug, Article.headline, Article.released_at)
        .where(publicly_visible(now), Article.released_at > now - NEWS_WINDOW)
        .order_by(Article.released_at.desc(), Article.id.desc())
        .limit(NEWS_LIMIT)
    ).all()
    return [
        NewsEntry(slug, headline, cast(datetime, released)) for slug, headline, released in rows
    ]


def has_news(session: Session, now: datetime) -> bool:
    """Whether a public story was released in the last 48 hours."""
    return (
        session.scalar(
            select(Article.id)
            .where(publicly_visible(now), Article.released_at > now - NEWS_WINDOW)
            .limit(1)
        )
        is not None
    )


def has_tag_pages(session: Session, now: datetime) -> bool:
    """Whether any public story carries a tag."""
    return (
        session.scalar(
            select(article_tags.c.tag_id)
            .join(Article, Article.id == article_tags.c.article_id)
            .where(publicly_visible(now))
            .limit(1)
        )
        is not None
    )


def _linked_entries(
    session: Session, now: datetime, model: Any, link: Any, key: str
) -> list[Entry]:
    """Every ``model`` row (tag or author) linked through ``link`` (its ``key`` column) to a
    public story, most recently changed first, with its latest change."""
    lastmod = func.max(shown_modified_sql(now))
    rows = session.execute(
        select(model.slug, lastmod)
        .join(link, link.c[key] == model.id)
        .join(Article, Article.id == link.c.article_id)
        .where(publicly_visible(now))
        .group_by(model.slug)
        .order_by(lastmod.desc(), model.slug)
        .limit(SITEMAP_LIMIT)
    ).all()
    return [Entry(slug, aware(moment)) for slug, moment in rows]


def tag_entries(session: Session, now: datetime) -> list[Entry]:
    """Every tag with a public story, most recently changed first, with its latest change."""
    return _linked_entries(session, now, Tag, article_tags, "tag_id")


def author_entries(session: Session, now: datetime) -> list[Entry]:
    """Every author with a public story, most recently changed first."""
    return _linked_entries(session, now, Author, article_authors, "author_id")


def section_slugs(session: Session) -> Sequence[str]:
    """Every section, in the masthead's order."""
    return session.scalars(select(Section.slug).order_by(Section.position, Section.name)).all()
