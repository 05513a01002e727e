"""Small helpers the portal's templates use to describe licences, requests and keys."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from licenses.eligibility import OUTLET_TYPES
from licenses.models import FeedKey
from licenses.terms import terms_paragraphs
from syndicate.content.models import Section
from syndicate.web.db import db_session

STATUS_TONES = {
    "active": "ok",
    "approved": "ok",
    "submitted": "pending",
    "applicant": "pending",
    "suspended": "warn",
    "expired": "muted",
    "withdrawn": "muted",
    "replaced": "muted",
    "rejected": "bad",
    "revoked": "bad",
}


def section_names() -> dict[str, str]:
    """Section names by slug, loaded once per request."""
    if "portal_section_names" not in g:
        rows = db_session().execute(select(Section.slug, Section.name))
        g.portal_section_names = {row.slug: row.name for row in rows}
    names: dict[str, str] = g.portal_section_names
    return names


def section_list(slugs: list[str] | None) -> list[str]:
    """The names of the sections ``slugs`` (a slug stays as is when its section is gone)."""
    names = section_names()
    return [names.get(slug, slug) for slug in (slugs or [])]


def status_tone(status: str) -> str:
    """The badge colour family for a status value."""
    return STATUS_TONES.get(status, "muted")


def key_state(key: FeedKey) -> str:
    """``active``, ``replaced`` (rotated) or ``revoked``."""
    if key.revoked_at is None:
        return "active"
    return "replaced" if key.replaced_by_id is not None else "revoked"


def outlet_label(value: str) -> str:
    """The readable name of an outlet type."""
    return OUTLET_TYPES.get(value, value or "—")


def template_helpers() -> dict[str, Any]:
    """Everything above, for the portal's templates."""
    return {
        "section_list": section_list,
        "status_tone": status_tone,
        "key_state": key_state,
        "outlet_label": outlet_label,
        "terms_paragraphs": terms_paragraphs,
    }
