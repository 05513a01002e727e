"""Portal forms (CSRF-protected through Flask-WTF)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from licenses.eligibility import OUTLET_TYPES
from licenses.models import Publisher
from licenses.requests import TEXT_LIMITS
from syndicate.web.inputs import BoundaryForm
from syndicate.web.request_form import request_data

SCOPE_CHOICES = [
    SelectChoice("all", "All syndicated stories"),
    SelectChoice("sections", "Some sections"),
    SelectChoice("article", "One story"),
]
OUTLET_CHOICES = [SelectChoice(value, label) for value, label in OUTLET_TYPES.items()]

# The domain speaks of slugs (it serves the API too); the form shows checkboxes.
PORTAL_MESSAGES = {"List one or more section slugs.": "Tick one or more sections."}

# Where the domain's field names land on the form.
DOMAIN_FIELDS = {
    "scope": "scope_kind",
    "scope.kind": "scope_kind",
    "scope.sections": "sections",
    "scope.article": "article",
}


class ConfirmForm(BoundaryForm):
    """No fields: a CSRF-protected button (accept, rotate, revoke, withdraw)."""


class FeedKeyForm(BoundaryForm):
    """A new feed key's label."""

    label = StringField(
        "Label",
        validators=[
            DataRequired(message="Give the key a label, e.g. the system that will use it."),
            Length(max=120),
        ],
    )


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes; the domain checks the values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LicenceRequestForm(BoundaryForm):
    """A partner's request for another licence."""

    scope_kind = RadioField("What would you like to republish?", choices=SCOPE_CHOICES)
    sections = CheckboxesField("Sections", choices=[], validate_choice=False)
    article = StringField("Story (its address or slug)", validators=[Length(max=300)])
    intended_use = TextAreaField(
        "How will you use it?",
        validators=[
            DataRequired(message="Tell us where and how you will publish the stories."),
            Length(max=TEXT_LIMITS["intended_use"]),
        ],
    )
    message = TextAreaField(
        "Anything else we should know?", validators=[Length(max=TEXT_LIMITS["message"])]
    )
    organization = StringField("Organisation")
    website = StringField("Website")
    contact_name = StringField("Contact name")
    contact_email = EmailField("Contact e-mail")
    outlet_type = SelectField("Outlet type", choices=OUTLET_CHOICES)
    monthly_audience = StringField("Monthly audience (unique readers)")

    def prefill(self, publisher: Publisher, fallback_email: str) -> None:
        """Fill the outlet's details from the publisher record (on a fresh form only)."""
        self.organization.data = publisher.name
        self.website.data = publisher.website
        self.contact_name.data = publisher.contact_name
        self.contact_email.data = publisher.contact_email or fallback_email
        if publisher.outlet_type in OUTLET_TYPES:
            self.outlet_type.data = publisher.outlet_type
        self.monthly_audience.data = str(publisher.monthly_audience or "")

    def domain_data(self) -> dict[str, Any]:
        """The answers in the shape :func:`licenses.requests.submit_request` takes."""
        return request_data(self)

    def add_domain_errors(self, problems: dict[str, str]) -> None:
        """Show the domain's complaints beside the fields they concern."""
        for name, message in problems.items():
            message = PORTAL_MESSAGES.get(message, message)
            field = getattr(self, DOMAIN_FIELDS.get(name, name), None) or self.intended_use
            errors = list(field.errors)
            if message not in errors:
                errors.append(message)
            field.errors = errors


class CopyForm(BoundaryForm):
    """A copy of a story's block from the desk: which format was copied."""

    format = HiddenField(validators=[AnyOf(["html", "text"], message="Unknown format.")])
