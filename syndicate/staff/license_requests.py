"""Console pages for licensing requests: the queue, one request, and the decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from licenses.membership import PublisherChoice, matching_publishers
from licenses.models import LicenseKind, LicenseRequest, Publisher, RequestStatus, ScopeKind
from licenses.queries import RequestFilters, earlier_requests, request_queue
from licenses.requests import (
    DecisionConflict,
    LicenceChoice,
    RequestInvalid,
    approve_request,
    offer_problem,
    parse_fee,
    parse_scope,
    reject_request,
    request_more_information,
)
from syndicate.accounts.models import User
from syndicate.accounts.views import invitation_link
from syndicate.content.models import Section
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.licensing_forms import ApproveForm, AskInfoForm, RejectForm
from syndicate.staff.permissions import LICENSE_REQUEST_DECIDE, LICENSE_REQUEST_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.headers import secret_page
from syndicate.web.paging import keyset_list, without_page_numbers
from syndicate.web.site import site_info

Page = tuple[str, int]

STATUS_TABS = (
    ("submitted", "Waiting"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("withdrawn", "Withdrawn"),
    ("all", "All"),
)
SEARCH_MAX = 200

# Where the domain's field names land on the approval form.
APPROVAL_FIELDS = {
    "scope": "scope_kind",
    "scope.kind": "scope_kind",
    "scope.sections": "sections",
    "scope.article": "article",
}
NEW_PUBLISHER = "new"


def _actor_id() -> int:
    user_id: int = current_user.id
    return user_id


def _load(request_id: int) -> LicenseRequest:
    found = db_session().get(LicenseRequest, request_id)
    if found is None:
        abort(404)
    return found


def _filters() -> tuple[RequestFilters, dict[str, str]]:
    """The queue's filters from the query string; unknown values are ignored."""
    args = request.args
    raw = {
        "status": args.get("status", "submitted"),
        "eligible": args.get("eligible", ""),
        "scope": args.get("scope", ""),
        "q": " ".join(args.get("q", "").split())[:SEARCH_MAX],
    }
    statuses = {s.value for s in RequestStatus}
    if raw["status"] not in statuses:
        raw["status"] = "all"
    if raw["eligible"] not in ("yes", "no"):
        raw["eligible"] = ""
    if raw["scope"] not in {k.value for k in ScopeKind}:
        raw["scope"] = ""
    filters = RequestFilters(
        status=RequestStatus(raw["status"]) if raw["status"] in statuses else None,
        eligible={"yes": True, "no": False}.get(raw["eligible"]),
        scope_kind=ScopeKind(raw["scope"]) if raw["scope"] else None,
        search=raw["q"],
    )
    return filters, raw


@bp.route("/license-requests")
@requires(LICENSE_REQUEST_VIEW)
@without_page_numbers
def license_request_list() -> str:
    """The queue: waiting requests by default, filtered by status, eligibility and scope."""
    filters, raw = _filters()
    page = keyset_list(request_queue(filters), LicenseRequest.created_at, LicenseRequest.id)
    return render_template(
        "staff/licensing/requests.html",
        page=page,
        filters=raw,
        status_tabs=STATUS_TABS,
        scope_kinds=[k.value for k in ScopeKind],
    )


def _decider(found: LicenseRequest) -> User | None:
    if found.decided_by_id is None:
        return None
    return db_session().get(User, found.decided_by_id)


def render_request(
    found: LicenseRequest,
    *,
    status: int = 200,
    reject_form: RejectForm | None = None,
    info_form: AskInfoForm | None = None,
    problem: str | None = None,
) -> Page:
    """The request page with its decision forms (those not given start empty)."""
    session = db_session()
    html = render_template(
        "staff/licensing/request.html",
        req=found,
        matches=_matches(found),
        offer_warning=_offer_warning(found),
        earlier=earlier_requests(session, found),
        decider=_decider(found),
        reject_form=reject_form or RejectForm(formdata=None),
        info_form=info_form or AskInfoForm(formdata=None),
        problem=problem,
    )
    return html, status


@bp.route("/license-requests/<int:request_id>")
@requires(LICENSE_REQUEST_VIEW)
def license_request_detail(request_id: int) -> Page:
    """One request: every field, the eligibility reasons, history and the decision."""
    return render_request(_load(request_id))


def _matches(found: LicenseRequest) -> Sequence[Publisher]:
    """Existing partners a waiting request seems to come from."""
    if found.status is not RequestStatus.SUBMITTED:
        return []
    return matching_publishers(db_session(), found)


def _offer_warning(found: LicenseRequest) -> str | None:
    """Why the one story asked for cannot be licensed (None: it can, or it is no one-story
    request)."""
    if found.status is not RequestStatus.SUBMITTED or found.scope_kind is not ScopeKind.ARTICLE:
        return None
    return offer_problem(found.scope_article, utcnow())


def _conflict(found: LicenseRequest, exc: Exception) -> Page:
    db_session().rollback()
    current = _load(found.id)
    html = render_template("staff/licensing/conflict.html", req=current, message=str(exc))
    return html, 409


# --- approval ------------------------------------------------------------------------------


def _section_choices() -> list[SelectChoice]:
    rows = db_session().execute(
        select(Section.slug, Section.name).order_by(Section.position, Section.name)
    )
    return [SelectChoice(slug, name) for slug, name in rows]


def _approve_form(found: LicenseRequest, *, fresh: bool) -> ApproveForm:
    form = ApproveForm(formdata=None) if fresh else ApproveForm()
    if fresh or "scope_kind" not in request.form:
        # Without a choice the licence covers what the applicant asked for.
        form.scope_kind.data = found.scope_kind.value
        form.sections.data = list(found.scope_sections or [])
        form.article.data = found.scope_article.slug if found.scope_article is not None else ""
    form.sections.choices = _section_choices()
    form.publisher.choices = [
        SelectChoice(NEW_PUBLISHER, f"A new publisher: {found.organization}"),
        *(SelectChoice(p.slug, f"Add to {p.name} ({p.slug})") for p in _matches(found)),
    ]
    return form


def _approve_page(found: LicenseRequest, form: ApproveForm, status: int) -> Page:
    html = render_template(
        "staff/licensing/approve.html",
        req=found,
        form=form,
        matches=_matches(found),
        offer_warning=_offer_warning(found),
    )
    return html, status


def _publisher_choice(
    found: LicenseRequest, form: ApproveForm, problems: dict[str, str]
) -> PublisherChoice | None:
    """Where the licence goes: asked only when the request matches existing partners."""
    matches = {p.slug: p for p in _matches(found)}
    if not matches:
        return None
    wanted = form.publisher.data or ""
    reason = (form.override_reason.data or "").strip()
    if wanted == NEW_PUBLISHER:
        return PublisherChoice(publisher_id=None)
    if wanted not in matches:
        problems["publisher"] = "Choose: a new publisher, or add the request to the partner."
        return None
    if form.override.data and not reason:
        problems["override_reason"] = "Give the reason for the override; the audit log keeps it."
    return PublisherChoice(
        publisher_id=matches[wanted].id, override_reason=reason if form.override.data else ""
    )


def _scope_choice(form: ApproveForm, problems: dict[str, str]) -> dict[str, Any]:
    """The scope override from the form, checked against sections and published stories."""
    session = db_session()
    # No choice keeps the scope asked for: an approval never widens it by default.
    if not form.scope_kind.data:
        return {}
    kind = ScopeKind(form.scope_kind.data)
    if kind is ScopeKind.SECTIONS:
        wanted = list(dict.fromkeys(form.sections.data or []))
        known = {choice.value for choice in _section_choices()}
        if not wanted:
            problems["sections"] = "Tick one or more sections."
        elif any(slug not in known for slug in wanted):
            problems["sections"] = "Unknown section."
        return {"scope_kind": kind, "scope_sections": wanted, "scope_article_id": None}
    if kind is ScopeKind.ARTICLE:
        # The same check as an application's (control characters included).
        found: dict[str, str] = {}
        raw = {"kind": kind.value, "article": form.article.data or ""}
        _kind, _sections, article_id = parse_scope(session, raw, found, utcnow())
        if found:
            problems["article"] = next(iter(found.values()))
        return {"scope_kind": kind, "scope_sections": [], "scope_article_id": article_id}
    return {"scope_kind": kind, "scope_sections": [], "scope_article_id": None}


def _licence_choice(form: ApproveForm) -> LicenceChoice:
    """The form as a :class:`LicenceChoice`; raises :class:`RequestInvalid` naming fields."""
    problems: dict[str, str] = {}
    kind = (
        LicenseKind.CUSTOM if form.kind.data == LicenseKind.CUSTOM.value else LicenseKind.STANDARD
    )
    try:
        fee = parse_fee((form.fee_amount.data or "").strip().replace(",", ""))
    except ValueError:
        problems["fee_amount"] = "Give the fee as a number, e.g. 250 or 99.50."
        fee = None
    scope = _scope_choice(form, problems)
    starts = form.starts_at.data.replace(tzinfo=UTC) if form.starts_at.data else None
    ends = form.ends_at.data.replace(tzinfo=UTC) if form.ends_at.data else None
    if ends is not None and ends <= (starts or utcnow()):
        problems["ends_at"] = "The end must come after the start."
    choice = LicenceChoice(
        kind=kind,
        fee_amount=fee,
        fee_currency=(form.fee_currency.data or "").strip().upper(),
        territory=form.territory.data or "",
        term_note=form.term_note.data or "",
        embargo_entitled=bool(form.embargo_entitled.data),
        starts_at=starts,
        ends_at=ends,
        note=(form.note.data or "").strip(),
        **scope,
    )
    try:
        choice.validate()
    except RequestInvalid as exc:
        problems = {**exc.fields, **problems}
    if problems:
        raise RequestInvalid(problems)
    return choice


def _show_errors(form: Any, problems: dict[str, str], fallback: str) -> None:
    for name, message in problems.items():
        field = getattr(form, APPROVAL_FIELDS.get(name, name), None) or getattr(form, fallback)
        if message not in field.errors:
            field.errors = [*field.errors, message]


@bp.route("/license-requests/<int:request_id>/approve", methods=["GET"])
@requires(LICENSE_REQUEST_DECIDE, fresh=True)
def license_request_approve_form(request_id: int) -> Response | Page:
    """The approval form, filled with the standard licence for the scope asked."""
    found = _load(request_id)
    if found.status is not RequestStatus.SUBMITTED:
        flash(f"Request #{found.id} is already {found.status.value}.", "info")
        return redirect(url_for("staff.license_request_detail", request_id=found.id))
    return _approve_page(found, _approve_form(found, fresh=True), 200)


@bp.route("/license-requests/<int:request_id>/approve", methods=["POST"])
@requires(LICENSE_REQUEST_DECIDE, fresh=True)
def license_request_approve(request_id: int) -> Response | Page:
    """Approve once; the licence and the first feed key (shown this once) come back."""
    session = db_session()
    found = _load(request_id)
    form = _approve_form(found, fresh=False)
    if not form.validate():
        return _approve_page(found, form, 422)
    try:
        problems: dict[str, str] = {}
        placement = _publisher_choice(found, form, problems)
        if problems:
            raise RequestInvalid(problems)
        choice = _licence_choice(form)
        approval = approve_request(
            session,
            found.id,
            actor_id=_actor_id(),
            choice=choice,
            publisher_choice=placement,
            site=site_info(),
            invite=invitation_link,
        )
    except RequestInvalid as exc:
        session.rollback()
        _show_errors(form, exc.fields, "note")
        return _approve_page(found, form, 422)
    except DecisionConflict as exc:
        return _conflict(found, exc)
    html = render_template(
        "staff/licensing/approved.html",
        req=approval.request,
        licence=approval.license,
        publisher=approval.publisher,
        key=approval.key,
        secret=approval.feed_key,
        invited=approval.invited_user,
        asked=found,
    )
    # The feed key is in this page and nowhere else.
    return secret_page(html)


@bp.route("/license-requests/<int:request_id>/reject", methods=["POST"])
@requires(LICENSE_REQUEST_DECIDE, fresh=True)
def license_request_reject(request_id: int) -> Response | Page:
    """Decline with a reason the applicant will read."""
    session = db_session()
    found = _load(request_id)
    form = RejectForm()
    if not form.validate():
        return render_request(found, reject_form=form, status=422)
    try:
        reject_request(
            session,
            found.id,
            reason=form.reason.data or "",
            actor_id=_actor_id(),
            site=site_info(),
        )
    except RequestInvalid as exc:
        _show_errors(form, exc.fields, "reason")
        return render_request(found, reject_form=form, status=422)
    except DecisionConflict as exc:
        return _conflict(found, exc)
    flash(f"Request #{found.id} is rejected; the applicant will be told why.", "success")
    return redirect(url_for("staff.license_request_detail", request_id=found.id), 303)


@bp.route("/license-requests/<int:request_id>/ask-info", methods=["POST"])
@requires(LICENSE_REQUEST_DECIDE, fresh=True)
def license_request_ask_info(request_id: int) -> Response | Page:
    """E-mail the applicant a question; the request stays open."""
    session = db_session()
    found = _load(request_id)
    form = AskInfoForm()
    if not form.validate():
        return render_request(found, info_form=form, status=422)
    try:
        request_more_information(
            session, found, note=form.note.data or "", actor_id=_actor_id(), site=site_info()
        )
    except RequestInvalid as exc:
        _show_errors(form, exc.fields, "note")
        return render_request(found, info_form=form, status=422)
    except DecisionConflict as exc:
        return _conflict(found, exc)
    flash("Your question is on its way to the applicant.", "success")
    return redirect(url_for("staff.license_request_detail", request_id=found.id), 303)
