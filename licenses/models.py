"""Licensing tables: publishers, their requests, licences, terms and feed keys."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from syndicate.orm import Base, CreatedAt, TimestampMixin, value_enum


class PublisherStatus(enum.Enum):
    """A partner publisher's standing."""

    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class ScopeKind(enum.Enum):
    """What a request or licence covers."""

    ALL = "all"
    SECTIONS = "sections"
    ARTICLE = "article"


class RequestStatus(enum.Enum):
    """Where a licensing request stands."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class MembershipStatus(enum.Enum):
    """Whether an approved applicant's contact joins an existing publisher's portal.

    Adding someone to a publisher that already exists needs that publisher's portal users
    to confirm (or a staff override, audited with its reason); until then the contact has
    no access and the licence stays suspended.
    """

    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    OVERRIDDEN = "overridden"


class LicenseKind(enum.Enum):
    """Standard free syndication, or a custom deal with fee, territory and term."""

    STANDARD = "standard"
    CUSTOM = "custom"


class LicenseStatus(enum.Enum):
    """Whether a licence is in force."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Publisher(Base, TimestampMixin):
    """A partner outlet that republishes the desk's stories."""

    __tablename__ = "publishers"
    __table_args__ = (Index("ix_publishers_name_id", "name", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(300), default="")
    domain: Mapped[str] = mapped_column(String(253), default="", index=True)
    outlet_type: Mapped[str] = mapped_column(String(60), default="")
    monthly_audience: Mapped[int] = mapped_column(BigInteger, default=0)
    contact_name: Mapped[str] = mapped_column(String(160), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[PublisherStatus] = mapped_column(
        value_enum(PublisherStatus), default=PublisherStatus.APPLICANT
    )

    licenses: Mapped[list[License]] = relationship(
        back_populates="publisher", order_by="License.id"
    )


class TermsVersion(Base):
    """One published version of the syndication terms."""

    __tablename__ = "terms_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[CreatedAt]


class LicenseRequest(Base, TimestampMixin):
    """A publisher's application for a licence, and the decision on it."""

    __tablename__ = "license_requests"
    __table_args__ = (
        Index("ix_license_requests_status_created_at", "status", "created_at"),
        Index("ix_license_requests_created_at_id", "created_at", "id"),
        Index("ix_license_requests_status_created_at_id", "status", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(300))
    domain: Mapped[str] = mapped_column(String(253), index=True)
    contact_name: Mapped[str] = mapped_column(String(160))
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    outlet_type: Mapped[str] = mapped_column(String(60))
    monthly_audience: Mapped[int] = mapped_column(BigInteger)
    scope_kind: Mapped[ScopeKind] = mapped_column(value_enum(ScopeKind))
    scope_sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), default=None
    )
    intended_use: Mapped[str] = mapped_column(Text, default="")
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(
        value_enum(RequestStatus), default=RequestStatus.SUBMITTED
    )
    eligible: Mapped[bool] = mapped_column(Boolean, default=False)
    eligibility_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    publisher_id: Mapped[int | None] = mapped_column(
        ForeignKey("publishers.id", ondelete="SET NULL"), index=True, default=None
    )
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    info_requested_at: Mapped[datetime | None] = mapped_column(default=None)
    info_request_note: Mapped[str] = mapped_column(Text, default="")
    # The terms shown with the application, which submitting it accepts.
    terms_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("terms_versions.id"), default=None
    )
    membership: Mapped[MembershipStatus | None] = mapped_column(
        value_enum(MembershipStatus), default=None
    )

    publisher: Mapped[Publisher | None] = relationship(lazy="joined")
    scope_article: Mapped[Any] = relationship("Article", lazy="joined")
    license: Mapped[License | None] = relationship(
        back_populates="request", uselist=False, lazy="selectin"
    )


class License(Base, TimestampMixin):
    """A publisher's right to receive and republish the desk's stories."""

    __tablename__ = "licenses"
    __table_args__ = (
        Index("ix_licenses_publisher_status", "publisher_id", "status"),
        Index("ix_licenses_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id", ondelete="RESTRICT"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("license_requests.id", ondelete="SET NULL"), unique=True, default=None
    )
    kind: Mapped[LicenseKind] = mapped_column(value_enum(LicenseKind), default=LicenseKind.STANDARD)
    scope_kind: Mapped[ScopeKind] = mapped_column(value_enum(ScopeKind))
    scope_sections: Mapped[list[str]] = mapped_column(JSON, default=list)
    scope_article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), default=None
    )
    fee_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    fee_currency: Mapped[str] = mapped_column(String(3), default="")
    territory: Mapped[str] = mapped_column(String(200), default="")
    term_note: Mapped[str] = mapped_column(Text, default="")
    terms_version_id: Mapped[int] = mapped_column(ForeignKey("terms_versions.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    embargo_entitled: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[LicenseStatus] = mapped_column(
        value_enum(LicenseStatus), default=LicenseStatus.ACTIVE
    )
    status_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    publisher: Mapped[Publisher] = relationship(back_populates="licenses", lazy="joined")
    request: Mapped[LicenseRequest | None] = relationship(back_populates="license")
    terms: Mapped[TermsVersion] = relationship(lazy="joined")
    scope_article: Mapped[Any] = relationship("Article", lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FeedKey(Base):
    """A partner's secret for feeds and the API; only its SHA-256 digest is stored."""

    __tablename__ = "feed_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    publisher_id: Mapped[int] = mapped_column(
        ForeignKey("publishers.id", ondelete="CASCADE"), index=True
    )
    prefix: Mapped[str] = mapped_column(String(24))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("feed_keys.id", ondelete="SET NULL"), default=None
    )

    publisher: Mapped[Publisher] = relationship(lazy="joined")
