"""Layered configuration: built-in defaults, then a TOML file, then the environment.

The TOML file uses lower-case keys in sections (``[site] name = ...``); they are
flattened to Flask's upper-case names (``SITE_NAME``). ``config.example.toml``
documents every key.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import IO, Any

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": "",
    "DATABASE_URL": "",
    "DATABASE_ECHO": False,
    "SITE_NAME": "The Lantern Desk",
    "SITE_TAGLINE": "Independent reporting, free to republish",
    "SITE_BASE_URL": "",
    "SITE_LICENSING_EMAIL": "licensing@lanterndesk.example",
    "SITE_ATTRIBUTION": (
        "This story was produced by The Lantern Desk, a non-profit newsroom. It is free to "
        "republish for eligible publishers under our standard terms. For licensing enquiries, "
        "write to {licensing_email}."
    ),
    "SITE_PAGE_SIZE": 20,
    "SITE_CACHE_MAX_AGE": 60,
    "SITE_PAGE_CACHE": True,
    "SITE_PAGE_CACHE_MAX_BYTES": 32 * 1024 * 1024,
    "SITE_PAGE_CACHE_MAX_AGE_SECONDS": 60,
    "FEEDS_PARTNER_ITEMS": 50,
    "FEEDS_TTL_MINUTES": 15,
    "FEEDS_WEBSUB_HUB": "",
    "FEEDS_CACHE_MAX_BYTES": 64 * 1024 * 1024,
    "FEEDS_FAST_PATH": True,
    "CACHE_VERSION_POLL_MS": 20,
    "CACHE_VERSION_TRUST_MS": 50,
    "UPLOADS_MAX_BYTES": 15 * 1024 * 1024,
    "UPLOADS_MAX_PIXELS": 40_000_000,
    "UPLOADS_RENDITION_WIDTHS": [480, 960, 1600],
    "UPLOADS_JPEG_QUALITY": 84,
    "MEDIA_DIR": "",
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
    "SESSION_IDLE_MINUTES": 60,
    "SESSION_ABSOLUTE_HOURS": 12,
    "PERMANENT_SESSION_LIFETIME": 12 * 3600,
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": 3600 * 8,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_LOGIN": "10 per minute",
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_APPLY": "5 per minute;50 per day",
    "RATELIMIT_API": "300 per minute",
    "RATELIMIT_COMMENTS": "5 per minute;30 per hour",
    "RATELIMIT_PIXEL": "300 per minute",
    "COMMENTS_CLOSE_AFTER_DAYS": 30,
    "COMMENTS_RESERVED_NAMES": [],
    "API_MAX_BODY_BYTES": 65536,
    "PASSWORD_MIN_LENGTH": 12,
    "AUTH_FRESH_LOGIN_SECONDS": 900,
    "AUTH_MAX_FAILED_PASSWORDS": 5,
    "AUTH_LOCKOUT_MINUTES": 15,
    "TRUSTED_PROXIES": 0,
    "ELIGIBILITY_MIN_MONTHLY_AUDIENCE": 10_000,
    "ELIGIBILITY_ACCEPTED_OUTLET_TYPES": [
        "newspaper",
        "magazine",
        "online",
        "broadcaster",
        "nonprofit",
        "newsletter",
    ],
    "ELIGIBILITY_BLOCKED_DOMAINS": [],
    "ELIGIBILITY_AUTO_APPROVE": False,
    "MAIL_BACKEND": "file",
    "MAIL_FROM": "The Lantern Desk <no-reply@lanterndesk.example>",
    "MAIL_DIRECTORY": "",
    "MAIL_STAFF_NOTICES_TO": "",
    "MAIL_SMTP_HOST": "localhost",
    "MAIL_SMTP_PORT": 25,
    "MAIL_SMTP_USERNAME": "",
    "MAIL_SMTP_PASSWORD": "",
    "MAIL_SMTP_STARTTLS": False,
    "OUTBOX_MAX_ATTEMPTS": 8,
    "WORKER_INTERVAL_SECONDS": 5,
    "NEWSWIRE_KILL_NOTICE_DAYS": 14,
    "WEBHOOKS_TIMEOUT_SECONDS": 10,
    "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": False,
    "PICKUPS_FETCH_FLUSH_SECONDS": 60,
}

ENV_OVERRIDES = {
    "SYNDICATE_DATABASE_URL": "DATABASE_URL",
    "SYNDICATE_SECRET_KEY": "SECRET_KEY",
    "SYNDICATE_ENV": "ENV",
    "SYNDICATE_MEDIA_DIR": "MEDIA_DIR",
    "SYNDICATE_BASE_URL": "SITE_BASE_URL",
}

# The port a development server answers on when nothing says otherwise (``make run``'s).
DEVELOPMENT_PORT = 5000


class ConfigError(RuntimeError):
    """The configuration cannot be used as it is; the message says why."""


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Turn ``{"site": {"name": x}}`` into ``{"SITE_NAME": x}``; top-level keys stay."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}{key}".upper()
        if isinstance(value, dict):
            flat.update(flatten(value, prefix=f"{name}_"))
        else:
            flat[name] = value
    return flat


def load_toml(stream: IO[bytes]) -> dict[str, Any]:
    """Loader for ``app.config.from_file``: parse TOML and flatten its sections."""
    return flatten(tomllib.load(stream))


def instance_path() -> Path:
    """Where local state lives: ``SYNDICATE_INSTANCE_PATH`` or ``./instance``."""
    return Path(os.environ.get("SYNDICATE_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def development_base_url() -> str:
    """The address of a development server on this machine: the loopback address and the
    port in ``PORT`` (which ``syndicate serve`` sets to the port it binds), 5000 without it."""
    port = os.environ.get("PORT", "").strip()
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        port = str(DEVELOPMENT_PORT)
    return f"http://127.0.0.1:{int(port)}"


def read_settings(
    overrides: dict[str, Any] | None = None, instance: Path | None = None
) -> dict[str, Any]:
    """Return the full settings: defaults, the TOML file, the environment, then ``overrides``.

    Usable without Flask (migrations and the CLI read it too).
    """
    instance = instance or instance_path()
    settings = dict(DEFAULTS)
    config_file = os.environ.get("SYNDICATE_CONFIG")
    if config_file:
        path = Path(config_file)
        if not path.is_file():
            raise ConfigError(f"SYNDICATE_CONFIG points to {path}, which is not a file")
        with path.open("rb") as stream:
            try:
                settings.update(load_toml(stream))
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path}: {exc}") from exc
    for env_name, key in ENV_OVERRIDES.items():
        if os.environ.get(env_name):
            settings[key] = os.environ[env_name]
    settings.update(overrides or {})
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{instance / 'syndicate.db'}"
    if not settings["MEDIA_DIR"]:
        settings["MEDIA_DIR"] = str(instance / "media")
    if not settings["MAIL_DIRECTORY"]:
        settings["MAIL_DIRECTORY"] = str(instance / "mail")
    if not settings["SITE_BASE_URL"] and settings["ENV"] != "production":
        settings["SITE_BASE_URL"] = development_base_url()
    settings["SITE_BASE_URL"] = str(settings["SITE_BASE_URL"]).rstrip("/")
    return settings


def ensure_base_url(settings: dict[str, Any]) -> None:
    """Refuse to run in production without the public address every absolute link uses."""
    if settings.get("ENV") == "production" and not settings.get("SITE_BASE_URL"):
        raise ConfigError(
            "SITE_BASE_URL is not set. Set base_url in the [site] section of the configuration "
            "file or SYNDICATE_BASE_URL in the environment; production has no default address."
        )


def ensure_secret_key(settings: dict[str, Any], instance: Path) -> None:
    """Refuse to run in production without a secret; in development keep one on disk.

    The development key is written to the instance folder so that every worker and
    every restart share it.
    """
    if settings.get("SECRET_KEY"):
        return
    if settings.get("ENV") == "production":
        raise ConfigError(
            "SECRET_KEY is not set. Set secret_key in the configuration file or "
            "SYNDICATE_SECRET_KEY in the environment; production has no fallback."
        )
    key_file = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    settings["SECRET_KEY"] = key_file.read_text().strip()
