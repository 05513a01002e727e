"""Glue between the newswire domain and Flask: settings from the app configuration."""

from __future__ import annotations

from datetime import date

from flask import current_app, request

from syndicate.newswire.notices import NewswireSettings
from syndicate.newswire.pickups import period
from syndicate.orm import utcnow
from syndicate.web.inputs import parse_int

DEFAULT_DAYS = 30
DAY_CHOICES = (7, 30, 90, 365)


def newswire_settings() -> NewswireSettings:
    """Notice settings from the current application's configuration."""
    config = current_app.config
    return NewswireSettings(
        site_name=str(config["SITE_NAME"]),
        base_url=str(config["SITE_BASE_URL"]).rstrip("/"),
        licensing_email=str(config["SITE_LICENSING_EMAIL"]),
    )


def requested_period() -> tuple[int, date, date]:
    """``?days=`` (one of the offered choices, else 30) and the period it means."""
    asked = parse_int(request.args.get("days"))
    days = asked if asked in DAY_CHOICES else DEFAULT_DAYS
    start, end = period(days, utcnow().date())
    return days, start, end
