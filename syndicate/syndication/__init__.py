"""Syndication: partner feeds, their cache and version, and pickup tracking."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feed endpoints, the cache, the version hook and log redaction."""
    from syndicate.syndication import logs, version
    from syndicate.syndication.cache import FeedCache
    from syndicate.syndication.pixel import PixelSigner
    from syndicate.syndication.views import bp

    version.install()
    logs.install()
    app.extensions["syndication.cache"] = FeedCache(int(app.config["FEEDS_CACHE_MAX_BYTES"]))
    app.extensions["syndication.signer"] = PixelSigner(app.config["SECRET_KEY"])
    app.register_blueprint(bp)
