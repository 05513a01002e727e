"""A feedgen extension for Media RSS photo credits: ``media:content`` with
``media:credit`` and ``media:copyright`` (feedgen's own ``media`` extension has neither).

The licence is deliberately not written as ``media:license``, which feed validators
refuse; the renderers carry it as an Atom ``link rel="license"`` and in the rights text.
"""

from __future__ import annotations

from copy import copy
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml.etree import Element, SubElement

from feeds.items import MediaItem
from feeds.text import xml_text

MEDIA_NS = "http://search.yahoo.com/mrss/"
CREDIT_SCHEME = "urn:ebu"
CREDIT_ROLE = "photographer"
_CONTENT = f"{{{MEDIA_NS}}}content"
_TITLE = f"{{{MEDIA_NS}}}title"
_CREDIT = f"{{{MEDIA_NS}}}credit"
_COPYRIGHT = f"{{{MEDIA_NS}}}copyright"


class MediaCreditsExtension(BaseExtension):
    """Feed-level half: declares the ``media`` namespace."""

    def extend_ns(self) -> dict[str, str]:
        """The namespace map entry for Media RSS."""
        return {"media": MEDIA_NS}


def _template(*, caption: bool) -> Any:
    """An empty ``media:content`` with its children, to be copied for each photo."""
    holder = Element("holder", nsmap={"media": MEDIA_NS})
    content = SubElement(
        holder, _CONTENT, {"url": "", "type": "", "medium": "image", "width": "", "height": ""}
    )
    if caption:
        SubElement(content, _TITLE, {"type": "plain"})
    SubElement(content, _CREDIT, {"role": CREDIT_ROLE, "scheme": CREDIT_SCHEME})
    SubElement(content, _COPYRIGHT)
    return content


# A feed writes hundreds of these elements: copying a finished subtree is one call into
# lxml, where building it takes one call per element and per attribute. (``copy`` of an
# lxml element copies its whole subtree, and costs half of ``deepcopy``.)
_WITH_CAPTION = _template(caption=True)
_WITHOUT_CAPTION = _template(caption=False)


class MediaCreditsEntryExtension(BaseEntryExtension):
    """Entry-level half: one ``media:content`` per photo, credit and copyright inside."""

    def __init__(self) -> None:
        self._media: list[MediaItem] = []

    def add(self, media: MediaItem) -> None:
        """Attach one photo to the entry, in order."""
        self._media.append(media)

    def _extend(self, entry: Any) -> Any:
        for media in self._media:
            caption = xml_text(media.caption)
            content = copy(_WITH_CAPTION if caption else _WITHOUT_CAPTION)
            attributes = content.attrib
            attributes["url"] = media.url
            attributes["type"] = media.media_type
            attributes["width"] = str(media.width)
            attributes["height"] = str(media.height)
            if caption:
                title, credit, copyright_ = content
                title.text = caption
            else:
                credit, copyright_ = content
            credit.text = xml_text(media.credit)
            if media.copyright_url:
                copyright_.attrib["url"] = media.copyright_url
            copyright_.text = xml_text(media.copyright)
            entry.append(content)
        return entry

    def extend_rss(self, entry: Any) -> Any:
        """Add the photos to an RSS item."""
        return self._extend(entry)

    def extend_atom(self, entry: Any) -> Any:
        """Add the photos to an Atom entry."""
        return self._extend(entry)
