"""Signed webhooks delivered by the outbox to a real HTTP receiver on loopback."""

# ruff: noqa: F811 - fixtures imported from tests.newswire_support are parameters here

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.content.models import Article
from syndicate.database import Database
from syndicate.newswire.models import Notice, NoticeKind, PublisherWebhook
from syndicate.newswire.notices import NewswireSettings, correct_article
from syndicate.orm import utcnow
from syndicate.outbox.delivery import LEASE, claim_due, deliver
from syndicate.outbox.http import DeliveryFailed, WebhookTransport, public_address_only, verify
from syndicate.outbox.models import MessageStatus, OutboxMessage
from syndicate.outbox.transports import transports_from_config, webhook_lookup
from tests.factories import (
    make_article,
    make_feed_partner,
    make_image,
    make_section,
    media_store_for,
)
from tests.newswire_support import Receiver, cold_feed_cache, partner_feed, receiver  # noqa: F401

SETTINGS = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
SECRET = "whsec_test-secret-that-is-long-enough"


@pytest.fixture
def transports(app: Flask, db: Database) -> Iterator[dict]:
    """The worker's transports, with loopback webhooks allowed for the test receiver."""
    app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = True
    app.config["WEBHOOKS_TIMEOUT_SECONDS"] = 5
    try:
        yield transports_from_config(app.config, db)
    finally:
        app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"] = False
        app.config["WEBHOOKS_TIMEOUT_SECONDS"] = 10


def _hooked_partner(session: Session, url: str, secret: str = SECRET, **kw: object):
    publisher, key = make_feed_partner(session, **kw)
    session.add(PublisherWebhook(publisher_id=publisher.id, url=url, secret=secret))
    session.flush()
    return publisher, key


def _webhooks(db: Database) -> list[OutboxMessage]:
    with db.transaction() as session:
        rows = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.channel == "webhook")
            .order_by(OutboxMessage.id)
        ).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def _run(db: Database, transports: dict, **kw: object) -> dict[str, int]:
    return deliver(db, transports, claim_due(db, now=kw.pop("now", None)), **kw)  # type: ignore[arg-type]


def test_a_correction_reaches_every_covered_partner_signed(
    client: FlaskClient, session: Session, db: Database, receiver: Receiver, transports: dict
) -> None:
    covered_section = make_section(session)
    article = make_article(session, section=covered_section, headline="Dam inspection delayed")
    first, key_first = _hooked_partner(session, receiver.url)
    second, key_second = _hooked_partner(session, receiver.url, secret=SECRET + "-two")
    other = make_section(session)
    outsider, _ = _hooked_partner(
        session,
        receiver.url,
        scope_kind=__import__("licenses.models").models.ScopeKind.SECTIONS,
        scope_sections=[other.slug],
    )
    session.commit()
    before = {
        key: feedparser.parse(partner_feed(client, "atom", key)).entries[0]
        for key in (key_first, key_second)
    }

    _correction, notices = correct_article(
        session, article, "The inspection is in May, not March.", SETTINGS, actor_id=None
    )
    session.commit()
    assert {n.publisher_id for n in notices} == {first.id, second.id}
    assert outsider.id not in {n.publisher_id for n in notices}

    # Every covered partner's feed changes on the very next request: same id, new time and body.
    for key in (key_first, key_second):
        entry = feedparser.parse(partner_feed(client, "atom", key)).entries[0]
        assert entry.id == before[key].id
        assert entry.updated_parsed >= before[key].updated_parsed
        assert entry.updated != before[key].updated
        body = entry.content[0].value
        assert body.index("Correction,") < body.index("First paragraph")
        assert "The inspection is in May, not March." in body

    counts = _run(db, transports)
    assert counts["sent"] >= 2
    assert len(receiver.deliveries) == 2
    secrets_by_publisher = {first.id: SECRET, second.id: SECRET + "-two"}
    for delivery in receiver.deliveries:
        event = delivery.json()
        assert event["type"] == "notice.correction"
        assert event["article"]["slug"] == article.slug
        assert event["action"] == "update"
        notice = session.get(Notice, event["notice"]["id"])
        assert notice is not None
        secret = secrets_by_publisher[notice.publisher_id]
        # Verify exactly as a receiver would: HMAC over "<timestamp>.<body>".
        timestamp = delivery.headers["x-syndicate-timestamp"]
        expected = hmac.new(
            secret.encode(), f"{timestamp}.".encode() + delivery.body, hashlib.sha256
        ).hexdigest()
        assert delivery.headers["x-syndicate-signature"] == f"t={timestamp},v1={expected}"
        assert verify(
            secret, delivery.headers["x-syndicate-signature"], delivery.body, now=time.time()
        )
        assert not verify(
            "wrong", delivery.headers["x-syndicate-signature"], delivery.body, now=time.time()
        )
        assert delivery.headers["idempotency-key"] == event["id"]
        assert delivery.headers["content-type"] == "application/json"


def test_a_receiver_that_answers_500_gets_the_notice_again_later(
    session: Session, db: Database, receiver: Receiver, transports: dict
) -> None:
    article = make_article(session)
    _hooked_partner(session, receiver.url)
    correct_article(session, article, "A name was misspelt.", SETTINGS, actor_id=None)
    session.commit()
    receiver.statuses = [500]

    counts = _run(db, transports)
    assert counts["retry"] == 1
    [message] = _webhooks(db)
    assert message.status is MessageStatus.PENDING
    assert message.attempts == 1
    assert "HTTP 500" in message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=20)
    # Not due yet: nothing is sent.
    assert _run(db, transports) == {"sent": 0, "retry": 0, "dead": 0}

    counts = _run(db, transports, now=message.next_attempt_at + timedelta(seconds=1))
    assert counts["sent"] == 1
    [message] = _webhooks(db)
    assert message.status is MessageStatus.SENT
    assert len(receiver.deliveries) == 2
    assert receiver.deliveries[0].body == receiver.deliveries[1].body
    assert (
        receiver.deliveries[0].headers["idempotency-key"]
        == receiver.deliveries[1].headers["idempotency-key"]
    )
    assert len(receiver.unique()) == 1


def test_dead_letter_after_the_configured_attempts(
    session: Session, db: Database, receiver: Receiver, transports: dict
) -> None:
    _hooked_partner(session, receiver.url)
    correct_article(session, make_article(session), "Wrong date.", SETTINGS, actor_id=None)
    session.commit()
    receiver.statuses = [503, 502, 500]
    later = utcnow()
    for _ in range(3):
        later += timedelta(hours=7)
        moment = later
        deliver(db, transports, claim_due(db, now=moment), max_attempts=3, clock=lambda m=moment: m)
    [message] = _webhooks(db)
    assert message.status is MessageStatus.DEAD
    assert message.attempts == 3
    assert len(receiver.deliveries) == 3


def test_a_worker_killed_mid_delivery_loses_nothing(
    session: Session, db: Database, receiver: Receiver, transports: dict
) -> None:
    _hooked_partner(session, receiver.url)
    correct_article(session, make_article(session), "Figures updated.", SETTINGS, actor_id=None)
    session.commit()

    # Worker one claims the message, POSTs it, and dies before recording the outcome.
    claimed = claim_due(db)
    assert len(claimed) == 1
    [message] = _webhooks(db)
    transports["webhook"].send(message)
    assert len(receiver.deliveries) == 1
    # While the lease holds, no other worker takes it.
    assert claim_due(db) == []

    # The lease runs out; worker two delivers it again, with the same idempotency key.
    after_lease = utcnow() + LEASE + timedelta(seconds=1)
    counts = deliver(db, transports, claim_due(db, now=after_lease))
    assert counts["sent"] == 1
    assert len(receiver.deliveries) == 2
    keys = {d.headers["idempotency-key"] for d in receiver.deliveries}
    assert keys == {message.idempotency_key}
    assert len(receiver.unique()) == 1
    assert _webhooks(db)[0].status is MessageStatus.SENT


def test_non_public_addresses_are_refused_unless_allowed(
    session: Session, db: Database, receiver: Receiver
) -> None:
    with pytest.raises(DeliveryFailed, match="non-public"):
        public_address_only(receiver.url)
    _hooked_partner(session, receiver.url)
    correct_article(session, make_article(session), "Typo.", SETTINGS, actor_id=None)
    session.commit()
    strict = {"webhook": WebhookTransport(webhook_lookup(db), allow_private=False)}
    counts = _run(db, strict)
    assert counts["retry"] == 1
    assert receiver.deliveries == []
    assert "non-public" in _webhooks(db)[0].last_error


def test_notices_roll_back_with_the_correction(
    session: Session, db: Database, receiver: Receiver
) -> None:
    article = make_article(session)
    _hooked_partner(session, receiver.url)
    session.commit()
    nested = session.begin_nested()
    correct_article(session, article, "Will be rolled back.", SETTINGS, actor_id=None)
    nested.rollback()
    assert session.scalars(select(Notice)).all() == []
    assert _webhooks(db) == []


def test_websub_hub_is_pinged_through_the_outbox_on_feed_changes(
    app: Flask, client: FlaskClient, session: Session, db: Database
) -> None:
    from syndicate.outbox.http import WebSubTransport

    app.config["FEEDS_WEBSUB_HUB"] = "http://127.0.0.1:9/hub"
    try:
        with app.app_context(), db.transaction() as tx:
            make_article(tx, headline="A change partners should hear about")
        with db.transaction() as tx:
            pings = tx.scalars(select(OutboxMessage).where(OutboxMessage.channel == "websub")).all()
            urls = sorted(p.payload["url"] for p in pings)
            bodies = {p.body for p in pings}
    finally:
        app.config["FEEDS_WEBSUB_HUB"] = ""
    assert urls == [
        "http://localhost/feeds/partner.atom",
        "http://localhost/feeds/partner.json",
        "http://localhost/feeds/partner.rss",
    ]
    assert "hub.mode=publish&hub.url=http%3A%2F%2Flocalhost%2Ffeeds%2Fpartner.rss" in bodies
    assert all(p.recipient == "http://127.0.0.1:9/hub" for p in pings)
    # Without a hub nothing is queued.
    with app.app_context(), db.transaction() as tx:
        make_article(tx)
    with db.transaction() as tx:
        assert (
            len(tx.scalars(select(OutboxMessage).where(OutboxMessage.channel == "websub")).all())
            == 3
        )
    assert isinstance(WebSubTransport(), WebSubTransport)


def test_comments_ping_no_hub(app: Flask, session: Session, db: Database) -> None:
    from syndicate.comments import services as comments

    def pings() -> int:
        with db.transaction() as tx:
            found = tx.scalars(select(OutboxMessage).where(OutboxMessage.channel == "websub"))
            return len(found.all())

    app.config["FEEDS_WEBSUB_HUB"] = "http://127.0.0.1:9/hub"
    try:
        with app.app_context(), db.transaction() as tx:
            article_id = make_article(tx, headline="Quay repairs begin").id
        queued = pings()
        assert queued == 3, "the story itself is a feed change"
        with app.app_context(), db.transaction() as tx:
            article = tx.get(Article, article_id)
            assert article is not None
            comment = comments.post_comment(
                tx,
                article,
                comments.CommentInput(name="Ivo Strand", text="About time for the quay."),
                secret=app.config["SECRET_KEY"],
                client_address="192.0.2.44",
                now=utcnow(),
                close_after_days=0,
            )
            comments.approve(tx, comment, actor_id=None, now=utcnow())
    finally:
        app.config["FEEDS_WEBSUB_HUB"] = ""
    # Partner feeds carry no comments: nothing for a hub to announce.
    assert pings() == queued


def test_feed_changes_that_come_with_time_alone_ping_the_hub(
    app: Flask, runner: Any, session: Session, db: Database
) -> None:
    from syndicate.newswire.websub import queue_timed_pings
    from syndicate.syndication.models import TIMED_PINGS_ROW, FeedState

    hub = "http://127.0.0.1:9/hub"
    # The worker's first round with a hub sets the marker.
    app.config["FEEDS_WEBSUB_HUB"] = hub
    try:
        result = runner.invoke(args=["worker", "--once"])
    finally:
        app.config["FEEDS_WEBSUB_HUB"] = ""
    assert result.exit_code == 0, result.output
    marker = session.get(FeedState, TIMED_PINGS_ROW)
    assert marker is not None
    start = marker.changed_at

    def pings() -> int:
        found = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "websub"))
        return len(found.all())

    def announce(at: timedelta, *, to: str = hub) -> bool:
        return queue_timed_pings(
            session, hub=to, base_url="https://news.example", now=start + at, kill_notice_days=14
        )

    make_article(session, headline="Tide tables for spring", released_at=start + timedelta(hours=1))
    image = make_image(session, media_store_for(app), creator="Wren Hale", organization="")
    image.partner_allowed_until = start + timedelta(hours=3)
    session.flush()
    queued = pings()
    assert announce(timedelta(minutes=30)) is False, "nothing changed by time yet"
    assert pings() == queued
    assert announce(timedelta(hours=1, minutes=1)) is True, "the scheduled story is out"
    topics = sorted(
        m.payload["url"]
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "websub"))
    )[-3:]
    assert topics == [
        "https://news.example/feeds/partner.atom",
        "https://news.example/feeds/partner.json",
        "https://news.example/feeds/partner.rss",
    ]
    assert pings() == queued + 3
    assert announce(timedelta(hours=2)) is False, "announced once"
    assert announce(timedelta(hours=3)) is True, "the photo permission lapsed"
    assert pings() == queued + 6
    assert announce(timedelta(days=9), to="") is False, "no hub, no ping"
    assert pings() == queued + 6


def test_kind_of_notice_in_the_webhook_for_a_kill(
    session: Session, db: Database, receiver: Receiver, transports: dict
) -> None:
    from syndicate.newswire.notices import kill_article

    article = make_article(session)
    _hooked_partner(session, receiver.url)
    notices = kill_article(session, article, "The source retracted.", SETTINGS, actor_id=None)
    session.commit()
    assert [n.kind for n in notices] == [NoticeKind.KILL]
    _run(db, transports)
    event = receiver.deliveries[0].json()
    assert event["type"] == "notice.kill"
    assert event["action"] == "remove"
    assert event["article"]["kill_reason"] == "The source retracted."
