"""A feedgen extension for the Dublin Core elements RSS items carry here: ``dc:creator``
(RSS ``<author>`` must be an e-mail address), ``dc:rights`` (feedgen writes ``rights``
to Atom only) and ``dcterms:modified`` (RSS has no element for an item's last change, so
without it a correction shows only in the body; Atom has ``<updated>``).

feedgen's own ``dc`` extension writes the first two, but looks up all fifteen of its
fields on every item; a partner feed writes fifty items per render.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml.etree import SubElement

DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
_CREATOR = f"{{{DC_NS}}}creator"
_RIGHTS = f"{{{DC_NS}}}rights"
_MODIFIED = f"{{{DCTERMS_NS}}}modified"


class DublinCoreExtension(BaseExtension):
    """Feed-level half: declares the ``dc`` and ``dcterms`` namespaces."""

    def extend_ns(self) -> dict[str, str]:
        """The namespace map entries for Dublin Core elements and terms."""
        return {"dc": DC_NS, "dcterms": DCTERMS_NS}


class DublinCoreEntryExtension(BaseEntryExtension):
    """Entry-level half: creators in order, the rights statement, then the last change."""

    def __init__(self) -> None:
        self.creators: list[str] = []
        self.rights = ""
        self.modified: datetime | None = None

    def extend_rss(self, entry: Any) -> Any:
        """Add ``dc:creator``, ``dc:rights`` and ``dcterms:modified`` to an RSS item."""
        for name in self.creators:
            SubElement(entry, _CREATOR).text = name
        if self.rights:
            SubElement(entry, _RIGHTS).text = self.rights
        if self.modified is not None:
            # W3C-DTF, the form Atom's <updated> takes too.
            SubElement(entry, _MODIFIED).text = self.modified.isoformat()
        return entry
