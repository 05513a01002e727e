"""A publisher's webhook: saving its address and secret, the one place that does it (the
portal and the API both call :func:`save_webhook`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate import audit
from syndicate.newswire.models import PublisherWebhook

SECRET_PREFIX = "whsec_"  # noqa: S105 - a recognisable prefix, not a secret
URL_LENGTH = 500
SECRET_LENGTH = 200


@dataclass(frozen=True)
class SavedWebhook:
    """The saved webhook, and the secret made for it (``None`` unless one was made now)."""

    webhook: PublisherWebhook
    made_secret: str | None


def webhook_of(session: Session, publisher_id: int) -> PublisherWebhook | None:
    """The publisher's webhook, if it set one."""
    return session.scalar(
        select(PublisherWebhook).where(PublisherWebhook.publisher_id == publisher_id)
    )


def save_webhook(
    session: Session, publisher_id: int, url: str, secret: str, *, actor_id: int | None
) -> SavedWebhook:
    """Save the address (already checked by the caller) and the secret: the one given, else
    the current one, else a new one (returned so it can be shown once)."""
    current = webhook_of(session, publisher_id)
    given = secret.strip()
    made = None
    if given:
        chosen = given
    elif current is not None:
        chosen = current.secret
    else:
        chosen = made = SECRET_PREFIX + secrets.token_urlsafe(32)
    before = {"url": current.url} if current else None
    if current is None:
        current = PublisherWebhook(publisher_id=publisher_id, url=url, secret=chosen)
        session.add(current)
    else:
        current.url = url
        current.secret = chosen
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="webhook.save",
        object_type="publisher",
        object_id=publisher_id,
        before=before,
        after={"url": url, "secret_changed": bool(given or made)},
    )
    return SavedWebhook(current, made)
