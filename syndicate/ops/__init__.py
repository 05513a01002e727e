"""Operating the service: liveness and readiness probes, the outbox worker's heartbeat and
Prometheus metrics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add ``/healthz``, ``/readyz`` and the metrics path, and count every request.

    Call it after every other middleware is installed: the request counter wraps them all, so
    answers the page cache and the feed fast path give below Flask are counted too.
    """
    from syndicate.ops import metrics
    from syndicate.ops.health import bp

    app.register_blueprint(bp)
    metrics.install(app)
