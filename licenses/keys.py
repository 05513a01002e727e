"""Feed keys: random, prefixed, shown once, stored as a digest, revocable and rotatable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from licenses.models import FeedKey, Publisher, PublisherStatus
from syndicate import audit
from syndicate.orm import utcnow

FEED_KEY_PREFIX = "synd_feed_"
KEY_BYTES = 32  # 256 bits
LABEL_LIMIT = 120
# Recording every use would turn each feed poll into a write; once a minute is enough.
LAST_USED_RESOLUTION = timedelta(seconds=60)
# Built once: every feed and API request with a key runs it.
_KEY_BY_DIGEST = select(FeedKey).where(FeedKey.digest == bindparam("digest"))


class FeedKeyError(LookupError):
    """A feed key operation was refused."""


def key_digest(secret: str) -> str:
    """The SHA-256 hex digest under which a key is stored."""
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_feed_key(secret: str) -> bool:
    """Whether ``secret`` has the shape of a feed key (cheap check before any lookup)."""
    return secret.startswith(FEED_KEY_PREFIX) and 40 <= len(secret) <= 120


def create_feed_key(
    session: Session, publisher: Publisher, *, label: str = "", actor_id: int | None
) -> tuple[FeedKey, str]:
    """Issue a new key for ``publisher``; returns the row and the secret, shown only once."""
    secret = FEED_KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    key = FeedKey(
        publisher=publisher,
        prefix=secret[: len(FEED_KEY_PREFIX) + 6],
        digest=key_digest(secret),
        label=label.strip()[:LABEL_LIMIT],
        created_by_id=actor_id,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="feed_key.create",
        object_type="feed_key",
        object_id=key.id,
        after={"publisher": publisher.slug, "label": key.label, "prefix": key.prefix},
    )
    return key, secret


def authenticate_feed_key(
    session: Session, secret: str, now: datetime | None = None, *, record_use: bool = True
) -> FeedKey | None:
    """The live key matching ``secret`` of an active publisher, or ``None``.

    The digest is compared in constant time; a revoked key fails at once. With
    ``record_use`` the key's last use is set on the loaded row when due (at most once a
    minute); web requests pass ``False`` and record it apart with
    :func:`record_feed_key_use`, so that a read never has to write.
    """
    if not secret or not looks_like_feed_key(secret):
        return None
    digest = key_digest(secret)
    key = session.scalar(_KEY_BY_DIGEST, {"digest": digest})
    if key is None or not hmac.compare_digest(key.digest, digest) or key.revoked_at is not None:
        return None
    if key.publisher.status is not PublisherStatus.ACTIVE:
        return None
    now = now or utcnow()
    if record_use and use_due(key.last_used_at, now):
        key.last_used_at = now
    return key


def use_due(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a credential last used at ``last_used_at`` should have its use recorded now."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION


def record_feed_key_use(session: Session, key_id: int, now: datetime) -> None:
    """Record a key's use with one conditional UPDATE (a no-op when recorded recently)."""
    session.execute(
        update(FeedKey)
        .where(
            FeedKey.id == key_id,
            or_(FeedKey.last_used_at.is_(None), FeedKey.last_used_at <= now - LAST_USED_RESOLUTION),
        )
        .values(last_used_at=now)
        # Marked as bookkeeping: it changes nothing a reader sees (no content version bump).
        .execution_options(synchronize_session=False, syndicate_bookkeeping=True)
    )


def revoke_feed_key(session: Session, key: FeedKey, *, actor_id: int | None) -> FeedKey:
    """Revoke ``key``; the next request with it is refused."""
    if key.revoked_at is not None:
        return key
    key.revoked_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="feed_key.revoke",
        object_type="feed_key",
        object_id=key.id,
        before={"revoked_at": None},
        after={"revoked_at": key.revoked_at.isoformat(), "publisher": key.publisher.slug},
    )
    return key


def rotate_feed_key(session: Session, key: FeedKey, *, actor_id: int | None) -> tuple[FeedKey, str]:
    """Replace ``key`` by a new one with the same label; the old one stops working now."""
    if key.revoked_at is not None:
        raise FeedKeyError("A revoked key cannot be rotated; create a new one instead.")
    new_key, secret = create_feed_key(session, key.publisher, label=key.label, actor_id=actor_id)
    revoke_feed_key(session, key, actor_id=actor_id)
    key.replaced_by_id = new_key.id
    session.flush()
    return new_key, secret
