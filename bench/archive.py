"""The archive at 100,000 and at 1,000,000 stories: search, sitemaps, section and staff pages.

For each database (``--databases sqlite,postgresql``) and archive size (``--sizes``) it
bulk-loads a fresh database (the feed benchmark's catalogue of sections, authors, tags and
images, ``bench/feeds.py``, plus stories written here: executemany in batches, never the ORM
per row, with progress printed) and times, with exactly the code the site runs:

* public search (``queries.search_slice``: capped count, keyset page, cards, snippets) for
  one-, two- and three-word queries: common words (each in about half the stories), a
  rare word (in 1 of 5,000 stories) alone or with common ones, and a mid-frequency word;
* through the app's test client (page cache off): the sitemap index, one month's sitemap,
  a section's first page and a page 90 % down it (by its keyset cursor), the staff
  article list's first page and a deep one, signed in.

The stories span 20 years at both sizes (the sitemap index lists the same 240 months), and
the newest year holds the same stories at both sizes (a desk's year of output, 36,000): the
other stories fill the 19 years before it, so the month sitemap timed (last month's) lists
the same number of URLs at both sizes. It prints p50 and p95 of each request at each size,
the p50 ratio between the largest and the smallest size, and each target: search p50
≤ 50 ms at the largest size and ≤ 2 × its value at the smallest; every other page ≤ 1.2 ×.

``.venv/bin/python bench/archive.py --help``; the default run (both sizes, SQLite) takes
a few minutes; ``--databases sqlite,postgresql`` about twice that.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

# bench/feeds.py by its package name: plain ``feeds`` is the project's package.
from bench import feeds  # noqa: E402

BATCH = 5_000
YEARS = 20
RECENT = 36_000
RARE_EVERY = 5_000
TAIL_WORDS = 20_000
AUTHORS = 200
TAGS = 300
SCHEDULED = 20
PASSWORD = "bench password for the archive"  # noqa: S105 - a scratch database's user
_SYLLABLES = [
    c + v
    for c in ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "st")
    for v in ("a", "e", "i", "o", "u", "ai", "ou")
]
_FIRST = ["Ada", "Bram", "Cleo", "Dara", "Emil", "Fern", "Gus", "Hana", "Ivo", "Jun"]
_LAST = ["Marsh", "Quay", "Reed", "Stone", "Tern", "Vale", "Weir", "Holt", "Lund", "Pike"]


# ----------------------------------------------------------------------------- data


def tail_vocabulary() -> list[str]:
    """Made-up words for the long tail of the vocabulary (place and family names, jargon)."""
    rng = random.Random(3)
    words: dict[str, None] = {}
    while len(words) < TAIL_WORDS:
        words["".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))] = None
    return [w for w in words if w not in feeds.WORDS]


class Writer:
    """Story text from a pool of sentences: common words mixed with a Zipf-distributed tail
    (so a tail word's share of the stories ranges from several percent to almost none)."""

    def __init__(self, rng: random.Random, pool: int = 20_000) -> None:
        self.rng = rng
        self.tail = tail_vocabulary()
        cumulative, total = [], 0.0
        for rank in range(1, len(self.tail) + 1):
            total += 1 / rank
            cumulative.append(total)
        self.sentences = []
        for _ in range(pool):
            count = rng.randint(8, 14)
            common = rng.choices(feeds.WORDS, k=count * 3 // 5)
            mixed = common + rng.choices(self.tail, cum_weights=cumulative, k=count - len(common))
            rng.shuffle(mixed)
            self.sentences.append(" ".join(mixed).capitalize() + ".")

    def sentence(self) -> str:
        """One sentence of the pool."""
        return self.rng.choice(self.sentences)

    def paragraphs(self) -> list[str]:
        """A short body: two paragraphs of two sentences."""
        return [" ".join(self.rng.choices(self.sentences, k=2)) for _ in range(2)]


def schedule(size: int, now: datetime) -> list[datetime]:
    """Release times, oldest first: the newest year holds ``RECENT`` stories at any size,
    the others spread evenly over the years before it."""
    recent = min(RECENT, size // 2)
    older = size - recent
    year = timedelta(days=365)
    start = now - timedelta(days=365 * YEARS)
    old_span = (now - year - start) / max(1, older)
    new_span = year / max(1, recent)
    return [start + old_span * k for k in range(older)] + [
        now - year + new_span * (k + 1) - timedelta(minutes=1) for k in range(recent)
    ]


def _copy(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL's COPY of ``rows`` into ``table``, the columns' plain defaults filled in
    (as an INSERT through SQLAlchemy would): several times faster than INSERTs."""
    defaults = {
        column.name: column.default.arg
        for column in table.columns
        if column.default is not None and column.default.is_scalar
    }
    columns = list(dict.fromkeys([*rows[0], *(c for c in defaults if c not in rows[0])]))
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor:
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] if c in row else defaults[c] for c in columns])


def load_archive(url: str, size: int) -> None:
    """Fill a migrated database with ``size`` stories in bulk, printing progress."""
    from sqlalchemy import insert, text

    from syndicate.content import archive
    from syndicate.content.models import (
        Article,
        ArticleImage,
        Author,
        Tag,
        article_authors,
        article_tags,
    )
    from syndicate.database import Database

    rng = random.Random(7)
    now = datetime.now(UTC)
    writer = Writer(rng)
    database = Database(url)
    postgres = database.engine.dialect.name == "postgresql"
    releases = schedule(size, now)
    started = time.perf_counter()
    with database.engine.begin() as conn:
        feeds.load_catalogue(conn, rng, now)
        conn.execute(
            insert(Author.__table__),
            [
                {
                    "id": i,
                    "slug": f"author-{i}",
                    "name": f"{rng.choice(_FIRST)} {rng.choice(_LAST)}",
                }
                for i in range(41, AUTHORS + 1)
            ],
        )
        conn.execute(
            insert(Tag.__table__),
            [
                {"id": i, "slug": f"tag-{i}", "name": f"{w.title()} {feeds.WORDS[i % 41].title()}"}
                for i, w in zip(range(31, TAGS + 1), writer.tail[:TAGS], strict=False)
            ],
        )
        author_names = dict(conn.execute(text("SELECT id, name FROM authors")).all())
        tag_names = dict(conn.execute(text("SELECT id, name FROM tags")).all())
        if postgres:
            # Built once after the load: cheaper than keeping it in step row by row.
            conn.execute(text("DROP INDEX ix_articles_search_vector"))
    for batch_start in range(0, size + SCHEDULED, BATCH):
        rows, authors, tags, links = [], [], [], []
        for i in range(batch_start + 1, min(size + SCHEDULED, batch_start + BATCH) + 1):
            if i > size:  # scheduled for the coming days: filed last, released ahead
                released, status = now + timedelta(hours=7 * (i - size)), "scheduled"
            else:
                released = releases[i - 1]
                status = "published"
                if i % 50 == 7:
                    status = "draft"
                elif i % 400 == 13:
                    status = "killed"
            paragraphs = writer.paragraphs()
            paragraphs[-1] += f" Marker{i % RARE_EVERY}."
            byline = [i % AUTHORS + 1] + ([(i * 7) % AUTHORS + 1] if i % 3 == 0 else [])
            byline = list(dict.fromkeys(byline))
            labels = list(dict.fromkeys([i % TAGS + 1, (i * 11) % TAGS + 1]))
            updated = released + timedelta(hours=3) if i % 10 == 3 else released
            rows.append(
                {
                    "id": i,
                    "slug": f"story-{i}",
                    "headline": " ".join(writer.sentence().split()[:7]),
                    "dek": writer.sentence(),
                    "body_format": "html",
                    "body_source": "",
                    "body_html": "".join(f"<p>{p}</p>\n" for p in paragraphs),
                    "body_text": " ".join(paragraphs),
                    "search_terms": " ".join(
                        [author_names[a] for a in byline] + [tag_names[t] for t in labels]
                    ),
                    "dateline": "PORT ELLERY",
                    "section_id": i % len(feeds.SECTIONS) + 1,
                    "status": status,
                    "released_at": None if status == "draft" else released,
                    "first_published_at": None if status == "draft" else released,
                    "content_updated_at": None if status == "draft" else min(updated, now),
                    "killed_at": released + timedelta(days=1) if status == "killed" else None,
                    "syndication": "do_not_syndicate" if i % 13 == 0 else "syndicate",
                    "created_at": released if status != "scheduled" else now,
                    "updated_at": min(updated, now),
                }
            )
            authors += [
                {"article_id": i, "author_id": a, "position": n} for n, a in enumerate(byline)
            ]
            tags += [{"article_id": i, "tag_id": t} for t in labels]
            links.append({"article_id": i, "image_id": i % 120 + 1, "role": "lead", "position": 0})
        with database.engine.begin() as conn:
            for table, batch in (
                (Article.__table__, rows),
                (article_authors, authors),
                (article_tags, tags),
                (ArticleImage.__table__, links),
            ):
                if postgres:
                    _copy(conn, table, batch)
                else:
                    conn.execute(insert(table), batch)
        done = min(size + SCHEDULED, batch_start + BATCH)
        if done % 50_000 < BATCH or done == size + SCHEDULED:
            rate = done / (time.perf_counter() - started)
            print(f"  {done:,} stories ({rate:,.0f}/s)", flush=True)
    with database.engine.begin() as conn:
        if postgres:
            print("  search index (GIN) …", flush=True)
            conn.execute(text("SET maintenance_work_mem = '512MB'"))
            conn.execute(
                text("CREATE INDEX ix_articles_search_vector ON articles USING gin (search_vector)")
            )
        print("  archive months …", flush=True)
        archive.rebuild(conn, now)
    with database.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
    database.dispose()


# ----------------------------------------------------------------------------- timing


def _times_ms(work: Callable[[], object], runs: int) -> list[float]:
    work()  # warm: statement compilation and the database's own caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@dataclass(frozen=True)
class Timing:
    """p50 and p95 of one kind of request, in ms, and what it was."""

    p50: float
    p95: float
    note: str = ""


Samples = dict[str, tuple[list[float], str]]


def _search_timings(session: Any, runs: int, seed: int) -> Samples:
    from syndicate.public import queries

    rng = random.Random(seed)
    tail = tail_vocabulary()
    now = datetime.now(UTC)
    kinds: list[tuple[str, Callable[[], str]]] = [
        ("search, 1 common word", lambda: " ".join(rng.sample(feeds.WORDS, 1))),
        ("search, 2 common words", lambda: " ".join(rng.sample(feeds.WORDS, 2))),
        ("search, 3 common words", lambda: " ".join(rng.sample(feeds.WORDS, 3))),
        ("search, 1 rare word", lambda: f"marker{rng.randrange(RARE_EVERY)}"),
        (
            "search, rare + 1 common",
            lambda: f"marker{rng.randrange(RARE_EVERY)} {rng.choice(feeds.WORDS)}",
        ),
        (
            "search, rare + 2 common",
            lambda: f"marker{rng.randrange(RARE_EVERY)} " + " ".join(rng.sample(feeds.WORDS, 2)),
        ),
        # Tail words ranked 100th to 300th: each in 0.1 % to 1 % of the stories.
        ("search, 1 mid word", lambda: rng.choice(tail[100:300])),
    ]
    results = {}
    for label, pick in kinds:
        times: list[float] = []
        totals = []
        for _ in range(runs):
            query = pick()
            found: list[Any] = []

            def run(q: str = query, out: list[Any] = found) -> None:
                out[:] = [queries.search_slice(session, now, q, None, 20)[0].total]

            times += _times_ms(run, 1)
            totals.append(found[0])
        cap = queries.SEARCH_COUNT_CAP
        shown = sorted(totals)[len(totals) // 2]
        note = f"matches > {cap:,}" if shown > cap else f"{shown:,} matches"
        results[label] = (times, note)
    return results


def _sign_in(client: Any, session: Any) -> None:
    from sqlalchemy import select

    from syndicate.accounts.models import Role, User
    from syndicate.accounts.services import create_user

    email = "bench.editor@example.org"
    if session.scalar(select(User.id).where(User.email == email)) is None:
        create_user(session, email=email, role=Role.STAFF, password=PASSWORD)
        session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token is not None
    answer = client.post(
        "/login",
        data={"email": "bench.editor@example.org", "password": PASSWORD, "csrf_token": token[1]},
    )
    assert answer.status_code == 302, answer.status_code


def _page_timings(app: Any, session: Any, runs: int) -> Samples:
    from sqlalchemy import func, select

    from syndicate.content.archive import key_bounds
    from syndicate.content.models import Article
    from syndicate.content.services import publicly_visible
    from syndicate.public import queries

    now = datetime.now(UTC)
    client = app.test_client()
    section = queries.section_by_slug(session, "rivers")
    assert section is not None
    where = (publicly_visible(now), queries.in_section(section))
    total = session.scalar(select(func.count(Article.id)).where(*where)) or 0
    deep = session.scalar(
        select(Article.id)
        .where(*where)
        .order_by(*queries.NEWEST_FIRST)
        .offset(int(total * 0.9))
        .limit(1)
    )
    staff_total = session.scalar(select(func.count(Article.id))) or 0
    staff_deep = session.scalar(
        select(Article.id)
        .order_by(Article.updated_at.desc(), Article.id.desc())
        .offset(int(staff_total * 0.9))
        .limit(1)
    )
    last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    start, end = key_bounds(last_month)
    month_count = session.scalar(
        select(func.count(Article.id)).where(
            publicly_visible(now), Article.released_at >= start, Article.released_at < end
        )
    )
    _sign_in(client, session)
    pages = [
        ("sitemap index", "/sitemap.xml", ""),
        (
            f"sitemap of {last_month}",
            f"/sitemaps/articles-{last_month}.xml",
            f"{month_count:,} URLs",
        ),
        ("section page 1", "/sections/rivers", f"{total:,} stories"),
        ("section page 90 % deep", f"/sections/rivers?before={deep}", "keyset"),
        ("staff list page 1", "/staff/articles", f"{staff_total:,} articles"),
        ("staff list 90 % deep", f"/staff/articles?before={staff_deep}", "keyset"),
    ]
    results = {}
    for label, path, note in pages:

        def get(p: str = path) -> None:
            answer = client.get(p)
            assert answer.status_code == 200, (p, answer.status_code)

        results[label] = (_times_ms(get, runs), note)
    return results


def measure(url: str, runs: int, workdir: Path, seed: int) -> Samples:
    """Every timing of one loaded database (``runs`` of each), and a note on each."""
    from syndicate.app import create_app

    os.environ["SYNDICATE_INSTANCE_PATH"] = str(workdir / "instance")
    app = create_app(
        {
            "SECRET_KEY": "bench-secret-key-not-for-production",
            "DATABASE_URL": url,
            "MEDIA_DIR": str(workdir / "media"),
            "SITE_BASE_URL": "http://localhost",
            "SITE_PAGE_CACHE": False,
            "RATELIMIT_LOGIN": "10000 per minute",
            "RATELIMIT_SEARCH": "100000 per minute",
        }
    )
    database = app.extensions["syndicate.db"]
    with app.app_context(), database.session() as session:
        results = _search_timings(session, runs, seed)
        results.update(_page_timings(app, session, runs))
    database.dispose()
    return results


# ----------------------------------------------------------------------------- report


def _targets(label: str) -> tuple[float | None, float]:
    """(absolute p50 limit in ms at the largest size or None, largest / smallest limit)."""
    return (50.0, 2.0) if label.startswith("search") else (None, 1.2)


def report(results: dict[tuple[str, int], dict[str, Timing]], sizes: list[int]) -> int:
    """Print the table; return how many targets were missed."""
    small, large = sizes[0], sizes[-1]
    missed = 0
    size_cols = "".join(f" {f'{s:,} p50/p95':>20}" for s in sizes)
    print()
    print(f"{'database':<11} {'request':<28}{size_cols} {'ratio':>6}  target        {'':4}  note")
    for kind in dict.fromkeys(k for k, _ in results):
        labels = list(dict.fromkeys(lbl for (k, _), r in results.items() if k == kind for lbl in r))
        for label in labels:
            cells, timing = "", None
            for size in sizes:
                timing = results.get((kind, size), {}).get(label)
                cells += f" {timing.p50:>9.1f}/{timing.p95:<10.1f}" if timing else f" {'-':>20}"
            first = results.get((kind, small), {}).get(label)
            last = results.get((kind, large), {}).get(label)
            limit, growth = _targets(label)
            target = (f"≤{limit:.0f} ms, " if limit else "") + f"≤{growth}×"
            verdict, ratio = "", ""
            if first and last and large != small:
                ratio = f"{last.p50 / first.p50:.2f}"
                ok = last.p50 / first.p50 <= growth and (limit is None or last.p50 <= limit)
                verdict = "PASS" if ok else "MISS"
                missed += not ok
            note = last.note if last else ""
            print(f"{kind:<11} {label:<28}{cells} {ratio:>6}  {target:<13} {verdict:4}  {note}")
    return missed


def main(argv: list[str] | None = None) -> int:
    """Load each database at each size, time the pages, print the report."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="100000,1000000", help="story counts, comma-separated, smallest first"
    )
    parser.add_argument("--runs", type=int, default=40, help="timings per kind and size")
    parser.add_argument(
        "--rounds", type=int, default=4, help="turns the sizes take, each with runs / rounds"
    )
    parser.add_argument("--databases", default="sqlite", help="sqlite and/or postgresql")
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where a scratch database is created and dropped",
    )
    args = parser.parse_args(argv)
    sizes = sorted(int(s.replace("_", "")) for s in args.sizes.split(","))
    kinds = [k.strip() for k in args.databases.split(",")]
    results: dict[tuple[str, int], dict[str, Timing]] = {}
    per_round = -(-args.runs // args.rounds)
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-archive-") as tmp:
        for kind in kinds:
            with ExitStack() as databases:
                urls = {}
                for size in sizes:
                    print(f"{kind}: loading {size:,} stories …", flush=True)
                    started = time.perf_counter()
                    urls[size] = databases.enter_context(
                        feeds.scratch_database(kind, Path(tmp), args.postgres_url)
                    )
                    load_archive(urls[size], size)
                    print(f"{kind}: built in {time.perf_counter() - started:.0f} s", flush=True)
                # The sizes take turns, so that a spell of other work on the machine falls on
                # both rather than on one.
                samples: dict[int, Samples] = {size: {} for size in sizes}
                for round_ in range(args.rounds):
                    for size in sizes:
                        print(f"{kind}: timing {size:,}, round {round_ + 1}", flush=True)
                        for label, (times, note) in measure(
                            urls[size], per_round, Path(tmp), seed=round_
                        ).items():
                            samples[size].setdefault(label, ([], note))[0].extend(times)
                for size in sizes:
                    results[(kind, size)] = {
                        label: Timing(_p(times, 0.5), _p(times, 0.95), note)
                        for label, (times, note) in samples[size].items()
                    }
            report(results, sizes)
    print()
    missed = report(results, sizes)
    print(f"\n{missed} target(s) missed" if missed else "\nevery target met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
