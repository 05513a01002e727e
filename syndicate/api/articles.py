"""Articles: what the caller may read, and staff writing through the content services.

Partners (API token or feed key) see only public articles covered by their licences in
force (and embargoed ones that a licence with embargo entitlement covers, marked
``embargoed_until``), without the images they may not receive. Staff see every article and
image.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import request
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from licenses.coverage import publisher_coverage
from licenses.models import PublisherStatus
from syndicate.api import permissions as perms
from syndicate.api import serializers
from syndicate.api.auth import Principal, current_principal
from syndicate.api.blueprint import bp
from syndicate.api.jsonio import (
    ApiError,
    bool_field,
    invalid,
    json_body,
    not_found,
    page_envelope,
    paging,
    parse_time,
    query_choice,
    refuse_unknown,
)
from syndicate.content.models import (
    Article,
    ArticleImage,
    ArticleStatus,
    Author,
    BodyFormat,
    Image,
    ImageRole,
    Section,
    SyndicationPolicy,
)
from syndicate.content.services import (
    LIMITS,
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
from syndicate.web.inputs import int_problem

ARTICLE_FIELDS = frozenset(
    {
        "slug",
        "headline",
        "dek",
        "body",
        "body_format",
        "dateline",
        "section",
        "authors",
        "tags",
        "syndication",
        "comments_open",
        "images",
    }
)
MAX_TAGS = 30
MAX_IMAGES = 50


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


def _article_json(article: Article, now: datetime) -> dict[str, Any]:
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
@perms.requires(perms.ARTICLE_READ)
def list_articles() -> dict[str, Any]:
    """Articles the caller may read, newest first; ``section`` filters, staff may filter status."""
    principal = current_principal()
    now = utcnow()
    problems: dict[str, str] = {}
    status = query_choice("status", [s.value for s in ArticleStatus], problems)
    page = paging(problems)
    if problems:
        raise invalid(problems)
    conditions: list[ColumnElement[bool]] = []
    section = request.args.get("section")
    if section:
        conditions.append(Article.section.has(Section.slug == section))
    if status is not None and principal.can(perms.ARTICLE_READ_ANY):
        conditions.append(Article.status == ArticleStatus(status))
    session = db_session()
    base = _visible(select(Article).where(*conditions), principal, now)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    articles = session.scalars(
        base.options(*_loaded())
        .order_by(
            Article.released_at.desc().nulls_last(),
            Article.created_at.desc(),
            Article.id.desc(),
        )
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    return page_envelope([_article_json(a, now) for a in articles], page, total)


@bp.get("/articles/<slug>")
@perms.requires(perms.ARTICLE_READ)
def get_article(slug: str) -> dict[str, Any]:
    """One article, if the caller may read it (404 otherwise)."""
    now = utcnow()
    return _article_json(_find(slug, now), now)


def _enum(body: dict[str, Any], name: str, enum_cls: Any, default: Any, problems: dict) -> Any:
    raw = body.get(name)
    if raw is None:
        return default
    try:
        return enum_cls(raw)
    except ValueError:
        problems[name] = "Choose one of: " + ", ".join(m.value for m in enum_cls)
        return default


def _slug_list(raw: Any, name: str, problems: dict[str, str], high: int) -> list[str] | None:
    if not isinstance(raw, list) or len(raw) > high:
        problems[name] = f"Give a list of at most {high} names."
        return None
    if not all(isinstance(item, str) and 0 < len(item.strip()) <= 120 for item in raw):
        problems[name] = "Each entry must be non-empty text of at most 120 characters."
        return None
    return [item.strip() for item in raw]


def _fields(body: dict[str, Any], current: Article | None) -> ArticleFields:
    """Build the article's fields from the body, keeping ``current`` values for omitted ones."""
    problems: dict[str, str] = {}
    session = db_session()

    def text(name: str, limit: int, fallback: str) -> str:
        if name not in body:
            return fallback
        value = body[name]
        if not isinstance(value, str):
            problems[name] = "Must be text."
            return fallback
        if len(value) > limit:
            problems[name] = f"At most {limit:,} characters."
        return value

    headline = text("headline", LIMITS["headline"], current.headline if current else "")
    slug = text("slug", LIMITS["slug"], current.slug if current else "")
    if not headline.strip() and "headline" not in problems:
        problems["headline"] = "A headline is required."
    if current is None and not slug.strip() and headline.strip():
        slug = slugify(headline)
    section_id = current.section_id if current else 0
    if "section" in body or current is None:
        raw = body.get("section")
        if not isinstance(raw, str) or not raw.strip():
            problems["section"] = "Give the section's slug."
        else:
            found = session.scalar(select(Section.id).where(Section.slug == raw.strip()))
            if found is None:
                problems["section"] = f"No section “{raw.strip()}”."
            else:
                section_id = found
    author_ids = [a.id for a in current.authors] if current else []
    if "authors" in body or current is None:
        names = _slug_list(body.get("authors"), "authors", problems, 20)
        if names is not None:
            found_ids = dict(
                session.execute(select(Author.slug, Author.id).where(Author.slug.in_(names))).all()
            )
            missing = [n for n in names if n not in found_ids]
            if missing:
                problems["authors"] = "Unknown author: " + ", ".join(missing[:5])
            elif not names:
                problems["authors"] = "Name at least one author (their slugs)."
            author_ids = [found_ids[n] for n in names if n in found_ids]
    tags = [t.name for t in current.tags] if current else []
    if "tags" in body:
        tag_names = _slug_list(body["tags"], "tags", problems, MAX_TAGS)
        tags = tag_names if tag_names is not None else tags
    fields = ArticleFields(
        slug=slug,
        headline=headline,
        section_id=section_id,
        dek=text("dek", LIMITS["dek"], current.dek if current else ""),
        body_source=text("body", LIMITS["body_source"], current.body_source if current else ""),
        body_format=_enum(
            body,
            "body_format",
            BodyFormat,
            current.body_format if current else BodyFormat.MARKDOWN,
            problems,
        ),
        dateline=text("dateline", LIMITS["dateline"], current.dateline if current else ""),
        author_ids=author_ids,
        tags=tags,
        syndication=_enum(
            body,
            "syndication",
            SyndicationPolicy,
            current.syndication if current else SyndicationPolicy.SYNDICATE,
            problems,
        ),
        comments_open=bool_field(
            body, "comments_open", problems, current.comments_open if current else True
        ),
    )
    if problems:
        raise invalid(problems)
    return fields


def _placements(raw: Any) -> list[tuple[Image, ImageRole, str]]:
    """``images: [{"image_id", "role", "caption"}]`` checked as a whole."""
    if not isinstance(raw, list) or len(raw) > MAX_IMAGES:
        raise invalid({"images": f"Give a list of at most {MAX_IMAGES} placements."})
    problems: dict[str, str] = {}
    wanted: list[tuple[int, ImageRole, str]] = []
    for n, item in enumerate(raw):
        name = f"images[{n}]"
        if not isinstance(item, dict) or set(item) - {"image_id", "role", "caption"}:
            problems[name] = 'Give {"image_id": ID, "role": "lead"|"inline", "caption": TEXT}.'
            continue
        image_id = item.get("image_id")
        if not isinstance(image_id, int) or int_problem(image_id) is not None:
            problems[f"{name}.image_id"] = "Give the image's id."
            continue
        try:
            role = ImageRole(item.get("role", "inline"))
        except ValueError:
            problems[f"{name}.role"] = "Choose lead or inline."
            continue
        caption = item.get("caption", "")
        if not isinstance(caption, str) or len(caption) > 2000:
            problems[f"{name}.caption"] = "Text of at most 2,000 characters."
            continue
        wanted.append((image_id, role, caption))
    ids = [image_id for image_id, _, _ in wanted]
    if len(set(ids)) != len(ids):
        problems["images"] = "Each image may be placed once."
    if sum(1 for _, role, _ in wanted if role is ImageRole.LEAD) > 1:
        problems["images"] = "Only one image can be the lead."
    found = {img.id: img for img in db_session().scalars(select(Image).where(Image.id.in_(ids)))}
    for n, (image_id, _, _) in enumerate(wanted):
        if image_id not in found:
            problems[f"images[{n}].image_id"] = f"No image #{image_id}."
    if problems:
        raise invalid(problems)
    return [(found[image_id], role, caption) for image_id, role, caption in wanted]


def _place_images(article: Article, raw: Any, actor_id: int | None) -> None:
    """Make the article's images exactly the placements given, in that order."""
    placements = _placements(raw)
    session = db_session()
    for link in list(article.images):
        detach_image(session, article, link.image_id, actor_id)
    for image, role, caption in placements:
        attach_image(
            session, article, image, role=role, caption_override=caption, actor_id=actor_id
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


def _required_version(body: dict[str, Any]) -> int:
    version = body.get("version")
    if not isinstance(version, int) or int_problem(version) is not None:
        raise invalid({"version": "Give the version you edited (from the article's JSON)."})
    return version


@bp.post("/articles")
@perms.requires(perms.ARTICLE_WRITE)
def create_article_view() -> tuple[dict[str, Any], int]:
    """Create a draft (publish it with ``POST /articles/{slug}/publish``)."""
    body = json_body()
    refuse_unknown(body, ARTICLE_FIELDS)
    actor = current_principal().actor_id
    fields = _fields(body, None)
    article = create_article(db_session(), fields, actor_id=actor)
    if "images" in body:
        _place_images(article, body["images"], actor)
    return _article_json(_staff_article(article.slug, reload=True), utcnow()), 201


@bp.patch("/articles/<slug>")
@perms.requires(perms.ARTICLE_WRITE)
def update_article_view(slug: str) -> dict[str, Any]:
    """Edit the fields given, from ``version``; a stale version gets 409 and changes nothing."""
    body = json_body()
    refuse_unknown(body, ARTICLE_FIELDS | {"version"})
    article = _staff_article(slug)
    version = _required_version(body)
    actor = current_principal().actor_id
    fields = _fields({k: v for k, v in body.items() if k != "version"}, article)
    article = update_article(db_session(), article, fields, version, actor_id=actor)
    if "images" in body:
        _place_images(article, body["images"], actor)
    return _article_json(_staff_article(article.slug, reload=True), utcnow())


def _check_optional_version(article: Article, body: dict[str, Any]) -> None:
    if "version" in body:
        version = _required_version(body)
        if version != article.version:
            raise ApiError(409, "The article changed since that version.", {"version": "stale"})


@bp.post("/articles/<slug>/publish")
@perms.requires(perms.ARTICLE_WRITE)
def publish_article_view(slug: str) -> dict[str, Any]:
    """Publish now, or schedule with ``release_at``; refused while an image lacks a credit."""
    body = json_body()
    refuse_unknown(body, {"release_at", "version"})
    article = _staff_article(slug)
    _check_optional_version(article, body)
    problems: dict[str, str] = {}
    release_at = parse_time(body.get("release_at"), "release_at", problems)
    if problems:
        raise invalid(problems)
    publish_article(
        db_session(), article, release_at=release_at, actor_id=current_principal().actor_id
    )
    return _article_json(article, utcnow())


@bp.post("/articles/<slug>/unpublish")
@perms.requires(perms.ARTICLE_WRITE)
def unpublish_article_view(slug: str) -> dict[str, Any]:
    """Return a published or scheduled article to draft."""
    body = json_body()
    refuse_unknown(body, {"version"})
    article = _staff_article(slug)
    _check_optional_version(article, body)
    unpublish_article(db_session(), article, actor_id=current_principal().actor_id)
    return _article_json(article, utcnow())
