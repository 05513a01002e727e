"""The publisher's webhook: where notices are POSTed, signed with its secret."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from syndicate import audit
from syndicate.newswire.forms import RemoveWebhookForm, WebhookForm
from syndicate.newswire.models import PublisherWebhook
from syndicate.newswire.webhooks import save_webhook, webhook_of
from syndicate.outbox.history import recent_webhook_deliveries
from syndicate.outbox.http import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryFailed,
    destination,
    resolve,
)
from syndicate.portal.blueprint import bp, current_partner, current_publisher
from syndicate.web.db import db_session
from syndicate.web.inputs import url_problem as address_problem


def _webhook() -> PublisherWebhook | None:
    return webhook_of(db_session(), current_publisher().id)


def url_problem(url: str, production: bool) -> str | None:
    """Why ``url`` cannot receive webhooks, or ``None``."""
    unreadable = address_problem(url.strip())
    if unreadable:
        return unreadable
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "Enter a full http:// or https:// address."
    if production and parts.scheme != "https":
        return "Use an https:// address: notices must travel encrypted."
    if parts.username or parts.password:
        return "Leave credentials out of the address; the signature authenticates us."
    return None


class _Unresolved(Exception):
    """The name does not resolve now: left to the worker, which retries."""


def _resolve_or_leave(host: str, port: int) -> list[str]:
    try:
        return resolve(host, port)
    except OSError as exc:
        raise _Unresolved from exc


def delivery_problem(url: str, allow_private: bool) -> str | None:
    """Why the outbox worker would refuse to deliver to ``url`` today, by the very check it
    runs (:func:`syndicate.outbox.http.destination`), or ``None``. A name that does not
    resolve right now is accepted: the worker resolves it again at each attempt."""
    try:
        destination(url, allow_private=allow_private, resolver=_resolve_or_leave)
    except _Unresolved:
        return None
    except DeliveryFailed as exc:
        return f"We could not deliver there: {exc}. Use a public address."
    return None


def _page(form: WebhookForm, status: int = 200, secret: str | None = None) -> tuple[str, int]:
    html = render_template(
        "portal/webhook.html",
        form=form,
        webhook=_webhook(),
        new_secret=secret,
        remove_form=RemoveWebhookForm(formdata=None),
        headers=(SIGNATURE_HEADER, TIMESTAMP_HEADER, IDEMPOTENCY_HEADER),
        deliveries=recent_webhook_deliveries(db_session(), current_publisher().id),
    )
    return html, status


@bp.route("/webhook", methods=["GET"])
def webhook() -> tuple[str, int]:
    """The webhook settings and how to verify a delivery."""
    current = _webhook()
    form = WebhookForm(formdata=None, data={"url": current.url if current else ""})
    return _page(form)


@bp.route("/webhook", methods=["POST"])
def webhook_save() -> Response | tuple[str, int]:
    """Save the URL (and the secret, given or made here; a made one is shown once)."""
    form = WebhookForm()
    if not form.validate():
        return _page(form, 422)
    url = (form.url.data or "").strip()
    problem = url_problem(url, current_app.config["ENV"] == "production") or delivery_problem(
        url, bool(current_app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"])
    )
    if problem:
        form.url.errors = [problem]
        return _page(form, 422)
    saved = save_webhook(
        db_session(),
        current_publisher().id,
        url,
        form.secret.data or "",
        actor_id=current_partner().id,
    )
    if saved.made_secret:
        return _page(WebhookForm(formdata=None, data={"url": url}), 200, secret=saved.made_secret)
    flash("Webhook saved.", "success")
    return redirect(url_for("portal.webhook"), 303)


@bp.route("/webhook/remove", methods=["POST"])
def webhook_remove() -> Response | tuple[str, int]:
    """Stop sending webhooks (e-mail notices continue)."""
    form = RemoveWebhookForm()
    if not form.validate():
        return _page(WebhookForm(formdata=None), 400)
    current = _webhook()
    if current is not None:
        session = db_session()
        session.delete(current)
        audit.record(
            session,
            actor_id=current_partner().id,
            action="webhook.remove",
            object_type="publisher",
            object_id=current_publisher().id,
            before={"url": current.url},
        )
        flash("Webhook removed. Notices still arrive by e-mail.", "success")
    return redirect(url_for("portal.webhook"), 303)
