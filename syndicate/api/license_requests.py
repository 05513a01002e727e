"""Licensing requests: apply (anyone), list and read (staff; partners their own), decide."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from licenses.membership import PublisherChoice, matching_publishers
from licenses.models import LicenseKind, LicenseRequest, Publisher, RequestStatus
from licenses.requests import (
    LicenceChoice,
    approve_request,
    parse_fee,
    parse_scope,
    reject_request,
    submit_request,
)
from syndicate.accounts.views import invitation_link
from syndicate.api import permissions as perms
from syndicate.api import serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.jsonio import (
    bool_field,
    invalid,
    json_body,
    not_found,
    page_envelope,
    paging,
    parse_time,
    query_bool,
    query_choice,
    refuse_unknown,
    text_field,
)
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.web.db import db_session
from syndicate.web.site import eligibility_policy, site_info

APPLICATION_FIELDS = frozenset(
    {
        "organization",
        "website",
        "contact_name",
        "contact_email",
        "outlet_type",
        "monthly_audience",
        "scope",
        "intended_use",
        "message",
    }
)
APPROVAL_FIELDS = frozenset(
    {
        "kind",
        "scope",
        "fee_amount",
        "fee_currency",
        "territory",
        "term_note",
        "embargo_entitled",
        "starts_at",
        "ends_at",
        "note",
        "publisher",
        "membership_override_reason",
    }
)
NEW_PUBLISHER = "new"


def _created(data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    return data, 201


@bp.post("/license-requests")
@perms.requires(perms.LICENSE_REQUEST_CREATE)
@limiter.limit(lambda: current_app.config["RATELIMIT_APPLY"], override_defaults=False)
def create_license_request() -> tuple[dict[str, Any], int]:
    """Apply for a licence; a partner's token links the request to its publisher."""
    body = json_body()
    refuse_unknown(body, APPLICATION_FIELDS)
    principal = current_principal()
    request = submit_request(
        db_session(),
        body,
        policy=eligibility_policy(),
        site=site_info(),
        submitted_by=principal.user,
        invite=invitation_link,
    )
    return _created(serializers.license_request(request))


@bp.get("/license-requests")
@perms.requires(perms.LICENSE_REQUEST_READ_ANY)
def list_license_requests() -> dict[str, Any]:
    """Staff: requests, newest first, filtered by status and eligibility."""
    problems: dict[str, str] = {}
    status = query_choice("status", [s.value for s in RequestStatus], problems)
    eligible = query_bool("eligible", problems)
    page = paging(problems)
    if problems:
        raise invalid(problems)
    conditions = []
    if status is not None:
        conditions.append(LicenseRequest.status == RequestStatus(status))
    if eligible is not None:
        conditions.append(LicenseRequest.eligible.is_(eligible))
    session = db_session()
    total = session.scalar(select(func.count(LicenseRequest.id)).where(*conditions)) or 0
    rows = session.scalars(
        select(LicenseRequest)
        .where(*conditions)
        .order_by(LicenseRequest.created_at.desc(), LicenseRequest.id.desc())
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    return page_envelope([_for_staff(session, r) for r in rows], page, total)


def _for_staff(session: Session, request: LicenseRequest) -> dict[str, Any]:
    """A request as staff see it: with the existing partners it seems to come from."""
    return serializers.license_request(request, matches=matching_publishers(session, request))


def _visible_request(request_id: int) -> LicenseRequest:
    request = db_session().get(LicenseRequest, request_id)
    principal = current_principal()
    if request is None or not principal.owns(request.publisher_id, perms.LICENSE_REQUEST_READ_ANY):
        raise not_found("That licensing request")
    return request


@bp.get("/license-requests/<int:request_id>")
@perms.requires(perms.LICENSE_REQUEST_READ)
def get_license_request(request_id: int) -> dict[str, Any]:
    """One request: staff any, a partner only its publisher's."""
    found = _visible_request(request_id)
    if current_principal().can(perms.LICENSE_REQUEST_READ_ANY):
        return _for_staff(db_session(), found)
    return serializers.license_request(found)


def _publisher_choice(body: dict[str, Any], problems: dict[str, str]) -> PublisherChoice | None:
    """``publisher``: "new", or the slug of an existing publisher (whose portal users then
    confirm the contact, unless ``membership_override_reason`` overrides that)."""
    reason = text_field(body, "membership_override_reason", problems, limit=2000)
    raw = body.get("publisher")
    if raw is None:
        if reason:
            problems["membership_override_reason"] = "Name the publisher to add the contact to."
        return None
    if not isinstance(raw, str) or not raw.strip() or len(raw) > 80 or not raw.isprintable():
        problems["publisher"] = 'Give "new" or the slug of an existing publisher.'
        return None
    if raw.strip() == NEW_PUBLISHER:
        if reason:
            problems["membership_override_reason"] = "Only for an existing publisher."
        return PublisherChoice(publisher_id=None)
    publisher_id = db_session().scalar(select(Publisher.id).where(Publisher.slug == raw.strip()))
    if publisher_id is None:
        problems["publisher"] = f"No publisher with the slug “{raw.strip()}”."
        return None
    return PublisherChoice(publisher_id=publisher_id, override_reason=reason)


def _choice(body: dict[str, Any], problems: dict[str, str]) -> LicenceChoice:
    kind = LicenseKind.STANDARD
    raw_kind = body.get("kind", "standard")
    try:
        kind = LicenseKind(raw_kind)
    except ValueError:
        problems["kind"] = "Choose standard or custom."
    fee = None
    raw_fee = body.get("fee_amount")
    if isinstance(raw_fee, bool) or not isinstance(raw_fee, (int, float, str, type(None))):
        problems["fee_amount"] = "Give the fee as a number, e.g. 250.00."
    else:
        try:
            fee = parse_fee(raw_fee)
        except ValueError as exc:
            problems["fee_amount"] = (
                "The fee is too large."
                if str(exc) == "too large"
                else "Give the fee as a number, e.g. 250.00."
            )
    scope: dict[str, Any] = {}
    # A null scope is no choice: it keeps the scope asked for, never widens it to "all".
    if body.get("scope") is not None:
        # Staff may grant another scope than the one asked for.
        scope_kind, sections, article_id = parse_scope(
            db_session(), body["scope"], problems, utcnow()
        )
        scope = {
            "scope_kind": scope_kind,
            "scope_sections": sections,
            "scope_article_id": article_id,
        }
    choice = LicenceChoice(
        **scope,
        kind=kind,
        fee_amount=fee,
        fee_currency=text_field(body, "fee_currency", problems, limit=3).upper(),
        territory=text_field(body, "territory", problems, limit=200),
        term_note=text_field(body, "term_note", problems, limit=4000),
        embargo_entitled=bool_field(body, "embargo_entitled", problems, False),
        starts_at=parse_time(body.get("starts_at"), "starts_at", problems),
        ends_at=parse_time(body.get("ends_at"), "ends_at", problems),
        note=text_field(body, "note", problems, limit=2000),
    )
    return choice


@bp.post("/license-requests/<int:request_id>/approve")
@perms.requires(perms.LICENSE_REQUEST_DECIDE)
def approve_license_request(request_id: int) -> tuple[dict[str, Any], int]:
    """Approve once: the licence, the publisher and its first feed key (shown this once)."""
    body = json_body()
    refuse_unknown(body, APPROVAL_FIELDS)
    problems: dict[str, str] = {}
    choice = _choice(body, problems)
    placement = _publisher_choice(body, problems)
    if problems:
        raise invalid(problems)
    approval = approve_request(
        db_session(),
        request_id,
        actor_id=current_principal().actor_id,
        choice=choice,
        publisher_choice=placement,
        site=site_info(),
        invite=invitation_link,
    )
    return _created(
        {
            "request": serializers.license_request(approval.request),
            "license": serializers.licence(approval.license),
            "publisher": serializers.publisher(approval.publisher),
            "feed_key": approval.feed_key,
            "feed_key_id": approval.key.id if approval.key is not None else None,
        }
    )


@bp.post("/license-requests/<int:request_id>/reject")
@perms.requires(perms.LICENSE_REQUEST_DECIDE)
def reject_license_request(request_id: int) -> dict[str, Any] | Response:
    """Decline with a reason the applicant will read."""
    body = json_body()
    refuse_unknown(body, {"reason"})
    problems: dict[str, str] = {}
    reason = text_field(body, "reason", problems, limit=2000, required=True)
    if problems:
        raise invalid(problems)
    request = reject_request(
        db_session(),
        request_id,
        reason=reason,
        actor_id=current_principal().actor_id,
        site=site_info(),
    )
    return serializers.license_request(request)
