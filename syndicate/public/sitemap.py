"""Sitemaps for the whole archive, and ``/robots.txt`` that names them.

``/sitemap.xml`` is a sitemap index (sitemaps.org 0.9): the site's other pages (front page,
sections, authors), the tag pages, the Google News sitemap of the last 48 hours, and one
sitemap per month of stories, ``/sitemaps/articles-YYYY-MM.xml`` (a month with more than
10,000 stories continues in ``-YYYY-MM-2.xml`` and so on), so every public story is listed
once however large the archive. Built from :func:`publicly_visible` like every public
surface (see :mod:`syndicate.public.sitemap_queries`); every answer is cacheable with an
ETag like the other public pages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Response, abort, current_app, url_for
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response as BaseResponse

from syndicate.orm import utcnow
from syndicate.public import sitemap_queries as queries
from syndicate.public.views import NO_PAGE, bp
from syndicate.web.db import db_session
from syndicate.web.headers import make_public_cacheable

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
XML_TYPE = "application/xml; charset=utf-8"
# "2026-12" or "2026-12-2": a month, and a part after the first.
PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])(?:-([2-9]|[1-9][0-9]{1,4}))?")
# The tag pages' endpoint, when the site has one; the literal path otherwise.
TAG_ENDPOINT = "public.tag"


def _w3c(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def _base() -> str:
    return str(current_app.config["SITE_BASE_URL"]).rstrip("/")


def _xml(lines: Iterable[str]) -> BaseResponse:
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(lines) + "\n"
    return make_public_cacheable(Response(body, content_type=XML_TYPE))


def _url(loc: str, lastmod: datetime | None = None) -> str:
    stamp = f"<lastmod>{_w3c(lastmod)}</lastmod>" if lastmod is not None else ""
    return f"<url><loc>{escape(loc)}</loc>{stamp}</url>"


def _urlset(urls: Iterable[str], *namespaces: str) -> BaseResponse:
    extra = "".join(f" {ns}" for ns in namespaces)
    return _xml([f'<urlset xmlns="{SITEMAP_NS}"{extra}>', *urls, "</urlset>"])


def tag_path(slug: str) -> str:
    """The path of a tag's page: its route when the site has one, ``/tags/<slug>`` else."""
    try:
        return url_for(TAG_ENDPOINT, slug=slug)
    except BuildError:
        return "/tags/" + quote(slug, safe="")


def month_path(year: int, month: int, part: int = 1) -> str:
    """The path of one month's story sitemap (``part`` from 1)."""
    period = f"{year:04d}-{month:02d}" + (f"-{part}" if part > 1 else "")
    return url_for("public.sitemap_month", period=period)


@bp.route("/sitemap.xml")
def sitemap() -> BaseResponse:
    """The sitemap index: the pages, the tags, the news and every month of stories."""
    session, now, base = db_session(), utcnow(), _base()
    months = queries.archive_months(session, now)
    # A sitemap holds at least one URL: the tags and the news are listed when they have one.
    endpoints = ["public.sitemap_pages"]
    if queries.has_tag_pages(session, now):
        endpoints.append("public.sitemap_tags")
    if queries.has_news(session, now):
        endpoints.append("public.sitemap_news")
    lines = [f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for endpoint in endpoints:
        lines.append(f"<sitemap><loc>{escape(base + url_for(endpoint))}</loc></sitemap>")
    for month in months:
        for part in range(1, month.parts + 1):
            loc = escape(base + month_path(month.year, month.month, part))
            lines.append(
                f"<sitemap><loc>{loc}</loc><lastmod>{_w3c(month.lastmod)}</lastmod></sitemap>"
            )
    lines.append("</sitemapindex>")
    return _xml(lines)


@bp.route("/sitemaps/pages.xml")
def sitemap_pages() -> BaseResponse:
    """The front page, every section and every author with a public story."""
    session, now, base = db_session(), utcnow(), _base()
    urls = [_url(base + url_for("public.home"))]
    urls += [_url(base + url_for("public.section", slug=s)) for s in queries.section_slugs(session)]
    urls += [
        _url(base + url_for("public.author", slug=e.slug), e.lastmod)
        for e in queries.author_entries(session, now)
    ]
    return _urlset(urls)


@bp.route("/sitemaps/tags.xml")
def sitemap_tags() -> BaseResponse:
    """Every tag page with a public story, dated by its latest story's change."""
    base = _base()
    entries = queries.tag_entries(db_session(), utcnow())
    return _urlset(_url(base + tag_path(e.slug), e.lastmod) for e in entries)


@bp.route("/sitemaps/news.xml")
def sitemap_news() -> BaseResponse:
    """The Google News sitemap: public stories released in the last 48 hours (an empty
    ``urlset`` when there are none; the index then leaves it out)."""
    config = current_app.config
    base = _base()
    name = escape(str(config["SITE_NAME"]))
    language = escape(str(config.get("SITE_LANGUAGE") or "en"))
    urls = [
        f"<url><loc>{escape(base + url_for('public.article', slug=e.slug))}</loc>"
        f"<news:news><news:publication><news:name>{name}</news:name>"
        f"<news:language>{language}</news:language></news:publication>"
        f"<news:publication_date>{_w3c(e.released_at)}</news:publication_date>"
        f"<news:title>{escape(e.headline)}</news:title></news:news></url>"
        for e in queries.news_entries(db_session(), utcnow())
    ]
    return _urlset(urls, f'xmlns:news="{NEWS_NS}"')


@bp.route("/sitemaps/articles-<period>.xml")
def sitemap_month(period: str) -> BaseResponse:
    """One month's public stories (or one part of a busy month), each with its lastmod."""
    match = PERIOD.fullmatch(period)
    if match is None:
        abort(404, description=NO_PAGE)
    year, month, part = int(match[1]), int(match[2]), int(match[3] or 1)
    entries = queries.month_entries(db_session(), utcnow(), year, month, part)
    if not entries:
        abort(404, description=NO_PAGE)
    base = _base()
    return _urlset(_url(base + url_for("public.article", slug=e.slug), e.lastmod) for e in entries)


@bp.route("/robots.txt")
def robots() -> BaseResponse:
    """Crawlers may read the public site; the sitemaps say where everything is."""
    base = _base()
    lines = [
        "User-agent: *",
        "Disallow: /staff/",
        "Disallow: /portal/",
        "Disallow: /api/",
        "",
        f"Sitemap: {base}{url_for('public.sitemap')}",
        f"Sitemap: {base}{url_for('public.sitemap_news')}",
    ]
    response = Response("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    return make_public_cacheable(response)
