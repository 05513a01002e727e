"""The console's outbox page (development only): every message with its state and body."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.outbox.messages import queue_email, queue_webhook
from syndicate.outbox.models import MessageStatus
from tests.conftest import login
from tests.factories import make_publisher, make_user


@pytest.fixture
def staff(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="outbox.reader@example.org")
    session.commit()
    assert login(client, user.email).status_code == 302


def test_staff_read_every_message_with_its_state_and_working_links(
    client: FlaskClient, session: Session, staff: None
) -> None:
    invitation = queue_email(
        session,
        topic="account.invitation",
        to="new.partner@example.org",
        subject="You are invited",
        body="Set your password at http://localhost/account/setup/abc123.\n\nThanks.",
    )
    publisher = make_publisher(session)
    failed = queue_webhook(
        session,
        topic="article.killed",
        publisher_id=publisher.id,
        url="https://hooks.example.org/in",
        event={"type": "article.killed", "slug": "a-story"},
    )
    session.flush()
    failed.attempts = 3
    failed.status = MessageStatus.DEAD
    failed.last_error = "the address resolves to a private network"
    session.commit()

    listing = client.get("/staff/outbox")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "new.partner@example.org" in page
    assert "You are invited" in page
    assert "the address resolves to a private network" in page
    assert "badge--outbox-dead" in page
    assert "badge--outbox-pending" in page
    assert 'href="/staff/outbox"' in page  # the console's navigation offers it

    detail = client.get(f"/staff/outbox/{invitation.id}").get_data(as_text=True)
    assert '<a href="http://localhost/account/setup/abc123"' in detail
    hook = client.get(f"/staff/outbox/{failed.id}").get_data(as_text=True)
    assert (
        "&#34;slug&#34;: &#34;a-story&#34;" in hook
        or "&quot;slug&quot;: &quot;a-story&quot;" in hook
    )

    only_dead = client.get("/staff/outbox?status=dead").get_data(as_text=True)
    assert "hooks.example.org" in only_dead
    assert "new.partner@example.org" not in only_dead


def test_production_has_no_outbox_page(
    app: Flask, client: FlaskClient, session: Session, staff: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = queue_email(session, topic="t", to="a@example.org", subject="s", body="b")
    session.commit()
    monkeypatch.setitem(app.config, "ENV", "production")
    assert client.get("/staff/outbox").status_code == 404
    assert client.get(f"/staff/outbox/{message.id}").status_code == 404
    assert 'href="/staff/outbox"' not in client.get("/staff/").get_data(as_text=True)


def test_a_missing_message_is_not_found(client: FlaskClient, staff: None) -> None:
    assert client.get("/staff/outbox/987654").status_code == 404
