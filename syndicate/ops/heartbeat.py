"""The outbox worker's heartbeat: one row of ``feed_state``, written every round.

``changed_at`` is the moment of the last round and ``version`` counts the rounds, so
``/readyz`` and the metrics can tell a worker that is running from one that stopped, on any
machine, with one primary-key read and no table of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from syndicate.orm import utcnow
from syndicate.syndication.models import WORKER_HEARTBEAT_ROW, FeedState


@dataclass(frozen=True)
class Heartbeat:
    """The last round of any outbox worker, and how many rounds there were."""

    at: datetime
    rounds: int


def record_heartbeat(session: Session, now: datetime | None = None) -> None:
    """Record a worker round at ``now`` in ``session``'s transaction (one upsert)."""
    moment = now or utcnow()
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(FeedState).values(id=WORKER_HEARTBEAT_ROW, version=1, changed_at=moment)
    stmt = stmt.on_conflict_do_update(
        index_elements=[FeedState.id],
        set_={"version": FeedState.version + 1, "changed_at": stmt.excluded.changed_at},
    )
    session.execute(stmt)


def last_heartbeat(session: Session) -> Heartbeat | None:
    """The last recorded round, or ``None`` when no worker has ever run."""
    row = session.execute(
        select(FeedState.changed_at, FeedState.version).where(FeedState.id == WORKER_HEARTBEAT_ROW)
    ).first()
    return None if row is None else Heartbeat(row.changed_at, int(row.version))
