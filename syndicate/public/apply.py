"""The application form for a republishing licence, and its confirmation page.

``/republish`` stays a cacheable page that sets no cookie; the form, which needs a CSRF
token and so the session, lives on its own uncached page, ``/republish/apply``.
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from licenses.models import LicenseRequest
from licenses.requests import RequestInvalid, offer_problem, submit_request
from licenses.terms import terms_on_offer
from syndicate.accounts.current import signed_in_user
from syndicate.accounts.models import Role
from syndicate.accounts.views import invitation_link
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.public.apply_form import ApplicationForm
from syndicate.public.views import bp
from syndicate.web.db import db_session
from syndicate.web.request_form import requested_story, section_choices
from syndicate.web.site import eligibility_policy, site_info

CONFIRMATION_SALT = "syndicate.apply.confirmation"
CONFIRMATION_MAX_AGE = 7 * 24 * 3600


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRMATION_SALT)


def confirmation_token(request_id: int) -> str:
    """A signed token naming a request, so only its applicant finds the confirmation."""
    return _serializer().dumps(request_id)


def _request_for(token: str) -> LicenseRequest | None:
    try:
        request_id = _serializer().loads(token, max_age=CONFIRMATION_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(request_id, int):
        return None
    return db_session().get(LicenseRequest, request_id)


def _form() -> ApplicationForm:
    form = ApplicationForm()
    form.sections.choices = section_choices(db_session())
    return form


def _page(form: ApplicationForm, status: int) -> Response:
    story = None
    if form.scope_kind.data == "article":
        story = requested_story(db_session(), form.article.data or "")
    html = render_template(
        "public/apply.html",
        form=form,
        story=story,
        licensing_email=current_app.config["SITE_LICENSING_EMAIL"],
        terms=terms_on_offer(db_session()),
    )
    response = make_response(html, status)
    # The page carries a CSRF token tied to this visitor's session: never share it.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/republish/apply", methods=["GET"])
def apply() -> Response:
    """The application form; ``?article=<slug>`` asks for that one story."""
    form = _form()
    slug = request.args.get("article", "").strip()[:300]
    story = requested_story(db_session(), slug)
    # A story not offered for republication is never suggested; asking for it is refused.
    if story is not None and offer_problem(story, utcnow()) is None:
        form.scope_kind.data = "article"
        form.article.data = slug
    return _page(form, 200)


@bp.route("/republish/apply", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_APPLY"])
def apply_submit() -> Response:
    """Assess and store the application, then show the confirmation (303)."""
    form = _form()
    if not form.validate():
        return _page(form, 422)
    user = signed_in_user()
    partner = user if user is not None and user.role is Role.PARTNER else None
    try:
        created = submit_request(
            db_session(),
            form.domain_data(),
            policy=eligibility_policy(),
            site=site_info(),
            submitted_by=partner,
            invite=invitation_link,
        )
    except RequestInvalid as exc:
        form.add_domain_errors(exc.fields)
        return _page(form, 422)
    return redirect(url_for("public.apply_thanks", token=confirmation_token(created.id)), 303)


@bp.route("/republish/thanks/<token>")
def apply_thanks(token: str) -> Response:
    """Thank the applicant: the reference number and how the policy assessed the request."""
    found = _request_for(token)
    if found is None:
        abort(404, description="This confirmation link is not valid, or it is too old.")
    html = render_template(
        "public/apply_thanks.html",
        req=found,
        licensing_email=current_app.config["SITE_LICENSING_EMAIL"],
    )
    response = make_response(html, 200)
    response.headers["Cache-Control"] = "private, no-store"
    return response
