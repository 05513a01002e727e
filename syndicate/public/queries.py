"""Read-only queries for the public site, each with a fixed number of SQL statements.

Every listing loads its articles in one statement and their authors, images and
renditions in one batched statement each, however many articles a page holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, defer, joinedload, raiseload, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from syndicate.content import search
from syndicate.content.keyset import keyset_ids, page_ids
from syndicate.content.models import Article, ArticleImage, Author, Image, Section, Tag
from syndicate.content.services import publicly_visible, search_condition
from syndicate.pagination import Cursor, Page, Slice

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


def public_slice(
    session: Session,
    now: datetime,
    *conditions: ColumnElement[bool],
    cursor: Cursor | None,
    per_page: int,
    counted: bool = True,
) -> Slice[Article]:
    """Public articles matching ``conditions``, newest first, one keyset page of them.

    With ``counted`` false the total is left at 0: counting is the one part of a page whose
    cost grows with the archive, so only pages that show the count ask for it.
    Raises :class:`~syndicate.content.keyset.CursorNotFound` for a cursor naming no article.
    """
    where = (publicly_visible(now), *conditions)
    total = (session.scalar(select(func.count(Article.id)).where(*where)) or 0) if counted else 0
    ids, newer, older = page_ids(
        session, select(Article.id).where(*where), Article.released_at, cursor, per_page
    )
    loaded = _load_cards(session, ids)
    return Slice([loaded[i] for i in ids], per_page, total, newer, older)


def legacy_page_cursor(
    session: Session, now: datetime, *conditions: ColumnElement[bool], number: int, per_page: int
) -> int | None:
    """The id after which page ``number`` of the old numbered pages starts; None past the end.

    Only old ``?page=N`` links come here (they are redirected to the keyset address), so the
    OFFSET this costs is paid once per old link, never while paging.
    """
    stmt = (
        select(Article.id)
        .where(publicly_visible(now), *conditions)
        .order_by(*NEWEST_FIRST)
        .offset((number - 1) * per_page - 1)
        .limit(1)
    )
    return session.scalar(stmt)


SEARCH_COUNT_CAP = search.COUNT_CAP


def search_slice(
    session: Session, now: datetime, query: str, cursor: Cursor | None, per_page: int
) -> tuple[Slice[Article], dict[int, Any], bool]:
    """Public articles matching ``query``, a snippet for each, and whether they are ranked.

    Visibility is part of the same statement as the match. The total is counted up to
    :data:`SEARCH_COUNT_CAP`; up to there the best matches come first. A query matching more
    (a common word) lists its matches newest first instead, by id: the order in which the
    stories were filed, which is their release order except for a story filed long before
    its release (it sits among the stories filed with it). Ranking means scoring every
    match, and ordering by release time means collecting every match first (the full-text
    index knows nothing of it), both of which grow with the archive; walking the matches
    by id stops at a page on both databases.
    """
    found = search.match(session, query)
    if found is None:
        return Slice([], per_page, 0), {}, True
    visible = select(Article.id).where(publicly_visible(now))
    total = search.capped_count(session, found.matching_ids(visible), SEARCH_COUNT_CAP + 1)
    ranked = total <= SEARCH_COUNT_CAP
    if ranked:
        anchor = found.apply(select(found.rank))
        ids_stmt = found.apply(visible)
        ids, newer, older = page_ids(session, ids_stmt, found.rank, cursor, per_page, anchor)
    else:
        ids_stmt = found.matching_ids(visible)
        ids, newer, older = keyset_ids(session, ids_stmt, None, found.newest_id, cursor, per_page)
    loaded = _load_cards(session, ids)
    page = Slice([loaded[i] for i in ids], per_page, total, newer, older)
    return page, search.snippets(session, query, ids), ranked


def legacy_search_cursor(
    session: Session, now: datetime, query: str, number: int, per_page: int
) -> int | None:
    """Like :func:`legacy_page_cursor`, for old numbered pages of search results."""
    found = search.match(session, query)
    if found is None:
        return None
    stmt = (
        found.apply(select(Article.id).where(publicly_visible(now)))
        .order_by(found.rank.desc(), Article.id.desc())
        .offset((number - 1) * per_page - 1)
        .limit(1)
    )
    return session.scalar(stmt)


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


def tag_by_slug(session: Session, slug: str) -> Tag | None:
    """The tag with ``slug``."""
    return session.scalar(select(Tag).where(Tag.slug == slug))


def in_section(section: Section) -> ColumnElement[bool]:
    """Condition: the article belongs to ``section``."""
    return Article.section_id == section.id


def by_author(author: Author) -> ColumnElement[bool]:
    """Condition: ``author`` is one of the article's authors."""
    return Article.authors.any(Author.id == author.id)


def tagged(tag: Tag) -> ColumnElement[bool]:
    """Condition: ``tag`` is one of the article's tags."""
    return Article.tags.any(Tag.id == tag.id)


def matching(query: str) -> ColumnElement[bool]:
    """Condition: every word of ``query`` appears in the headline, dek or body."""
    return search_condition(query)
