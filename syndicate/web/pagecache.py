"""Anonymous public pages answered from memory, below Flask, exactly as Flask answered them.

A WSGI middleware. For ``GET``/``HEAD`` of the public pages (home, articles, sections,
authors, search, ``/republish``, the public feeds, the sitemap) from a client with neither
the session nor the remember-me cookie nor an ``Authorization`` header, it keeps the bytes
and headers of Flask's ``200`` (``Cache-Control: public``, no ``Set-Cookie``, a ``Vary`` of at
most ``Cookie``, a declared length under an eighth of ``SITE_PAGE_CACHE_MAX_BYTES``) in the
store (:mod:`syndicate.syndication.cache`) and answers the next identical request itself:
``200``, ``304`` to a matching validator, or a bodiless ``HEAD``.

An entry is labelled with the stamp (content version, the moment it rose, discussion
version: :mod:`syndicate.syndication.watch`) read *before* Flask rendered it and is served
only under that stamp. Every change these pages show raises it (articles, images, rights,
corrections, authors, sections, tags, approved comments). Time alone also changes pages (a
release, an embargo, comments closing), so an entry holds until the earliest of
``SITE_PAGE_CACHE_MAX_AGE_SECONDS`` and the next such moment (one query per stamp).
Configuration changes need a restart. ``SITE_PAGE_CACHE = false`` sends everything to Flask.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask
from sqlalchemy import func, select
from werkzeug.http import http_date, is_resource_modified, remove_entity_headers

from syndicate.content.models import Article, ArticleStatus
from syndicate.database import Database
from syndicate.syndication.cache import Store, store_for
from syndicate.syndication.watch import Stamp, watch_for

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]

PUBLIC_PATHS = {"/", "/search", "/republish", "/feeds/public.rss", "/feeds/public.atom"}
PUBLIC_PATHS.add("/sitemap.xml")
PUBLIC_PATTERN = re.compile(r"/(?:articles|sections|authors)/[^/]+")
# Requests a stored copy cannot answer the way Flask would (ranges, preconditions).
FLASK_ONLY_HEADERS = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
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


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored answer: Flask's headers and body, and a 304's headers; ``Date``, when
    Flask sent one, is sent afresh with every answer."""

    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    dated: bool
    body: bytes
    etag: str | None
    last_modified: str | None


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
            or any(name in environ for name in FLASK_ONLY_HEADERS)
        ):
            return self.wsgi_app(environ, start_response)
        if not self.anonymous(environ):
            self.store.note("page", "bypassed")
            return self.wsgi_app(environ, start_response)
        now = self.clock()
        try:
            stamp = self.watch.stamp()
        except Exception:  # Flask answers, or reports the failure itself
            self.app.logger.exception("Page cache could not read the content version")
            return self.wsgi_app(environ, start_response)
        key = ("page", path, query_key(environ.get("QUERY_STRING", "")))
        entry = self.store.get(key, stamp, now)
        if entry is not None:
            return self._answer(environ, start_response, entry, now)
        if method != "GET":
            return self.wsgi_app(environ, start_response)
        return self._render(environ, start_response, key, stamp, now)

    def _answer(
        self, environ: dict[str, Any], start_response: StartResponse, entry: Entry, now: float
    ) -> Iterable[bytes]:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        # The validator sent back as it was given is a match (If-None-Match takes precedence
        # over If-Modified-Since); anything else is judged the way Werkzeug judges it.
        if (if_none_match is not None and if_none_match == entry.etag) or (
            (if_none_match is not None or "HTTP_IF_MODIFIED_SINCE" in environ)
            and not is_resource_modified(environ, entry.etag, last_modified=entry.last_modified)
        ):
            self.store.note("page", "not_modified")
            status, headers, body = "304 NOT MODIFIED", entry.not_modified_headers, b""
        else:
            status, headers = "200 OK", entry.headers
            body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else entry.body
        start_response(
            status, [*headers, ("Date", http_date(int(now)))] if entry.dated else headers[:]
        )
        return [body] if body else []

    def _render(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        key: tuple[str, str, Any],
        stamp: Stamp,
        started: float,
    ) -> Iterable[bytes]:
        captured: list[tuple[str, list[tuple[str, str]]]] = []

        def capturing_start_response(status: str, headers: Any, *args: Any) -> Any:
            captured.append((status, list(headers)))
            return start_response(status, headers, *args)

        result = self.wsgi_app(environ, capturing_start_response)
        if not captured:
            return result
        status, headers = captured[-1]
        length = self._storable(status, headers)
        if length is None:
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if len(body) == length:
            try:
                self._keep(key, stamp, started, headers, body)
            except Exception:  # keeping a copy is an optimisation only
                self.app.logger.exception("Page cache could not keep a page")
        return [body]

    def _storable(self, status: str, headers: list[tuple[str, str]]) -> int | None:
        """The declared length of a response that may be kept, else ``None``."""
        lowered = {name.lower(): value for name, value in headers}
        length = lowered.get("content-length", "")
        vary = {part.strip().lower() for part in lowered.get("vary", "").split(",")}
        if (
            not status.startswith("200 ")
            or "set-cookie" in lowered
            or not lowered.get("cache-control", "").lower().startswith("public")
            or not vary <= {"cookie", ""}
            or not length.isdigit()
            or int(length) > self.max_entry_bytes
        ):
            return None
        return int(length)

    def _keep(
        self,
        key: tuple[str, str, Any],
        stamp: Stamp,
        started: float,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        valid_until = min(started + self.max_age_seconds, self._next_moment(stamp, started))
        if valid_until <= self.clock():
            return
        lowered = {name.lower(): value for name, value in headers}
        headers = [pair for pair in headers if pair[0].lower() != "date"]
        not_modified = [pair for pair in headers if pair[0].lower() != "content-length"]
        remove_entity_headers(not_modified)
        entry = Entry(
            headers=headers,
            not_modified_headers=not_modified,
            dated="date" in lowered,
            body=body,
            etag=lowered.get("etag"),
            last_modified=lowered.get("last-modified"),
        )
        # A bound on what the entry holds: itself and its lists, its body, and each header.
        size = 1024 + sys.getsizeof(body)
        size += sum(120 + sys.getsizeof(n) + sys.getsizeof(v) for n, v in headers)
        if self.store.put(key, stamp, entry, size, valid_until):
            self.store.note("page", "stores")

    def _next_moment(self, stamp: Stamp, started: float) -> float:
        """The next time-driven change after ``started``, remembered per content version."""
        known = self.store.get(("page-moment",), stamp, started)
        if known is not None and known[0] <= started:
            return float(known[1])
        session = self.database.session()
        try:
            found = next_public_moment(
                session,
                datetime.fromtimestamp(started, UTC),
                int(self.app.config.get("COMMENTS_CLOSE_AFTER_DAYS", 0)),
            )
        finally:
            session.rollback()
            session.close()
        moment = found.timestamp() if found is not None else float("inf")
        self.store.put(("page-moment",), stamp, (started, moment), 100, moment)
        return moment


def install(app: Flask) -> PageCache:
    """Wrap ``app.wsgi_app`` with the page cache configured by ``SITE_PAGE_CACHE*``."""
    config = app.config
    cache = PageCache(
        app,
        app.wsgi_app,
        enabled=bool(config.get("SITE_PAGE_CACHE", True)),
        max_bytes=int(config.get("SITE_PAGE_CACHE_MAX_BYTES", 32 * 1024 * 1024)),
        max_age_seconds=float(config.get("SITE_PAGE_CACHE_MAX_AGE_SECONDS", 60)),
    )
    app.wsgi_app = cache  # type: ignore[method-assign]
    app.extensions["syndicate.pagecache"] = cache
    return cache
