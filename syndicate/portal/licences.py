"""The publisher's licences and the terms each one carries."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from licenses.licences import LicenseConflict, accept_terms, is_in_force
from licenses.models import License
from syndicate.accounts.models import User
from syndicate.orm import utcnow
from syndicate.portal.blueprint import bp, current_partner, current_publisher, own_or_404
from syndicate.portal.forms import ConfirmForm
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers


@bp.route("/licences")
@without_page_numbers
def licences() -> str:
    """Every licence of the publisher, latest start first, a keyset page at a time."""
    own = License.publisher_id == current_publisher().id
    page = keyset_list(
        select(License).where(own),
        License.starts_at,
        License.id,
        # A cursor names one of this publisher's licences, or none at all.
        anchor=select(License.starts_at).where(own),
    )
    return render_template(
        "portal/licences.html",
        licences=page.items,
        page=page,
        now=utcnow(),
        is_in_force=is_in_force,
    )


@bp.route("/licences/<int:licence_id>")
def licence(licence_id: int) -> str:
    """One licence: its terms, and who accepted them when."""
    found = own_or_404(License, licence_id)
    accepted_by = (
        db_session().get(User, found.accepted_by_id) if found.accepted_by_id is not None else None
    )
    return render_template(
        "portal/licence.html",
        licence=found,
        accepted_by=accepted_by,
        form=ConfirmForm(),
        in_force=is_in_force(found, utcnow()),
    )


@bp.route("/licences/<int:licence_id>/accept", methods=["POST"])
def licence_accept(licence_id: int) -> Response:
    """Accept the licence's terms on the publisher's behalf."""
    found = own_or_404(License, licence_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accept_terms(db_session(), found, current_partner().id)
    except (LicenseConflict, StaleDataError):
        abort(409, "These terms have already been accepted.")
    flash(f"You accepted the terms ({found.terms.version}) for this licence.", "success")
    return redirect(url_for("portal.licence", licence_id=found.id))
