"""Content tables: articles and what they are made of."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndicate.content.rights import RightsClass, credit_line, partner_permitted
from syndicate.orm import Base, CreatedAt, TimestampMixin, value_enum


class ArticleStatus(enum.Enum):
    """Where an article is in its life."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    KILLED = "killed"


class SyndicationPolicy(enum.Enum):
    """Whether partners may receive an article."""

    SYNDICATE = "syndicate"
    DO_NOT_SYNDICATE = "do_not_syndicate"


class BodyFormat(enum.Enum):
    """How staff wrote the body: Markdown or HTML (both sanitised)."""

    MARKDOWN = "markdown"
    HTML = "html"


class ImageRole(enum.Enum):
    """How an image is used in an article."""

    LEAD = "lead"
    INLINE = "inline"


article_authors = Table(
    "article_authors",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("author_id", ForeignKey("authors.id", ondelete="RESTRICT"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
    Index("ix_article_authors_author_id", "author_id"),
)

article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_article_tags_tag_id", "tag_id"),
)


class Section(Base, TimestampMixin):
    """A desk section (Environment, Justice, ...)."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class Author(Base, TimestampMixin):
    """A reporter or contributor, with a public page."""

    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    title: Mapped[str] = mapped_column(String(160), default="")
    bio: Mapped[str] = mapped_column(Text, default="")


class Tag(Base):
    """A free keyword on articles."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Image(Base, TimestampMixin):
    """A photo or graphic with its structured credit and rights."""

    __tablename__ = "images"
    __table_args__ = (Index("ix_images_created_at_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    byte_size: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[str] = mapped_column(String(500), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    creator: Mapped[str] = mapped_column(String(200), default="")
    organization: Mapped[str] = mapped_column(String(200), default="")
    rights_class: Mapped[RightsClass] = mapped_column(value_enum(RightsClass))
    license_url: Mapped[str] = mapped_column(String(500), default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    partner_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    partner_allowed_until: Mapped[datetime | None] = mapped_column(default=None, index=True)

    renditions: Mapped[list[ImageRendition]] = relationship(
        back_populates="image",
        cascade="all, delete-orphan",
        order_by="ImageRendition.width",
        lazy="selectin",
    )
    usages: Mapped[list[ArticleImage]] = relationship(back_populates="image")

    @property
    def credit_line(self) -> str | None:
        """The derived credit ("Creator/Organisation", "Organisation/Public domain")."""
        return credit_line(self.rights_class, self.creator, self.organization, self.license_url)

    def partner_permitted(self, at: datetime) -> bool:
        """Whether partners may receive this image at ``at``."""
        return partner_permitted(
            self.rights_class, self.partner_allowed, self.partner_allowed_until, at
        )


class ImageRendition(Base):
    """A resized copy of an image for responsive pages."""

    __tablename__ = "image_renditions"
    __table_args__ = (UniqueConstraint("image_id", "width"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="CASCADE"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(40))

    image: Mapped[Image] = relationship(back_populates="renditions")


class Article(Base, TimestampMixin):
    """A story: its text, people, images, state and syndication policy."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_released_at", "status", "released_at"),
        Index("ix_articles_section_status_released_at", "section_id", "status", "released_at"),
        # Keyset paging of the public lists and the console's list (newest first).
        Index("ix_articles_released_at_id", "released_at", "id"),
        Index("ix_articles_section_released_at_id", "section_id", "released_at", "id"),
        Index("ix_articles_updated_at_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(160), unique=True)
    headline: Mapped[str] = mapped_column(String(300))
    dek: Mapped[str] = mapped_column(Text, default="")
    body_format: Mapped[BodyFormat] = mapped_column(
        value_enum(BodyFormat), default=BodyFormat.MARKDOWN
    )
    body_source: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    # The words of body_html a reader sees (comments, tags and attributes left out): search.
    body_text: Mapped[str] = mapped_column(Text, default="")
    # Bylines and tag names, for the search index (kept in step by syndicate.content.search).
    search_terms: Mapped[str] = mapped_column(Text, default="")
    dateline: Mapped[str] = mapped_column(String(120), default="")
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="RESTRICT"))
    status: Mapped[ArticleStatus] = mapped_column(
        value_enum(ArticleStatus), default=ArticleStatus.DRAFT
    )
    # Public release time: when the story goes (or went) public.
    released_at: Mapped[datetime | None] = mapped_column(default=None)
    # Optional partner embargo: entitled partners may receive the story from this time,
    # ahead of the public release, marked as embargoed until ``released_at``.
    embargo_preview_at: Mapped[datetime | None] = mapped_column(default=None)
    first_published_at: Mapped[datetime | None] = mapped_column(default=None)
    content_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    killed_at: Mapped[datetime | None] = mapped_column(default=None)
    kill_reason: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    syndication: Mapped[SyndicationPolicy] = mapped_column(
        value_enum(SyndicationPolicy), default=SyndicationPolicy.SYNDICATE
    )
    comments_open: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    section: Mapped[Section] = relationship(lazy="joined", innerjoin=True)
    authors: Mapped[list[Author]] = relationship(
        secondary=article_authors, order_by=article_authors.c.position, lazy="selectin"
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=article_tags, order_by="Tag.name", lazy="selectin"
    )
    images: Mapped[list[ArticleImage]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by=lambda: (ArticleImage.role, ArticleImage.position),
        lazy="selectin",
    )
    corrections: Mapped[list[Correction]] = relationship(
        back_populates="article",
        cascade="all, delete-orphan",
        order_by="Correction.created_at",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def lead(self) -> ArticleImage | None:
        """The lead image link, if any."""
        return next((link for link in self.images if link.role is ImageRole.LEAD), None)

    @property
    def inline_images(self) -> list[ArticleImage]:
        """Inline image links in their order."""
        return [link for link in self.images if link.role is ImageRole.INLINE]


class ArticleImage(Base):
    """An image placed in an article: lead or inline, in order, with an optional caption."""

    __tablename__ = "article_images"
    __table_args__ = (UniqueConstraint("article_id", "image_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id", ondelete="RESTRICT"), index=True)
    role: Mapped[ImageRole] = mapped_column(value_enum(ImageRole), default=ImageRole.INLINE)
    position: Mapped[int] = mapped_column(Integer, default=0)
    caption_override: Mapped[str] = mapped_column(Text, default="")

    article: Mapped[Article] = relationship(back_populates="images")
    image: Mapped[Image] = relationship(back_populates="usages", lazy="joined", innerjoin=True)

    @property
    def caption(self) -> str:
        """The caption shown with the image in this article."""
        return self.caption_override or self.image.caption


class Correction(Base):
    """A dated correction note on an article."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]

    article: Mapped[Article] = relationship(back_populates="corrections")


class ArchiveMonth(Base):
    """One calendar month (UTC) of public stories, for the sitemap index (kept by
    :mod:`syndicate.content.archive`): the figures hold from ``lastmod`` until
    ``changes_at``."""

    __tablename__ = "archive_months"

    # "YYYY-MM"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    stories: Mapped[int] = mapped_column(Integer, default=0)
    # The latest release or change among the month's public stories (None: none public yet).
    lastmod: Mapped[datetime | None] = mapped_column(default=None)
    # The next release or change still to come in the month (None: none known).
    changes_at: Mapped[datetime | None] = mapped_column(default=None)


# The search index's and the archive's session hooks must be active wherever articles are
# written.
from syndicate.content import archive as _archive  # noqa: E402, F401
from syndicate.content import search as _search  # noqa: E402, F401
