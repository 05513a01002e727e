"""Prepare one partner's items: full body with only the photos it may receive now.

Everything here is escaped or already sanitised: the stored body is nh3-cleaned HTML
(which allows no ``<img>``), and every caption, credit, name and URL added around it
goes through :func:`markupsafe.escape`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import escape

from feeds.items import FeedCategory, FeedItem, MediaItem, PartnerItem
from feeds.text import tag_uri
from syndicate.content.models import Article, ArticleImage, Image
from syndicate.content.rights import RightsClass, composite_credit
from syndicate.public.body import interleave
from syndicate.public.public_feed import article_updated
from syndicate.syndication.blocks import split_blocks


@dataclass(frozen=True)
class PartnerContext:
    """What item preparation needs from the site and the request, as plain values."""

    base_url: str
    site_name: str
    attribution: str
    license_url: str
    publisher_id: int
    article_url: Callable[[str], str]
    media_url: Callable[[str], str]
    pixel_url: Callable[[int, int], str]


@dataclass(frozen=True)
class Photo:
    """A photo kept for the partner, with the text shown beside it."""

    image: Image
    caption: str
    credit: str


def kept_photos(links: Sequence[ArticleImage], now: datetime) -> list[Photo]:
    """The photos a partner may receive at ``now``, lead first, in order.

    Agency photos, photos not for partners, lapsed permissions and uncredited photos
    are left out, and so are their captions and credits.
    """
    photos = []
    for link in links:
        image = link.image
        credit = image.credit_line
        if credit and image.partner_permitted(now):
            photos.append(Photo(image=image, caption=link.caption, credit=credit))
    return photos


def figure_html(photo: Photo, ctx: PartnerContext) -> str:
    """A ``<figure>`` with an absolute image URL and a visible caption and credit."""
    image = photo.image
    caption = escape(photo.caption)
    space = " " if caption else ""
    return (
        f'<figure><img src="{escape(ctx.media_url(image.storage_key))}" '
        f'alt="{escape(image.alt_text)}" width="{image.width}" height="{image.height}">'
        f"<figcaption>{caption}{space}"
        f'<span class="credit">Photo: {escape(photo.credit)}</span></figcaption></figure>'
    )


def copyright_text(image: Image, credit: str) -> str:
    """The ``media:copyright`` statement of one photo."""
    if image.rights_class is RightsClass.PUBLIC_DOMAIN:
        return f"Public domain ({credit})"
    return f"© {credit}"


def body_html(
    article: Article, lead: Photo | None, inline: list[Photo], ctx: PartnerContext
) -> str:
    """The complete body of the partner copy."""
    parts: list[str] = []
    if lead is not None:
        parts.append(figure_html(lead, ctx))
    for slot in interleave(split_blocks(article.body_html), inline):
        if slot.block is not None:
            parts.append(slot.block.html)
        elif slot.figure is not None:
            parts.append(figure_html(slot.figure, ctx))
    for correction in article.corrections:
        parts.append(
            f'<p class="correction"><strong>Correction, '
            f"{correction.created_at:%Y-%m-%d}:</strong> {escape(correction.note)}</p>"
        )
    photos = ([lead] if lead else []) + inline
    credits = composite_credit(photo.credit for photo in photos)
    if credits:
        parts.append(f'<p class="image-credits">{escape(credits)}</p>')
    parts.append(f'<p class="attribution">{escape(ctx.attribution)}</p>')
    link = ctx.article_url(article.slug)
    parts.append(
        f'<p class="original">Originally published by {escape(ctx.site_name)}: '
        f'<a href="{escape(link)}">{escape(article.headline)}</a></p>'
    )
    pixel = ctx.pixel_url(ctx.publisher_id, article.id)
    parts.append(f'<img src="{escape(pixel)}" width="1" height="1" alt="">')
    return "\n".join(parts)


def rights_text(article: Article, ctx: PartnerContext, credits: str | None) -> str:
    """The plain-text rights statement of one item."""
    released = article.first_published_at or article.released_at
    year = f"{released:%Y} " if released else ""
    text = (
        f"© {year}{ctx.site_name}. Republished under licence: {ctx.license_url} — keep the "
        "byline, the attribution paragraph, the link to the original and the photo credits."
    )
    return f"{text} {credits}." if credits else text


def item_updated(article: Article, now: datetime) -> datetime:
    """When the partner copy last changed: the text, or a photo's rights (edited or lapsed)."""
    moments = [article_updated(article)]
    for link in article.images:
        image = link.image
        moments.append(image.updated_at)
        until = image.partner_allowed_until
        if until is not None and until <= now:
            moments.append(until)
    return max(moments)


def partner_item(article: Article, ctx: PartnerContext, now: datetime) -> PartnerItem:
    """The full-text item of ``article`` for the partner of ``ctx``, as of ``now``."""
    released = article.released_at
    assert released is not None
    lead_link = article.lead
    lead = kept_photos([lead_link], now) if lead_link else []
    inline = kept_photos(article.inline_images, now)
    photos = lead + inline
    credits = composite_credit(photo.credit for photo in photos)
    categories = (
        FeedCategory(article.section.slug, article.section.name),
        *tuple(FeedCategory(tag.slug, tag.name) for tag in article.tags),
    )
    item = FeedItem(
        id=tag_uri(ctx.base_url, article.first_published_at or released, f"articles/{article.id}"),
        title=article.headline,
        link=ctx.article_url(article.slug),
        summary=article.dek,
        published=released,
        updated=item_updated(article, now),
        authors=tuple(author.name for author in article.authors),
        categories=categories,
    )
    media = tuple(
        MediaItem(
            url=ctx.media_url(photo.image.storage_key),
            media_type=photo.image.media_type,
            width=photo.image.width,
            height=photo.image.height,
            credit=photo.credit,
            copyright=copyright_text(photo.image, photo.credit),
            caption=photo.caption,
            copyright_url=photo.image.license_url,
            byte_size=photo.image.byte_size,
        )
        for photo in photos
    )
    return PartnerItem(
        item=item,
        content_html=body_html(article, lead[0] if lead else None, inline, ctx),
        rights=rights_text(article, ctx, credits),
        license_url=ctx.license_url,
        media=media,
    )


def next_photo_change(articles: Sequence[Article], now: datetime) -> datetime | None:
    """The earliest future moment a photo permission among ``articles`` lapses."""
    moments = [
        link.image.partner_allowed_until
        for article in articles
        for link in article.images
        if link.image.partner_allowed_until is not None and link.image.partner_allowed_until > now
    ]
    return min(moments, default=None)
