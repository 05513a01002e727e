"""Sign-in, password and API token forms (CSRF-protected through Flask-WTF)."""

from __future__ import annotations

from datetime import datetime, timedelta

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from syndicate.accounts.services import LABEL_MAX
from syndicate.web.inputs import BoundaryForm

# Days until a new API token expires; "" never. A short life is the default.
EXPIRY_CHOICES = [
    SelectChoice("30", "In 30 days"),
    SelectChoice("90", "In 90 days"),
    SelectChoice("365", "In a year"),
    SelectChoice("", "Never (until revoked)"),
]


class LoginForm(BoundaryForm):
    """E-mail and password."""

    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me signed in on this device")


class ChangePasswordForm(BoundaryForm):
    """The current password and a new one, twice."""

    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=12, max=1024)]
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class SetPasswordForm(BoundaryForm):
    """A new password, twice, for an invited user."""

    new_password = PasswordField(
        "Choose a password", validators=[DataRequired(), Length(min=12, max=1024)]
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class ApiTokenForm(BoundaryForm):
    """A new API token: its label and when it expires."""

    label = StringField(
        "Label",
        validators=[
            DataRequired(message="Give the token a label, e.g. the script that will use it."),
            Length(max=LABEL_MAX),
        ],
    )
    expires = SelectField("Expires", choices=EXPIRY_CHOICES, default="90")

    def expires_at(self, now: datetime) -> datetime | None:
        """When the token should stop working, from ``now``; ``None`` for never."""
        days = self.expires.data or ""
        return now + timedelta(days=int(days)) if days else None


class PartnerApiTokenForm(ApiTokenForm):
    """A partner's new API token, confirmed with the account's password.

    A token outlives a password change, so a borrowed session alone must not be able to
    mint one.
    """

    password = PasswordField(
        "Your password",
        validators=[DataRequired(message="Enter your password to confirm."), Length(max=1024)],
    )
