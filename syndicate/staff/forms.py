"""Console forms (Flask-WTF, so every one carries a CSRF token)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from syndicate.content.models import BodyFormat, ImageRole, SyndicationPolicy
from syndicate.content.rights import RightsClass
from syndicate.content.services import CAPTION_LENGTH, CORRECTION_LENGTH, LIMITS
from syndicate.web.inputs import BoundaryForm

BODY_FORMAT_CHOICES = [
    SelectChoice(BodyFormat.MARKDOWN.value, "Markdown"),
    SelectChoice(BodyFormat.HTML.value, "HTML"),
]
SYNDICATION_CHOICES = [
    SelectChoice(SyndicationPolicy.SYNDICATE.value, "Syndicate to partners"),
    SelectChoice(SyndicationPolicy.DO_NOT_SYNDICATE.value, "Do not syndicate"),
]
RIGHTS_CHOICES = [
    SelectChoice("", "Choose the rights class"),
    *(SelectChoice(rc.value, rc.label) for rc in RightsClass),
]
ROLE_CHOICES = [
    SelectChoice(ImageRole.LEAD.value, "Lead image"),
    SelectChoice(ImageRole.INLINE.value, "Inline image"),
]


class ArticleForm(BoundaryForm):
    """The editable fields of an article; sections and authors are filled by the view."""

    headline = StringField(
        "Headline",
        validators=[DataRequired("A headline is required."), Length(max=LIMITS["headline"])],
    )
    slug = StringField(
        "Slug",
        validators=[Optional(), Length(max=LIMITS["slug"])],
        description="Leave empty to make one from the headline.",
    )
    dek = TextAreaField(
        "Dek (summary)", validators=[Length(max=LIMITS["dek"])], render_kw={"rows": 3}
    )
    dateline = StringField("Dateline", validators=[Length(max=LIMITS["dateline"])])
    section_id = SelectField("Section", coerce=int, validators=[InputRequired("Choose a section.")])
    author_ids = SelectMultipleField(
        "Authors",
        coerce=int,
        validators=[DataRequired("Choose at least one author.")],
        render_kw={"size": 6},
    )
    tags = StringField("Tags", description="Separate tags with commas.")
    body_format = RadioField(
        "Body format", choices=BODY_FORMAT_CHOICES, default=BodyFormat.MARKDOWN.value
    )
    body_source = TextAreaField(
        "Body", validators=[Length(max=LIMITS["body_source"])], render_kw={"rows": 22}
    )
    syndication = SelectField(
        "Syndication", choices=SYNDICATION_CHOICES, default=SyndicationPolicy.SYNDICATE.value
    )
    comments_open = BooleanField("Comments open", default=True)


class EditArticleForm(ArticleForm):
    """An article edit, made from the version the editor opened."""

    version = HiddenField(validators=[DataRequired()])


class PublishForm(BoundaryForm):
    """Publish now, or schedule for a time given in UTC."""

    release_at = DateTimeLocalField(
        "Release time (UTC)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    embargo_preview_at = DateTimeLocalField(
        "Partner embargo from (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
        description="Optional, with a scheduled release: partners entitled to embargoed "
        "stories receive it from this time, marked “embargoed” until the release.",
    )


class ActionForm(BoundaryForm):
    """A bare form for buttons that only need a CSRF token (unpublish, detach)."""


class CorrectionForm(BoundaryForm):
    """A correction note to append to an article."""

    note = TextAreaField(
        "Correction",
        validators=[DataRequired("Write the correction."), Length(max=CORRECTION_LENGTH)],
        render_kw={"rows": 3},
    )


class AttachImageForm(BoundaryForm):
    """Place a library image in an article."""

    image_id = IntegerField("Image number", validators=[InputRequired("Choose an image.")])
    role = SelectField("Role", choices=ROLE_CHOICES, default=ImageRole.INLINE.value)
    caption_override = TextAreaField(
        "Caption for this article",
        validators=[Length(max=CAPTION_LENGTH)],
        description="Optional; leave empty to use the image's own caption.",
        render_kw={"rows": 2},
    )


class ImageMetadataForm(BoundaryForm):
    """Alt text, caption and the rights fields of an image."""

    # Required, but checked with the rights (ImageRights.validate) so all problems show at once.
    alt_text = StringField("Alt text", validators=[Length(max=500)])
    caption = TextAreaField("Caption", validators=[Length(max=4000)], render_kw={"rows": 3})
    creator = StringField("Creator", validators=[Length(max=200)])
    organization = StringField("Organisation", validators=[Length(max=200)])
    rights_class = SelectField(
        "Rights class",
        choices=RIGHTS_CHOICES,
        validators=[DataRequired("Choose the rights class: it decides what partners receive.")],
    )
    license_url = URLField("Licence URL", validators=[Length(max=500)])
    source_url = URLField("Source URL", validators=[Length(max=500)])
    partner_allowed = BooleanField("Partners may receive this image", default=True)
    partner_allowed_until = DateField(
        "Partner permission ends",
        validators=[Optional()],
        description="Optional. Partners stop receiving the image at the start of this day (UTC).",
    )


class UploadImageForm(ImageMetadataForm):
    """A new image file with its alt text, caption and rights."""

    file = FileField(
        "Image file",
        validators=[FileRequired("Choose a JPEG, PNG or WebP file.")],
        description="JPEG, PNG or WebP.",
    )
