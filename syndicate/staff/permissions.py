"""Named staff permissions and the roles that hold them.

The console checks these names at one enforcement point (the blueprint's
``before_request`` hook); views only declare which name they need.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from syndicate.accounts.models import Role, User

CONSOLE_VIEW = "console:view"
ARTICLE_VIEW = "article:view"
ARTICLE_EDIT = "article:edit"
ARTICLE_PUBLISH = "article:publish"
ARTICLE_CORRECT = "article:correct"
IMAGE_VIEW = "image:view"
IMAGE_UPLOAD = "image:upload"
IMAGE_EDIT = "image:edit"
COMMENT_VIEW = "comment:view"
COMMENT_MODERATE = "comment:moderate"
LICENSE_REQUEST_VIEW = "license-request:view"
LICENSE_REQUEST_DECIDE = "license-request:decide"
LICENSE_VIEW = "license:view"
LICENSE_MANAGE = "license:manage"
PUBLISHER_VIEW = "publisher:view"
FEED_KEY_REVOKE = "feed-key:revoke"
AUDIT_VIEW = "audit:view"
ARTICLE_KILL = "article:kill"
NOTICE_VIEW = "notice:view"
PICKUP_VIEW = "pickup:view"
USER_VIEW = "user:view"
USER_MANAGE = "user:manage"
OUTBOX_VIEW = "outbox:view"

ALL_PERMISSIONS: frozenset[str] = frozenset(
    {
        CONSOLE_VIEW,
        ARTICLE_VIEW,
        ARTICLE_EDIT,
        ARTICLE_PUBLISH,
        ARTICLE_CORRECT,
        IMAGE_VIEW,
        IMAGE_UPLOAD,
        IMAGE_EDIT,
        COMMENT_VIEW,
        COMMENT_MODERATE,
        LICENSE_REQUEST_VIEW,
        LICENSE_REQUEST_DECIDE,
        LICENSE_VIEW,
        LICENSE_MANAGE,
        PUBLISHER_VIEW,
        FEED_KEY_REVOKE,
        AUDIT_VIEW,
        ARTICLE_KILL,
        NOTICE_VIEW,
        PICKUP_VIEW,
        USER_VIEW,
        USER_MANAGE,
        OUTBOX_VIEW,
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.STAFF: ALL_PERMISSIONS,
    # Partners work in their own portal; the console grants them nothing.
    Role.PARTNER: frozenset(),
}

PERMISSION_ATTRIBUTE = "_staff_permission"
FRESH_ATTRIBUTE = "_staff_fresh_login"

F = TypeVar("F", bound=Callable[..., Any])


def permissions_for(user: User) -> frozenset[str]:
    """Every permission ``user`` holds; none when the account is disabled."""
    if not user.is_enabled:
        return frozenset()
    return ROLE_PERMISSIONS.get(user.role, frozenset())


def has_permission(user: User, permission: str) -> bool:
    """Whether ``user`` holds ``permission``."""
    return permission in permissions_for(user)


def requires(permission: str, *, fresh: bool = False) -> Callable[[F], F]:
    """Declare the permission a console view needs (checked by the blueprint's hook).

    ``fresh=True`` also asks for a recent password sign-in (decisions, licence changes).
    """
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def mark(view: F) -> F:
        setattr(view, PERMISSION_ATTRIBUTE, permission)
        setattr(view, FRESH_ATTRIBUTE, fresh)
        return view

    return mark


def required_permission(view: Callable[..., Any] | None) -> str | None:
    """The permission declared on ``view`` with :func:`requires`, if any."""
    return getattr(view, PERMISSION_ATTRIBUTE, None)


def requires_fresh_login(view: Callable[..., Any] | None) -> bool:
    """Whether ``view`` was declared with ``fresh=True``."""
    return bool(getattr(view, FRESH_ATTRIBUTE, False))
