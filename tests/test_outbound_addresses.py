"""Outbound HTTP connects to the address it checked, for webhooks and WebSub pings alike.

The receiver is a real HTTP server on loopback; the name resolver and the connect call are
watched, so a public answer can stand for the receiver while the test sees where each
connection really went. No connection leaves the machine.
"""

# ruff: noqa: F811 - fixtures imported from tests.newswire_support are parameters here

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.database import Database
from syndicate.newswire.models import PublisherWebhook
from syndicate.newswire.notices import NewswireSettings, correct_article
from syndicate.outbox.delivery import claim_due, deliver
from syndicate.outbox.http import WebhookTransport
from syndicate.outbox.messages import queue_websub_ping
from syndicate.outbox.models import MessageStatus, OutboxMessage
from syndicate.outbox.transports import transports_from_config, webhook_lookup
from tests.factories import make_article, make_feed_partner
from tests.newswire_support import Receiver, cold_feed_cache, receiver  # noqa: F401

SETTINGS = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
NAME = "hooks.partner.example"
PUBLIC = "93.184.216.34"


@dataclass
class Network:
    """What the resolver was asked and where connections went; ``answers`` per lookup."""

    answers: list[list[str]]
    receiver_port: int
    lookups: list[str] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch, receiver: Receiver) -> Network:
    """``NAME`` answers ``answers`` in turn; a connection to ``PUBLIC`` reaches the receiver.

    Connections anywhere but loopback are refused, so nothing leaves the machine.
    """
    state = Network(answers=[], receiver_port=int(receiver.url.split(":")[2].split("/")[0]))
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.create_connection

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != NAME:
            return real_getaddrinfo(host, port, *args, **kwargs)
        state.lookups.append(host)
        answer = state.answers[min(len(state.lookups), len(state.answers)) - 1]
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, int(port or 0)),
            )
            for address in answer
        ]

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = address[0], int(address[1])
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # A connection by name resolves it (again) exactly as the standard library would.
            host = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][4][0]
        state.connections.append((host, port))
        if host == PUBLIC:
            return real_connect(("127.0.0.1", state.receiver_port), *args, **kwargs)
        if ipaddress.ip_address(host).is_loopback:
            return real_connect((host, port), *args, **kwargs)
        raise ConnectionRefusedError(f"test network: no route to {host}")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return state


def _hooked_partner(session: Session, url: str) -> None:
    publisher, _key = make_feed_partner(session)
    session.add(PublisherWebhook(publisher_id=publisher.id, url=url, secret="whsec_" + "s" * 32))
    session.flush()
    correct_article(session, make_article(session), "A name was misspelt.", SETTINGS, actor_id=None)
    session.commit()


def _messages(db: Database, channel: str) -> list[OutboxMessage]:
    with db.transaction() as tx:
        rows = tx.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            tx.expunge(row)
        return list(rows)


def _strict(db: Database) -> dict[str, Any]:
    return {"webhook": WebhookTransport(webhook_lookup(db), timeout=2, allow_private=False)}


def test_a_name_that_answers_loopback_on_the_second_lookup_is_never_looked_up_twice(
    session: Session, db: Database, receiver: Receiver, network: Network
) -> None:
    network.answers = [[PUBLIC], ["127.0.0.1"]]
    _hooked_partner(session, f"http://{NAME}:{network.receiver_port}/hooks/notices")

    counts = deliver(db, _strict(db), claim_due(db))

    assert network.lookups == [NAME], "the host is resolved once, for the check"
    assert network.connections == [(PUBLIC, network.receiver_port)], "and reached there"
    assert counts["sent"] == 1
    [delivery] = receiver.deliveries
    assert delivery.headers["host"] == f"{NAME}:{network.receiver_port}"
    assert _messages(db, "webhook")[0].status is MessageStatus.SENT


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "0.0.0.0",  # noqa: S104 - an address under test, not a bind
        "224.0.0.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::1",
        "2002:a9fe:a9fe::1",
        "64:ff9b::a00:1",
        "::127.0.0.1",
    ],
)
def test_every_non_public_answer_is_refused_before_any_connection(
    session: Session, db: Database, receiver: Receiver, network: Network, address: str
) -> None:
    network.answers = [[address]]
    _hooked_partner(session, f"http://{NAME}:{network.receiver_port}/hooks/notices")

    counts = deliver(db, _strict(db), claim_due(db))

    assert counts["retry"] == 1
    assert network.connections == []
    assert receiver.deliveries == []
    assert "non-public" in _messages(db, "webhook")[0].last_error


def test_one_private_answer_among_public_ones_is_enough_to_refuse(
    session: Session, db: Database, receiver: Receiver, network: Network
) -> None:
    network.answers = [[PUBLIC, "192.168.1.10"]]
    _hooked_partner(session, f"http://{NAME}:{network.receiver_port}/hooks/notices")

    assert deliver(db, _strict(db), claim_due(db))["retry"] == 1
    assert network.connections == []
    assert "non-public address (192.168.1.10)" in _messages(db, "webhook")[0].last_error


def test_websub_pings_follow_the_same_rule(
    app: Flask, session: Session, db: Database, receiver: Receiver, network: Network
) -> None:
    network.answers = [[PUBLIC], ["127.0.0.1"]]
    public_hub = f"http://{NAME}:{network.receiver_port}/hub"
    queue_websub_ping(session, hub=public_hub, topic_url="http://localhost/feeds/partner.rss")
    queue_websub_ping(session, hub=receiver.url, topic_url="http://localhost/feeds/partner.atom")
    session.commit()
    assert app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] is False

    counts = deliver(db, transports_from_config(app.config, db), claim_due(db))

    assert counts == {"sent": 1, "retry": 1, "dead": 0}
    assert network.lookups == [NAME]
    assert (PUBLIC, network.receiver_port) in network.connections
    assert all(host == PUBLIC for host, _port in network.connections)
    [ping] = receiver.deliveries
    assert ping.body.startswith(b"hub.mode=publish")
    assert ping.headers["host"] == f"{NAME}:{network.receiver_port}"
    to_hub, to_loopback = _messages(db, "websub")
    assert to_hub.status is MessageStatus.SENT
    assert to_loopback.status is MessageStatus.PENDING
    assert "non-public address (127.0.0.1)" in to_loopback.last_error


def test_development_may_allow_loopback_and_still_connects_where_it_looked(
    app: Flask, session: Session, db: Database, receiver: Receiver, network: Network
) -> None:
    network.answers = [["127.0.0.1"], ["10.9.9.9"]]
    _hooked_partner(session, f"http://{NAME}:{network.receiver_port}/hooks/notices")
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = True
    try:
        transports = transports_from_config(app.config, db)
    finally:
        app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = False

    assert deliver(db, transports, claim_due(db))["sent"] == 1
    assert network.lookups == [NAME]
    assert network.connections == [("127.0.0.1", network.receiver_port)]
    assert len(receiver.deliveries) == 1


@dataclass
class TlsReceiver:
    """An HTTPS endpoint on loopback whose certificate names only ``NAME``."""

    port: int
    ca_file: Path
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[TlsReceiver]:
    """A real HTTPS server with a self-signed certificate for ``NAME`` (made by openssl)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={NAME}",
            "-addext",
            f"subjectAltName=DNS:{NAME}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            hosts.append(self.headers.get("Host", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            return

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TlsReceiver(port=int(server.server_address[1]), ca_file=cert, hosts=hosts)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_tls_is_verified_against_the_host_name_not_the_address(
    session: Session, db: Database, tls_receiver: TlsReceiver
) -> None:
    from syndicate.outbox.http import DeliveryFailed

    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    trust = ssl.create_default_context(cafile=str(tls_receiver.ca_file))
    _hooked_partner(session, f"https://{NAME}:{tls_receiver.port}/hooks")
    [message] = _messages(db, "webhook")
    transport = WebhookTransport(
        webhook_lookup(db), timeout=5, allow_private=True, resolver=resolver, tls=trust
    )

    transport.send(message)
    assert asked == [NAME]
    assert tls_receiver.hosts == [f"{NAME}:{tls_receiver.port}"]

    # Same address, another name: the certificate does not cover it, so nothing is sent.
    with db.transaction() as tx:
        hook = tx.scalars(select(PublisherWebhook)).one()
        hook.url = f"https://other.partner.example:{tls_receiver.port}/hooks"
    with pytest.raises(DeliveryFailed, match="certificate"):
        transport.send(message)
    assert asked == [NAME, "other.partner.example"]
    assert len(tls_receiver.hosts) == 1
