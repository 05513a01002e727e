"""Named API permissions, the one mapping from callers to permissions, and the view marker.

Views only declare the permission they need with :func:`requires`; the blueprint's
``before_request`` hook (:func:`syndicate.api.auth.enforce`) is the single place that
checks it. Permissions ending in ``-any`` widen a ``-own``/plain permission from the
caller's publisher to every publisher.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

LICENSE_REQUEST_CREATE = "license-request:create"
LICENSE_REQUEST_READ = "license-request:read"
LICENSE_REQUEST_READ_ANY = "license-request:read-any"
LICENSE_REQUEST_DECIDE = "license-request:decide"
ARTICLE_READ = "article:read"
ARTICLE_READ_ANY = "article:read-any"
ARTICLE_WRITE = "article:write"
IMAGE_WRITE = "image:write"
FEED_KEY_MANAGE_OWN = "feed-key:manage-own"
FEED_KEY_MANAGE_ANY = "feed-key:manage-any"
LICENSE_READ = "license:read"
LICENSE_READ_ANY = "license:read-any"
LICENSE_REVOKE = "license:revoke"
API_DESCRIBE = "api:describe"
ARTICLE_CORRECT = "article:correct"
ARTICLE_KILL = "article:kill"
NOTICE_READ = "notice:read"
NOTICE_READ_ANY = "notice:read-any"
NOTICE_ACKNOWLEDGE = "notice:acknowledge"
COMMENT_MODERATE = "comment:moderate"
WEBHOOK_MANAGE = "webhook:manage"
PICKUPS_READ = "pickups:read"
API_TOKEN_MANAGE_OWN = "api-token:manage-own"  # noqa: S105 - a permission name
API_TOKEN_MANAGE_ANY = "api-token:manage-any"  # noqa: S105 - a permission name

ALL_PERMISSIONS: frozenset[str] = frozenset(
    {
        LICENSE_REQUEST_CREATE,
        LICENSE_REQUEST_READ,
        LICENSE_REQUEST_READ_ANY,
        LICENSE_REQUEST_DECIDE,
        ARTICLE_READ,
        ARTICLE_READ_ANY,
        ARTICLE_WRITE,
        IMAGE_WRITE,
        FEED_KEY_MANAGE_OWN,
        FEED_KEY_MANAGE_ANY,
        LICENSE_READ,
        LICENSE_READ_ANY,
        LICENSE_REVOKE,
        API_DESCRIBE,
        ARTICLE_CORRECT,
        ARTICLE_KILL,
        NOTICE_READ,
        NOTICE_READ_ANY,
        NOTICE_ACKNOWLEDGE,
        COMMENT_MODERATE,
        API_TOKEN_MANAGE_OWN,
        API_TOKEN_MANAGE_ANY,
        WEBHOOK_MANAGE,
        PICKUPS_READ,
    }
)
# What only a partner does for its own publisher: the desk does not act on its behalf.
PARTNER_ONLY: frozenset[str] = frozenset({NOTICE_ACKNOWLEDGE, WEBHOOK_MANAGE, PICKUPS_READ})

# Principal kinds: an anonymous caller, a feed key, or a user's API token by role.
ANONYMOUS = "anonymous"
FEED_KEY = "feed_key"
STAFF = "staff"
PARTNER = "partner"

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    ANONYMOUS: frozenset({LICENSE_REQUEST_CREATE, API_DESCRIBE}),
    # A feed key reads what its publisher's licences cover, nothing else.
    FEED_KEY: frozenset({ARTICLE_READ, API_DESCRIBE}),
    PARTNER: frozenset(
        {
            LICENSE_REQUEST_CREATE,
            LICENSE_REQUEST_READ,
            ARTICLE_READ,
            FEED_KEY_MANAGE_OWN,
            LICENSE_READ,
            API_DESCRIBE,
            NOTICE_READ,
            NOTICE_ACKNOWLEDGE,
            API_TOKEN_MANAGE_OWN,
            WEBHOOK_MANAGE,
            PICKUPS_READ,
        }
    ),
    STAFF: ALL_PERMISSIONS - PARTNER_ONLY,
}

PERMISSION_ATTRIBUTE = "_api_permission"
BODY_ATTRIBUTE = "_api_body"

F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str, *, body: str = "json") -> Callable[[F], F]:
    """Declare the permission a view needs and the body it accepts (``json`` or ``multipart``).

    Only annotates the view; :func:`syndicate.api.auth.enforce` does the checking.
    """
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    if body not in {"json", "multipart"}:
        raise ValueError(f"unknown body kind {body!r}")

    def mark(view: F) -> F:
        setattr(view, PERMISSION_ATTRIBUTE, permission)
        setattr(view, BODY_ATTRIBUTE, body)
        return view

    return mark


def required_permission(view: Callable[..., Any] | None) -> str | None:
    """The permission declared on ``view``, if any."""
    return getattr(view, PERMISSION_ATTRIBUTE, None)


def accepted_body(view: Callable[..., Any] | None) -> str:
    """The body kind declared on ``view`` (``json`` unless said otherwise)."""
    return getattr(view, BODY_ATTRIBUTE, "json")
