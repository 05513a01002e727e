"""What search engines and social networks read on an article page.

A schema.org ``NewsArticle`` in JSON-LD, with an ``ImageObject`` per photo carrying
Google's image licence fields, and the Open Graph / Twitter card picture. Every rights
field comes from the photo's structured rights through :mod:`syndicate.content.licensing`,
the same derivation the files' XMP metadata uses. The page's template serialises the
JSON-LD with Jinja's ``tojson``, which escapes ``<``, ``>``, ``&`` and ``'``, so a headline
holding ``</script>`` stays inside the data block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syndicate.content.licensing import ImageLicensing, image_licensing
from syndicate.content.models import Article, ArticleImage, Image
from syndicate.content.rights import RightsClass

# Social networks show cards about this wide; the smallest source at least this wide is used.
CARD_WIDTH = 1200


@dataclass(frozen=True)
class SiteLinks:
    """Absolute addresses the structured data points at."""

    site_name: str
    language: str
    home: str
    terms: str
    canonical: str
    media: Callable[[str], str]
    author: Callable[[str], str]


@dataclass(frozen=True)
class CardImage:
    """The picture of a social card: ``og:image`` and ``twitter:image``."""

    url: str
    width: int
    height: int
    alt: str


def photo_links(article: Article) -> list[ArticleImage]:
    """The article's photos in page order: the lead, then the inline ones."""
    lead = article.lead
    return ([lead] if lead else []) + article.inline_images


def page_licensing(image: Image, terms: str, now: datetime) -> ImageLicensing:
    """An image's licensing facts as its page states them at ``now``."""
    return image_licensing(
        rights_class=image.rights_class,
        creator=image.creator,
        organization=image.organization,
        license_url=image.license_url,
        source_url=image.source_url,
        offered=image.partner_permitted(now),
        terms_url=terms,
    )


def _sources(image: Image) -> list[tuple[int, int, str]]:
    sources = [(r.width, r.height, r.storage_key) for r in image.renditions]
    sources.append((image.width, image.height, image.storage_key))
    return sorted(sources)


def card_image(article: Article, links: SiteLinks) -> CardImage | None:
    """The first photo in page order that may travel to a social network.

    A card puts the picture on another platform, which an agency's licence to the desk
    does not allow, so agency photos are never chosen.
    """
    for link in photo_links(article):
        image = link.image
        if image.rights_class is RightsClass.AGENCY:
            continue
        sources = _sources(image)
        width, height, key = next((s for s in sources if s[0] >= CARD_WIDTH), sources[-1])
        return CardImage(url=links.media(key), width=width, height=height, alt=image.alt_text)
    return None


def _party(name: str, person: bool) -> dict[str, Any]:
    return {"@type": "Person" if person else "Organization", "name": name}


def image_object(link: ArticleImage, links: SiteLinks, now: datetime) -> dict[str, Any]:
    """The ``ImageObject`` of one photo, with its licence metadata."""
    image = link.image
    facts = page_licensing(image, links.terms, now)
    url = links.media(image.storage_key)
    data: dict[str, Any] = {
        "@type": "ImageObject",
        "contentUrl": url,
        "url": url,
        "width": image.width,
        "height": image.height,
    }
    optional: dict[str, Any] = {
        "caption": link.caption or None,
        "description": image.alt_text or None,
        "creditText": facts.credit_text,
        "creator": (
            _party(facts.creator_name, facts.creator_is_person) if facts.creator_name else None
        ),
        "copyrightNotice": facts.copyright_notice,
        "license": facts.license_url,
        "acquireLicensePage": facts.acquire_license_url,
    }
    data.update({name: value for name, value in optional.items() if value})
    return data


def news_article(
    article: Article,
    links: SiteLinks,
    *,
    updated: datetime,
    republishable: bool,
    now: datetime,
) -> dict[str, Any]:
    """The ``NewsArticle`` JSON-LD of a public article page.

    ``license`` points at the republishing terms only when the story is offered under
    them; a story marked "do not syndicate" carries no licence.
    """
    assert article.released_at is not None  # a public article has been released
    publisher = {"@type": "Organization", "name": links.site_name, "url": links.home}
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": links.canonical,
        "inLanguage": links.language,
        "url": links.canonical,
        "mainEntityOfPage": links.canonical,
        "headline": article.headline,
        "datePublished": article.released_at.isoformat(),
        "dateModified": updated.isoformat(),
        "author": [
            {"@type": "Person", "name": person.name, "url": links.author(person.slug)}
            for person in article.authors
        ],
        "publisher": publisher,
        "articleSection": article.section.name,
        "isAccessibleForFree": True,
    }
    if article.dek:
        data["description"] = article.dek
    if article.tags:
        data["keywords"] = [tag.name for tag in article.tags]
    if republishable:
        data["license"] = links.terms
    photos = [image_object(link, links, now) for link in photo_links(article)]
    if photos:
        data["image"] = photos
    return data
