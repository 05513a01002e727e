"""Presentation helpers for the licensing pages of the console."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from licenses.eligibility import OUTLET_TYPES
from licenses.models import FeedKey, License, LicenseRequest
from syndicate.staff import freshness
from syndicate.staff.blueprint import bp

MISSING = object()


def scope_text(item: LicenseRequest | License) -> str:
    """What a request or licence covers, in a few words."""
    kind = item.scope_kind.value
    if kind == "all":
        return "All syndicated stories"
    if kind == "sections":
        return "Sections: " + ", ".join(item.scope_sections or [])
    article = item.scope_article
    return f"Story: {article.headline}" if article is not None else "One story (no longer found)"


def outlet_label(value: str) -> str:
    """The readable name of an outlet type."""
    return OUTLET_TYPES.get(value, value)


def key_state(key: FeedKey) -> tuple[str, str]:
    """A feed key's state label and badge modifier."""
    if key.revoked_at is not None:
        return ("Replaced" if key.replaced_by_id else "Revoked"), "revoked"
    return "Live", "active"


@dataclass(frozen=True)
class Change:
    """One field of an audit event: its value before and after."""

    key: str
    before: str
    after: str
    changed: bool


def _shown(value: Any) -> str:
    if value is MISSING:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[Change]:
    """Every key of ``before`` and ``after``, in a stable order, with both values as text."""
    before = before or {}
    after = after or {}
    keys = list(dict.fromkeys([*before, *after]))
    changes = []
    for key in keys:
        old = before.get(key, MISSING)
        new = after.get(key, MISSING)
        changes.append(Change(key, _shown(old), _shown(new), old != new))
    return changes


@bp.context_processor
def _licensing_helpers() -> dict[str, Any]:
    return {
        "scope_text": scope_text,
        "outlet_label": outlet_label,
        "key_state": key_state,
        "audit_diff": diff,
        "fresh_login": freshness.is_fresh,
    }


def naive_utc(value: datetime | None) -> datetime | None:
    """A stored UTC time as the naive value a ``datetime-local`` input shows."""
    return value.replace(tzinfo=None) if value is not None else None
