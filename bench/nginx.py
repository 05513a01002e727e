"""The article page through nginx (deploy/nginx/syndicate.conf), as a ratio to the same nginx
serving a static file of the same bytes.

Prepares a throwaway instance (SQLite, or ``--database-url``), loads the demo content,
serves it with ``syndicate serve --no-worker`` behind real nginx (the shipped site, rewritten
for loopback by tests/nginx_support.py: self-signed certificate, free ports), picks an
illustrated article and writes the bytes nginx returned for it to a file that the same
nginx, in the same TLS server, serves as a static file. All are measured with wrk over
HTTPS in one run:

* the article page for an anonymous reader (nginx's microcache honours the service's
  ``Cache-Control``, so repeats are answered by nginx within ``[site] cache_max_age``);
* the same page with a session cookie, which nginx and the service's own page cache both
  pass on, so every request is rendered, as for a signed-in reader (informative);
* the floor: the static file.

The anonymous page and the floor are measured alternately, ``--rounds`` times each, and the
best of each counts, so a burst of other work on the machine weighs on neither alone.

The ratio anonymous page / floor is the figure to watch (target ≥ 0.5). Every process
started here is stopped at the end, on errors too. Needs nginx and wrk::

    .venv/bin/python bench/nginx.py --duration 10
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# Look for packages from the project root, never from this directory (see feeds.py).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH_DIR]
sys.path.insert(0, str(BENCH_DIR.parent))

from bench.pages import (  # noqa: E402 - after the path is set
    Result,
    Servers,
    free_port,
    pick_article,
    prepare_instance,
    run_wrk,
    serve_syndicate,
    stopped_on_signals,
)
from tests.nginx_support import Nginx, SiteOptions, nginx_binary, self_signed_certificate  # noqa: E402

TARGET_RATIO = 0.5
FLOOR_PATH = "/bench-floor.html"
PERSONAL = {"Cookie": "syndicate_session=bench-reader"}


def fetch(
    url: str, context: ssl.SSLContext, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` over verified TLS; the status, headers and body."""
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return response.status, dict(response.headers), response.read()


def measure(
    label: str, url: str, args: argparse.Namespace, headers: dict[str, str] | None = None
) -> Result:
    """Warm up, then measure ``url`` with wrk."""
    run_wrk(label, url, args, args.warmup, headers or {})
    result = run_wrk(label, url, args, args.duration, headers or {})
    print(f"  {label}: {result.requests_per_second:,.0f} req/s", file=sys.stderr)
    return result


def run(args: argparse.Namespace, workdir: Path, servers: Servers) -> tuple[str, int, list[Result]]:
    """Prepare, serve, measure; return the page's path, its size and the results."""
    workdir.chmod(0o755)  # nginx's workers (another user when run as root) read from it
    instance, media = workdir / "instance", workdir / "media"
    instance.mkdir()
    media.mkdir(mode=0o755)
    cert, key = self_signed_certificate(workdir)
    options = SiteOptions(
        http_port=free_port(),
        https_port=free_port(),
        upstream_ports=[free_port()],
        certificate=cert,
        certificate_key=key,
        media_dir=media,
        cache_dir=workdir / "nginx-cache",
        extra_locations=f"    location = {FLOOR_PATH} {{\n"
        f"        alias {workdir / 'floor.html'};\n"
        "        default_type text/html;\n"
        "    }\n",
    )
    base = f"https://127.0.0.1:{options.https_port}"
    config = workdir / "syndicate.toml"
    config.write_text(
        f'media_dir = "{media}"\ntrusted_proxies = 1\n[site]\nbase_url = "{base}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
    env["SYNDICATE_INSTANCE_PATH"] = str(instance)
    env["SYNDICATE_CONFIG"] = str(config)
    env["SYNDICATE_DATABASE_URL"] = args.database_url or f"sqlite:///{instance / 'syndicate.db'}"
    print("Preparing a throwaway instance…", file=sys.stderr)
    prepare_instance(env)

    port = options.upstream_ports[0]
    serve_syndicate(servers, env, port, args.workers, workdir / "syndicate.log")
    page = pick_article(f"http://127.0.0.1:{port}", args.path)

    (workdir / "floor.html").write_bytes(b"")
    nginx = Nginx(workdir / "nginx", options, worker_processes=args.nginx_workers)
    nginx.write()
    servers.start("nginx", nginx.command(), env, workdir / "nginx.out")
    wait_for_port(servers, "nginx", options.https_port)
    tls = ssl.create_default_context(cafile=str(cert))
    status, _, body = fetch(base + page.path, tls)
    if status != 200:
        raise RuntimeError(f"{page.path} through nginx answered {status}")
    (workdir / "floor.html").write_bytes(body)
    _, _, floor_body = fetch(base + FLOOR_PATH, tls)
    if floor_body != body:
        raise RuntimeError("the floor does not return the page's bytes")
    cached = fetch(base + page.path, tls)[1].get("X-Cache-Status")
    print(f"Measuring {page.path} ({len(body):,} bytes; microcache {cached})…", file=sys.stderr)
    pages: list[Result] = []
    floors: list[Result] = []
    for _ in range(args.rounds):
        pages.append(measure("article page (anonymous)", base + page.path, args))
        floors.append(measure("floor (static file, same bytes)", base + FLOOR_PATH, args))
    rendered = measure("article page (session cookie)", base + page.path, args, PERSONAL)
    best = [max(pages, key=_speed), rendered, max(floors, key=_speed)]
    return page.path, len(body), best


def _speed(result: Result) -> float:
    return result.requests_per_second


def wait_for_port(servers: Servers, name: str, port: int, timeout: float = 20) -> None:
    """Wait until ``port`` accepts connections; fail if the process ``name`` exits first."""
    _, process, log = next(p for p in servers.processes if p[0] == name)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on {port} within {timeout:.0f}s")


def print_report(args: argparse.Namespace, path: str, size: int, results: list[Result]) -> float:
    """Print the table; return the anonymous page / floor ratio."""
    database = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    print()
    print("Syndicate behind nginx")
    print(
        f"  nginx: {args.nginx_workers} worker(s), deploy/nginx/syndicate.conf over TLS; "
        f"syndicate serve: {args.workers} workers; database: {database}"
    )
    print(
        f"  load: wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s, HTTPS, "
        f"loopback; best of {args.rounds} alternate rounds for the page and the floor"
    )
    print(f"  page: {path} ({size:,} bytes)")
    print()
    header = f"  {'target':<36} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for r in results:
        print(
            f"  {r.label:<36} {r.requests_per_second:>11,.0f} {r.p50_ms:>8.2f} "
            f"{r.p99_ms:>8.2f} {r.errors:>7}"
        )
    floor = results[-1].requests_per_second
    ratio = results[0].requests_per_second / floor
    verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
    print()
    print(f"  ratio page / floor: {ratio:.2f}  ({verdict} the target ≥ {TARGET_RATIO})")
    print(
        f"  ratio page with a session cookie / floor: {results[1].requests_per_second / floor:.3f}"
    )
    if any(r.errors for r in results):
        print("  WARNING: some requests failed; the figures are not trustworthy")
    return ratio


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per target")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--rounds", type=int, default=2, help="alternate measurements")
    parser.add_argument("--nginx-workers", type=int, default=1, help="nginx worker processes")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a scratch database instead of a temporary SQLite file; the demo is loaded into it",
    )
    parser.add_argument("--path", default=None, help="the page to measure, e.g. /articles/SLUG")
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when the ratio is below {TARGET_RATIO}"
    )
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.duration > 120:
        parser.error("--duration must be between 0 and 120 seconds")
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be between 1 and 10")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the exit status is 0 unless something failed (or --check missed)."""
    args = parse_args(argv)
    missing = [
        name
        for name, found in (("nginx", nginx_binary()), ("wrk", shutil.which("wrk")))
        if not found
    ]
    if missing:
        print(
            f"bench: needs {' and '.join(missing)} (apt-get install nginx-light wrk)",
            file=sys.stderr,
        )
        return 1
    servers = Servers()
    with stopped_on_signals(), tempfile.TemporaryDirectory(prefix="syndicate-bench-nginx-") as tmp:
        try:
            path, size, results = run(args, Path(tmp), servers)
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("bench: interrupted", file=sys.stderr)
            return 130
        finally:
            servers.stop_all()
    ratio = print_report(args, path, size, results)
    if args.check and ratio < TARGET_RATIO:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
