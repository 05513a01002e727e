"""The console's blueprint and its single enforcement point."""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from syndicate.orm import utcnow
from syndicate.staff import display, freshness
from syndicate.staff.permissions import (
    has_permission,
    required_permission,
    requires_fresh_login,
)

bp = Blueprint("staff", __name__)
bp.record_once(lambda state: freshness.connect(cast(Flask, state.app)))


def _wants_html() -> bool:
    accept = request.accept_mimetypes
    return not accept or accept.accept_html


@bp.before_request
def enforce_permissions() -> Response | None:
    """Require a signed-in, enabled staff user holding the view's declared permission.

    A view that declares no permission is refused: forgetting the declaration must
    not open a page. A view declared ``fresh`` also needs a recent password sign-in;
    without one the user is sent to confirm their password first.
    """
    if not current_user.is_authenticated:
        if not _wants_html():
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not current_user.is_staff or not current_user.is_enabled:
        abort(403, "The staff console is for desk staff only.")
    view = current_app.view_functions.get(request.endpoint or "")
    permission = required_permission(view)
    if permission is None or not has_permission(current_user, permission):
        abort(403)
    if requires_fresh_login(view) and not freshness.is_fresh():
        if not _wants_html():
            abort(401)
        target = url_for("staff.reauth", next=freshness.return_path())
        return redirect(target, 302 if request.method in ("GET", "HEAD") else 303)
    return None


@bp.context_processor
def _console_helpers() -> dict[str, Any]:
    def can(permission: str) -> bool:
        return current_user.is_authenticated and has_permission(current_user, permission)

    return {"can": can}


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return {
        "now": utcnow(),
        "article_status": display.article_status,
        "partner_permission": display.partner_permission,
        "thumbnail_key": display.thumbnail_key,
    }
