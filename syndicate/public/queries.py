"""Read-only queries for the public site, each with a fixed number of SQL statements.

Every listing loads its articles in one statement and their authors, images and
renditions in one batched statement each, however many articles a page holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, defer, joinedload, raiseload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from syndicate.content.models import Article, ArticleImage, Author, Image, Section
from syndicate.content.services import publicly_visible, search_condition
from syndicate.pagination import Page

NEWEST_FIRST = (Article.released_at.desc(), Article.id.desc())


def _images() -> LoaderOption:
    return (
        selectinload(Article.images)
        .joinedload(ArticleImage.image, innerjoin=True)
        .selectinload(Image.renditions)
    )


def listing_options() -> list[LoaderOption]:
    """Loader options for story cards: section, authors and images, never the body."""
    return [
        joinedload(Article.section, innerjoin=True),
        selectinload(Article.authors),
        _images(),
        defer(Article.body_html, raiseload=True),
        defer(Article.body_source, raiseload=True),
        defer(Article.body_text, raiseload=True),
        raiseload(Article.tags),
        raiseload(Article.corrections),
    ]


def feed_options() -> list[LoaderOption]:
    """Loader options for feed items: section and authors only."""
    return [
        joinedload(Article.section, innerjoin=True),
        selectinload(Article.authors),
        raiseload(Article.images),
        defer(Article.body_html, raiseload=True),
        defer(Article.body_source, raiseload=True),
        defer(Article.body_text, raiseload=True),
        raiseload(Article.tags),
        raiseload(Article.corrections),
    ]


def page_options() -> list[LoaderOption]:
    """Loader options for the article page: everything it shows, batched."""
    return [
        joinedload(Article.section, innerjoin=True),
        selectinload(Article.authors),
        selectinload(Article.tags),
        selectinload(Article.corrections),
        _images(),
    ]


class PageOutOfRange(LookupError):
    """The requested page number does not exist."""


def public_page(
    session: Session,
    now: datetime,
    *conditions: ColumnElement[bool],
    number: int = 1,
    per_page: int = 20,
    options: Sequence[LoaderOption] | None = None,
) -> Page[Article]:
    """Public articles matching ``conditions``, newest first, one page of them.

    Page 1 always exists; a later page past the end raises :class:`PageOutOfRange`.
    """
    if number < 1:
        raise PageOutOfRange(number)
    where = (publicly_visible(now), *conditions)
    total = session.scalar(select(func.count(Article.id)).where(*where)) or 0
    if number > 1 and (number - 1) * per_page >= total:
        raise PageOutOfRange(number)
    stmt: Select[Any] = (
        select(Article)
        .where(*where)
        .order_by(*NEWEST_FIRST)
        .limit(per_page)
        .offset((number - 1) * per_page)
        .options(*(options if options is not None else listing_options()))
    )
    return Page(list(session.scalars(stmt)), number, per_page, total)


def latest_public(session: Session, now: datetime, limit: int) -> list[Article]:
    """The newest ``limit`` public articles, prepared for feed items."""
    stmt = (
        select(Article)
        .where(publicly_visible(now))
        .order_by(*NEWEST_FIRST)
        .limit(limit)
        .options(*feed_options())
    )
    return list(session.scalars(stmt))


Blocks = list[tuple[Section, list[Article]]]


def _load_cards(session: Session, ids: Sequence[int]) -> dict[int, Article]:
    if not ids:
        return {}
    stmt = select(Article).where(Article.id.in_(ids)).options(*listing_options())
    return {article.id: article for article in session.scalars(stmt)}


def front_page(
    session: Session, now: datetime, *, number: int, per_page: int, per_section: int
) -> tuple[Page[Article], Blocks]:
    """The front page: one page of the latest stories and, on page 1, section blocks.

    Each block holds a section's newest ``per_section`` stories not already among the
    latest. Two id-only queries choose the stories (a window function ranks them within
    their section) and one statement loads them all, so the count of statements is the
    same for three stories or three thousand.
    """
    if number < 1:
        raise PageOutOfRange(number)
    visible = publicly_visible(now)
    total = session.scalar(select(func.count(Article.id)).where(visible)) or 0
    if number > 1 and (number - 1) * per_page >= total:
        raise PageOutOfRange(number)
    latest_ids = list(
        session.scalars(
            select(Article.id)
            .where(visible)
            .order_by(*NEWEST_FIRST)
            .limit(per_page)
            .offset((number - 1) * per_page)
        )
    )
    block_ids: list[int] = []
    if number == 1 and latest_ids:
        rank = (
            func.row_number()
            .over(partition_by=Article.section_id, order_by=NEWEST_FIRST)
            .label("rank")
        )
        ranked = (
            select(Article.id, Article.section_id, Article.released_at, rank)
            .where(visible, Article.id.not_in(latest_ids))
            .subquery()
        )
        block_ids = list(
            session.scalars(
                select(ranked.c.id)
                .join(Section, Section.id == ranked.c.section_id)
                .where(ranked.c.rank <= per_section)
                .order_by(
                    Section.position, Section.name, ranked.c.released_at.desc(), ranked.c.id.desc()
                )
            )
        )
    loaded = _load_cards(session, latest_ids + block_ids)
    latest = Page([loaded[i] for i in latest_ids], number, per_page, total)
    blocks: dict[int, tuple[Section, list[Article]]] = {}
    for article_id in block_ids:
        article = loaded[article_id]
        blocks.setdefault(article.section_id, (article.section, []))[1].append(article)
    return latest, list(blocks.values())


def article_by_slug(session: Session, slug: str) -> Article | None:
    """The article with ``slug`` and everything its page shows, whatever its status."""
    return session.scalar(select(Article).where(Article.slug == slug).options(*page_options()))


def public_article(session: Session, slug: str, now: datetime) -> Article | None:
    """The article with ``slug`` if the public may read it now, prepared for cards."""
    return session.scalar(
        select(Article)
        .where(Article.slug == slug, publicly_visible(now))
        .options(*listing_options())
    )


def section_by_slug(session: Session, slug: str) -> Section | None:
    """The section with ``slug``."""
    return session.scalar(select(Section).where(Section.slug == slug))


def author_by_slug(session: Session, slug: str) -> Author | None:
    """The author with ``slug``."""
    return session.scalar(select(Author).where(Author.slug == slug))


def in_section(section: Section) -> ColumnElement[bool]:
    """Condition: the article belongs to ``section``."""
    return Article.section_id == section.id


def by_author(author: Author) -> ColumnElement[bool]:
    """Condition: ``author`` is one of the article's authors."""
    return Article.authors.any(Author.id == author.id)


def matching(query: str) -> ColumnElement[bool]:
    """Condition: every word of ``query`` appears in the headline, dek or body."""
    return search_condition(query)
