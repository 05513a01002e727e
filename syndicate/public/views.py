"""Public pages: front page, articles, sections, authors, search, terms and public feeds.

Anonymous pages never touch the session, so they set no cookie and a shared cache
may keep them (``make_public_cacheable``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from werkzeug.wrappers import Response as BaseResponse

from feeds.public import ATOM_MEDIA_TYPE, RSS_MEDIA_TYPE, atom_bytes, rss_bytes
from licenses.requests import offer_problem
from licenses.terms import terms_on_offer, terms_paragraphs
from syndicate.comments.services import comments_open, public_thread
from syndicate.content.models import Article, ArticleStatus
from syndicate.content.services import is_public, was_public
from syndicate.orm import utcnow
from syndicate.pagination import Page
from syndicate.public import figures, queries
from syndicate.public.body import interleave, split_blocks
from syndicate.public.public_feed import (
    FEED_SIZE,
    absolute,
    article_item,
    article_updated,
    feed_meta,
    feed_response,
)
from syndicate.templating import media_url
from syndicate.web.db import db_session
from syndicate.web.headers import make_public_cacheable
from syndicate.web.inputs import parse_int

bp = Blueprint("public", __name__)

HOME_PAGE_SIZE = 10
SECTION_BLOCK_SIZE = 4
SEARCH_MAX_CHARS = 200
NO_STORY = "There is no story at this address. The link may be mistyped, or the story moved."
NO_PAGE = "There is nothing at this address. Try the sections above, or search our stories."


@bp.context_processor
def _helpers() -> dict[str, Any]:
    def card_picture(article: Article) -> figures.Picture | None:
        return figures.card_picture(article, media_url)

    return {
        "card_picture": card_picture,
        "CARD_SIZES": figures.CARD_SIZES,
        "LEAD_CARD_SIZES": figures.LEAD_CARD_SIZES,
    }


def _page_number() -> int:
    number = parse_int(request.args.get("page", "1"), 1)
    if number is None:
        abort(404, description=NO_PAGE)
    return number


def _page(*conditions: Any, per_page: int | None = None) -> Page[Article]:
    try:
        return queries.public_page(
            db_session(),
            utcnow(),
            *conditions,
            number=_page_number(),
            per_page=per_page or int(current_app.config["SITE_PAGE_SIZE"]),
        )
    except queries.PageOutOfRange:
        abort(404, description=NO_PAGE)


def _public(template: str, **context: Any) -> BaseResponse:
    response = Response(render_template(template, **context), mimetype="text/html")
    return make_public_cacheable(response)


@bp.route("/")
def home() -> BaseResponse:
    """The front page: the latest stories, then each section's newest."""
    try:
        latest, blocks = queries.front_page(
            db_session(),
            utcnow(),
            number=_page_number(),
            per_page=HOME_PAGE_SIZE,
            per_section=SECTION_BLOCK_SIZE,
        )
    except queries.PageOutOfRange:
        abort(404, description=NO_PAGE)
    return _public("public/home.html", latest=latest, blocks=blocks)


@bp.route("/articles/<slug>")
def article(slug: str) -> BaseResponse:
    """One article; a withdrawn one answers 410 with its notice, a hidden one 404."""
    now = utcnow()
    story = queries.article_by_slug(db_session(), slug)
    if story is None:
        abort(404, description=NO_STORY)
    if story.status is ArticleStatus.KILLED and was_public(story):
        html = render_template("public/withdrawn.html", article=story)
        return Response(html, status=410, mimetype="text/html")
    if not is_public(story, now):
        abort(404, description=NO_STORY)
    config = current_app.config
    figs = figures.article_figures(story, media_url)
    return _public(
        "public/article.html",
        article=story,
        figures=figs,
        slots=interleave(split_blocks(story.body_html), figs.inline),
        updated=article_updated(story, now),
        canonical=absolute(config["SITE_BASE_URL"], "public.article", slug=story.slug),
        attribution=config["SITE_ATTRIBUTION"].format(
            licensing_email=config["SITE_LICENSING_EMAIL"]
        ),
        republishable=offer_problem(story, now) is None,
        licensing_email=config["SITE_LICENSING_EMAIL"],
        thread=public_thread(db_session(), story.id),
        comments_open=comments_open(story, now, int(config["COMMENTS_CLOSE_AFTER_DAYS"])),
    )


@bp.route("/sections/<slug>")
def section(slug: str) -> BaseResponse:
    """A section's public stories, newest first."""
    found = queries.section_by_slug(db_session(), slug)
    if found is None:
        abort(404, description=NO_PAGE)
    return _public("public/section.html", section=found, page=_page(queries.in_section(found)))


@bp.route("/authors/<slug>")
def author(slug: str) -> BaseResponse:
    """An author's biography and public stories."""
    found = queries.author_by_slug(db_session(), slug)
    if found is None:
        abort(404, description=NO_PAGE)
    return _public("public/author.html", author=found, page=_page(queries.by_author(found)))


@bp.route("/search")
def search() -> BaseResponse:
    """Public stories matching every word of ``q``; the bare form when ``q`` is empty."""
    query = " ".join(request.args.get("q", "").split())[:SEARCH_MAX_CHARS]
    page = _page(queries.matching(query)) if query else None
    return _public("public/search.html", query=query, page=page)


@bp.route("/republish")
def republish() -> BaseResponse:
    """The standard free syndication terms, and how to apply."""
    slug = request.args.get("article", "")
    now = utcnow()
    story = queries.public_article(db_session(), slug, now) if slug else None
    return _public(
        "public/republish.html",
        article=story,
        article_refusal=offer_problem(story, now) if story is not None else None,
        licensing_email=current_app.config["SITE_LICENSING_EMAIL"],
        terms=terms_on_offer(db_session()),
        terms_paragraphs=terms_paragraphs,
    )


def _feed(endpoint: str, render: Any, media_type: str) -> BaseResponse:
    config = current_app.config
    now = utcnow()
    articles = queries.latest_public(db_session(), now, FEED_SIZE)
    items = [article_item(a, config["SITE_BASE_URL"], now) for a in articles]
    meta = feed_meta(config, items, endpoint=endpoint)
    return feed_response(
        render(meta, items), media_type, meta.updated, int(config["SITE_CACHE_MAX_AGE"])
    )


@bp.route("/feeds/public.rss")
def feed_rss() -> BaseResponse:
    """The public RSS feed: the newest 50 stories as summaries."""
    return _feed("public.feed_rss", rss_bytes, RSS_MEDIA_TYPE)


@bp.route("/feeds/public.atom")
def feed_atom() -> BaseResponse:
    """The public Atom feed: the newest 50 stories as summaries."""
    return _feed("public.feed_atom", atom_bytes, ATOM_MEDIA_TYPE)


# The application form registers its routes on this blueprint.
from syndicate.public import apply as _apply  # noqa: E402, F401
from syndicate.public import sitemap as _sitemap  # noqa: E402, F401
