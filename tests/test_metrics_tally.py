"""The per-process request tally behind the metrics: exact under contention, and the
histogram it shows is the one ``prometheus_client`` would have built from each request."""

from __future__ import annotations

import sys
import threading
import time

from prometheus_client import CollectorRegistry, Histogram

from syndicate.ops import metrics


def _requests(route: str, status: str) -> float:
    value = metrics.LOCAL.get_sample_value(
        "syndicate_http_requests_total", {"route": route, "method": "GET", "status": status}
    )
    return value or 0.0


def test_counts_stay_exact_while_threads_add_and_flush() -> None:
    tally = metrics.Tally()
    routes = [f"tally.stress-{n}" for n in range(3)]
    before = {route: _requests(route, "200") for route in routes}
    adders, per_thread = 6, 50_000
    start = threading.Barrier(adders + 1)
    done = threading.Event()
    errors: list[BaseException] = []

    def add(n: int) -> None:
        start.wait()
        try:
            for i in range(per_thread):
                tally.add((routes[(n + i) % len(routes)], "GET", "200"), 0.0001 * (i % 50))
        except BaseException as exc:
            errors.append(exc)

    def flush_until_done() -> None:
        start.wait()
        while not done.is_set():
            tally.flush()

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=add, args=(n,)) for n in range(adders)]
        flusher = threading.Thread(target=flush_until_done)
        for thread in [*threads, flusher]:
            thread.start()
        deadline = time.monotonic() + 60
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        done.set()
        flusher.join(10)
    finally:
        sys.setswitchinterval(switch)
    assert not errors
    tally.flush()
    gained = sum(_requests(route, "200") - before[route] for route in routes)
    assert gained == adders * per_thread


def test_the_histogram_matches_prometheus_clients_own() -> None:
    route = "tally.histogram"
    # Bounds exactly, between bounds, below the first and beyond the last.
    observed = [0.0, 0.001, 0.0011, 0.0025, 0.003, 0.05, 0.2, 0.25, 1.0, 9.99, 10.0, 12.5]
    tally = metrics.Tally()
    for seconds in observed:
        tally.add((route, "GET", "200"), seconds)
    tally.flush()
    families = {family.name: family for family in metrics.LOCAL.collect()}
    shown = metrics.latency_histogram(
        families[metrics.BUCKETS_NAME], families[metrics.SECONDS_NAME]
    )
    reference = CollectorRegistry()
    histogram = Histogram(
        metrics.LATENCY_NAME,
        "reference",
        ["route"],
        buckets=metrics.LATENCY_BOUNDS,
        registry=reference,
    )
    for seconds in observed:
        histogram.labels(route=route).observe(seconds)
    [expected] = [family for family in reference.collect() if family.name == metrics.LATENCY_NAME]

    def samples(family: object) -> dict[tuple[str, str], float]:
        return {
            (sample.name, sample.labels.get("le", "")): round(sample.value, 9)
            for sample in family.samples  # type: ignore[attr-defined]
            if sample.labels.get("route") == route and not sample.name.endswith("_created")
        }

    assert samples(shown) == samples(expected)
    assert samples(shown)[(f"{metrics.LATENCY_NAME}_count", "")] == len(observed)
