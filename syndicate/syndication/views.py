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

from feeds.http import accepts_gzip, not_modified
from licenses.coverage import publisher_coverage
from licenses.keys import authenticate_feed_key, key_digest, record_feed_key_use, use_due
from licenses.models import Publisher
from syndicate.content.models import Article
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.syndication.cache import CachedFeed, FeedCache
from syndicate.syndication.fetches import FetchCounter, KeyDirectory
from syndicate.syndication.grants import GRANT, Grant
from syndicate.syndication.pixel import (
    TRANSPARENT_GIF,
    PixelSigner,
    counted_host,
    record_view,
    referrer_host,
)
from syndicate.syndication.render import FeedSettings, render_partner_feed, scope_signature
from syndicate.syndication.shared import SharedItems
from syndicate.syndication.version import ContentVersion, current_version, watched_version
from syndicate.syndication.watch import watch_for
from syndicate.web.db import db_session, write_apart

bp = Blueprint("syndication", __name__)

CHALLENGE = 'Basic realm="Syndicate partner feeds", Bearer realm="Syndicate partner feeds"'
VARY = "Accept-Encoding, Authorization"
PARTNER_CACHE_CONTROL = "private, no-cache"
FORMAT_ENDPOINTS = {"rss": "partner_rss", "atom": "partner_atom", "json": "partner_json"}


def feed_cache(app: Flask | None = None) -> FeedCache:
    """The application's rendered-feed cache."""
    cache: FeedCache = (app or current_app).extensions["syndication.cache"]
    return cache


def fetch_counter(app: Flask | None = None) -> FetchCounter:
    """The application's feed fetch counter (shared with any other path serving feeds)."""
    counter: FetchCounter = (app or current_app).extensions["syndication.fetches"]
    return counter


def learn_key(secret: str, publisher_id: int) -> None:
    """Tell the fetch counter whose key this is (it counts the answer after the view)."""
    keys: KeyDirectory = current_app.extensions["syndication.fetch_keys"]
    keys.learn(key_digest(secret), publisher_id)


def shared_items(app: Flask | None = None) -> SharedItems:
    """The application's store of partner-independent feed material."""
    shared: SharedItems = (app or current_app).extensions["syndication.shared"]
    return shared


def pixel_signer(app: Flask | None = None) -> PixelSigner:
    """The application's tracking-token signer."""
    signer: PixelSigner = (app or current_app).extensions["syndication.signer"]
    return signer


def presented_key() -> str:
    """The feed key the request carries: Bearer, Basic password, or ``?key=``."""
    auth = request.authorization
    if auth is not None:
        if auth.type == "bearer":
            return auth.token or ""
        if auth.type == "basic":
            return auth.password or ""
    return request.args.get("key", "")


def feed_settings(app: Flask) -> FeedSettings:
    """Site values for partner feeds; URL prefixes are built once, not per item."""
    config = app.config
    base = str(config["SITE_BASE_URL"]).rstrip("/")
    marker = "__slot__"

    def prefix(endpoint: str, **values: Any) -> str:
        return base + url_for(endpoint, **values).split(marker)[0]

    return FeedSettings(
        site_name=config["SITE_NAME"],
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


def _answer(entry: CachedFeed, fmt: str, settings: FeedSettings) -> Response:
    rep = entry.representation
    gzip = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    headers: dict[str, str] = {
        "Content-Type": entry.content_type,
        "ETag": rep.gzip_etag if gzip else rep.etag,
        "Cache-Control": PARTNER_CACHE_CONTROL,
        "Vary": VARY,
        "Referrer-Policy": "no-referrer",
    }
    if rep.last_modified_http:
        headers["Last-Modified"] = rep.last_modified_http
    if settings.hub_url:
        headers["Link"] = (
            f'<{settings.hub_url}>; rel="hub", <{settings.self_urls[fmt]}>; rel="self"'
        )
    if not_modified(
        rep, request.headers.get("If-None-Match", ""), request.headers.get("If-Modified-Since", "")
    ):
        del headers["Content-Type"]
        return Response(status=304, headers=headers)
    if gzip:
        headers["Content-Encoding"] = "gzip"
        return Response(rep.gzip_body, headers=headers)
    return Response(rep.body, headers=headers)


def _version(session: Session) -> ContentVersion:
    """The content version as this worker's watch knows it, or read through the request's
    session when the watch cannot read it."""
    try:
        return watched_version(watch_for(current_app))
    except Exception:
        current_app.logger.exception("The version watch failed; reading the version directly")
        return current_version(session)


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
    version = _version(session)
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
    scope = scope_signature(coverage)
    cache_key = (key.publisher_id, scope, fmt)
    cache = feed_cache()
    entry = cache.get(cache_key, version.number, now)
    settings = _settings()
    if entry is None:
        entry = render_partner_feed(
            session,
            publisher_id=key.publisher_id,
            publisher_name=key.publisher.name,
            coverage=coverage,
            fmt=fmt,
            now=now,
            version=version,
            settings=settings,
            signer=pixel_signer(),
            shared=shared_items(),
        )
        cache.put(cache_key, entry)
    learn_key(secret, key.publisher_id)
    request.environ[GRANT] = Grant(
        version=version.number,
        key_id=key.id,
        publisher_id=key.publisher_id,
        scope=scope,
        valid_until=coverage.next_change,
        last_used_at=last_used_at,
    )
    return _answer(entry, fmt, settings)


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
