"""Shared start-up code for browser tests: a demo instance served on a free port, Chromium.

Debian's Chromium is driven by Playwright; a downloaded browser is never used.

Loading the demo takes a new process most of twenty seconds, so a test run loads it once:
``demo_template()`` builds a migrated demo instance under a lock in a folder that every
xdist worker of the run shares, and ``serve_demo`` serves a copy of it. Most browser tests
need no instance of their own: tests/conftest.py has the session-wide fixtures ``demo_site``
(one demo server per test process) and ``browser`` (one Chromium); see its docstring.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def syndicate_command() -> list[str]:
    """The ``syndicate`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "syndicate"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from syndicate.cli import main; main()"]


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    """GET ``url``; return the status and the body as text."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def overflow(page: Any) -> int:
    """How many pixels the page is wider than its window, measured once it has loaded: a page
    reached by a click may be measured before its stylesheet applies otherwise."""
    page.wait_for_load_state("load")
    return int(
        page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    )


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``url`` until it answers, the server dies, or 60 seconds pass."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        try:
            if fetch(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer in time:\n{log.read_text()[-4000:]}")


def gunicorn_workers(server_pid: int) -> list[int]:
    """gunicorn's workers: the server's children forked from it (same command line, which
    leaves out the outbox worker it also starts)."""
    master = Path(f"/proc/{server_pid}/cmdline").read_bytes()
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == server_pid and cmdline == master:
            pids.append(int(stat.parent.name))
    return pids


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a gunicorn master and its workers, gracefully first."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class DemoSite:
    """A running demo instance."""

    base_url: str
    instance: Path

    def credentials(self) -> dict[str, str]:
        """The demo accounts' e-mail → password pairs, as ``syndicate demo`` kept them."""
        pairs = {}
        for line in (self.instance / "demo-credentials.txt").read_text().splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                pairs[parts[0]] = parts[1]
        return pairs


def demo_env(instance: Path) -> dict[str, str]:
    """The environment of a ``syndicate`` command on the SQLite instance in ``instance``:
    no configuration from around us but the artifacts folder."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SYNDICATE_") or key == "SYNDICATE_TEST_ARTIFACTS"
    }
    env.update(
        SYNDICATE_INSTANCE_PATH=str(instance),
        SYNDICATE_DATABASE_URL=f"sqlite:///{instance / 'syndicate.db'}",
    )
    return env


def build_demo(instance: Path) -> None:
    """Migrate an SQLite instance in ``instance`` and load the demo content, as ``make run``
    does, through the console script."""
    env = demo_env(instance)
    command = syndicate_command()
    for step in (["db", "upgrade"], ["demo"]):
        result = subprocess.run(
            [*command, *step], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert result.returncode == 0, f"syndicate {' '.join(step)} failed:\n{result.stderr}"


# Where this test run keeps its one demo build (set by tests/conftest.py; None: no sharing).
_template_root: Path | None = None


def share_demo_builds(root: Path) -> None:
    """Keep this run's demo build in ``root``, a folder every test process of the run sees."""
    global _template_root
    _template_root = root


@contextmanager
def _exclusive(lock_file: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_file`` (other test processes wait for it)."""
    with lock_file.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def demo_template() -> Path | None:
    """This run's migrated demo instance, built by the first test process that asks while
    the others wait; None when builds are not shared (outside the test suite)."""
    if _template_root is None:
        return None
    template = _template_root / "demo-template"
    built = _template_root / "demo-template.built"
    with _exclusive(_template_root / "demo-template.lock"):
        if not built.exists():
            shutil.rmtree(template, ignore_errors=True)
            template.mkdir(parents=True)
            build_demo(template)
            built.touch()
    return template


def prepare_demo(instance: Path) -> None:
    """Put a migrated demo instance in ``instance``: a copy of this run's build when there
    is one (the same files ``syndicate demo`` wrote: database, media, credentials)."""
    template = demo_template()
    if template is None:
        build_demo(instance)
        return
    shutil.copytree(template, instance, dirs_exist_ok=True)


@contextmanager
def serve_demo(instance: Path, config: str = "") -> Iterator[DemoSite]:
    """Serve a demo instance of its own from ``instance`` (an empty folder) with ``syndicate
    serve``; ``config`` is TOML for the server's configuration file."""
    prepare_demo(instance)
    env = demo_env(instance)
    if config:
        (instance / "config.toml").write_text(config, encoding="utf-8")
        env["SYNDICATE_CONFIG"] = str(instance / "config.toml")
    port = free_port()
    log = instance / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *syndicate_command(),
                *("serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url + "/", process, log)
        yield DemoSite(base_url=base_url, instance=instance)
    finally:
        stop(process)


# One Playwright driver per test process: its sync API allows only one running at a time,
# and the session's shared Chromium (tests/conftest.py) keeps one running throughout.
_playwright: Any = None


def _driver() -> Any:
    global _playwright
    if _playwright is None:
        from playwright.sync_api import sync_playwright

        _playwright = sync_playwright().start()
    return _playwright


def stop_playwright() -> None:
    """Stop this process's Playwright driver, if one was started (at the session's end)."""
    global _playwright
    if _playwright is not None:
        _playwright.stop()
        _playwright = None


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (skipped when it is missing)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI installs the Debian package chromium")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    browser = _driver().chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()


class PageProblems:
    """Collects script errors, console errors and failed loads of a page."""

    def __init__(self, page: Any, allowed_statuses: tuple[int, ...] = ()) -> None:
        self.errors: list[str] = []
        self.allowed = allowed_statuses
        page.on("pageerror", lambda exc: self.errors.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if (
            response.status >= 400
            and response.status not in self.allowed
            and not response.url.endswith("/favicon.ico")
        ):
            self.errors.append(f"HTTP {response.status}: {response.url}")
