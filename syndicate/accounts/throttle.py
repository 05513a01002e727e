"""Password checks counted per account in the database, so a limit holds on every worker.

Each check first claims one attempt for the account it names, with one conditional
insert-or-update: the claim is refused (and the password never looked at) once
``max_failures`` checks have been made within the window and none succeeded. Claiming
before checking means concurrent guesses cannot slip past the limit, whichever worker or
machine answers them. A correct password removes the count.

Accounts are named by a digest of the normalised address that was typed, so an address
without an account is counted, and answered, exactly like one with an account.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syndicate.accounts.models import PasswordFailure
from syndicate.accounts.passwords import verify_password
from syndicate.orm import UTCDateTime, utcnow

PRUNE_BATCH = 100


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many password checks an account allows within a window before it closes."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)

    @property
    def minutes(self) -> int:
        """The window in whole minutes, for messages."""
        return max(1, round(self.window.total_seconds() / 60))


class Verdict(enum.Enum):
    """The outcome of one password check."""

    CORRECT = "correct"
    WRONG = "wrong"
    LOCKED = "locked"


def account_digest(account: str) -> str:
    """The key under which checks of ``account`` (an address as typed) are counted."""
    return hashlib.sha256(account.strip().lower().encode()).hexdigest()


def claim_attempt(session: Session, account: str, policy: ThrottlePolicy, now: datetime) -> bool:
    """Count one password check against ``account``; ``False`` if the account is closed.

    One statement decides and counts, so it is race-free on SQLite and PostgreSQL alike.
    Rows whose window has ended are removed first (a batch at a time), keeping the table
    about as small as the traffic of one window.
    """
    # Rows another check holds are skipped, not waited for: pruning never queues logins.
    ended = (
        select(PasswordFailure.account_digest)
        .where(PasswordFailure.resets_at <= now)
        .limit(PRUNE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(PasswordFailure).where(PasswordFailure.account_digest.in_(ended)))
    row = PasswordFailure
    ends = literal(now + policy.window, UTCDateTime())
    expired = row.resets_at <= literal(now, UTCDateTime())
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    stmt = insert(row).values(
        account_digest=account_digest(account), failures=1, resets_at=now + policy.window
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[row.account_digest],
        set_={
            "failures": case((expired, 1), else_=row.failures + 1),
            "resets_at": case(
                (expired, ends),
                # The check that reaches the limit closes the account for a whole window.
                (row.failures + 1 >= policy.max_failures, ends),
                else_=row.resets_at,
            ),
        },
        where=expired | (row.failures < policy.max_failures),
    )
    # A refused update returns no row (rowcount is not reliable for upserts on every driver).
    return session.execute(stmt.returning(row.failures)).first() is not None


def clear_attempts(session: Session, account: str) -> None:
    """Forget the checks counted against ``account`` (its password was just given)."""
    session.execute(
        delete(PasswordFailure).where(PasswordFailure.account_digest == account_digest(account))
    )


def check_password(
    session: Session,
    *,
    account: str,
    stored_hash: str | None,
    password: str,
    policy: ThrottlePolicy,
    now: datetime | None = None,
) -> Verdict:
    """Check ``password`` against ``stored_hash`` if ``account`` still allows checks.

    A wrong answer stays counted only if the caller commits it: the web layer keeps it
    even though the request is refused (:func:`syndicate.web.db.keep_writes`).
    """
    if not claim_attempt(session, account, policy, now or utcnow()):
        return Verdict.LOCKED
    if not verify_password(stored_hash, password):
        return Verdict.WRONG
    clear_attempts(session, account)
    return Verdict.CORRECT
