"""What counting requests for Prometheus costs, against the same requests uncounted.

Answers the same WSGI requests (a page-cache hit of the front page, a hit of an article
page, ``/healthz`` and a 404) through the metrics middleware and through the stack below it
(the floor), in one process, alternating rounds so that drift
affects both alike. Prints each case's time per request and the ratio to its floor. The
counts go to shared files (``PROMETHEUS_MULTIPROC_DIR``), as under ``syndicate serve``,
unless ``--single-process``.

    .venv/bin/python bench/metrics_overhead.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "5000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }


def _answer(app: Callable[..., Any], path: str) -> None:
    def start_response(_status: str, _headers: list[Any], _exc: Any = None) -> Any:
        return None

    body = app(_environ(path), start_response)
    for _chunk in body:
        pass
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _per_request(app: Callable[..., Any], path: str, count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        _answer(app, path)
    return (time.perf_counter() - started) / count


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--single-process", action="store_true", help="count in memory, as without `serve`"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-metrics-"))
    os.environ["SYNDICATE_INSTANCE_PATH"] = str(folder)
    if not args.single_process:
        # Before prometheus_client is imported, as `syndicate serve` does.
        (folder / "prometheus").mkdir()
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder / "prometheus")
    url = f"sqlite:///{folder / 'bench.db'}"

    from syndicate.app import create_app
    from syndicate.migrate import upgrade
    from syndicate.web.db import database

    upgrade(url)
    app = create_app({"SECRET_KEY": "bench-secret-key", "DATABASE_URL": url})
    with app.app_context():
        from tests.factories import make_article

        with database().transaction() as session:
            story = make_article(session, slug="bench-story")
            slug = story.slug
    # The middleware itself: the partner feed fast path outside it counts its own answers.
    counted = app.extensions["ops.metrics"]
    floor = counted.wsgi_app
    cases = {"front page (cached)": "/", "article (cached)": f"/articles/{slug}"}
    cases |= {"/healthz": "/healthz", "404": "/no/such/page"}
    for path in cases.values():
        for _ in range(3):
            _answer(counted, path)
    print(f"{'case':<22} {'uncounted µs':>13} {'counted µs':>11} {'ratio':>6}")
    share = max(1, args.requests // args.rounds)
    for name, path in cases.items():
        base = with_metrics = 0.0
        for _ in range(args.rounds):
            base += _per_request(floor, path, share)
            with_metrics += _per_request(counted, path, share)
        base, with_metrics = base / args.rounds, with_metrics / args.rounds
        ratio = with_metrics / base
        print(f"{name:<22} {base * 1e6:>13.1f} {with_metrics * 1e6:>11.1f} {ratio:>6.2f}")


if __name__ == "__main__":
    main()
