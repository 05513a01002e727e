"""The archive at scale: full-text search and keyset pages, first against deep.

For each database (SQLite by default; ``--databases sqlite,postgresql`` for both) it loads a
fresh database with the feed benchmark's data (``bench/feeds.py``, ``--articles`` stories),
fills each story's visible body text and bylines-and-tags terms (as saving through the
service would), then times, in process and with exactly the code the views run:

* public search (``queries.search_slice``: capped count, keyset page, cards, snippets) for
  one-, two- and three-word queries: common words (in nearly every story: the worst case),
  and a rare word (in 1 of 5,000 stories) alone or with common ones: p50 and p95;
* a section page: the first page against a deep one (90 % down, by its keyset cursor), with
  the deep / first ratio (target ≤ 1.2), and the deep page as ``OFFSET`` would read it.

``.venv/bin/python bench/archive.py --help``.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))


def _feeds_bench() -> Any:
    """``bench/feeds.py`` as a module (its name is the project's ``feeds`` package's)."""
    spec = importlib.util.spec_from_file_location("bench_feeds", BENCH_DIR / "feeds.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_TERMS_SQL = (
    "UPDATE articles SET search_terms = coalesce((SELECT AGG(x.name, ' ') FROM ("
    "SELECT au.name FROM article_authors aa JOIN authors au ON au.id = aa.author_id "
    "WHERE aa.article_id = articles.id UNION ALL "
    "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id "
    "WHERE at.article_id = articles.id) x), '')"
)


def fill_search_text(url: str) -> None:
    """Give every loaded story its ``body_text`` and ``search_terms``, as the service would."""
    from sqlalchemy import text

    from syndicate.content.plaintext import visible_text
    from syndicate.database import Database

    database = Database(url)
    agg = "string_agg" if database.engine.dialect.name == "postgresql" else "group_concat"
    with database.engine.begin() as conn:
        bodies = conn.execute(text("SELECT DISTINCT body_html FROM articles")).scalars().all()
        for n, body in enumerate(bodies, 1):
            conn.execute(
                text("UPDATE articles SET body_text = :t WHERE body_html = :h"),
                {"t": visible_text(body), "h": body},
            )
            if n % 16 == 0:
                print(f"  body text {n}/{len(bodies)}", flush=True)
        # The vocabulary above is small: each of its words is in nearly every story (the
        # worst case for ranking). One rarer word per story, shared by ~1 in 5,000 stories,
        # stands for the names and places most real searches are for.
        conn.execute(
            text(
                "UPDATE articles SET body_text = body_text || ' marker' || "
                "CAST(id % 5000 AS VARCHAR(8))"
            )
        )
        print("  bylines and tags …", flush=True)
        conn.execute(text(_TERMS_SQL.replace("AGG(", agg + "(")))
    # Planner statistics, and (PostgreSQL) the dead rows of the updates above gone, as
    # autovacuum would leave a real table.
    with database.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        if database.engine.dialect.name == "postgresql":
            conn.execute(text("VACUUM ANALYZE articles"))
        else:
            conn.execute(text("ANALYZE"))
    database.dispose()


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


def measure(url: str, words: list[str], runs: int) -> dict[str, tuple[float, float]]:
    """p50 and p95 (ms) of each measured kind of request."""
    from sqlalchemy import func, select

    from syndicate.content.models import Article
    from syndicate.content.services import publicly_visible
    from syndicate.database import Database
    from syndicate.pagination import Cursor
    from syndicate.public import queries

    rng = random.Random(11)
    database = Database(url)
    now = datetime.now(UTC)
    results: dict[str, tuple[float, float]] = {}
    with database.session() as session:
        kinds = [(f"{n} common", n, 0) for n in (1, 2, 3)] + [
            (f"1 rare + {n - 1} common", n - 1, 1) for n in (1, 2, 3)
        ]
        for label, common, rare in kinds:
            picks = [
                " ".join([f"marker{rng.randrange(5000)}"] * rare + rng.sample(words, common))
                for _ in range(runs)
            ]
            times = []
            for query in picks:
                times += _times_ms(
                    lambda q=query: queries.search_slice(session, now, q, None, 20), 1
                )
            results[f"search, {label}"] = (
                _p(times, 0.5),
                _p(times, 0.95),
            )
        section = queries.section_by_slug(session, "rivers")
        assert section is not None
        condition = queries.in_section(section)
        where = (publicly_visible(now), condition)
        total = session.scalar(select(func.count(Article.id)).where(*where)) or 0
        deep = session.scalar(
            select(Article.id)
            .where(*where)
            .order_by(*queries.NEWEST_FIRST)
            .offset(int(total * 0.9))
            .limit(1)
        )
        assert deep is not None

        def first() -> object:
            return queries.public_slice(session, now, condition, cursor=None, per_page=20)

        def deep_page() -> object:
            return queries.public_slice(session, now, condition, cursor=Cursor(deep), per_page=20)

        def offset_page() -> object:
            return session.scalars(
                select(Article.id)
                .where(*where)
                .order_by(*queries.NEWEST_FIRST)
                .offset(int(total * 0.9))
                .limit(20)
            ).all()

        for label, work in (
            (f"section page 1 ({total:,} stories)", first),
            ("section page 90 % deep (keyset)", deep_page),
            ("  same, as OFFSET would read it", offset_page),
        ):
            times = _times_ms(work, runs)
            results[label] = (_p(times, 0.5), _p(times, 0.95))
    database.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    """Load each database, time search and pages, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=20)
    parser.add_argument("--runs", type=int, default=40, help="timings per kind")
    parser.add_argument("--databases", default="sqlite", help="sqlite and/or postgresql")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    feeds = _feeds_bench()
    report: list[tuple[str, str, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-archive-") as tmp:
        for kind in args.databases.split(","):
            print(f"{kind}: loading {args.articles:,} stories …", flush=True)
            started = time.perf_counter()
            with feeds.scratch_database(kind, Path(tmp), args.postgres_url) as url:
                feeds.load_data(url, args.articles, args.partners)
                print(f"{kind}: indexing for search …", flush=True)
                fill_search_text(url)
                print(f"{kind}: built in {time.perf_counter() - started:.0f} s; timing …")
                for label, (p50, p95) in measure(url, feeds.WORDS, args.runs).items():
                    report.append((kind, label, p50, p95))
    print()
    print(f"{'database':<11} {'request':<40} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, label, p50, p95 in report:
        print(f"{kind:<11} {label:<40} {p50:>8.1f} {p95:>8.1f}")
    for kind in dict.fromkeys(r[0] for r in report):
        rows = [r for r in report if r[0] == kind and r[1].startswith("section")]
        if len(rows) >= 2:
            print(f"{kind}: section deep / first (p50) = {rows[1][2] / rows[0][2]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
