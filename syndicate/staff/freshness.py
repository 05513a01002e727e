"""A "fresh" sign-in: a password entered within the last few minutes.

Decisions and licence changes ask for one. The time of every password sign-in is kept
in the Flask session; a session restored from the remember-me cookie has none, so it
is never fresh.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask_login import login_fresh, user_logged_in

from syndicate.web.inputs import url_problem

SIGNED_IN_AT = "signed_in_at"


def mark_fresh() -> None:
    """Record that the current user has just entered their password."""
    session[SIGNED_IN_AT] = int(time.time())


def is_fresh() -> bool:
    """Whether the current session signed in with a password recently enough."""
    stamp = session.get(SIGNED_IN_AT)
    if not login_fresh() or not isinstance(stamp, int):
        return False
    window = int(current_app.config["AUTH_FRESH_LOGIN_SECONDS"])
    return 0 <= time.time() - stamp <= window


def _stamp_sign_in(_sender: Any, **_extra: Any) -> None:
    # Flask-Login sends this for login_user() only, never for a remember-me restore.
    mark_fresh()


def connect(app: Flask) -> None:
    """Stamp the session whenever a user signs in with a password on ``app``."""
    user_logged_in.connect(_stamp_sign_in, app)


def same_site_path(target: str | None) -> str | None:
    """``target`` reduced to a local path (with its query), or ``None`` if it leaves the site."""
    if not target or url_problem(target):
        return None
    parts = urlsplit(target)
    if parts.netloc and parts.netloc != request.host:
        return None
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def return_path() -> str | None:
    """Where to come back after re-authenticating: this page, or the form's page for a POST."""
    if request.method in ("GET", "HEAD"):
        return request.full_path.rstrip("?")
    return same_site_path(request.referrer)
