"""The portal's overview page."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from licenses.licences import active_licences
from licenses.membership import pending_members
from licenses.models import FeedKey, LicenseRequest, RequestStatus
from syndicate.orm import utcnow
from syndicate.portal.blueprint import bp, current_publisher
from syndicate.web.db import db_session


@bp.route("/")
def home() -> str:
    """The publisher, its licences in force, quick links and notices."""
    session = db_session()
    publisher = current_publisher()
    live_keys = session.scalar(
        select(func.count())
        .select_from(FeedKey)
        .where(FeedKey.publisher_id == publisher.id, FeedKey.revoked_at.is_(None))
    )
    open_requests = session.scalar(
        select(func.count())
        .select_from(LicenseRequest)
        .where(
            LicenseRequest.publisher_id == publisher.id,
            LicenseRequest.status == RequestStatus.SUBMITTED,
        )
    )
    return render_template(
        "portal/home.html",
        pending_members=len(pending_members(session, publisher.id)),
        licences=active_licences(session, publisher.id, utcnow()),
        live_keys=live_keys or 0,
        open_requests=open_requests or 0,
    )
