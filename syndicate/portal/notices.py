"""Notices in the portal: corrections and kills of the publisher's stories, acknowledged."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from syndicate.newswire.forms import AcknowledgeForm
from syndicate.newswire.models import Notice, NoticeAcknowledgement
from syndicate.newswire.notices import acknowledge
from syndicate.portal.blueprint import bp, current_partner, current_publisher, own_or_404
from syndicate.web.db import db_session
from syndicate.web.inputs import parse_int
from syndicate.web.paging import keyset_list, without_page_numbers

PAGE_SIZE = 100


def publisher_notices(publisher_id: int, *, open_only: bool, limit: int) -> Sequence[Notice]:
    """The publisher's notices, newest first (only those still to acknowledge, if asked)."""
    stmt = select(Notice).where(Notice.publisher_id == publisher_id)
    if open_only:
        stmt = stmt.where(
            ~select(NoticeAcknowledgement.id)
            .where(NoticeAcknowledgement.notice_id == Notice.id)
            .exists()
        )
    return (
        db_session()
        .scalars(stmt.order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))
        .all()
    )


@bp.context_processor
def _notices_panel() -> dict[str, Any]:
    def open_notices(limit: int = 5) -> Sequence[Notice]:
        publisher = current_publisher()
        return publisher_notices(publisher.id, open_only=True, limit=limit)

    return {"open_notices": open_notices, "acknowledge_form": AcknowledgeForm}


@bp.route("/notices")
@without_page_numbers
def notices() -> str:
    """The notices still to acknowledge (on the first page), then the acknowledged ones,
    newest first, a keyset page at a time."""
    publisher_id = current_publisher().id
    own = Notice.publisher_id == publisher_id
    acknowledged = select(NoticeAcknowledgement.id).where(
        NoticeAcknowledgement.notice_id == Notice.id
    )
    done = keyset_list(
        select(Notice).where(own, acknowledged.exists()),
        Notice.created_at,
        Notice.id,
        # A cursor names one of this publisher's notices, or none at all.
        anchor=select(Notice.created_at).where(own),
    )
    paging = done.has_previous
    pending = [] if paging else publisher_notices(publisher_id, open_only=True, limit=PAGE_SIZE)
    return render_template("portal/notices.html", pending=pending, done=done, paging=paging)


@bp.route("/notices/acknowledge", methods=["POST"])
def notice_acknowledge() -> Response | tuple[str, int]:
    """Acknowledge the notice named by the form (acknowledging twice changes nothing).

    Another publisher's notice answers 404 exactly like a missing one.
    """
    notice_id = parse_int(request.form.get("notice_id"), 1)
    if notice_id is None:
        abort(404)
    notice = own_or_404(Notice, notice_id)
    form = AcknowledgeForm()
    if not form.validate():
        return render_template("portal/forbidden.html", message="The form expired. Try again."), 400
    already = notice.acknowledgement is not None
    acknowledge(db_session(), notice, current_partner().id)
    if not already:
        flash(f"Notice about “{notice.headline}” acknowledged. Thank you.", "success")
    back = request.form.get("back", "")
    target = url_for("portal.home") if back == "home" else url_for("portal.notices")
    return redirect(target, 303)
