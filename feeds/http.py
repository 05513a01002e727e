"""HTTP validators for feed bytes: strong ETags, Last-Modified and conditional checks.

A rendered feed is turned once into a :class:`Representation` (identity and gzip bytes,
their ETags, its last-modified time); answering a request then needs no hashing or
compression, only header comparisons.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime

from isal import igzip

# Every partner feed is compressed once per render, and a change renders every partner's
# feeds again. ISA-L at level 2 compresses a 300 kB feed in a seventh of the time zlib takes
# at level 4 (0.46 against 3.2 ms), for 13 % more bytes (57 against 51 kB).
GZIP_LEVEL = 2


def strong_etag(data: bytes) -> str:
    """A strong entity tag computed from the bytes (quoted, as sent in headers)."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def http_date(value: datetime) -> str:
    """``value`` as an HTTP date (``Sun, 06 Nov 1994 08:49:37 GMT``)."""
    return format_datetime(value.replace(microsecond=0), usegmt=True)


@dataclass(frozen=True)
class Representation:
    """A feed's bytes in both encodings, with validators computed once."""

    body: bytes
    gzip_body: bytes
    etag: str
    gzip_etag: str
    last_modified: datetime
    last_modified_http: str


def representation(
    body: bytes, last_modified: datetime, *, send_last_modified: bool = True
) -> Representation:
    """Compress ``body`` once (deterministically: no timestamp in the gzip header).

    ``send_last_modified=False`` withholds the Last-Modified date (``last_modified_http``
    is empty): HTTP dates count whole seconds, so a date still in the current second could
    be shared by a later change and make ``If-Modified-Since`` answer 304 wrongly.
    """
    etag = strong_etag(body)
    return Representation(
        body=body,
        gzip_body=igzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0),
        etag=etag,
        # A different encoding is a different representation: it needs its own strong tag.
        gzip_etag=etag[:-1] + '-gz"',
        last_modified=last_modified.replace(microsecond=0),
        last_modified_http=http_date(last_modified) if send_last_modified else "",
    )


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an ``Accept-Encoding`` header allows gzip (``q=0`` refuses it)."""
    for part in accept_encoding.lower().split(","):
        token, _, params = part.strip().partition(";")
        if token.strip() in ("gzip", "x-gzip", "*"):
            quality = params.strip()
            if quality.startswith("q="):
                try:
                    return float(quality[2:]) > 0
                except ValueError:
                    return False
            return True
    return False


def _etags(header: str) -> set[str]:
    tags = set()
    for raw in header.split(","):
        tag = raw.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.add(tag)
    return tags


def not_modified(rep: Representation, if_none_match: str, if_modified_since: str) -> bool:
    """Whether a conditional GET may be answered with 304.

    ``If-None-Match`` wins when present (RFC 9110 §13.2.2); either encoding's tag matches,
    since both stand for the same feed content. ``If-Modified-Since`` is used only without it.
    """
    if if_none_match:
        tags = _etags(if_none_match)
        return "*" in tags or rep.etag in tags or rep.gzip_etag in tags
    if if_modified_since and rep.last_modified_http:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            return False
        return rep.last_modified <= since
    return False
