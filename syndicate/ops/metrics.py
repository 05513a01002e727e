"""Prometheus metrics at ``METRICS_PATH``, through ``prometheus_client``.

**What.** Requests and their latency by route (the URL rule's endpoint name, never the raw
path, so the number of series stays bounded), feed fetches by feed and status, the
in-process caches' hits and misses (and their ratio), and, read from the database when
scraped, the outbox's depth and dead letters and the outbox worker's heartbeat.

**Several workers.** ``syndicate serve`` points ``PROMETHEUS_MULTIPROC_DIR`` at a fresh
folder before anything imports ``prometheus_client``; each gunicorn worker then writes its
counts there and a scrape, answered by any worker, sums every worker's files
(``MultiProcessCollector``). Without the variable (tests, ``flask run``) the counts are this
process's own. Database figures are read by the worker answering the scrape, so they are the
same whichever answers.

**Who may read.** A client whose address is in ``METRICS_ALLOWED_ADDRESSES`` (networks, as
the application sees the address: behind a proxy set ``trusted_proxies``), or one sending
``Authorization: Bearer TOKEN`` whose SHA-256 is ``METRICS_TOKEN_SHA256`` (compared in
constant time; the configuration holds only the hash). Anyone else gets 401 (a token is
configured) or 403. With neither configured nobody may read.

**Where counted.** :class:`MetricsMiddleware` wraps Flask. The page cache and the partner
feed fast path wrap it and count the answers they give from memory in the same
:class:`Tally`, under the labels the middleware would give them
(:mod:`syndicate.web.pagecache`, :mod:`syndicate.syndication.fastpath`).

**When written.** A request adds to this process's :class:`Tally` (one append to a deque);
a background thread adds the tally, and the caches' hits and misses, to the Prometheus values
every ``METRICS_FLUSH_SECONDS``, and so do a scrape (before it reads) and gunicorn's
``worker_exit``. In multiprocess mode each Prometheus write is a locked write to a
memory-mapped file after a ``getpid()`` call, and a request made four: nearly 40 % of the
work of a cached partner feed answer when each request wrote them. A scrape therefore
shows the other workers' counts as of their last flush, at most that many seconds old, and
a worker killed outright loses at most that much. The latency histogram is kept as two
counters (observations by bucket, and seconds) and shown as a histogram by the scrape: a
bucket's count can only be added to one observation at a time through the histogram.
"""

from __future__ import annotations

import glob
import hashlib
import hmac
import ipaddress
import logging
import os
import threading
import time
import weakref
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, Response, current_app, request
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.utils import floatToGoString
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.wsgi import get_path_info

from syndicate.config import ConfigError
from syndicate.forking import reset_after_fork
from syndicate.ops.heartbeat import last_heartbeat
from syndicate.orm import utcnow
from syndicate.outbox.models import MessageStatus, OutboxMessage
from syndicate.web.db import database

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# This process's own metrics (in multiprocess mode the values live in files instead).
LOCAL = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "syndicate_http_requests",
    "HTTP requests answered, by route (endpoint), method and status.",
    ["route", "method", "status"],
    registry=LOCAL,
)
LATENCY_NAME = "syndicate_http_request_duration_seconds"
LATENCY_HELP = "Time to answer a request (until the body is handed to the server), by route."
LATENCY_BOUNDS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Upper bounds as the exposition writes them, the last one +Inf.
LATENCY_LE = tuple(floatToGoString(b) for b in (*LATENCY_BOUNDS, float("inf")))
# The histogram's parts, stored as counters and shown only as the histogram (see Exposition).
BUCKETS_NAME = "syndicate_http_request_latency_observations"
SECONDS_NAME = "syndicate_http_request_latency_seconds"
LATENCY_BUCKETS = Counter(
    BUCKETS_NAME,
    "Requests by route and latency bucket (not cumulative); shown as the histogram.",
    ["route", "le"],
    registry=LOCAL,
)
LATENCY_SECONDS = Counter(
    SECONDS_NAME,
    "Seconds spent answering, by route; shown as the histogram's sum.",
    ["route"],
    registry=LOCAL,
)
FEED_FETCHES = Counter(
    "syndicate_feed_fetches",
    "Feed requests answered, by feed (endpoint) and status (304s are conditional fetches).",
    ["feed", "status"],
    registry=LOCAL,
)
CACHE_HITS = Counter(
    "syndicate_cache_hits", "In-process cache hits, by kind.", ["cache"], registry=LOCAL
)
CACHE_MISSES = Counter(
    "syndicate_cache_misses", "In-process cache misses, by kind.", ["cache"], registry=LOCAL
)

FEED_ENDPOINTS = frozenset(
    {
        "public.feed_rss",
        "public.feed_atom",
        "syndication.partner_rss",
        "syndication.partner_atom",
        "syndication.partner_json",
    }
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Routes outside the URL map share one label each.
UNMATCHED = "(unmatched)"
REDIRECT = "(redirect)"
# Paths remembered with their endpoint (for answers given below Flask); cleared when full.
ROUTE_MEMORY = 4096
# Requests waiting in a tally's deque that the next request folds in itself.
BATCH = 4096
# A worker's metrics file starts with how much of it is used (see SettledFiles).
FILE_HEADER_BYTES = 8


def multiprocess_directory() -> str | None:
    """The folder the workers share their counts through, when several serve."""
    return os.environ.get(MULTIPROC_ENV) or None


class CacheCounts:
    """Copies the cache store's cumulative hits and misses into the counters, as deltas."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.seen: dict[tuple[str, str], int] = {}
        self.lock = threading.Lock()

    def read(self) -> dict[tuple[str, str], int]:
        """Cumulative ``(kind, "hits"|"misses") -> count`` from whatever the caches expose."""
        store = self.app.extensions.get("syndicate.cache_store")
        stats = getattr(store, "stats", None)
        if stats is None:
            return {}
        figures = stats()
        by_kind = figures.get("by_kind") or {"all": figures}
        return {
            (str(kind), event): int(counts.get(event, 0))
            for kind, counts in by_kind.items()
            for event in ("hits", "misses")
        }

    def sync(self) -> None:
        """Add what the caches counted since the last sync (a flush calls it)."""
        with self.lock:
            for (kind, event), total in self.read().items():
                before = self.seen.get((kind, event), 0)
                # A store that was replaced starts again from zero: count it afresh.
                delta = total - before if total >= before else total
                if delta:
                    counter = CACHE_HITS if event == "hits" else CACHE_MISSES
                    counter.labels(cache=kind).inc(delta)
                self.seen[kind, event] = total


class Tally:
    """This process's requests since the last flush.

    A request only appends ``(key, seconds)`` to ``recent`` (a deque: its appends and pops
    are documented thread-safe). Under ``lock`` they are folded into ``pending``: per
    (route, method, status), the seconds spent and the count in each latency bucket; a
    flush folds first, and so does a request that finds ``BATCH`` waiting. ``flushing``
    makes a flush whole, so one that returns has written every request recorded before it
    began, whatever other thread was flushing meanwhile. A flush also copies the cache
    counts of every application counted here (:class:`CacheCounts`) into the counters.
    """

    # Seconds between flushes; set from the configuration by install().
    interval = 1.0

    def __init__(self) -> None:
        self._reset()
        # Kept across a fork: the applications a forked worker serves are its parent's.
        self.caches: weakref.WeakSet[CacheCounts] = weakref.WeakSet()

    def _reset(self) -> None:
        self.lock = threading.Lock()
        self.flushing = threading.Lock()
        self.recent: deque[tuple[tuple[str, str, str], float]] = deque()
        self.pending: dict[tuple[str, str, str], list[float]] = {}
        self.flusher: threading.Thread | None = None

    def after_fork(self) -> None:
        """In a forked child: the parent's counts are the parent's to write, its locks may
        have been held at the fork, and its flusher thread did not come along."""
        self._reset()
        for counts in self.caches:
            counts.lock = threading.Lock()

    def add(self, key: tuple[str, str, str], seconds: float) -> None:
        """Count one request of ``key`` (route, method, status) that took ``seconds``."""
        self.recent.append((key, seconds))
        # Reading ``flusher`` unlocked is only a hint: it is checked again under the lock.
        if self.flusher is None or len(self.recent) >= BATCH:
            with self.lock:
                self._fold()
                if self.flusher is None:
                    self.flusher = threading.Thread(
                        target=self._flush_forever, name="syndicate-metrics-flush", daemon=True
                    )
                    self.flusher.start()

    def _fold(self) -> None:
        # With the lock held: only folding pops, so every request counted is still there.
        recent, pending = self.recent, self.pending
        for _ in range(len(recent)):
            key, seconds = recent.popleft()
            entry = pending.get(key)
            if entry is None:
                entry = pending[key] = [0.0] * (len(LATENCY_LE) + 1)
            entry[0] += seconds
            # bisect_left finds the first bound >= seconds, as a histogram's "le" does.
            entry[1 + bisect_left(LATENCY_BOUNDS, seconds)] += 1

    def flush(self) -> None:
        """Add everything counted so far, and the caches' counts, to the Prometheus values."""
        with self.flushing:
            for counts in list(self.caches):
                counts.sync()
            with self.lock:
                self._fold()
                pending, self.pending = self.pending, {}
            for (route, method, status), entry in pending.items():
                count = sum(entry[1:])
                REQUESTS.labels(route=route, method=method, status=status).inc(count)
                if route in FEED_ENDPOINTS:
                    FEED_FETCHES.labels(feed=route, status=status).inc(count)
                LATENCY_SECONDS.labels(route=route).inc(entry[0])
                for le, observed in zip(LATENCY_LE, entry[1:], strict=True):
                    if observed:
                        LATENCY_BUCKETS.labels(route=route, le=le).inc(observed)

    def _flush_forever(self) -> None:
        pause = threading.Event()  # waits without time.sleep, which tests may replace
        while True:
            pause.wait(self.interval)
            try:
                self.flush()
            except Exception:  # the thread must outlive a failed write
                log.exception("metrics: writing the request counts failed")


# One per process, like the Prometheus values it writes to.
TALLY = Tally()
reset_after_fork(TALLY)


def flush() -> None:
    """Write this process's pending request counts (gunicorn's ``worker_exit`` calls it)."""
    TALLY.flush()


class MetricsMiddleware:
    """Counts and times every request, labelled with the endpoint its path matches."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.caches = CacheCounts(app)
        TALLY.caches.add(self.caches)
        self.lock = threading.Lock()
        # (method, path) -> endpoint, for answers given below Flask (cleared when full).
        self.routes: dict[tuple[str, str], str] = {}

    def match(self, method: str, path: str) -> str:
        """The endpoint name of the rule ``method`` and ``path`` match, or a shared label."""
        adapter = self.app.url_map.bind("metrics.invalid")
        try:
            endpoint, _args = adapter.match(path, method)
        except RequestRedirect:
            return REDIRECT
        except HTTPException:
            return UNMATCHED
        return str(endpoint)

    def route(self, environ: dict[str, Any]) -> str:
        """The request's endpoint: Flask's own match when Flask answered, else matched here."""
        rule = getattr(environ.get("werkzeug.request"), "url_rule", None)
        if rule is not None:
            return str(rule.endpoint)
        # Keyed on the raw PATH_INFO; decoded only to match. A lone dict read needs no lock
        # (dicts guard their own reads and writes, with or without the interpreter lock).
        key = (str(environ.get("REQUEST_METHOD", "")), str(environ.get("PATH_INFO", "")))
        found = self.routes.get(key)
        if found is None:
            found = self.match(key[0], get_path_info(environ))
            with self.lock:
                if len(self.routes) >= ROUTE_MEMORY:
                    self.routes.clear()
                self.routes[key] = found
        return found

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        status = ["500"]

        def _start(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = code[:3]
            return start_response(code, headers, exc_info)

        try:
            return self.wsgi_app(environ, _start)
        finally:
            self.observe(environ, status[0], time.perf_counter() - started)

    def observe(self, environ: dict[str, Any], status: str, seconds: float) -> None:
        """Count one answered request."""
        route = self.route(environ)
        method = str(environ.get("REQUEST_METHOD", ""))
        TALLY.add((route, method if method in METHODS else "other", status), seconds)


class DatabaseFigures:
    """The outbox and the worker's heartbeat, read when scraped (same on every worker).

    Read in a short session of their own: when the database does not answer, the scrape
    still shows the request-side counts, with ``syndicate_database_up 0``.
    """

    def collect(self) -> Iterator[Metric]:
        """Yield the figures."""
        try:
            with database().session() as session:
                try:
                    figures = list(self._read(session))
                finally:
                    session.rollback()
        except SQLAlchemyError:
            log.warning("metrics: the database does not answer", exc_info=True)
            figures = []
        yield GaugeMetricFamily(
            "syndicate_database_up",
            "Whether the database answered this scrape.",
            value=1 if figures else 0,
        )
        yield from figures

    @staticmethod
    def _read(session: Session) -> Iterator[Metric]:
        def count(status: MessageStatus) -> int:
            query = select(func.count()).select_from(OutboxMessage)
            return int(session.scalar(query.where(OutboxMessage.status == status)) or 0)

        yield GaugeMetricFamily(
            "syndicate_outbox_depth",
            "Outbox messages waiting to be delivered.",
            value=count(MessageStatus.PENDING),
        )
        yield GaugeMetricFamily(
            "syndicate_outbox_dead_letters",
            "Outbox messages given up after their last attempt.",
            value=count(MessageStatus.DEAD),
        )
        beat = last_heartbeat(session)
        if beat is not None:
            yield GaugeMetricFamily(
                "syndicate_worker_heartbeat_timestamp_seconds",
                "When the outbox worker last finished a round (Unix time).",
                value=beat.at.timestamp(),
            )
            yield GaugeMetricFamily(
                "syndicate_worker_heartbeat_age_seconds",
                "Seconds since the outbox worker last finished a round.",
                value=max(0.0, (utcnow() - beat.at).total_seconds()),
            )
            yield CounterMetricFamily(
                "syndicate_worker_rounds", "Rounds the outbox worker has run.", value=beat.rounds
            )


def _counts(family: Metric, *labels: str) -> Iterator[tuple[tuple[str, ...], float]]:
    """A counter family's totals, keyed by the values of ``labels``."""
    for sample in family.samples:
        if sample.name.endswith("_total"):
            yield tuple(sample.labels.get(label, "") for label in labels), sample.value


def latency_histogram(buckets: Metric | None, seconds: Metric | None) -> HistogramMetricFamily:
    """The latency histogram, from its bucket and seconds counters (summed over workers)."""
    histogram = HistogramMetricFamily(LATENCY_NAME, LATENCY_HELP, labels=["route"])
    observed: dict[str, dict[str, float]] = {}
    sums: dict[str, float] = {}
    for (route, le), value in _counts(buckets, "route", "le") if buckets else ():
        by_le = observed.setdefault(route, {})
        by_le[le] = by_le.get(le, 0.0) + value
    for (route,), value in _counts(seconds, "route") if seconds else ():
        sums[route] = sums.get(route, 0.0) + value
    for route in sorted(observed):
        cumulative, points = 0.0, []
        for le in LATENCY_LE:
            cumulative += observed[route].get(le, 0.0)
            points.append((le, cumulative))
        histogram.add_metric([route], points, sums.get(route, 0.0))
    return histogram


class Exposition:
    """Everything a scrape shows: the request-side counts (summed over workers in
    multiprocess mode), the latency histogram and the cache hit ratio computed from them,
    and the database figures."""

    def __init__(self, source: Any) -> None:
        self.source = source

    def collect(self) -> Iterator[Metric]:
        """Yield every family."""
        totals: dict[str, dict[str, float]] = {"hits": {}, "misses": {}}
        latency: dict[str, Metric] = {}
        for family in self.source.collect():
            if family.name in (BUCKETS_NAME, SECONDS_NAME):
                latency[family.name] = family
                continue
            for event in ("hits", "misses"):
                if family.name == f"syndicate_cache_{event}":
                    for sample in family.samples:
                        if sample.name.endswith("_total"):
                            kind = sample.labels.get("cache", "")
                            totals[event][kind] = totals[event].get(kind, 0) + sample.value
            yield family
        yield latency_histogram(latency.get(BUCKETS_NAME), latency.get(SECONDS_NAME))
        ratio = GaugeMetricFamily(
            "syndicate_cache_hit_ratio",
            "Hits over lookups of each in-process cache, all workers together.",
            labels=["cache"],
        )
        for kind in sorted(set(totals["hits"]) | set(totals["misses"])):
            hits, misses = totals["hits"].get(kind, 0), totals["misses"].get(kind, 0)
            if hits + misses:
                ratio.add_metric([kind], hits / (hits + misses))
        yield ratio
        yield from DatabaseFigures().collect()


class SettledFiles:
    """``MultiProcessCollector`` over the workers' files, less any that another worker is
    creating at this moment.

    ``prometheus_client`` creates a worker's file empty and only then gives it its initial
    size: read in between, it has no header, and the whole scrape would fail. A file's size
    only grows, so one that has its header is safe to read; one that does not holds no count
    yet and is left out.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self) -> Iterable[Metric]:
        """The merged metrics of every file that has its header."""
        files = []
        for name in glob.glob(os.path.join(self.path, "*.db")):
            try:
                if os.path.getsize(name) >= FILE_HEADER_BYTES:
                    files.append(name)
            except FileNotFoundError:  # a worker's gauges, removed as it was marked dead
                continue
        return MultiProcessCollector.merge(files, accumulate=True)


def exposition_bytes() -> bytes:
    """The text a scrape gets."""
    directory = multiprocess_directory()
    if directory:
        source: Any = CollectorRegistry(auto_describe=False)
        source.register(SettledFiles(directory))
    else:
        source = LOCAL
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Exposition(source))
    return generate_latest(registry)


def token_matches(header: str, expected_sha256: str) -> bool:
    """Whether ``Authorization: Bearer TOKEN`` carries the token whose SHA-256 is configured."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or not expected_sha256:
        return False
    digest = hashlib.sha256(token.strip().encode("utf-8", "surrogateescape")).hexdigest()
    return hmac.compare_digest(digest, expected_sha256.strip().lower())


def address_allowed(address: str | None, networks: Iterable[str]) -> bool:
    """Whether the client ``address`` lies in one of ``networks``."""
    if not address:
        return False
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(client in ipaddress.ip_network(network, strict=False) for network in networks)


def _plain(text: str, status: int) -> Response:
    response = Response(text, status=status, mimetype="text/plain")
    response.headers["Cache-Control"] = "no-store"
    return response


def _metrics_view() -> Response:
    config = current_app.config
    token_hash = str(config["METRICS_TOKEN_SHA256"] or "")
    allowed = address_allowed(request.remote_addr, config["METRICS_ALLOWED_ADDRESSES"])
    if not allowed and token_hash:
        allowed = token_matches(request.headers.get("Authorization", ""), token_hash)
        if not allowed:
            refusal = _plain("A metrics token is needed.\n", 401)
            refusal.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return refusal
    if not allowed:
        return _plain("This address may not read the metrics.\n", 403)
    TALLY.flush()
    response = Response(exposition_bytes(), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> MetricsMiddleware:
    """Serve the metrics at ``METRICS_PATH`` (none when empty) and count every request."""
    for network in app.config["METRICS_ALLOWED_ADDRESSES"]:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError as exc:
            raise ConfigError(f"[metrics] allowed_addresses: {exc}") from exc
    interval = int(app.config["METRICS_FLUSH_SECONDS"])
    if interval < 1:
        raise ConfigError("[metrics] flush_seconds: must be at least 1")
    # One tally per process: the last application installed sets how often it is written.
    TALLY.interval = float(interval)
    path = str(app.config["METRICS_PATH"] or "")
    if path:
        app.add_url_rule(path, endpoint="metrics", view_func=_metrics_view, methods=["GET"])
    middleware = MetricsMiddleware(app, app.wsgi_app)
    app.wsgi_app = middleware  # type: ignore[method-assign]
    app.extensions["ops.metrics"] = middleware
    return middleware
