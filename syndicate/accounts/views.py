"""Sign in, sign out and change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from syndicate.accounts.checks import confirm_password, locked_message, retry_after, throttle_policy
from syndicate.accounts.current import signed_in_user
from syndicate.accounts.forms import ChangePasswordForm, LoginForm, SetPasswordForm
from syndicate.accounts.invitations import make_invitation_token, user_for_invitation
from syndicate.accounts.models import Role, User
from syndicate.accounts.services import (
    AccountError,
    TooManyFailures,
    authenticate,
    change_password,
    rotate_session_token,
)
from syndicate.accounts.throttle import Verdict
from syndicate.extensions import limiter
from syndicate.web.db import db_session, keep_writes
from syndicate.web.inputs import url_problem

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None, default: str) -> str:
    """Only follow a same-site relative path after login."""
    if not target or url_problem(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def _home_for(user: User) -> str:
    if user.is_staff:
        return url_for("staff.dashboard")
    if user.role is Role.PARTNER:
        return url_for("portal.home")
    return url_for("public.home")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def login() -> Response | str:
    """Show the sign-in form and sign in."""
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(
                db_session(), form.email.data or "", form.password.data or "", throttle_policy()
            )
        except TooManyFailures:
            form.password.errors = [locked_message()]
            page = render_template("accounts/login.html", form=form)
            return page, 429, retry_after()  # type: ignore[return-value]
        if user is None:
            keep_writes()  # the wrong password stays counted
            form.password.errors = ["That e-mail and password do not match an active account."]
            return render_template("accounts/login.html", form=form), 401  # type: ignore[return-value]
        login_user(user, remember=bool(form.remember.data))
        return redirect(_safe_next(request.args.get("next"), _home_for(user)))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign out everywhere: the session token rotates, so every old cookie dies."""
    user = signed_in_user()
    assert user is not None  # login_required
    rotate_session_token(user)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("public.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password() -> Response | str:
    """Change the password; other sessions end, this one continues with the new token."""
    form = ChangePasswordForm()
    user = signed_in_user()
    assert user is not None  # login_required
    if form.validate_on_submit():
        verdict = confirm_password(user, form.current_password.data or "")
        if verdict is Verdict.LOCKED:
            form.current_password.errors = [locked_message()]
            page = render_template("accounts/password.html", form=form)
            return page, 429, retry_after()  # type: ignore[return-value]
        if verdict is Verdict.WRONG:
            form.current_password.errors = ["That is not your current password."]
        else:
            try:
                change_password(
                    db_session(),
                    user,
                    form.new_password.data or "",
                    current_app.config["PASSWORD_MIN_LENGTH"],
                )
            except AccountError as exc:
                form.new_password.errors = [str(exc)]
            else:
                login_user(user)
                flash(
                    "Your password has been changed. Other sessions were signed out; "
                    "your API tokens keep working until you revoke them.",
                    "info",
                )
                return redirect(_home_for(user))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status  # type: ignore[return-value]


def invitation_link(user: User) -> str:
    """The absolute set-password link for an invited ``user`` (signed, expiring, single use)."""
    from syndicate.web.site import site_info

    token = make_invitation_token(current_app.config["SECRET_KEY"], user)
    return site_info().url(url_for("accounts.setup", token=token))


@bp.route("/account/setup/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def setup(token: str) -> Response | str:
    """Let an invited user choose a password, then sign them in."""
    session = db_session()
    user = user_for_invitation(session, current_app.config["SECRET_KEY"], token)
    if user is None:
        return render_template("accounts/setup_invalid.html"), 404  # type: ignore[return-value]
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            change_password(
                session,
                user,
                form.new_password.data or "",
                current_app.config["PASSWORD_MIN_LENGTH"],
            )
        except AccountError as exc:
            form.new_password.errors = [str(exc)]
        else:
            login_user(user)
            flash("Your password is set. Welcome.", "success")
            return redirect(_home_for(user))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/setup.html", form=form, user=user), status  # type: ignore[return-value]
