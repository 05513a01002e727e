"""Partner feed endpoints and the tracking image.

``/feeds/partner.rss``, ``.atom`` and ``.json`` take the feed key as a Bearer token, as the
password of HTTP Basic authentication (any user name) or as ``?key=``. A missing, unknown
or revoked key, or a suspended publisher, gets 401 with a challenge; a genuine key whose
publisher holds no licence in force gets 403 (asking again for a key would not help).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request, url_for
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from feeds.http import answer
from licenses.coverage import publisher_coverage
from licenses.keys import (
    LAST_USED_RESOLUTION,
    authenticate_feed_key,
    record_feed_key_use,
    use_due,
)
from licenses.models import Publisher
from syndicate.content.models import Article
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.syndication import credentials
from syndicate.syndication.cache import Store, store_for
from syndicate.syndication.fetches import FetchCounter
from syndicate.syndication.pixel import (
    TRANSPARENT_GIF,
    PixelSigner,
    counted_host,
    record_view,
    referrer_host,
)
from syndicate.syndication.render import (
    VARY,
    CachedFeed,
    FeedSettings,
    render_partner_feed,
    scope_signature,
)
from syndicate.syndication.shared import SharedItems
from syndicate.syndication.tagfilter import BAD_TAG, TAG_PARAM, BadTag, requested_tag
from syndicate.syndication.version import ContentVersion
from syndicate.syndication.watch import watch_for
from syndicate.web.db import db_session, write_apart

bp = Blueprint("syndication", __name__)

CHALLENGE = 'Basic realm="Syndicate partner feeds", Bearer realm="Syndicate partner feeds"'
FORMAT_ENDPOINTS = {"rss": "partner_rss", "atom": "partner_atom", "json": "partner_json"}


def feed_cache(app: Flask | None = None) -> Store:
    """The application's store, which holds the rendered feeds (:mod:`.cache`)."""
    return store_for(app or current_app._get_current_object())  # type: ignore[attr-defined]


def fetch_counter(app: Flask | None = None) -> FetchCounter:
    """The application's feed fetch counter (shared with any other path serving feeds)."""
    counter: FetchCounter = (app or current_app).extensions["syndication.fetches"]
    return counter


def shared_items(app: Flask | None = None) -> SharedItems:
    """The application's partner-independent feed material (kept in its store)."""
    return SharedItems(feed_cache(app))


def pixel_signer(app: Flask | None = None) -> PixelSigner:
    """The application's tracking-token signer."""
    signer: PixelSigner = (app or current_app).extensions["syndication.signer"]
    return signer


def presented_key() -> str:
    """The feed key the request carries: Bearer, Basic password, or ``?key=``."""
    return credentials.presented_key(request.environ)


def feed_settings(app: Flask) -> FeedSettings:
    """Site values for partner feeds; URL prefixes are built once, not per item."""
    config = app.config
    base = str(config["SITE_BASE_URL"]).rstrip("/")
    marker = "__slot__"

    def prefix(endpoint: str, **values: Any) -> str:
        return base + url_for(endpoint, **values).split(marker)[0]

    return FeedSettings(
        site_name=config["SITE_NAME"],
        language=config["SITE_LANGUAGE"],
        base_url=base,
        attribution=str(config["SITE_ATTRIBUTION"]).format(
            licensing_email=config["SITE_LICENSING_EMAIL"]
        ),
        items=int(config["FEEDS_PARTNER_ITEMS"]),
        ttl_minutes=int(config["FEEDS_TTL_MINUTES"]),
        hub_url=str(config["FEEDS_WEBSUB_HUB"]),
        home_url=base + url_for("public.home"),
        license_url=base + url_for("public.republish"),
        article_url_prefix=prefix("public.article", slug=marker),
        media_url_prefix=prefix("media.file", key=marker),
        pixel_url_prefix=prefix("syndication.pixel", token=marker),
        self_urls={
            fmt: base + url_for(f"syndication.{ep}") for fmt, ep in FORMAT_ENDPOINTS.items()
        },
        kill_notice_days=int(config["NEWSWIRE_KILL_NOTICE_DAYS"]),
    )


def current_feed_settings() -> FeedSettings:
    """The partner feed settings of the current application (built once, then kept)."""
    return _settings()


def _settings() -> FeedSettings:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    settings: FeedSettings | None = app.extensions.get("syndication.settings")
    if settings is None:
        settings = feed_settings(app)
        app.extensions["syndication.settings"] = settings
    return settings


def _refusal(status: int, message: str) -> Response:
    response = Response(message + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Vary"] = VARY
    response.headers["Referrer-Policy"] = "no-referrer"
    if status == 401:
        response.headers["WWW-Authenticate"] = CHALLENGE
    return response


def serve_partner_feed(fmt: str) -> Response:
    """Authenticate, scope, and answer from the cache or a fresh render."""
    session = db_session()
    now = utcnow()
    secret = presented_key()
    if not secret:
        return _refusal(401, "A valid feed key is required.")
    # The version first: the key, the licences and the stories read after it are at least
    # that new, so neither a cached copy nor the fast path's grant labelled with it can hide
    # a later change.
    label = watch_for(current_app).stamp()[:2]
    key = authenticate_feed_key(session, secret, now, record_use=False)
    if key is None:
        return _refusal(401, "A valid feed key is required.")
    last_used_at = key.last_used_at
    if use_due(last_used_at, now):
        key_id = key.id
        recorded = write_apart(lambda s: record_feed_key_use(s, key_id, now))
        # A use that could not be recorded is left due, so the next request tries again.
        last_used_at = now if recorded else None
    coverage = publisher_coverage(session, key.publisher_id, now)
    if coverage.empty:
        return _refusal(403, "No licence is in force for this publisher.")
    try:
        tag = requested_tag(request.args)
    except BadTag:
        return _refusal(400, BAD_TAG)
    scope = scope_signature(coverage)
    # A feed filtered by tag is kept apart from the whole one (the fast path serves only
    # the whole one; see .tagfilter).
    cache_key = ("feed", key.publisher_id, scope, fmt) + ((TAG_PARAM, tag) if tag else ())
    store = feed_cache()
    entry: CachedFeed | None = store.get(cache_key, label, now)
    settings = _settings()
    if entry is None:
        entry = render_partner_feed(
            session,
            publisher_id=key.publisher_id,
            publisher_name=key.publisher.name,
            coverage=coverage,
            fmt=fmt,
            now=now,
            version=ContentVersion(*label),
            settings=settings,
            signer=pixel_signer(),
            shared=shared_items(),
            tag=tag,
        )
        store.put(cache_key, label, entry, entry.size, entry.valid_until)
    if last_used_at is not None:
        # What the acceptance rested on, for the fast path: it holds under this label until
        # a licence starts or ends or the key's use is due to be recorded again.
        until = last_used_at + LAST_USED_RESOLUTION
        if coverage.next_change is not None:
            until = min(until, coverage.next_change)
        digest = credentials.presented_digest(request.environ, secret)
        store.put(("grant", digest), label, (key.publisher_id, scope), 200, until)
    fetch_counter().hit(key.publisher_id, now.date())
    status, headers, body = answer(entry.representation, request.environ)
    return Response(body, status=status, headers=headers)


@bp.route("/feeds/partner.rss")
def partner_rss() -> Response:
    """The partner's full-text RSS 2.0 feed."""
    return serve_partner_feed("rss")


@bp.route("/feeds/partner.atom")
def partner_atom() -> Response:
    """The partner's full-text Atom 1.0 feed."""
    return serve_partner_feed("atom")


@bp.route("/feeds/partner.json")
def partner_json() -> Response:
    """The partner's full-text JSON Feed 1.1."""
    return serve_partner_feed("json")


def _count_view(session: Session, publisher_id: int, article_id: int, host: str) -> None:
    # A writing transaction of its own: the partner's domain is read and the view counted
    # under one write lock (on SQLite a reading transaction cannot become a writer once
    # another writer has committed).
    domain = session.scalar(
        select(Publisher.domain).where(
            Publisher.id == publisher_id, exists().where(Article.id == article_id)
        )
    )
    if domain is not None:
        record_view(
            session.connection(),
            publisher_id=publisher_id,
            article_id=article_id,
            day=utcnow().date(),
            host=counted_host(host, domain),
        )


@bp.route("/px/<token>.gif")
@limiter.limit(lambda: current_app.config["RATELIMIT_PIXEL"])
def pixel(token: str) -> Response:
    """The tracking image: a 1×1 GIF; a genuine token counts one view.

    A forged or damaged token still gets the image (a partner's page never shows a broken
    image) but nothing is recorded. Beyond the per-address rate limit the answer is 429 and
    nothing is counted (the image is invisible, so the partner's page looks the same).
    """
    pair = pixel_signer().read(token)
    if pair is not None:
        publisher_id, article_id = pair
        host = referrer_host(request.headers.get("Referer", ""))
        # The article may go away between the check and the count: then nothing is counted.
        with suppress(IntegrityError):
            write_apart(lambda session: _count_view(session, publisher_id, article_id, host))
    response = Response(TRANSPARENT_GIF, content_type="image/gif")
    response.headers["Cache-Control"] = "no-store, max-age=0"
    return response
