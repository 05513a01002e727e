"""Pickup intents: a partner copied a story's ready-to-paste block from its story desk.

Counted per article, publisher, day and format with one insert-or-increment statement, so
a partner's clicks on one story make at most two rows a day (HTML and plain text).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection

from syndicate.syndication.models import PickupCopy
from syndicate.syndication.pixel import add_one


def record_copy(
    connection: Connection, *, publisher_id: int, article_id: int, day: date, fmt: str
) -> None:
    """Count one copy of ``article_id`` by ``publisher_id`` in format ``fmt``."""
    add_one(
        connection,
        PickupCopy,
        article_id=article_id,
        publisher_id=publisher_id,
        day=day,
        format=fmt,
    )
