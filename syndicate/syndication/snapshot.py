"""What a partner item shows of an article, read as plain values with a few core queries.

A feed render reads fifty articles with their section, authors, tags, corrections and
photos. Loading them as ORM objects (identity map, instrumented attributes, collections)
cost more than the rest of the render together, and a feed never changes them: here each
relation is read over the whole page of ids (authors, tags and corrections together in one
statement, photos in another), ordered exactly like the model's relationship, and the rows
become frozen values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    String,
    any_,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from syndicate.content.models import (
    Article,
    ArticleImage,
    ArticleStatus,
    Author,
    Correction,
    Image,
    ImageRole,
    Section,
    Tag,
    article_authors,
    article_tags,
)
from syndicate.content.rights import RightsClass, credit_line, partner_permitted

# Every statement is built once and takes the page of ids as one expanding parameter, so a
# render pays neither statement construction nor cache-key generation.
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_ARTICLES = Article.__table__
_SECTIONS = Section.__table__
_AUTHORS = Author.__table__
_TAGS = Tag.__table__
_CORRECTIONS = Correction.__table__
_LINKS = ArticleImage.__table__
_IMAGES = Image.__table__


@dataclass(frozen=True, slots=True)
class PlacedPhoto:
    """One image placed in an article, with the caption shown there and its rights."""

    role: ImageRole
    caption: str
    credit: str | None
    storage_key: str
    media_type: str
    width: int
    height: int
    byte_size: int
    alt_text: str
    rights_class: RightsClass
    license_url: str
    partner_allowed: bool
    partner_allowed_until: datetime | None
    updated_at: datetime

    def partner_permitted(self, at: datetime) -> bool:
        """Whether partners may receive this photo at ``at``."""
        return partner_permitted(
            self.rights_class, self.partner_allowed, self.partner_allowed_until, at
        )


@dataclass(frozen=True, slots=True)
class CorrectionNote:
    """A dated correction."""

    created_at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class FeedArticle:
    """An article as a partner item needs it; relations in the model's order."""

    id: int
    slug: str
    headline: str
    dek: str
    body_html: str
    status: ArticleStatus
    released_at: datetime | None
    first_published_at: datetime | None
    content_updated_at: datetime | None
    killed_at: datetime | None
    kill_reason: str
    section_slug: str
    section_name: str
    authors: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]
    corrections: tuple[CorrectionNote, ...]
    photos: tuple[PlacedPhoto, ...]

    @property
    def lead(self) -> PlacedPhoto | None:
        """The lead photo, if any."""
        return next((photo for photo in self.photos if photo.role is ImageRole.LEAD), None)

    @property
    def inline_photos(self) -> list[PlacedPhoto]:
        """Inline photos in their order."""
        return [photo for photo in self.photos if photo.role is ImageRole.INLINE]


@dataclass(frozen=True)
class _Statements:
    articles: Select[Any]
    relations: CompoundSelect
    photos: Select[Any]


# What a row of the relations statement is: the kind, then the article id, then values.
_AUTHOR, _TAG, _CORRECTION = range(3)


def _statements(in_ids: Callable[[ColumnElement[int]], ColumnElement[bool]]) -> _Statements:
    articles = (
        select(
            _ARTICLES.c.id,
            _ARTICLES.c.slug,
            _ARTICLES.c.headline,
            _ARTICLES.c.dek,
            _ARTICLES.c.body_html,
            _ARTICLES.c.status,
            _ARTICLES.c.released_at,
            _ARTICLES.c.first_published_at,
            _ARTICLES.c.content_updated_at,
            _ARTICLES.c.killed_at,
            _ARTICLES.c.kill_reason,
            _SECTIONS.c.slug,
            _SECTIONS.c.name,
        )
        .join_from(_ARTICLES, _SECTIONS, _ARTICLES.c.section_id == _SECTIONS.c.id)
        .where(in_ids(_ARTICLES.c.id))
    )
    # Authors, tags and corrections in one statement, each kind as (kind, article, order,
    # text, text, moment). Sorting the whole result by (kind, order, moment, text) puts each
    # article's rows in the model's order: authors by position, tags by name, corrections
    # by date.
    # PostgreSQL types a union's columns by its first member: its NULLs need a type.
    no_text = cast(null(), String)
    no_moment = cast(null(), _CORRECTIONS.c.created_at.type)
    relations = union_all(
        select(
            literal_column(str(_AUTHOR), Integer).label("kind"),
            article_authors.c.article_id,
            article_authors.c.position.label("ord"),
            _AUTHORS.c.name.label("text_a"),
            no_text.label("text_b"),
            no_moment.label("moment"),
        )
        .join_from(article_authors, _AUTHORS, article_authors.c.author_id == _AUTHORS.c.id)
        .where(in_ids(article_authors.c.article_id)),
        select(
            literal_column(str(_TAG), Integer),
            article_tags.c.article_id,
            literal_column("0", Integer),
            _TAGS.c.name,
            _TAGS.c.slug,
            no_moment,
        )
        .join_from(article_tags, _TAGS, article_tags.c.tag_id == _TAGS.c.id)
        .where(in_ids(article_tags.c.article_id)),
        select(
            literal_column(str(_CORRECTION), Integer),
            _CORRECTIONS.c.article_id,
            literal_column("0", Integer),
            _CORRECTIONS.c.note,
            no_text,
            _CORRECTIONS.c.created_at,
        ).where(in_ids(_CORRECTIONS.c.article_id)),
    ).order_by("kind", "ord", "moment", "text_a")
    photos = (
        select(
            _LINKS.c.article_id,
            _LINKS.c.role,
            _LINKS.c.caption_override,
            _IMAGES.c.caption,
            _IMAGES.c.creator,
            _IMAGES.c.organization,
            _IMAGES.c.storage_key,
            _IMAGES.c.media_type,
            _IMAGES.c.width,
            _IMAGES.c.height,
            _IMAGES.c.byte_size,
            _IMAGES.c.alt_text,
            _IMAGES.c.rights_class,
            _IMAGES.c.license_url,
            _IMAGES.c.partner_allowed,
            _IMAGES.c.partner_allowed_until,
            _IMAGES.c.updated_at,
        )
        .join_from(_LINKS, _IMAGES, _LINKS.c.image_id == _IMAGES.c.id)
        .where(in_ids(_LINKS.c.article_id))
        .order_by(_LINKS.c.role, _LINKS.c.position)
    )
    return _Statements(articles, relations, photos)


# PostgreSQL takes the page of ids as one array (``= ANY(:ids)``): the statement text never
# changes, so the driver prepares it once, and no parameter list is rendered per render.
# Elsewhere an expanding ``IN``.
_IDS_ARRAY: BindParameter[Any] = bindparam("ids", type_=postgresql.ARRAY(Integer))
_BY_DIALECT = {
    "postgresql": _statements(lambda column: column == any_(_IDS_ARRAY)),
    "sqlite": _statements(lambda column: column.in_(_IDS)),
}


def load_feed_articles(session: Session, ids: Sequence[int]) -> list[FeedArticle]:
    """The articles ``ids``, in that order, with everything an item shows."""
    if not ids:
        return []
    params = {"ids": list(ids)}
    statements = _BY_DIALECT[session.get_bind().dialect.name]
    # Rows are unpacked by position: a named attribute of a result row costs more than the
    # rest of building the value.
    authors: defaultdict[int, list[str]] = defaultdict(list)
    tags: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    corrections: defaultdict[int, list[CorrectionNote]] = defaultdict(list)
    for kind, article_id, _, text_a, text_b, moment in session.execute(
        statements.relations, params
    ).all():
        if kind == _AUTHOR:
            authors[article_id].append(text_a)
        elif kind == _TAG:
            tags[article_id].append((text_b, text_a))
        else:
            corrections[article_id].append(CorrectionNote(moment, text_a))
    photos: defaultdict[int, list[PlacedPhoto]] = defaultdict(list)
    for (
        article_id,
        role,
        caption_override,
        caption,
        creator,
        organization,
        storage_key,
        media_type,
        width,
        height,
        byte_size,
        alt_text,
        rights_class,
        license_url,
        partner_allowed,
        partner_allowed_until,
        updated_at,
    ) in session.execute(statements.photos, params).all():
        photos[article_id].append(
            PlacedPhoto(
                role=role,
                caption=caption_override or caption,
                credit=credit_line(rights_class, creator, organization, license_url),
                storage_key=storage_key,
                media_type=media_type,
                width=width,
                height=height,
                byte_size=byte_size,
                alt_text=alt_text,
                rights_class=rights_class,
                license_url=license_url,
                partner_allowed=partner_allowed,
                partner_allowed_until=partner_allowed_until,
                updated_at=updated_at,
            )
        )
    by_id: dict[int, FeedArticle] = {}
    for row in session.execute(statements.articles, params).all():
        article_id = row[0]
        by_id[article_id] = FeedArticle(
            id=article_id,
            slug=row[1],
            headline=row[2],
            dek=row[3],
            body_html=row[4],
            status=row[5],
            released_at=row[6],
            first_published_at=row[7],
            content_updated_at=row[8],
            killed_at=row[9],
            kill_reason=row[10],
            section_slug=row[11],
            section_name=row[12],
            authors=tuple(authors.get(article_id, ())),
            tags=tuple(tags.get(article_id, ())),
            corrections=tuple(corrections.get(article_id, ())),
            photos=tuple(photos.get(article_id, ())),
        )
    return [by_id[i] for i in ids if i in by_id]
