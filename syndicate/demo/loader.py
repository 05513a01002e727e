"""Demo loader (placeholder)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from syndicate.media import MediaStore


def load_demo(
    session: Session,
    store: MediaStore,
    config: Mapping[str, Any],
    progress: Callable[[int, int, str], None] | None = None,
) -> list[str]:
    """Load the demo content idempotently; returns lines to print."""
    return []
