"""The tracking image in partners' copies: opaque signed tokens and view counting.

A token names one (publisher, article) pair. It is a short MAC of the pair followed by
the pair masked with a key stream derived from that MAC, so it reveals no ids and
cannot be forged or altered without the secret key. Views are counted per article,
publisher, day and referring host (the host only: no personal data), with one upsert.

Anyone can fetch the image with any ``Referer``, so the hosts counted form a closed set:
the partner's own domain (its website's, for that domain and every subdomain), ``""`` for
no ``Referer``, and :data:`OTHER_HOST` for everything else. A partner's copy of a story
therefore makes at most three rows a day, however many hosts are made up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from syndicate.syndication.models import PickupView

MAC_BYTES = 10
# Where views from hosts outside the partner's own domain are counted.
OTHER_HOST = "other"
_PAIR = struct.Struct(">II")
# A transparent 1×1 GIF.
TRANSPARENT_GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _xor(data: bytes, mask: bytes) -> bytes:
    """``data`` XOR ``mask`` (same length), as one integer operation."""
    return (int.from_bytes(data) ^ int.from_bytes(mask)).to_bytes(len(data))


class PixelSigner:
    """Makes and reads tracking tokens with keys derived from the application secret."""

    def __init__(self, secret_key: str) -> None:
        root = secret_key.encode()
        self._mac_key = hmac.new(root, b"syndicate.pixel.mac", hashlib.sha256).digest()
        self._mask_key = hmac.new(root, b"syndicate.pixel.mask", hashlib.sha256).digest()

    # hmac.digest is the one-shot form: a feed render signs one token per item.
    def _mac(self, payload: bytes) -> bytes:
        return hmac.digest(self._mac_key, payload, "sha256")[:MAC_BYTES]

    def _mask(self, mac: bytes) -> bytes:
        return hmac.digest(self._mask_key, mac, "sha256")[: _PAIR.size]

    def token(self, publisher_id: int, article_id: int) -> str:
        """The opaque token for ``publisher_id``'s copy of ``article_id``."""
        payload = _PAIR.pack(publisher_id, article_id)
        mac = self._mac(payload)
        masked = _xor(payload, self._mask(mac))
        return base64.urlsafe_b64encode(mac + masked).decode().rstrip("=")

    def read(self, token: str) -> tuple[int, int] | None:
        """``(publisher_id, article_id)`` from a genuine token, else ``None``."""
        if len(token) > 64:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            return None
        if len(raw) != MAC_BYTES + _PAIR.size:
            return None
        mac, masked = raw[:MAC_BYTES], raw[MAC_BYTES:]
        payload = _xor(masked, self._mask(mac))
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        publisher_id, article_id = _PAIR.unpack(payload)
        return publisher_id, article_id


def referrer_host(referrer: str) -> str:
    """The host of a ``Referer`` header, lower case, or ``""``; never the path or query."""
    if not referrer:
        return ""
    try:
        host = urlsplit(referrer).hostname or ""
    except ValueError:
        return ""
    return host.lower()[:253]


def counted_host(host: str, own_domain: str) -> str:
    """The host a view from ``host`` is counted under, for a partner whose domain is
    ``own_domain``: that domain for itself and its subdomains, ``""`` for no host, else
    :data:`OTHER_HOST`."""
    if not host:
        return ""
    if own_domain and (host == own_domain or host.endswith("." + own_domain)):
        return own_domain
    return OTHER_HOST


def add_one(connection: Connection, model: Any, **key: Any) -> None:
    """Count one for ``key`` in a daily count table ``model`` (a row with a ``count`` column and
    a unique key of exactly ``key``'s columns): one insert-or-increment statement."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(model).values(**key, count=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[getattr(model, column) for column in key],
        set_={"count": model.count + 1},
    )
    connection.execute(stmt)


def record_view(
    connection: Connection, *, publisher_id: int, article_id: int, day: date, host: str
) -> None:
    """Count one view of ``article_id`` by ``publisher_id`` from ``host``."""
    add_one(
        connection,
        PickupView,
        article_id=article_id,
        publisher_id=publisher_id,
        day=day,
        referrer_host=host,
    )
