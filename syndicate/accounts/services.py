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
from syndicate.accounts.passwords import hash_password, needs_rehash
from syndicate.accounts.throttle import ThrottlePolicy, Verdict, check_password
from syndicate.orm import utcnow

API_TOKEN_PREFIX = "synd_api_"  # noqa: S105 - a public prefix, not a secret
LAST_USED_RESOLUTION = timedelta(minutes=1)
LABEL_MAX = 120
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


class TooManyFailures(AccountError):
    """Too many wrong passwords were given for this account lately; no check was made."""


def authenticate(
    session: Session,
    email: str,
    password: str,
    policy: ThrottlePolicy | None = None,
    now: datetime | None = None,
) -> User | None:
    """Return the enabled user with these credentials, or ``None``.

    The check is counted against the address typed (see :mod:`syndicate.accounts.throttle`),
    whether or not it has an account; :class:`TooManyFailures` once it is closed. Upgrades
    the stored hash when the hashing parameters have changed.
    """
    try:
        user = session.scalar(select(User).where(User.email == normalise_email(email)))
    except AccountError:
        user = None
    verdict = check_password(
        session,
        account=email,
        stored_hash=user.password_hash if user else None,
        password=password,
        policy=policy or ThrottlePolicy(),
        now=now,
    )
    if verdict is Verdict.LOCKED:
        raise TooManyFailures("too many wrong passwords for this account; try again later")
    if verdict is Verdict.WRONG:
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


def create_api_token(
    session: Session,
    user: User,
    label: str = "",
    *,
    expires_at: datetime | None = None,
    actor_id: int | None = None,
) -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns the row and the secret, shown only once.

    ``expires_at`` (optional) is when it stops working; ``actor_id`` is who issued it
    (the user themselves when not given).
    """
    if not user.is_enabled:
        raise AccountError(f"{user.email} is disabled")
    label = " ".join(label.split())[:LABEL_MAX]
    if expires_at is not None and expires_at <= utcnow():
        raise AccountError("the expiry must be in the future")
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        prefix=secret[: len(API_TOKEN_PREFIX) + 4],
        digest=token_digest(secret),
        label=label,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor_id=user.id if actor_id is None else actor_id,
        action="api_token.create",
        object_type="api_token",
        object_id=token.id,
        after={
            "user": user.email,
            "label": label,
            "prefix": token.prefix,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, secret


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``: whether the token works at ``now``."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """Every token of a user: working ones first, then newest first."""
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(
                ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
            )
        )
    )


def revoke_api_token(session: Session, token: ApiToken, *, actor_id: int | None) -> bool:
    """Revoke ``token`` once: the next request with it is refused, on every worker.

    One conditional UPDATE, so two revocations at once record one event; returns whether
    this call revoked it (``False``: it already was).
    """
    now = utcnow()
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(token)
        return False
    audit.record(
        session,
        actor_id=actor_id,
        action="api_token.revoke",
        object_type="api_token",
        object_id=token.id,
        before={"revoked_at": None},
        after={"revoked_at": now.isoformat(), "user": token.user.email, "label": token.label},
    )
    return True


def disable_user(session: Session, user: User, *, actor_id: int | None) -> int | None:
    """Disable ``user`` at once: every session and every API token of theirs stops working.

    The session token rotates (old login and "remember me" cookies name a token that no
    longer exists) and every live API token is revoked, so re-enabling the account later
    would bring neither back. Returns how many tokens were revoked, or ``None`` when the
    user was already disabled (nothing changes then).
    """
    now = utcnow()
    result = session.execute(
        update(User)
        .where(User.id == user.id, User.is_enabled.is_(True))
        .values(is_enabled=False, session_token=new_session_token())
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(user)
        return None
    revoked = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    count = int(revoked.rowcount)  # type: ignore[attr-defined]
    audit.record(
        session,
        actor_id=actor_id,
        action="user.disable",
        object_type="user",
        object_id=user.id,
        before={"is_enabled": True},
        after={"is_enabled": False, "email": user.email, "api_tokens_revoked": count},
    )
    return count


def api_token_for(
    session: Session, secret: str, *, record_use: bool = True, now: datetime | None = None
) -> ApiToken | None:
    """The live API token ``secret`` of an enabled user, or ``None``.

    Revoked and expired tokens, and the tokens of a disabled user, are refused; the row is
    read on every call, so a revocation holds on every worker from its commit on.

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
    now = now or utcnow()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.is_enabled:
        return None
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
