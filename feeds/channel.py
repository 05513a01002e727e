"""The channel of a feed, public or partner: identity, title, language, links and last change.

RSS readers render descriptions (and some, titles) as HTML, so text meant for RSS is
escaped for them; Atom text is plain and escaped once by the XML writer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from feeds.dublincore import DublinCoreEntryExtension, DublinCoreExtension
from feeds.items import FeedMeta
from feeds.text import rss_html, rss_title, xml_text

Escape = Callable[[str], str]


def escapers(*, rss: bool) -> tuple[Escape, Escape]:
    """How to write free text and titles into an RSS or an Atom feed."""
    return (rss_html, rss_title) if rss else (xml_text, xml_text)


def channel(
    meta: FeedMeta,
    *,
    rss: bool,
    extensions: Sequence[tuple[str, Any, Any]] = (),
    hub_url: str = "",
) -> FeedGenerator:
    """A generator with the feed-level fields of ``meta`` set and ``extensions`` (name,
    feed extension, entry extension) registered for both formats; ``hub_url`` becomes
    Atom's ``rel="hub"`` link (RSS never gets one from feedgen: an HTTP Link header
    carries it)."""
    fg = FeedGenerator()
    if rss:
        # RSS <author> must be an e-mail address; names go in dc:creator.
        fg.register_extension(
            "dc", DublinCoreExtension, DublinCoreEntryExtension, atom=False, rss=True
        )
    for name, extension, entry_extension in extensions:
        fg.register_extension(name, extension, entry_extension, atom=True, rss=True)
    text, title = escapers(rss=rss)
    fg.id(meta.id)
    fg.title(title(meta.title))
    fg.subtitle(text(meta.subtitle) or text(meta.title))
    fg.language(meta.language)
    fg.generator(meta.generator)
    if meta.author:
        fg.author({"name": xml_text(meta.author)})
    if meta.rights:
        fg.rights(xml_text(meta.rights))
    if hub_url and not rss:
        fg.link(href=hub_url, rel="hub")
    fg.link(
        href=meta.self_url,
        rel="self",
        type="application/rss+xml" if rss else "application/atom+xml",
    )
    # The RSS channel <link> is the last link added: keep the site's link last.
    fg.link(href=meta.site_url, rel="alternate")
    fg.updated(meta.updated)
    return fg
