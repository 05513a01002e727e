"""The publisher's licensing requests: list, ask for another licence, withdraw."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from licenses.models import LicenseRequest, ScopeKind
from licenses.requests import (
    DecisionConflict,
    RequestInvalid,
    submit_request,
    validate_request,
    withdraw_request,
)
from licenses.terms import terms_on_offer
from syndicate.accounts.views import invitation_link
from syndicate.portal.blueprint import bp, current_partner, current_publisher, own_or_404
from syndicate.portal.forms import ConfirmForm, LicenceRequestForm
from syndicate.web.db import db_session
from syndicate.web.request_form import requested_story, section_choices
from syndicate.web.site import eligibility_policy, site_info


def _own_request(request_id: int) -> LicenseRequest:
    return own_or_404(LicenseRequest, request_id)


@bp.route("/requests")
def request_list() -> str:
    """Every request of the publisher, newest first."""
    rows = db_session().scalars(
        select(LicenseRequest)
        .where(LicenseRequest.publisher_id == current_publisher().id)
        .order_by(LicenseRequest.created_at.desc(), LicenseRequest.id.desc())
    )
    return render_template("portal/requests.html", requests=list(rows))


def _request_form() -> LicenceRequestForm:
    form = LicenceRequestForm()
    form.sections.choices = section_choices(db_session())
    return form


def _form_page(form: LicenceRequestForm, status: int) -> tuple[str, int]:
    story = None
    if form.scope_kind.data == ScopeKind.ARTICLE.value:
        story = requested_story(db_session(), form.article.data or "")
    terms = terms_on_offer(db_session())
    return render_template("portal/request_form.html", form=form, story=story, terms=terms), status


@bp.route("/requests/new")
def request_new() -> tuple[str, int]:
    """The form for another licence; ``?article=<slug>`` asks for that one story."""
    form = _request_form()
    form.prefill(current_publisher(), current_partner().email)
    slug = request.args.get("article", "").strip()
    form.scope_kind.data = ScopeKind.ALL.value
    if slug:
        form.scope_kind.data = ScopeKind.ARTICLE.value
        form.article.data = slug[:300]
    return _form_page(form, 200)


@bp.route("/requests", methods=["POST"])
def request_create() -> Response | tuple[str, int]:
    """Submit the request; the eligibility assessment is shown on its page."""
    session = db_session()
    form = _request_form()
    if form.validate_on_submit():
        try:
            created = submit_request(
                session,
                form.domain_data(),
                policy=eligibility_policy(),
                site=site_info(),
                submitted_by=current_partner(),
                invite=invitation_link,
            )
        except RequestInvalid as exc:
            form.add_domain_errors(exc.fields)
        else:
            flash("Your request has been sent to the licensing desk.", "success")
            return redirect(url_for("portal.request_detail", request_id=created.id))
    else:
        # Report the domain's complaints too, so every problem shows at once.
        try:
            validate_request(session, form.domain_data())
        except RequestInvalid as exc:
            form.add_domain_errors(exc.fields)
    return _form_page(form, 422)


@bp.route("/requests/<int:request_id>")
def request_detail(request_id: int) -> str:
    """One request: what was asked, the eligibility assessment and the decision."""
    found = _own_request(request_id)
    return render_template("portal/request.html", req=found, form=ConfirmForm())


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
def request_withdraw(request_id: int) -> Response:
    """Withdraw a request that is still waiting for a decision."""
    found = _own_request(request_id)
    try:
        withdraw_request(db_session(), found.id, actor_id=current_partner().id)
    except DecisionConflict:
        abort(409, "This request has already been decided or withdrawn.")
    flash("Your request has been withdrawn.", "success")
    return redirect(url_for("portal.request_detail", request_id=found.id))
