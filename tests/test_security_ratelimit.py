"""Rate limits: every limited endpoint, forged X-Forwarded-For, trusted proxies, and Redis
shared by several gunicorn workers."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from syndicate.app import create_app
from syndicate.extensions import client_address, limiter
from tests.conftest import csrf_token, sibling_app
from tests.factories import make_article

LIMIT = 2


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def forged(n: int) -> dict[str, str]:
    """A different made-up client address on every request."""
    return {"X-Forwarded-For": f"198.51.100.{n % 250 + 1}, 203.0.113.{n % 250 + 1}"}


Sender = Callable[[FlaskClient, int], Any]


@pytest.fixture
def limited_endpoints(app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch) -> dict:
    """One sender per rate-limited endpoint, each limit lowered to ``LIMIT`` per minute."""
    for key in ("RATELIMIT_LOGIN", "RATELIMIT_APPLY", "RATELIMIT_COMMENTS"):
        monkeypatch.setitem(app.config, key, f"{LIMIT} per minute")
    # Flask-Limiter keys a counter by endpoint and limit: two equal limits on one endpoint
    # (the API's own and the application's) would share a counter and count each request
    # twice. A different window keeps them apart, as the real defaults are.
    monkeypatch.setitem(app.config, "RATELIMIT_API", f"{LIMIT} per 59 seconds")
    story = make_article(session, slug="limited-story")
    session.commit()

    def login(client: FlaskClient, n: int) -> Any:
        token = csrf_token(client, "/login")
        data = {"email": "nobody@example.org", "password": "wrong password", "csrf_token": token}
        return client.post("/login", data=data, headers=forged(n))

    def apply_form(client: FlaskClient, n: int) -> Any:
        token = csrf_token(client, "/republish/apply")
        return client.post("/republish/apply", data={"csrf_token": token}, headers=forged(n))

    def apply_api(client: FlaskClient, n: int) -> Any:
        return client.post("/api/v1/license-requests", json={}, headers=forged(n))

    def api_read(client: FlaskClient, n: int) -> Any:
        return client.get("/api/v1/openapi.json", headers=forged(n))

    def comment(client: FlaskClient, n: int) -> Any:
        path = f"/articles/{story.slug}/comments"
        token = csrf_token(client, path)
        return client.post(path, data={"csrf_token": token, "text": ""}, headers=forged(n))

    return {
        "login": login,
        "apply form": apply_form,
        "apply api": apply_api,
        "api": api_read,
        "comments": comment,
    }


def test_every_limited_endpoint_refuses_the_request_after_the_limit(app, limited_endpoints) -> None:
    for number, (name, send) in enumerate(limited_endpoints.items()):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 1}"
        codes = [send(client, n).status_code for n in range(LIMIT + 2)]
        allowed, refused = codes[:LIMIT], codes[LIMIT:]
        assert all(code != 429 for code in allowed), (name, codes)
        # Every request carried a new forged X-Forwarded-For: none of them reset the counter.
        assert refused == [429, 429], (name, codes)
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = f"192.0.2.{number + 100}"
        assert send(other, 0).status_code != 429, f"{name}: one client's limit hit another"


def test_the_api_answers_429_in_json_with_a_retry_hint(app, client, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_API", "1 per minute")
    client.environ_base["REMOTE_ADDR"] = "192.0.2.200"
    assert client.get("/api/v1/openapi.json").status_code == 200
    refused = client.get("/api/v1/openapi.json")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0


def test_without_trusted_proxies_the_key_is_the_socket_address(app) -> None:
    assert app.config["TRUSTED_PROXIES"] == 0
    with app.test_request_context(
        "/", headers={"X-Forwarded-For": "203.0.113.77"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    ):
        assert client_address() == "10.9.8.7"


@pytest.fixture
def proxied_app(app: Flask) -> Iterator[Flask]:
    """The application behind one trusted reverse proxy, with a small API limit."""
    behind = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "proxy-test-secret",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "MEDIA_DIR": app.config["MEDIA_DIR"],
            "TRUSTED_PROXIES": 1,
            "RATELIMIT_API": f"{LIMIT} per minute",
        }
    )
    yield behind
    behind.extensions["syndicate.db"].dispose()


def test_with_one_trusted_proxy_the_last_hop_is_the_client(proxied_app) -> None:
    client = proxied_app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"  # the proxy itself

    def get(xff: str) -> int:
        return client.get("/api/v1/openapi.json", headers={"X-Forwarded-For": xff}).status_code

    assert [get("203.0.113.9") for _ in range(LIMIT)] == [200] * LIMIT
    assert get("203.0.113.9") == 429
    # A client forging its own X-Forwarded-For only adds entries to the left of the one
    # the proxy appends: the last hop still names it.
    assert get("198.51.100.1, 203.0.113.9") == 429
    assert get("10.0.0.1, 192.168.1.1, 203.0.113.9") == 429
    # A genuinely different client (a different last hop) has its own counter.
    assert get("203.0.113.10") == 200


# --- several gunicorn workers sharing Redis -----------------------------------------------

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def _redis() -> Any:
    redis = pytest.importorskip("redis")
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the server did not start")


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        # A new connection each time, so the workers share the requests between them.
        connection.request("GET", path, headers={"X-Forwarded-For": str(uuid.uuid4())[:8]})
        return connection.getresponse().status
    finally:
        connection.close()


def test_redis_counters_are_shared_by_gunicorn_workers(tmp_path: Path) -> None:
    redis_client = _redis()
    prefix = f"synd-test-{uuid.uuid4().hex[:10]}"
    limit, extra = 7, 5
    config = tmp_path / "config.toml"
    config.write_text(
        f'secret_key = "gunicorn-test-secret"\n'
        f'database_url = "sqlite:///{tmp_path / "serve.db"}"\n'
        f"[ratelimit]\n"
        f'storage_uri = "redis://{REDIS_HOST}:{REDIS_PORT}/0"\n'
        f'key_prefix = "{prefix}"\n'
        f'api = "{limit} per minute"\n',
        encoding="utf-8",
    )
    port = _free_port()
    env = {
        **os.environ,
        "SYNDICATE_CONFIG": str(config),
        "SYNDICATE_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("SYNDICATE_DATABASE_URL", None)
    command = [str(Path(sys.executable).parent / "syndicate"), "serve", "--workers", "2", "--port"]
    server = subprocess.Popen(
        [*command, str(port), "--no-access-log"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port, server)
        codes: list[int] = []
        lock = threading.Lock()

        def worker() -> None:
            status = _get(port, "/api/v1/openapi.json")
            with lock:
                codes.append(status)

        threads = [threading.Thread(target=worker) for _ in range(limit + extra)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(codes) == [200] * limit + [429] * extra, codes
        # Every hit went through the one counter in Redis, whichever worker answered it.
        keys = redis_client.keys(f"*{prefix}*")
        assert keys, "no counter was written to Redis"
        assert sum(int(redis_client.get(key) or 0) for key in keys) == limit + extra
    finally:
        server.terminate()
        try:
            _out, errors = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            _out, errors = server.communicate()
        for key in redis_client.keys(f"*{prefix}*"):
            redis_client.delete(key)
    workers = errors.decode(errors="replace").count("Booting worker")
    assert workers == 2, errors.decode(errors="replace")[-2000:]


def test_an_application_without_limits_leaves_the_others_limited(
    app, client, db, monkeypatch
) -> None:
    # One Limiter serves every application in the process: switching limits off for one
    # (as a load test does) must not switch them off for the others.
    with sibling_app(app, db, RATELIMIT_ENABLED=False, RATELIMIT_API="1 per minute") as unlimited:
        free = unlimited.test_client()
        free.environ_base["REMOTE_ADDR"] = "192.0.2.201"
        statuses = [free.get("/api/v1/openapi.json").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        monkeypatch.setitem(app.config, "RATELIMIT_API", "1 per minute")
        client.environ_base["REMOTE_ADDR"] = "192.0.2.202"
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert client.get("/api/v1/openapi.json").status_code == 429
