"""Cold partner feed renders, timed in a fresh process: ``feeds_cold.py URL KEY RUNS``.

Prints, in milliseconds, the median and the fastest of one request with nothing cached
(rendered-feed cache and shared story store emptied), then the same two for a request with
only the rendered-feed cache emptied (the stories already prepared by other partners'
renders at this version), then the same two for a fixed pure-Python reference loop timed
between the requests. Requests go through the Flask test client, so the figures are the
application's work without the network. The fastest run is the code's cost with the least
interference from the rest of the machine (on a shared virtual machine, CPU speed moves by
half between spells); the median is what a request met during the run, and the reference
loop's median over its fastest run says how slow the machine was meanwhile.
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


def reference_work() -> int:
    """A fixed amount of pure-Python work (about 10 ms on a quiet 2-core machine)."""
    total = 0
    for i in range(150_000):
        total += i * i % 7
    return total


def main(url: str, key: str, runs: int) -> tuple[float, ...]:
    """Time ``runs`` cold renders of each kind and of the reference loop, alternating;
    return the median and the fastest of each."""
    from syndicate.app import create_app
    from syndicate.syndication.views import feed_cache, shared_items

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/feeds/partner.rss", headers=headers).status_code == 200
    cold: list[float] = []
    shared: list[float] = []
    reference: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        reference_work()
        reference.append((time.perf_counter() - started) * 1000)
        for times, forget_shared in ((cold, True), (shared, False)):
            feed_cache(app).clear("feed")
            if forget_shared:
                shared_items(app).clear()
            started = time.perf_counter()
            response = client.get("/feeds/partner.rss", headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    app.extensions["syndicate.db"].dispose()
    return tuple(
        figure
        for times in (cold, shared, reference)
        for figure in (statistics.median(times), min(times))
    )


if __name__ == "__main__":
    print(" ".join(f"{ms:.3f}" for ms in main(sys.argv[1], sys.argv[2], int(sys.argv[3]))))
