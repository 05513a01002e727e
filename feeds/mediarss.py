"""A feedgen extension for Media RSS photo credits: ``media:content`` with
``media:credit`` and ``media:copyright`` (feedgen's own ``media`` extension has neither).

The licence is deliberately not written as ``media:license``, which feed validators
refuse; the renderers carry it as an Atom ``link rel="license"`` and in the rights text.
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml.etree import SubElement

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


class MediaCreditsEntryExtension(BaseEntryExtension):
    """Entry-level half: one ``media:content`` per photo, credit and copyright inside."""

    def __init__(self) -> None:
        self._media: list[MediaItem] = []

    def add(self, media: MediaItem) -> None:
        """Attach one photo to the entry, in order."""
        self._media.append(media)

    def _extend(self, entry: Any) -> Any:
        # lxml's SubElement with attribute dicts: a feed writes hundreds of these elements.
        for media in self._media:
            content = SubElement(
                entry,
                _CONTENT,
                {
                    "url": media.url,
                    "type": media.media_type,
                    "medium": "image",
                    "width": str(media.width),
                    "height": str(media.height),
                },
            )
            if media.caption:
                SubElement(content, _TITLE, {"type": "plain"}).text = xml_text(media.caption)
            credit = SubElement(content, _CREDIT, {"role": CREDIT_ROLE, "scheme": CREDIT_SCHEME})
            credit.text = xml_text(media.credit)
            copyright_ = SubElement(
                content, _COPYRIGHT, {"url": media.copyright_url} if media.copyright_url else {}
            )
            copyright_.text = xml_text(media.copyright)
        return entry

    def extend_rss(self, entry: Any) -> Any:
        """Add the photos to an RSS item."""
        return self._extend(entry)

    def extend_atom(self, entry: Any) -> Any:
        """Add the photos to an Atom entry."""
        return self._extend(entry)
