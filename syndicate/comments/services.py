"""Posting, moderating and reading comments. No Flask: callers pass a session and values.

Moderation model: a commenter is a name together with an e-mail address (or, without an
address, a name from one client address). A commenter's first comment is held. When a
moderator approves one of their comments, or when they confirm their address through the
link e-mailed to it (:mod:`syndicate.comments.confirmation`), the commenter is trusted and
their later comments are approved at once; the same address under another name is another
commenter and starts over. Marking a comment as spam withdraws that trust. Held, spam and
deleted comments are never shown publicly, and the public count counts what is shown.

The desk's names and its staff's and reporters' names are refused outright
(:mod:`syndicate.comments.names`), except from a signed-in staff member, whose comments
under their own name or the desk's appear at once.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from syndicate import audit
from syndicate.accounts.models import Role, User
from syndicate.comments.linkify import normalise
from syndicate.comments.models import Comment, Commenter, CommentStatus
from syndicate.comments.names import RESERVED, ReservedNames, name_key
from syndicate.content.models import Article, Author

NAME_MAX = 80
TEXT_MAX = 5000
EMAIL_MAX = 254


class CommentRejected(ValueError):
    """A comment cannot be accepted; ``fields`` names the problems, field by field."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class CommentsClosed(CommentRejected):
    """The article no longer takes comments."""


@dataclass(frozen=True)
class CommentInput:
    """What a reader submitted."""

    name: str
    text: str
    email: str = ""
    reply_to: int | None = None


@dataclass
class Thread:
    """An article's public comments: top-level ones in order, each with its replies."""

    comments: list[Comment] = field(default_factory=list)
    replies: dict[int, list[Comment]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        """How many comments are shown (approved ones under a shown parent)."""
        return len(self.comments) + sum(len(r) for r in self.replies.values())


# ---- identity: keyed hashes only ----------------------------------------------------------


def _hmac(secret: str | bytes, message: str) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def client_hash(secret: str | bytes, address: str) -> str:
    """A keyed hash of a client address; the address itself is never stored."""
    return _hmac(secret, f"client:{address}")


def commenter_identity(secret: str | bytes, name: str, email: str, client: str) -> str:
    """Who is commenting: the name with the e-mail address if given, else with the client."""
    shown = " ".join(name.split()).casefold()
    if email:
        return _hmac(secret, f"email:{email.strip().casefold()}|name:{shown}")
    return _hmac(secret, f"name:{shown}|{client}")


# ---- open or closed -----------------------------------------------------------------------


def closes_at(article: Article, close_after_days: int) -> datetime | None:
    """When comments close automatically; None when they never do."""
    if close_after_days <= 0 or article.first_published_at is None:
        return None
    return article.first_published_at + timedelta(days=close_after_days)


def comments_open(article: Article, now: datetime, close_after_days: int) -> bool:
    """Whether ``article`` takes comments now: open, and not past the automatic closing."""
    if not article.comments_open:
        return False
    deadline = closes_at(article, close_after_days)
    return deadline is None or now < deadline


# ---- posting ------------------------------------------------------------------------------


def validate(data: CommentInput) -> CommentInput:
    """Normalise a submission, or raise :class:`CommentRejected` naming each problem."""
    name = " ".join(normalise(data.name).split())
    text = normalise(data.text)
    email = data.email.strip()
    problems: dict[str, str] = {}
    if not name:
        problems["name"] = "Please give a name to show with your comment."
    elif len(name) > NAME_MAX:
        problems["name"] = f"Names are limited to {NAME_MAX} characters."
    if not text:
        problems["text"] = "Please write your comment."
    elif len(text) > TEXT_MAX:
        problems["text"] = f"Comments are limited to {TEXT_MAX} characters (yours has {len(text)})."
    if len(email) > EMAIL_MAX:
        problems["email"] = f"E-mail addresses are limited to {EMAIL_MAX} characters."
    elif email and ("@" not in email.strip("@") or any(c.isspace() for c in email)):
        problems["email"] = "That does not look like an e-mail address."
    if problems:
        raise CommentRejected("The comment needs another look.", problems)
    return CommentInput(name=name, text=text, email=email, reply_to=data.reply_to)


def _reply_parent(session: Session, article: Article, reply_to: int | None) -> int | None:
    if reply_to is None:
        return None
    parent = session.get(Comment, reply_to)
    if (
        parent is None
        or parent.article_id != article.id
        or parent.status is not CommentStatus.APPROVED
    ):
        raise CommentRejected(
            "That comment cannot be answered.",
            {"reply_to": "The comment you are replying to is not available any more."},
        )
    # One level deep: a reply to a reply joins its top-level parent's replies.
    return parent.parent_id or parent.id


def reserved_names(session: Session, desk_names: Sequence[str]) -> ReservedNames:
    """The names readers may not use: ``desk_names``, and every staff member's and reporter's."""
    people = session.scalars(
        union_all(
            select(User.name).where(User.role == Role.STAFF, User.name != ""),
            select(Author.name),
        )
    )
    return ReservedNames.build(desk_names, people)


def _commenter(session: Session, identity: str) -> Commenter:
    statement = select(Commenter).where(Commenter.identity == identity)
    found = session.scalar(statement)
    if found is not None:
        return found
    try:
        # A savepoint: two first comments from one person at once must not both insert.
        with session.begin_nested():
            found = Commenter(identity=identity)
            session.add(found)
    except IntegrityError:
        found = session.scalars(statement).one()
    return found


def post_comment(
    session: Session,
    article: Article,
    data: CommentInput,
    *,
    secret: str | bytes,
    client_address: str,
    now: datetime,
    close_after_days: int,
    desk_names: Sequence[str] = (),
    staff_name: str | None = None,
) -> Comment:
    """Add a comment: approved at once for a trusted commenter, otherwise held.

    ``desk_names`` are the desk's names (its site name first); ``staff_name`` is the name of
    the signed-in staff member posting, ``None`` for anyone else. Raises
    :class:`CommentsClosed` when the article takes no comments and
    :class:`CommentRejected` for an invalid submission or a reserved name; nothing is
    written then.
    """
    if not comments_open(article, now, close_after_days):
        raise CommentsClosed("Comments are closed.")
    clean = validate(data)
    reserved = reserved_names(session, desk_names)
    if reserved.is_reserved(clean.name, own_name=staff_name):
        raise CommentRejected("The comment needs another look.", {"name": RESERVED})
    # Signing in proves who a staff member is; under any other name they are a reader.
    speaks_as_staff = staff_name is not None and (
        reserved.speaks_for_desk(clean.name) or name_key(clean.name) == name_key(staff_name)
    )
    parent_id = _reply_parent(session, article, clean.reply_to)
    client = client_hash(secret, client_address)
    commenter = _commenter(session, commenter_identity(secret, clean.name, clean.email, client))
    comment = Comment(
        article_id=article.id,
        parent_id=parent_id,
        commenter_id=commenter.id,
        author_name=clean.name,
        email=clean.email,
        body=clean.text,
        status=(
            CommentStatus.APPROVED if commenter.trusted or speaks_as_staff else CommentStatus.HELD
        ),
        client_hash=client,
        created_at=now,
    )
    session.add(comment)
    session.flush()
    return comment


# ---- moderation ---------------------------------------------------------------------------


def _snapshot(comment: Comment) -> dict[str, Any]:
    return {"status": comment.status.value, "article_id": comment.article_id}


def _moderate(
    session: Session,
    comment: Comment,
    status: CommentStatus,
    *,
    actor_id: int | None,
    now: datetime,
    action: str,
) -> Comment:
    before = _snapshot(comment)
    comment.status = status
    comment.moderated_at = now
    comment.moderated_by_id = actor_id
    audit.record(
        session,
        actor_id=actor_id,
        action=action,
        object_type="comment",
        object_id=comment.id,
        before=before,
        after=_snapshot(comment),
    )
    session.flush()
    return comment


def approve(session: Session, comment: Comment, *, actor_id: int | None, now: datetime) -> Comment:
    """Show ``comment`` publicly and trust its commenter from now on."""
    commenter = session.get(Commenter, comment.commenter_id)
    if commenter is not None and not commenter.approved:
        commenter.approved = True
        commenter.approved_at = now
    return _moderate(
        session,
        comment,
        CommentStatus.APPROVED,
        actor_id=actor_id,
        now=now,
        action="comment.approve",
    )


def approve_confirmed(session: Session, comment: Comment, *, now: datetime) -> Comment:
    """Show ``comment`` publicly because its writer confirmed their address (no moderator)."""
    return _moderate(
        session, comment, CommentStatus.APPROVED, actor_id=None, now=now, action="comment.confirm"
    )


def mark_spam(
    session: Session, comment: Comment, *, actor_id: int | None, now: datetime
) -> Comment:
    """Hide ``comment`` as spam; its commenter's next comments are held again.

    A confirmed address loses its trust too, and an unused confirmation link stops working.
    """
    commenter = session.get(Commenter, comment.commenter_id)
    if commenter is not None:
        commenter.approved = False
        commenter.approved_at = None
        commenter.confirmed_at = None
        commenter.confirmation_nonce = None
    return _moderate(
        session, comment, CommentStatus.SPAM, actor_id=actor_id, now=now, action="comment.spam"
    )


def delete(session: Session, comment: Comment, *, actor_id: int | None, now: datetime) -> Comment:
    """Remove ``comment`` from public view and from the queue (kept for the audit trail)."""
    return _moderate(
        session, comment, CommentStatus.DELETED, actor_id=actor_id, now=now, action="comment.delete"
    )


MODERATION_ACTIONS = {"approve": approve, "spam": mark_spam, "delete": delete}


# ---- reading ------------------------------------------------------------------------------


def public_thread(session: Session, article_id: int) -> Thread:
    """The approved comments of an article, replies under their parents, in one statement.

    A reply whose parent is not shown (held, spam or deleted) is not shown either.
    """
    rows: Sequence[Comment] = session.scalars(
        select(Comment)
        .where(Comment.article_id == article_id, Comment.status == CommentStatus.APPROVED)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    thread = Thread()
    shown = set()
    for comment in rows:
        if comment.parent_id is None:
            thread.comments.append(comment)
            shown.add(comment.id)
    for comment in rows:
        if comment.parent_id is not None and comment.parent_id in shown:
            thread.replies.setdefault(comment.parent_id, []).append(comment)
    return thread


def public_count(session: Session, article_id: int) -> int:
    """How many comments the article's page shows."""
    return public_thread(session, article_id).count


def status_counts(session: Session) -> dict[CommentStatus, int]:
    """How many comments have each status."""
    rows = session.execute(select(Comment.status, func.count(Comment.id)).group_by(Comment.status))
    counts = dict.fromkeys(CommentStatus, 0)
    for status, number in rows:
        counts[status] = number
    return counts
