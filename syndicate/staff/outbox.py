"""The outbox in the console, in development only: every queued message and how it fared.

A developer reads the invitation, the decision or the notice here, with working links,
instead of digging it out of ``instance/mail``; production keeps its mail where it is sent.
"""

from __future__ import annotations

import contextlib
import json

from flask import abort, current_app, render_template, request
from sqlalchemy import select

from syndicate.outbox.models import MessageStatus, OutboxMessage
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import OUTBOX_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers

PER_PAGE = 50
CHANNELS = ("email", "webhook", "websub")


def outbox_shown() -> bool:
    """Whether this installation shows the outbox page (every configuration but production)."""
    return current_app.config["ENV"] != "production"


@bp.route("/outbox")
@requires(OUTBOX_VIEW)
@without_page_numbers
def outbox_list() -> str:
    """Every outbox message, newest first, filtered by channel and state."""
    if not outbox_shown():
        abort(404)
    channel = request.args.get("channel", "")
    status = request.args.get("status", "")
    statement = select(OutboxMessage)
    if channel in CHANNELS:
        statement = statement.where(OutboxMessage.channel == channel)
    states = {s.value: s for s in MessageStatus}
    if status in states:
        statement = statement.where(OutboxMessage.status == states[status])
    page = keyset_list(statement, None, OutboxMessage.id, per_page=PER_PAGE)
    return render_template(
        "staff/outbox/list.html",
        page=page,
        channels=CHANNELS,
        states=list(MessageStatus),
        filters={
            "channel": channel if channel in CHANNELS else "",
            "status": status if status in states else "",
        },
    )


@bp.route("/outbox/<int:message_id>")
@requires(OUTBOX_VIEW)
def outbox_message(message_id: int) -> str:
    """One message: its state, attempts, last error and the body as it is (or was) sent."""
    if not outbox_shown():
        abort(404)
    message = db_session().get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    body = message.body
    if message.channel == "webhook":
        with contextlib.suppress(ValueError):
            body = json.dumps(json.loads(body), indent=2, ensure_ascii=False, sort_keys=True)
    return render_template("staff/outbox/message.html", message=message, body=body)
