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
unchanged. After Flask has served a partner feed with 200, the middleware learns the key's
grant with the same domain functions the view uses, reading the version first so that the
grant is never labelled with a version older than what it was computed from.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from feeds.http import accepts_gzip, not_modified
from licenses.coverage import publisher_coverage
from licenses.keys import LAST_USED_RESOLUTION, authenticate_feed_key, looks_like_feed_key
from licenses.models import License, LicenseStatus
from syndicate.database import Database
from syndicate.orm import utcnow
from syndicate.syndication.cache import CachedFeed, FeedCache
from syndicate.syndication.credentials import presented_digest, presented_key
from syndicate.syndication.fetches import FetchCountingMiddleware
from syndicate.syndication.render import FeedSettings, scope_signature
from syndicate.syndication.version import current_version
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


@dataclass(frozen=True, slots=True)
class Grant:
    """What the view's acceptance of one key rested on, and until when it holds."""

    version: int
    key_id: int
    publisher_id: int
    scope: tuple[Any, ...]
    valid_until: datetime | None
    last_used_at: datetime | None

    def holds(self, version: int, now: datetime) -> bool:
        """Whether the view would accept the key at ``now`` without recording its use."""
        return (
            self.version == version
            and (self.valid_until is None or now < self.valid_until)
            and self.last_used_at is not None
            and now - self.last_used_at < LAST_USED_RESOLUTION
        )


class FeedFastPath:
    """The middleware; ``served`` counts the requests it answered itself."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = enabled
        self.database: Database = app.extensions["syndicate.db"]
        self.cache: FeedCache = app.extensions["syndication.cache"]
        self.watch = watch_for(app)
        self.fetches: FetchCountingMiddleware = app.extensions["syndication.fetch_counting"]
        self.production = app.config["ENV"] == "production"
        self.grants: dict[str, Grant] = {}
        self._gzip_memo: dict[str, bool] = {}
        self._answers: dict[
            tuple[int, bool, bool], tuple[CachedFeed, str, list[tuple[str, str]], bytes]
        ] = {}
        self.served = 0
        self.learned = 0
        self._count_lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer a partner feed cache hit here; hand everything else to Flask."""
        fmt = FEED_PATHS.get(environ.get("PATH_INFO", ""))
        if fmt is None or not self.enabled or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        # A cookie may carry a session the view would refresh: leave those to Flask.
        secret = None if environ.get("HTTP_COOKIE") else presented_key(environ)
        if not secret or not looks_like_feed_key(secret):
            return self.wsgi_app(environ, start_response)
        digest = presented_digest(environ)
        grant = self.grants.get(digest)
        settings: FeedSettings | None = self.app.extensions.get("syndication.settings")
        if grant is not None and settings is not None:
            key = (grant.publisher_id, grant.scope, fmt)
            entry = self.cache.peek(key)
            if entry is None:
                # The view renders; the next request shows whether the grant still holds.
                return self.wsgi_app(environ, start_response)
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
                        # Only the copy has expired: the view renders, the grant stands.
                        return self.wsgi_app(environ, start_response)
                    status, headers, body = self.respond(environ, entry, fmt, settings)
                    start_response(status, headers)
                    self.fetches.count(grant.publisher_id, now.date())
                    with self._count_lock:
                        self.served += 1
                    return [body] if body else []
        return self._through_view(environ, start_response, secret, digest)

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
        self, environ: dict[str, Any], start_response: StartResponse, secret: str, digest: str
    ) -> Iterable[bytes]:
        statuses: list[str] = []

        def recording_start_response(status: str, headers: Any, *args: Any) -> Any:
            statuses.append(status)
            return start_response(status, headers, *args)

        result = self.wsgi_app(environ, recording_start_response)
        # The view has committed by now: its key use is recorded and visible.
        if statuses and statuses[-1].startswith(("200", "304")):
            try:
                self.learn(secret, digest)
            except Exception:  # learning is an optimisation only
                self.app.logger.exception("Partner feed fast path could not learn a key")
        return result

    def learn(self, secret: str, digest: str) -> Grant | None:
        """Record what the view's acceptance of ``secret`` rests on, at the current version."""
        session = self.database.session()
        try:
            # The version first: anything read after it is at least that new, so a grant is
            # never used at a version that would hide a later change.
            version = current_version(session).number
            now = utcnow()
            key = authenticate_feed_key(session, secret, now)
            if key is None or key.last_used_at == now:
                # Refused, or its use is due to be recorded: nothing the fast path may serve.
                self.grants.pop(digest, None)
                return None
            coverage = publisher_coverage(session, key.publisher_id, now)
            if coverage.empty:
                self.grants.pop(digest, None)
                return None
            grant = Grant(
                version=version,
                key_id=key.id,
                publisher_id=key.publisher_id,
                scope=scope_signature(coverage),
                valid_until=self._next_licence_change(session, key.publisher_id, now),
                last_used_at=key.last_used_at,
            )
        finally:
            # Read only: authenticate_feed_key may have stamped last_used_at; never keep it.
            session.rollback()
            session.close()
        if len(self.grants) >= MAX_GRANTS:
            self.grants.clear()
        self.grants[digest] = grant
        with self._count_lock:
            self.learned += 1
        return grant

    @staticmethod
    def _next_licence_change(session: Any, publisher_id: int, now: datetime) -> datetime | None:
        """The next moment a licence of the publisher starts or ends (scope changes then)."""
        rows = session.execute(
            select(License.starts_at, License.ends_at).where(
                License.publisher_id == publisher_id, License.status == LicenseStatus.ACTIVE
            )
        ).all()
        moments = [
            moment
            for row in rows
            for moment in (row.starts_at, row.ends_at)
            if moment and moment > now
        ]
        return min(moments, default=None)


def install(app: Flask) -> FeedFastPath:
    """Wrap ``app.wsgi_app``; ``FEEDS_FAST_PATH`` switches it on or off."""
    fast = FeedFastPath(app, app.wsgi_app, enabled=bool(app.config.get("FEEDS_FAST_PATH", True)))
    app.wsgi_app = fast  # type: ignore[method-assign]
    app.extensions["syndication.fastpath"] = fast
    return fast
