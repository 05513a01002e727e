"""Console pages for images: the library, uploads, and rights edits."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload
from werkzeug.wrappers import Response

from syndicate.content.images import (
    ImageRejected,
    ImageRights,
    UploadLimits,
    ingest_image,
    update_image_rights,
)
from syndicate.content.licensing import terms_url
from syndicate.content.models import ArticleImage, Image
from syndicate.content.rights import RightsClass
from syndicate.media import media_store
from syndicate.staff.blueprint import bp
from syndicate.staff.forms import ImageMetadataForm, UploadImageForm
from syndicate.staff.listing import like_pattern
from syndicate.staff.permissions import IMAGE_EDIT, IMAGE_UPLOAD, IMAGE_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers

Page = tuple[str, int]

WITH_USAGES = selectinload(Image.usages).selectinload(ArticleImage.article)


def upload_limits() -> UploadLimits:
    """Upload limits from the configuration."""
    config = current_app.config
    return UploadLimits(
        max_bytes=int(config["UPLOADS_MAX_BYTES"]),
        max_pixels=int(config["UPLOADS_MAX_PIXELS"]),
        rendition_widths=tuple(int(w) for w in config["UPLOADS_RENDITION_WIDTHS"]),
        jpeg_quality=int(config["UPLOADS_JPEG_QUALITY"]),
    )


def _rights(form: ImageMetadataForm, current: Image | None = None) -> ImageRights:
    until = None
    day = form.partner_allowed_until.data
    if day is not None:
        previous = current.partner_allowed_until if current is not None else None
        # Keep a stored end time that falls on the same day rather than moving it to midnight.
        if previous is not None and previous.date() == day:
            until = previous
        else:
            until = datetime.combine(day, time.min, tzinfo=UTC)
    rights_class = RightsClass(form.rights_class.data)
    return ImageRights(
        rights_class=rights_class,
        creator=form.creator.data or "",
        organization=form.organization.data or "",
        license_url=form.license_url.data or "",
        source_url=form.source_url.data or "",
        # Agency photos never go to partners: the box cannot say otherwise.
        partner_allowed=bool(form.partner_allowed.data) and rights_class is not RightsClass.AGENCY,
        partner_allowed_until=until,
    )


def _show_rejection(form: ImageMetadataForm, error: ImageRejected) -> None:
    problems: dict[str, str] = getattr(error, "problems", None) or {error.field: str(error)}
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is None:
            field = getattr(form, "file", None) or form.alt_text
        field.errors = [*field.errors, message]


def _show_rights_problems(form: ImageMetadataForm) -> None:
    """Name the credit and rights problems too when the form fails for another reason."""
    try:
        rights = _rights(form)
    except ValueError:
        return
    problems = rights.validate()
    if not (form.alt_text.data or "").strip():
        problems["alt_text"] = "Describe the image for readers who cannot see it."
    for name, message in problems.items():
        field = getattr(form, name)
        if message not in field.errors:
            field.errors = [*field.errors, message]


def _metadata(image: Image) -> dict[str, Any]:
    return {
        "alt_text": image.alt_text,
        "caption": image.caption,
        "creator": image.creator,
        "organization": image.organization,
        "rights_class": image.rights_class.value,
        "license_url": image.license_url,
        "source_url": image.source_url,
        "partner_allowed": image.partner_allowed and image.rights_class is not RightsClass.AGENCY,
        "partner_allowed_until": (
            image.partner_allowed_until.date() if image.partner_allowed_until else None
        ),
    }


def _organizations(session: Session) -> list[str]:
    rows = session.scalars(
        select(Image.organization)
        .where(Image.organization != "")
        .distinct()
        .order_by(Image.organization)
        .limit(200)
    )
    return list(rows)


@bp.route("/images")
@requires(IMAGE_VIEW)
@without_page_numbers
def image_list() -> str:
    """The image library, filtered by creator, organisation, rights class and free text."""
    session = db_session()
    filters = {
        name: request.args.get(name, "").strip()
        for name in ("q", "creator", "organization", "rights")
    }
    statement = select(Image)
    if filters["creator"]:
        statement = statement.where(
            func.lower(Image.creator).like(like_pattern(filters["creator"]), escape="\\")
        )
    if filters["organization"]:
        statement = statement.where(
            func.lower(Image.organization).like(like_pattern(filters["organization"]), escape="\\")
        )
    if filters["rights"] in {rc.value for rc in RightsClass}:
        statement = statement.where(Image.rights_class == RightsClass(filters["rights"]))
    else:
        filters["rights"] = ""
    if filters["q"]:
        pattern = like_pattern(filters["q"])
        statement = statement.where(
            or_(
                *(
                    func.lower(column).like(pattern, escape="\\")
                    for column in (Image.alt_text, Image.caption, Image.creator, Image.organization)
                )
            )
        )
    page = keyset_list(statement, Image.created_at, Image.id, options=(WITH_USAGES,))
    return render_template(
        "staff/images/list.html",
        page=page,
        filters=filters,
        rights_classes=list(RightsClass),
        organizations=_organizations(session),
    )


@bp.route("/images/upload", methods=["GET", "POST"])
@requires(IMAGE_UPLOAD)
def image_upload() -> Response | Page:
    """Upload an image with its credit and rights; a refusal writes nothing."""
    form = UploadImageForm()
    limits = upload_limits()
    if request.method == "POST":
        if form.validate():
            data = form.file.data.read()
            try:
                image = ingest_image(
                    db_session(),
                    media_store(),
                    data,
                    _rights(form),
                    alt_text=form.alt_text.data or "",
                    caption=form.caption.data or "",
                    limits=limits,
                    actor_id=current_user.id,
                    terms_url=terms_url(current_app.config["SITE_BASE_URL"]),
                )
            except ImageRejected as exc:
                _show_rejection(form, exc)
            else:
                flash(f"Image #{image.id} uploaded, credited “{image.credit_line}”.", "success")
                return redirect(url_for("staff.image_detail", image_id=image.id))
        else:
            _show_rights_problems(form)
        return render_template("staff/images/upload.html", form=form, limits=limits), 422
    return render_template("staff/images/upload.html", form=form, limits=limits), 200


def _load(session: Session, image_id: int) -> Image:
    image = session.scalar(select(Image).options(WITH_USAGES).where(Image.id == image_id))
    if image is None:
        abort(404)
    return image


def _render_detail(image: Image, form: ImageMetadataForm | None = None, status: int = 200) -> Page:
    form = form or ImageMetadataForm(formdata=None, data=_metadata(image))
    return render_template("staff/images/detail.html", image=image, form=form), status


@bp.route("/images/<int:image_id>", methods=["GET"])
@requires(IMAGE_VIEW)
def image_detail(image_id: int) -> Page:
    """One image: its renditions, credit, rights, the articles using it, and the edit form."""
    return _render_detail(_load(db_session(), image_id))


@bp.route("/images/<int:image_id>", methods=["POST"])
@requires(IMAGE_EDIT)
def image_update(image_id: int) -> Response | Page:
    """Change alt text, caption and rights; the change is audited."""
    session = db_session()
    image = _load(session, image_id)
    form = ImageMetadataForm()
    if form.validate():
        try:
            update_image_rights(
                session,
                image,
                _rights(form, image),
                alt_text=form.alt_text.data or "",
                caption=form.caption.data or "",
                actor_id=current_user.id,
                store=media_store(),
                terms_url=terms_url(current_app.config["SITE_BASE_URL"]),
                limits=upload_limits(),
            )
        except ImageRejected as exc:
            _show_rejection(form, exc)
        else:
            flash(f"Image #{image.id} updated; it is credited “{image.credit_line}”.", "success")
            return redirect(url_for("staff.image_detail", image_id=image.id))
    else:
        _show_rights_problems(form)
    return _render_detail(image, form, 422)
