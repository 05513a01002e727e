"""Plain-value views of the configuration for domain code (no Flask beyond this module)."""

from __future__ import annotations

from flask import current_app

from licenses.eligibility import EligibilityPolicy
from licenses.notifications import SiteInfo


def site_info() -> SiteInfo:
    """The desk's name, address and mailboxes, for e-mails and links."""
    config = current_app.config
    return SiteInfo(
        name=config["SITE_NAME"],
        base_url=config["SITE_BASE_URL"],
        licensing_email=config["SITE_LICENSING_EMAIL"],
        staff_email=config.get("MAIL_STAFF_NOTICES_TO") or config["SITE_LICENSING_EMAIL"],
    )


def eligibility_policy() -> EligibilityPolicy:
    """The eligibility policy from the ``[eligibility]`` settings."""
    return EligibilityPolicy.from_config(current_app.config)
