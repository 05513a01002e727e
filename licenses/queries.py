"""Read-only queries for the licensing desk: the request queue and an applicant's history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from licenses.licences import in_force
from licenses.models import (
    License,
    LicenseKind,
    LicenseRequest,
    LicenseStatus,
    RequestStatus,
    ScopeKind,
)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


@dataclass(frozen=True)
class RequestFilters:
    """What the queue shows: each field narrows it when set."""

    status: RequestStatus | None = None
    eligible: bool | None = None
    scope_kind: ScopeKind | None = None
    search: str = ""


def request_queue(filters: RequestFilters) -> Select[LicenseRequest]:
    """Requests matching ``filters``, newest first (a statement, for pagination)."""
    statement = select(LicenseRequest).order_by(
        LicenseRequest.created_at.desc(), LicenseRequest.id.desc()
    )
    if filters.status is not None:
        statement = statement.where(LicenseRequest.status == filters.status)
    if filters.eligible is not None:
        statement = statement.where(LicenseRequest.eligible.is_(filters.eligible))
    if filters.scope_kind is not None:
        statement = statement.where(LicenseRequest.scope_kind == filters.scope_kind)
    if filters.search:
        pattern = _like(filters.search)
        matches: list[ColumnElement[bool]] = [
            func.lower(column).like(pattern, escape="\\")
            for column in (
                LicenseRequest.organization,
                LicenseRequest.website,
                LicenseRequest.contact_email,
            )
        ]
        statement = statement.where(or_(*matches))
    return statement


def earlier_requests(session: Session, request: LicenseRequest) -> Sequence[LicenseRequest]:
    """The applicant's other requests: same website domain or same contact e-mail."""
    same: list[ColumnElement[bool]] = [LicenseRequest.contact_email == request.contact_email]
    if request.domain:
        same.append(LicenseRequest.domain == request.domain)
    return session.scalars(
        select(LicenseRequest)
        .where(LicenseRequest.id != request.id, or_(*same))
        .order_by(LicenseRequest.created_at.desc(), LicenseRequest.id.desc())
        .limit(50)
    ).all()


def waiting_count(session: Session) -> int:
    """How many requests wait for a decision."""
    return (
        session.scalar(
            select(func.count(LicenseRequest.id)).where(
                LicenseRequest.status == RequestStatus.SUBMITTED
            )
        )
        or 0
    )


@dataclass(frozen=True)
class LicenceFilters:
    """What the licence list shows."""

    status: LicenseStatus | None = None
    kind: LicenseKind | None = None
    publisher_id: int | None = None
    ending_within: timedelta | None = None


def licence_list(filters: LicenceFilters, now: datetime) -> Select[License]:
    """Licences matching ``filters``; those ending soon first by end date, others newest first."""
    statement = select(License)
    if filters.status is not None:
        statement = statement.where(License.status == filters.status)
    if filters.kind is not None:
        statement = statement.where(License.kind == filters.kind)
    if filters.publisher_id is not None:
        statement = statement.where(License.publisher_id == filters.publisher_id)
    if filters.ending_within is not None:
        return statement.where(
            in_force(now),
            License.ends_at.is_not(None),
            License.ends_at <= now + filters.ending_within,
        ).order_by(License.ends_at, License.id)
    return statement.order_by(License.created_at.desc(), License.id.desc())


def ending_soon_count(session: Session, within: timedelta, now: datetime) -> int:
    """How many licences in force end within ``within``."""
    return (
        session.scalar(
            select(func.count(License.id)).where(
                in_force(now), License.ends_at.is_not(None), License.ends_at <= now + within
            )
        )
        or 0
    )
