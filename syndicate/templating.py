"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, url_for
from sqlalchemy import select

from syndicate.content.models import Section
from syndicate.web.db import db_session


def format_date(value: datetime | None, with_time: bool = False) -> str:
    """``28 November 2026`` (and ``, 14:05 UTC`` with ``with_time``)."""
    if value is None:
        return ""
    text = f"{value.day} {value:%B %Y}"
    if with_time:
        text += f", {value:%H:%M} UTC"
    return text


def media_url(storage_key: str) -> str:
    """The public URL of a stored media file."""
    return url_for("media.file", key=storage_key)


def nav_sections() -> list[Section]:
    """Sections for the site navigation, in their set order."""
    return list(db_session().scalars(select(Section).order_by(Section.position, Section.name)))


def init_templating(app: Flask) -> None:
    """Register filters and globals."""
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.globals["media_url"] = media_url
    app.jinja_env.globals["nav_sections"] = nav_sections

    @app.context_processor
    def _site() -> dict[str, Any]:
        config = current_app.config
        return {
            "site_name": config["SITE_NAME"],
            "site_tagline": config["SITE_TAGLINE"],
        }
