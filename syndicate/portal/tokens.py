"""The partner's own API tokens: create (with a label and an expiry), list and revoke.

Tokens belong to the signed-in user, not to the publisher: a colleague's token, like
another publisher's, answers 404. A new secret is rendered straight into the answer to the
POST that made it, never stored in the session or a flash message, and never cached.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from syndicate.accounts.checks import confirm_password, locked_message
from syndicate.accounts.forms import PartnerApiTokenForm
from syndicate.accounts.models import ApiToken
from syndicate.accounts.services import (
    AccountError,
    create_api_token,
    revoke_api_token,
    token_state,
    tokens_of,
)
from syndicate.accounts.throttle import Verdict
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.portal.blueprint import bp, current_partner
from syndicate.portal.forms import ConfirmForm
from syndicate.web.db import db_session
from syndicate.web.headers import secret_page
from syndicate.web.site import site_info


def _tokens_page(form: PartnerApiTokenForm, status: int = 200) -> tuple[str, int]:
    return (
        render_template(
            "portal/tokens.html",
            tokens=tokens_of(db_session(), current_partner().id),
            token_state=token_state,
            form=form,
            api_url=site_info().url("/api/v1"),
        ),
        status,
    )


def _own_token(token_id: int) -> ApiToken:
    token = db_session().get(ApiToken, token_id)
    if token is None or token.user_id != current_partner().id:
        abort(404)
    return token


@bp.route("/tokens")
def tokens() -> tuple[str, int]:
    """The partner's API tokens and the form to create one."""
    return _tokens_page(PartnerApiTokenForm(formdata=None))


@bp.route("/tokens", methods=["POST"])
# The form checks the password: limit guesses like the sign-in form does.
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"])
def token_create() -> Response | tuple[str, int]:
    """Issue an API token for the signed-in partner and show it, this once."""
    form = PartnerApiTokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, 422)
    user = current_partner()
    verdict = confirm_password(user, form.password.data or "")
    if verdict is Verdict.LOCKED:
        form.password.errors = [locked_message()]
        return _tokens_page(form, 429)
    if verdict is Verdict.WRONG:
        form.password.errors = ["That is not your password."]
        return _tokens_page(form, 422)
    try:
        token, secret = create_api_token(
            db_session(),
            user,
            label=form.label.data or "",
            expires_at=form.expires_at(utcnow()),
            actor_id=user.id,
        )
    except AccountError as exc:
        form.label.errors = [str(exc)]
        return _tokens_page(form, 422)
    return secret_page(
        render_template(
            "portal/token_secret.html",
            token=token,
            secret=secret,
            api_url=site_info().url("/api/v1/articles"),
        ),
        201,
    )


@bp.route("/tokens/<int:token_id>/revoke")
def token_revoke_confirm(token_id: int) -> str:
    """Ask before revoking."""
    token = _own_token(token_id)
    if token.revoked_at is not None:
        abort(409, "This token is already revoked.")
    return render_template("portal/token_confirm.html", token=token, form=ConfirmForm())


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
def token_revoke(token_id: int) -> Response:
    """Revoke the token; the next request with it is refused."""
    token = _own_token(token_id)
    if revoke_api_token(db_session(), token, actor_id=current_partner().id):
        name = token.label or token.prefix
        flash(f"The token “{name}” is revoked; it no longer works.", "success")
    return redirect(url_for("portal.tokens"), 303)
