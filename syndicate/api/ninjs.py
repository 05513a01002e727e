"""IPTC ninjs 2.2 answers of the article endpoints, for partners who speak the agencies' format.

A client asks with ``Accept: application/ninjs+json`` or ``?format=ninjs``. Each document is
built from the partner feed's own item (:mod:`syndicate.syndication.prepare`), so it carries
exactly what that partner's feed would: the body with only the photos it may receive now,
their credits, the attribution, the link to the original and the partner's tracking image;
and, as ``associations``, only those photos, with their renditions and rights. Staff get the
item every partner receives, without a tracking image. The suite validates every answer
against the IPTC schema, vendored with its MIT licence in ``tests/standards/ninjs/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from feeds.items import MediaItem, PartnerItem
from syndicate.api import permissions as perms
from syndicate.api.auth import current_principal
from syndicate.api.jsonio import invalid, iso
from syndicate.content.models import Article, ArticleStatus, Image
from syndicate.content.services import is_public
from syndicate.newswire.embargo import is_embargoed
from syndicate.syndication.prepare import PartnerContext, partner_item, shared_item
from syndicate.syndication.render import partner_context
from syndicate.syndication.republish import byline
from syndicate.syndication.snapshot import FeedArticle, load_feed_articles
from syndicate.syndication.views import current_feed_settings, pixel_signer
from syndicate.web.db import db_session

MEDIA_TYPE = "application/ninjs+json"
JSON = "application/json"
FORMAT_PARAM = "format"
FORMATS = ("json", "ninjs")


def wanted() -> bool:
    """Whether the request asks for ninjs: ``?format=ninjs``, or an ``Accept`` header that
    prefers ``application/ninjs+json`` to JSON. ``?format=json`` wins over the header; any
    other ``format`` is refused (422)."""
    chosen = request.args.get(FORMAT_PARAM)
    if chosen is not None and chosen != "":
        if chosen not in FORMATS:
            raise invalid({FORMAT_PARAM: "Choose one of: " + ", ".join(FORMATS)})
        return chosen == "ninjs"
    accept = request.accept_mimetypes
    # best_match prefers the first offer on a tie, so "*/*" and no header keep JSON.
    return accept.best_match([JSON, MEDIA_TYPE]) == MEDIA_TYPE and accept[MEDIA_TYPE] > 0


def answer(payload: dict[str, Any], *, single: bool) -> Response:
    """The JSON response of ``payload``: one ninjs document as ``application/ninjs+json``,
    a page of them as JSON. Both vary with ``Accept``."""
    response = jsonify(payload)
    if single:
        response.mimetype = MEDIA_TYPE
    response.vary.add("Accept")
    return response


def documents(articles: Sequence[Article], now: datetime) -> list[dict[str, Any]]:
    """The ninjs documents of ``articles`` (already filtered to what the caller may read),
    in order, as the caller's feed would carry them at ``now``."""
    if not articles:
        return []
    principal = current_principal()
    staff = principal.can(perms.ARTICLE_READ_ANY)
    publisher_id = principal.publisher_id
    ctx = partner_context(current_feed_settings(), pixel_signer(), publisher_id or 0)
    snapshots = load_feed_articles(db_session(), [a.id for a in articles])
    out = []
    for article, snapshot in zip(articles, snapshots, strict=True):
        if staff or publisher_id is None:
            item = shared_item(_released(snapshot, now), ctx, now)
        else:
            item = partner_item(snapshot, ctx, now)
        out.append(document(article, snapshot, item, ctx, now))
    return out


def _released(snapshot: FeedArticle, now: datetime) -> FeedArticle:
    """A story not released yet (staff only) is shown as it would read if released now."""
    if snapshot.released_at is not None:
        return snapshot
    return replace(snapshot, released_at=now)


def pubstatus(article: Article, now: datetime) -> str:
    """``canceled`` for a kill, ``usable`` once public or under an embargo a partner may see
    (``embargoed`` says until when), ``withheld`` otherwise (drafts, unreleased schedules)."""
    if article.status is ArticleStatus.KILLED:
        return "canceled"
    return "usable" if is_public(article, now) or is_embargoed(article, now) else "withheld"


def document(
    article: Article, snapshot: FeedArticle, item: PartnerItem, ctx: PartnerContext, now: datetime
) -> dict[str, Any]:
    """One article's ninjs document from its feed ``item``."""
    feed = item.item
    doc: dict[str, Any] = {
        "uri": feed.id,
        "type": "text",
        "representationtype": "full",
        "version": str(article.revision),
        "versioncreated": iso(feed.updated),
        "pubstatus": pubstatus(article, now),
        "language": "en",
        "slugline": article.slug,
        "headlines": [{"role": "main", "contenttype": "text/plain", "value": feed.title}],
        "by": byline(snapshot.authors, ctx.site_name),
        "bodies": [{"role": "main", "contenttype": "text/html", "value": item.content_html}],
        "copyrightholder": ctx.site_name,
        "copyrightnotice": item.rights,
        "usageterms": usage_terms(ctx),
        "rightsinfo": {"linkedrights": item.license_url},
        "altids": [{"role": "canonical-url", "value": feed.link}],
        "subjects": [
            {"name": snapshot.section_name, "literal": snapshot.section_slug, "rel": "section"},
            *({"name": name, "literal": slug, "rel": "tag"} for slug, name in snapshot.tags),
        ],
    }
    first = article.first_published_at or article.released_at
    if first is not None:
        doc["firstcreated"] = iso(first)
    if feed.summary:
        doc["descriptions"] = [
            {"role": "summary", "contenttype": "text/plain", "value": feed.summary}
        ]
    if article.dateline:
        doc["located"] = article.dateline
    if item.embargoed_until is not None:
        doc["embargoed"] = iso(item.embargoed_until)
        doc["ednote"] = f"Embargoed: do not publish before {iso(item.embargoed_until)}."
    if item.kill is not None:
        doc["ednote"] = f"Killed: {item.kill.reason} Remove this story and its photos."
    pictures = _pictures(article, item.media, ctx)
    if pictures:
        doc["associations"] = pictures
    return doc


def usage_terms(ctx: PartnerContext) -> str:
    """What a partner must keep when it republishes a story."""
    return (
        f"Free to republish for licensed partners under {ctx.site_name}'s terms "
        f"({ctx.license_url}): keep the byline, the attribution paragraph, the link to the "
        "original and every photo credit; do not edit the meaning."
    )


def _pictures(
    article: Article, media: Sequence[MediaItem], ctx: PartnerContext
) -> list[dict[str, Any]]:
    """The photos of the feed item (only those the caller may receive), with renditions."""
    by_url: dict[str, Image] = {
        ctx.media_url(link.image.storage_key): link.image for link in article.images
    }
    return [picture(n, photo, by_url.get(photo.url), ctx) for n, photo in enumerate(media, start=1)]


def picture(n: int, photo: MediaItem, image: Image | None, ctx: PartnerContext) -> dict[str, Any]:
    """One photo as a ninjs ``picture`` association."""
    renditions: list[dict[str, Any]] = [
        {
            "name": "original",
            "href": photo.url,
            "contenttype": photo.media_type,
            "width": photo.width,
            "height": photo.height,
            "sizeinbytes": photo.byte_size,
        }
    ]
    holder = photo.credit
    terms = "May be published only with this story, with its credit."
    if image is not None:
        holder = image.organization or image.creator or photo.credit
        renditions += [
            {
                "name": f"w{r.width}",
                "href": ctx.media_url(r.storage_key),
                "contenttype": r.media_type,
                "width": r.width,
                "height": r.height,
            }
            for r in sorted(image.renditions, key=lambda r: r.width)
        ]
        if image.partner_allowed_until is not None:
            terms += f" Not after {iso(image.partner_allowed_until)}."
    association: dict[str, Any] = {
        "name": f"picture{n}",
        "uri": photo.url,
        "type": "picture",
        "by": photo.credit,
        "copyrightholder": holder,
        "copyrightnotice": photo.copyright,
        "usageterms": terms,
        "rightsinfo": {"linkedrights": photo.copyright_url or ctx.license_url},
        "renditions": renditions,
    }
    if photo.caption:
        association["descriptions"] = [
            {"role": "caption", "contenttype": "text/plain", "value": photo.caption}
        ]
    return association
