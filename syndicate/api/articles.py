"""Articles: what the caller may read, and staff writing through the content services.

Partners (API token or feed key) see only public articles covered by their licences in
force (and embargoed ones that a licence with embargo entitlement covers, marked
``embargoed_until``), without the images they may not receive. Staff see every article and
image.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.wrappers import Response

from licenses.coverage import publisher_coverage
from licenses.models import PublisherStatus
from syndicate.api import ninjs, schemas, serializers
from syndicate.api import permissions as perms
from syndicate.api.auth import Principal, current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import JSON as JSON_TYPE
from syndicate.api.contract import body, operation, page_of, query
from syndicate.api.jsonio import ApiError, not_found
from syndicate.content.models import (
    Article,
    ArticleImage,
    Author,
    BodyFormat,
    Image,
    Section,
    SyndicationPolicy,
)
from syndicate.content.services import (
    ArticleFields,
    attach_image,
    create_article,
    detach_image,
    publish_article,
    slugify,
    unpublish_article,
    update_article,
)
from syndicate.newswire.embargo import partner_condition
from syndicate.orm import utcnow
from syndicate.web.db import db_session


def _loaded() -> list[Any]:
    """Loader options: everything an article's JSON needs, in a fixed number of queries."""
    return [
        joinedload(Article.section, innerjoin=True),
        selectinload(Article.authors),
        selectinload(Article.tags),
        selectinload(Article.corrections),
        selectinload(Article.images)
        .joinedload(ArticleImage.image, innerjoin=True)
        .selectinload(Image.renditions),
    ]


def _visibility(principal: Principal, now: datetime) -> ColumnElement[bool] | None:
    """``None`` for staff (everything); the partner's covered public articles otherwise."""
    if principal.can(perms.ARTICLE_READ_ANY):
        return None
    publisher_id = principal.publisher_id
    user = principal.user
    standing = user.publisher.status if user is not None and user.publisher else None
    if publisher_id is None or (user is not None and standing is not PublisherStatus.ACTIVE):
        # A partner account without a publisher in good standing sees nothing; feed keys
        # of such publishers are already refused when they authenticate.
        return Article.id.is_(None)
    coverage = publisher_coverage(db_session(), publisher_id, now)
    # Stories under a partner embargo too, where a licence that covers them grants it.
    return partner_condition(coverage, now)


def _visible(stmt: Select[Any], principal: Principal, now: datetime) -> Select[Any]:
    condition = _visibility(principal, now)
    return stmt if condition is None else stmt.where(condition)


def _article_json(article: Article, now: datetime) -> schemas.Article:
    return serializers.article(article, now, staff=current_principal().can(perms.ARTICLE_READ_ANY))


def _find(slug: str, now: datetime) -> Article:
    article = db_session().scalar(
        _visible(select(Article).where(Article.slug == slug), current_principal(), now).options(
            *_loaded()
        )
    )
    if article is None:
        raise not_found("That article")
    return article


@bp.get("/articles")
@operation(
    "List articles",
    tag="Articles",
    permission=perms.ARTICLE_READ,
    query=schemas.ArticleQuery,
    answer=schemas.ArticlePage,
    also=((JSON_TYPE, schemas.NinjsPage),),
    description="Staff see every article. Partners (API token or feed key) see the public "
    "articles their licences in force cover (with embargo entitlement, also embargoed ones, "
    "marked `embargoed_until`), without images they may not receive.",
)
def list_articles() -> schemas.ArticlePage | Response:
    """Articles the caller may read, newest first; ``section`` filters, staff may filter status."""
    principal = current_principal()
    now = utcnow()
    as_ninjs = ninjs.wanted()
    asked = query(schemas.ArticleQuery)
    conditions: list[ColumnElement[bool]] = []
    if asked.section:
        conditions.append(Article.section.has(Section.slug == asked.section))
    if asked.status is not None and principal.can(perms.ARTICLE_READ_ANY):
        conditions.append(Article.status == asked.status)
    page = page_of(
        _visible(select(Article).where(*conditions), principal, now),
        asked,
        Article.released_at.desc().nulls_last(),
        Article.created_at.desc(),
        Article.id.desc(),
        options=_loaded(),
    )
    articles = list(page.rows)
    if as_ninjs:
        return ninjs.answer(page.fields(ninjs.documents(articles, now)), single=False)
    return schemas.ArticlePage(**page.fields([_article_json(a, now) for a in articles]))


@bp.get("/articles/<slug>")
@operation(
    "Read an article",
    tag="Articles",
    permission=perms.ARTICLE_READ,
    query=schemas.ArticleFormatQuery,
    answer=schemas.Article,
    also=((ninjs.MEDIA_TYPE, schemas.NinjsDocument),),
    errors=(404,),
)
def get_article(slug: str) -> schemas.Article | Response:
    """One article, if the caller may read it (404 otherwise)."""
    now = utcnow()
    as_ninjs = ninjs.wanted()
    article = _find(slug, now)
    if as_ninjs:
        return ninjs.answer(ninjs.documents([article], now)[0], single=True)
    return _article_json(article, now)


def _section_id(slug: str) -> int:
    """The id of a section the body's model found."""
    return db_session().scalars(select(Section.id).where(Section.slug == slug.strip())).one()


def _author_ids(slugs: list[str]) -> list[int]:
    """The ids of the authors the body's model found, in the order given."""
    found = dict(
        db_session().execute(select(Author.slug, Author.id).where(Author.slug.in_(slugs))).all()
    )
    return [found[slug] for slug in slugs]


def _fields(
    data: schemas.ArticleInput | schemas.ArticlePatch, current: Article | None
) -> ArticleFields:
    """The article's fields: those given, the current values (or defaults) for the rest."""

    def pick(value: Any, kept: Any, default: Any) -> Any:
        if value is not None:
            return value
        return kept if current is not None else default

    headline = pick(data.headline, current and current.headline, "")
    slug = pick(data.slug, current and current.slug, "")
    if current is None and not slug.strip() and headline.strip():
        slug = slugify(headline)
    return ArticleFields(
        slug=slug,
        headline=headline,
        section_id=(
            _section_id(data.section)
            if data.section is not None
            else pick(None, current and current.section_id, 0)
        ),
        dek=pick(data.dek, current and current.dek, ""),
        body_source=pick(data.body, current and current.body_source, ""),
        body_format=pick(data.body_format, current and current.body_format, BodyFormat.MARKDOWN),
        dateline=pick(data.dateline, current and current.dateline, ""),
        author_ids=(
            _author_ids(data.authors)
            if data.authors is not None
            else pick(None, current and [a.id for a in current.authors], [])
        ),
        tags=pick(data.tags, current and [t.name for t in current.tags], []),
        syndication=pick(
            data.syndication, current and current.syndication, SyndicationPolicy.SYNDICATE
        ),
        comments_open=pick(data.comments_open, current and current.comments_open, True),
    )


def _place_images(
    article: Article, placements: list[schemas.ImagePlacement], actor_id: int | None
) -> None:
    """Make the article's images exactly the placements given (each checked by the body's
    model: known, placed once, one lead at most), in that order."""
    session = db_session()
    ids = [p.image_id for p in placements]
    found = {img.id: img for img in session.scalars(select(Image).where(Image.id.in_(ids)))}
    for link in list(article.images):
        detach_image(session, article, link.image_id, actor_id)
    for placement in placements:
        attach_image(
            session,
            article,
            found[placement.image_id],
            role=placement.role,
            caption_override=placement.caption,
            actor_id=actor_id,
        )


def _staff_article(slug: str, *, reload: bool = False) -> Article:
    stmt = select(Article).where(Article.slug == slug).options(*_loaded())
    if reload:
        # After a write: read the collections back in their stored order.
        db_session().flush()
        stmt = stmt.execution_options(populate_existing=True)
    article = db_session().scalar(stmt)
    if article is None:
        raise not_found("That article")
    return article


def _check_version(article: Article, version: int | None) -> None:
    if version is not None and version != article.version:
        raise ApiError(409, "The article changed since that version.", {"version": "stale"})


@bp.post("/articles")
@operation(
    "Create an article (a draft)",
    tag="Articles",
    permission=perms.ARTICLE_WRITE,
    body=schemas.ArticleInput,
    body_required=True,
    answer=schemas.Article,
    status=201,
    description="Publish it with `POST /articles/{slug}/publish`.",
)
def create_article_view() -> schemas.Article:
    """Create a draft (publish it with ``POST /articles/{slug}/publish``)."""
    data = body(schemas.ArticleInput)
    actor = current_principal().actor_id
    article = create_article(db_session(), _fields(data, None), actor_id=actor)
    if data.images is not None:
        _place_images(article, data.images, actor)
    return _article_json(_staff_article(article.slug, reload=True), utcnow())


@bp.patch("/articles/<slug>")
@operation(
    "Edit an article",
    tag="Articles",
    permission=perms.ARTICLE_WRITE,
    body=schemas.ArticlePatch,
    body_required=True,
    answer=schemas.Article,
    errors=(404, 409),
    description="Only the fields given change, from `version`; a stale version gets 409 "
    "and changes nothing.",
)
def update_article_view(slug: str) -> schemas.Article:
    """Edit the fields given, from ``version``; a stale version gets 409 and changes nothing."""
    data = body(schemas.ArticlePatch)
    article = _staff_article(slug)
    actor = current_principal().actor_id
    article = update_article(
        db_session(), article, _fields(data, article), data.version, actor_id=actor
    )
    if data.images is not None:
        _place_images(article, data.images, actor)
    return _article_json(_staff_article(article.slug, reload=True), utcnow())


@bp.post("/articles/<slug>/publish")
@operation(
    "Publish or schedule an article",
    tag="Articles",
    permission=perms.ARTICLE_WRITE,
    body=schemas.PublishInput,
    answer=schemas.Article,
    errors=(404, 409),
    description="Refused (422, field `images`) while an image lacks a credit.",
)
def publish_article_view(slug: str) -> schemas.Article:
    """Publish now, or schedule with ``release_at``; refused while an image lacks a credit."""
    data = body(schemas.PublishInput)
    article = _staff_article(slug)
    _check_version(article, data.version)
    publish_article(
        db_session(), article, release_at=data.release_at, actor_id=current_principal().actor_id
    )
    return _article_json(article, utcnow())


@bp.post("/articles/<slug>/unpublish")
@operation(
    "Return an article to draft",
    tag="Articles",
    permission=perms.ARTICLE_WRITE,
    body=schemas.VersionInput,
    answer=schemas.Article,
    errors=(404, 409),
)
def unpublish_article_view(slug: str) -> schemas.Article:
    """Return a published or scheduled article to draft."""
    data = body(schemas.VersionInput)
    article = _staff_article(slug)
    _check_version(article, data.version)
    unpublish_article(db_session(), article, actor_id=current_principal().actor_id)
    return _article_json(article, utcnow())
