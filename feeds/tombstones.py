"""RFC 6721 tombstones for Atom: ``<at:deleted-entry ref="…" when="…">`` at feed level.

A reader that understands tombstones removes the entry named by ``ref``; the partner feed
also carries a visible notice entry with the same id for readers that do not.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.util import xml_elem

from feeds.text import xml_text

TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"


class TombstoneExtension(BaseExtension):
    """Feed-level half: one ``at:deleted-entry`` per withdrawn entry."""

    def __init__(self) -> None:
        self._deleted: list[tuple[str, str, str, str]] = []

    def add(self, ref: str, when: str, link: str = "", comment: str = "") -> None:
        """Record that the entry ``ref`` was deleted at ``when`` (an RFC 3339 time)."""
        self._deleted.append((ref, when, link, comment))

    def extend_ns(self) -> dict[str, str]:
        """The namespace map entry for tombstones."""
        return {"at": TOMBSTONES_NS}

    def extend_atom(self, feed: Any) -> Any:
        """Add the tombstones to the Atom ``feed`` element."""
        for ref, when, link, comment in self._deleted:
            element = xml_elem(f"{{{TOMBSTONES_NS}}}deleted-entry", feed, ref=ref, when=when)
            if link:
                xml_elem("link", element, href=link, rel="alternate", type="text/html")
            if comment:
                note = xml_elem(f"{{{TOMBSTONES_NS}}}comment", element)
                note.text = xml_text(comment)
        return feed

    def extend_rss(self, feed: Any) -> Any:
        """RSS has no tombstones: the KILL item carries the notice."""
        return feed


class NoTombstoneEntry(BaseEntryExtension):
    """Entries carry nothing for this extension (feedgen wants an entry class)."""
