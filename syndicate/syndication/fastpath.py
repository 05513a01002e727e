"""Partner feed cache hits answered below Flask, exactly as the feed view would answer them.

A WSGI middleware around the application. For ``GET``/``HEAD`` of ``/feeds/partner.rss``,
``.atom`` and ``.json`` it answers from the rendered-feed cache when, and only when, the
view would give the same answer without writing anything:

* the key was accepted by the view before, and what that acceptance rested on (the key,
  its publisher, the licences in force and their scope) was read at the database's current
  content version. Revoking or rotating a key, suspending a publisher and any licence
  change raise that version in the same transaction (see :mod:`.version`), and every
  worker knows the current version without a read per request (see :mod:`.watch`), so
  every worker and machine notices on its next request;
* no licence of the publisher starts or ends between then and now (time alone changes the
  scope without raising the version);
* the key's ``last_used_at`` is not yet due to be recorded again (the view records it at
  most once a minute);
* the cache holds an entry for that scope that is fresh at this version and this moment.

Anything else (unknown keys, refusals, misses, cookies, errors, other paths) goes to Flask
unchanged. When Flask has served a partner feed, the middleware keeps the grant the view
left in the environ (:mod:`.grants`): the view read the version before the key and the
licences, so the grant is never labelled with a version older than what it rests on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from feeds.http import accepts_gzip, not_modified
from licenses.keys import looks_like_feed_key
from syndicate.orm import utcnow
from syndicate.syndication.cache import CachedFeed, FeedCache
from syndicate.syndication.credentials import presented_digest, presented_key
from syndicate.syndication.fetches import FetchCountingMiddleware
from syndicate.syndication.grants import GRANT, Grant
from syndicate.syndication.render import FeedSettings
from syndicate.syndication.tally import Tally
from syndicate.syndication.views import PARTNER_CACHE_CONTROL, VARY
from syndicate.syndication.watch import watch_for
from syndicate.web.headers import CONTENT_SECURITY_POLICY

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

FEED_PATHS = {
    "/feeds/partner.rss": "rss",
    "/feeds/partner.atom": "atom",
    "/feeds/partner.json": "json",
}
# Flask adds "Cookie" to the view's Vary: every request looks at the session (sign-in checks).
VARY_SENT = VARY + ", Cookie"
# Grants are small; the bound only stops a flood of distinct keys from growing memory.
MAX_GRANTS = 50_000
# Bound on remembered Accept-Encoding values and on prepared answers.
MAX_MEMO = 1024


class FeedFastPath:
    """The middleware; ``served`` counts the requests it answered itself.

    Nothing on the way to a cached answer takes a lock (see :mod:`.tally` for why).
    """

    def __init__(self, app: Flask, wsgi_app: WSGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = enabled
        self.cache: FeedCache = app.extensions["syndication.cache"]
        self.watch = watch_for(app)
        self.fetches: FetchCountingMiddleware = app.extensions["syndication.fetch_counting"]
        self.production = app.config["ENV"] == "production"
        self.grants: dict[str, Grant] = {}
        self._gzip_memo: dict[str, bool] = {}
        self._answers: dict[
            tuple[int, bool, bool], tuple[CachedFeed, str, list[tuple[str, str]], bytes]
        ] = {}
        self._served: Tally[str] = Tally()
        self.learned = 0
        self._learn_lock = threading.Lock()

    @property
    def served(self) -> int:
        """How many requests the middleware has answered itself."""
        return self._served.total("served")

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer a partner feed cache hit here; hand everything else to Flask."""
        fmt = FEED_PATHS.get(environ.get("PATH_INFO", ""))
        if fmt is None or not self.enabled or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        # A cookie may carry a session the view would refresh: leave those to Flask.
        secret = None if environ.get("HTTP_COOKIE") else presented_key(environ)
        if not secret or not looks_like_feed_key(secret):
            return self.wsgi_app(environ, start_response)
        digest = presented_digest(environ, secret)
        grant = self.grants.get(digest)
        settings: FeedSettings | None = self.app.extensions.get("syndication.settings")
        if grant is not None and settings is not None:
            key = (grant.publisher_id, grant.scope, fmt)
            entry = self.cache.peek(key)
            if entry is None:
                # The view renders, and leaves its grant for the next request.
                return self._through_view(environ, start_response, digest)
            if entry.version == grant.version:
                try:
                    version = self.watch.stamp()[0]
                except Exception:  # the view answers, or reports the failure itself
                    self.app.logger.exception("Partner feed fast path could not read the version")
                    return self.wsgi_app(environ, start_response)
                now = utcnow()
                if grant.holds(version, now):
                    entry = self.cache.get(key, version, now)
                    if entry is None:
                        # Only the copy has expired: the view renders it again.
                        return self._through_view(environ, start_response, digest)
                    status, headers, body = self.respond(environ, entry, fmt, settings)
                    start_response(status, headers)
                    self.fetches.count(grant.publisher_id, now.date())
                    self._served.add("served")
                    return [body] if body else []
        return self._through_view(environ, start_response, digest)

    def respond(
        self, environ: dict[str, Any], entry: CachedFeed, fmt: str, settings: FeedSettings
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for a cached feed, as the view and Flask would send."""
        accept_encoding = environ.get("HTTP_ACCEPT_ENCODING", "")
        gzip = self._gzip_memo.get(accept_encoding)
        if gzip is None:
            gzip = accepts_gzip(accept_encoding)
            if len(self._gzip_memo) >= MAX_MEMO:
                self._gzip_memo.clear()
            self._gzip_memo[accept_encoding] = gzip
        fresh = not_modified(
            entry.representation,
            environ.get("HTTP_IF_NONE_MATCH", ""),
            environ.get("HTTP_IF_MODIFIED_SINCE", ""),
        )
        # The same entry, encoding and freshness always give the same answer: build it once.
        memo = (id(entry), gzip, fresh)
        known = self._answers.get(memo)
        if known is None or known[0] is not entry:
            known = (entry, *self._answer(entry, fmt, settings, gzip=gzip, fresh=fresh))
            if len(self._answers) >= MAX_MEMO:
                self._answers.clear()
            self._answers[memo] = known
        _entry, status, headers, body = known
        if environ.get("REQUEST_METHOD") == "HEAD":
            body = b""
        # A copy: the server may add to the list it is given.
        return status, list(headers), body

    def _answer(
        self, entry: CachedFeed, fmt: str, settings: FeedSettings, *, gzip: bool, fresh: bool
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        rep = entry.representation
        headers: list[tuple[str, str]] = []
        if not fresh:
            headers.append(("Content-Type", entry.content_type))
        headers += [
            ("ETag", rep.gzip_etag if gzip else rep.etag),
            ("Cache-Control", PARTNER_CACHE_CONTROL),
            ("Vary", VARY_SENT),
            ("Referrer-Policy", "no-referrer"),
        ]
        # Werkzeug drops Last-Modified from a 304 (an entity header), so it is sent with 200 only.
        if rep.last_modified_http and not fresh:
            headers.append(("Last-Modified", rep.last_modified_http))
        if settings.hub_url:
            link = f'<{settings.hub_url}>; rel="hub", <{settings.self_urls[fmt]}>; rel="self"'
            headers.append(("Link", link))
        body = b""
        if not fresh:
            body = rep.gzip_body if gzip else rep.body
            if gzip:
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(body))))
        # The security headers every response gets (syndicate.web.headers).
        headers += [
            ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
        ]
        if self.production:
            headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
        return ("304 NOT MODIFIED" if fresh else "200 OK"), headers, body

    def _through_view(
        self, environ: dict[str, Any], start_response: StartResponse, digest: str
    ) -> Iterable[bytes]:
        environ.pop(GRANT, None)
        statuses: list[str] = []

        def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *args)

        result = self.wsgi_app(environ, recording_start_response)
        # The view has committed by now, its key use included, and left what its answer
        # rested on (see .grants).
        grant = environ.pop(GRANT, None)
        if isinstance(grant, Grant) and statuses and statuses[-1].startswith(("200", "304")):
            self.learn(digest, grant)
        else:
            self.grants.pop(digest, None)
        return result

    def learn(self, digest: str, grant: Grant) -> None:
        """Serve the key of ``digest`` from the cache while ``grant`` holds."""
        if len(self.grants) >= MAX_GRANTS:
            self.grants.clear()
        self.grants[digest] = grant
        with self._learn_lock:
            self.learned += 1


def install(app: Flask) -> FeedFastPath:
    """Wrap ``app.wsgi_app``; ``FEEDS_FAST_PATH`` switches it on or off."""
    fast = FeedFastPath(app, app.wsgi_app, enabled=bool(app.config.get("FEEDS_FAST_PATH", True)))
    app.wsgi_app = fast  # type: ignore[method-assign]
    app.extensions["syndication.fastpath"] = fast
    return fast
