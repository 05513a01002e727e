"""The domain objects as the API's answer models; secrets and digests never appear here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import current_app, url_for

from licenses.models import FeedKey, License, LicenseRequest, Publisher
from syndicate.api import schemas
from syndicate.content.models import Article, ArticleImage, Image
from syndicate.content.services import shown_modified


def absolute(path: str) -> str:
    """An absolute URL on the public site (``SITE_BASE_URL``)."""
    return str(current_app.config["SITE_BASE_URL"]).rstrip("/") + path


def media(key: str) -> str:
    """The absolute URL of a stored media file."""
    return absolute(url_for("media.file", key=key))


def publisher(pub: Publisher) -> schemas.Publisher:
    """A partner publisher."""
    return schemas.Publisher(
        id=pub.id,
        slug=pub.slug,
        name=pub.name,
        website=pub.website,
        outlet_type=pub.outlet_type,
        status=pub.status,
    )


def _scope(item: LicenseRequest | License) -> schemas.Scope:
    kind = item.scope_kind.value
    scope: dict[str, Any] = {"kind": kind}
    if kind == "sections":
        scope["sections"] = list(item.scope_sections or [])
    elif kind == "article":
        scope["article"] = item.scope_article.slug if item.scope_article is not None else None
    return schemas.Scope(**scope)


def license_request(
    req: LicenseRequest, *, matches: Sequence[Publisher] | None = None
) -> schemas.LicenseRequest:
    """A licensing request with its eligibility assessment and decision; for staff, with
    ``matches``: the existing partners it seems to come from."""
    data: dict[str, Any] = {
        "id": req.id,
        "status": req.status.value,
        "eligibility": {"eligible": req.eligible, "reasons": list(req.eligibility_reasons)},
        "organization": req.organization,
        "website": req.website,
        "contact_name": req.contact_name,
        "contact_email": req.contact_email,
        "outlet_type": req.outlet_type,
        "monthly_audience": req.monthly_audience,
        "scope": _scope(req),
        "intended_use": req.intended_use,
        "message": req.message,
        "publisher": req.publisher.slug if req.publisher is not None else None,
        "membership": req.membership.value if req.membership is not None else None,
        "license_id": req.license.id if req.license is not None else None,
        "decided_at": req.decided_at,
        "decision_reason": req.decision_reason,
        "created_at": req.created_at,
    }
    if matches is not None:
        data["matching_publishers"] = [{"slug": p.slug, "name": p.name} for p in matches]
    return schemas.LicenseRequest(**data)


def licence(lic: License) -> schemas.License:
    """A licence and its terms."""
    fields: dict[str, Any] = {
        "id": lic.id,
        "publisher": lic.publisher.slug,
        "request_id": lic.request_id,
        "kind": lic.kind.value,
        "status": lic.status.value,
        "status_reason": lic.status_reason,
        "scope": _scope(lic),
        "fee_amount": str(lic.fee_amount) if lic.fee_amount is not None else None,
        "fee_currency": lic.fee_currency or None,
        "territory": lic.territory,
        "term_note": lic.term_note,
        "terms_version": lic.terms.version,
        "terms_accepted_at": lic.accepted_at,
        "embargo_entitled": lic.embargo_entitled,
        "starts_at": lic.starts_at,
        "ends_at": lic.ends_at,
        "created_at": lic.created_at,
    }
    return schemas.License(**fields)


def _key_fields(key: FeedKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "publisher": key.publisher.slug,
        "label": key.label,
        "prefix": key.prefix,
        "active": key.revoked_at is None,
        "created_at": key.created_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "replaced_by_id": key.replaced_by_id,
    }


def feed_key(key: FeedKey) -> schemas.FeedKey:
    """A feed key's public facts: its prefix, never the secret or its digest."""
    return schemas.FeedKey(**_key_fields(key))


def feed_key_with_secret(key: FeedKey, secret: str) -> schemas.FeedKeyWithSecret:
    """A new key with its secret, for the one answer that shows it."""
    return schemas.FeedKeyWithSecret(**_key_fields(key), feed_key=secret)


def _image_fields(img: Image, now: datetime) -> dict[str, Any]:
    return {
        "id": img.id,
        "url": media(img.storage_key),
        "media_type": img.media_type,
        "width": img.width,
        "height": img.height,
        "alt_text": img.alt_text,
        "caption": img.caption,
        "credit_line": img.credit_line,
        "creator": img.creator,
        "organization": img.organization,
        "rights_class": img.rights_class.value,
        "license_url": img.license_url or None,
        "source_url": img.source_url or None,
        "partner_permitted": img.partner_permitted(now),
        "partner_allowed": img.partner_allowed,
        "partner_allowed_until": img.partner_allowed_until,
        "renditions": [
            {"width": r.width, "height": r.height, "url": media(r.storage_key)}
            for r in img.renditions
        ],
    }


def image(img: Image, now: datetime) -> schemas.Image:
    """An image with its rights, credit and renditions."""
    return schemas.Image(**_image_fields(img, now))


def _placed_image(link: ArticleImage, now: datetime) -> dict[str, Any]:
    return {**_image_fields(link.image, now), "caption": link.caption, "role": link.role}


def is_embargoed(art: Article, now: datetime) -> bool:
    """Whether ``art`` is under a partner embargo at ``now`` (not public yet)."""
    from syndicate.newswire.embargo import is_embargoed as embargoed

    return embargoed(art, now)


def article(art: Article, now: datetime, *, staff: bool) -> schemas.Article:
    """An article as the caller may see it: partners never get images they may not receive."""
    links = [link for link in art.images if staff or link.image.partner_permitted(now)]
    data: dict[str, Any] = {
        "slug": art.slug,
        "headline": art.headline,
        "dek": art.dek,
        "url": absolute(url_for("public.article", slug=art.slug)),
        "dateline": art.dateline,
        "authors": [{"slug": a.slug, "name": a.name} for a in art.authors],
        "section": {"slug": art.section.slug, "name": art.section.name},
        "tags": [{"slug": t.slug, "name": t.name} for t in art.tags],
        "status": art.status.value,
        "released_at": art.released_at,
        "updated_at": (
            shown_modified(art.released_at, (art.content_updated_at,), now)
            if art.released_at is not None
            else art.content_updated_at or art.updated_at
        ),
        "revision": art.revision,
        "embargoed_until": art.released_at if is_embargoed(art, now) else None,
        "body_html": art.body_html,
        "corrections": [{"note": c.note, "created_at": c.created_at} for c in art.corrections],
        "images": [_placed_image(link, now) for link in links],
    }
    if staff:
        data.update(
            {
                "version": art.version,
                "body": art.body_source,
                "body_format": art.body_format.value,
                "syndication": art.syndication.value,
                "comments_open": art.comments_open,
                "first_published_at": art.first_published_at,
                "killed_at": art.killed_at,
            }
        )
    return schemas.Article(**data)
