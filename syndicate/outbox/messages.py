"""Queue messages in the caller's transaction: if the change rolls back, so does the message."""

from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from syndicate.outbox.models import OutboxMessage
from syndicate.web.inputs import one_line


def queue_email(
    session: Session,
    *,
    topic: str,
    to: str,
    subject: str,
    body: str,
    payload: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Add an e-mail to the outbox; ``syndicate worker`` delivers it after the commit."""
    message = OutboxMessage(
        channel="email",
        topic=topic,
        recipient=to,
        subject=one_line(subject)[:300],
        body=body,
        payload=payload or {},
        idempotency_key=uuid.uuid4().hex,
    )
    session.add(message)
    return message


def new_idempotency_key() -> str:
    """A fresh idempotency key (also the id of the event a webhook carries)."""
    return uuid.uuid4().hex


def queue_webhook(
    session: Session,
    *,
    topic: str,
    publisher_id: int,
    url: str,
    event: dict[str, Any],
    idempotency_key: str | None = None,
) -> OutboxMessage:
    """Add a webhook POST of ``event`` (JSON) for ``publisher_id`` to the outbox.

    The body is fixed now, so every attempt sends the same bytes; the worker signs each
    attempt with the publisher's secret at sending time.
    """
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    message = OutboxMessage(
        channel="webhook",
        topic=topic,
        recipient=url[:500],
        subject=topic,
        body=body,
        payload={"publisher_id": publisher_id},
        idempotency_key=idempotency_key or new_idempotency_key(),
    )
    session.add(message)
    return message


def queue_websub_ping(session: Session, *, hub: str, topic_url: str) -> OutboxMessage:
    """Add a WebSub publish ping (``hub.mode=publish&hub.url=<topic_url>``) to the outbox."""
    message = OutboxMessage(
        channel="websub",
        topic="websub.publish",
        recipient=hub[:500],
        subject="websub publish",
        body=urlencode({"hub.mode": "publish", "hub.url": topic_url}),
        payload={"url": topic_url},
        idempotency_key=new_idempotency_key(),
    )
    session.add(message)
    return message
