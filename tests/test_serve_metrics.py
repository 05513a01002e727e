"""Metrics and probes of a real ``syndicate serve --workers 2``: whichever worker answers a
scrape, the counts are those of every worker together (each worker writes its own within
``[metrics] flush_seconds``), and they survive a worker's death; a worker that is stopped
politely writes every count it holds."""

from __future__ import annotations

import os
import signal
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.browser_support import fetch, gunicorn_workers, stop
from tests.test_serve import Served, eventually, instance_env, migrate, start_server

REQUESTS = 60


def _count(body: str, name: str, **labels: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def _worker_pids(folder: Path) -> set[int]:
    """The processes that have written counters into the shared metrics folder."""
    return {int(path.stem.rsplit("_", 1)[1]) for path in folder.glob("counter_*.db")}


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Path]]:
    """An empty instance served by two gunicorn workers, metrics open to the loopback."""
    instance = tmp_path_factory.mktemp("metrics-instance")
    config = instance / "config.toml"
    config.write_text(
        '[metrics]\nallowed_addresses = ["127.0.0.1/32"]\n[worker]\ninterval_seconds = 1\n'
    )
    shared = instance / "prometheus"
    env = instance_env(instance)
    env["SYNDICATE_CONFIG"] = str(config)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(shared)
    migrate(env)
    # A file from an earlier run: serve starts from zero.
    shared.mkdir()
    (shared / "counter_999999.db").write_bytes(b"stale")
    server = start_server(instance, env, "--workers", "2")
    try:
        yield server, shared
    finally:
        stop(server.process)


def _healthz_count(server: Served) -> float:
    status, body = fetch(server.base_url + "/metrics")
    assert status == 200, body
    return _count(body, "syndicate_http_requests_total", route="ops.healthz")


def _get_fresh_connection(url: str) -> int:
    request = urllib.request.Request(url, headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return int(response.status)


def _until_both_workers_counted(server: Served, folder: Path) -> int:
    """Send ``/healthz`` on fresh connections until both workers have written counts (which
    worker accepts a connection is up to them); return how many were sent."""
    sent = 0
    for batch in (REQUESTS, *[20] * 9):
        for _ in range(batch):
            assert _get_fresh_connection(server.base_url + "/healthz") == 200
        sent += batch
        if eventually(lambda: len(_worker_pids(folder)) >= 2, 3):
            return sent
    raise AssertionError(f"one worker answered all {sent}: {sorted(folder.iterdir())}")


def test_counts_are_summed_across_workers(two_workers: tuple[Served, Path]) -> None:
    server, shared = two_workers
    assert not (shared / "counter_999999.db").exists()
    # Both workers answer some, each writing its own counts.
    sent = _until_both_workers_counted(server, shared)
    assert eventually(lambda: _healthz_count(server) == sent, 10)
    assert [_healthz_count(server) for _ in range(6)] == [sent] * 6


def test_readyz_sees_the_worker_heartbeat(two_workers: tuple[Served, Path]) -> None:
    server, _shared = two_workers
    assert eventually(lambda: fetch(server.base_url + "/readyz")[0] == 200, 30)
    _status, body = fetch(server.base_url + "/metrics")
    assert _count(body, "syndicate_worker_heartbeat_age_seconds") < 30
    assert _count(body, "syndicate_outbox_depth") == 0


def test_counts_outlive_a_worker_that_dies(two_workers: tuple[Served, Path]) -> None:
    server, shared = two_workers
    _status, body = fetch(server.base_url + "/metrics")
    before = _count(body, "syndicate_http_requests_total", route="ops.healthz")
    victim = max(pid for pid in _worker_pids(shared) if pid != server.process.pid)
    os.kill(victim, signal.SIGKILL)
    time.sleep(1)
    # gunicorn starts a replacement; the dead worker's counts stay in the total.
    answered = 0
    for _ in range(20):
        answered += fetch(server.base_url + "/healthz")[0] == 200
    assert answered == 20
    assert eventually(lambda: _healthz_count(server) == before + answered, 10)


def test_serve_makes_its_own_metrics_folder_and_removes_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Without PROMETHEUS_MULTIPROC_DIR, serve makes a folder for the run (in TMPDIR)."""
    instance = tmp_path_factory.mktemp("own-metrics-instance")
    config = instance / "config.toml"
    config.write_text('[metrics]\nallowed_addresses = ["127.0.0.1/32"]\n')
    temporary = instance / "tmp"
    temporary.mkdir()
    env = instance_env(instance)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(SYNDICATE_CONFIG=str(config), TMPDIR=str(temporary))
    migrate(env)
    # A folder left by a server that was killed, and one of a server still running.
    orphan = temporary / "syndicate-metrics-999999-dead"
    living = temporary / f"syndicate-metrics-{os.getpid()}-alive"
    orphan.mkdir()
    living.mkdir()
    server = start_server(instance, env, "--workers", "2", "--no-worker")
    try:
        assert not orphan.exists()
        assert living.exists()
        [folder] = [
            p
            for p in temporary.iterdir()
            if p.name.startswith(f"syndicate-metrics-{server.process.pid}-")
        ]
        sent = _until_both_workers_counted(server, folder)
        assert eventually(lambda: _healthz_count(server) == sent, 10)
        assert [_healthz_count(server) for _ in range(4)] == [sent] * 4
    finally:
        stop(server.process)
    assert not folder.exists()
    # Every worker wrote its counts as it left, before the folder went.
    assert "Exception during worker exit" not in server.log.read_text()


def test_a_forked_worker_leaving_through_serve_keeps_the_metrics_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """gunicorn forks its workers inside ``run_gunicorn``, so each leaves through its cleanup
    too: only the process that made the folder removes it."""
    from syndicate import server

    # setenv first: monkeypatch then restores whatever was there, even nothing.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(server, "_made_here", {})
    folder, ours = server.metrics_directory()
    assert ours
    assert Path(folder).parent == tmp_path
    child = os.fork()
    if child == 0:  # the worker: leave as a gunicorn worker leaves, without pytest's exit
        try:
            server.remove_metrics_directory(folder)
        finally:
            os._exit(0)
    os.waitpid(child, 0)
    assert Path(folder).is_dir(), "a worker removed the folder the others still write to"
    server.remove_metrics_directory(folder)
    assert not Path(folder).exists()


def test_a_worker_stopped_politely_writes_every_count(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """With an hour between flushes, only gunicorn's ``worker_exit`` writes the counts."""
    instance = tmp_path_factory.mktemp("polite-metrics-instance")
    config = instance / "config.toml"
    config.write_text('[metrics]\nallowed_addresses = ["127.0.0.1/32"]\nflush_seconds = 3600\n')
    env = instance_env(instance)
    env["SYNDICATE_CONFIG"] = str(config)
    env["PROMETHEUS_MULTIPROC_DIR"] = str(instance / "prometheus")
    migrate(env)
    server = start_server(instance, env, "--workers", "2", "--no-worker")
    try:
        for _ in range(REQUESTS):
            assert _get_fresh_connection(server.base_url + "/healthz") == 200
        workers = gunicorn_workers(server.process.pid)
        assert len(workers) == 2
        for pid in workers:
            os.kill(pid, signal.SIGTERM)
        # Both stopped accepting at the signal: a replacement answers the scrape, and finds
        # what the stopped workers wrote as they left.
        assert eventually(lambda: _healthz_count(server) == REQUESTS, 20)
    finally:
        stop(server.process)
