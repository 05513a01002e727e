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
    }
)

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.STAFF: ALL_PERMISSIONS,
    # Partners work in their own portal; the console grants them nothing.
    Role.PARTNER: frozenset(),
}

PERMISSION_ATTRIBUTE = "_staff_permission"

F = TypeVar("F", bound=Callable[..., Any])


def permissions_for(user: User) -> frozenset[str]:
    """Every permission ``user`` holds; none when the account is disabled."""
    if not user.is_enabled:
        return frozenset()
    return ROLE_PERMISSIONS.get(user.role, frozenset())


def has_permission(user: User, permission: str) -> bool:
    """Whether ``user`` holds ``permission``."""
    return permission in permissions_for(user)


def requires(permission: str) -> Callable[[F], F]:
    """Declare the permission a console view needs (checked by the blueprint's hook)."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def mark(view: F) -> F:
        setattr(view, PERMISSION_ATTRIBUTE, permission)
        return view

    return mark


def required_permission(view: Callable[..., Any] | None) -> str | None:
    """The permission declared on ``view`` with :func:`requires`, if any."""
    return getattr(view, PERMISSION_ATTRIBUTE, None)
