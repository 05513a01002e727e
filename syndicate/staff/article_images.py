"""Console actions that place library images in an article or take them out."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from syndicate.content import services
from syndicate.content.models import Image, ImageRole
from syndicate.staff.articles import Page, _load, render_edit
from syndicate.staff.blueprint import bp
from syndicate.staff.forms import AttachImageForm
from syndicate.staff.permissions import ARTICLE_EDIT, requires
from syndicate.web.db import db_session


@bp.route("/articles/<int:article_id>/images", methods=["POST"])
@requires(ARTICLE_EDIT)
def article_attach_image(article_id: int) -> Response | Page:
    """Attach a library image as the lead or an inline image, with an optional caption."""
    session = db_session()
    article = _load(session, article_id)
    form = AttachImageForm()
    if form.validate():
        image = session.get(Image, form.image_id.data)
        if image is None:
            form.image_id.errors = [f"There is no image number {form.image_id.data}."]
        else:
            try:
                services.attach_image(
                    session,
                    article,
                    image,
                    role=ImageRole(form.role.data),
                    caption_override=form.caption_override.data or "",
                    actor_id=current_user.id,
                )
            except services.ContentError as exc:
                form.image_id.errors = [str(exc)]
            else:
                flash(f"Image #{image.id} attached as the {form.role.data} image.", "success")
                return redirect(url_for("staff.article_edit", article_id=article.id) + "#images")
    return render_edit(article, attach_form=form, status=422)


@bp.route("/articles/<int:article_id>/images/<int:image_id>/detach", methods=["POST"])
@requires(ARTICLE_EDIT)
def article_detach_image(article_id: int, image_id: int) -> Response | Page:
    """Take an image out of the article; it stays in the library."""
    session = db_session()
    article = _load(session, article_id)
    try:
        services.detach_image(session, article, image_id, current_user.id)
    except services.ContentError as exc:
        return render_edit(article, status=422, problem=str(exc))
    flash(f"Image #{image_id} removed from the article.", "success")
    return redirect(url_for("staff.article_edit", article_id=article.id) + "#images")
