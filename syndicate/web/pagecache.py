"""Anonymous public pages answered from memory, below Flask, exactly as Flask answered them.

A WSGI middleware around the application. For ``GET``/``HEAD`` of the public pages (home,
articles, sections, authors, search, ``/republish``, the public feeds and the sitemap) from
an anonymous client it keeps, per worker, the bytes and headers Flask sent with a ``200``
and answers the next identical request itself (``200``, ``304`` to a matching
``If-None-Match``, or a bodiless ``HEAD``), without rendering or querying content.

**Anonymous only.** A request carrying the application's session or remember-me cookie, or
an ``Authorization`` header, goes to Flask untouched: signed-in staff always get their own
private, unstored page. A response is kept only when it is a ``200`` to a ``GET`` with
``Cache-Control: public``, no ``Set-Cookie``, a ``Vary`` of at most ``Cookie`` and a
declared length under the per-entry limit.

**Correct for every worker.** Each request checks the content version
(:mod:`syndicate.syndication.version`), which every change to what these pages show raises
in the same transaction as the change (articles, images and their rights, corrections,
authors, sections, tags, comments…), as the worker's version watch knows it
(:mod:`syndicate.syndication.watch`: no read per request, and never older than the last
acknowledged change). An entry is labelled with the version
read *before* Flask rendered it, so a label is never newer than the content under it; it is
served only while the row still holds that label. The label pairs the number with the
moment of the last raise, so a raise that was rolled back and a later, different raise to
the same number (or a database restored from a backup) never look alike.

**Time.** What the public may read also changes with time alone: a scheduled story is
released, comments close after ``COMMENTS_CLOSE_AFTER_DAYS``. Each entry is therefore
valid until the earliest of ``SITE_PAGE_CACHE_MAX_AGE_SECONDS`` after the request began and
the next such moment (the earliest future release, partner embargo or comment closing among
all articles, found by one query per version and remembered with it).

**Staleness bound.** A content change is visible on the very next request to any worker.
A time-driven change is visible from its moment on. Only what the version does not cover
(configuration changes, which need a restart anyway, or a database restored to an older
version) can be served stale, for at most ``SITE_PAGE_CACHE_MAX_AGE_SECONDS``.

Memory is bounded per worker by ``SITE_PAGE_CACHE_MAX_BYTES`` (least recently used entries
go first). ``SITE_PAGE_CACHE = false`` sends everything to Flask.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
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
from syndicate.syndication.watch import NO_STAMP, Stamp, watch_for

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
StartResponse = Callable[..., Any]
Key = tuple[str, tuple[tuple[str, str], ...]]

PUBLIC_PATHS = frozenset(
    {
        "/",
        "/search",
        "/republish",
        "/feeds/public.rss",
        "/feeds/public.atom",
        "/sitemap.xml",
    }
)
PUBLIC_PATTERN = re.compile(r"/(?:articles|sections|authors)/[^/]+")
# Requests a stored copy cannot answer the way Flask would (ranges, preconditions).
FLASK_ONLY_HEADERS = ("HTTP_RANGE", "HTTP_IF_RANGE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
# One entry may take at most this share of the whole budget.
ENTRY_SHARE = 8
# Rough per-entry bookkeeping, so that many small pages still count against the budget.
ENTRY_OVERHEAD = 512


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


@dataclass(slots=True)
class Entry:
    """One stored answer: Flask's status line, headers and body, and how long it holds."""

    stamp: Stamp
    valid_until: float
    headers: list[tuple[str, str]]
    not_modified_headers: list[tuple[str, str]]
    # Where ``Date`` sits in each header list (-1: absent); it is refreshed on every answer.
    date_index: int
    not_modified_date_index: int
    body: bytes
    etag: str | None
    last_modified: str | None
    size: int

    def fresh(self, stamp: Stamp, now: float) -> bool:
        """Whether this answer is still what Flask would send at ``stamp`` and ``now``."""
        return self.stamp == stamp and now < self.valid_until


class PageStore:
    """Entries by request key, least recently used first out, bounded by total bytes."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_bytes // ENTRY_SHARE
        self.bytes = 0
        self._entries: OrderedDict[Key, Entry] = OrderedDict()
        self._stamp: Stamp = NO_STAMP
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> Entry | None:
        """The entry for ``key``, marked as recently used."""
        entry = self._entries.get(key)
        if entry is not None:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
        return entry

    @property
    def stamp(self) -> Stamp:
        """The content version the database showed last."""
        return self._stamp

    def observe(self, stamp: Stamp) -> None:
        """Record the version just read; a different one makes every entry useless."""
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._entries.clear()
                    self.bytes = 0
                    self._stamp = stamp

    def put(self, key: Key, entry: Entry) -> bool:
        """Keep ``entry`` if it was rendered at the version the database showed last."""
        if entry.size > self.max_entry_bytes:
            return False
        with self._lock:
            if entry.stamp != self._stamp:
                return False  # a change was seen while it was rendered
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= old.size
            self._entries[key] = entry
            self.bytes += entry.size
            while self.bytes > self.max_bytes and self._entries:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= evicted.size
        return True

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()
            self.bytes = 0


class _DateHeader:
    """``Date`` header values, formatted once per second."""

    def __init__(self) -> None:
        self._cached: tuple[int, str] = (0, "")

    def at(self, now: float) -> str:
        second = int(now)
        cached = self._cached
        if cached[0] != second:
            cached = (second, http_date(second))
            self._cached = cached
        return cached[1]


class PageCache:
    """The middleware. ``hits`` counts answers sent from memory (``not_modified`` the 304s
    among them), ``stores`` the answers kept, ``misses`` the public requests Flask answered
    and ``bypassed`` those that were not anonymous."""

    def __init__(
        self,
        app: Flask,
        wsgi_app: WSGIApp,
        *,
        enabled: bool = True,
        max_bytes: int = 32 * 1024 * 1024,
        max_age_seconds: float = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = enabled
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self.database: Database = app.extensions["syndicate.db"]
        self.watch = watch_for(app)
        self.store = PageStore(max_bytes)
        self.private_cookies = (
            str(app.config["SESSION_COOKIE_NAME"]) + "=",
            str(app.config["REMEMBER_COOKIE_NAME"]) + "=",
        )
        # The next time-driven change, as (stamp, computed from, moment or +inf).
        self._moment: tuple[Stamp, float, float] = (NO_STAMP, float("inf"), 0.0)
        self._dates = _DateHeader()
        self.hits = 0
        self.not_modified = 0
        self.misses = 0
        self.stores = 0
        self.bypassed = 0

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
            self.bypassed += 1
            return self.wsgi_app(environ, start_response)
        now = self.clock()
        try:
            stamp = self.watch.stamp()
        except Exception:  # Flask answers, or reports the failure itself
            self.app.logger.exception("Page cache could not read the content version")
            return self.wsgi_app(environ, start_response)
        store = self.store
        if stamp != store.stamp:
            store.observe(stamp)
        key: Key = (path, query_key(environ.get("QUERY_STRING", "")))
        entry = store.get(key)
        if entry is not None and entry.fresh(stamp, now):
            return self._answer(environ, start_response, entry, now)
        self.misses += 1
        if method != "GET":
            return self.wsgi_app(environ, start_response)
        return self._render(environ, start_response, key, stamp, now)

    def _answer(
        self, environ: dict[str, Any], start_response: StartResponse, entry: Entry, now: float
    ) -> Iterable[bytes]:
        self.hits += 1
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        # The validator sent back as it was given is a match (If-None-Match takes precedence
        # over If-Modified-Since); anything else is judged the way Werkzeug judges it.
        if (if_none_match is not None and if_none_match == entry.etag) or (
            (if_none_match is not None or "HTTP_IF_MODIFIED_SINCE" in environ)
            and not is_resource_modified(environ, entry.etag, last_modified=entry.last_modified)
        ):
            self.not_modified += 1
            headers = list(entry.not_modified_headers)
            date_index = entry.not_modified_date_index
            status, body = "304 NOT MODIFIED", b""
        else:
            headers = list(entry.headers)
            date_index = entry.date_index
            status = "200 OK"
            body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else entry.body
        if date_index >= 0:
            headers[date_index] = (headers[date_index][0], self._dates.at(now))
        start_response(status, headers)
        return [body] if body else []

    def _render(
        self,
        environ: dict[str, Any],
        start_response: StartResponse,
        key: Key,
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
        if not status.startswith("200 "):
            return None
        cache_control = vary = length = None
        for name, value in headers:
            lower = name.lower()
            if lower == "set-cookie":
                return None
            if lower == "cache-control":
                cache_control = value
            elif lower == "vary":
                vary = value
            elif lower == "content-length":
                length = value
        if cache_control is None or not cache_control.lower().startswith("public"):
            return None
        if vary is not None and any(
            part.strip().lower() not in ("cookie", "") for part in vary.split(",")
        ):
            return None
        if length is None or not length.isdigit():
            return None
        size = int(length)
        return size if size <= self.store.max_entry_bytes else None

    def _keep(
        self,
        key: Key,
        stamp: Stamp,
        started: float,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        valid_until = min(started + self.max_age_seconds, self._next_moment(stamp, started))
        if valid_until <= self.clock():
            return
        lowered = {name.lower(): value for name, value in headers}
        not_modified = [pair for pair in headers if pair[0].lower() != "content-length"]
        remove_entity_headers(not_modified)
        size = len(body) + sum(len(n) + len(v) for n, v in headers) + ENTRY_OVERHEAD
        entry = Entry(
            stamp=stamp,
            valid_until=valid_until,
            headers=headers,
            not_modified_headers=not_modified,
            date_index=_date_index(headers),
            not_modified_date_index=_date_index(not_modified),
            body=body,
            etag=lowered.get("etag"),
            last_modified=lowered.get("last-modified"),
            size=size,
        )
        if self.store.put(key, entry):
            self.stores += 1

    def _next_moment(self, stamp: Stamp, started: float) -> float:
        """The next time-driven change after ``started``, remembered per content version."""
        known_stamp, computed_from, moment = self._moment
        if known_stamp == stamp and computed_from <= started < moment:
            return moment
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
        self._moment = (stamp, started, moment)
        return moment


def _date_index(headers: list[tuple[str, str]]) -> int:
    return next((i for i, (name, _) in enumerate(headers) if name.lower() == "date"), -1)


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
