"""Measuring what cached values hold, to check what the store is charged for them."""

from __future__ import annotations

import enum
import sys
from datetime import date, datetime
from typing import Any

_ATOMS = (str, bytes, int, float, bool, type(None), date, datetime, enum.Enum)


def deep_size(obj: Any, seen: set[int] | None = None) -> int:
    """Bytes held by ``obj`` and everything it refers to, each object counted once."""
    seen = set() if seen is None else seen
    if id(obj) in seen or callable(obj):  # classes and functions are shared, not held
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, _ATOMS):
        return size
    if isinstance(obj, dict):
        return size + sum(deep_size(k, seen) + deep_size(v, seen) for k, v in obj.items())
    if isinstance(obj, tuple | list | set | frozenset):
        return size + sum(deep_size(item, seen) for item in obj)
    fields = getattr(obj, "__dict__", None) or {
        name: getattr(obj, name, None) for name in getattr(type(obj), "__slots__", ())
    }
    return size + sum(deep_size(value, seen) for value in fields.values())
