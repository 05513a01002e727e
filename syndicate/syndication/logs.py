"""Keep feed keys out of log lines, whatever server or logger writes them."""

from __future__ import annotations

import logging
import re

from licenses.keys import FEED_KEY_PREFIX

_QUERY_KEY = re.compile(r"([?&](?:key|access_token)=)[^&\s\"']*", re.IGNORECASE)
_BARE_KEY = re.compile(re.escape(FEED_KEY_PREFIX) + r"[A-Za-z0-9_\-]+")
REDACTED = "[redacted]"
# Loggers that print request lines: Werkzeug's development server and gunicorn.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """``text`` with ``key=`` query values and anything shaped like a feed key removed."""
    return _BARE_KEY.sub(FEED_KEY_PREFIX + REDACTED, _QUERY_KEY.sub(r"\1" + REDACTED, text))


class RedactFeedKeys(logging.Filter):
    """A logging filter that rewrites each record's message without feed keys."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the formatted message in place; never drops the record."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def install() -> None:
    """Attach the filter to every request logger (once)."""
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactFeedKeys) for f in logger.filters):
            logger.addFilter(RedactFeedKeys())
