"""Console pages for partner publishers: their licences and feed keys, and key revocation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from licenses.keys import revoke_feed_key
from licenses.models import FeedKey, License, Publisher, PublisherStatus
from syndicate.accounts.models import User
from syndicate.staff.blueprint import bp
from syndicate.staff.licensing_forms import ConfirmForm
from syndicate.staff.listing import like_pattern
from syndicate.staff.permissions import FEED_KEY_REVOKE, PUBLISHER_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers

SEARCH_MAX = 200


def _load(publisher_id: int) -> Publisher:
    found = db_session().get(Publisher, publisher_id)
    if found is None:
        abort(404)
    return found


@bp.route("/publishers")
@requires(PUBLISHER_VIEW)
@without_page_numbers
def publisher_list() -> str:
    """Partner publishers by name, with counts of licences and live keys."""
    session = db_session()
    query = " ".join(request.args.get("q", "").split())[:SEARCH_MAX]
    status = request.args.get("status", "")
    if status not in {s.value for s in PublisherStatus}:
        status = ""
    statement = select(Publisher)
    if status:
        statement = statement.where(Publisher.status == PublisherStatus(status))
    if query:
        pattern = like_pattern(query)
        statement = statement.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Publisher.name, Publisher.website, Publisher.contact_email)
                )
            )
        )
    page = keyset_list(statement, Publisher.name, Publisher.id, descending=False)
    ids = [p.id for p in page.items]
    licence_counts = dict(
        session.execute(
            select(License.publisher_id, func.count(License.id))
            .where(License.publisher_id.in_(ids))
            .group_by(License.publisher_id)
        ).all()
    )
    key_counts = dict(
        session.execute(
            select(FeedKey.publisher_id, func.count(FeedKey.id))
            .where(FeedKey.publisher_id.in_(ids), FeedKey.revoked_at.is_(None))
            .group_by(FeedKey.publisher_id)
        ).all()
    )
    return render_template(
        "staff/licensing/publishers.html",
        page=page,
        query=query,
        status=status,
        statuses=[s.value for s in PublisherStatus],
        licence_counts=licence_counts,
        key_counts=key_counts,
    )


@bp.route("/publishers/<int:publisher_id>")
@requires(PUBLISHER_VIEW)
def publisher_detail(publisher_id: int) -> str:
    """A publisher: contact details, users, licences and feed keys."""
    session = db_session()
    publisher = _load(publisher_id)
    keys = session.scalars(
        select(FeedKey)
        .where(FeedKey.publisher_id == publisher.id)
        .order_by(FeedKey.created_at.desc(), FeedKey.id.desc())
    ).all()
    users = session.scalars(
        select(User).where(User.publisher_id == publisher.id).order_by(User.email)
    ).all()
    return render_template(
        "staff/licensing/publisher.html",
        publisher=publisher,
        keys=keys,
        users=users,
        action_form=ConfirmForm(formdata=None),
    )


@bp.route("/publishers/<int:publisher_id>/keys/<int:key_id>/revoke", methods=["POST"])
@requires(FEED_KEY_REVOKE)
def publisher_key_revoke(publisher_id: int, key_id: int) -> Response:
    """Revoke one of the publisher's feed keys; the next request with it is refused."""
    publisher = _load(publisher_id)
    key = db_session().get(FeedKey, key_id)
    if key is None or key.publisher_id != publisher.id:
        abort(404)
    if not ConfirmForm().validate():
        abort(400)
    if key.revoked_at is not None:
        flash(f"The key {key.prefix}… was already revoked.", "info")
    else:
        actor_id: int = current_user.id
        revoke_feed_key(db_session(), key, actor_id=actor_id)
        flash(f"The key {key.prefix}… is revoked; it stops working at once.", "success")
    return redirect(url_for("staff.publisher_detail", publisher_id=publisher.id) + "#keys", 303)
