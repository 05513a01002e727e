"""Layered configuration: built-in defaults, then a TOML file, then the environment.

The TOML file uses lower-case keys in sections (``[site] name = ...``); they are
flattened to Flask's upper-case names (``SITE_NAME``). :mod:`syndicate.settings` declares
every key with its type and default, and the file and the environment are validated
against it: an unknown key or a wrong type stops start-up. ``config.example.toml``
documents every key.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path
from typing import IO, Any

from syndicate.settings import Settings, SettingsError, dump, paths, validated

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


# The built-in defaults with Flask's names. A new setting is declared (type and default)
# in syndicate/settings.py and documented in config.example.toml, nowhere else.
DEFAULTS: dict[str, Any] = flatten(dump(Settings()))


def load_toml(stream: IO[bytes]) -> dict[str, Any]:
    """Loader for ``app.config.from_file``: parse TOML and flatten its sections."""
    return flatten(tomllib.load(stream))


def file_settings(path: Path | None, environ: dict[str, str]) -> dict[str, Any]:
    """The settings of the file at ``path`` (``None``: no file) and the environment's
    overrides, validated against the settings model and flattened; :class:`ConfigError`
    names the file, the section and the key at fault."""
    data: dict[str, Any] = {}
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"SYNDICATE_CONFIG points to {path}, which is not a file")
        with path.open("rb") as stream:
            try:
                data = tomllib.load(stream)
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"{path}: {exc}") from exc
    where = paths()
    sources: dict[tuple[str, ...], str] = {}
    for env_name, key in ENV_OVERRIDES.items():
        if environ.get(env_name):
            *sections, name = where[key]
            table = data
            for section in sections:
                table = table.setdefault(section, {})
            if isinstance(table, dict):
                table[name] = environ[env_name]
                sources[where[key]] = env_name
    try:
        settings = validated(data, origin=str(path or "the environment"), sources=sources)
    except SettingsError as exc:
        raise ConfigError(str(exc)) from None
    return flatten(dump(settings))


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
    config_file = os.environ.get("SYNDICATE_CONFIG")
    settings = file_settings(Path(config_file) if config_file else None, dict(os.environ))
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
