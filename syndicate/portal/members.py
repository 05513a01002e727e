"""People waiting to join the publisher: its portal users confirm or decline them."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from licenses.membership import (
    MemberRequestNotFound,
    MembershipConflict,
    confirm_member,
    decline_member,
    pending_members,
)
from syndicate.accounts.views import invitation_link
from syndicate.portal.blueprint import bp, current_partner, current_publisher
from syndicate.portal.forms import ConfirmForm
from syndicate.web.db import db_session
from syndicate.web.site import site_info


@bp.route("/members")
def members() -> str:
    """Applicants that the desk matched to this publisher, waiting for a confirmation."""
    waiting = pending_members(db_session(), current_publisher().id)
    return render_template("portal/members.html", waiting=waiting, form=ConfirmForm())


def _checked_form() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/members/<int:request_id>/confirm", methods=["POST"])
def member_confirm(request_id: int) -> Response:
    """Confirm an applicant as a portal user of this publisher."""
    _checked_form()
    try:
        request, user = confirm_member(
            db_session(),
            request_id,
            publisher=current_publisher(),
            actor_id=current_partner().id,
            site=site_info(),
            invite=invitation_link,
        )
    except MemberRequestNotFound:
        abort(404)
    except MembershipConflict as exc:
        abort(409, str(exc))
    if user is None:
        flash(
            f"{request.contact_email} already has an account with another publisher, which "
            "was not moved; please write to the licensing desk.",
            "info",
        )
    else:
        flash(f"{request.contact_email} is now a member of {current_publisher().name}.", "success")
    return redirect(url_for("portal.members"), 303)


@bp.route("/members/<int:request_id>/decline", methods=["POST"])
def member_decline(request_id: int) -> Response:
    """Refuse an applicant: no access, and the licence made for the application ends."""
    _checked_form()
    try:
        request = decline_member(
            db_session(),
            request_id,
            publisher=current_publisher(),
            actor_id=current_partner().id,
            site=site_info(),
        )
    except MemberRequestNotFound:
        abort(404)
    except MembershipConflict as exc:
        abort(409, str(exc))
    flash(f"You declined {request.contact_email}; the desk is told.", "success")
    return redirect(url_for("portal.members"), 303)
