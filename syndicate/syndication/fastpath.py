"""Partner feed cache hits answered below Flask, exactly as the feed view would answer them.

A WSGI middleware. For ``GET``/``HEAD`` of ``/feeds/partner.rss``, ``.atom`` and ``.json``
without a cookie it answers from the store (:mod:`.cache`) when it holds, under the current
label (:mod:`.watch`), both the grant the view left for the presented key and the rendered
feed of that grant's scope. The view labels the grant with the version it read *before*
the key and the licences, and keeps it only until a licence starts or ends or the key's use
is due to be recorded again; revoking or rotating a key, suspending a publisher and any
licence change raise the version. Everything else goes to Flask unchanged.

It wraps the whole stack, request metrics included, and counts what it answers itself (a
failure in its own code as a 500): the metrics middleware would cost more than the answer
(see :mod:`syndicate.ops.metrics`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from feeds.http import answer
from licenses.keys import looks_like_feed_key
from syndicate.ops.metrics import TALLY, MetricsMiddleware
from syndicate.syndication.cache import store_for
from syndicate.syndication.credentials import presented_digest, presented_key
from syndicate.syndication.tagfilter import names_tag
from syndicate.syndication.watch import watch_for
from syndicate.web.headers import CONTENT_SECURITY_POLICY

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

FEED_PATHS = {f"/feeds/partner.{fmt}": fmt for fmt in ("rss", "atom", "json")}
STATUS = {200: "200 OK", 304: "304 NOT MODIFIED"}
# The headers syndicate.web.headers adds to every response, and in production.
SECURITY = [
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
]
PRODUCTION = [*SECURITY, ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")]


class FeedFastPath:
    """The middleware; :attr:`served` counts the requests it answered itself."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = enabled
        self.store = store_for(app)
        self.watch = watch_for(app)
        self.fetches = app.extensions["syndication.fetches"]
        self.production = app.config["ENV"] == "production"
        # The request counter's key for each answer this can give, as the metrics
        # middleware would label it.
        self.metrics: MetricsMiddleware = app.extensions["ops.metrics"]
        self.tally_keys = {
            (path, method, code): (self.metrics.match(method, path), method, str(code))
            for path in FEED_PATHS
            for method in ("GET", "HEAD")
            for code in STATUS
        }

    @property
    def served(self) -> int:
        """How many requests the middleware has answered itself."""
        return self.store.count("grant", "through")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer a partner feed cache hit here; hand everything else on."""
        path = environ.get("PATH_INFO", "")
        fmt = FEED_PATHS.get(path)
        method = environ.get("REQUEST_METHOD")
        if fmt is None or method not in ("GET", "HEAD") or not self.enabled:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        # A feed filtered by tag is the view's to answer (see .tagfilter). A cookie may
        # carry a session the view would refresh: leave those to Flask too.
        if environ.get("HTTP_COOKIE") or (environ.get("QUERY_STRING") and names_tag(environ)):
            return self.wsgi_app(environ, start_response)
        secret = presented_key(environ)
        if not secret or not looks_like_feed_key(secret):
            return self.wsgi_app(environ, start_response)
        try:
            label = self.watch.stamp()[:2]
        except Exception:  # the view answers, or reports the failure itself
            self.app.logger.exception("Partner feed fast path could not read the version")
            return self.wsgi_app(environ, start_response)
        try:
            now = datetime.now(UTC)
            grant = ("grant", presented_digest(environ, secret))
            found = self.store.get_through(grant, "feed", fmt, label, now)
            if found is not None:
                (publisher_id, _scope), entry = found
                status, headers, body = answer(entry.representation, environ)
                extra = PRODUCTION if self.production else SECURITY
                start_response(STATUS[status], [*headers, *extra])
                self.fetches.hit(publisher_id, now.date())
                TALLY.add(self.tally_keys[path, method, status], time.perf_counter() - started)
                return [body] if body and method == "GET" else []
        except Exception:  # the server answers 500: count it as the middleware would
            self.metrics.observe(environ, "500", time.perf_counter() - started)
            raise
        return self.wsgi_app(environ, start_response)


def install(app: Flask) -> FeedFastPath:
    """Wrap ``app.wsgi_app``, request metrics included; ``FEEDS_FAST_PATH`` switches it on
    or off."""
    fast = FeedFastPath(app, app.wsgi_app, enabled=bool(app.config.get("FEEDS_FAST_PATH", True)))
    app.wsgi_app = fast  # type: ignore[method-assign]
    app.extensions["syndication.fastpath"] = fast
    return fast
