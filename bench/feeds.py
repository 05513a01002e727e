"""Partner feed throughput and render time, against a floor that serves the same bytes.

For each database (SQLite and PostgreSQL) and archive size (1,000 and 100,000 articles,
with 200 partners holding licences of mixed scopes and one key each), it bulk-loads a
fresh database with SQLAlchemy core inserts, serves it with ``syndicate serve --workers 2``,
fetches one partner's RSS feed, and starts a floor server (``floor.py`` under gunicorn
with the same settings) returning those bytes and headers pre-rendered. With wrk it prints:

* warm partner feed requests/s, gzip and identity (cache hit: with the fast path on, no
  database read; off, key, licences and version through Flask) and its ratio to the floor
  serving the same variant (target ≥ 0.8);
* conditional requests (``If-None-Match`` → 304) and the ratio to the floor's 304 (≥ 0.8);

each measured in ``--rounds`` rounds, each on a fresh app server and a fresh floor (started
and measured in alternating order), reported as best and median;
* a cold render of 50 full items: one request timed in-process with nothing cached
  (target ≤ 30 ms), and one with only the feed cache emptied (stories already prepared by
  other partners' renders at this version), medians of several;
* p50 latency at 100,000 articles over p50 at 1,000 (target ≤ 1.2).

Everything runs on loopback; servers and scratch databases are removed at the end, on
errors and interruptions too. ``.venv/bin/python bench/feeds.py --help`` for options.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
# This file is named like the project's ``feeds`` package: look for packages from the
# project root, never from this directory.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))
BIN = Path(sys.executable).parent
BATCH = 5_000
WORDS = [
    "harbour",
    "council",
    "ferry",
    "river",
    "valley",
    "school",
    "budget",
    "hearing",
    "mayor",
    "tide",
    "bridge",
    "workers",
    "union",
    "clinic",
    "nurses",
    "drought",
    "orchard",
    "village",
    "archive",
    "court",
    "witness",
    "ledger",
    "audit",
    "tenants",
    "landlord",
    "rent",
    "winter",
    "storm",
    "grid",
    "transit",
    "rail",
    "station",
    "library",
    "museum",
    "fishermen",
    "quota",
    "license",
    "permit",
    "inspector",
    "report",
    "survey",
]
SECTIONS = ["rivers", "courts", "schools", "health", "housing", "transit"]
RIGHTS = ["staff", "public_domain", "creative_commons", "handout", "agency", "partner"]


# ----------------------------------------------------------------------------- data


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 18))]
    return " ".join(words).capitalize() + "."


def _body(rng: random.Random) -> str:
    paragraphs = []
    for n in range(7):
        if n == 3:
            paragraphs.append(f"<h2>{_sentence(rng)[:40]}</h2>")
        text = " ".join(_sentence(rng) for _ in range(3))
        paragraphs.append(f"<p>{text}</p>")
    return "\n".join(paragraphs)


def load_catalogue(conn: Any, rng: random.Random, now: datetime) -> None:
    """Insert the sections, 40 authors, 30 tags, 120 images and the current terms."""
    from sqlalchemy import insert

    from licenses.models import TermsVersion
    from syndicate.content.models import Author, Image, Section, Tag

    conn.execute(
        insert(Section.__table__),
        [
            {"id": i + 1, "slug": s, "name": s.title(), "position": i}
            for i, s in enumerate(SECTIONS)
        ],
    )
    conn.execute(
        insert(Author.__table__),
        [{"id": i, "slug": f"author-{i}", "name": f"Reporter {i} Vale"} for i in range(1, 41)],
    )
    conn.execute(
        insert(Tag.__table__),
        [{"id": i, "slug": f"tag-{i}", "name": f"Topic {i}"} for i in range(1, 31)],
    )
    images = []
    for i in range(1, 121):
        rights = RIGHTS[i % len(RIGHTS)]
        digest = hashlib.sha256(str(i).encode()).hexdigest()
        images.append(
            {
                "id": i,
                "storage_key": f"images/{digest[:2]}/{digest}.jpg",
                "sha256": digest,
                "media_type": "image/jpeg",
                "width": 1600,
                "height": 1067,
                "byte_size": 240_000 + i,
                "alt_text": f"Scene {i} on the waterfront",
                "caption": _sentence(rng),
                "creator": f"Photographer {i}",
                "organization": "Harbour Light"
                if rights != "public_domain"
                else "County Parks Office",
                "rights_class": rights,
                "license_url": "https://creativecommons.org/licenses/by/4.0/"
                if rights == "creative_commons"
                else "",
                "partner_allowed": i % 11 != 0,
                "partner_allowed_until": now + timedelta(days=30 + i) if i % 7 == 0 else None,
            }
        )
    conn.execute(insert(Image.__table__), images)
    conn.execute(
        insert(TermsVersion.__table__),
        [
            {
                "id": 1,
                "version": "2026-1",
                "title": "Standard terms",
                "body": "Terms.",
                "is_current": True,
            }
        ],
    )


def load_data(url: str, articles: int, partners: int) -> dict[str, Any]:
    """Fill a migrated database quickly with core inserts; return a partner's key."""
    from sqlalchemy import insert, text

    from licenses.keys import FEED_KEY_PREFIX, key_digest
    from licenses.models import FeedKey, License, Publisher
    from syndicate.content.models import (
        Article,
        ArticleImage,
        Correction,
        article_authors,
        article_tags,
    )
    from syndicate.database import Database

    rng = random.Random(7)
    now = datetime.now(UTC)
    database = Database(url)
    bodies = [_body(rng) for _ in range(64)]
    with database.engine.begin() as conn:
        load_catalogue(conn, rng, now)
        for start in range(0, articles, BATCH):
            rows, authors, tags, links = [], [], [], []
            for i in range(start + 1, min(articles, start + BATCH) + 1):
                released = now - timedelta(minutes=i)
                status = "scheduled" if i % 500 == 0 else "published"
                if status == "scheduled":
                    released = now + timedelta(days=2, minutes=i)
                rows.append(
                    {
                        "id": i,
                        "slug": f"story-{i}",
                        "headline": _sentence(rng)[:120],
                        "dek": _sentence(rng),
                        "body_format": "html",
                        "body_source": "",
                        "body_html": bodies[i % len(bodies)],
                        "dateline": "PORT ELLERY",
                        "section_id": i % len(SECTIONS) + 1,
                        "status": status,
                        "released_at": released,
                        "first_published_at": released,
                        "content_updated_at": released,
                        "syndication": "do_not_syndicate" if i % 13 == 0 else "syndicate",
                    }
                )
                authors.append({"article_id": i, "author_id": i % 40 + 1, "position": 0})
                if i % 3 == 0:
                    authors.append({"article_id": i, "author_id": (i + 7) % 40 + 1, "position": 1})
                tags.append({"article_id": i, "tag_id": i % 30 + 1})
                tags.append({"article_id": i, "tag_id": (i + 11) % 30 + 1})
                links.append(
                    {"article_id": i, "image_id": i % 120 + 1, "role": "lead", "position": 0}
                )
                links.append(
                    {
                        "article_id": i,
                        "image_id": (i + 37) % 120 + 1,
                        "role": "inline",
                        "position": 1,
                    }
                )
                links.append(
                    {
                        "article_id": i,
                        "image_id": (i + 71) % 120 + 1,
                        "role": "inline",
                        "position": 2,
                    }
                )
            conn.execute(insert(Article.__table__), rows)
            conn.execute(insert(article_authors), authors)
            conn.execute(insert(article_tags), tags)
            conn.execute(insert(ArticleImage.__table__), links)
        conn.execute(
            insert(Correction.__table__),
            [
                {"article_id": i, "note": "An earlier version misspelled a name."}
                for i in range(5, articles, 40)
            ],
        )
        keys: list[str] = []
        publishers, licences, feed_keys = [], [], []
        for p in range(1, partners + 1):
            publishers.append(
                {"id": p, "slug": f"outlet-{p}", "name": f"Outlet {p} Courier", "status": "active"}
            )
            kind = ("all", "sections", "article")[p % 3]
            licences.append(
                {
                    "id": p,
                    "publisher_id": p,
                    "scope_kind": kind,
                    "scope_sections": [SECTIONS[p % 6], SECTIONS[(p + 2) % 6]]
                    if kind == "sections"
                    else [],
                    "scope_article_id": (p * 17) % articles + 1 if kind == "article" else None,
                    "terms_version_id": 1,
                    "starts_at": now - timedelta(days=1),
                    "status": "active",
                }
            )
            secret = FEED_KEY_PREFIX + secrets.token_urlsafe(32)
            keys.append(secret)
            feed_keys.append(
                {"id": p, "publisher_id": p, "prefix": secret[:16], "digest": key_digest(secret)}
            )
        conn.execute(insert(Publisher.__table__), publishers)
        conn.execute(insert(License.__table__), licences)
        conn.execute(insert(FeedKey.__table__), feed_keys)
        conn.execute(text("ANALYZE"))
    database.dispose()
    # Partner 3 holds an "all" licence: the busiest kind of feed.
    return {"key": keys[2], "keys": keys}


# ----------------------------------------------------------------------------- servers


class Servers:
    """Processes started by the benchmark, each in its own group, all stopped at the end."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        """Start ``command`` with its output in ``log``."""
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        """Stop one server and its workers."""
        if process.poll() is None:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if process in self.processes:
            self.processes.remove(process)

    def stop_all(self) -> None:
        """Stop everything still running."""
        for process in list(self.processes):
            self.stop(process)


def free_port() -> int:
    """A free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(url: str, timeout: float = 60) -> None:
    """Wait until ``url`` answers at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError as error:
            error.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def fetch(url: str, headers: dict[str, str]) -> tuple[bytes, list[tuple[str, str]]]:
    """GET ``url``; the raw (possibly compressed) body and the response headers."""
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read(), list(response.headers.items())


# ----------------------------------------------------------------------------- load


@dataclass
class Measured:
    """wrk's figures for one target."""

    rps: float
    p50_ms: float
    errors: int = 0
    # Server CPU (user + system, the server and all its workers) per answered request.
    cpu_us: float = float("nan")


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(
    url: str,
    headers: dict[str, str],
    args: argparse.Namespace,
    duration: float,
    server: subprocess.Popen[bytes] | None = None,
) -> Measured:
    """Run wrk against ``url`` and read requests/s and the median latency; with ``server``
    (started in its own session), also the server's CPU time per answered request."""
    from bench.server_cpu import group_cpu_seconds

    cpu_before = group_cpu_seconds(server.pid) if server is not None else 0.0
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = group_cpu_seconds(server.pid) - cpu_before if server is not None else float("nan")
    answered = re.search(r"(\d+) requests in", output)
    count = int(answered.group(1)) if answered else 0
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    median = re.search(r"50%\s+([\d.]+\w+)", output)
    if rate is None or median is None:
        raise RuntimeError(f"unexpected output while measuring {url}:\n{output}")
    # Failed answers are counted and reported, never silently included.
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return Measured(
        float(rate.group(1)),
        _ms(median.group(1)),
        int(failed.group(1)) if failed else 0,
        cpu * 1e6 / count if count else float("nan"),
    )


# ----------------------------------------------------------------------------- runs


@contextmanager
def scratch_database(kind: str, workdir: Path, pg_url: str) -> Iterator[str]:
    """A fresh, migrated database, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from syndicate.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{workdir / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        upgrade(url)
        yield url
        return
    base = make_url(pg_url).set(drivername="postgresql+psycopg")
    name = f"syndicate_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = base.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def cold_render_ms(url: str, key: str, runs: int, workdir: Path) -> tuple[float, ...]:
    """Cold render times (median and fastest, nothing cached; then the same with shared
    stories; then the same for the CPU reference loop), measured by ``feeds_cold.py`` in a
    fresh process.

    A fresh process is what a server worker is: this one holds the garbage of the bulk load,
    which would make the collector's pauses (not the render) the larger part of the figure.
    """
    result = subprocess.run(
        [str(BIN / "python"), str(BENCH_DIR / "feeds_cold.py"), url, key, str(runs)],
        env={**os.environ, "SYNDICATE_INSTANCE_PATH": str(workdir / "instance")},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"cold render timing failed:\n{result.stderr}")
    return tuple(float(value) for value in result.stdout.split())


@dataclass
class Pair:
    """One target measured on the app and on the floor, over several rounds."""

    app: list[Measured]
    floor: list[Measured]

    @property
    def best(self) -> tuple[float, float]:
        """The best requests/s of the app and of the floor."""
        return max(m.rps for m in self.app), max(m.rps for m in self.floor)

    @property
    def median(self) -> tuple[float, float]:
        """The median requests/s of the app and of the floor."""
        return (
            statistics.median(m.rps for m in self.app),
            statistics.median(m.rps for m in self.floor),
        )

    @property
    def paired(self) -> float:
        """The median of each round's app ÷ floor: each pair was measured back to back, so a
        slow spell of the machine weighs on both sides of a ratio alike."""
        return statistics.median(a.rps / f.rps for a, f in zip(self.app, self.floor, strict=True))

    @property
    def cpu_us(self) -> tuple[float, float]:
        """Median server CPU µs per request of the app and of the floor. Unlike requests/s,
        this hardly depends on what else the machine is doing at the time."""
        return (
            statistics.median(m.cpu_us for m in self.app),
            statistics.median(m.cpu_us for m in self.floor),
        )

    @property
    def p50_ms(self) -> float:
        """The app's median latency (median over rounds)."""
        return statistics.median(m.p50_ms for m in self.app)

    @property
    def floor_p50_ms(self) -> float:
        """The floor's median latency (median over rounds)."""
        return statistics.median(m.p50_ms for m in self.floor)


@dataclass
class Setting:
    """Figures for one database and archive size."""

    database: str
    articles: int
    items: int
    feed_bytes: int
    pairs: dict[str, Pair]
    cold_ms: float
    cold_best_ms: float
    cold_shared_ms: float
    cold_shared_best_ms: float
    reference_ms: float
    reference_best_ms: float
    load_seconds: float


TARGETS = ("gzip", "plain", "304")


WARM_SECONDS = 1.0


def start_app(
    servers: Servers, env: dict[str, str], log: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """``syndicate serve --workers 2`` on a free port; the process and the partner feed's URL."""
    port = free_port()
    process = servers.start(
        [
            str(BIN / "syndicate"),
            "serve",
            "--port",
            str(port),
            "--workers",
            "2",
            "--no-access-log",
            # The outbox worker would only add noise to the measurement.
            "--no-worker",
        ],
        env,
        log,
    )
    wait_ready(f"http://127.0.0.1:{port}/feeds/public.rss")
    return process, f"http://127.0.0.1:{port}/feeds/partner.rss"


def start_floor(
    servers: Servers, env: dict[str, str], workdir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """The floor (``floor.py``) under gunicorn with ``syndicate serve``'s worker class and
    threads; the process and its URL."""
    from bench.pages import server_options

    options = server_options()
    port = free_port()
    process = servers.start(
        [
            str(BIN / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--worker-class",
            str(options["worker_class"]),
            "--threads",
            str(options["threads"]),
            "--chdir",
            str(BENCH_DIR),
            "floor:app",
        ],
        env,
        workdir / "floor.log",
    )
    url = f"http://127.0.0.1:{port}/feeds/partner.rss"
    wait_ready(url)
    return process, url


def run_setting(
    kind: str, articles: int, args: argparse.Namespace, workdir: Path, servers: Servers
) -> Setting:
    """Load, serve, measure and clean up one setting."""
    import gzip

    from bench.floor import save_variant

    with scratch_database(kind, workdir, args.postgres_url) as url:
        started = time.monotonic()
        data = load_data(url, articles, args.partners)
        load_seconds = time.monotonic() - started
        key = data["key"]
        env = {
            **os.environ,
            "SYNDICATE_DATABASE_URL": url,
            "SYNDICATE_INSTANCE_PATH": str(workdir / "instance"),
            "SYNDICATE_SECRET_KEY": "bench-secret",
            # One site address for every server started here (each on a port of its own),
            # so that each renders the very bytes the floor returns.
            "SYNDICATE_BASE_URL": "http://127.0.0.1:8000",
        }
        if args.no_fast_path:
            env["SYNDICATE_CONFIG"] = str(workdir / "slow.toml")
            (workdir / "slow.toml").write_text("[feeds]\nfast_path = false\n")
        floor_env = {
            **os.environ,
            "BENCH_FLOOR_BODY": str(workdir / "floor-gzip.body"),
            "BENCH_FLOOR_HEADERS": str(workdir / "floor-gzip.headers"),
            "BENCH_FLOOR_PLAIN_BODY": str(workdir / "floor-plain.body"),
            "BENCH_FLOOR_PLAIN_HEADERS": str(workdir / "floor-plain.headers"),
        }
        log = workdir / f"serve-{kind}-{articles}.log"
        auth = {"Authorization": f"Bearer {key}"}
        zipped = {**auth, "Accept-Encoding": "gzip"}
        # A first app server gives the bytes and headers the floor returns.
        app_server, feed_url = start_app(servers, env, log)
        try:
            body, zipped_headers = fetch(feed_url, zipped)
            plain_body, plain_headers = fetch(feed_url, auth)
        finally:
            servers.stop(app_server)
        assert gzip.decompress(body) == plain_body
        save_variant(workdir, "gzip", body, zipped_headers)
        save_variant(workdir, "plain", plain_body, plain_headers)
        etag = dict(zipped_headers)["ETag"]
        items = plain_body.count(b"<item>")
        requests = {"gzip": zipped, "plain": auth, "304": {**zipped, "If-None-Match": etag}}
        pairs = {name: Pair([], []) for name in TARGETS}
        # Fresh servers for every round, started and measured in alternating order. Two
        # identical servers measured in turn for many rounds differ here by up to a fifth,
        # the same one ahead in every round: rounds of one pair of servers are one draw.
        for number in range(args.rounds):
            order = ("app", "floor") if number % 2 == 0 else ("floor", "app")
            served: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
            try:
                for role in order:
                    served[role] = (
                        start_app(servers, env, log)
                        if role == "app"
                        else start_floor(servers, floor_env, workdir)
                    )
                if dict(fetch(served["app"][1], zipped)[1])["ETag"] != etag:
                    raise RuntimeError("the feed rendered other bytes after a restart")
                for name in TARGETS:
                    for role in order:
                        wrk(served[role][1], requests[name], args, WARM_SECONDS)
                for name in TARGETS:
                    # Back to back, in the order the servers started.
                    measured = {
                        role: wrk(
                            served[role][1], requests[name], args, args.duration, served[role][0]
                        )
                        for role in order
                    }
                    pairs[name].app.append(measured["app"])
                    pairs[name].floor.append(measured["floor"])
            finally:
                for process, _url in served.values():
                    servers.stop(process)
        cold = cold_render_ms(url, key, args.cold_runs, workdir)
        return Setting(kind, articles, items, len(body), pairs, *cold, load_seconds)


def report(settings: list[Setting], args: argparse.Namespace) -> None:
    """Print every figure and ratio."""
    print(
        f"\nwrk -t{args.threads} -c{args.connections} -d{args.duration:g}s × {args.rounds} "
        f"rounds, fresh servers each round, {args.partners} partners, partner RSS, "
        f"gunicorn 2 workers × 4 threads (app and floor)"
        + (", fast path OFF" if args.no_fast_path else "")
        + "\nr/s: best of the rounds / median of the rounds; ratio = app ÷ floor; paired = median"
        " of the rounds' own ratios (app and floor measured back to back); CPU µs: server"
        " CPU time (all workers, user + system) per answered request, median of the rounds,"
        " ratio = floor ÷ app\n"
    )
    header = (
        f"{'database':<11}{'articles':>9}{'items':>6}  {'target':<7}"
        f"{'app best':>9}{'floor best':>11}{'ratio':>7}"
        f"{'app med':>9}{'floor med':>10}{'ratio':>7}{'paired':>8}{'p50 ms':>8}"
        f"{'CPU µs app':>12}{'floor':>7}{'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for s in settings:
        for name in TARGETS:
            pair = s.pairs[name]
            (app_best, floor_best), (app_med, floor_med) = pair.best, pair.median
            app_cpu, floor_cpu = pair.cpu_us
            label = {"gzip": "gzip", "plain": "plain", "304": "304"}[name]
            print(
                f"{s.database:<11}{s.articles:>9}{s.items:>6}  {label:<7}"
                f"{app_best:>9.0f}{floor_best:>11.0f}{app_best / floor_best:>7.2f}"
                f"{app_med:>9.0f}{floor_med:>10.0f}{app_med / floor_med:>7.2f}"
                f"{pair.paired:>8.2f}{pair.p50_ms:>8.2f}"
                f"{app_cpu:>12.0f}{floor_cpu:>7.0f}{floor_cpu / app_cpu:>7.2f}"
                + (
                    f"  ({errors} failed answers)"
                    if (errors := sum(m.errors for m in pair.app))
                    else ""
                )
            )
    print()
    print(
        f"{'database':<11}{'articles':>9}{'load s':>8}{'feed bytes (gzip)':>19}{'cold ms':>9}"
        f"{'best':>7}{'cold, shared ms':>17}{'best':>7}{'CPU ref ms':>12}{'best':>7}"
    )
    for s in settings:
        print(
            f"{s.database:<11}{s.articles:>9}{s.load_seconds:>8.1f}{s.feed_bytes:>19}"
            f"{s.cold_ms:>9.1f}{s.cold_best_ms:>7.1f}"
            f"{s.cold_shared_ms:>17.1f}{s.cold_shared_best_ms:>7.1f}"
            f"{s.reference_ms:>12.1f}{s.reference_best_ms:>7.1f}"
        )
    print(
        "cold: nothing cached; cold, shared: this partner's feed not cached, stories already "
        "prepared by other partners' renders at this version; median of the runs, and best: "
        "the fastest run; CPU ref: a fixed pure-Python loop timed between the cold runs, so "
        "its median over its best says how much slower the machine ran than at its fastest"
    )
    print()
    for kind in dict.fromkeys(s.database for s in settings):
        rows = sorted((s for s in settings if s.database == kind), key=lambda s: s.articles)
        if len(rows) >= 2:
            small, large = rows[0], rows[-1]
            app = large.pairs["gzip"].p50_ms / small.pairs["gzip"].p50_ms
            # The floor serves bytes of the same size at both settings: its own ratio is how
            # much the machine, not the archive, moved between the two measurements.
            floor = large.pairs["gzip"].floor_p50_ms / small.pairs["gzip"].floor_p50_ms
            print(
                f"{kind}: p50 at {large.articles:,} / p50 at {small.articles:,} articles = "
                f"{app:.2f} (warm gzip; floor {floor:.2f}, app over floor {app / floor:.2f}), "
                f"cold render {large.cold_ms / small.cold_ms:.2f}"
            )
    print(
        "\ntargets: warm ≥ 0.8 × floor, 304 ≥ 0.8 × floor 304, cold render ≤ 30 ms, p50 ratio ≤ 1.2"
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--sizes", default="1000,100000", help="article counts, comma-separated")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--cold-runs", type=int, default=15, help="cold renders timed (median)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds, each on fresh app and floor servers"
    )
    parser.add_argument(
        "--no-fast-path",
        action="store_true",
        help="serve with FEEDS_FAST_PATH off (every request through the full application)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run every setting and print the report."""
    args = parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (Debian package `wrk`); it is needed for this benchmark.")
        return 2
    servers = Servers()
    previous: Callable[..., Any] | int | None = signal.getsignal(signal.SIGTERM)

    def _stop(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    settings: list[Setting] = []
    try:
        with tempfile.TemporaryDirectory(prefix="syndicate-bench-feeds-") as tmp:
            for kind in args.databases.split(","):
                for size in (int(n) for n in args.sizes.split(",")):
                    print(f"{kind}, {size:,} articles …", flush=True)
                    settings.append(run_setting(kind, size, args, Path(tmp), servers))
    finally:
        servers.stop_all()
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]
    report(settings, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
