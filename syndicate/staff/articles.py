"""Console pages for articles: list, create, edit, preview, publish (with a partner
embargo) and corrections (which notify partners)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import ColumnElement, false, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from syndicate.content import keyset, search, services
from syndicate.content.keyset import CursorNotFound, cursor_from, page_ids
from syndicate.content.models import (
    Article,
    ArticleStatus,
    Author,
    BodyFormat,
    Image,
    ImageRole,
    Section,
    SyndicationPolicy,
)
from syndicate.content.rights import composite_credit
from syndicate.content.sanitize import body_problem, render_body
from syndicate.newswire.notices import correct_article
from syndicate.newswire.web import newswire_settings
from syndicate.orm import utcnow
from syndicate.pagination import Slice
from syndicate.staff.blueprint import bp
from syndicate.staff.forms import (
    ActionForm,
    ArticleForm,
    AttachImageForm,
    CorrectionForm,
    EditArticleForm,
    PublishForm,
)
from syndicate.staff.listing import (
    STATUS_FILTERS,
    like_pattern,
    status_condition,
)
from syndicate.staff.permissions import (
    ARTICLE_CORRECT,
    ARTICLE_EDIT,
    ARTICLE_PUBLISH,
    ARTICLE_VIEW,
    requires,
)
from syndicate.web.db import db_session
from syndicate.web.inputs import parse_int
from syndicate.web.paging import without_page_numbers

PICKER_SIZE = 12

Page = tuple[str, int]


def _actor_id() -> int:
    user_id: int = current_user.id
    return user_id


def _set_choices(session: Session, form: ArticleForm) -> None:
    sections = session.scalars(select(Section).order_by(Section.position, Section.name))
    form.section_id.choices = [SelectChoice(str(s.id), s.name) for s in sections]
    authors = session.scalars(select(Author).order_by(Author.name))
    form.author_ids.choices = [SelectChoice(str(a.id), a.name) for a in authors]


def _form_data(article: Article) -> dict[str, Any]:
    return {
        "headline": article.headline,
        "slug": article.slug,
        "dek": article.dek,
        "dateline": article.dateline,
        "section_id": article.section_id,
        "author_ids": [a.id for a in article.authors],
        "tags": ", ".join(t.name for t in article.tags),
        "body_format": article.body_format.value,
        "body_source": article.body_source,
        "syndication": article.syndication.value,
        "comments_open": article.comments_open,
        "version": str(article.version),
    }


def _tag_names(text: str) -> list[str]:
    """Comma-separated tags, one per slug: "Coast, coast" is a single tag."""
    names: dict[str, str] = {}
    for name in text.split(","):
        slug = services.slugify(name.strip())
        if slug and slug not in names:
            names[slug] = name.strip()
    return list(names.values())


def _fields(form: ArticleForm) -> services.ArticleFields:
    headline = (form.headline.data or "").strip()
    slug = (form.slug.data or "").strip() or services.slugify(headline)
    form.slug.data = slug
    return services.ArticleFields(
        slug=slug,
        headline=headline,
        section_id=form.section_id.data or 0,
        dek=form.dek.data or "",
        body_source=form.body_source.data or "",
        body_format=BodyFormat(form.body_format.data or BodyFormat.MARKDOWN.value),
        dateline=form.dateline.data or "",
        author_ids=list(form.author_ids.data or []),
        tags=_tag_names(form.tags.data or ""),
        syndication=SyndicationPolicy(form.syndication.data),
        comments_open=bool(form.comments_open.data),
    )


def _show_errors(form: ArticleForm, error: services.ContentError) -> None:
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and name != "version":
            field.errors = [*field.errors, message]


def _preview(form: ArticleForm, article: Article | None) -> dict[str, Any] | None:
    """The sanitised body and figures as they would be shown, without saving anything;
    ``None`` (with the reason on the body field) for a body beyond the cleaning limits."""
    body_format = form.body_format.data or BodyFormat.MARKDOWN.value
    problem = body_problem(form.body_source.data or "", body_format)
    if problem is not None:
        form.body_source.errors = [*form.body_source.errors, problem]
        return None
    links = list(article.images) if article is not None else []
    return {
        "headline": form.headline.data or "",
        "dek": form.dek.data or "",
        "dateline": form.dateline.data or "",
        "body_html": render_body(form.body_source.data or "", body_format),
        "lead": next((lk for lk in links if lk.role is ImageRole.LEAD), None),
        "inline": [lk for lk in links if lk.role is ImageRole.INLINE],
        "credit": composite_credit(lk.image.credit_line for lk in links),
    }


def _load(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id)
    if article is None:
        abort(404)
    return article


def _picker(session: Session, article: Article) -> list[Image]:
    """Recent library images for the attach picker, filtered by ``image_q``."""
    statement = select(Image).order_by(Image.created_at.desc(), Image.id.desc())
    attached = [link.image_id for link in article.images]
    if attached:
        statement = statement.where(Image.id.not_in(attached))
    query = request.args.get("image_q", "").strip()
    if query:
        pattern = like_pattern(query)
        matches: list[ColumnElement[bool]] = [
            func.lower(column).like(pattern, escape="\\")
            for column in (Image.alt_text, Image.caption, Image.creator, Image.organization)
        ]
        number = parse_int(query.lstrip("#"), 1)
        if number is not None:
            matches.append(Image.id == number)
        statement = statement.where(or_(*matches))
    return list(session.scalars(statement.limit(PICKER_SIZE)))


def _publish_data(article: Article) -> dict[str, Any]:
    """The publish form filled with a scheduled article's release and embargo (UTC)."""
    if article.status is not ArticleStatus.SCHEDULED:
        return {}

    def naive(value: Any) -> Any:
        return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None

    return {
        "release_at": naive(article.released_at),
        "embargo_preview_at": naive(article.embargo_preview_at),
    }


def render_edit(
    article: Article,
    *,
    status: int = 200,
    form: EditArticleForm | None = None,
    publish_form: PublishForm | None = None,
    attach_form: AttachImageForm | None = None,
    correction_form: CorrectionForm | None = None,
    problem: str | None = None,
    publish_problem: str | None = None,
    preview: dict[str, Any] | None = None,
) -> Page:
    """The article's edit page; forms not given are filled from the stored article."""
    session = db_session()
    if form is None:
        form = EditArticleForm(formdata=None, data=_form_data(article))
        _set_choices(session, form)
    html = render_template(
        "staff/articles/edit.html",
        article=article,
        form=form,
        publish_form=publish_form or PublishForm(formdata=None, data=_publish_data(article)),
        attach_form=attach_form or AttachImageForm(formdata=None),
        correction_form=correction_form or CorrectionForm(formdata=None),
        action_form=ActionForm(formdata=None),
        picker=_picker(session, article),
        image_query=request.args.get("image_q", ""),
        problem=problem,
        publish_problem=publish_problem,
        preview=preview,
    )
    return html, status


@bp.route("/articles")
@requires(ARTICLE_VIEW)
@without_page_numbers
def article_list() -> str:
    """Articles, newest change first, filtered by status; ``q`` searches the full-text index
    (every status: the console sees drafts too) and lists the best matches first."""
    session = db_session()
    status = request.args.get("status", "")
    query = " ".join(request.args.get("q", "").split())[: search.MAX_QUERY_CHARS]
    ids = select(Article.id)
    if status in STATUS_FILTERS:
        ids = ids.where(status_condition(status, utcnow()))
    else:
        status = ""
    key: ColumnElement[Any] | InstrumentedAttribute[Any] = Article.updated_at
    anchor = None
    found = search.match(session, query, prefix=True) if query else None
    if query and found is None:
        ids, total = ids.where(false()), 0
    elif found is not None:
        total = search.capped_count(session, found.only(ids), search.COUNT_CAP + 1)
        if total > search.COUNT_CAP:
            # Too broad to rank every match at a constant cost: latest change first.
            ids = found.only(ids)
        else:
            ids, key, anchor = found.apply(ids), found.rank, found.apply(select(found.rank))
    else:
        # Counted no further than the lists' cap: a count of every article is a scan.
        total = keyset.capped_total(session, ids, keyset.COUNT_CAP)
    per_page = int(current_app.config["SITE_PAGE_SIZE"])
    try:
        shown, newer, older = page_ids(
            session, ids, key, cursor_from(request.args), per_page, anchor
        )
    except CursorNotFound:
        shown, newer, older = page_ids(session, ids, key, None, per_page, anchor)
    loaded = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(shown)))}
    page = Slice([loaded[i] for i in shown], per_page, total, newer, older)
    return render_template(
        "staff/articles/list.html",
        page=page,
        status=status,
        query=query,
        statuses=STATUS_FILTERS,
        count_cap=search.COUNT_CAP if query else keyset.COUNT_CAP,
    )


@bp.route("/articles/new", methods=["GET", "POST"])
@requires(ARTICLE_EDIT)
def article_new() -> Response | Page:
    """The new-article form; saving creates a draft."""
    session = db_session()
    form = ArticleForm()
    _set_choices(session, form)
    if request.method == "POST":
        if form.validate():
            try:
                article = services.create_article(session, _fields(form), _actor_id())
            except services.ContentError as exc:
                _show_errors(form, exc)
            else:
                flash(f"Draft “{article.headline}” created.", "success")
                return redirect(url_for("staff.article_edit", article_id=article.id))
        return render_template("staff/articles/new.html", form=form), 422
    return render_template("staff/articles/new.html", form=form), 200


@bp.route("/articles/new/preview", methods=["POST"])
@requires(ARTICLE_EDIT)
def article_new_preview() -> Page:
    """Show the unsaved new article as readers would see it; nothing is saved."""
    form = ArticleForm()
    _set_choices(db_session(), form)
    if not (form.slug.data or "").strip():
        form.slug.data = services.slugify(form.headline.data or "")
    preview = _preview(form, None)
    html = render_template("staff/articles/new.html", form=form, preview=preview)
    return html, 200 if preview is not None else 422


@bp.route("/articles/<int:article_id>", methods=["GET"])
@requires(ARTICLE_VIEW)
def article_edit(article_id: int) -> Page:
    """The edit page: the article form, publishing, images and corrections."""
    return render_edit(_load(db_session(), article_id))


@bp.route("/articles/<int:article_id>", methods=["POST"])
@requires(ARTICLE_EDIT)
def article_save(article_id: int) -> Response | Page:
    """Save an edit made from the version the form carries; a stale one answers 409."""
    session = db_session()
    article = _load(session, article_id)
    form = EditArticleForm()
    _set_choices(session, form)
    if not form.validate():
        return render_edit(article, form=form, status=422)
    expected = parse_int(form.version.data or "0")
    if expected is None:
        abort(400)
    try:
        services.update_article(session, article, _fields(form), expected, _actor_id())
    except services.StaleEdit as exc:
        session.rollback()
        return render_edit(article, form=form, status=409, problem=str(exc))
    except services.ContentError as exc:
        session.rollback()
        _show_errors(form, exc)
        return render_edit(article, form=form, status=422)
    flash("Changes saved.", "success")
    return redirect(url_for("staff.article_edit", article_id=article.id))


@bp.route("/articles/<int:article_id>/preview", methods=["POST"])
@requires(ARTICLE_EDIT)
def article_preview(article_id: int) -> Page:
    """Show the edited article with its figures as readers would see it; nothing is saved."""
    session = db_session()
    article = _load(session, article_id)
    form = EditArticleForm()
    _set_choices(session, form)
    preview = _preview(form, article)
    return render_edit(article, form=form, preview=preview, status=200 if preview else 422)


@bp.route("/articles/<int:article_id>/publish", methods=["POST"])
@requires(ARTICLE_PUBLISH)
def article_publish(article_id: int) -> Response | Page:
    """Publish now, or schedule for a release time given in UTC."""
    session = db_session()
    article = _load(session, article_id)
    form = PublishForm()
    now = utcnow()
    if not form.validate():
        return render_edit(article, publish_form=form, status=422)
    release = None
    if request.form.get("when") == "schedule":
        if form.release_at.data is None:
            form.release_at.errors = ["Choose the release time (UTC) to schedule the article."]
            return render_edit(article, publish_form=form, status=422)
        release = form.release_at.data.replace(tzinfo=UTC)
        if release <= now:
            form.release_at.errors = ["Choose a time in the future, or use “Publish now”."]
            return render_edit(article, publish_form=form, status=422)
    elif services.effective_status(article, now) is ArticleStatus.PUBLISHED:
        return render_edit(
            article,
            publish_form=form,
            status=422,
            publish_problem="The article is already published.",
        )
    embargo = form.embargo_preview_at.data
    embargo = embargo.replace(tzinfo=UTC) if embargo is not None else None
    if embargo is not None and (release is None or embargo >= release):
        form.embargo_preview_at.errors = ["A partner embargo needs a scheduled release after it."]
        return render_edit(article, publish_form=form, status=422)
    try:
        services.publish_article(session, article, release_at=release, actor_id=_actor_id())
        services.set_embargo(session, article, embargo, actor_id=_actor_id(), now=now)
    except services.ContentError as exc:
        session.rollback()
        return render_edit(article, publish_form=form, status=422, publish_problem=str(exc))
    if embargo is not None:
        flash(
            f"The article is scheduled for {release:%d %B %Y, %H:%M} UTC; entitled partners "
            f"receive it, embargoed, from {embargo:%d %B %Y, %H:%M} UTC.",
            "success",
        )
    elif release is None:
        flash("The article is published.", "success")
    else:
        flash(f"The article is scheduled for {release:%d %B %Y, %H:%M} UTC.", "success")
    return redirect(url_for("staff.article_edit", article_id=article.id))


@bp.route("/articles/<int:article_id>/unpublish", methods=["POST"])
@requires(ARTICLE_PUBLISH)
def article_unpublish(article_id: int) -> Response | Page:
    """Take a published or scheduled article back to draft."""
    session = db_session()
    article = _load(session, article_id)
    if article.status not in (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED):
        return render_edit(
            article,
            status=422,
            publish_problem="Only a published or scheduled article can be unpublished.",
        )
    services.unpublish_article(session, article, _actor_id())
    flash("The article is back to draft and no longer public.", "success")
    return redirect(url_for("staff.article_edit", article_id=article.id))


@bp.route("/articles/<int:article_id>/corrections", methods=["POST"])
@requires(ARTICLE_CORRECT)
def article_correct(article_id: int) -> Response | Page:
    """Append a dated correction note."""
    session = db_session()
    article = _load(session, article_id)
    form = CorrectionForm()
    if form.validate():
        try:
            _correction, notices = correct_article(
                session, article, form.note.data or "", newswire_settings(), actor_id=_actor_id()
            )
        except services.ContentError as exc:
            form.note.errors = [str(exc)]
        else:
            told = len(notices)
            flash(
                f"Correction added; {told} partner{'' if told == 1 else 's'} notified.", "success"
            )
            return redirect(url_for("staff.article_edit", article_id=article.id) + "#corrections")
    return render_edit(article, correction_form=form, status=422)
