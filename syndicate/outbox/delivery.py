"""Delivering outbox messages: claim due ones, send, then mark sent, retry later or give up.

At least once: a message is claimed with a lease; a worker that dies mid-delivery leaves
the lease to run out and another worker sends it again, with the same idempotency key.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Protocol

from sqlalchemy import or_, select

from syndicate.database import Database
from syndicate.orm import utcnow
from syndicate.outbox.models import MessageStatus, OutboxMessage
from syndicate.web.inputs import one_line

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)


class Transport(Protocol):
    """Something that sends one message or raises."""

    def send(self, message: OutboxMessage) -> None:
        """Send ``message``; raise on failure."""


@dataclass
class MailSettings:
    """How e-mail leaves the building."""

    sender: str
    backend: str = "file"
    directory: Path | None = None
    host: str = "localhost"
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 20.0


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The RFC 5322 e-mail for an outbox row; its Message-ID is the idempotency key."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    # A stored subject with a line break would make the header unbuildable on every retry.
    email["Subject"] = one_line(message.subject)
    email["Date"] = format_datetime(message.created_at or utcnow())
    domain = sender.rpartition("@")[2] or "localhost"
    email["Message-ID"] = (
        f"<{message.idempotency_key}@{domain}>"
        if message.idempotency_key
        else (make_msgid(domain=domain))
    )
    email["X-Syndicate-Topic"] = message.topic
    email.set_content(message.body)
    return email


class FileTransport:
    """Development backend: each e-mail becomes an ``.eml`` file in a folder."""

    def __init__(self, settings: MailSettings) -> None:
        assert settings.directory is not None
        self.settings = settings
        self.directory = settings.directory

    def send(self, message: OutboxMessage) -> None:
        """Write the message as ``<id>-<key>.eml`` (the same name if sent again).

        Messages carry invitation links and other secrets: the file is readable by its
        owner only (0600, like ``secret_key``), whatever the umask.
        """
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = self.directory / f"{message.id:08d}-{message.idempotency_key}.eml"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)  # a leftover file keeps its mode through O_CREAT
            out.write(bytes(build_email(message, self.settings.sender)))
        tmp.replace(path)


class SMTPTransport:
    """Sends over SMTP, with STARTTLS and login when configured."""

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, message: OutboxMessage) -> None:
        """Open a connection, send, close."""
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password)
            smtp.send_message(build_email(message, s.sender))


def make_transport(settings: MailSettings) -> Transport:
    """The transport the settings ask for."""
    if settings.backend == "smtp":
        return SMTPTransport(settings)
    if settings.backend == "file":
        return FileTransport(settings)
    raise ValueError(f"unknown mail backend {settings.backend!r} (use 'file' or 'smtp')")


def backoff(attempts: int, base: float = 30.0, cap: float = 6 * 3600.0) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min, … capped at six hours."""
    return timedelta(seconds=min(cap, base * (2 ** max(0, attempts - 1))))


def claim_due(database: Database, limit: int = 20, now: datetime | None = None) -> list[int]:
    """Lease up to ``limit`` due messages to this worker; returns their ids."""
    now = now or utcnow()
    with database.transaction() as session:
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == MessageStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until <= now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        if database.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        messages = session.scalars(query).all()
        for message in messages:
            message.locked_until = now + LEASE
        return [m.id for m in messages]


def deliver(
    database: Database,
    transports: dict[str, Transport],
    message_ids: Sequence[int],
    *,
    max_attempts: int = 8,
    clock: Callable[[], datetime] = utcnow,
) -> dict[str, int]:
    """Send each leased message and record the outcome; returns counts by outcome."""
    counts = {"sent": 0, "retry": 0, "dead": 0}
    for message_id in message_ids:
        with database.transaction() as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.status is not MessageStatus.PENDING:
                continue
            session.expunge(message)
        error = ""
        try:
            transport = transports[message.channel]
            transport.send(message)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:2000]
        with database.transaction() as session:
            row = session.get(OutboxMessage, message_id)
            if row is None:
                continue
            now = clock()
            row.attempts += 1
            row.locked_until = None
            if not error:
                row.status = MessageStatus.SENT
                row.sent_at = now
                row.last_error = ""
                counts["sent"] += 1
            elif row.attempts >= max_attempts:
                row.status = MessageStatus.DEAD
                row.last_error = error
                counts["dead"] += 1
                log.error(
                    "outbox message %s is dead after %s attempts: %s", row.id, row.attempts, error
                )
            else:
                row.next_attempt_at = now + backoff(row.attempts)
                row.last_error = error
                counts["retry"] += 1
                log.warning(
                    "outbox message %s failed (attempt %s): %s", row.id, row.attempts, error
                )
    return counts


def run_once(
    database: Database, transports: dict[str, Transport], *, max_attempts: int = 8
) -> dict[str, int]:
    """Claim and deliver everything due now, in batches; returns the totals."""
    totals = {"sent": 0, "retry": 0, "dead": 0}
    while True:
        ids = claim_due(database)
        if not ids:
            return totals
        for key, value in deliver(database, transports, ids, max_attempts=max_attempts).items():
            totals[key] += value
