"""Image rights: the rights classes, derived credit lines and partner permission.

Pure functions, no database: the models, the pages, the API and the feeds all
derive credits from here, so a credit is never typed twice.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import datetime


class RightsClass(enum.Enum):
    """Where an image comes from and what the desk may do with it."""

    PUBLIC_DOMAIN = "public_domain"
    STAFF = "staff"
    HANDOUT = "handout"
    CREATIVE_COMMONS = "creative_commons"
    AGENCY = "agency"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        """A human label for forms and tables."""
        return RIGHTS_LABELS[self]


RIGHTS_LABELS = {
    RightsClass.PUBLIC_DOMAIN: "Public domain",
    RightsClass.STAFF: "Staff",
    RightsClass.HANDOUT: "Handout",
    RightsClass.CREATIVE_COMMONS: "Creative Commons",
    RightsClass.AGENCY: "Agency (never passed on)",
    RightsClass.PARTNER: "Partner outlet",
}

_CC_PATH = re.compile(
    r"creativecommons\.org/(?:licenses/(?P<kind>[a-z-]+)/(?P<version>[\d.]+)|"
    r"publicdomain/(?P<pd>zero)/(?P<pdversion>[\d.]+))",
    re.IGNORECASE,
)


def creative_commons_name(license_url: str) -> str | None:
    """Name a Creative Commons licence from its URL: ``.../by-sa/4.0/`` → ``CC BY-SA 4.0``."""
    match = _CC_PATH.search(license_url or "")
    if not match:
        return None
    if match.group("pd"):
        return f"CC0 {match.group('pdversion')}"
    return f"CC {match.group('kind').upper()} {match.group('version')}"


def credit_line(
    rights_class: RightsClass, creator: str, organization: str, license_url: str = ""
) -> str | None:
    """Derive the visible credit for one image, or ``None`` when nobody is credited.

    ``Creator/Organisation`` in general, ``Organisation/Public domain`` for public-domain
    works, with the licence name appended for Creative Commons.
    """
    creator, organization = (creator or "").strip(), (organization or "").strip()
    if not creator and not organization:
        return None
    if rights_class is RightsClass.PUBLIC_DOMAIN:
        return f"{organization or creator}/Public domain"
    credit = "/".join(part for part in (creator, organization) if part)
    if rights_class is RightsClass.CREATIVE_COMMONS:
        name = creative_commons_name(license_url)
        if name:
            credit = f"{credit} ({name})"
    return credit


def composite_credit(credits: Iterable[str | None]) -> str | None:
    """One line naming every credited source once, in order of appearance.

    ``["A", "B", "A"]`` → ``"Images courtesy of A and B"``; ``None`` when nothing is credited.
    """
    seen: list[str] = []
    for credit in credits:
        if credit and credit not in seen:
            seen.append(credit)
    if not seen:
        return None
    # One fixed label, even for a single source, so partners can find the line by its words.
    names = seen[0] if len(seen) == 1 else ", ".join(seen[:-1]) + " and " + seen[-1]
    return f"Images courtesy of {names}"


def partner_permitted(
    rights_class: RightsClass,
    partner_allowed: bool,
    partner_allowed_until: datetime | None,
    at: datetime,
) -> bool:
    """Whether partners may receive an image at ``at``.

    Agency photos never pass on; otherwise the image's flag decides, until its end date.
    """
    if rights_class is RightsClass.AGENCY or not partner_allowed:
        return False
    return partner_allowed_until is None or at < partner_allowed_until
