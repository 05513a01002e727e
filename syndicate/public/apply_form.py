"""The public application form for a republishing licence (Flask-WTF, so CSRF-protected)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    EmailField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from licenses.eligibility import OUTLET_TYPES
from licenses.requests import TEXT_LIMITS
from syndicate.web.inputs import BoundaryForm
from syndicate.web.request_form import request_data

SCOPE_CHOICES = [
    SelectChoice("all", "All the stories we syndicate"),
    SelectChoice("sections", "The stories of some sections"),
    SelectChoice("article", "One story"),
]
OUTLET_CHOICES = [
    SelectChoice("", "Choose the kind of outlet"),
    *(SelectChoice(value, label) for value, label in OUTLET_TYPES.items()),
]

# Where the domain's field names land on the form.
DOMAIN_FIELDS = {
    "scope": "scope_kind",
    "scope.kind": "scope_kind",
    "scope.sections": "sections",
    "scope.article": "article",
}

# The domain says "Required."; the form says what is missing.
REQUIRED_MESSAGES = {
    "organization": "Give the name of your publication.",
    "website": "Give your publication's web address.",
    "contact_name": "Tell us whom to contact.",
    "contact_email": "Give an e-mail address for our reply.",
    "outlet_type": "Choose the kind of outlet.",
}
FRIENDLIER = {"List one or more section slugs.": "Tick one or more sections."}


class CheckboxesField(SelectMultipleField):
    """Several choices shown as checkboxes; the domain checks the values."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _limit(name: str) -> dict[str, Any]:
    return {"maxlength": TEXT_LIMITS[name]}


class ApplicationForm(BoundaryForm):
    """Who asks, for what, and how they will use it; the licensing domain validates it."""

    organization = StringField(
        "Publication or organisation",
        render_kw={**_limit("organization"), "autocomplete": "organization"},
    )
    website = StringField(
        "Website",
        render_kw={
            **_limit("website"),
            "type": "url",
            "placeholder": "https://",
            "autocomplete": "url",
        },
    )
    contact_name = StringField(
        "Your name", render_kw={**_limit("contact_name"), "autocomplete": "name"}
    )
    contact_email = EmailField(
        "Your e-mail", render_kw={**_limit("contact_email"), "autocomplete": "email"}
    )
    outlet_type = SelectField("Kind of outlet", choices=OUTLET_CHOICES, validate_choice=False)
    monthly_audience = StringField(
        "Monthly audience",
        description="Unique readers, listeners or viewers in a typical month, as a whole number.",
        render_kw={"inputmode": "numeric", "maxlength": 20},
    )
    scope_kind = RadioField(
        "What would you like to republish?",
        choices=SCOPE_CHOICES,
        default="all",
        validate_choice=False,
    )
    sections = CheckboxesField("Sections", choices=[], validate_choice=False)
    article = StringField(
        "Story",
        description="The story's address on our site, or its slug.",
        render_kw={"maxlength": 300},
    )
    intended_use = TextAreaField(
        "How will you use our stories?",
        description="Where they will appear (print, web, newsletter…) and for which readers.",
        render_kw={**_limit("intended_use"), "rows": 4},
    )
    message = TextAreaField(
        "Anything else we should know?",
        render_kw={**_limit("message"), "rows": 4},
    )

    def domain_data(self) -> dict[str, Any]:
        """The answers in the shape :func:`licenses.requests.submit_request` takes."""
        return request_data(self)

    def add_domain_errors(self, problems: dict[str, str]) -> None:
        """Show each of the domain's complaints beside the field it concerns."""
        for name, message in problems.items():
            if message == "Required." and name in REQUIRED_MESSAGES:
                message = REQUIRED_MESSAGES[name]
            message = FRIENDLIER.get(message, message)
            field = getattr(self, DOMAIN_FIELDS.get(name, name), None) or self.message
            if message not in field.errors:
                field.errors = [*field.errors, message]
