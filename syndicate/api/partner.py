"""What a partner manages for its own publisher over the API: its webhook (the secret shown
once) and its pickups. Staff have these in the console; the API answers them 403."""

from __future__ import annotations

from flask import current_app

from syndicate.api import permissions as perms
from syndicate.api import schemas
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, operation, query
from syndicate.api.jsonio import ApiError, invalid, not_found
from syndicate.newswire import pickups
from syndicate.newswire.models import PublisherWebhook
from syndicate.newswire.pickups import period
from syndicate.newswire.webhooks import save_webhook, webhook_of
from syndicate.orm import utcnow
from syndicate.portal.webhooks import delivery_problem, url_problem
from syndicate.web.db import db_session

TAG = "Partner"


def _publisher_id() -> int:
    publisher_id = current_principal().publisher_id
    if publisher_id is None:
        raise ApiError(403, "Your account does not belong to a publisher.")
    return publisher_id


def _webhook_json(hook: PublisherWebhook, secret: str | None = None) -> schemas.Webhook:
    shown = schemas.Webhook(url=hook.url, created_at=hook.created_at, updated_at=hook.updated_at)
    if secret is not None:
        shown.secret = secret
    return shown


@bp.get("/webhook")
@operation(
    "Read your webhook",
    tag=TAG,
    permission=perms.WEBHOOK_MANAGE,
    answer=schemas.Webhook,
    errors=(404,),
    description="Where notices are POSTed; never the secret. 404 until one is set.",
)
def get_webhook() -> schemas.Webhook:
    """The publisher's webhook, without its secret."""
    hook = webhook_of(db_session(), _publisher_id())
    if hook is None:
        raise not_found("A webhook")
    return _webhook_json(hook)


@bp.put("/webhook")
@operation(
    "Set your webhook",
    tag=TAG,
    permission=perms.WEBHOOK_MANAGE,
    body=schemas.WebhookInput,
    body_required=True,
    answer=schemas.Webhook,
    description="Notices (corrections and kills) are POSTed as JSON to `url`, signed with "
    "the secret. Give a secret of your own, keep the current one (leave it empty), or have "
    "one made the first time: a made secret is in `secret` in this answer and never again. "
    "An address the outbox would refuse (private, or not https in production) gets 422.",
)
def set_webhook() -> schemas.Webhook:
    """Save the address and the secret, as the portal does."""
    data = body(schemas.WebhookInput)
    url = data.url.strip()
    config = current_app.config
    problem = url_problem(url, config["ENV"] == "production") or delivery_problem(
        url, bool(config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"])
    )
    if problem:
        raise invalid({"url": problem})
    saved = save_webhook(
        db_session(), _publisher_id(), url, data.secret, actor_id=current_principal().actor_id
    )
    return _webhook_json(saved.webhook, saved.made_secret)


@bp.get("/pickups")
@operation(
    "Read your pickups",
    tag=TAG,
    permission=perms.PICKUPS_READ,
    query=schemas.PickupsQuery,
    answer=schemas.Pickups,
    description="Per day: views of your copies, fetches of your feeds and copies from the "
    "desk; and your most viewed stories, over the last `days` days.",
)
def get_pickups() -> schemas.Pickups:
    """The publisher's pickups, as the portal shows them."""
    days = query(schemas.PickupsQuery).days
    publisher_id = _publisher_id()
    start, end = period(days, utcnow().date())
    session = db_session()
    series = pickups.daily_series(session, start, end, publisher_id)
    top = pickups.top_articles(session, start, end, publisher_id)
    return schemas.Pickups(
        days=days,
        start=start,
        end=end,
        daily=[
            schemas.PickupDay(day=p.day, views=p.views, fetches=p.fetches, copies=p.copies)
            for p in series
        ],
        top=[schemas.StoryViews(slug=t.slug, headline=t.headline, views=t.views) for t in top],
    )
