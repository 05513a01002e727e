"""Image upload (staff): multipart/form-data through the image intake service."""

from __future__ import annotations

from flask import current_app, request

from syndicate.api import permissions as perms
from syndicate.api import schemas, serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, operation
from syndicate.api.jsonio import invalid, not_found
from syndicate.content.images import ImageRights, UploadLimits, ingest_image
from syndicate.content.licensing import terms_url
from syndicate.content.models import Image
from syndicate.media import media_store
from syndicate.orm import utcnow
from syndicate.web.db import db_session


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
    """The upload and its rights from the validated form; 422 when the file is missing."""
    data = body(schemas.ImageUpload)
    upload = request.files.get("file")
    if upload is None or set(request.files) - {"file"}:
        raise invalid({"file": "Attach exactly one image as the field “file”."})
    rights = ImageRights(
        rights_class=data.rights_class,
        creator=data.creator.strip(),
        organization=data.organization.strip(),
        license_url=data.license_url.strip(),
        source_url=data.source_url.strip(),
        partner_allowed=data.partner_allowed == "true",
        partner_allowed_until=data.partner_allowed_until,
    )
    return upload.read(), rights, data.alt_text.strip(), data.caption.strip()


@bp.post("/images")
@operation(
    "Upload an image",
    tag="Images",
    permission=perms.IMAGE_WRITE,
    body=schemas.ImageUpload,
    body_required=True,
    multipart=True,
    answer=schemas.Image,
    status=201,
    description="A body over the upload limit gets 413; a file or rights field that is "
    "refused gets 422 naming the field (`file` for the image itself).",
)
def upload_image() -> schemas.Image:
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
        terms_url=terms_url(current_app.config["SITE_BASE_URL"]),
    )
    return serializers.image(image, utcnow())


@bp.get("/images/<int:image_id>")
@operation(
    "Read an image's rights",
    tag="Images",
    permission=perms.IMAGE_WRITE,
    answer=schemas.Image,
    errors=(404,),
)
def get_image(image_id: int) -> schemas.Image:
    """One image of the library with its rights (staff)."""
    image = db_session().get(Image, image_id)
    if image is None:
        raise not_found("That image")
    return serializers.image(image, utcnow())
