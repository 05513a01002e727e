"""Cold partner feed renders, timed in a fresh process: ``feeds_cold.py URL KEY RUNS``.

Prints two medians in milliseconds: one request with nothing cached (rendered-feed cache
and shared story store emptied), and one with only the rendered-feed cache emptied (the
stories already prepared by other partners' renders at this version). Requests go through
the Flask test client, so the figures are the application's work without the network.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# Look for packages from the project root, never from this directory (see feeds.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))


def main(url: str, key: str, runs: int) -> tuple[float, float]:
    """Time ``runs`` cold renders of each kind, alternating; return their medians."""
    from syndicate.app import create_app
    from syndicate.syndication.views import feed_cache, shared_items

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/feeds/partner.rss", headers=headers).status_code == 200
    cold: list[float] = []
    shared: list[float] = []
    for _ in range(runs):
        for times, forget_shared in ((cold, True), (shared, False)):
            feed_cache(app).clear()
            if forget_shared:
                shared_items(app).clear()
            started = time.perf_counter()
            response = client.get("/feeds/partner.rss", headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    app.extensions["syndicate.db"].dispose()
    return statistics.median(cold), statistics.median(shared)


if __name__ == "__main__":
    cold_ms, shared_ms = main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    print(f"{cold_ms:.3f} {shared_ms:.3f}")
