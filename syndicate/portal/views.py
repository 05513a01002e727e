"""The partner portal blueprint with every portal route registered on it."""

from __future__ import annotations

from typing import Any

from syndicate.portal import (
    applications,
    desk,
    keys,
    licences,
    members,
    notices,
    overview,
    pickups,
    tokens,
    webhooks,
)
from syndicate.portal.blueprint import bp
from syndicate.portal.display import template_helpers


@bp.context_processor
def _display_helpers() -> dict[str, Any]:
    return template_helpers()


__all__ = [
    "applications",
    "bp",
    "desk",
    "keys",
    "licences",
    "members",
    "notices",
    "overview",
    "pickups",
    "tokens",
    "webhooks",
]
