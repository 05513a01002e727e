"""The application factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from syndicate.config import ensure_base_url, ensure_secret_key, instance_path, read_settings
from syndicate.database import Database


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the web application from the layered configuration.

    ``overrides`` win over the file and the environment (tests use it).
    """
    instance = instance_path()
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    from syndicate.web.routing import IdConverter

    app.url_map.converters["int"] = IdConverter
    settings = read_settings(overrides, instance=instance)
    ensure_secret_key(settings, instance)
    ensure_base_url(settings)
    app.config.from_mapping(settings)
    app.config["SESSION_COOKIE_NAME"] = "syndicate_session"
    app.config["REMEMBER_COOKIE_NAME"] = "syndicate_remember"
    if app.config["ENV"] == "production":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.json.sort_keys = False  # type: ignore[attr-defined]

    trusted = int(app.config["TRUSTED_PROXIES"])
    if trusted > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted
        )

    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    logging.getLogger("syndicate").setLevel(logging.INFO)

    from syndicate.web import db as web_db
    from syndicate.web import errors, headers, inputs

    web_db.init_app(app, Database(app.config["DATABASE_URL"], echo=app.config["DATABASE_ECHO"]))
    errors.init_app(app)
    inputs.init_app(app)
    headers.init_app(app)

    from syndicate.extensions import init_extensions

    init_extensions(app)
    from syndicate.web import sessions as web_sessions

    web_sessions.init_app(app)

    from syndicate.accounts.views import bp as accounts_bp
    from syndicate.api import bp as api_bp
    from syndicate.comments.views import bp as comments_bp
    from syndicate.extensions import csrf
    from syndicate.media import bp as media_bp
    from syndicate.portal.views import bp as portal_bp
    from syndicate.public.views import bp as public_bp
    from syndicate.staff.views import bp as staff_bp
    from syndicate.templating import init_templating

    init_templating(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(media_bp)
    # The API authenticates only by bearer credentials, never by cookie: no CSRF exposure.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(portal_bp, url_prefix="/portal")
    from syndicate.syndication import init_app as init_syndication

    init_syndication(app)
    from syndicate.ops import init_app as init_ops
    from syndicate.syndication import fastpath
    from syndicate.web import pagecache

    # Probes and request metrics first, then the two caches that answer from memory in
    # front of them, each counting its own answers (counting costs less than the metrics
    # middleware's wrapping). The partner feed fast path goes outermost, since feed readers
    # poll far more often than people browse.
    init_ops(app)
    pagecache.install(app)
    fastpath.install(app)
    from syndicate.cli import register_commands

    register_commands(app)
    return app
