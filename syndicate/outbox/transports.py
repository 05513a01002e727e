"""Transports built from the configuration."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from syndicate.database import Database
from syndicate.outbox.delivery import MailSettings, Transport, make_transport
from syndicate.outbox.http import WebhookTarget, WebhookTransport, WebSubTransport


def mail_settings(config: Mapping[str, Any]) -> MailSettings:
    """Mail settings from the ``[mail]`` section."""
    return MailSettings(
        sender=config["MAIL_FROM"],
        backend=config["MAIL_BACKEND"],
        directory=Path(config["MAIL_DIRECTORY"]),
        host=config["MAIL_SMTP_HOST"],
        port=int(config["MAIL_SMTP_PORT"]),
        username=config["MAIL_SMTP_USERNAME"],
        password=config["MAIL_SMTP_PASSWORD"],
        starttls=bool(config["MAIL_SMTP_STARTTLS"]),
    )


def webhook_lookup(database: Database) -> Callable[[int], WebhookTarget | None]:
    """Reads a publisher's current webhook URL and secret when a message is sent."""
    from syndicate.newswire.models import PublisherWebhook

    def lookup(publisher_id: int) -> WebhookTarget | None:
        with database.transaction() as session:
            row = session.scalar(
                select(PublisherWebhook).where(PublisherWebhook.publisher_id == publisher_id)
            )
            return None if row is None else WebhookTarget(url=row.url, secret=row.secret)

    return lookup


def transports_from_config(
    config: Mapping[str, Any], database: Database | None = None
) -> dict[str, Transport]:
    """One transport per outbox channel (webhooks need the database for their secrets)."""
    timeout = float(config["WEBHOOKS_TIMEOUT_SECONDS"])
    # One rule for every outbound HTTP call: the hub's address is checked like a partner's.
    allow_private = bool(config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"])
    transports: dict[str, Transport] = {
        "email": make_transport(mail_settings(config)),
        "websub": WebSubTransport(timeout=timeout, allow_private=allow_private),
    }
    if database is not None:
        transports["webhook"] = WebhookTransport(
            webhook_lookup(database), timeout=timeout, allow_private=allow_private
        )
    return transports
