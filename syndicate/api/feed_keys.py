"""Feed keys: a partner manages its own publisher's, staff any publisher's."""

from __future__ import annotations

from sqlalchemy import select
from werkzeug.wrappers import Response

from licenses.keys import create_feed_key, revoke_feed_key, rotate_feed_key
from licenses.models import FeedKey, Publisher
from syndicate.api import permissions as perms
from syndicate.api import schemas, serializers
from syndicate.api.auth import Principal, current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, no_content, operation, page_of, query
from syndicate.api.jsonio import ApiError, invalid, not_found
from syndicate.web.db import db_session

TAG = "Feed keys"


def _can_manage(principal: Principal, publisher_id: int | None) -> bool:
    return principal.owns(publisher_id, perms.FEED_KEY_MANAGE_ANY)


def _key(key_id: int) -> FeedKey:
    key = db_session().get(FeedKey, key_id)
    if key is None or not _can_manage(current_principal(), key.publisher_id):
        raise not_found("That feed key")
    return key


def _publisher_by_slug(slug: str) -> Publisher | None:
    return db_session().scalar(select(Publisher).where(Publisher.slug == slug))


@bp.get("/feed-keys")
@operation(
    "List feed keys",
    tag=TAG,
    permission=perms.FEED_KEY_MANAGE_OWN,
    query=schemas.FeedKeyQuery,
    answer=schemas.FeedKeyPage,
    description="A partner lists its publisher's keys; staff list all keys, or one "
    "publisher's with `publisher`. Secrets are never listed.",
)
def list_feed_keys() -> schemas.FeedKeyPage:
    """The caller's publisher's keys (staff: every key, or one publisher's with ``publisher``)."""
    principal = current_principal()
    asked = query(schemas.FeedKeyQuery)
    conditions = []
    if principal.can(perms.FEED_KEY_MANAGE_ANY):
        if asked.publisher:
            conditions.append(FeedKey.publisher.has(Publisher.slug == asked.publisher))
    else:
        conditions.append(FeedKey.publisher_id == principal.publisher_id)
    page = page_of(
        select(FeedKey).where(*conditions), asked, FeedKey.created_at.desc(), FeedKey.id.desc()
    )
    return schemas.FeedKeyPage(**page.fields([serializers.feed_key(k) for k in page.rows]))


@bp.post("/feed-keys")
@operation(
    "Create a feed key",
    tag=TAG,
    permission=perms.FEED_KEY_MANAGE_OWN,
    body=schemas.FeedKeyInput,
    answer=schemas.FeedKeyWithSecret,
    status=201,
    description="The secret is in `feed_key` in this answer and never again.",
)
def create_feed_key_view() -> schemas.FeedKeyWithSecret:
    """Issue a key; the secret is in ``feed_key`` in this answer and never again."""
    principal = current_principal()
    data = body(schemas.FeedKeyInput)
    slug = data.publisher.strip()
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
    key, secret = create_feed_key(
        session, publisher, label=data.label.strip(), actor_id=principal.actor_id
    )
    return serializers.feed_key_with_secret(key, secret)


@bp.get("/feed-keys/<int:key_id>")
@operation(
    "Read a feed key",
    tag=TAG,
    permission=perms.FEED_KEY_MANAGE_OWN,
    answer=schemas.FeedKey,
    errors=(404,),
)
def get_feed_key(key_id: int) -> schemas.FeedKey:
    """One key (never its secret)."""
    return serializers.feed_key(_key(key_id))


@bp.delete("/feed-keys/<int:key_id>")
@operation(
    "Revoke a feed key",
    tag=TAG,
    permission=perms.FEED_KEY_MANAGE_OWN,
    answer=None,
    status=204,
    errors=(404, 409),
    description="The next request with the key gets 401. Revoking twice gets 409.",
)
def revoke_feed_key_view(key_id: int) -> Response:
    """Revoke a key: the next request with it gets 401. Revoking twice is a conflict."""
    key = _key(key_id)
    if key.revoked_at is not None:
        raise ApiError(409, "That feed key is already revoked.")
    revoke_feed_key(db_session(), key, actor_id=current_principal().actor_id)
    return no_content()


@bp.post("/feed-keys/<int:key_id>/rotate")
@operation(
    "Rotate a feed key",
    tag=TAG,
    permission=perms.FEED_KEY_MANAGE_OWN,
    answer=schemas.FeedKeyWithSecret,
    status=201,
    errors=(404, 409),
    description="Issues a new key with the same label and revokes this one; the new "
    "secret is shown once.",
)
def rotate_feed_key_view(key_id: int) -> schemas.FeedKeyWithSecret:
    """Replace a key by a new one with the same label; the old one stops at once."""
    key = _key(key_id)
    new_key, secret = rotate_feed_key(db_session(), key, actor_id=current_principal().actor_id)
    return serializers.feed_key_with_secret(new_key, secret)
