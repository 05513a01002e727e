"""Public pages: front page, articles, sections, authors, search, terms and public feeds.

Anonymous pages never touch the session, so they set no cookie and a shared cache
may keep them (``make_public_cacheable``).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from limits import parse_many
from werkzeug.wrappers import Response as BaseResponse

from feeds.public import ATOM_MEDIA_TYPE, RSS_MEDIA_TYPE, atom_bytes, rss_bytes
from licenses.requests import offer_problem
from licenses.terms import terms_on_offer, terms_paragraphs
from syndicate.comments.services import comments_open, public_thread
from syndicate.content.keyset import CursorNotFound
from syndicate.content.licensing import terms_url
from syndicate.content.models import Article, ArticleStatus
from syndicate.content.services import is_public, was_public
from syndicate.extensions import client_address, limiter, rate_limited_here
from syndicate.orm import utcnow
from syndicate.pagination import Cursor, Slice
from syndicate.public import figures, queries, structured
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


def _cursor() -> Cursor | None:
    """``?before=<id>`` (older stories) or ``?after=<id>`` (newer ones); garbage is a 404."""
    before, after = request.args.get("before"), request.args.get("after")
    if before is None and after is None:
        return None
    value = parse_int(before if before is not None else after, 1)
    if value is None or (before is not None and after is not None):
        abort(404, description=NO_PAGE)
    return Cursor(value, after=after is not None)


def _per_page() -> int:
    return int(current_app.config["SITE_PAGE_SIZE"])


def _legacy_page(
    endpoint: str, *conditions: Any, per_page: int | None = None, **url_args: Any
) -> None:
    """Send an old ``?page=N`` link to the keyset address that shows the same stories now.

    Page 1 moves for good (301). Page N answers 302: which stories it holds changes as new
    ones are published, so no permanent address stands for it.
    """
    if "page" not in request.args:
        return
    number = _page_number()
    if number == 1:
        abort(redirect(url_for(endpoint, **url_args), 301))
    anchor = queries.legacy_page_cursor(
        db_session(), utcnow(), *conditions, number=number, per_page=per_page or _per_page()
    )
    if anchor is None:
        abort(404, description=NO_PAGE)
    abort(redirect(url_for(endpoint, before=anchor, **url_args), 302))


def _slice(
    endpoint: str,
    *conditions: Any,
    per_page: int | None = None,
    counted: bool = True,
    **url_args: Any,
) -> Slice[Article]:
    _legacy_page(endpoint, *conditions, per_page=per_page, **url_args)
    cursor = _cursor()
    try:
        page = queries.public_slice(
            db_session(),
            utcnow(),
            *conditions,
            cursor=cursor,
            per_page=per_page or _per_page(),
            counted=counted,
        )
    except CursorNotFound:
        abort(404, description=NO_PAGE)
    if cursor is not None and not page.items:
        abort(404, description=NO_PAGE)
    if cursor is not None and cursor.after and page.newer is None:
        # Nothing newer than this page: it is the first one, whose address has no cursor.
        abort(redirect(url_for(endpoint, **url_args), 302))
    return page


def _public(template: str, **context: Any) -> BaseResponse:
    response = Response(render_template(template, **context), mimetype="text/html")
    return make_public_cacheable(response)


@bp.route("/")
def home() -> BaseResponse:
    """The front page: the latest stories, then each section's newest; older stories page
    by keyset (``?before=<id>``) like the section pages."""
    _legacy_page("public.home", per_page=HOME_PAGE_SIZE)
    if _cursor() is not None:
        latest = _slice("public.home", per_page=HOME_PAGE_SIZE, counted=False)
        return _public("public/home.html", latest=latest, blocks=[], first=False)
    first, blocks = queries.front_page(
        db_session(),
        utcnow(),
        number=1,
        per_page=HOME_PAGE_SIZE,
        per_section=SECTION_BLOCK_SIZE,
    )
    return _public("public/home.html", latest=first, blocks=blocks, first=True)


def _site_links(story: Article) -> structured.SiteLinks:
    base = str(current_app.config["SITE_BASE_URL"])
    return structured.SiteLinks(
        site_name=current_app.config["SITE_NAME"],
        language=current_app.config["SITE_LANGUAGE"],
        home=absolute(base, "public.home"),
        terms=terms_url(base),
        canonical=absolute(base, "public.article", slug=story.slug),
        media=lambda key: absolute(base, "media.file", key=key),
        author=lambda slug: absolute(base, "public.author", slug=slug),
    )


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
    updated = article_updated(story, now)
    republishable = offer_problem(story, now) is None
    links = _site_links(story)
    return _public(
        "public/article.html",
        article=story,
        figures=figs,
        structured_data=structured.news_article(
            story, links, updated=updated, republishable=republishable, now=now
        ),
        card_image=structured.card_image(story, links),
        slots=interleave(split_blocks(story.body_html), figs.inline),
        updated=updated,
        canonical=links.canonical,
        attribution=config["SITE_ATTRIBUTION"].format(
            licensing_email=config["SITE_LICENSING_EMAIL"]
        ),
        republishable=republishable,
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
    # The section page shows no count.
    page = _slice("public.section", queries.in_section(found), counted=False, slug=found.slug)
    return _public("public/section.html", section=found, page=page)


@bp.route("/authors/<slug>")
def author(slug: str) -> BaseResponse:
    """An author's biography and public stories."""
    found = queries.author_by_slug(db_session(), slug)
    if found is None:
        abort(404, description=NO_PAGE)
    page = _slice("public.author", queries.by_author(found), slug=found.slug)
    return _public("public/author.html", author=found, page=page)


@bp.route("/tags/<slug>")
def tag(slug: str) -> BaseResponse:
    """The public stories with a tag, newest first.

    A tag no public story carries answers 404 like an unknown one: tags are written with
    drafts and embargoed stories, and their names must not show before the stories do.
    """
    found = queries.tag_by_slug(db_session(), slug)
    if found is None:
        abort(404, description=NO_PAGE)
    page = _slice("public.tag", queries.tagged(found), slug=found.slug)
    if page.total == 0:
        abort(404, description=NO_PAGE)
    return _public("public/tag.html", tag=found, page=page)


def _search_query() -> str:
    return " ".join(request.args.get("q", "").split())[:SEARCH_MAX_CHARS]


def _search_allowed() -> bool:
    """Count one search for this client; False once past ``[ratelimit] search``.

    Counted in the limiter's storage (shared by every worker with Redis) but without the
    ``X-RateLimit-*`` headers a decorated view gets: a results page is public and cacheable,
    and one client's remaining allowance must not be kept and shown to the next.
    """
    if not rate_limited_here():
        return True
    prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX", ""))
    return all(
        limiter.limiter.hit(item, prefix, "public.search", client_address())
        for item in parse_many(current_app.config["RATELIMIT_SEARCH"])
    )


@bp.route("/search")
def search() -> BaseResponse:
    """Public stories matching ``q``, best first, with snippets; the bare form when ``q`` is
    empty. Each client may search a limited number of times (``[ratelimit] search``): a new
    ``q`` is a new address, so the page cache alone would not hold a flood back."""
    query = _search_query()
    if not query:
        return _public("public/search.html", query=query, page=None, snippets={})
    if not _search_allowed():
        abort(429)
    number = _page_number() if "page" in request.args else 1
    if number > 1:
        # An old numbered results page: sent on to the keyset address of the same position.
        anchor = queries.legacy_search_cursor(db_session(), utcnow(), query, number, _per_page())
        if anchor is None:
            abort(404, description=NO_PAGE)
        abort(redirect(url_for("public.search", q=query, before=anchor), 302))
    cursor = _cursor()
    try:
        page, snippets, ranked = queries.search_slice(
            db_session(), utcnow(), query, cursor, _per_page()
        )
    except CursorNotFound:
        abort(404, description=NO_PAGE)
    if cursor is not None and not page.items:
        abort(404, description=NO_PAGE)
    if cursor is not None and cursor.after and page.newer is None:
        abort(redirect(url_for("public.search", q=query), 302))
    return _public(
        "public/search.html",
        query=query,
        page=page,
        snippets=snippets,
        ranked=ranked,
        count_cap=queries.SEARCH_COUNT_CAP,
    )


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
    return feed_response(render(meta, items), media_type, meta.updated)


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
