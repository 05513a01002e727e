"""Signed, expiring, single-use links that let an invited user set a password."""

from __future__ import annotations

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from syndicate.accounts.models import User

INVITATION_MAX_AGE = 7 * 24 * 3600
_SALT = "syndicate.invitation"


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def make_invitation_token(secret_key: str, user: User) -> str:
    """A token naming ``user`` and their current session token.

    Setting the password rotates the session token, so the link works only once.
    """
    return _serializer(secret_key).dumps({"u": user.id, "s": user.session_token[:16]})


def user_for_invitation(
    session: Session, secret_key: str, token: str, max_age: int = INVITATION_MAX_AGE
) -> User | None:
    """The user an unexpired, unused invitation token belongs to, or ``None``."""
    try:
        data = _serializer(secret_key).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict):
        return None
    user = session.get(User, data.get("u"))
    if user is None or not user.is_enabled or user.session_token[:16] != data.get("s"):
        return None
    return user
