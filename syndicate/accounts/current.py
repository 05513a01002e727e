"""The signed-in user of the current request, typed."""

from __future__ import annotations

from flask_login import current_user

from syndicate.accounts.models import User


def signed_in_user() -> User | None:
    """The signed-in :class:`User`, or ``None`` for an anonymous visitor."""
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    assert isinstance(user, User)
    return user
