"""What the sitemaps list, read with :func:`publicly_visible` like every public surface.

An embargoed or scheduled story is absent until its release; a killed, unpublished or
never-released one is never listed. Each story's ``lastmod`` is :func:`shown_modified`,
the time every other surface shows; a month's is the latest of its stories', computed in
the same statement as its count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

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


def shown_modified_sql(now: datetime) -> ColumnElement[datetime]:
    """:func:`shown_modified` as SQL, for one story's row."""
    changed = Article.content_updated_at
    return case(
        (
            and_(changed.is_not(None), changed > Article.released_at, changed <= now),
            changed,
        ),
        else_=Article.released_at,
    )


def _month_key(session: Session) -> ColumnElement[str]:
    """``YYYY-MM`` of a story's release, in UTC on both databases."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Article.released_at), "YYYY-MM")
    # SQLite keeps the UTC time as ISO text.
    return func.substr(Article.released_at, 1, 7)


def _aware(value: Any) -> datetime:
    """A timestamp from an aggregate: SQLite gives it back as text, without its zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def archive_months(session: Session, now: datetime) -> list[Month]:
    """Every month with a public story, newest first, with its count and latest change."""
    key = _month_key(session)
    rows = session.execute(
        select(key, func.count(), func.max(shown_modified_sql(now)))
        .where(publicly_visible(now))
        .group_by(key)
        .order_by(key.desc())
    ).all()
    months = []
    for label, count, lastmod in rows:
        year, month = (int(part) for part in str(label).split("-"))
        months.append(Month(year, month, int(count), _aware(lastmod)))
    return months


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next one, in UTC."""
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


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
    return [Entry(slug, _aware(moment)) for slug, moment in rows]


def tag_entries(session: Session, now: datetime) -> list[Entry]:
    """Every tag with a public story, most recently changed first, with its latest change."""
    return _linked_entries(session, now, Tag, article_tags, "tag_id")


def author_entries(session: Session, now: datetime) -> list[Entry]:
    """Every author with a public story, most recently changed first."""
    return _linked_entries(session, now, Author, article_authors, "author_id")


def section_slugs(session: Session) -> Sequence[str]:
    """Every section, in the masthead's order."""
    return session.scalars(select(Section.slug).order_by(Section.position, Section.name)).all()
