"""WebSub: when a hub is configured, every change to a partner feed pings it.

The feed version hook (:mod:`syndicate.syndication.version`) already knows which flushes
touch feed content; this hook marks such a session and, just before it commits, queues
one publish ping per partner feed URL in the outbox, inside the same transaction. The
hub comes from the configuration of the application in whose context the session runs.

Feeds also change with no write at all: a scheduled story is released, an embargo preview
opens, a photo permission or a licence starts or ends, a kill notice's period is over.
:func:`queue_timed_pings`, run by ``syndicate worker`` every round, looks for such moments
since the last round (a marker row in ``feed_state``) and pings the hub for them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session

from licenses.models import License, LicenseStatus
from syndicate.content.models import Article, ArticleStatus, Image, SyndicationPolicy
from syndicate.outbox.messages import queue_websub_ping
from syndicate.syndication.models import TIMED_PINGS_ROW, FeedState
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


def timed_changes(
    session: Session, since: datetime, until: datetime, kill_notice_days: int
) -> bool:
    """Whether time alone changed what some partner feed shows in ``(since, until]``.

    Each check is one indexed ``LIMIT 1`` read; a moment that changes no feed in the end (a
    lapsing photo no story uses) costs at most a ping the hub did not need.
    """
    syndicated = Article.syndication == SyndicationPolicy.SYNDICATE
    scheduled = Article.status == ArticleStatus.SCHEDULED
    kill_period = timedelta(days=kill_notice_days)
    checks: list[Select[Any]] = [
        select(Article.id).where(
            scheduled, syndicated, Article.released_at > since, Article.released_at <= until
        ),
        select(Article.id).where(
            scheduled,
            syndicated,
            Article.embargo_preview_at > since,
            Article.embargo_preview_at <= until,
            Article.released_at > Article.embargo_preview_at,
        ),
        select(Article.id).where(
            Article.status == ArticleStatus.KILLED,
            syndicated,
            Article.killed_at > since - kill_period,
            Article.killed_at <= until - kill_period,
        ),
        select(Image.id).where(
            Image.partner_allowed_until > since, Image.partner_allowed_until <= until
        ),
        select(License.id).where(
            License.status == LicenseStatus.ACTIVE,
            License.starts_at > since,
            License.starts_at <= until,
        ),
        select(License.id).where(
            License.status == LicenseStatus.ACTIVE,
            License.ends_at > since,
            License.ends_at <= until,
        ),
    ]
    return any(session.execute(check.limit(1)).first() is not None for check in checks)


def queue_timed_pings(
    session: Session, *, hub: str, base_url: str, now: datetime, kill_notice_days: int
) -> bool:
    """Ping ``hub`` for every partner feed if time alone changed one since the last call.

    The first call only sets the marker. Returns whether pings were queued.
    """
    if not hub:
        return False
    marker = session.get(FeedState, TIMED_PINGS_ROW, with_for_update=True)
    if marker is None:
        session.add(FeedState(id=TIMED_PINGS_ROW, version=0, changed_at=now))
        session.flush()
        return False
    since = marker.changed_at
    if now <= since:
        return False
    due = timed_changes(session, since, now, kill_notice_days)
    marker.changed_at = now
    if due:
        marker.version += 1
        for url in feed_urls(base_url):
            queue_websub_ping(session, hub=hub, topic_url=url)
    session.flush()
    return due


def install() -> None:
    """Watch every session (idempotent)."""
    for name, listener in (
        ("after_flush", _after_flush),
        ("before_commit", _before_commit),
        ("after_soft_rollback", _after_rollback),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
