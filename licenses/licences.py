"""Licences: what they cover, and their life (suspend, revoke, renew, expire)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from licenses.models import License, LicenseStatus
from syndicate import audit
from syndicate.orm import utcnow


class LicenseError(ValueError):
    """A licence change was refused; the message says why."""


class LicenseConflict(LicenseError):
    """The licence is not in a state that allows the change."""


def in_force(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL condition: active, started, and not past its end (``now`` may be a bound
    parameter)."""
    return and_(
        License.status == LicenseStatus.ACTIVE,
        License.starts_at <= now,
        or_(License.ends_at.is_(None), License.ends_at > now),
    )


def is_in_force(licence: License, now: datetime) -> bool:
    """Python twin of :func:`in_force`: the licence applies at ``now``."""
    return (
        licence.status is LicenseStatus.ACTIVE
        and licence.starts_at <= now
        and (licence.ends_at is None or now < licence.ends_at)
    )


def covers(licence: License, *, article_id: int, section_slug: str) -> bool:
    """Whether the licence's scope includes an article (status aside)."""
    kind = licence.scope_kind.value
    if kind == "all":
        return True
    if kind == "sections":
        return section_slug in (licence.scope_sections or [])
    return licence.scope_article_id == article_id


def active_licences(session: Session, publisher_id: int, now: datetime) -> Sequence[License]:
    """The publisher's licences in force at ``now``."""
    return session.scalars(
        select(License).where(License.publisher_id == publisher_id, in_force(now))
    ).all()


def snapshot(licence: License) -> dict[str, object]:
    """A licence's terms as plain values, for the audit trail."""
    return {
        "status": licence.status.value,
        "kind": licence.kind.value,
        "scope": licence.scope_kind.value,
        "sections": list(licence.scope_sections or []),
        "article": licence.scope_article_id,
        "starts_at": licence.starts_at.isoformat(),
        "ends_at": licence.ends_at.isoformat() if licence.ends_at else None,
        "embargo_entitled": licence.embargo_entitled,
        "terms": licence.terms_version_id,
    }


def _transition(
    session: Session,
    licence: License,
    *,
    allowed_from: Iterable[LicenseStatus],
    to: LicenseStatus,
    reason: str,
    actor_id: int | None,
    action: str,
) -> License:
    allowed = tuple(allowed_from)
    before = snapshot(licence)
    # Conditional update: two concurrent changes cannot both apply.
    result = session.execute(
        update(License)
        .where(License.id == licence.id, License.status.in_(allowed))
        .values(status=to, status_reason=reason, version=License.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(licence)
        verb = action.split(".")[-1]
        done = verb + ("ed" if verb.endswith("d") else "d")  # suspended, revoked, resumed
        raise LicenseConflict(f"The licence is {licence.status.value}; it cannot be {done}.")
    session.refresh(licence)
    audit.record(
        session,
        actor_id=actor_id,
        action=action,
        object_type="license",
        object_id=licence.id,
        before=before,
        after={**snapshot(licence), "reason": reason},
    )
    return licence


def revoke_licence(
    session: Session, licence: License, *, reason: str, actor_id: int | None
) -> License:
    """End a licence for good; its feeds stop on the next request."""
    return _transition(
        session,
        licence,
        allowed_from=(LicenseStatus.ACTIVE, LicenseStatus.SUSPENDED),
        to=LicenseStatus.REVOKED,
        reason=reason.strip(),
        actor_id=actor_id,
        action="license.revoke",
    )


def suspend_licence(
    session: Session, licence: License, *, reason: str, actor_id: int | None
) -> License:
    """Pause a licence; it can be resumed."""
    return _transition(
        session,
        licence,
        allowed_from=(LicenseStatus.ACTIVE,),
        to=LicenseStatus.SUSPENDED,
        reason=reason.strip(),
        actor_id=actor_id,
        action="license.suspend",
    )


def resume_licence(session: Session, licence: License, *, actor_id: int | None) -> License:
    """Lift a suspension."""
    return _transition(
        session,
        licence,
        allowed_from=(LicenseStatus.SUSPENDED,),
        to=LicenseStatus.ACTIVE,
        reason="",
        actor_id=actor_id,
        action="license.resume",
    )


def renew_licence(
    session: Session, licence: License, *, ends_at: datetime | None, actor_id: int | None
) -> License:
    """Extend (or open-end) a licence; an expired one becomes active again."""
    now = utcnow()
    if licence.status is LicenseStatus.REVOKED:
        raise LicenseConflict("A revoked licence cannot be renewed; grant a new one.")
    if ends_at is not None and ends_at <= now:
        raise LicenseError("The new end date must be in the future.")
    before = snapshot(licence)
    licence.ends_at = ends_at
    licence.status = (
        LicenseStatus.ACTIVE if licence.status is LicenseStatus.EXPIRED else licence.status
    )
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="license.renew",
        object_type="license",
        object_id=licence.id,
        before=before,
        after=snapshot(licence),
    )
    return licence


def expire_due(session: Session, now: datetime | None = None) -> int:
    """Mark active licences past their end as expired; returns how many.

    Feeds already ignore such licences (:func:`in_force` checks the end date), so this
    only keeps the recorded status true.
    """
    now = now or utcnow()
    due = session.scalars(
        select(License).where(
            License.status == LicenseStatus.ACTIVE,
            License.ends_at.is_not(None),
            License.ends_at <= now,
        )
    ).all()
    for licence in due:
        before = snapshot(licence)
        licence.status = LicenseStatus.EXPIRED
        audit.record(
            session,
            actor_id=None,
            action="license.expire",
            object_type="license",
            object_id=licence.id,
            before=before,
            after=snapshot(licence),
        )
    session.flush()
    return len(due)


def ending_soon(
    session: Session, within: timedelta, now: datetime | None = None
) -> Sequence[License]:
    """Licences in force that end within ``within``, soonest first."""
    now = now or utcnow()
    return session.scalars(
        select(License)
        .where(in_force(now), License.ends_at.is_not(None), License.ends_at <= now + within)
        .order_by(License.ends_at)
    ).all()


def accept_terms(session: Session, licence: License, user_id: int) -> License:
    """Record that ``user_id`` accepted the licence's terms version, now.

    Acceptance happens once; a second attempt raises :class:`LicenseConflict`.
    """
    if licence.accepted_at is not None:
        raise LicenseConflict("These terms have already been accepted.")
    licence.accepted_at = utcnow()
    licence.accepted_by_id = user_id
    session.flush()
    audit.record(
        session,
        actor_id=user_id,
        action="license.accept_terms",
        object_type="license",
        object_id=licence.id,
        before={"accepted_at": None},
        after={
            "accepted_at": licence.accepted_at.isoformat(),
            "accepted_by": user_id,
            "terms": licence.terms.version,
        },
    )
    return licence
