"""Licensing requests: apply (anyone), list and read (staff; partners their own), decide."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.membership import PublisherChoice, matching_publishers
from licenses.models import LicenseRequest, Publisher
from licenses.requests import (
    LicenceChoice,
    approve_request,
    parse_scope,
    reject_request,
    submit_request,
)
from syndicate.accounts.views import invitation_link
from syndicate.api import permissions as perms
from syndicate.api import schemas, serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, operation, page_of, query
from syndicate.api.jsonio import invalid, not_found
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.web.db import db_session
from syndicate.web.site import eligibility_policy, site_info

NEW_PUBLISHER = "new"
TAG = "License requests"


@bp.post("/license-requests")
@limiter.limit(lambda: current_app.config["RATELIMIT_APPLY"], override_defaults=False)
@operation(
    "Apply for a licence",
    tag=TAG,
    permission=perms.LICENSE_REQUEST_CREATE,
    body=schemas.LicenseRequestInput,
    body_required=True,
    answer=schemas.LicenseRequest,
    status=201,
    description="Open to anyone (rate-limited). The request is assessed against the "
    "eligibility policy at once. With a partner's API token the request is linked to its "
    "publisher. Submitting a request accepts the current standard terms (shown at "
    "/republish) on behalf of the organisation: a licence granted on it is bound to that "
    "version, accepted at the moment of the request.",
)
def create_license_request() -> schemas.LicenseRequest:
    """Apply for a licence; a partner's token links the request to its publisher."""
    data = body(schemas.LicenseRequestInput)
    request = submit_request(
        db_session(),
        data.model_dump(mode="json", exclude_unset=True, exclude_none=True),
        policy=eligibility_policy(),
        site=site_info(),
        submitted_by=current_principal().user,
        invite=invitation_link,
    )
    return serializers.license_request(request)


@bp.get("/license-requests")
@operation(
    "List licensing requests",
    tag=TAG,
    permission=perms.LICENSE_REQUEST_READ_ANY,
    query=schemas.LicenseRequestQuery,
    answer=schemas.LicenseRequestPage,
)
def list_license_requests() -> schemas.LicenseRequestPage:
    """Staff: requests, newest first, filtered by status and eligibility."""
    asked = query(schemas.LicenseRequestQuery)
    conditions = []
    if asked.status is not None:
        conditions.append(LicenseRequest.status == asked.status)
    if asked.eligible is not None:
        conditions.append(LicenseRequest.eligible.is_(asked.eligible))
    page = page_of(
        select(LicenseRequest).where(*conditions),
        asked,
        LicenseRequest.created_at.desc(),
        LicenseRequest.id.desc(),
    )
    session = db_session()
    return schemas.LicenseRequestPage(**page.fields([_for_staff(session, r) for r in page.rows]))


def _for_staff(session: Session, request: LicenseRequest) -> schemas.LicenseRequest:
    """A request as staff see it: with the existing partners it seems to come from."""
    return serializers.license_request(request, matches=matching_publishers(session, request))


def _visible_request(request_id: int) -> LicenseRequest:
    request = db_session().get(LicenseRequest, request_id)
    principal = current_principal()
    if request is None or not principal.owns(request.publisher_id, perms.LICENSE_REQUEST_READ_ANY):
        raise not_found("That licensing request")
    return request


@bp.get("/license-requests/<int:request_id>")
@operation(
    "Read a licensing request",
    tag=TAG,
    permission=perms.LICENSE_REQUEST_READ,
    answer=schemas.LicenseRequest,
    errors=(404,),
    description="Staff read any request; a partner only its publisher's.",
)
def get_license_request(request_id: int) -> schemas.LicenseRequest:
    """One request: staff any, a partner only its publisher's."""
    found = _visible_request(request_id)
    if current_principal().can(perms.LICENSE_REQUEST_READ_ANY):
        return _for_staff(db_session(), found)
    return serializers.license_request(found)


def _publisher_choice(data: schemas.ApprovalInput) -> PublisherChoice | None:
    """``publisher``: "new", or the slug of an existing publisher (whose portal users then
    confirm the contact, unless ``membership_override_reason`` overrides that)."""
    reason = data.membership_override_reason.strip()
    if data.publisher is None:
        if reason:
            raise invalid(
                {"membership_override_reason": "Name the publisher to add the contact to."}
            )
        return None
    slug = data.publisher.strip()
    if not slug or not slug.isprintable():
        raise invalid({"publisher": 'Give "new" or the slug of an existing publisher.'})
    if slug == NEW_PUBLISHER:
        if reason:
            raise invalid({"membership_override_reason": "Only for an existing publisher."})
        return PublisherChoice(publisher_id=None)
    publisher_id = db_session().scalar(select(Publisher.id).where(Publisher.slug == slug))
    if publisher_id is None:
        raise invalid({"publisher": f"No publisher with the slug “{slug}”."})
    return PublisherChoice(publisher_id=publisher_id, override_reason=reason)


def _choice(data: schemas.ApprovalInput) -> LicenceChoice:
    scope: dict[str, Any] = {}
    # A null scope is no choice: it keeps the scope asked for, never widens it to "all".
    if data.scope is not None:
        # Staff may grant another scope than the one asked for.
        problems: dict[str, str] = {}
        scope_kind, sections, article_id = parse_scope(
            db_session(), data.scope.model_dump(mode="json", exclude_none=True), problems, utcnow()
        )
        if problems:
            raise invalid(problems)
        scope = {
            "scope_kind": scope_kind,
            "scope_sections": sections,
            "scope_article_id": article_id,
        }
    return LicenceChoice(
        **scope,
        kind=data.kind,
        fee_amount=data.fee_amount,
        fee_currency=data.fee_currency.strip().upper(),
        territory=data.territory.strip(),
        term_note=data.term_note.strip(),
        embargo_entitled=data.embargo_entitled,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        note=data.note.strip(),
    )


@bp.post("/license-requests/<int:request_id>/approve")
@operation(
    "Approve a licensing request",
    tag=TAG,
    permission=perms.LICENSE_REQUEST_DECIDE,
    body=schemas.ApprovalInput,
    answer=schemas.Approval,
    status=201,
    errors=(404, 409),
    description="Approves once: creates the publisher (or adds the licence to the existing "
    "one chosen in `publisher`), invites the contact, creates the licence and a new "
    "publisher's first feed key (its secret is in `feed_key`, shown only here). An existing "
    "publisher gets no key, and its portal users confirm the contact before the contact gets "
    "access and the licence comes into force. A second approval gets 409; a missing "
    "`publisher` choice for a request that matches an existing publisher, or a scope that "
    "covers nothing partners may receive, gets 422.",
)
def approve_license_request(request_id: int) -> schemas.Approval:
    """Approve once: the licence, the publisher and its first feed key (shown this once)."""
    data = body(schemas.ApprovalInput)
    choice = _choice(data)
    placement = _publisher_choice(data)
    approval = approve_request(
        db_session(),
        request_id,
        actor_id=current_principal().actor_id,
        choice=choice,
        publisher_choice=placement,
        site=site_info(),
        invite=invitation_link,
    )
    return schemas.Approval(
        request=serializers.license_request(approval.request),
        license=serializers.licence(approval.license),
        publisher=serializers.publisher(approval.publisher),
        feed_key=approval.feed_key,
        feed_key_id=approval.key.id if approval.key is not None else None,
    )


@bp.post("/license-requests/<int:request_id>/reject")
@operation(
    "Reject a licensing request",
    tag=TAG,
    permission=perms.LICENSE_REQUEST_DECIDE,
    body=schemas.RejectionInput,
    body_required=True,
    answer=schemas.LicenseRequest,
    errors=(404, 409),
)
def reject_license_request(request_id: int) -> schemas.LicenseRequest:
    """Decline with a reason the applicant will read."""
    request = reject_request(
        db_session(),
        request_id,
        reason=body(schemas.RejectionInput).reason,
        actor_id=current_principal().actor_id,
        site=site_info(),
    )
    return serializers.license_request(request)
