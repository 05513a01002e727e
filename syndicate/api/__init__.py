"""The JSON API under ``/api/v1``: licensing, articles, images, feed keys, licences, the
newswire (embargoes, corrections, kills, notices), API tokens and comment moderation."""

from __future__ import annotations

from syndicate.api import (  # noqa: F401 - importing the modules registers their routes
    articles,
    describe,
    desk,
    feed_keys,
    images,
    license_requests,
    licenses,
    newswire,
    partner,
)
from syndicate.api.blueprint import bp

__all__ = ["bp"]
