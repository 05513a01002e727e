"""The audit log in the console: newest first, filtered by actor, object and action."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import func, select

from syndicate.accounts.models import User
from syndicate.audit import AuditEvent
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import AUDIT_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers

FIELD_MAX = 254


def _arg(name: str) -> str:
    return request.args.get(name, "").strip()[:FIELD_MAX]


@bp.route("/audit")
@requires(AUDIT_VIEW)
@without_page_numbers
def audit_log() -> str:
    """Audit events, newest first, filtered by actor e-mail, object type and id, and action."""
    session = db_session()
    filters = {name: _arg(name) for name in ("actor", "object_type", "object_id", "action")}
    statement = select(AuditEvent)
    if filters["actor"]:
        if filters["actor"].lower() == "system":
            statement = statement.where(AuditEvent.actor_id.is_(None))
        else:
            statement = statement.where(
                AuditEvent.actor_id.in_(
                    select(User.id).where(func.lower(User.email) == filters["actor"].lower())
                )
            )
    if filters["object_type"]:
        statement = statement.where(AuditEvent.object_type == filters["object_type"])
    if filters["object_id"]:
        statement = statement.where(AuditEvent.object_id == filters["object_id"])
    if filters["action"]:
        statement = statement.where(AuditEvent.action == filters["action"])
    page = keyset_list(statement, AuditEvent.created_at, AuditEvent.id)
    actor_ids = {event.actor_id for event in page.items if event.actor_id is not None}
    actors = (
        dict(session.execute(select(User.id, User.email).where(User.id.in_(actor_ids))).all())
        if actor_ids
        else {}
    )
    actions = session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    object_types = session.scalars(
        select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)
    )
    return render_template(
        "staff/audit/log.html",
        page=page,
        filters=filters,
        actors=actors,
        actions=list(actions),
        object_types=list(object_types),
    )
