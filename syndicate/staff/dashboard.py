"""The console's front page: counts by status, recent work and shortcuts."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import func, select

from syndicate.content.models import Article, Image
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.listing import status_counts
from syndicate.staff.permissions import CONSOLE_VIEW, requires
from syndicate.web.db import db_session

RECENT = 8


@bp.route("/")
@requires(CONSOLE_VIEW)
def dashboard() -> str:
    """Counts of articles by status, the latest edits and the latest uploads."""
    session = db_session()
    recent_articles = session.scalars(
        select(Article).order_by(Article.updated_at.desc(), Article.id.desc()).limit(RECENT)
    )
    recent_images = session.scalars(
        select(Image).order_by(Image.created_at.desc(), Image.id.desc()).limit(RECENT)
    )
    return render_template(
        "staff/dashboard.html",
        counts=status_counts(session, utcnow()),
        image_count=session.scalar(select(func.count(Image.id))) or 0,
        recent_articles=list(recent_articles),
        recent_images=list(recent_images),
    )
