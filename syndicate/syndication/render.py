"""Render one partner's feed: scope, query, item preparation, bytes and validators.

It takes plain settings and URL prefixes and needs no request or application context,
so the benchmark can time a cold render in-process with exactly the code that serves
requests. (Item preparation shares the article page's block splitter, in the public package.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from feeds import jsonfeed, partner
from feeds.http import Representation, representation
from feeds.items import FeedMeta, PartnerItem
from licenses.coverage import Coverage
from syndicate.syndication import query
from syndicate.syndication.pixel import PixelSigner
from syndicate.syndication.prepare import (
    PartnerContext,
    next_photo_change,
    partner_item,
    with_pixel,
)
from syndicate.syndication.shared import SharedItems
from syndicate.syndication.snapshot import load_feed_articles
from syndicate.syndication.tagfilter import TAG_PARAM
from syndicate.syndication.version import ContentVersion

RSS_MEDIA_TYPE = "application/rss+xml; charset=utf-8"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
JSON_MEDIA_TYPE = "application/feed+json; charset=utf-8"
# An empty feed still needs a fixed date, or its bytes would change on every render.
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)

Renderer = Callable[[FeedMeta, Sequence[PartnerItem], int, str], bytes]


def _rss(meta: FeedMeta, items: Sequence[PartnerItem], ttl: int, hub: str) -> bytes:
    return partner.rss_bytes(meta, items, ttl=ttl, hub_url=hub)


def _atom(meta: FeedMeta, items: Sequence[PartnerItem], ttl: int, hub: str) -> bytes:
    return partner.atom_bytes(meta, items, ttl=ttl, hub_url=hub)


def _json(meta: FeedMeta, items: Sequence[PartnerItem], ttl: int, hub: str) -> bytes:
    return jsonfeed.json_bytes(meta, items, hub_url=hub)


FORMATS: dict[str, tuple[str, Renderer]] = {
    "rss": (RSS_MEDIA_TYPE, _rss),
    "atom": (ATOM_MEDIA_TYPE, _atom),
    "json": (JSON_MEDIA_TYPE, _json),
}


# What a partner feed varies on; Cookie as well, which Flask adds to the view's answers anyway
# (every request looks at the session), so the fast path answers alike.
VARY = "Accept-Encoding, Authorization, Cookie"
PARTNER_CACHE_CONTROL = "private, no-cache"


@dataclass(frozen=True, slots=True)
class CachedFeed:
    """One rendered feed, with its headers, and the moment it stops being exact."""

    valid_until: datetime | None
    representation: Representation

    @property
    def size(self) -> int:
        """Bytes to charge for it (see :attr:`Representation.size`)."""
        return self.representation.size


@dataclass(frozen=True)
class FeedSettings:
    """Site-wide values a partner feed needs, from the configuration and the URL map."""

    site_name: str
    base_url: str
    attribution: str
    items: int
    ttl_minutes: int
    hub_url: str
    home_url: str
    license_url: str
    article_url_prefix: str
    media_url_prefix: str
    pixel_url_prefix: str
    self_urls: dict[str, str]
    kill_notice_days: int = 14
    language: str = "en"


def scope_signature(coverage: Coverage) -> tuple[Any, ...]:
    """What a feed's content depends on in a publisher's licences: the scope, and the part
    of it where embargoed stories may go."""
    return (
        coverage.everything,
        tuple(sorted(coverage.section_slugs)),
        tuple(sorted(coverage.article_ids)),
        coverage.embargo.everything,
        tuple(sorted(coverage.embargo.section_slugs)),
        tuple(sorted(coverage.embargo.article_ids)),
    )


def partner_context(
    settings: FeedSettings, signer: PixelSigner, publisher_id: int
) -> PartnerContext:
    """What item preparation needs for ``publisher_id``'s copies (feed, desk, copy block)."""
    return PartnerContext(
        base_url=settings.base_url,
        site_name=settings.site_name,
        attribution=settings.attribution,
        license_url=settings.license_url,
        publisher_id=publisher_id,
        article_url=lambda slug: settings.article_url_prefix + slug,
        media_url=lambda key: settings.media_url_prefix + key,
        pixel_url=lambda pub, art: settings.pixel_url_prefix + signer.token(pub, art) + ".gif",
    )


def render_partner_feed(
    session: Session,
    *,
    publisher_id: int,
    publisher_name: str,
    coverage: Coverage,
    fmt: str,
    now: datetime,
    version: ContentVersion,
    settings: FeedSettings,
    signer: PixelSigner,
    shared: SharedItems | None = None,
    tag: str | None = None,
) -> CachedFeed:
    """Query, prepare and render one partner feed; the result says until when it holds.

    With ``shared``, stories and their partner-independent items come from (and go to)
    the store that every partner's render at this content version shares.
    """
    media_type, render = FORMATS[fmt]
    page = query.feed_page(
        session, coverage, now, settings.items, settings.kill_notice_days, tag=tag
    )
    ids = page.ids
    ctx = partner_context(settings, signer, publisher_id)
    if shared is None:
        articles = load_feed_articles(session, ids)
        items = [partner_item(article, ctx, now) for article in articles]
    else:
        label = (version.number, version.changed_at, settings)
        articles = shared.articles(session, label, ids)
        items = [
            with_pixel(shared.item(label, article, ctx, now), article, ctx) for article in articles
        ]
    newest = max((item.item.updated for item in items), default=EMPTY_FEED_UPDATED)
    # A filtered feed is a feed of its own: its own id and address.
    self_url = settings.self_urls[fmt] + (f"?{urlencode({TAG_PARAM: tag})}" if tag else "")
    scope = f", tagged {tag}" if tag else ""
    meta = FeedMeta(
        id=self_url,
        title=f"{settings.site_name}: stories for {publisher_name}",
        subtitle=f"Full-text stories licensed to {publisher_name}{scope}",
        site_url=settings.home_url,
        self_url=self_url,
        updated=newest,
        language=settings.language,
        author=settings.site_name,
        rights=f"© {settings.site_name}. Terms: {settings.license_url}",
    )
    body = render(meta, items, settings.ttl_minutes, settings.hub_url)
    moments = [
        moment
        for moment in (
            page.next_release,
            page.next_embargo_preview,
            next_photo_change(articles, now),
        )
        if moment is not None
    ]
    # A kill notice leaves the feed when its period ends.
    moments.extend(
        article.killed_at + timedelta(days=settings.kill_notice_days)
        for article in articles
        if article.killed_at is not None and article.id in page.killed
    )
    # A story leaving the feed must move its date forward too: the version's time.
    last_modified = max(newest, version.changed_at)
    second_ends = last_modified.replace(microsecond=0) + timedelta(seconds=1)
    settled = now >= second_ends
    if not settled:
        # Within the second of the last change, send no date, and render again after it.
        moments.append(second_ends)
    headers = [
        ("Content-Type", media_type),
        ("Cache-Control", PARTNER_CACHE_CONTROL),
        ("Vary", VARY),
        ("Referrer-Policy", "no-referrer"),
    ]
    if settings.hub_url:
        link = f'<{settings.hub_url}>; rel="hub", <{self_url}>; rel="self"'
        headers.append(("Link", link))
    return CachedFeed(
        valid_until=min(moments, default=None),
        representation=representation(
            body, last_modified, send_last_modified=settled, headers=tuple(headers)
        ),
    )
