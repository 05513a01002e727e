"""What the public application form and the portal's request form share.

Both ask the same questions; this turns their answers into the values
:func:`licenses.requests.submit_request` takes, so the two never drift apart.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from licenses.requests import MAX_AUDIENCE
from syndicate.content.models import Article, Section
from syndicate.content.services import publicly_visible
from syndicate.orm import utcnow


def typed_audience(raw: str) -> int | str:
    """A typed number as an int (so a negative one is told apart); anything else as typed."""
    cleaned = raw.strip().replace(",", "").replace("_", "").replace(" ", "")
    if len(cleaned) > 20 and cleaned.lstrip("-").isdigit():
        return MAX_AUDIENCE + 1  # refused as too large, without parsing thousands of digits
    try:
        return int(cleaned)
    except ValueError:
        return raw


def article_slug(value: str) -> str:
    """A story's slug from its slug or its address on the site (``…/articles/<slug>``)."""
    value = value.strip()
    if "/articles/" in value:
        value = value.split("/articles/", 1)[1]
    return value.split("?", 1)[0].split("#", 1)[0].strip("/")


def section_choices(session: Session) -> list[SelectChoice]:
    """The sections a request may ask for, in the site's order."""
    rows = session.execute(
        select(Section.slug, Section.name).order_by(Section.position, Section.name)
    )
    return [SelectChoice(slug, name) for slug, name in rows]


def requested_story(session: Session, value: str) -> Article | None:
    """The public story a one-story request names (by slug or address), if there is one."""
    slug = article_slug(value)
    if not slug:
        return None
    return session.scalar(select(Article).where(Article.slug == slug, publicly_visible(utcnow())))


def request_data(form: Any) -> dict[str, Any]:
    """A request form's answers in the shape :func:`licenses.requests.submit_request` takes."""
    kind = form.scope_kind.data or "all"
    scope: dict[str, Any] = {"kind": kind}
    if kind == "sections":
        scope["sections"] = list(form.sections.data or [])
    elif kind == "article":
        scope["article"] = article_slug(form.article.data or "")
    return {
        "organization": form.organization.data or "",
        "website": form.website.data or "",
        "contact_name": form.contact_name.data or "",
        "contact_email": form.contact_email.data or "",
        "outlet_type": form.outlet_type.data or "",
        "monthly_audience": typed_audience(form.monthly_audience.data or ""),
        "scope": scope,
        "intended_use": form.intended_use.data or "",
        "message": form.message.data or "",
    }
