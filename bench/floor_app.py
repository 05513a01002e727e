"""The floor of the page benchmark: a WSGI app that returns pre-rendered bytes.

It answers every request with the exact bytes and content type that the real page served,
read once at start-up from the files named by ``BENCH_FLOOR_BODY`` and
``BENCH_FLOOR_CONTENT_TYPE``. Served by gunicorn with the same worker class and thread count
as ``syndicate serve``, it measures what the server and the loopback cost on their own.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

_BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
_HEADERS = [
    ("Content-Type", Path(os.environ["BENCH_FLOOR_CONTENT_TYPE"]).read_text().strip()),
    ("Content-Length", str(len(_BODY))),
]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Return the pre-rendered page."""
    start_response("200 OK", _HEADERS)
    return [_BODY]
