"""``syndicate serve`` is the whole service: real gunicorn on a free port, with the outbox
worker as its child, and every absolute address following the port served.

Each server here runs on a throwaway SQLite instance, from the console script, as
``make run`` starts it.
"""

from __future__ import annotations

import email
import gc
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.browser_support import (
    fetch,
    free_port,
    gunicorn_workers,
    stop,
    syndicate_command,
    wait_until_serving,
)

WORKER_STARTED = re.compile(r"Outbox worker started \(pid (\d+)\)")


def instance_env(instance: Path) -> dict[str, str]:
    """The environment of a fresh instance: no configuration from around us, no PORT."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SYNDICATE_") and key != "PORT"
    }
    env.update(
        SYNDICATE_INSTANCE_PATH=str(instance),
        SYNDICATE_DATABASE_URL=f"sqlite:///{instance / 'syndicate.db'}",
    )
    return env


def migrate(env: dict[str, str]) -> None:
    """Migrate the instance's database here, as ``syndicate db upgrade`` would (that command
    itself runs in :func:`served`): a second of interpreter start-up saved per instance."""
    from syndicate.migrate import upgrade

    upgrade(env["SYNDICATE_DATABASE_URL"])


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a ``syndicate`` command to completion; it must succeed."""
    result = subprocess.run(
        [*syndicate_command(), *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"syndicate {' '.join(args)} failed:\n{result.stderr}"
    return result


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (and is not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def eventually(check: Callable[[], object], seconds: float = 20) -> object:
    """Poll ``check`` until it returns something true or ``seconds`` pass; return its value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


@dataclass
class Served:
    """A running ``syndicate serve`` and what it needs to be looked at."""

    process: subprocess.Popen[bytes]
    port: int
    instance: Path
    log: Path
    demo_output: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The outbox workers the server has started, oldest first."""
        return [int(pid) for pid in WORKER_STARTED.findall(self.log.read_text())]

    def mails(self) -> list[EmailMessage]:
        """The e-mails the file mail backend has written."""
        return [
            email.message_from_bytes(path.read_bytes(), _class=EmailMessage, policy=policy.default)
            for path in sorted((self.instance / "mail").glob("*.eml"))
        ]


def start_server(instance: Path, env: dict[str, str], *extra: str, demo_output: str = "") -> Served:
    """``syndicate serve --port P`` on a free port, once it answers."""
    port = int(env.get("PORT") or free_port())
    log = instance / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*syndicate_command(), "serve", "--port", str(port), "--workers", "1", *extra],
            env={key: value for key, value in env.items() if key != "PORT"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    served = Served(process, port, instance, log, demo_output)
    try:
        wait_until_serving(served.base_url + "/", process, log)
    except BaseException:
        stop(process)
        raise
    return served


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The demo, loaded as ``PORT=P make run`` loads it, served on port P."""
    instance = tmp_path_factory.mktemp("serve-instance")
    env = instance_env(instance)
    run(env, "db", "upgrade")
    env["PORT"] = str(free_port())
    demo = run(env, "demo")
    server = start_server(instance, env, demo_output=demo.stdout)
    try:
        yield server
    finally:
        stop(server.process)


def test_the_demo_printout_follows_the_port(served: Served) -> None:
    addresses = re.findall(r"http://[^\s/]+", served.demo_output)
    assert addresses, served.demo_output
    assert set(addresses) == {served.base_url}, served.demo_output


def test_pages_and_feeds_link_to_the_port_served(served: Served) -> None:
    status, home = fetch(served.base_url + "/")
    assert status == 200
    slug = re.search(r'href="[^"]*/articles/([^"#?/]+)"', home)
    assert slug, "the home page links to no article"
    status, article = fetch(f"{served.base_url}/articles/{slug.group(1)}")
    assert status == 200
    canonical = f'<link rel="canonical" href="{served.base_url}/articles/{slug.group(1)}">'
    assert canonical in article
    assert f'content="{served.base_url}/articles/{slug.group(1)}"' in article  # og:url
    for path in ("/feeds/public.rss", "/sitemap.xml"):
        status, body = fetch(served.base_url + path)
        assert status == 200, path
        hosts = set(re.findall(r"https?://127\.0\.0\.1:\d+", body))
        assert hosts == {served.base_url}, (path, hosts)


def test_the_child_worker_delivers_queued_mail_with_links_to_the_port(served: Served) -> None:
    # The demo queued notices (requests received, licences approved) before the server ran;
    # the worker reports a round that sent them.
    sent = eventually(lambda: re.search(r"^sent [1-9]", served.log.read_text(), re.MULTILINE))
    assert sent, f"no e-mail was delivered:\n{served.log.read_text()[-3000:]}"
    assert served.mails()
    links: set[str] = set()
    for mail in served.mails():
        body = mail.get_body(("plain",))
        assert body is not None, mail["Subject"]
        links.update(re.findall(r"http://127\.0\.0\.1:\d+", body.get_content()))
    assert links == {served.base_url}


def test_a_worker_that_dies_is_started_again(served: Served) -> None:
    first = eventually(served.worker_pids)
    assert first, served.log.read_text()[-3000:]
    os.kill(served.worker_pids()[-1], signal.SIGKILL)
    restarted = eventually(lambda: len(served.worker_pids()) > len(first))
    assert restarted, served.log.read_text()[-3000:]
    assert alive(served.worker_pids()[-1])


def test_a_web_worker_that_crashes_leaves_its_stacks_in_the_log(served: Served) -> None:
    [worker] = gunicorn_workers(served.process.pid)
    os.kill(worker, signal.SIGSEGV)
    assert eventually(lambda: "Fatal Python error: Segmentation fault" in served.log.read_text())
    assert "Current thread" in served.log.read_text() or "Thread 0x" in served.log.read_text()
    # gunicorn starts another worker, which serves.
    assert eventually(lambda: gunicorn_workers(served.process.pid) not in ([], [worker]))
    assert eventually(lambda: fetch(served.base_url + "/healthz")[0] == 200)


def test_stopping_serve_stops_its_worker(served: Served) -> None:
    pids = eventually(served.worker_pids)
    assert pids, served.log.read_text()[-3000:]
    worker = served.worker_pids()[-1]
    assert alive(worker)
    stop(served.process)
    assert served.process.returncode == 0
    assert eventually(lambda: not alive(worker)), "the outbox worker outlived the server"


@pytest.fixture(scope="module")
def bare_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite instance."""
    instance = tmp_path_factory.mktemp("bare-instance")
    migrate(instance_env(instance))
    return instance


def test_a_killed_server_leaves_no_worker_behind(bare_instance: Path) -> None:
    server = start_server(bare_instance, instance_env(bare_instance))
    try:
        assert eventually(server.worker_pids), server.log.read_text()[-3000:]
        worker = server.worker_pids()[-1]
        server.process.kill()
        server.process.wait(timeout=10)
        assert eventually(lambda: not alive(worker)), "the outbox worker outlived the server"
    finally:
        stop(server.process)


def test_no_worker_serves_without_one(bare_instance: Path) -> None:
    server = start_server(bare_instance, instance_env(bare_instance), "--no-worker")
    try:
        time.sleep(1)
        assert server.worker_pids() == []
        assert "syndicate worker" in server.log.read_text()
    finally:
        stop(server.process)


def test_workers_serve_the_application_the_master_built(tmp_path: Path) -> None:
    """The master builds the application once; each worker serves it as inherited."""
    from flask import Flask

    from syndicate.server import _Server

    built = Flask("built-by-the-master")
    server = _Server({"bind": "127.0.0.1:0"}, None, built)
    try:
        assert server.load() is built
    finally:
        gc.unfreeze()  # what loading froze in this test process


def test_a_worker_keeps_what_it_inherited_out_of_full_collections() -> None:
    """Loading the application in a worker freezes every object that exists then, so a full
    collection walks only what the worker made since."""
    from flask import Flask

    from syndicate.server import _Server

    walked = len(gc.get_objects())
    try:
        _Server({"bind": "127.0.0.1:0"}, None, Flask("frozen")).load()
        assert gc.get_freeze_count() >= walked // 2
        assert len(gc.get_objects()) < walked // 10
    finally:
        gc.unfreeze()


def test_building_the_application_connects_to_nothing_and_starts_no_thread(
    tmp_path: Path,
) -> None:
    """What a worker inherits from the master: no connection, no thread (each starts
    its own when it serves)."""
    from syndicate.app import create_app

    threads = set(threading.enumerate())
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'fork.db'}", "SECRET_KEY": "k"})
    assert set(threading.enumerate()) == threads
    assert app.extensions["syndicate.db"].engine.pool.checkedin() == 0
    app.extensions["syndicate.db"].dispose()
