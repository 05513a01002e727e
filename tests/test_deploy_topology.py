"""The production topology of deploy/, run for real: nginx (Debian's package, with the shipped
site and a self-signed certificate) in front of two ``syndicate serve`` instances with their
own instance folders, one PostgreSQL database, one Redis and one media folder.

It needs nginx, PostgreSQL (``SYNDICATE_TEST_DATABASE_URL``) and Redis on 127.0.0.1:6379;
without them it is skipped, except when ``SYNDICATE_TEST_TOPOLOGY=required`` (CI sets it),
where a missing piece is a failure. Marked ``topology``: CI runs it in a stage of its own.

Clients connect from other loopback addresses (127.0.0.2 and up) than nginx's own, so the
address the service sees tells nginx's X-Forwarded-For from the connection.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import free_port, stop, syndicate_command, wait_until_serving
from tests.conftest import real_commit_database
from tests.nginx_support import (
    SITE_TEMPLATE,
    Nginx,
    SiteOptions,
    nginx_binary,
    self_signed_certificate,
)

pytestmark = pytest.mark.topology

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
API_LIMIT = 30
CACHE_MAX_AGE = 3
EDITOR = "editor@lanterndesk.example"
# Sent by the read load: nginx passes a request with a session cookie to the service.
PERSONAL = {"Cookie": "syndicate_session=reader"}


def _unavailable(reason: str) -> None:
    if os.environ.get("SYNDICATE_TEST_TOPOLOGY") == "required":
        pytest.fail(f"{reason}, and SYNDICATE_TEST_TOPOLOGY=required")
    pytest.skip(reason)


def _redis() -> Any:
    try:
        import redis
    except ImportError:
        _unavailable("the redis package is not installed")
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        _unavailable(f"Redis is not running on {REDIS_HOST}:{REDIS_PORT}")
    return client


@dataclass
class Instance:
    """One ``syndicate serve`` with its own instance folder."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    folder: Path

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def requests_logged(self, path: str) -> int:
        """How many requests for ``path`` gunicorn's access log shows (it omits queries)."""
        return len(re.findall(rf'"[A-Z]+ {re.escape(path)} HTTP', self.log.read_text()))


@dataclass
class Answer:
    """One HTTP answer."""

    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Topology:
    """nginx, the two instances and what the tests need to talk to them."""

    root: Path
    nginx: Nginx
    instances: list[Instance]
    tls: ssl.SSLContext
    token: str
    redis: Any
    key_prefix: str
    slug: str
    media_dir: Path

    @property
    def https_port(self) -> int:
        return self.nginx.options.https_port

    def through_nginx(
        self,
        path: str,
        *,
        source: str = "127.0.0.2",
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        """A request to nginx over TLS (certificate verified) from the address ``source``."""
        connection = http.client.HTTPSConnection(
            "127.0.0.1", self.https_port, timeout=20, context=self.tls, source_address=(source, 0)
        )
        return _exchange(connection, method, path, headers, body)

    def direct(
        self,
        instance: Instance,
        path: str,
        *,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Answer:
        """A request straight to one instance, as nginx would make it (https forwarded)."""
        connection = http.client.HTTPConnection("127.0.0.1", instance.port, timeout=20)
        forwarded = {
            "X-Forwarded-For": "127.0.0.1",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": f"127.0.0.1:{self.https_port}",
            **(headers or {}),
        }
        return _exchange(connection, method, path, forwarded, body)

    def api(self, instance: Instance, method: str, path: str, data: Any = None) -> Any:
        """A JSON API call to one instance with the editor's token; the decoded answer."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        answer = self.direct(instance, "/api/v1" + path, method=method, headers=headers, body=body)
        assert answer.status == 200, (method, path, answer.status, answer.text[:500])
        return json.loads(answer.body)


def _exchange(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str] | None,
    body: bytes | None,
) -> Answer:
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def _serve(name: str, root: Path, env: dict[str, str]) -> Instance:
    folder = root / name
    folder.mkdir()
    port = free_port()
    with (folder / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [*syndicate_command(), "serve", "--port", str(port), "--workers", "1", "--no-worker"],
            env={**env, "SYNDICATE_INSTANCE_PATH": str(folder)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so one signal kills it all
        )
    instance = Instance(name, process, port, folder)
    try:
        wait_until_serving(f"http://127.0.0.1:{port}/", process, instance.log)
    except BaseException:
        stop(process)
        raise
    return instance


def _run(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*syndicate_command(), *args], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"syndicate {' '.join(args)} failed:\n{result.stderr}"
    return result.stdout


def _config(url: str, media: Path, https_port: int, prefix: str) -> str:
    return f"""env = "production"
secret_key = "{uuid.uuid4().hex}{uuid.uuid4().hex}"
database_url = "{url}"
media_dir = "{media}"
trusted_proxies = 1

[site]
base_url = "https://127.0.0.1:{https_port}"
cache_max_age = {CACHE_MAX_AGE}

[ratelimit]
storage_uri = "redis://{REDIS_HOST}:{REDIS_PORT}/0"
key_prefix = "{prefix}"
api = "{API_LIMIT} per minute"

[metrics]
allowed_addresses = ["127.0.0.2/32"]
"""


@pytest.fixture(scope="module")
def topology() -> Iterator[Topology]:
    """The whole topology, with the demo content loaded once."""
    if nginx_binary() is None:
        _unavailable("nginx is not installed (apt-get install nginx-light)")
    if shutil.which("openssl") is None:
        _unavailable("openssl is not installed")
    base = os.environ.get("SYNDICATE_TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        _unavailable("needs PostgreSQL: set SYNDICATE_TEST_DATABASE_URL=postgresql://...")
    redis_client = _redis()
    # Not under pytest's private temporary folder: nginx's workers (an unprivileged user
    # when the run is root's) read the media folder and write the cache.
    root = Path(tempfile.mkdtemp(prefix="syndicate-topology-"))
    root.chmod(0o755)
    prefix = f"topology-{uuid.uuid4().hex[:10]}"
    try:
        with real_commit_database(root) as url:
            # Everything is stopped before the database is dropped.
            yield from _topology(root, url, redis_client, prefix)
    finally:
        for key in redis_client.keys(f"*{prefix}*"):
            redis_client.delete(key)
        shutil.rmtree(root, ignore_errors=True)


def _topology(root: Path, url: str, redis_client: Any, prefix: str) -> Iterator[Topology]:
    """Load the demo into ``url``, serve it twice behind nginx; stop all of it at the end."""
    media = root / "media"
    media.mkdir(mode=0o755)
    cert, key = self_signed_certificate(root)
    options = SiteOptions(
        http_port=free_port(),
        https_port=free_port(),
        upstream_ports=[],
        certificate=cert,
        certificate_key=key,
        media_dir=media,
        cache_dir=root / "nginx-cache",
    )
    config = root / "config.toml"
    config.write_text(_config(url, media, options.https_port, prefix), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
    env.pop("PORT", None)
    env["SYNDICATE_CONFIG"] = str(config)
    loader = {**env, "SYNDICATE_INSTANCE_PATH": str(root / "loader")}
    _run(loader, "demo", "--force")
    token = _run(loader, "tokens", "create", EDITOR).strip()
    instances: list[Instance] = []
    nginx = Nginx(root / "nginx", options)
    try:
        instances.append(_serve("instance-a", root, env))
        instances.append(_serve("instance-b", root, env))
        options.upstream_ports = [instance.port for instance in instances]
        nginx.start()
        tls = ssl.create_default_context(cafile=str(cert))
        world = Topology(root, nginx, instances, tls, token, redis_client, prefix, "", media)
        world.slug = _illustrated_article(world)
        yield world
    finally:
        nginx.stop()
        for instance in instances:
            stop(instance.process)


def _illustrated_article(world: Topology) -> str:
    """The slug of a published article with an image, as the home page links it."""
    home = world.direct(world.instances[0], "/").text
    for slug in dict.fromkeys(re.findall(r'href="[^"]*/articles/([^"#?/]+)"', home)):
        if "/media/" in world.direct(world.instances[0], f"/articles/{slug}").text:
            return slug
    raise AssertionError("the demo has no illustrated article on the home page")


# --- the tests: the SIGKILL one goes last, since it leaves one instance ----------------------


def test_the_shipped_site_passes_nginx_t_as_it_is(tmp_path: Path) -> None:
    binary = nginx_binary()
    if binary is None:
        _unavailable("nginx is not installed (apt-get install nginx-light)")
        return
    cert, key = self_signed_certificate(tmp_path)
    site = SITE_TEMPLATE.read_text(encoding="utf-8")
    # Only the files the placeholders name, which this machine lacks, are swapped.
    for placeholder, real in (
        ("/etc/ssl/syndicate/fullchain.pem", cert),
        ("/etc/ssl/syndicate/privkey.pem", key),
        ("/var/cache/nginx/syndicate", tmp_path / "cache"),
    ):
        assert placeholder in site
        site = site.replace(placeholder, str(real))
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path / 'nginx.pid'};\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path / 'site.conf'}; }}\n",
        encoding="utf-8",
    )
    log = str(tmp_path / "error.log")
    checked = subprocess.run(
        [binary, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", log],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_http_is_redirected_to_https(topology: Topology) -> None:
    connection = http.client.HTTPConnection(
        "127.0.0.1", topology.nginx.options.http_port, timeout=10, source_address=("127.0.0.2", 0)
    )
    answer = _exchange(connection, "GET", "/articles/anything?page=2", None, None)
    assert answer.status == 301
    assert answer.headers["Location"] == (
        f"https://127.0.0.1:{topology.https_port}/articles/anything?page=2"
    )
    # …and the service behind it never saw the plain-HTTP request.
    assert all(i.requests_logged("/articles/anything") == 0 for i in topology.instances)


def test_anonymous_pages_are_microcached_for_as_long_as_the_service_says(
    topology: Topology,
) -> None:
    first = topology.through_nginx("/")
    assert first.status == 200
    assert first.headers["Cache-Control"] == f"public, max-age={CACHE_MAX_AGE}"
    assert first.headers["X-Cache-Status"] == "MISS"
    again = topology.through_nginx("/")
    assert again.headers["X-Cache-Status"] == "HIT"
    assert again.body == first.body
    # nginx keeps it exactly as long as Cache-Control allows, then asks the service again.
    time.sleep(CACHE_MAX_AGE + 1)
    assert topology.through_nginx("/").headers["X-Cache-Status"] in {"EXPIRED", "REVALIDATED"}
    assert topology.through_nginx("/").headers["X-Cache-Status"] == "HIT"


def test_personal_requests_and_cookies_never_meet_the_cache(topology: Topology) -> None:
    for _ in range(2):
        signed_in = topology.through_nginx(f"/articles/{topology.slug}", headers=PERSONAL)
        assert signed_in.status == 200
        assert signed_in.headers["X-Cache-Status"] == "BYPASS"
        api = topology.through_nginx(
            "/api/v1/articles", headers={"Authorization": f"Bearer {topology.token}"}
        )
        assert api.status == 200
        assert api.headers["X-Cache-Status"] == "BYPASS"
        # The sign-in form sets the session cookie that carries its CSRF token: not kept.
        login = topology.through_nginx("/login")
        assert login.status == 200
        cookies = login.headers.get_all("Set-Cookie") or []
        assert any(c.startswith("syndicate_session=") for c in cookies), cookies
        assert login.headers["X-Cache-Status"] == "MISS"


def test_text_is_compressed(topology: Topology) -> None:
    path = f"/articles/{topology.slug}"
    asks = {"Accept-Encoding": "gzip"}
    plain = topology.through_nginx(path)
    packed = topology.through_nginx(path, headers=asks)
    assert packed.status == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in (packed.headers["Vary"] or "")
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert gzip.decompress(packed.body) == plain.body
    assert len(packed.body) < len(plain.body) / 2
    # The microcache keeps both encodings apart: each client gets only what it asked for.
    statuses = set()
    for _ in range(2):
        again = topology.through_nginx(path)
        assert again.headers["Content-Encoding"] is None
        assert again.body == plain.body
        again_packed = topology.through_nginx(path, headers=asks)
        assert again_packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(again_packed.body) == plain.body
        statuses |= {again.headers["X-Cache-Status"], again_packed.headers["X-Cache-Status"]}
    assert "HIT" in statuses
    # A page that carries a CSRF token is compressed by nobody (BREACH); a stylesheet is.
    login = topology.through_nginx("/login", headers=asks)
    assert b'name="csrf_token"' in login.body
    assert login.headers["Content-Encoding"] is None
    style = topology.through_nginx("/static/css/site.css", headers=asks)
    assert style.status == 200
    assert style.headers["Content-Encoding"] == "gzip"


def test_a_change_through_one_instance_shows_through_the_other_at_once(
    topology: Topology,
) -> None:
    first, second = topology.instances
    for writer, reader in [(first, second), (second, first), (first, second)]:
        headline = f"Harbour lights stay on, {uuid.uuid4().hex[:8]}"
        version = topology.api(writer, "GET", f"/articles/{topology.slug}")["version"]
        topology.api(
            writer,
            "PATCH",
            f"/articles/{topology.slug}",
            {"version": version, "headline": headline},
        )
        page = topology.direct(reader, f"/articles/{topology.slug}")
        assert page.status == 200
        assert headline in page.text, f"{reader.name} still shows the old headline"
        # Through nginx, a request nginx may not cache for anyone reaches a service too.
        assert (
            headline in topology.through_nginx(f"/articles/{topology.slug}", headers=PERSONAL).text
        )


def test_rate_limits_count_once_across_both_instances(topology: Topology) -> None:
    path = "/api/v1/articles"
    earlier = [instance.requests_logged(path) for instance in topology.instances]
    statuses = []
    for number in range(API_LIMIT + 6):
        # Each request forges a different X-Forwarded-For: the service believes only the
        # entry nginx appended, so all of them count against the one client.
        answer = topology.through_nginx(
            path,
            source="127.0.0.4",
            headers={
                "Authorization": f"Bearer {topology.token}",
                "X-Forwarded-For": f"198.51.100.{number + 1}",
            },
        )
        statuses.append(answer.status)
    assert statuses == [200] * API_LIMIT + [429] * 6

    def served() -> list[int]:
        pairs = zip(topology.instances, earlier, strict=True)
        return [instance.requests_logged(path) - n for instance, n in pairs]

    # gunicorn writes the access log line after the answer has gone out: the last ones may
    # still be on their way when the client has its answer.
    deadline = time.monotonic() + 10
    while sum(served()) < API_LIMIT + 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    # Each request reached one instance once, and both instances took some.
    assert sum(served()) == API_LIMIT + 6, served()
    assert all(served()), f"nginx did not share the requests between the instances: {served()}"
    keys = [key.decode() for key in topology.redis.keys(f"*{topology.key_prefix}*")]
    assert any("127.0.0.4" in key for key in keys), keys
    assert not any("198.51.100." in key for key in keys), keys


def test_the_service_sees_the_real_client_address(topology: Topology) -> None:
    # The metrics are open to 127.0.0.2 only, as the service sees addresses.
    assert topology.through_nginx("/metrics", source="127.0.0.2").status == 200
    assert topology.through_nginx("/metrics", source="127.0.0.3").status == 403
    for forged in ("127.0.0.2", "127.0.0.2, 127.0.0.2", "10.0.0.1, 127.0.0.2"):
        answer = topology.through_nginx(
            "/metrics", source="127.0.0.3", headers={"X-Forwarded-For": forged}
        )
        assert answer.status == 403, forged


def _editor_password(topology: Topology) -> str:
    for line in (topology.root / "loader" / "demo-credentials.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == EDITOR:
            return parts[1]
    raise AssertionError("the demo kept no password for the editor")


def test_signing_in_through_nginx_sees_https_and_the_host(topology: Topology) -> None:
    source = "127.0.0.5"
    form = topology.through_nginx("/login", source=source)
    cookie = next(
        c for c in form.headers.get_all("Set-Cookie") or [] if c.startswith("syndicate_session=")
    ).split(";", 1)[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form.text)
    assert cookie.startswith("syndicate_session="), form.headers
    assert token, form.text[:500]
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": EDITOR, "password": _editor_password(topology)}
    ).encode()

    def sign_in(referrer: str) -> Answer:
        return topology.through_nginx(
            "/login",
            source=source,
            method="POST",
            body=body,
            headers={
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": referrer,
            },
        )

    # The CSRF check compares the Referer with the host only on HTTPS: a refusal shows the
    # service believed X-Forwarded-Proto, and the success below that it saw host and port.
    assert sign_in("https://elsewhere.example/login").status == 400
    signed_in = sign_in(f"https://127.0.0.1:{topology.https_port}/login")
    assert signed_in.status == 302, signed_in.text[:500]
    cookies = signed_in.headers.get_all("Set-Cookie") or []
    session = next(c for c in cookies if c.startswith("syndicate_session="))
    assert "Secure" in session
    assert "HttpOnly" in session
    desk = topology.through_nginx(
        "/staff/", source=source, headers={"Cookie": session.split(";", 1)[0]}
    )
    assert desk.status == 200
    assert desk.headers["Cache-Control"] == "private, no-store"
    assert desk.headers["X-Cache-Status"] == "BYPASS"


def test_media_is_served_by_nginx_from_the_shared_folder(topology: Topology) -> None:
    page = topology.through_nginx(f"/articles/{topology.slug}", headers=PERSONAL).text
    keys = re.findall(r"[\"' ](?:https://127\.0\.0\.1:\d+)?/media/([a-z0-9/._-]+)", page)
    assert keys, "the article shows no image"
    key = keys[0]
    stored = topology.media_dir / key
    # Readable by nginx's own user (here nobody when the run is root's), not only the service's.
    assert stored.stat().st_mode & 0o777 == 0o644
    answer = topology.through_nginx(f"/media/{key}")
    assert answer.status == 200
    assert answer.body == stored.read_bytes()
    assert answer.headers["Content-Type"].startswith("image/")
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # nginx's own ETag (mtime-size, from the file) and no cache status: no service took part.
    stat = stored.stat()
    assert answer.headers["ETag"] == f'"{int(stat.st_mtime):x}-{stat.st_size:x}"'
    assert answer.headers["X-Cache-Status"] is None
    assert all(i.requests_logged(f"/media/{key}") == 0 for i in topology.instances)
    # Names the service would refuse are refused here too.
    folder = key.rsplit("/", 1)[0]
    (topology.media_dir / folder / ".upload-leftover").write_bytes(b"half a file")
    for refused in (f"/media/{folder}/.upload-leftover", "/media/../config.toml", "/media/"):
        assert topology.through_nginx(refused).status in {400, 404}, refused


def test_killing_an_instance_during_a_read_load_loses_no_get(topology: Topology) -> None:
    victim = topology.instances[1]
    path = f"/articles/{topology.slug}"
    statuses: list[int] = []
    killed_at: list[int] = []
    lock = threading.Lock()
    earlier = victim.requests_logged(path)
    stop_at = time.monotonic() + 6

    def reader() -> None:
        while time.monotonic() < stop_at:
            try:
                status = topology.through_nginx(path, headers=PERSONAL).status
            except OSError as exc:  # a lost request is a failure, not a crash of the load
                status = -1
                print(f"request failed: {exc!r}")
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    served_by_victim = victim.requests_logged(path) - earlier
    os.killpg(victim.process.pid, signal.SIGKILL)
    with lock:
        killed_at.append(len(statuses))
    victim.process.wait(timeout=10)
    for thread in threads:
        thread.join(timeout=30)
    assert served_by_victim > 0, "the victim served nothing before it was killed"
    assert len(statuses) - killed_at[0] > 10, "too few requests after the kill"
    assert set(statuses) == {200}, {status: statuses.count(status) for status in set(statuses)}
    # nginx did meet the dead instance, and answered from the other one.
    errors = (topology.nginx.directory / "error.log").read_text(errors="replace")
    assert f'upstream: "http://127.0.0.1:{victim.port}' in errors, errors[-2000:]
