"""Flask extensions: login, CSRF and rate limits."""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_login.config import COOKIE_NAME
from flask_wtf import CSRFProtect


class _LoginManager(LoginManager):
    """Flask-Login's manager, deleting the remember-me cookie with the attributes it was set
    with (Flask-Login clears it with a bare ``Set-Cookie``, without ``Secure`` or ``HttpOnly``),
    and checking session protection only on sessions that hold a user."""

    def _clear_cookie(self, response: Response) -> None:
        config = current_app.config
        response.delete_cookie(
            config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            secure=bool(config.get("REMEMBER_COOKIE_SECURE", False)),
            httponly=bool(config.get("REMEMBER_COOKIE_HTTPONLY", True)),
            samesite=config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
        )

    def _session_protection_failed(self) -> bool:
        # The check guards a signed-in session. Flask-Login also runs it on an anonymous one
        # (which holds just a CSRF token after a form was shown), "fails" it on every request
        # and rewrites both cookies each time, on pages that shared caches may keep.
        if "_user_id" not in session:
            return False
        return bool(super()._session_protection_failed())


login_manager = _LoginManager()
login_manager.session_protection = "strong"
login_manager.login_view = "accounts.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

csrf = CSRFProtect()


def client_address() -> str:
    """The rate-limit key: the client's address as far as the trusted proxies tell it.

    ``create_app`` wraps the application in ProxyFix only when ``TRUSTED_PROXIES`` > 0, and
    then takes that many hops from the right of X-Forwarded-For; with 0 the header is ignored,
    so a forged one cannot move a client to a fresh counter.
    """
    return request.remote_addr or "unknown"


# Counters live in RATELIMIT_STORAGE_URI: memory per process, or Redis shared by every worker.
limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)
# Each application's own ``[ratelimit] enabled``. The one Limiter serves every application in
# the process and takes its on/off switch from the last one initialised, so it stays on and
# asks the application that answers.
LIMITS_ON = "SYNDICATE_RATE_LIMITS_ON"


def rate_limited_here() -> bool:
    """Whether the current application applies its rate limits."""
    return bool(current_app.config.get(LIMITS_ON, True))


@limiter.request_filter
def _limits_off_here() -> bool:
    return not rate_limited_here()


def init_extensions(app: Flask) -> None:
    """Bind the extensions to ``app`` and install the user loader."""
    from syndicate.accounts.services import user_by_session_token
    from syndicate.web.db import db_session

    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    app.config[LIMITS_ON] = bool(app.config.get("RATELIMIT_ENABLED", True))
    app.config["RATELIMIT_ENABLED"] = True
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(token: str):
        return user_by_session_token(db_session(), token)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from flask import abort, redirect, url_for

        if request.path.startswith("/api/"):
            abort(401)
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
