"""Joining an existing publisher: which partners an application matches, and the consent
that adding the applicant's contact to one of them needs.

An application never grants access to an existing publisher by itself. Staff choose where
an approved request goes; when it goes to an existing publisher, the contact joins only
once one of that publisher's portal users confirms (or staff override, with a reason that
the audit log keeps). Until then the contact has no account there and the licence that
the approval created for that publisher stays suspended; if the publisher declines, the
licence is revoked.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from licenses import notifications
from licenses.licences import LicenseConflict, resume_licence, revoke_licence
from licenses.models import (
    LicenseRequest,
    LicenseStatus,
    MembershipStatus,
    Publisher,
    RequestStatus,
)
from syndicate import audit
from syndicate.accounts.models import Role, User
from syndicate.accounts.services import create_user
from syndicate.orm import utcnow

Invite = Callable[[User], str]


class MemberRequestNotFound(LookupError):
    """No pending member of this publisher under that id."""


class MembershipConflict(RuntimeError):
    """The membership was already confirmed or declined."""


@dataclass(frozen=True)
class PublisherChoice:
    """Where staff put an approved request.

    ``publisher_id`` ``None`` creates a new publisher; otherwise the licence goes to that
    publisher and its portal users confirm the contact, unless ``override_reason`` is given
    (a staff override: the contact joins at once, and the reason is audited).
    """

    publisher_id: int | None = None
    override_reason: str = ""


def _parent_domains(domain: str) -> list[str]:
    """``a.b.example`` → ``["a.b.example", "b.example"]`` (never a bare top-level name)."""
    labels = domain.split(".")
    return [".".join(labels[i:]) for i in range(len(labels) - 1)]


def matching_publishers(session: Session, request: LicenseRequest) -> Sequence[Publisher]:
    """Existing publishers an application seems to come from (same or related domain, or
    the same name); empty when the request already belongs to a publisher."""
    if request.publisher_id is not None:
        return []
    conditions: list[ColumnElement[bool]] = []
    if request.domain:
        conditions.append(Publisher.domain.in_(_parent_domains(request.domain)))
        conditions.append(Publisher.domain.endswith("." + request.domain, autoescape=True))
    organization = " ".join(request.organization.split()).lower()
    if organization:
        conditions.append(func.lower(Publisher.name) == organization)
    if not conditions:
        return []
    return session.scalars(
        select(Publisher).where(or_(*conditions)).order_by(Publisher.name, Publisher.id).limit(10)
    ).all()


def add_contact(
    session: Session,
    request: LicenseRequest,
    publisher: Publisher,
    *,
    actor_id: int | None,
    invite: Invite | None,
) -> tuple[User | None, str | None]:
    """Make the request's contact a portal user of ``publisher`` (with an invitation link),
    unless the address already has an account: an account elsewhere is never moved."""
    existing = session.scalar(select(User).where(User.email == request.contact_email))
    if existing is not None:
        return (existing if existing.publisher_id == publisher.id else None), None
    user = create_user(
        session,
        email=request.contact_email,
        role=Role.PARTNER,
        name=request.contact_name,
        publisher_slug=publisher.slug,
        actor_id=actor_id,
    )
    return user, invite(user) if invite else None


def pending_members(session: Session, publisher_id: int) -> Sequence[LicenseRequest]:
    """Approved requests whose contact waits for this publisher's confirmation, oldest first."""
    return session.scalars(
        select(LicenseRequest)
        .where(
            LicenseRequest.publisher_id == publisher_id,
            LicenseRequest.status == RequestStatus.APPROVED,
            LicenseRequest.membership == MembershipStatus.PENDING,
        )
        .order_by(LicenseRequest.decided_at, LicenseRequest.id)
    ).all()


def _settle(
    session: Session, request_id: int, publisher_id: int, to: MembershipStatus
) -> LicenseRequest:
    """Move a pending membership of ``publisher_id`` to ``to`` exactly once."""
    result = session.execute(
        update(LicenseRequest)
        .where(
            LicenseRequest.id == request_id,
            LicenseRequest.publisher_id == publisher_id,
            LicenseRequest.status == RequestStatus.APPROVED,
            LicenseRequest.membership == MembershipStatus.PENDING,
        )
        .values(membership=to, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    request = session.get(LicenseRequest, request_id, populate_existing=True)
    if request is None or request.publisher_id != publisher_id or request.membership is None:
        raise MemberRequestNotFound(request_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise MembershipConflict(
            f"{request.contact_email} was already {request.membership.value} as a member."
        )
    return request


def confirm_member(
    session: Session,
    request_id: int,
    *,
    publisher: Publisher,
    actor_id: int,
    site: notifications.SiteInfo,
    invite: Invite | None = None,
) -> tuple[LicenseRequest, User | None]:
    """A portal user of ``publisher`` confirms the contact of an approved request: the
    contact becomes a portal user and the licence held for the confirmation comes into
    force. Confirming twice (or after a decline) raises :class:`MembershipConflict`."""
    request = _settle(session, request_id, publisher.id, MembershipStatus.CONFIRMED)
    user, invitation_url = add_contact(
        session, request, publisher, actor_id=actor_id, invite=invite
    )
    licence = request.license
    if licence is not None and licence.status is LicenseStatus.SUSPENDED:
        # Staff may have changed it meanwhile: their decision stands.
        with contextlib.suppress(LicenseConflict):
            resume_licence(session, licence, actor_id=actor_id)
    audit.record(
        session,
        actor_id=actor_id,
        action="publisher.member_confirm",
        object_type="publisher",
        object_id=publisher.id,
        before={"membership": "pending"},
        after={
            "membership": "confirmed",
            "request": request.id,
            "contact": request.contact_email,
            "user": user.id if user is not None else None,
        },
    )
    if user is not None:
        notifications.member_confirmed(session, site, request, publisher, invitation_url)
    return request, user


def decline_member(
    session: Session,
    request_id: int,
    *,
    publisher: Publisher,
    actor_id: int,
    site: notifications.SiteInfo,
) -> LicenseRequest:
    """A portal user of ``publisher`` refuses the contact: no account is made and the
    licence held for the confirmation is revoked."""
    request = _settle(session, request_id, publisher.id, MembershipStatus.DECLINED)
    licence = request.license
    if licence is not None and licence.status in (LicenseStatus.ACTIVE, LicenseStatus.SUSPENDED):
        revoke_licence(
            session,
            licence,
            reason=f"{publisher.name} did not confirm {request.contact_email} as a member.",
            actor_id=actor_id,
        )
    audit.record(
        session,
        actor_id=actor_id,
        action="publisher.member_decline",
        object_type="publisher",
        object_id=publisher.id,
        before={"membership": "pending"},
        after={"membership": "declined", "request": request.id, "contact": request.contact_email},
    )
    notifications.member_declined(session, site, request, publisher)
    return request
