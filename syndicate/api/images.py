"""Image upload (staff): multipart/form-data through the image intake service."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from syndicate.api import permissions as perms
from syndicate.api import serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.jsonio import invalid, not_found, parse_time
from syndicate.content.images import ImageRights, UploadLimits, ingest_image
from syndicate.content.models import Image
from syndicate.content.rights import RightsClass
from syndicate.media import media_store
from syndicate.orm import utcnow
from syndicate.web.db import db_session

FORM_FIELDS = frozenset(
    {
        "alt_text",
        "caption",
        "creator",
        "organization",
        "rights_class",
        "license_url",
        "source_url",
        "partner_allowed",
        "partner_allowed_until",
    }
)
TEXT_LIMITS = {
    "alt_text": 500,
    "caption": 4000,
    "creator": 200,
    "organization": 200,
    "license_url": 500,
    "source_url": 500,
}


def upload_limits() -> UploadLimits:
    """Upload limits from the ``[uploads]`` settings."""
    config = current_app.config
    return UploadLimits(
        max_bytes=int(config["UPLOADS_MAX_BYTES"]),
        max_pixels=int(config["UPLOADS_MAX_PIXELS"]),
        rendition_widths=tuple(int(w) for w in config["UPLOADS_RENDITION_WIDTHS"]),
        jpeg_quality=int(config["UPLOADS_JPEG_QUALITY"]),
    )


def _form() -> tuple[bytes, ImageRights, str, str]:
    """The upload and its rights from the form; 422 naming every field at fault."""
    form = request.form
    problems: dict[str, str] = {}
    # str(): a multipart part without a name arrives under the key None.
    unknown = sorted(str(name) for name in set(form) - FORM_FIELDS)
    problems.update(dict.fromkeys(unknown, "Unknown field."))
    values = {name: form.get(name, "").strip() for name in TEXT_LIMITS}
    for name, limit in TEXT_LIMITS.items():
        if len(values[name]) > limit:
            problems[name] = f"At most {limit:,} characters."
    rights_class = RightsClass.STAFF
    try:
        rights_class = RightsClass(form.get("rights_class", ""))
    except ValueError:
        problems["rights_class"] = "Choose one of: " + ", ".join(r.value for r in RightsClass)
    allowed_raw = form.get("partner_allowed", "true").strip().lower()
    if allowed_raw not in {"true", "false"}:
        problems["partner_allowed"] = "Use true or false."
    until = parse_time(form.get("partner_allowed_until") or None, "partner_allowed_until", problems)
    upload = request.files.get("file")
    if upload is None or set(request.files) - {"file"}:
        problems["file"] = "Attach exactly one image as the field “file”."
    if problems:
        raise invalid(problems)
    assert upload is not None
    rights = ImageRights(
        rights_class=rights_class,
        creator=values["creator"],
        organization=values["organization"],
        license_url=values["license_url"],
        source_url=values["source_url"],
        partner_allowed=allowed_raw == "true",
        partner_allowed_until=until,
    )
    return upload.read(), rights, values["alt_text"], values["caption"]


@bp.post("/images")
@perms.requires(perms.IMAGE_WRITE, body="multipart")
def upload_image() -> tuple[dict[str, Any], int]:
    """Upload a photo with its credit and rights; refused uploads name the field (422)."""
    data, rights, alt_text, caption = _form()
    image = ingest_image(
        db_session(),
        media_store(),
        data,
        rights,
        alt_text=alt_text,
        caption=caption,
        limits=upload_limits(),
        actor_id=current_principal().actor_id,
    )
    return serializers.image(image, utcnow()), 201


@bp.get("/images/<int:image_id>")
@perms.requires(perms.IMAGE_WRITE)
def get_image(image_id: int) -> dict[str, Any]:
    """One image of the library with its rights (staff)."""
    image = db_session().get(Image, image_id)
    if image is None:
        raise not_found("That image")
    return serializers.image(image, utcnow())
