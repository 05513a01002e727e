"""Comment tables: the comments themselves and the commenters they come from.

No client address is ever stored: only an HMAC of it, keyed with the secret key, which is
enough to tell two comments from one source apart and useless for recovering the address.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndicate.content.models import Article
from syndicate.orm import Base, CreatedAt, value_enum


class CommentStatus(enum.Enum):
    """Where a comment stands with the moderators."""

    HELD = "held"
    APPROVED = "approved"
    SPAM = "spam"
    DELETED = "deleted"


class Commenter(Base):
    """Someone who has commented, known only by a keyed hash of who they are.

    ``identity`` is an HMAC of the normalised name together with the normalised e-mail
    address, or, without an address, with the hashed client address: the same address
    under another name is another commenter. Their later comments appear at once when a
    moderator approved one of their comments (``approved``) or when they confirmed the
    address through the link e-mailed to it (``confirmed_at``).
    """

    __tablename__ = "commenters"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity: Mapped[str] = mapped_column(String(64), unique=True)
    approved: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_at: Mapped[datetime | None] = mapped_column(default=None)
    confirmed_at: Mapped[datetime | None] = mapped_column(default=None)
    # The secret of the confirmation link last e-mailed; cleared when it is used, so a
    # link works once.
    confirmation_nonce: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[CreatedAt]

    @property
    def trusted(self) -> bool:
        """Whether this commenter's comments appear without waiting for a moderator."""
        return self.approved or self.confirmed_at is not None


class Comment(Base):
    """A reader's comment on an article, or a reply to one (one level deep)."""

    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_article_status_created", "article_id", "status", "created_at"),
        Index("ix_comments_status_created", "status", "created_at"),
        Index("ix_comments_status_created_at_id", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    # Always a top-level comment: a reply to a reply is attached to its top-level parent.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), index=True, default=None
    )
    commenter_id: Mapped[int] = mapped_column(
        ForeignKey("commenters.id", ondelete="CASCADE"), index=True
    )
    author_name: Mapped[str] = mapped_column(String(80))
    # Shown to staff only, never on a public page.
    email: Mapped[str] = mapped_column(String(254), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[CommentStatus] = mapped_column(
        value_enum(CommentStatus), default=CommentStatus.HELD
    )
    client_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[CreatedAt]
    moderated_at: Mapped[datetime | None] = mapped_column(default=None)
    moderated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )

    article: Mapped[Article] = relationship(lazy="raise")
    commenter: Mapped[Commenter] = relationship(lazy="raise")
    parent: Mapped[Comment | None] = relationship(remote_side=[id], lazy="raise")
