"""The durable outbox: written with its cause, delivered at least once, retried, dead-lettered."""

from __future__ import annotations

import email
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from syndicate.orm import utcnow
from syndicate.outbox.delivery import (
    LEASE,
    FileTransport,
    MailSettings,
    SMTPTransport,
    backoff,
    claim_due,
    deliver,
    run_once,
)
from syndicate.outbox.messages import queue_email
from syndicate.outbox.models import MessageStatus, OutboxMessage


class Flaky:
    """A transport that fails a given number of times, then records what it sends."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[str] = []

    def send(self, message: OutboxMessage) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionRefusedError("mail server down")
        self.sent.append(message.idempotency_key)


def _queue(db, subject: str = "Hello") -> int:
    with db.transaction() as session:
        message = queue_email(
            session, topic="test", to="reader@example.org", subject=subject, body="Body text."
        )
        session.flush()
        return message.id


def _row(db, message_id: int) -> OutboxMessage:
    with db.transaction() as session:
        row = session.get(OutboxMessage, message_id)
        session.expunge(row)
        return row


def test_message_rolls_back_with_its_cause(db) -> None:
    def failing_change() -> None:
        with db.transaction() as session:
            queue_email(session, topic="test", to="a@example.org", subject="s", body="b")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    with db.transaction() as session:
        assert session.scalars(select(OutboxMessage)).all() == []


def test_file_backend_writes_an_eml(db, tmp_path: Path) -> None:
    message_id = _queue(db, subject="Your licence is approved")
    transport = FileTransport(MailSettings(sender="Desk <desk@example.org>", directory=tmp_path))
    assert run_once(db, {"email": transport}) == {"sent": 1, "retry": 0, "dead": 0}
    [path] = tmp_path.glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes())
    row = _row(db, message_id)
    assert parsed["Subject"] == "Your licence is approved"
    assert parsed["To"] == "reader@example.org"
    assert row.idempotency_key in parsed["Message-ID"]
    assert row.status is MessageStatus.SENT
    assert row.sent_at is not None
    assert run_once(db, {"email": transport}) == {"sent": 0, "retry": 0, "dead": 0}


def test_smtp_backend_delivers_to_a_real_server(db) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list = []

    class Collect(Message):
        def handle_message(self, message) -> None:
            received.append(message)

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _queue(db, subject="Over the wire")
        transport = SMTPTransport(
            MailSettings(sender="desk@example.org", backend="smtp", host="127.0.0.1", port=port)
        )
        assert run_once(db, {"email": transport})["sent"] == 1
    finally:
        controller.stop()
    assert [m["Subject"] for m in received] == ["Over the wire"]


def test_failures_back_off_then_dead_letter(db) -> None:
    message_id = _queue(db)
    transport = Flaky(failures=10)
    assert deliver(db, {"email": transport}, claim_due(db), max_attempts=3)["retry"] == 1
    row = _row(db, message_id)
    assert row.attempts == 1
    assert row.next_attempt_at > utcnow()
    assert "mail server down" in row.last_error
    assert claim_due(db) == []  # not due yet
    later = utcnow() + timedelta(hours=1)
    deliver(db, {"email": transport}, claim_due(db, now=later), max_attempts=3)
    deliver(db, {"email": transport}, claim_due(db, now=later + timedelta(hours=1)), max_attempts=3)
    row = _row(db, message_id)
    assert row.status is MessageStatus.DEAD
    assert row.attempts == 3
    assert transport.sent == []


def test_a_worker_dying_mid_delivery_loses_nothing(db) -> None:
    message_id = _queue(db)
    assert claim_due(db) == [message_id]  # leased by a worker that then dies
    assert claim_due(db) == []  # still leased: nobody else takes it
    transport = Flaky(failures=0)
    after_lease = utcnow() + LEASE + timedelta(seconds=1)
    ids = claim_due(db, now=after_lease)
    assert ids == [message_id]
    deliver(db, {"email": transport}, ids)
    assert transport.sent == [_row(db, message_id).idempotency_key]
    assert _row(db, message_id).status is MessageStatus.SENT


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60)
    assert backoff(3) == timedelta(seconds=120)
    assert backoff(30) == timedelta(hours=6)


def test_worker_command_once(runner, app, db, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "MAIL_DIRECTORY", str(tmp_path))
    _queue(db, subject="From the worker")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    assert len(list(tmp_path.glob("*.eml"))) == 1
