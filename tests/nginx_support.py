"""Real nginx, run as the current user, with the site from deploy/nginx/syndicate.conf.

The shipped site is rewritten only where a test run must differ from a server: loopback
listeners on free ports, the temporary certificate, media and cache folders, the upstream
ports, and no catch-all server (clients here connect by address, without SNI). Every
rewrite must find its text, so the site and this module cannot drift apart unnoticed.
Used by tests/test_deploy_topology.py and bench/nginx.py.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SITE_TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "nginx" / "syndicate.conf"
# When nginx starts as root its workers drop to this user, as Debian's www-data would be.
UNPRIVILEGED_USER = "nobody"


def nginx_binary() -> str | None:
    """The nginx executable (Debian puts it in /usr/sbin, often off a user's PATH)."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def self_signed_certificate(directory: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate and key for ``host`` (an IP address), made by openssl."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", f"/CN={host}", "-addext", f"subjectAltName=IP:{host}",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise AssertionError(f"deploy/nginx/syndicate.conf no longer contains {old!r}")
    return text.replace(old, new)


@dataclass
class SiteOptions:
    """Where the rendered site listens, proxies to and reads from."""

    http_port: int
    https_port: int
    upstream_ports: list[int]
    certificate: Path
    certificate_key: Path
    media_dir: Path
    cache_dir: Path
    extra_locations: str = ""


def render_site(options: SiteOptions, template: str | None = None) -> str:
    """The shipped site, rewritten for a test run on loopback (see the module docstring)."""
    text = template if template is not None else SITE_TEMPLATE.read_text(encoding="utf-8")
    text, removed = re.subn(r"# Any host name[^\n]*\nserver \{.*?\n\}\n", "", text, flags=re.S)
    if removed != 1:
        raise AssertionError("deploy/nginx/syndicate.conf: the catch-all server moved")
    text = "\n".join(line for line in text.splitlines() if "[::]" not in line) + "\n"
    upstream = re.search(r"(upstream syndicate \{\n)((?:    server [^\n]*\n)+)", text)
    if not upstream:
        raise AssertionError("deploy/nginx/syndicate.conf: no upstream servers")
    first = upstream.group(2).splitlines()[0]
    servers = "".join(
        re.sub(r"server \S+", f"server 127.0.0.1:{port}", first) + "\n"
        for port in options.upstream_ports
    )
    text = text.replace(upstream.group(0), upstream.group(1) + servers)
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{options.http_port};")
    text = _replace(
        text, "listen 443 ssl http2;", f"listen 127.0.0.1:{options.https_port} ssl http2;"
    )
    text = _replace(text, "server_name news.example.org;", "server_name 127.0.0.1;")
    text = _replace(
        text,
        "return 301 https://$host$request_uri;",
        f"return 301 https://$host:{options.https_port}$request_uri;",
    )
    text = _replace(text, "/etc/ssl/syndicate/fullchain.pem", str(options.certificate))
    text = _replace(text, "/etc/ssl/syndicate/privkey.pem", str(options.certificate_key))
    text = _replace(text, "/var/lib/syndicate/media/", f"{options.media_dir}/")
    text = _replace(text, "/var/cache/nginx/syndicate", str(options.cache_dir))
    if options.extra_locations:
        text = _replace(text, "    location / {\n", options.extra_locations + "    location / {\n")
    return text


def main_config(directory: Path, site: Path, worker_processes: int = 1) -> str:
    """An nginx.conf that keeps everything (pid, logs, temporary files) in ``directory``."""
    user = ""
    if os.geteuid() == 0:
        group = grp.getgrgid(pwd.getpwnam(UNPRIVILEGED_USER).pw_gid).gr_name
        user = f"user {UNPRIVILEGED_USER} {group};\n"
    temp = directory / "temp"
    mime = Path("/etc/nginx/mime.types")
    types = f"include {mime};" if mime.exists() else "types { text/html html; image/jpeg jpg; }"
    return f"""{user}worker_processes {worker_processes};
daemon off;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    {types}
    default_type application/octet-stream;
    access_log {directory / "access.log"};
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000;
    client_body_temp_path {temp / "body"};
    proxy_temp_path {temp / "proxy"};
    fastcgi_temp_path {temp / "fastcgi"};
    uwsgi_temp_path {temp / "uwsgi"};
    scgi_temp_path {temp / "scgi"};
    include {site};
}}
"""


@dataclass
class Nginx:
    """nginx serving the rendered site from ``directory``; ``start`` then ``stop``."""

    directory: Path
    options: SiteOptions
    worker_processes: int = 1
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def config(self) -> Path:
        return self.directory / "nginx.conf"

    def write(self) -> None:
        """Write the site and nginx.conf, and the folders nginx's workers write to."""
        self.directory.mkdir(parents=True, exist_ok=True)
        site = self.directory / "site.conf"
        site.write_text(render_site(self.options), encoding="utf-8")
        self.config.write_text(
            main_config(self.directory, site, self.worker_processes), encoding="utf-8"
        )
        writable = [self.options.cache_dir, self.directory / "temp"]
        for folder in writable:
            folder.mkdir(parents=True, exist_ok=True)
            if os.geteuid() == 0:
                account = pwd.getpwnam(UNPRIVILEGED_USER)
                os.chown(folder, account.pw_uid, account.pw_gid)

    def command(self, *extra: str) -> list[str]:
        """nginx with this configuration and prefix."""
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed")
        error_log = str(self.directory / "error.log")
        return [binary, "-p", str(self.directory), "-c", str(self.config), "-e", error_log, *extra]

    def start(self) -> None:
        """Check the configuration, start nginx and wait until it accepts connections."""
        self.write()
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t refused the configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited:\n{self.error_log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.options.https_port), 0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not start:\n{self.error_log()}")

    def error_log(self) -> str:
        """The end of nginx's error log."""
        log = self.directory / "error.log"
        return log.read_text(errors="replace")[-4000:] if log.exists() else ""

    def stop(self) -> None:
        """Stop nginx (fast shutdown), then make sure no worker is left."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
