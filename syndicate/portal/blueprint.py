"""The portal's blueprint and its single enforcement point.

Every portal page belongs to one publisher: the signed-in partner's. Every object is
checked against that publisher, so another publisher's object answers 404 exactly like a
missing one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from licenses.models import Publisher
from syndicate.accounts.current import signed_in_user
from syndicate.accounts.models import Role, User
from syndicate.web.db import db_session

bp = Blueprint("portal", __name__)

T = TypeVar("T")


def _refuse(message: str, *, staff: bool = False) -> tuple[str, int]:
    return render_template("portal/forbidden.html", message=message, staff=staff), 403


@bp.before_request
def require_partner() -> Response | tuple[str, int] | None:
    """Admit only a signed-in, enabled partner user who belongs to a publisher."""
    user = signed_in_user()
    if user is None:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if not user.is_enabled:
        return _refuse("This account is disabled.")
    if user.role is not Role.PARTNER:
        return _refuse(
            "You are signed in as desk staff. Partners and their licences are managed "
            "from the staff console.",
            staff=user.is_staff,
        )
    publisher = (
        db_session().get(Publisher, user.publisher_id) if user.publisher_id is not None else None
    )
    if publisher is None:
        return _refuse(
            "Your account is not linked to a publisher yet. Please write to the licensing desk."
        )
    g.portal_user = user
    g.portal_publisher = publisher
    return None


def current_partner() -> User:
    """The partner user of this portal request (set by the enforcement point)."""
    user: User = g.portal_user
    return user


def current_publisher() -> Publisher:
    """The publisher whose portal this is (set by the enforcement point)."""
    publisher: Publisher = g.portal_publisher
    return publisher


def own_or_404(model: type[T], object_id: int) -> T:
    """The ``model`` row ``object_id`` if it belongs to the current publisher; else 404."""
    found = db_session().get(model, object_id)
    if found is None or getattr(found, "publisher_id", None) != current_publisher().id:
        abort(404)
    return found


@bp.context_processor
def _portal_context() -> dict[str, Any]:
    return {"publisher": g.get("portal_publisher"), "partner": g.get("portal_user")}
