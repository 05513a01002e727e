"""Small presentation helpers for console templates."""

from __future__ import annotations

from datetime import datetime

from syndicate.content.models import Article, ArticleStatus, Image
from syndicate.content.rights import RightsClass
from syndicate.content.services import effective_status
from syndicate.templating import format_date


def article_status(article: Article, now: datetime) -> ArticleStatus:
    """The status a reader would observe (a scheduled story past its time is published)."""
    return effective_status(article, now)


def partner_permission(image: Image, now: datetime) -> tuple[str, str]:
    """A short label for whether partners may receive ``image`` now, and a badge modifier."""
    if image.rights_class is RightsClass.AGENCY:
        return "Never (agency photo)", "no"
    if not image.partner_allowed:
        return "Not for partners", "no"
    until = image.partner_allowed_until
    if until is not None and not image.partner_permitted(now):
        return f"Lapsed on {format_date(until)}", "lapsed"
    if until is not None:
        return f"Allowed until {format_date(until)}", "yes"
    return "Allowed", "yes"


def thumbnail_key(image: Image) -> str:
    """The storage key of the smallest stored copy of ``image``."""
    return image.renditions[0].storage_key if image.renditions else image.storage_key
