"""Newswire tables: notices to partners, their webhook settings and feed fetch counts."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from licenses.models import Publisher
from syndicate.content.models import Article
from syndicate.orm import Base, CreatedAt, TimestampMixin, value_enum
from syndicate.outbox.models import OutboxMessage


class NoticeKind(enum.Enum):
    """Why partners are told: a correction to act on, or a story to take down."""

    CORRECTION = "correction"
    KILL = "kill"


class Notice(Base):
    """One notice to one publisher about one article, until the publisher acknowledges it."""

    __tablename__ = "notices"
    __table_args__ = (
        Index("ix_notices_publisher_id_created_at", "publisher_id", "created_at"),
        Index("ix_notices_article_id_kind", "article_id", "kind"),
        Index("ix_notices_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[NoticeKind] = mapped_column(value_enum(NoticeKind))
    correction_id: Mapped[int | None] = mapped_column(
        ForeignKey("corrections.id", ondelete="SET NULL"), default=None
    )
    # What the notice said when it was sent, kept even if the article changes later.
    headline: Mapped[str] = mapped_column(String(300))
    message: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The outbox messages that carry it, for the delivery status staff see.
    email_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), default=None
    )
    webhook_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[CreatedAt]

    publisher: Mapped[Publisher] = relationship(lazy="joined", innerjoin=True)
    article: Mapped[Article] = relationship(lazy="joined", innerjoin=True)
    acknowledgement: Mapped[NoticeAcknowledgement | None] = relationship(
        back_populates="notice", lazy="selectin", uselist=False
    )
    email_message: Mapped[OutboxMessage | None] = relationship(
        foreign_keys=[email_message_id], lazy="selectin"
    )
    webhook_message: Mapped[OutboxMessage | None] = relationship(
        foreign_keys=[webhook_message_id], lazy="selectin"
    )


class NoticeAcknowledgement(Base):
    """A publisher's statement that it has acted on a notice (at most one per notice)."""

    __tablename__ = "notice_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notices.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[CreatedAt]

    notice: Mapped[Notice] = relationship(back_populates="acknowledgement")


class PublisherWebhook(Base, TimestampMixin):
    """Where a publisher wants notices POSTed, and the secret that signs them."""

    __tablename__ = "publisher_webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("publishers.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(String(500))
    # Kept as given: signing needs the secret itself, not a hash of it.
    secret: Mapped[str] = mapped_column(String(200))


class FeedFetch(Base):
    """How often a publisher fetched its partner feeds on one day (any format)."""

    __tablename__ = "feed_fetches"
    __table_args__ = (UniqueConstraint("publisher_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    count: Mapped[int] = mapped_column(BigInteger, default=0)
