"""What happened to queued messages, for the people they concern."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.outbox.models import OutboxMessage


def recent_webhook_deliveries(
    session: Session, publisher_id: int, limit: int = 20
) -> list[OutboxMessage]:
    """The publisher's latest webhook messages, newest first: delivered, waiting or failed."""
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.channel == "webhook",
            OutboxMessage.payload["publisher_id"].as_integer() == publisher_id,
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.scalars(statement))
