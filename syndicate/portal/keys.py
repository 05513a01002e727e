"""Feed addresses and the publisher's feed keys: create, rotate and revoke.

A new secret is rendered straight into the answer to the POST that made it, never stored
in the session or a flash message, and the answer must not be cached.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from licenses.keys import FeedKeyError, create_feed_key, revoke_feed_key, rotate_feed_key
from licenses.models import FeedKey
from syndicate.portal.blueprint import bp, current_partner, current_publisher, own_or_404
from syndicate.portal.forms import ConfirmForm, FeedKeyForm
from syndicate.web.db import db_session
from syndicate.web.headers import secret_page
from syndicate.web.site import site_info

FEED_PATHS = (
    ("RSS 2.0", "/feeds/partner.rss"),
    ("Atom", "/feeds/partner.atom"),
    ("JSON Feed", "/feeds/partner.json"),
)


def _keys_page(form: FeedKeyForm, status: int = 200) -> tuple[str, int]:
    keys = db_session().scalars(
        select(FeedKey)
        .where(FeedKey.publisher_id == current_publisher().id)
        .order_by(FeedKey.revoked_at.is_not(None), FeedKey.created_at.desc(), FeedKey.id.desc())
    )
    site = site_info()
    feeds = [(name, site.url(path)) for name, path in FEED_PATHS]
    return render_template("portal/keys.html", keys=list(keys), feeds=feeds, form=form), status


def _show_secret(key: FeedKey, secret: str, *, rotated: FeedKey | None = None) -> Response:
    site = site_info()
    return secret_page(
        render_template(
            "portal/key_secret.html",
            key=key,
            secret=secret,
            rotated=rotated,
            feed_url=site.url(FEED_PATHS[0][1]),
        ),
        201,
    )


@bp.route("/keys")
def keys() -> tuple[str, int]:
    """The feed addresses, how to authenticate, and the publisher's keys."""
    return _keys_page(FeedKeyForm(formdata=None))


@bp.route("/keys", methods=["POST"])
def key_create() -> Response | tuple[str, int]:
    """Issue a new key and show its secret, this once."""
    form = FeedKeyForm()
    if not form.validate_on_submit():
        return _keys_page(form, 422)
    key, secret = create_feed_key(
        db_session(),
        current_publisher(),
        label=form.label.data or "",
        actor_id=current_partner().id,
    )
    return _show_secret(key, secret)


def _own_key(key_id: int) -> FeedKey:
    return own_or_404(FeedKey, key_id)


@bp.route("/keys/<int:key_id>/rotate")
def key_rotate_confirm(key_id: int) -> str:
    """Ask before rotating: the old key stops working at once."""
    key = _own_key(key_id)
    if key.revoked_at is not None:
        abort(409, "This key is no longer active; create a new one instead.")
    return render_template("portal/key_confirm.html", key=key, action="rotate", form=ConfirmForm())


@bp.route("/keys/<int:key_id>/rotate", methods=["POST"])
def key_rotate(key_id: int) -> Response:
    """Replace the key by a new one with the same label; show the new secret once."""
    key = _own_key(key_id)
    try:
        new_key, secret = rotate_feed_key(db_session(), key, actor_id=current_partner().id)
    except FeedKeyError as exc:
        abort(409, str(exc))
    return _show_secret(new_key, secret, rotated=key)


@bp.route("/keys/<int:key_id>/revoke")
def key_revoke_confirm(key_id: int) -> str:
    """Ask before revoking."""
    key = _own_key(key_id)
    if key.revoked_at is not None:
        abort(409, "This key is already revoked.")
    return render_template("portal/key_confirm.html", key=key, action="revoke", form=ConfirmForm())


@bp.route("/keys/<int:key_id>/revoke", methods=["POST"])
def key_revoke(key_id: int) -> Response:
    """Revoke the key; the next request with it is refused."""
    key = _own_key(key_id)
    was_live = key.revoked_at is None
    revoke_feed_key(db_session(), key, actor_id=current_partner().id)
    if was_live:
        flash(f"The key “{key.label or key.prefix}” is revoked; it no longer works.", "success")
    return redirect(url_for("portal.keys"))
