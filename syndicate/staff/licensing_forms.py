"""Console forms for licensing: decisions, licence changes and re-authentication."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    PasswordField,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from licenses.models import LicenseKind, ScopeKind
from syndicate.web.inputs import BoundaryForm

UTC_FORMAT = "%Y-%m-%dT%H:%M"

KIND_CHOICES = [
    SelectChoice(LicenseKind.STANDARD.value, "Standard free syndication"),
    SelectChoice(LicenseKind.CUSTOM.value, "Custom licence (fee, territory, term)"),
]
SCOPE_CHOICES = [
    SelectChoice(ScopeKind.ALL.value, "All syndicated stories"),
    SelectChoice(ScopeKind.SECTIONS.value, "Some sections"),
    SelectChoice(ScopeKind.ARTICLE.value, "One story"),
]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ApproveForm(BoundaryForm):
    """The licence granted by an approval; the defaults give the standard licence asked for."""

    kind = RadioField("Licence", choices=KIND_CHOICES, default=LicenseKind.STANDARD.value)
    fee_amount = StringField("Fee", validators=[Length(max=20)], render_kw={"inputmode": "decimal"})
    fee_currency = StringField(
        "Currency",
        validators=[Length(max=3)],
        description="Three letters, e.g. USD or EUR.",
        render_kw={"maxlength": 3, "size": 4, "autocapitalize": "characters"},
    )
    territory = StringField("Territory", validators=[Length(max=200)])
    term_note = TextAreaField("Term note", validators=[Length(max=4000)], render_kw={"rows": 2})
    scope_kind = RadioField("Scope", choices=SCOPE_CHOICES)
    sections = CheckboxesField("Sections", choices=[], validate_choice=False)
    article = StringField("Story slug", validators=[Length(max=160)])
    embargo_entitled = BooleanField("May receive embargoed stories before release")
    starts_at = DateTimeLocalField(
        "Starts (UTC)",
        format=UTC_FORMAT,
        validators=[Optional()],
        description="Leave empty to start now.",
    )
    ends_at = DateTimeLocalField(
        "Ends (UTC)",
        format=UTC_FORMAT,
        validators=[Optional()],
        description="Leave empty for a licence without an end date.",
    )
    note = TextAreaField(
        "Decision note",
        validators=[Length(max=2000)],
        description="For the record; the applicant does not see it.",
        render_kw={"rows": 2},
    )
    # Only asked when the request matches existing partners (choices set per request).
    publisher = RadioField("Where the licence goes", choices=[], validate_choice=False)
    override = BooleanField("Add the contact at once, without the partner's confirmation")
    override_reason = TextAreaField(
        "Reason for the override",
        validators=[Length(max=2000)],
        description="Required with the override; kept in the audit log.",
        render_kw={"rows": 2},
    )


class RejectForm(BoundaryForm):
    """A rejection and its reason, which the applicant reads."""

    reason = TextAreaField(
        "Reason",
        validators=[Length(max=2000)],
        description="Required. The applicant receives it by e-mail.",
        render_kw={"rows": 3},
    )


class AskInfoForm(BoundaryForm):
    """A question to the applicant; the request stays open."""

    note = TextAreaField(
        "What do you need to know?",
        validators=[Length(max=4000)],
        render_kw={"rows": 3},
    )


class ReasonForm(BoundaryForm):
    """A licence change that needs a reason (suspend)."""

    reason = TextAreaField("Reason", validators=[Length(max=2000)], render_kw={"rows": 2})


class RevokeForm(BoundaryForm):
    """Revoking a licence: a reason and an explicit confirmation."""

    reason = TextAreaField("Reason", validators=[Length(max=2000)], render_kw={"rows": 2})
    confirm = BooleanField("I understand the partner's feeds stop at once, for good")


class RenewForm(BoundaryForm):
    """A new end for a licence, or none."""

    ends_at = DateTimeLocalField("New end (UTC)", format=UTC_FORMAT, validators=[Optional()])
    open_ended = BooleanField("No end date")


class ConfirmForm(BoundaryForm):
    """No fields: a CSRF-protected button (resume, revoke a key)."""


class ReauthForm(BoundaryForm):
    """The password again, before a decision."""

    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1024)]
    )
