"""The floor of the feed and page benchmarks: a WSGI app that returns pre-rendered bytes.

It answers with the exact body and headers the real feed or page served (less ``Date``,
``Server`` and ``Connection``, which gunicorn writes), read once at start-up: the variant
from ``BENCH_FLOOR_BODY`` and ``BENCH_FLOOR_HEADERS`` (one ``Name: value`` per line, as
:func:`save_variant` writes them) and, when given, an identity variant from
``BENCH_FLOOR_PLAIN_BODY`` and ``BENCH_FLOOR_PLAIN_HEADERS``. It picks the variant by
``Accept-Encoding`` (a plain substring test, cheaper than the real parsing) and answers 304
when ``If-None-Match`` carries that variant's ETag, as the real one does. Served by gunicorn
with the same worker class, workers and threads as ``syndicate serve``, it measures what the
server and the loopback cost on their own, for the same bytes on the wire.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Headers = list[tuple[str, str]]
# What the server writes itself, or the floor computes.
NOT_KEPT = ("content-length", "date", "server", "connection")


def save_variant(workdir: Path, name: str, body: bytes, headers: Headers) -> None:
    """Write one response's body and headers (``floor-NAME.body``, ``floor-NAME.headers`` in
    ``workdir``) for the floor to serve."""
    kept = [(n, v) for n, v in headers if n.lower() not in NOT_KEPT]
    (workdir / f"floor-{name}.body").write_bytes(body)
    (workdir / f"floor-{name}.headers").write_text("\n".join(f"{n}: {v}" for n, v in kept))


def _variant(body_var: str, headers_var: str) -> tuple[bytes, str, Headers, Headers] | None:
    if not os.environ.get(body_var):
        return None
    body = Path(os.environ[body_var]).read_bytes()
    headers = [
        (name.strip(), value.strip())
        for name, _, value in (
            line.partition(":")
            for line in Path(os.environ[headers_var]).read_text().splitlines()
            if line.strip()
        )
    ]
    full = [*headers, ("Content-Length", str(len(body)))]
    not_modified = [(n, v) for n, v in headers if n not in ("Content-Type", "Content-Encoding")]
    return body, dict(headers).get("ETag", ""), full, not_modified


_GZIP = _variant("BENCH_FLOOR_BODY", "BENCH_FLOOR_HEADERS")
_PLAIN = _variant("BENCH_FLOOR_PLAIN_BODY", "BENCH_FLOOR_PLAIN_HEADERS") or _GZIP


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Return the pre-rendered feed, or 304 for a matching ``If-None-Match``."""
    variant = _GZIP if "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "") else _PLAIN
    assert variant is not None
    body, etag, full, not_modified = variant
    if etag and environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", not_modified)
        return [b""]
    start_response("200 OK", full)
    return [body]
