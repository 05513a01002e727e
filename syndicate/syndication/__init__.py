"""Syndication: partner feeds, their cache and version, and pickup tracking."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the feed endpoints, the caches, the version hook and watch, log redaction and
    the fetch counter."""
    from syndicate.newswire import websub
    from syndicate.syndication import logs, version
    from syndicate.syndication.cache import store_for
    from syndicate.syndication.pixel import PixelSigner
    from syndicate.syndication.views import bp
    from syndicate.syndication.watch import SETTLE_SECONDS, watch_for

    version.install()
    watch = watch_for(app)
    app.extensions["syndicate.db"].session_info[SETTLE_SECONDS] = watch.trust_seconds
    websub.install()
    logs.install()
    store_for(app)
    app.extensions["syndication.signer"] = PixelSigner(app.config["SECRET_KEY"])
    app.register_blueprint(bp)
    from syndicate.syndication import fetches

    # The view and the fast path (installed last, by the application factory) count fetches.
    fetches.install(app)
