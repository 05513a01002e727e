"""A feedgen extension for the two Dublin Core elements RSS items carry here: ``dc:creator``
(RSS ``<author>`` must be an e-mail address) and ``dc:rights`` (feedgen writes ``rights``
to Atom only).

feedgen's own ``dc`` extension writes the same elements, but looks up all fifteen of its
fields on every item; a partner feed writes fifty items per render.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml.etree import SubElement

DC_NS = "http://purl.org/dc/elements/1.1/"
_CREATOR = f"{{{DC_NS}}}creator"
_RIGHTS = f"{{{DC_NS}}}rights"


class DublinCoreExtension(BaseExtension):
    """Feed-level half: declares the ``dc`` namespace."""

    def extend_ns(self) -> dict[str, str]:
        """The namespace map entry for Dublin Core."""
        return {"dc": DC_NS}


class DublinCoreEntryExtension(BaseEntryExtension):
    """Entry-level half: creators in order, then the rights statement."""

    def __init__(self) -> None:
        self.creators: list[str] = []
        self.rights = ""

    def extend_rss(self, entry: Any) -> Any:
        """Add ``dc:creator`` and ``dc:rights`` to an RSS item."""
        for name in self.creators:
            SubElement(entry, _CREATOR).text = name
        if self.rights:
            SubElement(entry, _RIGHTS).text = self.rights
        return entry
