"""Licensing tables. Publishers now; requests, licences and feed keys build on them."""

from __future__ import annotations

import enum

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from syndicate.orm import Base, TimestampMixin, value_enum


class PublisherStatus(enum.Enum):
    """A partner publisher's standing."""

    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"


class Publisher(Base, TimestampMixin):
    """A partner outlet that republishes the desk's stories."""

    __tablename__ = "publishers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    website: Mapped[str] = mapped_column(String(300), default="")
    outlet_type: Mapped[str] = mapped_column(String(60), default="")
    monthly_audience: Mapped[int] = mapped_column(BigInteger, default=0)
    contact_name: Mapped[str] = mapped_column(String(160), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[PublisherStatus] = mapped_column(
        value_enum(PublisherStatus), default=PublisherStatus.APPLICANT
    )
