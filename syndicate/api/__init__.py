"""The JSON API under ``/api/v1``: licensing, articles, images, feed keys and licences."""

from __future__ import annotations

from syndicate.api import (  # noqa: F401 - importing the modules registers their routes
    articles,
    feed_keys,
    images,
    license_requests,
    licenses,
    openapi,
)
from syndicate.api.blueprint import bp

__all__ = ["bp"]
