"""HTTP channels of the outbox: signed partner webhooks and WebSub hub pings.

A webhook POSTs the message body (JSON, fixed when the message was queued) with:

* ``X-Syndicate-Timestamp: <unix seconds>`` — when this attempt was signed;
* ``X-Syndicate-Signature: t=<timestamp>,v1=<hex>`` — HMAC-SHA256 with the publisher's
  secret over ``"<timestamp>.<body>"``;
* ``Idempotency-Key: <key>`` — the same on every attempt of one message, so a receiver
  can drop the copies that at-least-once delivery may bring.

Anything but a 2xx answer (a redirect included: redirects are not followed) is a failure,
retried by the outbox with its backoff and dead-lettered after the last attempt.

Each attempt resolves the host once, refuses it unless every address is public (unless
private addresses are allowed, for development), and connects to the address it checked;
TLS is verified against the host name. A name that answers differently on a second lookup
(DNS rebinding) therefore cannot turn a checked public host into a call to the inside.

The standard library's ``http.client`` does the connecting rather than httpx or urllib3:
connecting to a chosen address while sending the name as ``Host`` and verifying TLS against
it (``server_hostname``) takes a few lines there, where either library would need a custom
transport or pool subclass for the same, and a POST with no redirects needs nothing more.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


Resolver = Callable[[str, int], Sequence[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_DEFAULT_PORTS = {"http": 80, "https": 443}
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, IPv4-compatible).
_V4_IN_LOW_BITS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("::/96"))


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` has for a TCP connection to ``port``, in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    found = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
    if any(address in network for network in _V4_IN_LOW_BITS):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [v4 for v4 in found if v4 is not None]


def is_public(address: Address) -> bool:
    """Whether ``address`` is globally reachable unicast, IPv4 inside IPv6 included.

    Loopback, private, link-local, shared, reserved, unspecified and multicast addresses are
    not, and neither is an IPv6 address that maps, tunnels or translates to one of them.
    """
    if address.is_multicast or not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        return all(is_public(v4) for v4 in _embedded_ipv4(address))
    return True


@dataclass(frozen=True)
class Destination:
    """A URL resolved once: the address to connect to, and the name TLS and Host carry."""

    url: str
    scheme: str
    host: str
    port: int
    target: str
    address: str


def destination(url: str, *, allow_private: bool, resolver: Resolver = resolve) -> Destination:
    """Resolve ``url``'s host once and pick the address the request will connect to.

    Every address the name has must be public unless ``allow_private``: checking one and
    connecting to another would let a name that answers differently reach the inside.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in _DEFAULT_PORTS or not host:
        raise DeliveryFailed(f"refusing a non-HTTP URL: {url!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        raise DeliveryFailed(f"refusing a URL with a bad port: {url!r}") from None
    try:
        answers = list(resolver(host, port))
        addresses = [ipaddress.ip_address(answer) for answer in answers]
    except (OSError, UnicodeError, ValueError) as exc:
        raise DeliveryFailed(f"cannot resolve {host!r}: {exc}") from exc
    if not addresses:
        raise DeliveryFailed(f"cannot resolve {host!r}: no address")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise DeliveryFailed(f"{host!r} resolves to a non-public address ({address})")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return Destination(url, parts.scheme, host, port, target, str(addresses[0]))


def public_address_only(url: str, resolver: Resolver = resolve) -> str:
    """The address to use for ``url``; :class:`DeliveryFailed` if its host is not public."""
    return destination(url, allow_private=False, resolver=resolver).address


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed address; the Host header still names the host."""

    def __init__(self, place: Destination, timeout: float) -> None:
        super().__init__(place.host, place.port, timeout=timeout)
        self.address = place.address

    def _open(self) -> socket.socket:
        # Looked up at call time, so a test can watch where connections go.
        return socket.create_connection((self.address, self.port), self.timeout)

    def connect(self) -> None:
        """Connect to the checked address, never to a fresh lookup of the name."""
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS, the certificate verified against the host name (SNI too)."""

    default_port = http.client.HTTPS_PORT

    def __init__(self, place: Destination, timeout: float, tls: ssl.SSLContext) -> None:
        super().__init__(place, timeout)
        self.tls = tls

    def connect(self) -> None:
        """Connect to the checked address and start TLS for the host name."""
        self.sock = self.tls.wrap_socket(self._open(), server_hostname=self.host)


def post(
    place: Destination,
    body: bytes,
    headers: dict[str, str],
    timeout: float,
    tls: ssl.SSLContext | None = None,
) -> int:
    """POST ``body`` to the resolved ``place``; the status, or :class:`DeliveryFailed`.

    Anything but 2xx fails, redirects included: they are not followed.
    """
    url = place.url
    connection: _PinnedHTTPConnection
    if place.scheme == "https":
        connection = _PinnedHTTPSConnection(place, timeout, tls or ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(place, timeout)
    try:
        connection.request("POST", place.target, body=body, headers=headers)
        response = connection.getresponse()
        status = int(response.status)
        response.read(65536)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryFailed(f"cannot reach {url}: {exc}") from exc
    finally:
        connection.close()
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
        resolver: Resolver = resolve,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.lookup = lookup
        self.timeout = timeout
        self.allow_private = allow_private
        self.clock = clock
        self.resolver = resolver
        self.tls = tls

    def send(self, message: OutboxMessage) -> None:
        """Sign and POST the message body; raise unless the endpoint answers 2xx."""
        publisher_id = int(message.payload.get("publisher_id", 0))
        target = self.lookup(publisher_id)
        if target is None:
            # The publisher removed its webhook since: there is nobody left to tell.
            log.info("webhook message %s dropped: publisher %s has none", message.id, publisher_id)
            return
        place = destination(target.url, allow_private=self.allow_private, resolver=self.resolver)
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
        post(place, body, headers, self.timeout, self.tls)


class WebSubTransport:
    """Sends ``websub`` messages: a form-encoded publish ping to the hub.

    The hub gets the same address rule as webhooks: resolved once, public unless allowed.
    """

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        allow_private: bool = False,
        resolver: Resolver = resolve,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self.resolver = resolver
        self.tls = tls

    def send(self, message: OutboxMessage) -> None:
        """POST ``hub.mode=publish&hub.url=…`` to the hub; raise unless it answers 2xx."""
        place = destination(
            message.recipient, allow_private=self.allow_private, resolver=self.resolver
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        }
        post(place, message.body.encode("utf-8"), headers, self.timeout, self.tls)
