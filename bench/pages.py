"""Throughput of the article page, as a ratio to a floor that serves the same bytes.

Prepares a throwaway instance (SQLite, or ``--database-url``), loads the demo content,
serves it with ``syndicate serve --workers 2``, picks an illustrated article and fetches it
once. A floor server, gunicorn with the same worker class, workers and threads, then returns
those exact bytes pre-rendered. Both are measured on loopback with wrk (or a bounded Python
client when wrk is missing):

* the article page for an anonymous reader (with the page cache on, as deployed: one
  version read per request and the kept copy; ``--no-page-cache`` measures the render);
* the same page asked conditionally with ``If-None-Match`` (a 304, as a shared cache would);
* the floor.

Each of the ``--rounds`` starts a fresh app server and a fresh floor, in alternating order.
The ratio page / floor is the figure to watch (target ≥ 0.5). Every server started here is
stopped at the end, on errors too. Run it with ``make bench`` or
``.venv/bin/python bench/pages.py --help``.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
# The benchmarks' shared modules are imported as ``bench.…``, from the project root.
if str(BENCH_DIR.parent) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR.parent))
TARGET_RATIO = 0.5
PAGE = "article page (anonymous)"
CONDITIONAL = "article page, If-None-Match (304)"
FLOOR = "floor (same bytes, pre-rendered)"
FALLBACK_MAX_REQUESTS = 50_000


@dataclass
class Result:
    """One measured target."""

    label: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    # Server CPU time (master and workers, user and system) per answered request.
    cpu_us: float = float("nan")


@dataclass
class Page:
    """The article picked for the run, as the real server returned it."""

    path: str
    body: bytes
    content_type: str
    etag: str | None
    headers: list[tuple[str, str]]


@dataclass
class Run:
    """Everything one run measured, for the report."""

    page: Page
    server: dict[str, Any]
    rounds: list[list[Result]]


# --- processes -------------------------------------------------------------------------------


def syndicate_command() -> list[str]:
    """The ``syndicate`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "syndicate"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from syndicate.cli import main; main()"]


def serve_syndicate(
    servers: Servers, env: dict[str, str], port: int, workers: int, log: Path
) -> str:
    """Start ``syndicate serve`` on ``port`` as server ``syndicate`` (no access log, no outbox
    worker) and wait until it answers; return its address."""
    servers.start(
        "syndicate",
        [
            *syndicate_command(), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--no-access-log", "--no-worker",
        ],
        env,
        log,
    )  # fmt: skip
    servers.wait_ready("syndicate", f"http://127.0.0.1:{port}/")
    return f"http://127.0.0.1:{port}"


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_options() -> dict[str, Any]:
    """The gunicorn options ``syndicate serve`` uses, read from the code, not copied (served
    here without the outbox worker, as the benchmark serves the site)."""
    import syndicate.server as server

    captured: dict[str, Any] = {}

    class _Capture:
        def __init__(
            self, options: dict[str, Any], _outbox: Any = None, _application: Any = None
        ) -> None:
            captured.update(options)

        def run(self) -> None:
            """Start nothing: only the options are wanted."""

    original = server._Server
    # run_gunicorn names a metrics folder in the environment (and removes the folder): the
    # servers started later must not inherit the name.
    metrics = os.environ.get(server.METRICS_ENV)
    setattr(server, "_Server", _Capture)  # noqa: B010 - a deliberate, undone swap
    try:
        server.run_gunicorn(
            host="127.0.0.1", port=0, workers=2, access_log=False, outbox_worker=False
        )
    finally:
        setattr(server, "_Server", original)  # noqa: B010
        if metrics is None:
            os.environ.pop(server.METRICS_ENV, None)
        else:
            os.environ[server.METRICS_ENV] = metrics
    return captured


class Servers:
    """Processes started by the benchmark; all of them are stopped by :meth:`stop_all`."""

    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, command: list[str], env: dict[str, str], log: Path) -> None:
        """Start ``command`` in its own process group, its output going to ``log``."""
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append((name, process, log))

    def wait_ready(self, name: str, url: str, timeout: float = 60) -> None:
        """Poll ``url`` until it answers 200; fail with the server's log otherwise."""
        _, process, log = next(p for p in self.processes if p[0] == name)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(
            f"{name} did not answer within {timeout:.0f}s:\n{log.read_text()[-3000:]}"
        )

    def stop(self, name: str) -> None:
        """Stop server ``name`` (its whole process group)."""
        entry = next(p for p in self.processes if p[0] == name)
        _stop_group(entry[1])
        self.processes.remove(entry)

    def pid(self, name: str) -> int:
        """The process id of server ``name``, which is also its process group's."""
        return next(p for p in self.processes if p[0] == name)[1].pid

    def stop_all(self) -> None:
        """SIGTERM each server's process group, then SIGKILL whatever is left."""
        for _, process, _ in self.processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        for _, process, _ in self.processes:
            _stop_group(process, signalled=True)
        self.processes.clear()


def _stop_group(process: subprocess.Popen[bytes], *, signalled: bool = False) -> None:
    # SIGTERM (unless sent already), a wait, then SIGKILL for what is left (workers of a
    # master that died too).
    if not signalled and process.poll() is None:
        _signal_group(process, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        _signal_group(process, signal.SIGKILL)
        process.wait(timeout=5)
    _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


@contextmanager
def stopped_on_signals() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so that cleanup runs."""

    def _interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- the page --------------------------------------------------------------------------------


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
    """GET ``url``; return status, headers and body, without raising on 3xx/4xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def pick_article(base_url: str, wanted: str | None) -> Page:
    """The article to measure: ``wanted``, or the first illustrated one on the home page."""
    candidates: list[str]
    if wanted:
        candidates = [wanted]
    else:
        status, _, home = http_get(base_url + "/")
        if status != 200:
            raise RuntimeError(f"the home page answered {status}")
        links = re.findall(rb'href="(?:https?://[^/"]+)?(/articles/[^"#?]+)"', home)
        candidates = list(dict.fromkeys(link.decode() for link in links))
        if not candidates:
            raise RuntimeError("the home page links to no article; did `syndicate demo` work?")
    fallback: Page | None = None
    for path in candidates:
        status, headers, body = http_get(base_url + path)
        if status != 200:
            continue
        page = Page(
            path, body, headers.get("Content-Type", ""), headers.get("ETag"), headers.items()
        )
        if b"<figure" in body:
            return page
        fallback = fallback or page
    if fallback is None:
        raise RuntimeError(f"no article answered 200 among {candidates[:5]}")
    return fallback


# --- load generation -------------------------------------------------------------------------


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(
    label: str, url: str, args: argparse.Namespace, duration: float, headers: dict[str, str]
) -> Result:
    """Measure ``url`` with wrk and parse requests/s and latency percentiles."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{duration:g}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    non_ok = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not (rps and total and p50 and p99):
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    errors = int(non_ok.group(1)) if non_ok else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(
        label,
        float(rps.group(1)),
        _duration_ms(p50.group(1)),
        _duration_ms(p99.group(1)),
        int(total.group(1)),
        errors,
    )


def run_python_client(
    label: str, url: str, args: argparse.Namespace, duration: float, headers: dict[str, str]
) -> Result:
    """Measure ``url`` with keep-alive connections in threads; bounded in time and count."""
    match = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
    assert match, url
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    budget = FALLBACK_MAX_REQUESTS

    def worker() -> None:
        nonlocal errors, budget
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            while time.monotonic() < deadline:
                with lock:
                    if budget <= 0:
                        return
                    budget -= 1
                started = time.perf_counter()
                try:
                    connection.request("GET", path, headers=headers)
                    response = connection.getresponse()
                    response.read()
                    ok = response.status < 400
                except (OSError, http.client.HTTPException):
                    ok = False
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=10)
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += 0 if ok else 1
        finally:
            connection.close()

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(args.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(latencies) or [float("nan")]
    return Result(
        label,
        len(latencies) / elapsed,
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        len(latencies),
        errors,
    )


def measure(
    label: str,
    url: str,
    args: argparse.Namespace,
    server: int,
    headers: dict[str, str] | None = None,
) -> Result:
    """Warm up, then measure ``url`` with wrk or the Python fallback, and the CPU time the
    ``server`` process group spent per answered request meanwhile."""
    from bench.server_cpu import group_cpu_seconds

    runner = run_wrk if args.tool == "wrk" else run_python_client
    runner(label, url, args, args.warmup, headers or {})
    before = group_cpu_seconds(server)
    result = runner(label, url, args, args.duration, headers or {})
    if result.requests:
        result.cpu_us = (group_cpu_seconds(server) - before) * 1e6 / result.requests
    print(f"  {label}: {result.requests_per_second:,.0f} req/s", file=sys.stderr)
    return result


# --- the run ---------------------------------------------------------------------------------


def prepare_instance(env: dict[str, str]) -> None:
    """Migrate the database and load the demo content."""
    for step in (["db", "upgrade"], ["demo"]):
        started = time.monotonic()
        result = subprocess.run(
            [*syndicate_command(), *step], env=env, capture_output=True, text=True, timeout=900
        )
        if result.returncode != 0:
            raise RuntimeError(f"syndicate {' '.join(step)} failed:\n{result.stderr[-3000:]}")
        print(f"  syndicate {' '.join(step)}: {time.monotonic() - started:.1f}s", file=sys.stderr)


def measure_page(page: Page, page_base: str, args: argparse.Namespace, app: int) -> list[Result]:
    """The page and, when it has an ETag, its 304, on the app server (process group ``app``)."""
    url = page_base + page.path
    results = [measure(PAGE, url, args, app)]
    if page.etag:
        results.append(measure(CONDITIONAL, url, args, app, {"If-None-Match": page.etag}))
    return results


def check_servers(page: Page, page_base: str, floor_url: str) -> None:
    """Fail unless the floor returns the page's bytes and headers and the app still answers
    the page's ETag with 304."""
    from bench.floor import NOT_KEPT

    def compared(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return sorted((n.lower(), v) for n, v in headers if n.lower() not in NOT_KEPT)

    _status, floor_headers, floor_body = http_get(floor_url)
    if floor_body != page.body:
        raise RuntimeError("the floor does not return the page's bytes")
    if compared(floor_headers.items()) != compared(page.headers):
        raise RuntimeError("the floor does not return the page's headers")
    if page.etag:
        status, _, _ = http_get(page_base + page.path, {"If-None-Match": page.etag})
        if status != 304:
            raise RuntimeError(f"If-None-Match {page.etag} answered {status}, not 304")


def run(args: argparse.Namespace, workdir: Path, servers: Servers) -> Run:
    """Prepare, serve, measure; return the page and the results in table order."""
    instance = workdir / "instance"
    instance.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
    env["SYNDICATE_INSTANCE_PATH"] = str(instance)
    env["SYNDICATE_DATABASE_URL"] = args.database_url or f"sqlite:///{instance / 'syndicate.db'}"
    # One site address for every server started here (each on a port of its own), so that
    # each renders the very bytes the floor returns.
    env["SYNDICATE_BASE_URL"] = "http://127.0.0.1:8000"
    if args.no_page_cache:
        # Every request rendered by Flask: the figures of the render path itself.
        config = workdir / "syndicate.toml"
        config.write_text("[site]\npage_cache = false\n")
        env["SYNDICATE_CONFIG"] = str(config)
    print("Preparing a throwaway instance…", file=sys.stderr)
    prepare_instance(env)

    options = server_options()
    from bench.floor import save_variant

    def start_app() -> str:
        return serve_syndicate(servers, env, free_port(), args.workers, workdir / "syndicate.log")

    def start_floor() -> str:
        port = free_port()
        servers.start(
            "floor",
            [
                sys.executable, "-m", "gunicorn", "--pythonpath", str(BENCH_DIR),
                "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                "--worker-class", str(options["worker_class"]),
                "--threads", str(options["threads"]), "floor:app",
            ],
            floor_env,
            workdir / "floor.log",
        )  # fmt: skip
        servers.wait_ready("floor", f"http://127.0.0.1:{port}/")
        return f"http://127.0.0.1:{port}/"

    # A first app server gives the page the floor returns.
    page = pick_article(start_app(), args.path)
    servers.stop("syndicate")
    save_variant(workdir, "page", page.body, page.headers)
    floor_env = {
        **env,
        "BENCH_FLOOR_BODY": str(workdir / "floor-page.body"),
        "BENCH_FLOOR_HEADERS": str(workdir / "floor-page.headers"),
    }
    print(f"Measuring {page.path} ({len(page.body):,} bytes)…", file=sys.stderr)
    rounds = []
    # Fresh servers for every round, started and measured in alternating order: two
    # identical servers measured in turn for many rounds differ here by up to a fifth, the
    # same one ahead in every round, so rounds of one pair of servers are one draw.
    for number in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f" round {number} of {args.rounds}", file=sys.stderr)
        app_first = number % 2 == 1
        try:
            if app_first:
                page_base, floor_url = start_app(), start_floor()
            else:
                floor_url = start_floor()
                page_base = start_app()
            check_servers(page, page_base, floor_url)
            app, floor = servers.pid("syndicate"), servers.pid("floor")
            if app_first:
                results = [
                    *measure_page(page, page_base, args, app),
                    measure(FLOOR, floor_url, args, floor),
                ]
            else:
                floor_result = measure(FLOOR, floor_url, args, floor)
                results = [*measure_page(page, page_base, args, app), floor_result]
            rounds.append(results)  # in table order: the page, its 304, the floor
        finally:
            servers.stop_all()
    return Run(page, options, rounds)


def print_report(args: argparse.Namespace, measured: Run) -> float:
    """Print the table; return the page / floor ratio."""
    page, options = measured.page, measured.server
    database = "PostgreSQL" if (args.database_url or "").startswith("postgres") else "SQLite"
    tool = (
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration:g}s"
        if args.tool == "wrk"
        else f"Python client, {args.connections} connections, {args.duration:g}s (client-bound)"
    )
    print()
    print("Syndicate page benchmark")
    print(
        f"  server: gunicorn {options['worker_class']}, {args.workers} workers × "
        f"{options['threads']} threads; database: {database}; load: {tool}; loopback"
    )
    print(f"  page cache: {'off' if args.no_page_cache else 'on'}")
    print(f"  page:   {page.path} ({len(page.body):,} bytes, {page.content_type})")
    print()
    header = f"  {'target':<36} {'requests/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
    header += f" {'CPU µs':>7}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    ratios: dict[str, list[float]] = {PAGE: [], CONDITIONAL: []}
    for number, results in enumerate(measured.rounds, 1):
        if len(measured.rounds) > 1:
            print(f"  round {number}")
        for r in results:
            print(
                f"  {r.label:<36} {r.requests_per_second:>11,.0f} {r.p50_ms:>8.2f} "
                f"{r.p99_ms:>8.2f} {r.errors:>7} {r.cpu_us:>7.0f}"
            )
            if r.label in ratios:
                ratios[r.label].append(r.requests_per_second / results[-1].requests_per_second)
    print()
    for label, name in ((PAGE, "page"), (CONDITIONAL, "304")):
        found = ratios[label]
        if not found:
            continue
        median = statistics.median(found)
        line = f"  ratio {name} / floor: {median:.2f}"
        if len(found) > 1:
            line += f" median ({min(found):.2f}–{max(found):.2f})"
        if label == PAGE:
            line += (
                f"  ({'meets' if median >= TARGET_RATIO else 'BELOW'} the target ≥ {TARGET_RATIO})"
            )
        print(line)
    if len(measured.rounds) > 1:
        print("  (each round on fresh servers; its ratios are over that round's floor)")
    cpu = {
        label: statistics.median(
            r.cpu_us for results in measured.rounds for r in results if r.label == label
        )
        for label in {r.label for r in measured.rounds[0]}
    }
    for label, name in ((PAGE, "page"), (CONDITIONAL, "304")):
        if label in cpu:
            print(
                f"  server CPU per request, floor ÷ {name}: {cpu[FLOOR] / cpu[label]:.2f}"
                f" ({cpu[label]:.0f} µs against the floor's {cpu[FLOOR]:.0f};"
                " master and workers, user and system, medians of the rounds)"
            )
    if any(r.errors for results in measured.rounds for r in results):
        print("  WARNING: some requests failed; the figures are not trustworthy")
    return statistics.median(ratios[PAGE])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per target")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure page, 304 and floor in this many rounds, each on fresh servers; "
        "report median paired ratios",
    )
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of both servers")
    parser.add_argument(
        "--database-url",
        default=None,
        help="a scratch database to use instead of a temporary SQLite file "
        "(e.g. postgresql://postgres@127.0.0.1:5432/bench); the demo content is loaded into it",
    )
    parser.add_argument(
        "--no-page-cache",
        action="store_true",
        help="serve with [site] page_cache = false, so that every request is rendered",
    )
    parser.add_argument("--path", default=None, help="the page to measure, e.g. /articles/SLUG")
    parser.add_argument(
        "--tool",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: wrk when installed)",
    )
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when the ratio is below {TARGET_RATIO}"
    )
    args = parser.parse_args(argv)
    if args.tool == "auto":
        args.tool = "wrk" if shutil.which("wrk") else "python"
    if args.duration <= 0 or args.duration > 120:
        parser.error("--duration must be between 0 and 120 seconds")
    if args.tool == "wrk" and not all(float(s).is_integer() for s in (args.duration, args.warmup)):
        parser.error("wrk takes whole seconds: give --duration and --warmup as integers")
    if not 1 <= args.rounds <= 50:
        parser.error("--rounds must be between 1 and 50")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; the exit status is 0 unless something failed (or --check missed)."""
    args = parse_args(argv)
    servers = Servers()
    with stopped_on_signals(), tempfile.TemporaryDirectory(prefix="syndicate-bench-") as tmp:
        try:
            measured = run(args, Path(tmp), servers)
        except (RuntimeError, subprocess.SubprocessError) as exc:
            print(f"bench: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("bench: interrupted", file=sys.stderr)
            return 130
        finally:
            servers.stop_all()
    ratio = print_report(args, measured)
    if args.check and ratio < TARGET_RATIO:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
