"""Confirm the password again before a decision (a "fresh" sign-in)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import confirm_login
from werkzeug.wrappers import Response

from syndicate.accounts.current import signed_in_user
from syndicate.accounts.passwords import verify_password
from syndicate.extensions import limiter
from syndicate.staff import freshness
from syndicate.staff.blueprint import bp
from syndicate.staff.licensing_forms import ReauthForm
from syndicate.staff.permissions import CONSOLE_VIEW, requires


@bp.route("/reauth", methods=["GET", "POST"])
@requires(CONSOLE_VIEW)
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
def reauth() -> Response | tuple[str, int]:
    """Ask for the password; a correct one makes the session fresh and goes back."""
    form = ReauthForm()
    target = freshness.same_site_path(request.args.get("next")) or url_for("staff.dashboard")
    minutes = max(1, int(current_app.config["AUTH_FRESH_LOGIN_SECONDS"]) // 60)
    if form.validate_on_submit():
        user = signed_in_user()
        assert user is not None  # the blueprint's hook signed-in check
        if user.password_hash and verify_password(user.password_hash, form.password.data or ""):
            confirm_login()
            freshness.mark_fresh()
            flash("Password confirmed. You can make decisions now.", "success")
            return redirect(target, 303)
        form.password.errors = ["That is not your password."]
        return render_template("staff/reauth.html", form=form, minutes=minutes), 401
    status = 422 if request.method == "POST" else 200
    return render_template("staff/reauth.html", form=form, minutes=minutes), status
