"""Run the application under gunicorn, with the outbox worker beside it."""

from __future__ import annotations

import faulthandler
import gc
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

# Client, worker process id, request line without the query string, status, bytes, seconds.
ACCESS_LOG_FORMAT = '%(h)s %(p)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(L)ss "%(a)s"'

log = logging.getLogger("syndicate.server")


def outbox_worker_command(parent_pid: int) -> list[str]:
    """The command line of an outbox worker that exits when ``parent_pid`` is gone."""
    return [sys.executable, "-m", "syndicate", "worker", "--parent-pid", str(parent_pid)]


class OutboxWorker:
    """``syndicate worker`` as a child process of the server.

    Started with the server, started again when it dies (waiting a little longer after each
    quick death, up to ``max_delay`` seconds), and stopped when the server stops.
    """

    def __init__(self, command: list[str], *, max_delay: float = 60.0) -> None:
        self.command = command
        self.max_delay = max_delay
        self.process: subprocess.Popen[bytes] | None = None
        self.delay = 1.0
        self.started_at = 0.0
        self.restart_at: float | None = None
        self.stopped = False

    def start(self) -> None:
        """Start the worker process."""
        self.process = subprocess.Popen(self.command)  # noqa: S603 (our own interpreter)
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("Outbox worker started (pid %s).", self.process.pid)

    def check(self) -> None:
        """Start the worker again if it has died and its restart delay has passed."""
        if self.stopped or self.process is None:
            return
        now = time.monotonic()
        if self.restart_at is None:
            if self.process.poll() is None:
                return
            # A worker that ran for a while starts again at once; one that keeps dying waits.
            self.delay = 1.0 if now - self.started_at > self.max_delay else self.delay
            self.restart_at = now + self.delay
            # No exit status here: gunicorn's master reaps every child, ours included.
            log.warning(
                "Outbox worker (pid %s) has exited; starting it again in %.0fs.",
                self.process.pid,
                self.delay,
            )
            self.delay = min(self.delay * 2, self.max_delay)
        if now >= self.restart_at:
            self.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the worker to finish its round and exit; kill it if it has not after ``timeout``."""
        self.stopped = True
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.info("Outbox worker stopped.")


def flush_at_exit(_arbiter: Any, worker: Any) -> None:
    """gunicorn's ``worker_exit`` hook, run in the worker as it exits (a deploy, a restart,
    ``max_requests``): write the feed fetch counts and request metrics it has not written yet."""
    counter = getattr(getattr(worker, "wsgi", None), "extensions", {}).get("syndication.fetches")
    if counter is not None:
        counter.flush()
    from syndicate.ops import metrics

    metrics.flush()


METRICS_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PREFIX = "syndicate-metrics-"
# The metrics folder this process made (and removes when the server stops).
_made_here: dict[str, str] = {}


def metrics_directory() -> tuple[str, bool]:
    """Point ``PROMETHEUS_MULTIPROC_DIR`` at the folder the workers share their metrics in,
    before anything imports ``prometheus_client``; returns it and whether it is ours to remove.

    A folder already named in the environment is used, emptied of an earlier run's counts;
    otherwise a new temporary one is made. Calling it again returns the same folder.
    """
    given = os.environ.get(METRICS_ENV)
    if given and _made_here.get("path") == given:
        return given, True
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return given, False
    _sweep_orphaned_metrics()
    made = tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-")
    _made_here.update(path=made, pid=str(os.getpid()))
    os.environ[METRICS_ENV] = made
    return made, True


def remove_metrics_directory(path: str) -> None:
    """Remove the metrics folder :func:`metrics_directory` made, from the process that made
    it only. A gunicorn worker is forked inside the server's call stack and leaves through
    it too: it must not remove the folder while the other workers still write their counts."""
    if _made_here.get("path") == path and _made_here.get("pid") == str(os.getpid()):
        shutil.rmtree(path, ignore_errors=True)


def _sweep_orphaned_metrics() -> None:
    """Remove the metrics folders of servers that were killed before they could (their
    names carry the server's process id; a folder whose process still runs is left)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{METRICS_PREFIX}*-*"):
        owner = folder.name.removeprefix(METRICS_PREFIX).split("-", 1)[0]
        if not owner.isdigit():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def forget_worker_metrics(_arbiter: Any, worker: Any) -> None:
    """gunicorn's ``child_exit`` hook, run in the master when a worker has exited: drop that
    worker's live gauges. Its counters stay, so totals still include what it counted."""
    from prometheus_client import multiprocess

    if os.environ.get(METRICS_ENV):
        multiprocess.mark_process_dead(worker.pid)


class _Arbiter(Arbiter):
    """gunicorn's master process, which also looks after the outbox worker.

    The master's own loop (about once a second) checks the worker, so no thread is needed.
    """

    outbox: OutboxWorker | None = None

    def start(self) -> None:
        super().start()
        if self.outbox is not None:
            self.outbox.start()

    def manage_workers(self) -> None:
        super().manage_workers()
        if self.outbox is not None and os.getpid() == self.pid:
            self.outbox.check()

    def stop(self, graceful: bool = True) -> None:
        if self.outbox is not None:
            self.outbox.stop()
        super().stop(graceful)


class _Server(BaseApplication):
    """gunicorn's application: each worker serves ``application`` as the master built it.

    The master builds the application once (importing it takes about a second); each worker
    inherits it through the fork instead of importing and building its own, so workers boot
    at once and share the master's memory until they write to it. Building it makes no
    database connection and starts no thread; every in-process cache, counter and poller
    starts empty in each worker (:mod:`syndicate.forking`). Without one, each worker builds
    its own.
    """

    def __init__(
        self, options: dict[str, Any], outbox: OutboxWorker | None, application: Any = None
    ) -> None:
        self.options = options
        self.outbox = outbox
        self.application = application
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        application = self.application
        if application is None:
            from syndicate.app import create_app

            application = create_app()
        # What exists now lives as long as the worker: keep it out of the collector's full
        # passes, which otherwise walk it all (about 150,000 objects: a pause of 70-130 ms for
        # every thread of the worker, every few tens of thousands of requests under load) and
        # write to pages the worker still shares with the master.
        gc.freeze()
        return application

    def run(self) -> None:
        arbiter = _Arbiter(self)
        arbiter.outbox = self.outbox
        try:
            arbiter.run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr)
            sys.exit(1)


def run_gunicorn(
    *,
    host: str,
    port: int,
    workers: int,
    access_log: bool = True,
    outbox_worker: bool = True,
    application: Any = None,
) -> None:
    """Serve on ``host:port`` with ``workers`` processes, and the outbox worker unless
    ``outbox_worker`` is false (where ``syndicate worker`` runs apart). ``application``, when
    given, is the one every worker serves (see :class:`_Server`).

    The access log prints the path without its query string (``%(U)s``), so secrets
    passed as ``?key=`` never reach a log line. The workers share their metrics through
    :func:`metrics_directory` (call it first when the app is built before this).
    """
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-" if access_log else None,
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "forwarded_allow_ips": "127.0.0.1",
        "worker_exit": flush_at_exit,
        "child_exit": forget_worker_metrics,
    }
    metrics, ours = metrics_directory()
    # A worker killed by a fatal signal (a crash in an extension module) writes every
    # thread's Python stack to the error log first; forked workers inherit the handler.
    faulthandler.enable()
    outbox = OutboxWorker(outbox_worker_command(os.getpid())) if outbox_worker else None
    try:
        _Server(options, outbox, application).run()
    finally:
        if ours:
            remove_metrics_directory(metrics)
