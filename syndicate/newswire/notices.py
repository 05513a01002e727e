"""Notices to partners: every correction and kill tells each publisher that had the story.

In the transaction of the change itself, one :class:`Notice` per covered publisher is
written, with an e-mail and (when the publisher set one) a signed webhook queued in the
durable outbox; ``syndicate worker`` delivers them after the commit. A rollback takes
the change, the notices and the messages away together.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.coverage import Coverage, coverage_of
from licenses.licences import in_force
from licenses.models import License, Publisher, PublisherStatus
from syndicate import audit
from syndicate.accounts.models import Role, User
from syndicate.content import services
from syndicate.content.models import Article, Correction
from syndicate.newswire.embargo import had_received, partner_can_see
from syndicate.newswire.models import Notice, NoticeAcknowledgement, NoticeKind, PublisherWebhook
from syndicate.orm import utcnow
from syndicate.outbox.messages import new_idempotency_key, queue_email, queue_webhook
from syndicate.syndication.prepare import article_item_id


@dataclass(frozen=True)
class NewswireSettings:
    """Site values notices need, as plain strings (built by the web layer or the CLI)."""

    site_name: str
    base_url: str
    licensing_email: str = ""

    def article_url(self, slug: str) -> str:
        """The public URL of an article."""
        return f"{self.base_url}/articles/{slug}"

    @property
    def portal_notices_url(self) -> str:
        """Where partners read and acknowledge notices."""
        return f"{self.base_url}/portal/notices"


class NoticeError(ValueError):
    """A notice operation was refused."""


def covered_publishers(
    session: Session, article: Article, now: datetime, *, kill: bool
) -> list[tuple[Publisher, Coverage]]:
    """Active publishers whose licences in force cover ``article`` and who have received it.

    For a kill that means before the kill; for a correction, now (a story still under a
    plain schedule has reached nobody, so nobody is told).
    """
    licences = session.scalars(
        select(License)
        .join(Publisher, Publisher.id == License.publisher_id)
        .where(in_force(now), Publisher.status == PublisherStatus.ACTIVE)
        .order_by(License.publisher_id, License.id)
    ).all()
    by_publisher: dict[int, list[License]] = defaultdict(list)
    for licence in licences:
        by_publisher[licence.publisher_id].append(licence)
    found = []
    for group in by_publisher.values():
        coverage = coverage_of(group)
        received = (
            had_received(coverage, article) if kill else partner_can_see(coverage, article, now)
        )
        if received:
            found.append((group[0].publisher, coverage))
    return sorted(found, key=lambda pair: pair[0].name.lower())


def _recipients(session: Session, publisher: Publisher) -> list[str]:
    """The publisher's contact address, else its enabled partner users' addresses."""
    if publisher.contact_email:
        return [publisher.contact_email]
    users = session.scalars(
        select(User).where(User.publisher_id == publisher.id, User.role == Role.PARTNER)
    ).all()
    return sorted({user.email for user in users if user.is_enabled})


def _event(
    notice: Notice, article: Article, settings: NewswireSettings, event_id: str
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": event_id,
        "type": f"notice.{notice.kind.value}",
        "created_at": (notice.created_at or utcnow()).isoformat(),
        "notice": {
            "id": notice.id,
            "kind": notice.kind.value,
            "message": notice.message,
            "acknowledge_url": settings.portal_notices_url,
        },
        "article": {
            "item_id": article_item_id(settings.base_url, article),
            "slug": article.slug,
            "headline": article.headline,
            "url": settings.article_url(article.slug),
            "revision": article.revision,
        },
    }
    if notice.kind is NoticeKind.KILL:
        data["article"]["killed_at"] = article.killed_at.isoformat() if article.killed_at else None
        data["article"]["kill_reason"] = article.kill_reason
        data["action"] = "remove"
    else:
        data["action"] = "update"
    return data


def _email_text(notice: Notice, article: Article, settings: NewswireSettings) -> tuple[str, str]:
    url = settings.article_url(article.slug)
    if notice.kind is NoticeKind.KILL:
        subject = f"KILL: remove “{article.headline}” now"
        lead = (
            f"{settings.site_name} has withdrawn the story “{article.headline}”.\n\n"
            "Remove it from your site, your archives and any scheduled use now, with its "
            "photos. Do not republish it."
        )
    else:
        subject = f"Correction: “{article.headline}”"
        lead = (
            f"{settings.site_name} has corrected the story “{article.headline}” "
            f"(revision {article.revision}).\n\nUpdate your copy: the corrected text is in "
            "your partner feed, with the correction at the top."
        )
    body = (
        f"{lead}\n\n{notice.message}\n\nStory: {url}\n\n"
        f"Please acknowledge this notice in the partner portal: {settings.portal_notices_url}\n"
    )
    return subject, body


def issue_notices(
    session: Session,
    article: Article,
    kind: NoticeKind,
    message: str,
    settings: NewswireSettings,
    *,
    correction: Correction | None = None,
    now: datetime | None = None,
) -> list[Notice]:
    """One notice, e-mail and webhook per covered publisher, queued in this transaction."""
    now = now or utcnow()
    notices = []
    webhooks = {hook.publisher_id: hook for hook in session.scalars(select(PublisherWebhook)).all()}
    for publisher, _coverage in covered_publishers(
        session, article, now, kill=kind is NoticeKind.KILL
    ):
        notice = Notice(
            publisher_id=publisher.id,
            article_id=article.id,
            kind=kind,
            correction_id=correction.id if correction is not None else None,
            headline=article.headline[:300],
            message=message,
            revision=article.revision,
            created_at=now,
        )
        session.add(notice)
        session.flush()
        subject, body = _email_text(notice, article, settings)
        for address in _recipients(session, publisher):
            email = queue_email(
                session,
                topic=f"notice.{kind.value}",
                to=address,
                subject=subject,
                body=body,
                payload={"notice_id": notice.id, "publisher_id": publisher.id},
            )
            session.flush()
            notice.email_message_id = notice.email_message_id or email.id
        hook = webhooks.get(publisher.id)
        if hook is not None:
            key = new_idempotency_key()
            sent = queue_webhook(
                session,
                topic=f"notice.{kind.value}",
                publisher_id=publisher.id,
                url=hook.url,
                event=_event(notice, article, settings, key),
                idempotency_key=key,
            )
            session.flush()
            notice.webhook_message_id = sent.id
        notices.append(notice)
    session.flush()
    return notices


def correct_article(
    session: Session,
    article: Article,
    note: str,
    settings: NewswireSettings,
    *,
    actor_id: int | None,
) -> tuple[Correction, list[Notice]]:
    """Add a correction (raising the revision) and tell every partner that has the story."""
    correction = services.add_correction(session, article, note, actor_id)
    message = f"Correction, {correction.created_at or utcnow():%Y-%m-%d}: {correction.note}"
    notices = issue_notices(
        session, article, NoticeKind.CORRECTION, message, settings, correction=correction
    )
    return correction, notices


def kill_article(
    session: Session,
    article: Article,
    reason: str,
    settings: NewswireSettings,
    *,
    actor_id: int | None,
    now: datetime | None = None,
) -> list[Notice]:
    """Kill the story and tell every partner that had it to take it down."""
    now = now or utcnow()
    services.kill_article(session, article, reason, actor_id=actor_id, now=now)
    message = f"Withdrawn on {now:%Y-%m-%d %H:%M} UTC. Reason: {article.kill_reason}"
    return issue_notices(session, article, NoticeKind.KILL, message, settings, now=now)


def acknowledge(session: Session, notice: Notice, user_id: int | None) -> NoticeAcknowledgement:
    """Record that the publisher acted on ``notice`` (once; acknowledging again is a no-op)."""
    if notice.acknowledgement is not None:
        return notice.acknowledgement
    ack = NoticeAcknowledgement(notice_id=notice.id, user_id=user_id)
    session.add(ack)
    session.flush()
    session.refresh(notice, ["acknowledgement"])
    audit.record(
        session,
        actor_id=user_id,
        action="notice.acknowledge",
        object_type="notice",
        object_id=notice.id,
        after={"publisher": notice.publisher_id, "article": notice.article_id},
    )
    return ack


def notices_for_article(session: Session, article_id: int) -> Sequence[Notice]:
    """Every notice about one article, newest first, publisher by publisher."""
    return session.scalars(
        select(Notice)
        .where(Notice.article_id == article_id)
        .order_by(Notice.created_at.desc(), Notice.id)
    ).all()
