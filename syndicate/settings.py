"""The typed settings model: every setting's name, type and default, in one place.

The configuration file's layout is this model's: top-level keys, then one table per
section (``[site] name`` is ``Settings.site.name``, the Flask setting ``SITE_NAME``).
:func:`validated` checks a parsed file (and the environment's overrides) against it and
refuses an unknown key or a wrong type with a message that names the file, the section and
the key, and the nearest valid key. ``config.example.toml`` documents exactly these
settings with exactly these defaults (a test compares the two).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

SameSite = Literal["Lax", "Strict", "None"]


class Section(BaseModel):
    """A table of settings: unknown keys and loose types (``"20"`` for 20) are refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Site(Section):
    """``[site]``: the publication and its public pages."""

    name: str = "The Lantern Desk"
    tagline: str = "Independent reporting, free to republish"
    base_url: str = ""
    language: str = Field(default="en", pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
    licensing_email: str = "licensing@lanterndesk.example"
    attribution: str = (
        "This story was produced by The Lantern Desk, a non-profit newsroom. It is free to "
        "republish for eligible publishers under our standard terms. For licensing enquiries, "
        "write to {licensing_email}."
    )
    page_size: int = 20
    cache_max_age: int = 60
    page_cache: bool = True
    page_cache_max_bytes: int = 32 * 1024 * 1024
    page_cache_max_age_seconds: int = 60


class Feeds(Section):
    """``[feeds]``: partner feeds."""

    partner_items: int = 50
    ttl_minutes: int = 15
    websub_hub: str = ""
    cache_max_bytes: int = 64 * 1024 * 1024
    fast_path: bool = True


class Cache(Section):
    """``[cache]``: how workers follow the content version."""

    version_poll_ms: int = 20
    version_trust_ms: int = 50


class Uploads(Section):
    """``[uploads]``: image uploads and renditions."""

    max_bytes: int = 15 * 1024 * 1024
    max_pixels: int = 40_000_000
    rendition_widths: list[int] = Field(default_factory=lambda: [480, 960, 1600])
    jpeg_quality: int = 84


class SessionCookie(Section):
    """``[session_cookie]``."""

    secure: bool = False
    httponly: bool = True
    samesite: SameSite = "Lax"


class RememberCookie(Section):
    """``[remember_cookie]``."""

    httponly: bool = True
    samesite: SameSite = "Lax"
    duration: int = 14 * 24 * 3600


class SessionLimits(Section):
    """``[session]``: how long a signed-in session lasts."""

    idle_minutes: int = 60
    absolute_hours: int = 12


class Auth(Section):
    """``[auth]``: re-authentication and password lockout."""

    fresh_login_seconds: int = 900
    max_failed_passwords: int = 5
    lockout_minutes: int = 15


class WtfCsrf(Section):
    """``[wtf_csrf]``."""

    enabled: bool = True
    time_limit: int = 3600 * 8


class RateLimit(Section):
    """``[ratelimit]``: Flask-Limiter's storage and the limits of each surface."""

    storage_uri: str = "memory://"
    key_prefix: str = ""
    login: str = "10 per minute"
    enabled: bool = True
    apply: str = "5 per minute;50 per day"
    api: str = "300 per minute"
    comments: str = "5 per minute;30 per hour"
    pixel: str = "300 per minute"
    search: str = "30 per minute;600 per hour"


class Comments(Section):
    """``[comments]``."""

    close_after_days: int = 30
    reserved_names: list[str] = Field(default_factory=list)


class Eligibility(Section):
    """``[eligibility]``: who qualifies for the standard licence."""

    min_monthly_audience: int = 10_000
    accepted_outlet_types: list[str] = Field(
        default_factory=lambda: [
            "newspaper",
            "magazine",
            "online",
            "broadcaster",
            "nonprofit",
            "newsletter",
        ]
    )
    blocked_domains: list[str] = Field(default_factory=list)
    auto_approve: bool = False


class Mail(Section):
    """``[mail]``: how e-mail leaves."""

    backend: Literal["file", "smtp"] = "file"
    from_: str = Field(default="The Lantern Desk <no-reply@lanterndesk.example>", alias="from")
    directory: str = ""
    staff_notices_to: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False


class Outbox(Section):
    """``[outbox]``."""

    max_attempts: int = 8


class Worker(Section):
    """``[worker]``."""

    interval_seconds: int = 5


class Newswire(Section):
    """``[newswire]``."""

    kill_notice_days: int = 14


class Webhooks(Section):
    """``[webhooks]``."""

    timeout_seconds: int = 10
    allow_private_addresses: bool = False


class Pickups(Section):
    """``[pickups]``."""

    fetch_flush_seconds: int = 60


class Metrics(Section):
    """``[metrics]``: the Prometheus endpoint and who may read it."""

    path: str = "/metrics"
    allowed_addresses: list[str] = Field(default_factory=list)
    token_sha256: str = ""
    flush_seconds: int = 1


class Health(Section):
    """``[health]``."""

    worker_max_age_seconds: int = 60


class Settings(Section):
    """The whole configuration file: top-level keys, then its sections."""

    env: Literal["development", "production"] = "development"
    secret_key: str = ""
    database_url: str = ""
    database_echo: bool = False
    media_dir: str = ""
    trusted_proxies: int = 0
    max_content_length: int = 16 * 1024 * 1024
    permanent_session_lifetime: int = 12 * 3600
    password_min_length: int = 12
    api_max_body_bytes: int = 65536

    site: Site = Field(default_factory=Site)
    feeds: Feeds = Field(default_factory=Feeds)
    cache: Cache = Field(default_factory=Cache)
    uploads: Uploads = Field(default_factory=Uploads)
    session_cookie: SessionCookie = Field(default_factory=SessionCookie)
    remember_cookie: RememberCookie = Field(default_factory=RememberCookie)
    session: SessionLimits = Field(default_factory=SessionLimits)
    auth: Auth = Field(default_factory=Auth)
    wtf_csrf: WtfCsrf = Field(default_factory=WtfCsrf)
    ratelimit: RateLimit = Field(default_factory=RateLimit)
    comments: Comments = Field(default_factory=Comments)
    eligibility: Eligibility = Field(default_factory=Eligibility)
    mail: Mail = Field(default_factory=Mail)
    outbox: Outbox = Field(default_factory=Outbox)
    worker: Worker = Field(default_factory=Worker)
    newswire: Newswire = Field(default_factory=Newswire)
    webhooks: Webhooks = Field(default_factory=Webhooks)
    pickups: Pickups = Field(default_factory=Pickups)
    metrics: Metrics = Field(default_factory=Metrics)
    health: Health = Field(default_factory=Health)


class SettingsError(ValueError):
    """The configuration does not fit the model; the message names each key at fault."""


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    """The file's names of ``model``'s fields (aliases where given), with their annotations."""
    return {info.alias or name: info.annotation for name, info in model.model_fields.items()}


def sections() -> dict[str, type[Section]]:
    """Each section's name in the file, with its model."""
    return {
        name: annotation
        for name, annotation in _keys(Settings).items()
        if isinstance(annotation, type) and issubclass(annotation, Section)
    }


def paths() -> dict[str, tuple[str, ...]]:
    """Every setting's Flask name (``SITE_NAME``) with its place in the file
    (``("site", "name")``; a top-level key alone)."""
    found: dict[str, tuple[str, ...]] = {}
    tables = sections()
    for name in _keys(Settings):
        if name in tables:
            for key in _keys(tables[name]):
                found[f"{name}_{key}".upper()] = (name, key)
        else:
            found[name.upper()] = (name,)
    return found


def dump(settings: Settings) -> dict[str, Any]:
    """The file-shaped values of ``settings`` (``{"site": {"name": ...}, "env": ...}``)."""
    return settings.model_dump(by_alias=True)


def _where(location: tuple[str, ...]) -> str:
    if len(location) == 1:
        return f'key "{location[0]}" at the top level'
    return f'key "{".".join(location[1:])}" in section [{location[0]}]'


def _nearest(location: tuple[str, ...]) -> str:
    """``did you mean …`` for an unknown key, or the keys that exist there."""
    name = location[-1]
    tables = sections()
    candidates = list(_keys(tables[location[0]] if len(location) > 1 else Settings))
    close = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    if close:
        key = close[0]
        shown = f"[{key}]" if len(location) == 1 and key in tables else f'"{key}"'
        return f"did you mean {shown}?"
    if len(location) == 1:
        homes = [section for section, model in tables.items() if name in _keys(model)]
        if homes:
            return f'did you mean "{name}" in section [{homes[0]}]?'
    return "valid keys here: " + ", ".join(candidates)


def _problem(error: Mapping[str, Any], sources: Mapping[tuple[str, ...], str]) -> str:
    location = tuple(str(part) for part in error["loc"])
    where = _where(location)
    named = sources.get(location)
    if error["type"] == "extra_forbidden":
        if len(location) == 1 and isinstance(error.get("input"), dict):
            return f"unknown section [{location[0]}]; {_nearest(location)}"
        return f"unknown {where}; {_nearest(location)}"
    if error["type"] in {"model_type", "model_attributes_type"}:
        return f"[{location[0]}] must be a table of settings, not {error['input']!r}"
    message = f"{where}: {error['msg']}, not {error['input']!r}"
    return (
        f"{named} (which sets {where}): {error['msg']}, not {error['input']!r}"
        if named
        else message
    )


def validated(
    data: Mapping[str, Any], *, origin: str, sources: Mapping[tuple[str, ...], str] | None = None
) -> Settings:
    """``data`` (file-shaped) as :class:`Settings`, or :class:`SettingsError` naming
    ``origin`` (the file) and each key at fault. ``sources`` names the environment variable
    behind a value that came from there."""
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = [_problem(error, sources or {}) for error in exc.errors(include_url=False)]
        raise SettingsError(f"{origin}: " + "; ".join(problems)) from None
