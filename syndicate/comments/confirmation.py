"""Confirming a commenter's e-mail address through a link sent to it. No Flask.

A held comment that gives an address brings an e-mail with a signed link. Whoever opens it
can read that mailbox, so confirming trusts the commenter (that name with that address):
their held comments appear, and so do their later ones. The link names the commenter and
carries a random secret stored with them; confirming clears the secret with a conditional
update, so a link works once, and marking a comment as spam clears it too. A link expires
after :data:`CONFIRMATION_MAX_AGE`. Each address receives at most
:data:`CONFIRMATIONS_PER_DAY` of these e-mails a day, whatever names it is posted under.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from licenses.notifications import SiteInfo
from syndicate.comments import services
from syndicate.comments.models import Comment, Commenter, CommentStatus
from syndicate.outbox.messages import queue_email
from syndicate.outbox.models import OutboxMessage

CONFIRMATION_MAX_AGE = timedelta(days=3)
CONFIRMATIONS_PER_DAY = 3
TOPIC = "comment.confirm_address"
_SALT = "syndicate.comment-confirmation"
# One plain address (the comment form accepts more): never a list of recipients, a display
# name or anything else a To header would read as more than one mailbox.
MAILABLE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


@dataclass(frozen=True)
class ConfirmationLink:
    """What a confirmation link names: the commenter, the comment that prompted it, the
    secret, and when it was issued."""

    commenter_id: int
    comment_id: int
    nonce: str
    issued_at: datetime


def _serializer(secret_key: str | bytes) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_SALT)


def make_token(secret_key: str | bytes, link: ConfirmationLink) -> str:
    """The signed token of ``link``, for the confirmation URL."""
    return str(
        _serializer(secret_key).dumps(
            {
                "c": link.commenter_id,
                "k": link.comment_id,
                "n": link.nonce,
                "t": int(link.issued_at.timestamp()),
            }
        )
    )


def read_token(secret_key: str | bytes, token: str, now: datetime) -> ConfirmationLink | None:
    """The link a genuine, unexpired token stands for, or ``None``."""
    try:
        data = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    commenter_id, comment_id, nonce, issued = (data.get(k) for k in ("c", "k", "n", "t"))
    if not (
        isinstance(commenter_id, int)
        and isinstance(comment_id, int)
        and isinstance(nonce, str)
        and isinstance(issued, int)
    ):
        return None
    issued_at = datetime.fromtimestamp(issued, now.tzinfo)
    # The issue time is kept in whole seconds, rounded down.
    if now - issued_at > CONFIRMATION_MAX_AGE + timedelta(seconds=1):
        return None
    return ConfirmationLink(commenter_id, comment_id, nonce, issued_at)


def _nonce(session: Session, commenter_id: int) -> str | None:
    return session.scalar(select(Commenter.confirmation_nonce).where(Commenter.id == commenter_id))


def send_link(
    session: Session,
    comment: Comment,
    *,
    headline: str,
    site: SiteInfo,
    secret_key: str | bytes,
    url_for_token: Callable[[str], str],
    now: datetime,
) -> bool:
    """E-mail a confirmation link for a held ``comment`` to the address it gives.

    Returns whether an e-mail was queued: not for a comment that is not held or gives no
    plain address, nor once the address had its share of confirmation e-mails today. An
    unused link sent earlier keeps working beside the new one.
    """
    if comment.status is not CommentStatus.HELD or not MAILABLE.fullmatch(comment.email):
        return False
    sent_today = session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.topic == TOPIC,
            func.lower(OutboxMessage.recipient) == comment.email.lower(),
            OutboxMessage.created_at > now - timedelta(days=1),
        )
    )
    if (sent_today or 0) >= CONFIRMATIONS_PER_DAY:
        return False
    # Two comments at once must not each replace the other's secret.
    session.execute(
        update(Commenter)
        .where(Commenter.id == comment.commenter_id, Commenter.confirmation_nonce.is_(None))
        .values(confirmation_nonce=secrets.token_hex(16))
    )
    nonce = _nonce(session, comment.commenter_id)
    assert nonce is not None
    link = ConfirmationLink(comment.commenter_id, comment.id, nonce, now)
    days = CONFIRMATION_MAX_AGE.days
    queue_email(
        session,
        topic=TOPIC,
        to=comment.email,
        subject=f"{site.name}: confirm your e-mail address to publish your comment",
        body=(
            f"Someone, we hope you, commented as “{comment.author_name}” on “{headline}” and "
            f"gave this e-mail address.\n\n"
            f"To publish the comment, confirm that the address is yours (the link works "
            f"once, for {days} days):\n{url_for_token(make_token(secret_key, link))}\n\n"
            f"Once confirmed, your later comments under the name “{comment.author_name}” "
            f"with this address appear without waiting for an editor.\n\n"
            f"If it was not you, ignore this e-mail: nothing is published under your address "
            f"unless an editor approves it.\n\n{site.name}\n"
        ),
        payload={"comment": comment.id},
    )
    return True


def _usable(
    session: Session, secret_key: str | bytes, token: str, now: datetime
) -> tuple[ConfirmationLink, Comment] | None:
    link = read_token(secret_key, token, now)
    if link is None:
        return None
    nonce = _nonce(session, link.commenter_id)
    if nonce is None or not hmac.compare_digest(nonce, link.nonce):
        return None
    comment = session.get(Comment, link.comment_id)
    if comment is None or comment.commenter_id != link.commenter_id:
        return None
    return link, comment


def pending(session: Session, secret_key: str | bytes, token: str, now: datetime) -> Comment | None:
    """The comment whose confirmation ``token`` can still confirm, or ``None``."""
    usable = _usable(session, secret_key, token, now)
    return None if usable is None else usable[1]


def confirm(session: Session, secret_key: str | bytes, token: str, now: datetime) -> Comment | None:
    """Trust the commenter ``token`` names and publish their held comments, once.

    Returns the comment the link was sent for, or ``None`` when the link is not genuine,
    has expired or was used (nothing changes then).
    """
    usable = _usable(session, secret_key, token, now)
    if usable is None:
        return None
    link, comment = usable
    done = session.execute(
        update(Commenter)
        .where(Commenter.id == link.commenter_id, Commenter.confirmation_nonce == link.nonce)
        .values(confirmed_at=now, confirmation_nonce=None)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return None
    held = session.scalars(
        select(Comment)
        .where(Comment.commenter_id == link.commenter_id, Comment.status == CommentStatus.HELD)
        .order_by(Comment.id)
    ).all()
    for waiting in held:
        services.approve_confirmed(session, waiting, now=now)
    return comment
