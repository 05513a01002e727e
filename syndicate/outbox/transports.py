"""Transports built from the configuration."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from syndicate.outbox.delivery import MailSettings, Transport, make_transport


def mail_settings(config: Mapping[str, Any]) -> MailSettings:
    """Mail settings from the ``[mail]`` section."""
    return MailSettings(
        sender=config["MAIL_FROM"],
        backend=config["MAIL_BACKEND"],
        directory=Path(config["MAIL_DIRECTORY"]),
        host=config["MAIL_SMTP_HOST"],
        port=int(config["MAIL_SMTP_PORT"]),
        username=config["MAIL_SMTP_USERNAME"],
        password=config["MAIL_SMTP_PASSWORD"],
        starttls=bool(config["MAIL_SMTP_STARTTLS"]),
    )


def transports_from_config(config: Mapping[str, Any]) -> dict[str, Transport]:
    """One transport per outbox channel."""
    return {"email": make_transport(mail_settings(config))}
