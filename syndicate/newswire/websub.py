"""WebSub: when a hub is configured, every transaction that changes a feed pings it.

The feed version hook (:mod:`syndicate.syndication.version`) already knows which flushes
touch feed content; this hook marks such a session and, just before it commits, queues
one publish ping per partner feed URL in the outbox, inside the same transaction. The
hub comes from the configuration of the application in whose context the session runs.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from syndicate.outbox.messages import queue_websub_ping
from syndicate.syndication.version import feeds_change

PENDING = "newswire.websub_pending"
FEED_PATHS = ("/feeds/partner.rss", "/feeds/partner.atom", "/feeds/partner.json")


def _hub() -> str:
    if not has_app_context():
        return ""
    return str(current_app.config.get("FEEDS_WEBSUB_HUB") or "")


def feed_urls(base_url: str) -> list[str]:
    """The topic URLs a ping names: every partner feed."""
    base = base_url.rstrip("/")
    return [base + path for path in FEED_PATHS]


def _after_flush(session: Session, _context: Any) -> None:
    if not session.info.get(PENDING) and _hub() and feeds_change(session):
        session.info[PENDING] = True


def _before_commit(session: Session) -> None:
    if not session.info.pop(PENDING, False):
        return
    hub = _hub()
    if not hub:
        return
    for url in feed_urls(str(current_app.config["SITE_BASE_URL"])):
        queue_websub_ping(session, hub=hub, topic_url=url)


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(PENDING, None)


def install() -> None:
    """Watch every session (idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
