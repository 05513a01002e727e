"""Confirm the password again before a decision (a "fresh" sign-in)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import confirm_login
from werkzeug.wrappers import Response

from syndicate.accounts.checks import confirm_password, locked_message, retry_after
from syndicate.accounts.current import signed_in_user
from syndicate.accounts.throttle import Verdict
from syndicate.extensions import limiter
from syndicate.staff import freshness
from syndicate.staff.blueprint import bp
from syndicate.staff.licensing_forms import ReauthForm
from syndicate.staff.permissions import CONSOLE_VIEW, requires


@bp.route("/reauth", methods=["GET", "POST"])
@requires(CONSOLE_VIEW)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def reauth() -> Response | tuple[str, int] | tuple[str, int, dict[str, str]]:
    """Ask for the password; a correct one makes the session fresh and goes back."""
    form = ReauthForm()
    target = freshness.same_site_path(request.args.get("next")) or url_for("staff.dashboard")
    minutes = max(1, int(current_app.config["AUTH_FRESH_LOGIN_SECONDS"]) // 60)
    if form.validate_on_submit():
        user = signed_in_user()
        assert user is not None  # the blueprint's hook signed-in check
        verdict = confirm_password(user, form.password.data or "")
        if verdict is Verdict.LOCKED:
            form.password.errors = [locked_message()]
            page = render_template("staff/reauth.html", form=form, minutes=minutes)
            return page, 429, retry_after()
        if verdict is Verdict.CORRECT:
            confirm_login()
            freshness.mark_fresh()
            flash("Password confirmed. You can make decisions now.", "success")
            return redirect(target, 303)
        form.password.errors = ["That is not your password."]
        return render_template("staff/reauth.html", form=form, minutes=minutes), 401
    status = 422 if request.method == "POST" else 200
    return render_template("staff/reauth.html", form=form, minutes=minutes), status
