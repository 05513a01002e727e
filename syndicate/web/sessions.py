"""Idle and absolute limits on a signed-in session.

Two times live in the (signed) session cookie: ``signed_in_at``, stamped at every password
sign-in (the same key the staff console's fresh-login check reads), and ``last_seen``,
refreshed as the user makes requests. Because both travel inside the cookie, a copy of an
old cookie carries its old times and expires on its own, wherever it is replayed.

A session restored from the "remember me" cookie starts a new session: it is stamped when it
is restored, bound to the browser as a sign-in is (so "strong" session protection keeps it on
the next request), and is never "fresh" for the console's decisions. When a limit is exceeded the
user is signed out on this device: the session and the "remember me" cookie are cleared.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Flask, current_app, flash, request, session
from flask_login import current_user, logout_user, user_loaded_from_cookie, user_logged_in

SIGNED_IN_AT = "signed_in_at"
LAST_SEEN = "last_seen"
# ``last_seen`` is rewritten at most this often, so the cookie does not change on every request.
TOUCH_INTERVAL_SECONDS = 60


def _now() -> int:
    return int(time.time())


def _stamp_sign_in(_sender: Any, **_extra: Any) -> None:
    now = _now()
    session[SIGNED_IN_AT] = now
    session[LAST_SEEN] = now


def _stamp_restore(sender: Any, **extra: Any) -> None:
    # Flask-Login records the session's identifier (``_id``) when a password sign-in starts a
    # session, but not when the "remember me" cookie restores one; with "strong" protection
    # the next request then sees an identifier that does not match, empties the session and
    # deletes the remember cookie. Record it here, as a sign-in does.
    session["_id"] = current_app.login_manager._session_identifier_generator()  # type: ignore[attr-defined]
    _stamp_sign_in(sender, **extra)


def expired_reason(started: object, seen: object, now: int) -> str | None:
    """Why a session with these stamps has ended at ``now``, or ``None`` while it is live."""
    config = current_app.config
    idle = int(config["SESSION_IDLE_MINUTES"]) * 60
    absolute = int(config["SESSION_ABSOLUTE_HOURS"]) * 3600
    if isinstance(started, int) and now - started > absolute:
        return "absolute"
    if isinstance(seen, int) and now - seen > idle:
        return "idle"
    return None


def enforce_session_limits() -> None:
    """Sign the user out when the session has been idle or alive for too long.

    Runs before every request; anonymous visitors and the API (which never reads cookies)
    are not touched.
    """
    if request.blueprint == "api" or not current_user.is_authenticated:
        return
    now = _now()
    started = session.get(SIGNED_IN_AT)
    seen = session.get(LAST_SEEN)
    reason = expired_reason(started, seen, now)
    if reason is not None:
        logout_user()
        session.pop(SIGNED_IN_AT, None)
        session.pop(LAST_SEEN, None)
        if reason == "idle":
            flash("You were signed out after a period without activity.", "info")
        else:
            flash("Your session has ended. Please sign in again.", "info")
        return
    if not isinstance(started, int):
        # A sign-in from before these stamps existed: start counting now.
        session[SIGNED_IN_AT] = now
    if not isinstance(seen, int) or now - seen >= TOUCH_INTERVAL_SECONDS:
        session[LAST_SEEN] = now


def init_app(app: Flask) -> None:
    """Stamp sign-ins and restores, and check the limits before every request."""
    user_logged_in.connect(_stamp_sign_in, app)
    user_loaded_from_cookie.connect(_stamp_restore, app)
    app.before_request(enforce_session_limits)
