"""Text hygiene and identifiers for feeds."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

# XML 1.0 refuses C0 controls other than tab, newline and carriage return, lone
# surrogates and the two non-characters U+FFFE/U+FFFF; lxml raises on them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", value or "")


def tag_uri(base_url: str, minted: datetime, specific: str) -> str:
    """An RFC 4151 ``tag:`` URI: stable across renames, revisions and URL changes.

    ``minted`` is the date the identifier was first given (e.g. first publication).
    """
    authority = urlsplit(base_url).hostname or "localhost"
    return f"tag:{authority},{minted:%Y-%m-%d}:{specific}"
