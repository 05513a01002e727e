"""Who is calling: bearer credentials to a principal, and the one permission check.

Only the ``Authorization: Bearer`` header authenticates the API. Cookies are never
read here, so a signed-in browser session cannot act through the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, request
from werkzeug.wrappers import Response

from licenses.keys import (
    FEED_KEY_PREFIX,
    authenticate_feed_key,
    record_feed_key_use,
    use_due,
)
from licenses.models import FeedKey
from syndicate.accounts.models import Role, User
from syndicate.accounts.services import API_TOKEN_PREFIX, api_token_for, record_api_token_use
from syndicate.api import permissions as perms
from syndicate.api.jsonio import ApiError, read_body
from syndicate.orm import utcnow
from syndicate.web.db import db_session, write_apart
from syndicate.web.inputs import check_request

REALM = 'Bearer realm="syndicate-api"'


@dataclass(frozen=True)
class Principal:
    """The caller: anonymous, a user of an API token, or a publisher's feed key."""

    kind: str
    permissions: frozenset[str]
    user: User | None = None
    feed_key: FeedKey | None = None

    @property
    def is_anonymous(self) -> bool:
        """No credentials were given."""
        return self.kind == perms.ANONYMOUS

    @property
    def publisher_id(self) -> int | None:
        """The publisher the caller acts for (partners and feed keys), else ``None``."""
        if self.feed_key is not None:
            return self.feed_key.publisher_id
        if self.user is not None and self.user.role is Role.PARTNER:
            return self.user.publisher_id
        return None

    @property
    def actor_id(self) -> int | None:
        """The user to record in the audit trail."""
        return self.user.id if self.user is not None else None

    def can(self, permission: str) -> bool:
        """Whether the caller holds ``permission``."""
        return permission in self.permissions

    def owns(self, publisher_id: int | None, any_permission: str) -> bool:
        """Whether an object of ``publisher_id`` is the caller's to see (or all are)."""
        if self.can(any_permission):
            return True
        return publisher_id is not None and publisher_id == self.publisher_id


ANONYMOUS = Principal(perms.ANONYMOUS, perms.ROLE_PERMISSIONS[perms.ANONYMOUS])


def _unauthorized(message: str, invalid_token: bool = False) -> ApiError:
    challenge = REALM + (', error="invalid_token"' if invalid_token else "")
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Give the credentials as Authorization: Bearer TOKEN.", True)
    return token.strip()


def authenticate() -> Principal:
    """The principal behind the request's bearer credential; 401 for a bad one."""
    token = _bearer()
    if token is None:
        return ANONYMOUS
    session = db_session()
    now = utcnow()
    if token.startswith(API_TOKEN_PREFIX):
        api_token = api_token_for(session, token, record_use=False, now=now)
        if api_token is not None:
            if use_due(api_token.last_used_at, now):
                token_id = api_token.id
                write_apart(lambda s: record_api_token_use(s, token_id, now))
            user = api_token.user
            role = perms.STAFF if user.role is Role.STAFF else perms.PARTNER
            return Principal(role, perms.ROLE_PERMISSIONS[role], user=user)
    elif token.startswith(FEED_KEY_PREFIX):
        key = authenticate_feed_key(session, token, now, record_use=False)
        if key is not None:
            if use_due(key.last_used_at, now):
                key_id = key.id
                write_apart(lambda s: record_feed_key_use(s, key_id, now))
            return Principal(perms.FEED_KEY, perms.ROLE_PERMISSIONS[perms.FEED_KEY], feed_key=key)
    raise _unauthorized(
        "The credentials are not valid (unknown, revoked, expired or disabled).", True
    )


def current_principal() -> Principal:
    """The principal of the current API request (set by :func:`enforce`)."""
    principal: Principal = g.api_principal
    return principal


def enforce() -> Response | None:
    """The API's single enforcement point, run before every API view.

    Authenticates, checks the view's declared permission (a view without one is refused),
    then checks the path and query string against the input policy and checks and parses
    the body (the view's models then validate it: :mod:`syndicate.api.contract`).
    Anonymous callers lacking a permission get 401, signed-in ones 403.
    """
    if request.method == "OPTIONS":
        return None  # Flask's automatic answer lists the allowed methods and nothing else
    view = current_app.view_functions.get(request.endpoint or "")
    permission = perms.required_permission(view)
    principal = authenticate()
    g.api_principal = principal
    if permission is None or not principal.can(permission):
        if principal.is_anonymous:
            raise _unauthorized("This operation needs credentials: Authorization: Bearer TOKEN.")
        raise ApiError(403, "Your credentials do not allow this operation.")
    kind = perms.accepted_body(view)
    config = current_app.config
    if kind == "multipart":
        # Room for the form fields around the file itself.
        limit = int(config["UPLOADS_MAX_BYTES"]) + 64 * 1024
    else:
        limit = int(config["API_MAX_BODY_BYTES"])
    refused = check_request()
    if refused is not None:
        return refused
    read_body(kind, limit)
    return None
