"""A feedgen entry whose Atom links keep ``rel``, ``type`` and ``length``.

feedgen 1.0.0 reads those attributes from the element it has just created instead of
from the link it was given (upstream issue #135), so every Atom link comes out as an
``alternate`` link. This entry writes them back, in the order the links were added.
It also accepts link relations feedgen refuses (``license``, RFC 4946), Atom only.
"""

from __future__ import annotations

from typing import Any

from feedgen.entry import FeedEntry
from feedgen.util import xml_elem

ATOM_NS = "http://www.w3.org/2005/Atom"
_LINK_ATTRIBUTES = ("rel", "type", "hreflang", "title", "length")


class LinkPreservingEntry(FeedEntry):
    """A :class:`FeedEntry` with correct Atom link attributes and extra relations."""

    def __init__(self) -> None:
        super().__init__()
        self._extra_links: list[dict[str, str]] = []

    def extra_link(self, href: str, rel: str, type: str = "") -> None:
        """Add an Atom link with a relation feedgen does not know, e.g. ``license``."""
        self._extra_links.append({"href": href, "rel": rel, "type": type})

    def atom_entry(self, extensions: bool = True) -> Any:
        """The Atom ``entry`` element, links restored."""
        entry = super().atom_entry(extensions=extensions)
        elements = [child for child in entry if child.tag in ("link", f"{{{ATOM_NS}}}link")]
        for element, link in zip(elements, self.link() or [], strict=False):
            for name in _LINK_ATTRIBUTES:
                value = link.get(name)
                if value:
                    element.attrib[name] = str(value)
        anchor = elements[-1] if elements else None
        for extra in self._extra_links:
            element = xml_elem("link", entry, href=extra["href"], rel=extra["rel"])
            if extra["type"]:
                element.attrib["type"] = extra["type"]
            if anchor is not None:
                # Keep links together, just after feedgen's own.
                anchor.addnext(element)
                anchor = element
        return entry
