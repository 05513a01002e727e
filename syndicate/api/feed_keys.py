"""Feed keys: a partner manages its own publisher's, staff any publisher's."""

from __future__ import annotations

from typing import Any

from flask import request
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from licenses.keys import create_feed_key, revoke_feed_key, rotate_feed_key
from licenses.models import FeedKey, Publisher
from syndicate.api import permissions as perms
from syndicate.api import serializers
from syndicate.api.auth import Principal, current_principal
from syndicate.api.blueprint import bp
from syndicate.api.jsonio import (
    ApiError,
    invalid,
    json_body,
    not_found,
    page_envelope,
    paging,
    refuse_unknown,
    text_field,
)
from syndicate.web.db import db_session


def _can_manage(principal: Principal, publisher_id: int | None) -> bool:
    return principal.owns(publisher_id, perms.FEED_KEY_MANAGE_ANY)


def _key(key_id: int) -> FeedKey:
    key = db_session().get(FeedKey, key_id)
    if key is None or not _can_manage(current_principal(), key.publisher_id):
        raise not_found("That feed key")
    return key


def _publisher_by_slug(slug: str) -> Publisher | None:
    return db_session().scalar(select(Publisher).where(Publisher.slug == slug))


def _with_secret(key: FeedKey, secret: str) -> dict[str, Any]:
    return {**serializers.feed_key(key), "feed_key": secret}


@bp.get("/feed-keys")
@perms.requires(perms.FEED_KEY_MANAGE_OWN)
def list_feed_keys() -> dict[str, Any]:
    """The caller's publisher's keys (staff: every key, or one publisher's with ``publisher``)."""
    principal = current_principal()
    problems: dict[str, str] = {}
    page = paging(problems)
    if problems:
        raise invalid(problems)
    conditions = []
    slug = request.args.get("publisher")
    if principal.can(perms.FEED_KEY_MANAGE_ANY):
        if slug:
            conditions.append(FeedKey.publisher.has(Publisher.slug == slug))
    else:
        conditions.append(FeedKey.publisher_id == principal.publisher_id)
    session = db_session()
    total = session.scalar(select(func.count(FeedKey.id)).where(*conditions)) or 0
    keys = session.scalars(
        select(FeedKey)
        .where(*conditions)
        .order_by(FeedKey.created_at.desc(), FeedKey.id.desc())
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    return page_envelope([serializers.feed_key(k) for k in keys], page, total)


@bp.post("/feed-keys")
@perms.requires(perms.FEED_KEY_MANAGE_OWN)
def create_feed_key_view() -> tuple[dict[str, Any], int]:
    """Issue a key; the secret is in ``feed_key`` in this answer and never again."""
    principal = current_principal()
    body = json_body()
    refuse_unknown(body, {"label", "publisher"})
    problems: dict[str, str] = {}
    label = text_field(body, "label", problems, limit=120)
    slug = text_field(body, "publisher", problems, limit=80)
    if problems:
        raise invalid(problems)
    session = db_session()
    publisher = None
    if slug:
        publisher = _publisher_by_slug(slug)
        if publisher is None or not _can_manage(principal, publisher.id):
            raise invalid({"publisher": f"No publisher “{slug}” that you manage."})
    elif principal.can(perms.FEED_KEY_MANAGE_ANY):
        raise invalid({"publisher": "Staff must name the publisher (its slug)."})
    elif principal.publisher_id is not None:
        publisher = session.get(Publisher, principal.publisher_id)
    if publisher is None:
        raise ApiError(403, "Your account does not belong to a publisher.")
    key, secret = create_feed_key(session, publisher, label=label, actor_id=principal.actor_id)
    return _with_secret(key, secret), 201


@bp.get("/feed-keys/<int:key_id>")
@perms.requires(perms.FEED_KEY_MANAGE_OWN)
def get_feed_key(key_id: int) -> dict[str, Any]:
    """One key (never its secret)."""
    return serializers.feed_key(_key(key_id))


@bp.delete("/feed-keys/<int:key_id>")
@perms.requires(perms.FEED_KEY_MANAGE_OWN)
def revoke_feed_key_view(key_id: int) -> Response:
    """Revoke a key: the next request with it gets 401. Revoking twice is a conflict."""
    key = _key(key_id)
    if key.revoked_at is not None:
        raise ApiError(409, "That feed key is already revoked.")
    revoke_feed_key(db_session(), key, actor_id=current_principal().actor_id)
    return Response(status=204)


@bp.post("/feed-keys/<int:key_id>/rotate")
@perms.requires(perms.FEED_KEY_MANAGE_OWN)
def rotate_feed_key_view(key_id: int) -> tuple[dict[str, Any], int]:
    """Replace a key by a new one with the same label; the old one stops at once."""
    key = _key(key_id)
    new_key, secret = rotate_feed_key(db_session(), key, actor_id=current_principal().actor_id)
    return _with_secret(new_key, secret), 201
