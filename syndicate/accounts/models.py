"""Account tables: users, their API tokens and recent failed password checks."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from licenses.models import Publisher
from syndicate.orm import Base, CreatedAt, TimestampMixin, value_enum


class Role(enum.Enum):
    """What a user is: desk staff or a partner publisher's user."""

    STAFF = "staff"
    PARTNER = "partner"


class User(Base, TimestampMixin):
    """A person who signs in: staff, or a user of a partner publisher."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(160), default="")
    role: Mapped[Role] = mapped_column(value_enum(Role))
    publisher_id: Mapped[int | None] = mapped_column(
        ForeignKey("publishers.id", ondelete="RESTRICT"), index=True, default=None
    )
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    # Rotated on logout and password change: the login cookie carries it, so old cookies die.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    publisher: Mapped[Publisher | None] = relationship(lazy="joined")

    # Flask-Login protocol, without importing Flask here.
    @property
    def is_authenticated(self) -> bool:
        """Signed-in users are authenticated."""
        return True

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot sign in."""
        return self.is_enabled

    @property
    def is_anonymous(self) -> bool:
        """A real user is never anonymous."""
        return False

    def get_id(self) -> str:
        """The value kept in the login cookie: the rotating session token, not the id."""
        return self.session_token

    @property
    def is_staff(self) -> bool:
        """Whether the user belongs to the desk."""
        return self.role is Role.STAFF


class ApiToken(Base):
    """A personal API token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    prefix: Mapped[str] = mapped_column(String(24))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[CreatedAt]
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    # Refused from this moment on; ``None`` never expires.
    expires_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship(lazy="joined")


class PasswordFailure(Base):
    """Recent password checks that named one account (an address typed, known or not).

    ``failures`` counts checks since the window began; the window ends at ``resets_at``.
    Rows whose window has ended mean nothing and are removed as new ones are written.
    """

    __tablename__ = "password_failures"

    # SHA-256 of the normalised address: unknown addresses are counted like known ones.
    account_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    resets_at: Mapped[datetime] = mapped_column(index=True)
