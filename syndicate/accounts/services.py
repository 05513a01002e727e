"""Account operations: create users, authenticate, rotate sessions, issue API tokens.

Domain code: takes a session and plain values, adds and flushes; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from licenses.models import Publisher
from syndicate import audit
from syndicate.accounts.models import ApiToken, Role, User
from syndicate.accounts.passwords import hash_password, needs_rehash, verify_password
from syndicate.orm import utcnow

API_TOKEN_PREFIX = "synd_api_"  # noqa: S105 - a public prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """An account operation was refused; the message says why."""


def normalise_email(email: str) -> str:
    """Trim and lower-case an address, refusing anything that is not one."""
    email = (email or "").strip().lower()
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise AccountError(f"{email!r} is not a valid e-mail address")
    return email


def new_session_token() -> str:
    """A fresh random session token (256 bits)."""
    return secrets.token_urlsafe(32)


def create_user(
    session: Session,
    *,
    email: str,
    role: Role,
    password: str | None = None,
    name: str = "",
    publisher_slug: str | None = None,
    min_password_length: int = 12,
    actor_id: int | None = None,
) -> User:
    """Create a user; partners must name their publisher, staff must not."""
    email = normalise_email(email)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"a user with the address {email} already exists")
    publisher = None
    if role is Role.PARTNER:
        if not publisher_slug:
            raise AccountError("a partner user needs --publisher SLUG")
        publisher = session.scalar(select(Publisher).where(Publisher.slug == publisher_slug))
        if publisher is None:
            raise AccountError(f"no publisher with the slug {publisher_slug!r}")
    elif publisher_slug:
        raise AccountError("staff users do not belong to a publisher")
    if password is not None and len(password) < min_password_length:
        raise AccountError(f"the password must have at least {min_password_length} characters")
    user = User(
        email=email,
        name=name,
        role=role,
        publisher=publisher,
        password_hash=hash_password(password) if password else None,
        session_token=new_session_token(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="user.create",
        object_type="user",
        object_id=user.id,
        after={"email": email, "role": role.value, "publisher": publisher_slug},
    )
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """Return the enabled user with these credentials, or ``None``.

    Upgrades the stored hash when the hashing parameters have changed.
    """
    try:
        email = normalise_email(email)
    except AccountError:
        verify_password(None, password)
        return None
    user = session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None
    assert user.password_hash is not None
    if not user.is_enabled:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def rotate_session_token(user: User) -> None:
    """Invalidate every existing login cookie of ``user``."""
    user.session_token = new_session_token()


def change_password(
    session: Session, user: User, new_password: str, min_password_length: int = 12
) -> None:
    """Set a new password and end every other session of the user."""
    if len(new_password) < min_password_length:
        raise AccountError(f"the password must have at least {min_password_length} characters")
    user.password_hash = hash_password(new_password)
    rotate_session_token(user)
    audit.record(
        session,
        actor_id=user.id,
        action="user.password_change",
        object_type="user",
        object_id=user.id,
    )


def user_by_session_token(session: Session, token: str) -> User | None:
    """The enabled user whose current session token is ``token``."""
    if not token:
        return None
    user = session.scalar(select(User).where(User.session_token == token))
    if user is None or not user.is_enabled:
        return None
    return user


def token_digest(token: str) -> str:
    """The SHA-256 hex digest under which a high-entropy token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, label: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns the row and the secret, shown only once."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        prefix=secret[: len(API_TOKEN_PREFIX) + 4],
        digest=token_digest(secret),
        label=label,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor_id=user.id,
        action="api_token.create",
        object_type="api_token",
        object_id=token.id,
        after={"user": user.email, "label": label},
    )
    return token, secret


def api_token_for(session: Session, secret: str, *, record_use: bool = True) -> ApiToken | None:
    """The live API token ``secret`` of an enabled user, or ``None``.

    With ``record_use`` its last use is set on the loaded row when due (at most once a
    minute); web requests pass ``False`` and record it apart with
    :func:`record_api_token_use`, so that a read never has to write.
    """
    if not secret.startswith(API_TOKEN_PREFIX):
        return None
    digest = token_digest(secret)
    token = session.scalar(select(ApiToken).where(ApiToken.digest == digest))
    # The lookup is by digest; compare again in constant time for good measure.
    if token is None or not hmac.compare_digest(token.digest, digest) or token.revoked_at:
        return None
    if not token.user.is_enabled:
        return None
    now = utcnow()
    if record_use and (
        token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION
    ):
        token.last_used_at = now
    return token


def user_by_api_token(session: Session, secret: str) -> User | None:
    """The enabled user owning the live API token ``secret``; records its use."""
    token = api_token_for(session, secret)
    return token.user if token is not None else None


def record_api_token_use(session: Session, token_id: int, now: datetime) -> None:
    """Record a token's use with one conditional UPDATE (a no-op when recorded recently)."""
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - LAST_USED_RESOLUTION
            ),
        )
        .values(last_used_at=now)
        # Marked as bookkeeping: it changes nothing a reader sees (no content version bump).
        .execution_options(synchronize_session=False, syndicate_bookkeeping=True)
    )
