"""Text hygiene and identifiers for feeds."""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from html import escape
from urllib.parse import urlsplit

# XML 1.0 refuses C0 controls other than tab, newline and carriage return, lone
# surrogates and the two non-characters U+FFFE/U+FFFF; lxml raises on them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


# The same characters for ASCII-only text, deleted from its bytes: several times faster than
# the expression (which is faster for other text).
_NOT_XML_ASCII = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])


# Long non-ASCII text (a story body) is first checked one refused character at a time:
# ``in`` for one character is a vectorised scan, about thirty times faster per character
# than the expression, and lone surrogates are the ones UTF-8 cannot encode.
_REFUSED_CHARS = (*(chr(byte) for byte in _NOT_XML_ASCII), "\ufffe", "\uffff")
_LONG = 512


def _has_refused(value: str) -> bool:
    if any(char in value for char in _REFUSED_CHARS):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    if not value:
        return ""
    if value.isascii():
        raw = value.encode("ascii")
        kept = raw.translate(None, _NOT_XML_ASCII)
        return value if len(kept) == len(raw) else kept.decode("ascii")
    if len(value) >= _LONG and not _has_refused(value):
        return value
    return _NOT_XML.sub("", value)


def rss_html(value: str) -> str:
    """Text for an RSS ``<description>``, which readers render as HTML: markup escaped.

    The element then holds ``&lt;img …&gt;`` (``&amp;lt;`` in the bytes), which a reader
    shows as the characters that were written, never as an element.
    """
    return escape(xml_text(value), quote=False)


def rss_title(value: str) -> str:
    """Text for an RSS ``<title>``: escaped like a description when it holds a ``<``.

    Readers disagree on whether an RSS title is HTML; a title without ``<`` reads the same
    either way, so only one that could turn into an element is escaped (and then whole, so
    its ``&`` stays an ampersand for the readers that decode it as HTML).
    """
    text = xml_text(value)
    return escape(text, quote=False) if "<" in text else text


@lru_cache(maxsize=16)
def _authority(base_url: str) -> str:
    # A feed mints fifty ids from the same site URL: parse it once.
    return urlsplit(base_url).hostname or "localhost"


def tag_uri(base_url: str, minted: datetime, specific: str) -> str:
    """An RFC 4151 ``tag:`` URI: stable across renames, revisions and URL changes.

    ``minted`` is the date the identifier was first given (e.g. first publication).
    """
    # isoformat, not strftime: several times faster, and a feed mints fifty ids.
    return f"tag:{_authority(base_url)},{minted.date().isoformat()}:{specific}"
