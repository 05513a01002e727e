"""Anonymous public pages answered from memory, below Flask, exactly as Flask answered them.

A WSGI middleware. For ``GET``/``HEAD`` of the public pages (home, articles, sections,
authors, tags, search, ``/republish``, the public feeds, the sitemaps) from a client with
neither the session nor the remember-me cookie nor an ``Authorization`` header, it keeps the
representation the page left in the environ (:func:`syndicate.web.headers.make_public_cacheable`:
both encodings) with the headers of Flask's ``200`` (``Cache-Control: public``, no
``Set-Cookie``, a ``Vary`` of at most ``Cookie`` and ``Accept-Encoding``, under an eighth of
``SITE_PAGE_CACHE_MAX_BYTES`` in all) in the store (:mod:`syndicate.syndication.cache`), and
answers the next request for it as Flask did (:func:`feeds.http.answer`). It wraps the
request metrics and counts the answers it gives itself, under the endpoint the metrics gave
the page when Flask answered it (a failure in its own code as a 500).

An entry is labelled with the stamp (content version, the moment it rose, discussion
version: :mod:`syndicate.syndication.watch`) read *before* Flask rendered it and is served
only under that stamp. Every change these pages show raises it (articles, images, rights,
corrections, authors, sections, tags, approved comments). Time alone also changes pages (a
release, an embargo, comments closing), so an entry holds until the earliest of
``SITE_PAGE_CACHE_MAX_AGE_SECONDS`` and the next such moment (one query per stamp); the news
sitemap, whose window moves with the clock, is not kept. Configuration changes need a
restart. ``SITE_PAGE_CACHE = false`` sends everything to Flask.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from sqlalchemy import func, select

from feeds.http import PER_ANSWER, Representation, answer
from syndicate.content.models import Article, ArticleStatus
from syndicate.database import Database
from syndicate.ops.metrics import TALLY, MetricsMiddleware
from syndicate.syndication.cache import Store, store_for
from syndicate.syndication.watch import Stamp, watch_for
from syndicate.web.headers import REPRESENTATION

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

PUBLIC_PATHS = {"/", "/search", "/republish", "/feeds/public.rss", "/feeds/public.atom"}
PUBLIC_PATHS |= {"/sitemap.xml", "/robots.txt"}
PUBLIC_PATTERN = re.compile(
    r"/(?:articles|sections|authors|tags)/[^/]+|/sitemaps/(?!news\.xml$)[^/]+\.xml"
)
STATUS = {200: "200 OK", 304: "304 NOT MODIFIED"}
CODE = {200: "200", 304: "304"}
# One entry may take at most this share of the page budget.
ENTRY_SHARE = 8


def is_public_path(path: str) -> bool:
    """Whether ``path`` is one of the anonymous public pages the cache may keep."""
    return path in PUBLIC_PATHS or PUBLIC_PATTERN.fullmatch(path) is not None


def query_key(query: str) -> tuple[tuple[str, str], ...]:
    """The query string as Flask reads it, names in order; repeated names keep their order."""
    if not query:
        return ()
    pairs = parse_qsl(
        query.encode("latin1").decode(), keep_blank_values=True, errors="werkzeug.url_quote"
    )
    return tuple(sorted(pairs, key=lambda pair: pair[0]))


def next_public_moment(session: Any, now: datetime, close_after_days: int) -> datetime | None:
    """The next moment after ``now`` at which time alone changes a public page, if any.

    A release (scheduled story going public), a partner embargo starting, or an article's
    comments closing automatically. One statement; the release uses the status/release index.
    """
    columns: list[Any] = [
        select(func.min(Article.released_at))
        .where(
            Article.status.in_([ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED]),
            Article.released_at > now,
        )
        .scalar_subquery(),
        select(func.min(Article.embargo_preview_at))
        .where(Article.embargo_preview_at > now)
        .scalar_subquery(),
    ]
    if close_after_days > 0:
        columns.append(
            select(func.min(Article.first_published_at))
            .where(
                Article.comments_open.is_(True),
                Article.first_published_at > now - timedelta(days=close_after_days),
            )
            .scalar_subquery()
        )
    row = session.execute(select(*columns)).one()
    moments = [m for m in row[:2] if m is not None]
    if close_after_days > 0 and row[2] is not None:
        moments.append(row[2] + timedelta(days=close_after_days))
    return min(moments, default=None)


class PageCache:
    """The middleware; its counts (:attr:`hits`, :attr:`not_modified`, :attr:`misses`,
    :attr:`stores`, :attr:`bypassed`) are kept by the store under the kind ``page``."""

    def __init__(
        self,
        app: Flask,
        wsgi_app: WSGIApp,
        *,
        enabled: bool = True,
        max_bytes: int = 32 * 1024 * 1024,
        max_age_seconds: float = 60,
        clock: Callable[[], float] = time.time,
        store: Store | None = None,
    ) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = enabled
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self.database: Database = app.extensions["syndicate.db"]
        self.watch = watch_for(app)
        self.store = store if store is not None else store_for(app)
        self.metrics: MetricsMiddleware = app.extensions["ops.metrics"]
        self.max_entry_bytes = max_bytes // ENTRY_SHARE
        self.private_cookies = (
            str(app.config["SESSION_COOKIE_NAME"]) + "=",
            str(app.config["REMEMBER_COOKIE_NAME"]) + "=",
        )

    def __getattr__(self, event: str) -> int:
        if event in ("hits", "not_modified", "misses", "stores", "bypassed"):
            return self.store.count("page", event)
        raise AttributeError(event)

    def anonymous(self, environ: dict[str, Any]) -> bool:
        """No credentials: no ``Authorization`` and neither of the app's sign-in cookies."""
        if "HTTP_AUTHORIZATION" in environ:
            return False
        cookie = environ.get("HTTP_COOKIE")
        return not cookie or not any(name in cookie for name in self.private_cookies)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer an anonymous public page from memory when the stored copy still holds."""
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if (
            not self.enabled
            or (method != "GET" and method != "HEAD")
            or not is_public_path(path)
            or "HTTP_IF_MATCH" in environ  # Flask's to judge (see make_public_cacheable)
        ):
            return self.wsgi_app(environ, start_response)
        if not self.anonymous(environ):
            self.store.note("page", "bypassed")
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        now = self.clock()
        try:
            stamp = self.watch.stamp()
        except Exception:  # Flask answers, or reports the failure itself
            self.app.logger.exception("Page cache could not read the content version")
            return self.wsgi_app(environ, start_response)
        try:
            key = ("page", path, query_key(environ.get("QUERY_STRING", "")))
            found: tuple[Representation, str] | None = self.store.get(key, stamp, now)
            if found is not None:
                rep, route = found
                status, headers, body = answer(rep, environ)
                if status == 304:
                    self.store.note("page", "not_modified")
                start_response(STATUS[status], list(headers))
                TALLY.add((route, method, CODE[status]), time.perf_counter() - started)
                return [body] if body and method == "GET" else []
        except Exception:  # the server answers 500: count it as the middleware would
            self.metrics.observe(environ, "500", time.perf_counter() - started)
            raise

        def keeping(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            kept = environ.get(REPRESENTATION)
            if kept is not None and status.startswith("200 "):
                try:
                    self._keep(key, stamp, now, kept, headers, self.metrics.route(environ))
                except Exception:  # keeping a copy is an optimisation only
                    self.app.logger.exception("Page cache could not keep a page")
            return start_response(status, headers, *args)

        return self.wsgi_app(environ, keeping)

    def _keep(
        self,
        key: tuple[str, str, Any],
        stamp: Stamp,
        started: float,
        rep: Representation,
        headers: list[tuple[str, str]],
        route: str,
    ) -> None:
        """Keep ``rep`` with the headers of Flask's ``200`` when they allow it, and the
        endpoint (``route``) its answers are counted under."""
        lowered = {name.lower(): value for name, value in headers}
        vary = {part.strip().lower() for part in lowered.get("vary", "").split(",")}
        # Flask's final headers (its own and the security ones); the answers start afresh.
        kept = tuple(pair for pair in headers if pair[0].lower() not in PER_ANSWER)
        rep = replace(rep, headers=kept, answers={})
        if (
            "set-cookie" in lowered
            or not lowered.get("cache-control", "").lower().startswith("public")
            or not vary <= {"cookie", "accept-encoding", ""}
            or rep.size > self.max_entry_bytes
        ):
            return
        valid_until = min(started + self.max_age_seconds, self._next_moment(stamp, started))
        if valid_until > self.clock() and self.store.put(
            key, stamp, (rep, route), rep.size, valid_until
        ):
            self.store.note("page", "stores")

    def _next_moment(self, stamp: Stamp, started: float) -> float:
        """The next time-driven change after ``started``, remembered per content version."""
        known = self.store.get(("page-moment",), stamp, started)
        if known is not None and known[0] <= started:
            return float(known[1])
        with self.database.session() as session:
            found = next_public_moment(
                session,
                datetime.fromtimestamp(started, UTC),
                int(self.app.config["COMMENTS_CLOSE_AFTER_DAYS"]),
            )
        moment = found.timestamp() if found is not None else float("inf")
        self.store.put(("page-moment",), stamp, (started, moment), 100, moment)
        return moment


def install(app: Flask) -> PageCache:
    """Wrap ``app.wsgi_app`` with the page cache configured by ``SITE_PAGE_CACHE*``."""
    config = app.config
    cache = PageCache(
        app,
        app.wsgi_app,
        enabled=bool(config["SITE_PAGE_CACHE"]),
        max_bytes=int(config["SITE_PAGE_CACHE_MAX_BYTES"]),
        max_age_seconds=float(config["SITE_PAGE_CACHE_MAX_AGE_SECONDS"]),
    )
    app.wsgi_app = app.extensions["syndicate.pagecache"] = cache  # type: ignore[method-assign]
    return cache
