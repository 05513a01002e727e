"""Queue messages in the caller's transaction: if the change rolls back, so does the message."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from syndicate.outbox.models import OutboxMessage


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
        subject=subject[:300],
        body=body,
        payload=payload or {},
        idempotency_key=uuid.uuid4().hex,
    )
    session.add(message)
    return message
