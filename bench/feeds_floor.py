"""The floor of the feed benchmark: a WSGI app that returns pre-rendered feed bytes.

It answers with the exact body and headers the real partner feed served (read once at
start-up from ``BENCH_FLOOR_BODY`` and ``BENCH_FLOOR_HEADERS``, one ``Name: value`` per
line), and with 304 when ``If-None-Match`` carries the ETag, as the real one does. Served
by gunicorn with the same worker class, workers and threads as ``syndicate serve``, it
measures what the server and the loopback cost on their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

_BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
_HEADERS = [
    (name.strip(), value.strip())
    for name, _, value in (
        line.partition(":")
        for line in Path(os.environ["BENCH_FLOOR_HEADERS"]).read_text().splitlines()
        if line.strip()
    )
]
_ETAG = dict(_HEADERS).get("ETag", "")
_FULL = [*_HEADERS, ("Content-Length", str(len(_BODY)))]
_NOT_MODIFIED = [(n, v) for n, v in _HEADERS if n not in ("Content-Type", "Content-Encoding")]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Return the pre-rendered feed, or 304 for a matching ``If-None-Match``."""
    if _ETAG and environ.get("HTTP_IF_NONE_MATCH") == _ETAG:
        start_response("304 Not Modified", _NOT_MODIFIED)
        return [b""]
    start_response("200 OK", _FULL)
    return [_BODY]
