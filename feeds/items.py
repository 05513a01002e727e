"""Plain, already-filtered feed input: what a feed says, with no database or web objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FeedCategory:
    """A category of an item: a stable ``term`` and a human ``label``."""

    term: str
    label: str


@dataclass(frozen=True)
class FeedItem:
    """One summary item: enough for a reader to show it and link to the original.

    There is deliberately no body field: public feeds carry summaries only.
    """

    id: str
    title: str
    link: str
    summary: str
    published: datetime
    updated: datetime
    authors: tuple[str, ...] = ()
    categories: tuple[FeedCategory, ...] = ()


@dataclass(frozen=True)
class FeedMeta:
    """The feed itself: identity, links and the time of its last change."""

    id: str
    title: str
    subtitle: str
    site_url: str
    self_url: str
    updated: datetime
    language: str = "en"
    author: str = ""
    rights: str = ""
    generator: str = "Syndicate"


@dataclass(frozen=True)
class MediaItem:
    """A photo a partner may receive with an item, with its credit and copyright."""

    url: str
    media_type: str
    width: int
    height: int
    credit: str
    copyright: str
    caption: str = ""
    copyright_url: str = ""
    byte_size: int = 0


@dataclass(frozen=True)
class KillNotice:
    """A withdrawn story: partners must take it down. ``when`` is the kill time."""

    when: datetime
    reason: str


@dataclass(frozen=True)
class PartnerItem:
    """One full-text item for a partner: the summary item plus body, rights and photos.

    ``content_html`` is complete and safe HTML (figures, credits, attribution, tracking
    image); ``rights`` is the plain-text rights statement; ``license_url`` the terms.
    A kill notice keeps the story's ``item.id`` so that readers replace the story with it.
    """

    item: FeedItem
    content_html: str
    rights: str
    license_url: str
    media: tuple[MediaItem, ...] = ()
    # Set for an embargoed story: partners must not publish it before this time.
    embargoed_until: datetime | None = None
    # Set when the story was killed: the item is a withdrawal notice, not the story.
    kill: KillNotice | None = None
