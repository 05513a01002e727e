"""The feed key a raw WSGI request presents, read exactly as the feed view reads it.

The fast path and the feed view both read it here; the key's digest is computed once per
request and kept in the WSGI environ for whichever asks next.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import Authorization

from licenses.keys import key_digest

DIGEST = "syndicate.feed_key_digest"


def presented_key(environ: dict[str, Any]) -> str:
    """The key: Bearer token, Basic password, else ``?key=`` (first value); ``""`` if none."""
    header = environ.get("HTTP_AUTHORIZATION")
    if header:
        if header.startswith("Bearer "):
            # What Werkzeug's parsing gives for this scheme, without building its object:
            # every cached feed answer starts here.
            token = header[7:].strip(" \t")
            return "" if "=" in token.rstrip("=") else token
        auth = Authorization.from_header(header)
        if auth is not None:
            if auth.type == "bearer":
                return auth.token or ""
            if auth.type == "basic":
                return auth.password or ""
    query = environ.get("QUERY_STRING", "")
    if not query:
        return ""
    # The same parsing as ``request.args``.
    for name, value in parse_qsl(
        query.encode("latin1").decode(), keep_blank_values=True, errors="werkzeug.url_quote"
    ):
        if name == "key":
            return value
    return ""


def presented_digest(environ: dict[str, Any], key: str | None = None) -> str:
    """The SHA-256 digest of :func:`presented_key` (``key``, when the caller has already
    read it), computed once per request."""
    digest: str | None = environ.get(DIGEST)
    if digest is None:
        digest = environ[DIGEST] = key_digest(presented_key(environ) if key is None else key)
    return digest
