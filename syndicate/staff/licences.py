"""Console pages for licences: the list, ending soon, one licence and its changes."""

from __future__ import annotations

from datetime import UTC, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from licenses.licences import (
    LicenseConflict,
    LicenseError,
    renew_licence,
    resume_licence,
    revoke_licence,
    suspend_licence,
)
from licenses.models import FeedKey, License, LicenseKind, LicenseStatus, Publisher
from licenses.queries import LicenceFilters, licence_list
from syndicate.accounts.models import User
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.licensing_display import naive_utc
from syndicate.staff.licensing_forms import ConfirmForm, ReasonForm, RenewForm, RevokeForm
from syndicate.staff.permissions import LICENSE_MANAGE, LICENSE_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers

Page = tuple[str, int]

ENDING_SOON = timedelta(days=30)


def _actor_id() -> int:
    user_id: int = current_user.id
    return user_id


def _load(licence_id: int) -> License:
    found = db_session().get(License, licence_id)
    if found is None:
        abort(404)
    return found


@bp.route("/licences")
@requires(LICENSE_VIEW)
@without_page_numbers
def licence_list_page() -> str:
    """Licences filtered by status, kind and publisher; ``view=ending-soon`` for renewals."""
    session = db_session()
    args = request.args
    raw = {
        "status": args.get("status", ""),
        "kind": args.get("kind", ""),
        "publisher": args.get("publisher", ""),
        "view": args.get("view", ""),
    }
    if raw["status"] not in {s.value for s in LicenseStatus}:
        raw["status"] = ""
    if raw["kind"] not in {k.value for k in LicenseKind}:
        raw["kind"] = ""
    publishers = list(session.scalars(select(Publisher).order_by(Publisher.name)))
    publisher_id = next((p.id for p in publishers if p.slug == raw["publisher"]), None)
    if publisher_id is None:
        raw["publisher"] = ""
    ending = raw["view"] == "ending-soon"
    if not ending:
        raw["view"] = ""
    filters = LicenceFilters(
        status=LicenseStatus(raw["status"]) if raw["status"] else None,
        kind=LicenseKind(raw["kind"]) if raw["kind"] else None,
        publisher_id=publisher_id,
        ending_within=ENDING_SOON if ending else None,
    )
    # Ending soon: soonest end first; otherwise newest first (the order licence_list gives).
    key, descending = (License.ends_at, False) if ending else (License.created_at, True)
    page = keyset_list(licence_list(filters, utcnow()), key, License.id, descending=descending)
    return render_template(
        "staff/licensing/licences.html",
        page=page,
        filters=raw,
        publishers=publishers,
        statuses=[s.value for s in LicenseStatus],
        kinds=[k.value for k in LicenseKind],
        ending_days=ENDING_SOON.days,
    )


def render_licence(
    licence: License,
    *,
    status: int = 200,
    suspend_form: ReasonForm | None = None,
    revoke_form: RevokeForm | None = None,
    renew_form: RenewForm | None = None,
    problem: str | None = None,
) -> Page:
    """The licence page with its change forms (those not given start empty)."""
    session = db_session()
    keys = session.scalars(
        select(FeedKey)
        .where(FeedKey.publisher_id == licence.publisher_id)
        .order_by(FeedKey.created_at.desc(), FeedKey.id.desc())
    ).all()
    accepted_by = session.get(User, licence.accepted_by_id) if licence.accepted_by_id else None
    if renew_form is None:
        renew_form = RenewForm(formdata=None)
        renew_form.ends_at.data = naive_utc(licence.ends_at)
    html = render_template(
        "staff/licensing/licence.html",
        licence=licence,
        keys=keys,
        accepted_by=accepted_by,
        suspend_form=suspend_form or ReasonForm(formdata=None),
        revoke_form=revoke_form or RevokeForm(formdata=None),
        renew_form=renew_form,
        action_form=ConfirmForm(formdata=None),
        problem=problem,
    )
    return html, status


@bp.route("/licences/<int:licence_id>")
@requires(LICENSE_VIEW)
def licence_detail(licence_id: int) -> Page:
    """One licence: terms, dates, status and the publisher's feed keys."""
    return render_licence(_load(licence_id))


def _refused(licence: License, exc: LicenseError, status: int) -> Page:
    db_session().rollback()
    return render_licence(_load(licence.id), status=status, problem=str(exc))


def _done(licence: License, message: str) -> Response:
    flash(message, "success")
    return redirect(url_for("staff.licence_detail", licence_id=licence.id), 303)


@bp.route("/licences/<int:licence_id>/suspend", methods=["POST"])
@requires(LICENSE_MANAGE, fresh=True)
def licence_suspend(licence_id: int) -> Response | Page:
    """Pause a licence (with a reason); it can be resumed."""
    licence = _load(licence_id)
    form = ReasonForm()
    reason = (form.reason.data or "").strip()
    if not form.validate() or not reason:
        if not reason:
            form.reason.errors = [*form.reason.errors, "Give the reason for the suspension."]
        return render_licence(licence, suspend_form=form, status=422)
    try:
        suspend_licence(db_session(), licence, reason=reason, actor_id=_actor_id())
    except LicenseConflict as exc:
        return _refused(licence, exc, 409)
    return _done(licence, "The licence is suspended; the partner's feeds leave it out now.")


@bp.route("/licences/<int:licence_id>/resume", methods=["POST"])
@requires(LICENSE_MANAGE, fresh=True)
def licence_resume(licence_id: int) -> Response | Page:
    """Lift a suspension."""
    licence = _load(licence_id)
    if not ConfirmForm().validate():
        abort(400)
    try:
        resume_licence(db_session(), licence, actor_id=_actor_id())
    except LicenseConflict as exc:
        return _refused(licence, exc, 409)
    return _done(licence, "The licence is active again.")


@bp.route("/licences/<int:licence_id>/revoke", methods=["POST"])
@requires(LICENSE_MANAGE, fresh=True)
def licence_revoke(licence_id: int) -> Response | Page:
    """End a licence for good, after an explicit confirmation and with a reason."""
    licence = _load(licence_id)
    form = RevokeForm()
    reason = (form.reason.data or "").strip()
    valid = form.validate()
    if not reason:
        form.reason.errors = [*form.reason.errors, "Give the reason for the revocation."]
    if not form.confirm.data:
        form.confirm.errors = [*form.confirm.errors, "Tick the box to confirm."]
    if not valid or not reason or not form.confirm.data:
        return render_licence(licence, revoke_form=form, status=422)
    try:
        revoke_licence(db_session(), licence, reason=reason, actor_id=_actor_id())
    except LicenseConflict as exc:
        return _refused(licence, exc, 409)
    return _done(licence, "The licence is revoked.")


@bp.route("/licences/<int:licence_id>/renew", methods=["POST"])
@requires(LICENSE_MANAGE, fresh=True)
def licence_renew(licence_id: int) -> Response | Page:
    """Give a licence a new end date (or none); an expired one becomes active again."""
    licence = _load(licence_id)
    form = RenewForm()
    if not form.validate():
        return render_licence(licence, renew_form=form, status=422)
    if form.open_ended.data:
        ends = None
    elif form.ends_at.data is None:
        form.ends_at.errors = [*form.ends_at.errors, "Choose the new end, or tick “No end date”."]
        return render_licence(licence, renew_form=form, status=422)
    else:
        ends = form.ends_at.data.replace(tzinfo=UTC)
    try:
        renew_licence(db_session(), licence, ends_at=ends, actor_id=_actor_id())
    except LicenseConflict as exc:
        return _refused(licence, exc, 409)
    except LicenseError as exc:
        form.ends_at.errors = [*form.ends_at.errors, str(exc)]
        return render_licence(licence, renew_form=form, status=422)
    return _done(licence, "The licence is renewed.")
