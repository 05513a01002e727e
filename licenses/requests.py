"""Licensing requests: validate and assess on arrival, then approve once, reject or withdraw."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from licenses import notifications
from licenses.eligibility import OUTLET_TYPES, EligibilityPolicy, assess, domain_of
from licenses.keys import create_feed_key
from licenses.membership import PublisherChoice, add_contact, matching_publishers
from licenses.models import (
    FeedKey,
    License,
    LicenseKind,
    LicenseRequest,
    LicenseStatus,
    MembershipStatus,
    Publisher,
    PublisherStatus,
    RequestStatus,
    ScopeKind,
)
from licenses.terms import current_terms, terms_of_application
from syndicate import audit
from syndicate.accounts.models import Role, User
from syndicate.content.models import Article, Section, SyndicationPolicy
from syndicate.content.services import is_public, publicly_visible, slugify
from syndicate.orm import utcnow

MAX_AUDIENCE = 10_000_000_000
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TEXT_LIMITS = {
    "organization": 200,
    "website": 300,
    "contact_name": 160,
    "contact_email": 254,
    "intended_use": 2000,
    "message": 5000,
}
# What staff write when deciding: the reasons, and the terms of a licence granted.
REASON_LIMIT = 2000
DECISION_LIMITS = {"fee_currency": 3, "territory": 200, "term_note": 4000, "note": 2000}
PUBLISHER_SLUG_LIMIT = 80
REQUIRED = ("organization", "website", "contact_name", "contact_email", "outlet_type")


class RequestInvalid(ValueError):
    """The request's fields are not acceptable; ``fields`` names each problem."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("Some fields need another look: " + ", ".join(sorted(fields)))
        self.fields = fields


class RequestNotFound(LookupError):
    """No such request."""


class DecisionConflict(RuntimeError):
    """The request was already decided (or withdrawn)."""


@dataclass
class ValidRequest:
    """A request's fields after validation."""

    organization: str
    website: str
    contact_name: str
    contact_email: str
    outlet_type: str
    monthly_audience: int
    scope_kind: ScopeKind
    scope_sections: list[str] = field(default_factory=list)
    scope_article_id: int | None = None
    intended_use: str = ""
    message: str = ""


def _text(data: Mapping[str, Any], name: str, problems: dict[str, str]) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems[name] = "Must be text."
        return ""
    value = value.strip()
    limit = TEXT_LIMITS.get(name)
    if limit and len(value) > limit:
        problems[name] = f"At most {limit:,} characters."
    return value


def _audience(raw: Any, problems: dict[str, str]) -> int:
    if isinstance(raw, bool) or raw is None or raw == "":
        problems["monthly_audience"] = "Give your monthly audience as a whole number."
        return 0
    if isinstance(raw, str):
        cleaned = raw.strip().replace(",", "").replace("_", "")
        if not cleaned.isascii() or not cleaned.isdigit():
            problems["monthly_audience"] = "Give your monthly audience as a whole number."
            return 0
        if len(cleaned) > len(str(MAX_AUDIENCE)):
            problems["monthly_audience"] = f"At most {MAX_AUDIENCE:,}."
            return 0
        raw = int(cleaned)
    if isinstance(raw, float):
        if not raw.is_integer() or abs(raw) > MAX_AUDIENCE:
            problems["monthly_audience"] = "Give your monthly audience as a whole number."
            return 0
        raw = int(raw)
    if not isinstance(raw, int):
        problems["monthly_audience"] = "Give your monthly audience as a whole number."
        return 0
    if raw < 0:
        problems["monthly_audience"] = "The audience cannot be negative."
    elif raw > MAX_AUDIENCE:
        problems["monthly_audience"] = f"At most {MAX_AUDIENCE:,}."
    return raw


def parse_scope(
    session: Session, raw: Any, problems: dict[str, str], now: datetime
) -> tuple[ScopeKind, list[str], int | None]:
    """A scope given as ``{"kind": "all"}``, ``{"kind": "sections", "sections": [...]}`` or
    ``{"kind": "article", "article": SLUG}`` (empty: all), checked against the sections and
    the published stories; what is wrong goes into ``problems`` under ``scope…`` keys."""
    if raw is None or raw == "":
        raw = {"kind": "all"}
    if not isinstance(raw, Mapping):
        problems["scope"] = 'Give the scope as {"kind": "all"|"sections"|"article", ...}.'
        return ScopeKind.ALL, [], None
    kind = raw.get("kind")
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        problems["scope.kind"] = "Choose all, sections or article."
        return ScopeKind.ALL, [], None
    if scope_kind is ScopeKind.SECTIONS:
        sections = raw.get("sections")
        if (
            not isinstance(sections, list)
            or not sections
            or len(sections) > 50
            or not all(
                isinstance(s, str) and 0 < len(s) <= 80 and s.isprintable() for s in sections
            )
        ):
            problems["scope.sections"] = "List one or more section slugs."
            return scope_kind, [], None
        wanted = list(dict.fromkeys(sections))
        known = set(session.scalars(select(Section.slug).where(Section.slug.in_(wanted))))
        unknown = [s for s in wanted if s not in known]
        if unknown:
            problems["scope.sections"] = "Unknown section: " + ", ".join(unknown[:5])
        return scope_kind, wanted, None
    if scope_kind is ScopeKind.ARTICLE:
        slug = raw.get("article")
        # A slug is printable text: a control character (NUL above all, which PostgreSQL
        # refuses in any text) can name no story.
        if (
            not isinstance(slug, str)
            or not slug.strip()
            or len(slug) > 160
            or not slug.isprintable()
        ):
            problems["scope.article"] = "Give the slug of one published story."
            return scope_kind, [], None
        story = session.scalar(
            select(Article).where(Article.slug == slug.strip(), publicly_visible(now))
        )
        if story is None:
            problems["scope.article"] = f"No published story with the slug “{slug.strip()}”."
            return scope_kind, [], None
        refusal = offer_problem(story, now)
        if refusal:
            problems["scope.article"] = refusal
        return scope_kind, [], story.id
    return scope_kind, [], None


def offer_problem(article: Article | None, now: datetime) -> str | None:
    """Why partners could receive nothing of this one story (``None``: they can).

    A licence for a story marked "do not syndicate" (or no longer published) would deliver
    nothing, so no request or approval may be for such a story alone.
    """
    if article is None:
        return "The story asked for no longer exists."
    if article.syndication is not SyndicationPolicy.SYNDICATE:
        return (
            f"“{article.headline}” is marked “do not syndicate”: it is not offered for "
            "republication, and a licence for it would deliver nothing."
        )
    if not is_public(article, now):
        return f"“{article.headline}” is not published, so partners cannot receive it."
    return None


def validate_request(
    session: Session, data: Mapping[str, Any], now: datetime | None = None
) -> ValidRequest:
    """Check every field of an application; raise :class:`RequestInvalid` naming them all."""
    now = now or utcnow()
    problems: dict[str, str] = {}
    values = {name: _text(data, name, problems) for name in TEXT_LIMITS}
    outlet_type = data.get("outlet_type")
    for name in REQUIRED:
        if name not in problems and not (values.get(name) if name in values else outlet_type):
            problems[name] = "Required."
    if "website" not in problems:
        site = values["website"]
        if not re.match(r"^https?://", site, re.IGNORECASE):
            site = "https://" + site
        if not domain_of(site) or "." not in domain_of(site) or " " in site:
            problems["website"] = "Give the outlet's web address, e.g. https://example.org."
        values["website"] = site
    if "contact_email" not in problems and not EMAIL.match(values["contact_email"]):
        problems["contact_email"] = "Give a valid e-mail address."
    if "outlet_type" not in problems and (
        not isinstance(outlet_type, str) or outlet_type not in OUTLET_TYPES
    ):
        problems["outlet_type"] = "Choose one of: " + ", ".join(OUTLET_TYPES)
    audience = _audience(data.get("monthly_audience"), problems)
    scope_kind, sections, article_id = parse_scope(session, data.get("scope"), problems, now)
    if problems:
        raise RequestInvalid(problems)
    return ValidRequest(
        organization=values["organization"],
        website=values["website"],
        contact_name=values["contact_name"],
        contact_email=values["contact_email"].lower(),
        outlet_type=str(outlet_type),
        monthly_audience=audience,
        scope_kind=scope_kind,
        scope_sections=sections,
        scope_article_id=article_id,
        intended_use=values["intended_use"],
        message=values["message"],
    )


@dataclass
class Approval:
    """What an approval produced; ``feed_key`` is the secret, shown only this once."""

    request: LicenseRequest
    license: License
    publisher: Publisher
    key: FeedKey | None
    feed_key: str | None
    invited_user: User | None


@dataclass
class LicenceChoice:
    """Staff's choices when approving; defaults give the standard licence for the scope asked."""

    kind: LicenseKind = LicenseKind.STANDARD
    scope_kind: ScopeKind | None = None
    scope_sections: list[str] | None = None
    scope_article_id: int | None = None
    fee_amount: Decimal | None = None
    fee_currency: str = ""
    territory: str = ""
    term_note: str = ""
    embargo_entitled: bool = False
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    note: str = ""

    def validate(self) -> None:
        """Refuse inconsistent choices (fee without currency, end before start…)."""
        problems: dict[str, str] = {}
        if self.kind is LicenseKind.CUSTOM:
            if self.fee_amount is not None and self.fee_amount < 0:
                problems["fee_amount"] = "The fee cannot be negative."
            if self.fee_amount is not None and not re.match(r"^[A-Z]{3}$", self.fee_currency):
                problems["fee_currency"] = "Give a three-letter currency code, e.g. USD."
        elif self.fee_amount:
            problems["fee_amount"] = "The standard licence is free; choose a custom licence."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            problems["ends_at"] = "The end must come after the start."
        if len(self.territory) > DECISION_LIMITS["territory"]:
            problems["territory"] = f"At most {DECISION_LIMITS['territory']} characters."
        if problems:
            raise RequestInvalid(problems)


# The column is NUMERIC(12, 2): ten digits before the point.
MAX_FEE = Decimal(10) ** 10


def parse_fee(raw: Any) -> Decimal | None:
    """A fee amount from text or a number; ``None`` when empty; ValueError when not a number."""
    if raw in (None, ""):
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not value.is_finite():
        raise ValueError("not a number")
    if abs(value) >= MAX_FEE:
        raise ValueError("too large")
    return value.quantize(Decimal("0.01"))


def submit_request(
    session: Session,
    data: Mapping[str, Any],
    *,
    policy: EligibilityPolicy,
    site: notifications.SiteInfo,
    submitted_by: User | None = None,
    invite: Callable[[User], str] | None = None,
) -> LicenseRequest:
    """Validate, assess and store an application, and queue the e-mails about it.

    With ``policy.auto_approve`` an eligible request for the standard licence is approved
    at once (the applicant then creates feed keys in the portal).
    """
    valid = validate_request(session, data)
    assessment = assess(
        policy,
        monthly_audience=valid.monthly_audience,
        outlet_type=valid.outlet_type,
        website=valid.website,
    )
    request = LicenseRequest(
        organization=valid.organization,
        website=valid.website,
        domain=domain_of(valid.website),
        contact_name=valid.contact_name,
        contact_email=valid.contact_email,
        outlet_type=valid.outlet_type,
        monthly_audience=valid.monthly_audience,
        scope_kind=valid.scope_kind,
        scope_sections=valid.scope_sections,
        scope_article_id=valid.scope_article_id,
        intended_use=valid.intended_use,
        message=valid.message,
        eligible=assessment.eligible,
        eligibility_reasons=assessment.reasons,
        submitted_by_id=submitted_by.id if submitted_by else None,
        publisher_id=submitted_by.publisher_id if submitted_by else None,
        terms_version_id=current_terms(session).id,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor_id=submitted_by.id if submitted_by else None,
        action="license_request.submit",
        object_type="license_request",
        object_id=request.id,
        after={
            "organization": request.organization,
            "eligible": request.eligible,
            "scope": request.scope_kind.value,
        },
    )
    notifications.request_received(session, site, request)
    # Automatic approval never places anyone in an existing publisher: a request that
    # seems to come from one waits for staff. A partner's own request (made signed in,
    # already linked to its publisher) grants no one new access and may go through.
    if policy.auto_approve and assessment.eligible and not matching_publishers(session, request):
        approve_request(
            session,
            request.id,
            actor_id=None,
            choice=LicenceChoice(
                note="Approved automatically: the request meets the standard licence policy."
            ),
            site=site,
            invite=invite,
            issue_key=False,
        )
    return request


def _claim(
    session: Session,
    request_id: int,
    to: RequestStatus,
    actor_id: int | None,
    reason: str,
    now: datetime,
) -> LicenseRequest:
    """Move a submitted request to ``to`` exactly once (a conditional UPDATE)."""
    result = session.execute(
        update(LicenseRequest)
        .where(LicenseRequest.id == request_id, LicenseRequest.status == RequestStatus.SUBMITTED)
        .values(
            status=to,
            decided_by_id=actor_id,
            decided_at=now,
            decision_reason=reason,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    request = session.get(LicenseRequest, request_id, populate_existing=True)
    if request is None:
        raise RequestNotFound(request_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DecisionConflict(f"Request #{request_id} is already {request.status.value}.")
    return request


@dataclass
class _Placement:
    """Where an approval puts the licence, decided before anything changes."""

    publisher: Publisher | None  # None: a new publisher
    membership: MembershipStatus | None = None
    override_reason: str = ""


def _placement(
    session: Session, request: LicenseRequest, choice: PublisherChoice | None
) -> _Placement:
    """Check staff's choice of publisher against the request; raise :class:`RequestInvalid`
    when a choice is missing (the request matches an existing partner) or wrong."""
    if request.publisher is not None:
        # Made by a signed-in partner for its own publisher: that is where it goes.
        own = request.publisher
        if choice is not None and choice.publisher_id != own.id:
            message = f"This request came from the portal of {own.name} ({own.slug}); "
            raise RequestInvalid({"publisher": message + "its licence goes to that publisher."})
        return _Placement(request.publisher)
    if choice is None:
        matches = matching_publishers(session, request)
        if matches:
            names = ", ".join(f"{p.name} ({p.slug})" for p in matches)
            raise RequestInvalid(
                {
                    "publisher": f"This request matches existing partner {names}. Choose: a new "
                    "publisher, or add it to that partner (its portal users confirm the new "
                    "member first)."
                }
            )
        return _Placement(None)
    if choice.publisher_id is None:
        return _Placement(None)
    publisher = session.get(Publisher, choice.publisher_id)
    if publisher is None:
        raise RequestInvalid({"publisher": "There is no such publisher."})
    reason = choice.override_reason.strip()
    if len(reason) > REASON_LIMIT:
        raise RequestInvalid({"override_reason": f"At most {REASON_LIMIT:,} characters."})
    if reason:
        return _Placement(publisher, MembershipStatus.OVERRIDDEN, reason)
    return _Placement(publisher, MembershipStatus.PENDING)


def _new_publisher(session: Session, request: LicenseRequest) -> Publisher:
    """A new publisher made from the application (a unique slug from its name)."""
    base = slugify(request.organization, max_length=70) or "publisher"
    slug, n = base, 1
    while session.scalar(select(func.count()).where(Publisher.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    publisher = Publisher(
        slug=slug,
        name=request.organization,
        website=request.website,
        domain=request.domain,
        outlet_type=request.outlet_type,
        monthly_audience=request.monthly_audience,
        contact_name=request.contact_name,
        contact_email=request.contact_email,
        status=PublisherStatus.ACTIVE,
    )
    session.add(publisher)
    session.flush()
    return publisher


def _scope_granted(
    request: LicenseRequest, choice: LicenceChoice
) -> tuple[ScopeKind, list[str], int | None]:
    """The scope asked for, unless staff chose another (which replaces it as a whole)."""
    if choice.scope_kind is not None:
        return choice.scope_kind, list(choice.scope_sections or []), choice.scope_article_id
    return request.scope_kind, list(request.scope_sections or []), request.scope_article_id


def _scope_snapshot(kind: ScopeKind, sections: list[str], article_id: int | None) -> dict[str, Any]:
    return {"scope": kind.value, "sections": sections, "article": article_id}


def approve_request(
    session: Session,
    request_id: int,
    *,
    actor_id: int | None,
    choice: LicenceChoice | None = None,
    publisher_choice: PublisherChoice | None = None,
    site: notifications.SiteInfo,
    invite: Callable[[User], str] | None = None,
    issue_key: bool = True,
    now: datetime | None = None,
) -> Approval:
    """Approve a submitted request once: publisher, licence, first feed key, invitation.

    A request that matches an existing partner needs ``publisher_choice``; adding it to an
    existing publisher leaves the contact waiting for that publisher's confirmation (see
    :mod:`licenses.membership`), and issues no feed key. A scope that covers nothing a
    partner can receive is refused. A second approval (even a concurrent one) raises
    :class:`DecisionConflict`.
    """
    now = now or utcnow()
    choice = choice or LicenceChoice()
    choice.validate()
    found = session.get(LicenseRequest, request_id)
    if found is None:
        raise RequestNotFound(request_id)
    if found.status is not RequestStatus.SUBMITTED:
        raise DecisionConflict(f"Request #{request_id} is already {found.status.value}.")
    placement = _placement(session, found, publisher_choice)
    scope_kind, scope_sections, scope_article_id = _scope_granted(found, choice)
    if scope_kind is ScopeKind.ARTICLE:
        article = session.get(Article, scope_article_id) if scope_article_id else None
        refusal = offer_problem(article, now)
        if refusal:
            raise RequestInvalid({"scope": refusal})
    request = _claim(session, request_id, RequestStatus.APPROVED, actor_id, choice.note, now)
    created = placement.publisher is None
    publisher = placement.publisher or _new_publisher(session, request)
    if placement.membership is None and publisher.status is PublisherStatus.APPLICANT:
        publisher.status = PublisherStatus.ACTIVE
    request.publisher = publisher
    request.membership = placement.membership
    pending = placement.membership is MembershipStatus.PENDING
    terms, accepted_at = terms_of_application(session, request)
    if placement.membership is not None:
        # The applicant is not (yet) one of this publisher's users: its acceptance of the
        # terms does not bind the publisher, whose users accept them in the portal.
        accepted_at = None
    licence = License(
        publisher=publisher,
        request=request,
        kind=choice.kind,
        scope_kind=scope_kind,
        scope_sections=scope_sections,
        scope_article_id=scope_article_id,
        fee_amount=choice.fee_amount if choice.kind is LicenseKind.CUSTOM else None,
        fee_currency=choice.fee_currency if choice.kind is LicenseKind.CUSTOM else "",
        territory=choice.territory.strip(),
        term_note=choice.term_note.strip(),
        terms=terms,
        accepted_at=accepted_at,
        accepted_by_id=request.submitted_by_id if accepted_at else None,
        starts_at=choice.starts_at or now,
        ends_at=choice.ends_at,
        embargo_entitled=choice.embargo_entitled,
        # Held until the publisher confirms the new member; a decline revokes it.
        status=LicenseStatus.SUSPENDED if pending else LicenseStatus.ACTIVE,
        status_reason=(
            f"Waiting for {publisher.name} to confirm {request.contact_email} as a member."
            if pending
            else ""
        ),
    )
    session.add(licence)
    session.flush()
    key, secret = (None, None)
    # An existing publisher manages its own keys: a key minted here could reach the
    # applicant, who is not (yet) one of its users.
    if issue_key and placement.membership is None:
        key, secret = create_feed_key(session, publisher, label="First key", actor_id=actor_id)
    invited, invitation_url = (None, None)
    if not pending:
        invited, invitation_url = add_contact(
            session, request, publisher, actor_id=actor_id, invite=invite
        )
    asked = _scope_snapshot(
        request.scope_kind, list(request.scope_sections or []), request.scope_article_id
    )
    granted = _scope_snapshot(scope_kind, scope_sections, scope_article_id)
    audit.record(
        session,
        actor_id=actor_id,
        action="license_request.approve",
        object_type="license_request",
        object_id=request.id,
        before={"status": "submitted", **asked},
        after={
            "status": "approved",
            "license": licence.id,
            "publisher": publisher.slug,
            "new_publisher": created,
            "membership": placement.membership.value if placement.membership else None,
            "kind": licence.kind.value,
            "note": choice.note,
            **granted,
        },
    )
    if placement.membership is MembershipStatus.OVERRIDDEN:
        audit.record(
            session,
            actor_id=actor_id,
            action="publisher.member_override",
            object_type="publisher",
            object_id=publisher.id,
            after={
                "request": request.id,
                "contact": request.contact_email,
                "user": invited.id if invited is not None else None,
                "reason": placement.override_reason,
            },
        )
    audit.record(
        session,
        actor_id=actor_id,
        action="license.create",
        object_type="license",
        object_id=licence.id,
        after={
            "request": request.id,
            "publisher": publisher.slug,
            "kind": licence.kind.value,
            "scope": licence.scope_kind.value,
            "status": licence.status.value,
            "terms": terms.version,
        },
    )
    if pending:
        members = session.scalars(
            select(User.email).where(
                User.publisher_id == publisher.id,
                User.role == Role.PARTNER,
                User.is_enabled.is_(True),
            )
        ).all()
        notifications.member_confirmation_needed(session, site, request, publisher, list(members))
    else:
        notifications.request_approved(session, site, request, licence, invitation_url)
    return Approval(request, licence, publisher, key, secret, invited)


def reject_request(
    session: Session,
    request_id: int,
    *,
    reason: str,
    actor_id: int | None,
    site: notifications.SiteInfo,
) -> LicenseRequest:
    """Decline a submitted request with a reason the applicant will read."""
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise RequestInvalid({"reason": "Give the reason; the applicant will read it."})
    if len(reason) > REASON_LIMIT:
        raise RequestInvalid({"reason": f"At most {REASON_LIMIT:,} characters."})
    request = _claim(session, request_id, RequestStatus.REJECTED, actor_id, reason, utcnow())
    audit.record(
        session,
        actor_id=actor_id,
        action="license_request.reject",
        object_type="license_request",
        object_id=request.id,
        before={"status": "submitted"},
        after={"status": "rejected", "reason": reason},
    )
    notifications.request_rejected(session, site, request)
    return request


def withdraw_request(session: Session, request_id: int, *, actor_id: int | None) -> LicenseRequest:
    """The applicant withdraws a request that is still waiting."""
    request = _claim(session, request_id, RequestStatus.WITHDRAWN, actor_id, "Withdrawn", utcnow())
    audit.record(
        session,
        actor_id=actor_id,
        action="license_request.withdraw",
        object_type="license_request",
        object_id=request.id,
        before={"status": "submitted"},
        after={"status": "withdrawn"},
    )
    return request


def request_more_information(
    session: Session,
    request: LicenseRequest,
    *,
    note: str,
    actor_id: int | None,
    site: notifications.SiteInfo,
) -> LicenseRequest:
    """Ask the applicant for more details; the request stays open."""
    note = note.strip()
    if not note:
        raise RequestInvalid({"note": "Say what you need to know."})
    if request.status is not RequestStatus.SUBMITTED:
        raise DecisionConflict(f"Request #{request.id} is already {request.status.value}.")
    request.info_requested_at = utcnow()
    request.info_request_note = note[:4000]
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="license_request.ask_info",
        object_type="license_request",
        object_id=request.id,
        after={"note": note[:4000]},
    )
    notifications.more_information_requested(session, site, request)
    return request
