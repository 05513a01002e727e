"""E-mails about licensing, queued in the outbox inside the deciding transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from licenses.models import License, LicenseRequest, Publisher
from syndicate.outbox.messages import queue_email


@dataclass(frozen=True)
class SiteInfo:
    """What the e-mails need to know about the desk."""

    name: str
    base_url: str
    licensing_email: str
    staff_email: str

    def url(self, path: str) -> str:
        """An absolute URL on the site."""
        return self.base_url.rstrip("/") + path


def _scope_text(request: LicenseRequest | License) -> str:
    kind = request.scope_kind.value
    if kind == "all":
        return "all of our syndicated stories"
    if kind == "sections":
        return "the sections " + ", ".join(request.scope_sections or [])
    article = request.scope_article
    return f"the story “{article.headline}”" if article is not None else "one story"


def request_received(session: Session, site: SiteInfo, request: LicenseRequest) -> None:
    """Confirm receipt to the applicant and tell the desk."""
    queue_email(
        session,
        topic="license_request.received",
        to=request.contact_email,
        subject=f"{site.name}: we received your licensing request",
        body=(
            f"Dear {request.contact_name},\n\n"
            f"Thank you for asking to republish {_scope_text(request)} in "
            f"{request.organization}. Our team will review your request (reference "
            f"#{request.id}) and reply to this address.\n\n"
            f"Questions: {site.licensing_email}\n\n{site.name}\n"
        ),
        payload={"request": request.id},
    )
    verdict = "meets" if request.eligible else "does not meet"
    queue_email(
        session,
        topic="license_request.staff_notice",
        to=site.staff_email,
        subject=f"New licensing request #{request.id} from {request.organization}",
        body=(
            f"{request.organization} ({request.website}) asks for {_scope_text(request)}.\n"
            f"It {verdict} the standard licence policy:\n"
            + "".join(f"- {reason}\n" for reason in request.eligibility_reasons)
            + f"\nReview it: {site.url(f'/staff/license-requests/{request.id}')}\n"
        ),
        payload={"request": request.id},
    )


def request_approved(
    session: Session,
    site: SiteInfo,
    request: LicenseRequest,
    licence: License,
    invitation_url: str | None,
) -> None:
    """Tell the applicant the licence exists, and how to sign in."""
    access = (
        f"Set your password and sign in to the partner portal here (the link works for "
        f"7 days):\n{invitation_url}\n\n"
        if invitation_url
        else f"Sign in to the partner portal at {site.url('/login')}.\n\n"
    )
    ends = f" until {licence.ends_at:%d %B %Y}" if licence.ends_at else ""
    queue_email(
        session,
        topic="license_request.approved",
        to=request.contact_email,
        subject=f"{site.name}: your licence is approved",
        body=(
            f"Dear {request.contact_name},\n\n"
            f"Your request #{request.id} is approved. {request.organization} may now republish "
            f"{_scope_text(licence)}{ends} under our terms (version {licence.terms.version}).\n\n"
            + access
            + "Your feed addresses and keys are in the portal. Keep keys secret: anyone with a "
            "key can read your feeds.\n\n"
            f"{site.name}\n"
        ),
        payload={"request": request.id, "license": licence.id},
    )


def request_rejected(session: Session, site: SiteInfo, request: LicenseRequest) -> None:
    """Tell the applicant the request was declined, and why."""
    queue_email(
        session,
        topic="license_request.rejected",
        to=request.contact_email,
        subject=f"{site.name}: your licensing request",
        body=(
            f"Dear {request.contact_name},\n\n"
            f"We are unable to approve request #{request.id} for {request.organization}.\n\n"
            f"Reason: {request.decision_reason}\n\n"
            f"If you have questions, write to {site.licensing_email}.\n\n{site.name}\n"
        ),
        payload={"request": request.id},
    )


def more_information_requested(session: Session, site: SiteInfo, request: LicenseRequest) -> None:
    """Ask the applicant for more details."""
    queue_email(
        session,
        topic="license_request.info_requested",
        to=request.contact_email,
        subject=f"{site.name}: more information about your licensing request",
        body=(
            f"Dear {request.contact_name},\n\n"
            f"Before we decide on request #{request.id}, we need to know more:\n\n"
            f"{request.info_request_note}\n\n"
            f"Please reply to {site.licensing_email}, quoting #{request.id}.\n\n{site.name}\n"
        ),
        payload={"request": request.id},
    )


def member_confirmation_needed(
    session: Session,
    site: SiteInfo,
    request: LicenseRequest,
    publisher: Publisher,
    member_emails: list[str],
) -> None:
    """Tell the applicant that the publisher must confirm them, and the publisher's portal
    users that someone asks to join them."""
    queue_email(
        session,
        topic="license_request.approved_pending_member",
        to=request.contact_email,
        subject=f"{site.name}: your licensing request",
        body=(
            f"Dear {request.contact_name},\n\n"
            f"We have approved request #{request.id} for {publisher.name}, which already "
            "works with us. Before you can use the partner portal, one of its existing portal "
            "users must confirm that you belong to it; until then nothing changes for you.\n\n"
            f"If you have questions, write to {site.licensing_email}.\n\n{site.name}\n"
        ),
        payload={"request": request.id, "publisher": publisher.id},
    )
    for email in member_emails:
        queue_email(
            session,
            topic="publisher.member_requested",
            to=email,
            subject=f"{site.name}: please confirm a new member of {publisher.name}",
            body=(
                f"{request.contact_name} <{request.contact_email}> applied to republish our "
                f"stories as {request.organization} ({request.website}), and we matched the "
                f"application to {publisher.name}.\n\n"
                "They get no access to your portal, feeds or keys unless one of you confirms "
                f"them. Confirm or decline here: {site.url('/portal/members')}\n\n"
                f"If you do not know them, decline, and tell us at {site.licensing_email}.\n\n"
                f"{site.name}\n"
            ),
            payload={"request": request.id, "publisher": publisher.id},
        )


def member_confirmed(
    session: Session,
    site: SiteInfo,
    request: LicenseRequest,
    publisher: Publisher,
    invitation_url: str | None,
) -> None:
    """Tell the contact that the publisher confirmed them, and how to sign in."""
    access = (
        f"Set your password and sign in to the partner portal here (the link works for "
        f"7 days):\n{invitation_url}\n\n"
        if invitation_url
        else f"Sign in to the partner portal at {site.url('/login')}.\n\n"
    )
    queue_email(
        session,
        topic="publisher.member_confirmed",
        to=request.contact_email,
        subject=f"{site.name}: welcome to the {publisher.name} portal",
        body=(
            f"Dear {request.contact_name},\n\n"
            f"{publisher.name} confirmed you as a member, so request #{request.id} now gives "
            "you access to its partner portal.\n\n" + access + f"{site.name}\n"
        ),
        payload={"request": request.id, "publisher": publisher.id},
    )


def member_declined(
    session: Session, site: SiteInfo, request: LicenseRequest, publisher: Publisher
) -> None:
    """Tell the contact (and the desk) that the publisher did not confirm them."""
    for to in (request.contact_email, site.staff_email):
        if not to:
            continue
        queue_email(
            session,
            topic="publisher.member_declined",
            to=to,
            subject=f"{site.name}: licensing request #{request.id}",
            body=(
                f"{publisher.name} did not confirm {request.contact_email} as a member, so "
                f"request #{request.id} gives no access to its portal and the licence made "
                "for it is revoked.\n\n"
                f"Questions: {site.licensing_email}.\n\n{site.name}\n"
            ),
            payload={"request": request.id, "publisher": publisher.id},
        )
