"""A partner sees what became of its webhook notices: delivered, waiting, or failed and why."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.newswire.models import PublisherWebhook
from syndicate.outbox.messages import queue_webhook
from syndicate.outbox.models import MessageStatus, OutboxMessage
from tests.conftest import csrf_token, login
from tests.factories import make_partner, make_publisher


def test_the_webhook_page_lists_the_partners_own_deliveries_with_reasons(
    client: FlaskClient, session: Session
) -> None:
    partner = make_partner(session, name="Ridgeview Courier")
    other = make_publisher(session, name="Elsewhere Gazette")
    session.flush()
    assert partner.publisher_id is not None

    def hook(publisher_id: int, topic: str) -> OutboxMessage:
        return queue_webhook(
            session,
            topic=topic,
            publisher_id=publisher_id,
            url="https://hooks.example.org/in",
            event={"type": topic},
        )

    delivered = hook(partner.publisher_id, "article.corrected")
    failed = hook(partner.publisher_id, "article.killed")
    hook(partner.publisher_id, "article.updated")
    hook(other.id, "article.withdrawn_elsewhere")
    session.flush()
    delivered.status, delivered.attempts = MessageStatus.SENT, 1
    failed.status, failed.attempts = MessageStatus.DEAD, 8
    failed.last_error = "DeliveryFailed: HTTP 410 from the receiver"
    session.commit()
    assert login(client, partner.email).status_code == 302

    page = client.get("/portal/webhook").get_data(as_text=True)
    assert "Recent deliveries" in page
    assert "article.corrected" in page
    assert "Delivered" in page
    assert "Failed" in page
    assert "DeliveryFailed: HTTP 410 from the receiver" in page
    assert "Queued" in page
    assert "article.withdrawn_elsewhere" not in page


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/hook", "http://[::ffff:10.0.0.7]/hook", "http://localhost/in"]
)
def test_an_address_the_worker_would_refuse_is_refused_when_saved(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    partner = make_partner(session, name="Ridgeview Courier")
    session.commit()
    assert login(client, partner.email).status_code == 302
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False)
    refused = client.post(
        "/portal/webhook", data={"url": url, "csrf_token": csrf_token(client, "/portal/webhook")}
    )
    assert refused.status_code == 422
    assert "non-public address" in refused.get_data(as_text=True)
    assert session.scalar(select(PublisherWebhook)) is None

    # Where the worker is allowed private addresses (development), saving is too.
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", True)
    saved = client.post(
        "/portal/webhook", data={"url": url, "csrf_token": csrf_token(client, "/portal/webhook")}
    )
    assert saved.status_code == 200  # the new secret, shown once
    session.expire_all()
    stored = session.scalar(select(PublisherWebhook))
    assert stored is not None
    assert stored.url == url
