"""HTTP channels of the outbox: signed partner webhooks and WebSub hub pings.

A webhook POSTs the message body (JSON, fixed when the message was queued) with:

* ``X-Syndicate-Timestamp: <unix seconds>`` — when this attempt was signed;
* ``X-Syndicate-Signature: t=<timestamp>,v1=<hex>`` — HMAC-SHA256 with the publisher's
  secret over ``"<timestamp>.<body>"``;
* ``Idempotency-Key: <key>`` — the same on every attempt of one message, so a receiver
  can drop the copies that at-least-once delivery may bring.

Anything but a 2xx answer (a redirect included: redirects are not followed) is a failure,
retried by the outbox with its backoff and dead-lettered after the last attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from syndicate.outbox.models import OutboxMessage

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Syndicate-Signature"
TIMESTAMP_HEADER = "X-Syndicate-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Syndicate-Event"
USER_AGENT = "Syndicate-Webhooks/1"


class DeliveryFailed(RuntimeError):
    """The endpoint did not accept the message (non-2xx, unreachable or refused)."""


@dataclass(frozen=True)
class WebhookTarget:
    """Where one publisher's webhooks go and the secret that signs them."""

    url: str
    secret: str


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under ``secret``."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Syndicate-Signature`` value: ``t=<timestamp>,v1=<hex>``."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    """Check a signature header the way a receiver should (used by tests and docs)."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), sign(secret, timestamp, body))


def public_address_only(url: str) -> None:
    """Refuse a URL whose host resolves to a loopback, private, link-local or reserved address."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise DeliveryFailed(f"cannot resolve {host!r}: {exc}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise DeliveryFailed(f"{host!r} resolves to a non-public address ({address})")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


def post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST ``body``; the status code, or :class:`DeliveryFailed` for anything but 2xx."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryFailed(f"refusing a non-HTTP URL: {url!r}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    try:
        # The scheme was checked above: http or https only.
        with _OPENER.open(request, timeout=timeout) as response:
            status = int(response.status)
            response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code} from {url}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"cannot reach {url}: {exc}") from exc
    if not 200 <= status < 300:
        raise DeliveryFailed(f"HTTP {status} from {url}")
    return status


class WebhookTransport:
    """Sends ``webhook`` messages to the publisher's current URL, signed with its secret."""

    def __init__(
        self,
        lookup: Callable[[int], WebhookTarget | None],
        *,
        timeout: float = 10.0,
        allow_private: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.lookup = lookup
        self.timeout = timeout
        self.allow_private = allow_private
        self.clock = clock

    def send(self, message: OutboxMessage) -> None:
        """Sign and POST the message body; raise unless the endpoint answers 2xx."""
        publisher_id = int(message.payload.get("publisher_id", 0))
        target = self.lookup(publisher_id)
        if target is None:
            # The publisher removed its webhook since: there is nobody left to tell.
            log.info("webhook message %s dropped: publisher %s has none", message.id, publisher_id)
            return
        if not self.allow_private:
            public_address_only(target.url)
        body = message.body.encode("utf-8")
        timestamp = int(self.clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature_header(target.secret, timestamp, body),
            IDEMPOTENCY_HEADER: message.idempotency_key,
            EVENT_HEADER: message.topic,
        }
        post(target.url, body, headers, self.timeout)


class WebSubTransport:
    """Sends ``websub`` messages: a form-encoded publish ping to the hub."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self.timeout = timeout

    def send(self, message: OutboxMessage) -> None:
        """POST ``hub.mode=publish&hub.url=…`` to the hub; raise unless it answers 2xx."""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        }
        post(message.recipient, message.body.encode("utf-8"), headers, self.timeout)
