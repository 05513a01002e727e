"""``/healthz`` (the process answers) and ``/readyz`` (it can do its work).

``/healthz`` touches nothing: a load balancer restarts a process that stops answering it.
``/readyz`` checks the database answers, its schema is at the migrations' head, and the
outbox worker has sent a heartbeat within ``HEALTH_WORKER_MAX_AGE_SECONDS``; it answers 503
naming what fails, so a deployment waits for it and traffic moves away from an instance
that cannot serve. Both are public, never cached, and say nothing beyond ok or failing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from syndicate.ops.heartbeat import last_heartbeat
from syndicate.orm import utcnow
from syndicate.web.db import database

bp = Blueprint("ops", __name__)


def _no_store(response: Response, status: int = 200) -> Response:
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz() -> Response:
    """Liveness: the process is up and answering. No database, no other dependency."""
    return _no_store(Response("ok\n", mimetype="text/plain"))


def migration_heads(app: Flask) -> frozenset[str]:
    """The revisions the migration scripts end at (read once per process)."""
    heads: frozenset[str] | None = app.extensions.get("ops.migration_heads")
    if heads is None:
        from syndicate.migrate import current_heads

        heads = frozenset(current_heads(str(app.config["DATABASE_URL"])))
        app.extensions["ops.migration_heads"] = heads
    return heads


def _read(work: Any) -> Any:
    """Run ``work(session)`` in a short read-only session of its own."""
    with database().session() as session:
        try:
            return work(session)
        finally:
            session.rollback()


def readiness(app: Flask) -> dict[str, str]:
    """Each readiness check and its outcome: ``ok``, or a word saying what is wrong."""
    checks = {"database": "failing", "migrations": "unknown", "worker": "unknown"}
    try:
        _read(lambda session: session.execute(text("SELECT 1")).scalar_one())
    except SQLAlchemyError:
        current_app.logger.warning("readiness: the database does not answer", exc_info=True)
        return checks
    checks["database"] = "ok"
    try:
        revisions = _read(
            lambda session: frozenset(
                session.execute(text("SELECT version_num FROM alembic_version")).scalars()
            )
        )
    except SQLAlchemyError:
        checks["migrations"] = "missing"
        return checks
    checks["migrations"] = "ok" if revisions == migration_heads(app) else "behind"
    try:
        beat = _read(last_heartbeat)
    except SQLAlchemyError:
        return checks
    max_age = timedelta(seconds=float(app.config["HEALTH_WORKER_MAX_AGE_SECONDS"]))
    if beat is None:
        checks["worker"] = "never"
    else:
        checks["worker"] = "ok" if utcnow() - beat.at <= max_age else "stale"
    return checks


@bp.route("/readyz")
def readyz() -> Response:
    """Readiness: 200 when the database, the schema and the outbox worker are ready, 503
    naming the failing checks otherwise."""
    checks = readiness(current_app._get_current_object())  # type: ignore[attr-defined]
    ready = all(outcome == "ok" for outcome in checks.values())
    body: dict[str, Any] = {"status": "ready" if ready else "not ready", "checks": checks}
    return _no_store(jsonify(body), 200 if ready else 503)
