"""What a photo's structured rights say to machines: search engines and photo software.

One derivation, used by the article page's schema.org ImageObject (``creditText``,
``creator``, ``copyrightNotice``, ``license``, ``acquireLicensePage``) and by the IPTC/XMP
packet written into every stored file (Credit Line, Creator, Copyright Notice, Web
Statement of Rights, Licensor URL), so the two can never disagree. Pure functions, no
database.
"""

from __future__ import annotations

from dataclasses import dataclass

from syndicate.content.rights import RightsClass, credit_line

# The republishing terms page (a fixed public address, see the README's route table).
TERMS_PATH = "/republish"


@dataclass(frozen=True)
class ImageLicensing:
    """The licensing facts of one photo, ready for JSON-LD or XMP."""

    credit_text: str | None
    creator_name: str | None
    # A named photographer is a Person; a photo credited only to an organisation is not.
    creator_is_person: bool
    copyright_notice: str | None
    # Where the licence governing the photo's use is described (Web Statement of Rights).
    license_url: str | None
    # Where someone can find out how to license the photo (Licensor URL).
    acquire_license_url: str | None


def terms_url(base_url: str) -> str:
    """The absolute address of the republishing terms on the site at ``base_url``."""
    return str(base_url).rstrip("/") + TERMS_PATH


def passes_on(rights_class: RightsClass, partner_allowed: bool) -> bool:
    """Whether the desk offers the photo to other publishers under its republishing terms.

    The permission's end date is left out on purpose: this is written into files that
    outlive any one moment, and partners stop receiving a lapsed photo anyway.
    """
    return rights_class is not RightsClass.AGENCY and partner_allowed


def copyright_notice(rights_class: RightsClass, credit: str | None) -> str | None:
    """``© Creator/Organisation``, or the credit itself for a public-domain work."""
    if not credit:
        return None
    if rights_class is RightsClass.PUBLIC_DOMAIN:
        return credit
    return f"© {credit}"


def image_licensing(
    *,
    rights_class: RightsClass,
    creator: str,
    organization: str,
    license_url: str,
    source_url: str,
    offered: bool,
    terms_url: str,
) -> ImageLicensing:
    """Derive the licensing facts from an image's structured rights.

    ``offered`` says whether the desk passes the photo on (see :func:`passes_on`);
    ``terms_url`` is the absolute address of the republishing terms. A photo the desk
    offers is licensed by its own licence URL (a Creative Commons licence, say) or else by
    the terms, and licensed through the terms; one it does not offer (an agency photo)
    points only at its own licence and source, never at terms that do not cover it.
    """
    creator, organization = creator.strip(), organization.strip()
    credit = credit_line(rights_class, creator, organization, license_url)
    terms = terms_url.strip() or None
    own_licence = license_url.strip() or None
    source = source_url.strip() or None
    if offered:
        licence = own_licence or terms
        acquire = terms or own_licence
    else:
        licence = own_licence
        acquire = source or own_licence
    return ImageLicensing(
        credit_text=credit,
        creator_name=creator or organization or None,
        creator_is_person=bool(creator),
        copyright_notice=copyright_notice(rights_class, credit),
        license_url=licence,
        acquire_license_url=acquire,
    )
