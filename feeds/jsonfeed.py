"""JSON Feed 1.1 for partners: a dict serialised once, in a fixed key order.

Rights and photo credits travel in extension objects (``_rights``, ``_media``), which
JSON Feed allows for keys that start with an underscore; so do an embargo (``_embargo``
with ``until``) and a kill notice (``_kill`` with ``killed_at``, ``reason`` and
``action: "remove"``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from feeds.items import FeedMeta, PartnerItem
from feeds.text import xml_text

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _time(value: datetime) -> str:
    return value.isoformat()


def _item(partner_item: PartnerItem) -> dict[str, Any]:
    item = partner_item.item
    data: dict[str, Any] = {
        "id": item.id,
        "url": item.link,
        "title": xml_text(item.title).strip(),
        "content_html": xml_text(partner_item.content_html),
    }
    if item.summary:
        data["summary"] = xml_text(item.summary)
    if partner_item.media:
        data["image"] = partner_item.media[0].url
    data["date_published"] = _time(item.published)
    data["date_modified"] = _time(item.updated)
    data["authors"] = [{"name": xml_text(name)} for name in item.authors if name.strip()]
    data["tags"] = [xml_text(category.label) for category in item.categories]
    if partner_item.embargoed_until is not None:
        data["_embargo"] = {"until": _time(partner_item.embargoed_until)}
    if partner_item.kill is not None:
        data["_kill"] = {
            "killed_at": _time(partner_item.kill.when),
            "reason": xml_text(partner_item.kill.reason),
            "action": "remove",
        }
    data["_rights"] = {
        "text": xml_text(partner_item.rights),
        "license": partner_item.license_url,
    }
    data["_media"] = {
        "about": "https://www.rssboard.org/media-rss",
        "content": [
            {
                "url": media.url,
                "mime_type": media.media_type,
                "width": media.width,
                "height": media.height,
                "size_in_bytes": media.byte_size,
                "caption": xml_text(media.caption),
                "credit": {"role": "photographer", "scheme": "urn:ebu", "name": media.credit},
                "copyright": xml_text(media.copyright),
                "copyright_url": media.copyright_url,
            }
            for media in partner_item.media
        ],
    }
    return data


def feed_dict(meta: FeedMeta, items: Sequence[PartnerItem], *, hub_url: str = "") -> dict[str, Any]:
    """The JSON Feed 1.1 document as a dict."""
    data: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": xml_text(meta.title),
        "home_page_url": meta.site_url,
        "feed_url": meta.self_url,
        "description": xml_text(meta.subtitle),
        "language": meta.language,
    }
    if meta.author:
        data["authors"] = [{"name": xml_text(meta.author)}]
    if hub_url:
        data["hubs"] = [{"type": "WebSub", "url": hub_url}]
    data["items"] = [_item(item) for item in items]
    return data


def json_bytes(meta: FeedMeta, items: Sequence[PartnerItem], *, hub_url: str = "") -> bytes:
    """The JSON Feed 1.1 document, UTF-8 encoded; the same input gives the same bytes."""
    text = json.dumps(feed_dict(meta, items, hub_url=hub_url), ensure_ascii=False, indent=None)
    return text.encode("utf-8")
