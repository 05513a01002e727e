"""The staff console blueprint with every console route registered on it."""

from __future__ import annotations

from syndicate.staff import (
    article_images,
    articles,
    audit_log,
    comments,
    dashboard,
    images,
    kills,
    licences,
    license_requests,
    licensing_display,
    notices,
    outbox,
    pickups,
    publishers,
    reauth,
    users,
)
from syndicate.staff.blueprint import bp

__all__ = [
    "article_images",
    "articles",
    "audit_log",
    "bp",
    "comments",
    "dashboard",
    "images",
    "kills",
    "licences",
    "license_requests",
    "licensing_display",
    "notices",
    "outbox",
    "pickups",
    "publishers",
    "reauth",
    "users",
]
