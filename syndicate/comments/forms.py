"""The comment form. Field rules live in :mod:`syndicate.comments.services`; the form
carries the CSRF token, the values and the errors."""

from __future__ import annotations

from wtforms import EmailField, HiddenField, StringField, TextAreaField

from syndicate.comments.services import EMAIL_MAX, NAME_MAX, TEXT_MAX
from syndicate.web.inputs import BoundaryForm, parse_int

# The honeypot's name: a field people never see and form-filling robots rarely skip.
HONEYPOT = "website"


class CommentForm(BoundaryForm):
    """Name, text, optional e-mail, the comment answered, and the hidden honeypot."""

    name = StringField(
        "Name", render_kw={"maxlength": NAME_MAX, "autocomplete": "name", "required": True}
    )
    email = EmailField(
        "E-mail (optional, never shown)",
        render_kw={"maxlength": EMAIL_MAX, "autocomplete": "email"},
    )
    text = TextAreaField("Comment", render_kw={"maxlength": TEXT_MAX, "rows": 8, "required": True})
    reply_to = HiddenField()
    website = StringField(
        "Leave this field empty",
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )

    def reply_target(self) -> int | None:
        """The id of the comment answered, when the field holds one."""
        return parse_int(self.reply_to.data, 1)

    def is_robot(self) -> bool:
        """Whether the honeypot was filled in."""
        return bool((self.website.data or "").strip())
