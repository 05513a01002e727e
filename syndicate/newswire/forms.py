"""Forms of the newswire pages (Flask-WTF: every one carries a CSRF token)."""

from __future__ import annotations

from wtforms import BooleanField, PasswordField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, Optional

from syndicate.content.services import KILL_REASON_LENGTH
from syndicate.newswire.webhooks import SECRET_LENGTH, URL_LENGTH
from syndicate.web.inputs import BoundaryForm

WEBHOOK_SECRET_MIN = 24


class KillForm(BoundaryForm):
    """The reason for a kill and the explicit confirmation."""

    reason = TextAreaField(
        "Reason (partners see it)",
        validators=[
            DataRequired("Give the reason for the kill: partners see it."),
            Length(max=KILL_REASON_LENGTH),
        ],
        render_kw={"rows": 3},
    )
    confirm = BooleanField(
        "I understand: the story leaves the site and every partner is told to remove it. "
        "This cannot be undone.",
        validators=[DataRequired("Tick the box to confirm the kill.")],
    )


class AcknowledgeForm(BoundaryForm):
    """A bare form for the acknowledge button."""


class WebhookForm(BoundaryForm):
    """A partner's webhook URL and signing secret."""

    url = URLField(
        "Webhook URL",
        validators=[
            DataRequired("Enter the URL that should receive notices."),
            Length(max=URL_LENGTH),
        ],
        description="An https:// address on your side. Notices are POSTed to it as JSON.",
    )
    secret = PasswordField(
        "Signing secret",
        validators=[Optional(), Length(min=WEBHOOK_SECRET_MIN, max=SECRET_LENGTH)],
        description=f"At least {WEBHOOK_SECRET_MIN} characters. Leave empty to keep the "
        "current secret, or to have one made for you the first time.",
    )


class RemoveWebhookForm(BoundaryForm):
    """A bare form for removing the webhook."""
