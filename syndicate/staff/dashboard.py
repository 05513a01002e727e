"""The console's front page: counts by status, recent work and shortcuts."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from licenses.queries import ending_soon_count, waiting_count
from syndicate.content.models import Article, Image
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.listing import status_counts
from syndicate.staff.permissions import CONSOLE_VIEW, requires
from syndicate.web.db import db_session

RECENT = 8
ENDING_SOON = timedelta(days=30)


@bp.route("/")
@requires(CONSOLE_VIEW)
def dashboard() -> str:
    """Counts of articles by status and of licensing work, the latest edits and uploads."""
    session = db_session()
    now = utcnow()
    recent_articles = session.scalars(
        select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(RECENT)
    )
    recent_images = session.scalars(
        select(Image).order_by(Image.created_at.desc(), Image.id.desc()).limit(RECENT)
    )
    return render_template(
        "staff/dashboard.html",
        counts=status_counts(session, now),
        requests_waiting=waiting_count(session),
        licences_ending=ending_soon_count(session, ENDING_SOON, now),
        image_count=session.scalar(select(func.count(Image.id))) or 0,
        recent_articles=list(recent_articles),
        recent_images=list(recent_images),
    )
