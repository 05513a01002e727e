"""``/sitemap.xml``: the front page, the sections and every public article.

Built from :func:`publicly_visible`, like every public surface: an embargoed or scheduled
story is absent until its release, a killed or unpublished one leaves.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast
from xml.sax.saxutils import escape

from flask import Response, current_app, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from syndicate.content.models import Article, Section
from syndicate.content.services import publicly_visible, shown_modified
from syndicate.orm import utcnow
from syndicate.public.views import bp
from syndicate.web.db import db_session
from syndicate.web.headers import make_public_cacheable

SITEMAP_LIMIT = 50_000  # the sitemaps.org limit for one file
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@bp.route("/sitemap.xml")
def sitemap() -> BaseResponse:
    """The sitemap (sitemaps.org 0.9) of what the public may read now."""
    session = db_session()
    base = str(current_app.config["SITE_BASE_URL"]).rstrip("/")
    now = utcnow()
    rows = session.execute(
        select(Article.slug, Article.released_at, Article.content_updated_at)
        .where(publicly_visible(now))
        .order_by(Article.released_at.desc(), Article.id.desc())
        .limit(SITEMAP_LIMIT - 1000)
    ).all()
    sections = session.scalars(select(Section.slug).order_by(Section.position, Section.name))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    lines.append(f"<url><loc>{escape(base + url_for('public.home'))}</loc></url>")
    for slug in sections:
        loc = base + url_for("public.section", slug=slug)
        lines.append(f"<url><loc>{escape(loc)}</loc></url>")
    for slug, released, updated in rows:
        loc = base + url_for("public.article", slug=slug)
        # publicly_visible() holds only released stories.
        modified = shown_modified(cast(datetime, released), (updated,), now)
        lines.append(
            f"<url><loc>{escape(loc)}</loc><lastmod>{modified:%Y-%m-%dT%H:%M:%SZ}</lastmod></url>"
        )
    lines.append("</urlset>")
    response = Response("\n".join(lines) + "\n", content_type="application/xml; charset=utf-8")
    return make_public_cacheable(response)
