"""Operating the service: liveness and readiness probes, the outbox worker's heartbeat and
Prometheus metrics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Add ``/healthz``, ``/readyz`` and the metrics path, and count every request.

    Call it before the page cache and the feed fast path are installed: they wrap the
    request counter and count the answers they give themselves (:data:`.metrics.TALLY`).
    """
    from syndicate.ops import metrics
    from syndicate.ops.health import bp

    app.register_blueprint(bp)
    metrics.install(app)
