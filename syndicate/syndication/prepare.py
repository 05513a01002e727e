"""Prepare one partner's items: full body with only the photos it may receive now.

Everything here is escaped or already sanitised: the stored body is nh3-cleaned HTML
(which allows no ``<img>``), and every caption, credit, name and URL added around it
goes through :func:`markupsafe.escape`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from markupsafe import escape

from feeds.items import FeedCategory, FeedItem, KillNotice, MediaItem, PartnerItem
from feeds.text import tag_uri
from syndicate.content.models import ArticleStatus
from syndicate.content.rights import RightsClass, composite_credit
from syndicate.content.services import shown_modified
from syndicate.public.body import interleave, split_blocks
from syndicate.syndication.snapshot import FeedArticle, PlacedPhoto

EMBARGO_TERM = "embargoed"
KILL_TERM = "kill"


def utc_label(moment: datetime) -> str:
    """``2026-05-01 14:00 UTC``: how notices write a time."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def embargo_html(until: datetime) -> str:
    """The visible embargo line at the top of an embargoed body."""
    return (
        f'<p class="embargo"><strong>EMBARGOED until {utc_label(until)} — do not publish '
        "before then.</strong></p>"
    )


def corrections_html(article: FeedArticle) -> list[str]:
    """One dated paragraph per correction, oldest first."""
    return [
        f'<p class="correction"><strong>Correction, '
        f"{correction.created_at.date().isoformat()}:</strong> {escape(correction.note)}</p>"
        for correction in article.corrections
    ]


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

    image: PlacedPhoto
    caption: str
    credit: str


def kept_photos(placed: Sequence[PlacedPhoto], now: datetime) -> list[Photo]:
    """The photos a partner may receive at ``now``, lead first, in order.

    Agency photos, photos not for partners, lapsed permissions and uncredited photos
    are left out, and so are their captions and credits.
    """
    photos = []
    for image in placed:
        credit = image.credit
        if credit and image.partner_permitted(now):
            photos.append(Photo(image=image, caption=image.caption, credit=credit))
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


def copyright_text(image: PlacedPhoto, credit: str) -> str:
    """The ``media:copyright`` statement of one photo."""
    if image.rights_class is RightsClass.PUBLIC_DOMAIN:
        return f"Public domain ({credit})"
    return f"© {credit}"


def body_html(
    article: FeedArticle,
    lead: Photo | None,
    inline: list[Photo],
    ctx: PartnerContext,
    *,
    credits: str | None,
    embargoed_until: datetime | None = None,
) -> str:
    """The body every partner receives (embargo line and corrections first); each partner's
    copy adds its own tracking image (:func:`with_pixel`). ``credits`` is the composite
    credit line of ``lead`` and ``inline``."""
    parts: list[str] = []
    if embargoed_until is not None:
        parts.append(embargo_html(embargoed_until))
    # Corrections lead the copy, so a partner updating the story sees them first.
    parts.extend(corrections_html(article))
    if lead is not None:
        parts.append(figure_html(lead, ctx))
    for slot in interleave(split_blocks(article.body_html), inline):
        if slot.block is not None:
            parts.append(slot.block.html)
        elif slot.figure is not None:
            parts.append(figure_html(slot.figure, ctx))
    if credits:
        parts.append(f'<p class="image-credits">{escape(credits)}</p>')
    parts.append(f'<p class="attribution">{escape(ctx.attribution)}</p>')
    link = ctx.article_url(article.slug)
    parts.append(
        f'<p class="original">Originally published by {escape(ctx.site_name)}: '
        f'<a href="{escape(link)}">{escape(article.headline)}</a></p>'
    )
    return "\n".join(parts)


def pixel_html(ctx: PartnerContext, article_id: int) -> str:
    """The tracking image that ends the partner's copy of ``article_id``."""
    pixel = ctx.pixel_url(ctx.publisher_id, article_id)
    return f'<img src="{escape(pixel)}" width="1" height="1" alt="">'


def rights_text(article: FeedArticle, ctx: PartnerContext, credits: str | None) -> str:
    """The plain-text rights statement of one item."""
    released = article.first_published_at or article.released_at
    year = f"{released.year} " if released else ""
    text = (
        f"© {year}{ctx.site_name}. Republished under licence: {ctx.license_url} — keep the "
        "byline, the attribution paragraph, the link to the original and the photo credits."
    )
    return f"{text} {credits}." if credits else text


def item_updated(article: FeedArticle, now: datetime) -> datetime:
    """When the partner copy last changed: the text, or a photo's rights (edited or lapsed)."""
    if article.status is ArticleStatus.KILLED and article.killed_at is not None:
        return article.killed_at
    released = article.released_at
    assert released is not None
    changes = [article.content_updated_at]
    for image in article.photos:
        changes.append(image.updated_at)
        changes.append(image.partner_allowed_until)
    return shown_modified(released, changes, now)


class Minted(Protocol):
    """What an item id is made of: an article model or a :class:`FeedArticle`."""

    @property
    def id(self) -> int: ...

    @property
    def first_published_at(self) -> datetime | None: ...

    @property
    def released_at(self) -> datetime | None: ...


def article_item_id(base_url: str, article: Minted) -> str:
    """The feed item id of ``article``: the same for every revision, the kill notice included."""
    minted = article.first_published_at or article.released_at
    assert minted is not None
    return tag_uri(base_url, minted, f"articles/{article.id}")


def item_id(article: FeedArticle, ctx: PartnerContext) -> str:
    """The item's stable id in the feed of ``ctx``."""
    return article_item_id(ctx.base_url, article)


def kill_item(article: FeedArticle, ctx: PartnerContext) -> PartnerItem:
    """The kill notice that replaces a withdrawn story: same id, no photos, no body."""
    killed = article.killed_at
    released = article.released_at
    assert killed is not None
    assert released is not None
    reason = article.kill_reason or "The story has been withdrawn."
    link = ctx.article_url(article.slug)
    html = "\n".join(
        [
            f'<p class="kill"><strong>KILL — {escape(ctx.site_name)} has withdrawn this '
            f"story ({utc_label(killed)}).</strong> Remove it from your site, your archives "
            "and any scheduled use now, with its photos. Do not republish it.</p>",
            f'<p class="kill-reason">Reason: {escape(reason)}</p>',
            f'<p class="kill-story">Withdrawn story: “{escape(article.headline)}” '
            f'(<a href="{escape(link)}">{escape(link)}</a>)</p>',
        ]
    )
    item = FeedItem(
        id=item_id(article, ctx),
        title=f"KILL: {article.headline}",
        link=link,
        summary=f"Withdrawn: {reason} Remove this story.",
        published=released,
        updated=killed,
        authors=article.authors,
        categories=(FeedCategory(KILL_TERM, "Kill notice: remove this story"),),
    )
    return PartnerItem(
        item=item,
        content_html=html,
        rights=f"Withdrawn by {ctx.site_name}; no longer licensed for use.",
        license_url=ctx.license_url,
        kill=KillNotice(when=killed, reason=reason),
    )


def shared_state(article: FeedArticle, now: datetime) -> tuple[bool, ...]:
    """What, besides the article, its shared item depends on at ``now``.

    Whether the story is still under embargo, and for each photo whether its permission
    has lapsed: two moments with the same state give the same shared item.
    """
    released = article.released_at
    return (
        released is not None and released > now,
        *(
            photo.partner_allowed_until is not None and photo.partner_allowed_until <= now
            for photo in article.photos
        ),
    )


def shared_item(article: FeedArticle, ctx: PartnerContext, now: datetime) -> PartnerItem:
    """``article``'s item as every partner receives it at ``now``, before its tracking image.

    Only the site's values of ``ctx`` are used, never the partner's.
    """
    if article.status is ArticleStatus.KILLED:
        return kill_item(article, ctx)
    released = article.released_at
    assert released is not None
    embargoed_until = released if released > now else None
    lead_photo = article.lead
    lead = kept_photos([lead_photo], now) if lead_photo else []
    inline = kept_photos(article.inline_photos, now)
    photos = lead + inline
    credits = composite_credit(photo.credit for photo in photos)
    categories = (
        FeedCategory(article.section_slug, article.section_name),
        *tuple(FeedCategory(slug, name) for slug, name in article.tags),
    )
    if embargoed_until is not None:
        label = f"Embargoed until {utc_label(embargoed_until)}"
        categories = (FeedCategory(EMBARGO_TERM, label), *categories)
    item = FeedItem(
        id=item_id(article, ctx),
        title=article.headline,
        link=ctx.article_url(article.slug),
        summary=article.dek,
        published=released,
        updated=item_updated(article, now),
        authors=article.authors,
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
        content_html=body_html(
            article,
            lead[0] if lead else None,
            inline,
            ctx,
            credits=credits,
            embargoed_until=embargoed_until,
        ),
        rights=rights_text(article, ctx, credits),
        license_url=ctx.license_url,
        media=media,
        embargoed_until=embargoed_until,
    )


def with_pixel(shared: PartnerItem, article: FeedArticle, ctx: PartnerContext) -> PartnerItem:
    """The partner's copy of a shared item: the body ends with the partner's tracking image.

    A kill notice carries none.
    """
    if article.status is ArticleStatus.KILLED:
        return shared
    return replace(shared, content_html=shared.content_html + "\n" + pixel_html(ctx, article.id))


def partner_item(article: FeedArticle, ctx: PartnerContext, now: datetime) -> PartnerItem:
    """The full-text item of ``article`` for the partner of ``ctx``, as of ``now``."""
    return with_pixel(shared_item(article, ctx, now), article, ctx)


def next_photo_change(articles: Sequence[FeedArticle], now: datetime) -> datetime | None:
    """The earliest future moment a photo permission among ``articles`` lapses."""
    moments = [
        image.partner_allowed_until
        for article in articles
        if article.status is not ArticleStatus.KILLED
        for image in article.photos
        if image.partner_allowed_until is not None and image.partner_allowed_until > now
    ]
    return min(moments, default=None)
