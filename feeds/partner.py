"""Full-text partner feeds (RSS 2.0 and Atom 1.0) from prepared items, with feedgen.

Works around feedgen 1.0.0's known pitfalls: Atom links keep their relation
(:mod:`feeds.entry`), RSS rights go in ``dc:rights``, names in ``dc:creator`` and the
last change in ``dcterms:modified`` (so a correction shows in RSS as in Atom), photo
credits come from :mod:`feeds.mediarss`, every timestamp is set from the input, entries
are appended in order and no CDATA is written. The same input gives the same bytes. A
killed story is an RFC 6721 tombstone in Atom plus a visible notice item with the story's
id (the only form RSS has).
"""

from __future__ import annotations

from collections.abc import Sequence

from feedgen.feed import FeedGenerator

from feeds.channel import channel, escapers
from feeds.entry import LinkPreservingEntry
from feeds.items import FeedMeta, PartnerItem
from feeds.mediarss import MediaCreditsEntryExtension, MediaCreditsExtension
from feeds.text import xml_text
from feeds.tombstones import NoTombstoneEntry, TombstoneExtension


def _generator(
    meta: FeedMeta, items: Sequence[PartnerItem], *, rss: bool, ttl: int, hub_url: str
) -> FeedGenerator:
    fg = channel(
        meta,
        rss=rss,
        extensions=[("mediacredits", MediaCreditsExtension, MediaCreditsEntryExtension)],
        hub_url=hub_url,
    )
    if rss:
        fg.ttl(ttl)
    kills = [item for item in items if item.kill is not None]
    if kills and not rss:
        fg.register_extension("tombstones", TombstoneExtension, NoTombstoneEntry, rss=False)
        for killed in kills:
            assert killed.kill is not None
            fg.tombstones.add(
                killed.item.id,
                killed.kill.when.isoformat(),
                link=killed.item.link,
                comment=killed.kill.reason,
            )
    for partner_item in items:
        _entry(fg, partner_item, rss=rss)
    return fg


def _entry(fg: FeedGenerator, partner_item: PartnerItem, *, rss: bool) -> None:
    item = partner_item.item
    entry = fg.add_entry(LinkPreservingEntry(), order="append")
    entry.id(item.id)
    text, title = escapers(rss=rss)
    entry.title(title(item.title).strip())
    entry.link(href=item.link, rel="alternate", type="text/html")
    media = partner_item.media
    if media:
        lead = media[0]
        entry.link(href=lead.url, rel="enclosure", type=lead.media_type, length=str(lead.byte_size))
    if not rss and partner_item.license_url:
        entry.extra_link(partner_item.license_url, "license", "text/html")
    summary = text(item.summary)
    if summary:
        entry.summary(summary)
    # type="html" escapes the markup as text; type="CDATA" would make invalid Atom.
    entry.content(xml_text(partner_item.content_html), type="html")
    entry.published(item.published)
    entry.updated(item.updated)
    if item.categories:
        # One call: each call re-derives the RSS form of every category set so far.
        entry.category(
            [{"term": xml_text(c.term), "label": xml_text(c.label)} for c in item.categories]
        )
    names = [xml_text(name) for name in item.authors if name.strip()]
    rights = xml_text(partner_item.rights)
    if rss:
        entry.dc.creators = names
        entry.dc.rights = rights
        entry.dc.modified = item.updated
    else:
        entry.author([{"name": name} for name in names])
        if rights:
            entry.rights(rights)
    for photo in media:
        entry.mediacredits.add(photo)


def rss_bytes(
    meta: FeedMeta, items: Sequence[PartnerItem], *, ttl: int = 15, hub_url: str = ""
) -> bytes:
    """The partner feed as RSS 2.0 with ``content:encoded``, UTF-8, items in order."""
    fg = _generator(meta, items, rss=True, ttl=ttl, hub_url=hub_url)
    result: bytes = fg.rss_str(pretty=False)
    return result


def atom_bytes(
    meta: FeedMeta, items: Sequence[PartnerItem], *, ttl: int = 15, hub_url: str = ""
) -> bytes:
    """The partner feed as Atom 1.0 with full ``content``, UTF-8, entries in order."""
    fg = _generator(meta, items, rss=False, ttl=ttl, hub_url=hub_url)
    result: bytes = fg.atom_str(pretty=False)
    return result
