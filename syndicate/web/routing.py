"""URL converters shared by every blueprint."""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

# Primary keys are 32-bit integers on PostgreSQL; SQLite refuses anything above 64 bits.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` limited to what a primary key can hold: a larger number is a 404 page,
    not a database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
