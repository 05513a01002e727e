"""Public summary feeds (RSS 2.0 and Atom 1.0) from prepared items, with feedgen.

The same input always gives the same bytes: every timestamp comes from the input,
so a feed's ETag only changes when its content does.
"""

from __future__ import annotations

from collections.abc import Sequence

from feedgen.feed import FeedGenerator

from feeds.channel import channel, escapers
from feeds.items import FeedItem, FeedMeta
from feeds.text import xml_text

RSS_MEDIA_TYPE = "application/rss+xml; charset=utf-8"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"


def _generator(meta: FeedMeta, items: Sequence[FeedItem], *, rss: bool) -> FeedGenerator:
    fg = channel(meta, rss=rss)
    text, title = escapers(rss=rss)
    for item in items:
        entry = fg.add_entry(order="append")
        entry.id(item.id)
        entry.title(title(item.title).strip())
        entry.link(href=item.link, rel="alternate")
        summary = text(item.summary)
        if summary:
            # summary() also fills the RSS description; description() would add Atom content.
            # Atom's summary has no type: plain text, escaped once by the XML writer.
            entry.summary(summary)
        entry.published(item.published)
        entry.updated(item.updated)
        if item.categories:
            entry.category(
                [{"term": xml_text(c.term), "label": xml_text(c.label)} for c in item.categories]
            )
        names = [xml_text(name) for name in item.authors if name.strip()]
        if rss:
            entry.dc.creators = names
            entry.dc.modified = item.updated
        else:
            entry.author([{"name": name} for name in names])
    return fg


def rss_bytes(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """The feed as RSS 2.0, UTF-8 encoded, items in the given order."""
    result: bytes = _generator(meta, items, rss=True).rss_str(pretty=True)
    return result


def atom_bytes(meta: FeedMeta, items: Sequence[FeedItem]) -> bytes:
    """The feed as Atom 1.0, UTF-8 encoded, entries in the given order."""
    result: bytes = _generator(meta, items, rss=False).atom_str(pretty=True)
    return result
