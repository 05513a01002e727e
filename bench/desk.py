"""The partner story desk at 100,000 stories: the first page against a deep page.

For each database (SQLite and PostgreSQL) it bulk-loads a fresh database with the feed
benchmark's data (``bench/feeds.py``: 100,000 articles by default, 200 partners with
licences of mixed scopes), then times, in process and with exactly the code the portal
runs, one page of the desk (the keyset page query and the stories' snapshot read):

* the first page, the newest 25 stories;
* a page in the middle and the last page of the archive, reached by their keyset cursor;
* for contrast, the deep page as ``OFFSET`` would read it (the desk never does).

for a partner whose licence covers everything and for one with two sections. It prints
the median of ``--runs`` timings of each, and the ratio of each deep page to the first page
(target: keyset deep / first ≤ 1.5, however deep). ``.venv/bin/python bench/desk.py --help``.
"""

from __future__ import annotations

import argparse
import statistics
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


def _median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm: statement compilation and the database's own caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _timings(session: Any, coverage: Any, now: datetime, runs: int) -> tuple[int, dict[str, float]]:
    """How many stories the partner's desk holds, and the median time of each page kind."""
    from sqlalchemy import select

    from syndicate.content.models import Article
    from syndicate.syndication.desk import PAGE_SIZE, Cursor, desk_page, on_desk
    from syndicate.syndication.snapshot import load_feed_articles

    newest_first = (Article.released_at.desc(), Article.id.desc())
    visible = select(Article.id, Article.released_at).where(on_desk(coverage, now))
    total = len(session.execute(visible).all())

    def cursor_at(offset: int) -> Cursor:
        row = session.execute(visible.order_by(*newest_first).offset(offset).limit(1)).one()
        return Cursor(row[1], row[0])

    def page(cursor: Cursor | None) -> Callable[[], object]:
        def run() -> object:
            found = desk_page(session, coverage, now, after=cursor)
            return load_feed_articles(session, found.ids)

        return run

    def offset_page() -> object:
        ids = session.scalars(
            select(Article.id)
            .where(on_desk(coverage, now))
            .order_by(*newest_first)
            .offset(total - PAGE_SIZE)
            .limit(PAGE_SIZE)
        ).all()
        return load_feed_articles(session, ids)

    middle = cursor_at(total // 2)
    last = cursor_at(max(0, total - PAGE_SIZE - 1))
    assert len(desk_page(session, coverage, now, after=last).ids) == PAGE_SIZE
    return total, {
        "first": _median_ms(page(None), runs),
        "middle": _median_ms(page(middle), runs),
        "last": _median_ms(page(last), runs),
        "offset": _median_ms(offset_page, max(3, runs // 5)),
    }


def measure(url: str, runs: int) -> list[tuple[str, dict[str, float]]]:
    """Timings (ms) of each page kind for an all-stories partner and a sections partner."""
    from licenses.coverage import publisher_coverage
    from syndicate.database import Database

    database = Database(url)
    now = datetime.now(UTC)
    results = []
    # In bench/feeds.py, publisher 3 holds an "all" licence and publisher 1 two sections.
    for label, publisher_id in (("all stories", 3), ("two sections", 1)):
        with database.session() as session:
            coverage = publisher_coverage(session, publisher_id, now)
            total, timings = _timings(session, coverage, now, runs)
            results.append((f"{label} ({total:,} on the desk)", timings))
    database.dispose()
    return results


def main(argv: list[str] | None = None) -> int:
    """Load each database, time the pages, print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--partners", type=int, default=200)
    parser.add_argument("--runs", type=int, default=30, help="timings per page (median)")
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite and/or postgresql")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    # bench/feeds.py, by its package name: plain ``feeds`` is the project's package.
    from bench import feeds

    rows = []
    with tempfile.TemporaryDirectory(prefix="syndicate-bench-desk-") as tmp:
        for kind in args.databases.split(","):
            print(f"{kind}: loading {args.articles:,} articles …", flush=True)
            with feeds.scratch_database(kind, Path(tmp), args.postgres_url) as url:
                feeds.load_data(url, args.articles, args.partners)
                rows.extend((kind, *row) for row in measure(url, args.runs))
    print()
    print(
        f"{'database':<11} {'partner':<34} {'first':>8} {'middle':>8} {'last':>8} "
        f"{'last/first':>10} {'OFFSET last':>11} {'OFFSET/first':>12}"
    )
    worst = 0.0
    for kind, label, t in rows:
        ratio = t["last"] / t["first"]
        worst = max(worst, ratio, t["middle"] / t["first"])
        print(
            f"{kind:<11} {label:<34} {t['first']:>6.2f}ms {t['middle']:>6.2f}ms "
            f"{t['last']:>6.2f}ms {ratio:>10.2f} {t['offset']:>9.2f}ms "
            f"{t['offset'] / t['first']:>12.2f}"
        )
    print(f"\nworst keyset deep page / first page: {worst:.2f} (target ≤ 1.5)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
