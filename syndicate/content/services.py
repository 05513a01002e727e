"""Article operations: create, edit with a version check, publish, images, corrections.

Domain code: takes a session and plain values, adds and flushes, records audit
events; the caller (request or CLI command) commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from syndicate import audit
from syndicate.content.models import (
    Article,
    ArticleImage,
    ArticleStatus,
    Author,
    BodyFormat,
    Correction,
    Image,
    ImageRole,
    Section,
    SyndicationPolicy,
    Tag,
)
from syndicate.content.plaintext import visible_text
from syndicate.content.sanitize import MAX_BODY_CHARS, body_problem, render_body
from syndicate.orm import utcnow

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LIMITS = {"slug": 160, "headline": 300, "dateline": 120, "dek": 2000, "body_source": MAX_BODY_CHARS}
# An article's lists, and the names in them (author slugs, tag names); a placed image's caption.
MAX_AUTHORS = 20
MAX_TAGS = 30
NAME_LENGTH = 120
MAX_IMAGES = 50
CAPTION_LENGTH = 2000
# What partners read about a kill, and a correction note.
KILL_REASON_LENGTH = 2000
CORRECTION_LENGTH = 4000


class ContentError(ValueError):
    """A content change was refused; ``fields`` maps form fields to messages."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class StaleEdit(ContentError):
    """Someone saved the article since the editor opened it."""


def slugify(text: str, max_length: int = 80) -> str:
    """``"Río Verde floods, again"`` → ``"rio-verde-floods-again"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def publicly_visible(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL condition for articles the public may read at ``now``.

    A scheduled article becomes public by itself when its release time passes. ``now``
    may be a bound parameter, for a statement built once and run at many moments.
    """
    return and_(
        Article.status.in_([ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED]),
        Article.released_at.is_not(None),
        Article.released_at <= now,
    )


def is_public(article: Article, now: datetime) -> bool:
    """Python twin of :func:`publicly_visible` for one loaded article."""
    return (
        article.status in (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)
        and article.released_at is not None
        and article.released_at <= now
    )


def was_public(article: Article) -> bool:
    """Whether the public could read a killed ``article`` before its kill.

    A story killed before its release never reached the public, so no public surface may
    tell it apart from a story that never existed.
    """
    released, killed = article.released_at, article.killed_at
    return released is not None and killed is not None and released <= killed


def shown_modified(
    released: datetime, changes: Iterable[datetime | None], now: datetime
) -> datetime:
    """When a story's copy last changed, as every surface shows it at ``now``.

    The latest of ``changes`` that has already happened, and never earlier than the
    release. A change stamped after ``now`` has not happened yet and is left out (a
    photo permission that lapses later, or an older row's time left by a release that
    was since moved earlier), so a released story never shows a time in the future.
    """
    shown = released
    for moment in changes:
        if moment is not None and shown < moment <= now:
            shown = moment
    return shown


def effective_status(article: Article, now: datetime) -> ArticleStatus:
    """The status a reader would observe: a scheduled story past its time is published."""
    if article.status is ArticleStatus.SCHEDULED and is_public(article, now):
        return ArticleStatus.PUBLISHED
    return article.status


@dataclass
class ArticleFields:
    """The editable fields of an article, as plain values."""

    slug: str
    headline: str
    section_id: int
    dek: str = ""
    body_source: str = ""
    body_format: BodyFormat = BodyFormat.MARKDOWN
    dateline: str = ""
    author_ids: Sequence[int] = ()
    tags: Sequence[str] = ()
    syndication: SyndicationPolicy = SyndicationPolicy.SYNDICATE
    comments_open: bool = True


def _validate(session: Session, fields: ArticleFields, article_id: int | None) -> None:
    problems: dict[str, str] = {}
    fields.slug = fields.slug.strip().lower()
    fields.headline = fields.headline.strip()
    if not fields.headline:
        problems["headline"] = "A headline is required."
    if not fields.slug:
        problems["slug"] = "A slug is required."
    elif not SLUG_PATTERN.match(fields.slug):
        problems["slug"] = "Use lower-case letters, digits and single hyphens only."
    for name, limit in LIMITS.items():
        if len(getattr(fields, name)) > limit:
            problems[name] = f"At most {limit:,} characters."
    if "body_source" not in problems:
        body = body_problem(fields.body_source, fields.body_format.value)
        if body is not None:
            problems["body_source"] = body
    if "slug" not in problems:
        clash = session.scalar(select(Article.id).where(Article.slug == fields.slug))
        if clash is not None and clash != article_id:
            problems["slug"] = f"The slug “{fields.slug}” is already used by another article."
    if session.get(Section, fields.section_id) is None:
        problems["section_id"] = "Choose a section."
    authors = set(fields.author_ids)
    if not authors:
        problems["author_ids"] = "Choose at least one author."
    elif len(authors) > MAX_AUTHORS:
        problems["author_ids"] = f"At most {MAX_AUTHORS} authors."
    elif len(session.scalars(select(Author.id).where(Author.id.in_(authors))).all()) != len(
        authors
    ):
        problems["author_ids"] = "An author was not found."
    if len(fields.tags) > MAX_TAGS:
        problems["tags"] = f"At most {MAX_TAGS} tags."
    elif any(len(name.strip()) > NAME_LENGTH for name in fields.tags):
        problems["tags"] = f"Each tag has at most {NAME_LENGTH} characters."
    if problems:
        raise ContentError("The article was not saved: " + " ".join(problems.values()), problems)


def _tags(session: Session, names: Sequence[str]) -> list[Tag]:
    """Find or create the tags named, one per slug ("Coast" and "coast" are one tag)."""
    by_slug: dict[str, str] = {}
    for name in names:
        slug = slugify(name.strip())
        if slug and slug not in by_slug:
            by_slug[slug] = name.strip()[:NAME_LENGTH]
    existing = {
        tag.slug: tag for tag in session.scalars(select(Tag).where(Tag.slug.in_(list(by_slug))))
    }
    tags: list[Tag] = []
    for slug, name in by_slug.items():
        tag = existing.get(slug)
        if tag is None:
            tag = Tag(slug=slug, name=name)
            session.add(tag)
        tags.append(tag)
    return tags


def _set_authors(session: Session, article: Article, author_ids: Sequence[int]) -> None:
    by_id = {a.id: a for a in session.scalars(select(Author).where(Author.id.in_(author_ids)))}
    article.authors = [by_id[i] for i in dict.fromkeys(author_ids)]


def snapshot(article: Article) -> dict[str, Any]:
    """The article's editorial state as plain values, for the audit trail."""
    return {
        "slug": article.slug,
        "headline": article.headline,
        "dek": article.dek,
        "status": article.status.value,
        "section": article.section_id,
        "authors": [a.id for a in article.authors],
        "tags": [t.slug for t in article.tags],
        "syndication": article.syndication.value,
        "comments_open": article.comments_open,
        "released_at": article.released_at.isoformat() if article.released_at else None,
        "embargo_preview_at": (
            article.embargo_preview_at.isoformat() if article.embargo_preview_at else None
        ),
        "killed_at": article.killed_at.isoformat() if article.killed_at else None,
        "revision": article.revision,
        "body_chars": len(article.body_source),
    }


def create_article(session: Session, fields: ArticleFields, actor_id: int | None) -> Article:
    """Create a draft; refuses a slug that exists and any missing required field."""
    _validate(session, fields, None)
    body_html = render_body(fields.body_source, fields.body_format.value)
    article = Article(
        slug=fields.slug,
        headline=fields.headline,
        dek=fields.dek.strip(),
        body_format=fields.body_format,
        body_source=fields.body_source,
        body_html=body_html,
        body_text=visible_text(body_html),
        dateline=fields.dateline.strip(),
        section_id=fields.section_id,
        syndication=fields.syndication,
        comments_open=fields.comments_open,
        status=ArticleStatus.DRAFT,
    )
    session.add(article)
    _set_authors(session, article, fields.author_ids)
    article.tags = _tags(session, fields.tags)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.create",
        object_type="article",
        object_id=article.id,
        after=snapshot(article),
    )
    return article


def update_article(
    session: Session,
    article: Article,
    fields: ArticleFields,
    expected_version: int,
    actor_id: int | None,
) -> Article:
    """Save an edit made from ``expected_version``; a stale edit raises :class:`StaleEdit`.

    The version column also guards the UPDATE itself, so two concurrent saves of the
    same version cannot both win. A change to a public article raises its revision.
    """
    if article.version != expected_version:
        raise StaleEdit(
            "Someone else saved this article after you opened it. Reload it to see their "
            "changes, then make yours again.",
            {"version": "stale"},
        )
    _validate(session, fields, article.id)
    before = snapshot(article)
    body_html = render_body(fields.body_source, fields.body_format.value)
    content_changed = (
        fields.headline != article.headline
        or fields.dek.strip() != article.dek
        or body_html != article.body_html
    )
    try:
        # No autoflush while assigning: the one flush below is where a concurrent save shows.
        with session.no_autoflush:
            article.slug = fields.slug
            article.headline = fields.headline
            article.dek = fields.dek.strip()
            article.body_format = fields.body_format
            article.body_source = fields.body_source
            article.body_html = body_html
            article.body_text = visible_text(body_html)
            article.dateline = fields.dateline.strip()
            article.section_id = fields.section_id
            article.syndication = fields.syndication
            article.comments_open = fields.comments_open
            _set_authors(session, article, fields.author_ids)
            article.tags = _tags(session, fields.tags)
            if content_changed and article.first_published_at is not None:
                article.revision += 1
                article.content_updated_at = utcnow()
        session.flush()
    except StaleDataError as exc:
        raise StaleEdit(
            "Someone else saved this article at the same moment. Reload it and try again.",
            {"version": "stale"},
        ) from exc
    audit.record(
        session,
        actor_id=actor_id,
        action="article.update",
        object_type="article",
        object_id=article.id,
        before=before,
        after=snapshot(article),
    )
    return article


def uncredited_images(article: Article) -> list[Image]:
    """The article's images that have no credit."""
    return [link.image for link in article.images if not link.image.credit_line]


def publish_article(
    session: Session,
    article: Article,
    *,
    release_at: datetime | None = None,
    actor_id: int | None,
    now: datetime | None = None,
) -> Article:
    """Publish now, or schedule for ``release_at``; refused while an image lacks a credit."""
    now = now or utcnow()
    if article.status is ArticleStatus.KILLED:
        raise ContentError("A killed article cannot be published again.")
    missing = uncredited_images(article)
    if missing:
        names = ", ".join(f"#{img.id} “{img.alt_text or img.storage_key}”" for img in missing)
        raise ContentError(
            f"The article cannot be published: image {names} has no credit. "
            "Add a creator or organisation in the image library first.",
            {"images": names},
        )
    if not article.body_html.strip():
        raise ContentError(
            "The article cannot be published without a body.", {"body_source": "empty"}
        )
    before = snapshot(article)
    release = release_at or now
    if article.first_published_at is None or not _reached_anyone(article, now):
        # Moving a release that nobody has seen yet moves the story's first publication
        # with it; once seen, the first publication (and the item id made from it) stays.
        article.first_published_at = release
    article.released_at = release
    article.status = ArticleStatus.SCHEDULED if release > now else ArticleStatus.PUBLISHED
    changed = article.content_updated_at
    if changed is not None and changed > now:
        # Only an edit stamps a change, at the time it is made; a time ahead of now was
        # left by an earlier schedule and would date the story after its new release.
        article.content_updated_at = None
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.schedule" if release > now else "article.publish",
        object_type="article",
        object_id=article.id,
        before=before,
        after=snapshot(article),
    )
    return article


def _reached_anyone(article: Article, now: datetime) -> bool:
    """Whether the story has been released, or previewed by embargoed partners, by ``now``."""
    return any(
        moment is not None and moment <= now
        for moment in (article.first_published_at, article.released_at, article.embargo_preview_at)
    )


def unpublish_article(session: Session, article: Article, actor_id: int | None) -> Article:
    """Return a published or scheduled article to draft."""
    before = snapshot(article)
    if article.status is ArticleStatus.KILLED:
        raise ContentError("A killed article stays killed.")
    article.status = ArticleStatus.DRAFT
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.unpublish",
        object_type="article",
        object_id=article.id,
        before=before,
        after=snapshot(article),
    )
    return article


def set_embargo(
    session: Session,
    article: Article,
    preview_at: datetime | None,
    *,
    actor_id: int | None,
    now: datetime | None = None,
) -> Article:
    """Set (or clear, with ``None``) the partner embargo of a scheduled article.

    Entitled partners receive the story from ``preview_at``, marked as embargoed until its
    release; the public sees nothing before the release. The embargo must start before
    the release, and only a story still to be released can carry one.
    """
    now = now or utcnow()
    if preview_at is not None:
        release = article.released_at
        if article.status is not ArticleStatus.SCHEDULED or release is None or release <= now:
            raise ContentError(
                "Only a story scheduled for a future release can carry a partner embargo. "
                "Schedule it first.",
                {"embargo_preview_at": "not scheduled"},
            )
        if preview_at >= release:
            raise ContentError(
                "The partner embargo must start before the public release.",
                {"embargo_preview_at": "after release"},
            )
    if article.embargo_preview_at == preview_at:
        return article
    before = snapshot(article)
    article.embargo_preview_at = preview_at
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.embargo",
        object_type="article",
        object_id=article.id,
        before=before,
        after=snapshot(article),
    )
    return article


def kill_article(
    session: Session,
    article: Article,
    reason: str,
    *,
    actor_id: int | None,
    now: datetime | None = None,
) -> Article:
    """Withdraw a published (or scheduled) story for good, with the reason partners see.

    The public page then answers 410 with a withdrawal notice; partner feeds replace the
    story with a kill notice. A killed story cannot be published again.
    """
    now = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise ContentError("Give the reason for the kill: partners see it.", {"reason": "required"})
    if len(reason) > KILL_REASON_LENGTH:
        raise ContentError(f"At most {KILL_REASON_LENGTH:,} characters.", {"reason": "too long"})
    if article.status not in (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED):
        raise ContentError(
            "Only a published or scheduled story can be killed.", {"status": article.status.value}
        )
    before = snapshot(article)
    article.status = ArticleStatus.KILLED
    article.killed_at = now
    article.kill_reason = reason
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleEdit(
            "Someone else changed this article at the same moment. Reload it and try again.",
            {"version": "stale"},
        ) from exc
    audit.record(
        session,
        actor_id=actor_id,
        action="article.kill",
        object_type="article",
        object_id=article.id,
        before=before,
        after={**snapshot(article), "reason": reason},
    )
    return article


def attach_image(
    session: Session,
    article: Article,
    image: Image,
    *,
    role: ImageRole = ImageRole.INLINE,
    caption_override: str = "",
    actor_id: int | None,
) -> ArticleImage:
    """Place ``image`` in ``article``; a new lead replaces the old lead."""
    if any(link.image_id == image.id for link in article.images):
        raise ContentError("That image is already in this article.", {"image_id": "duplicate"})
    if len(article.images) >= MAX_IMAGES:
        raise ContentError(f"An article has at most {MAX_IMAGES} images.", {"image_id": "too many"})
    if len(caption_override.strip()) > CAPTION_LENGTH:
        raise ContentError(
            f"A caption has at most {CAPTION_LENGTH:,} characters.", {"caption": "too long"}
        )
    if role is ImageRole.LEAD:
        for link in list(article.images):
            if link.role is ImageRole.LEAD:
                link.role = ImageRole.INLINE
    position = 1 + max((link.position for link in article.images), default=0)
    link = ArticleImage(
        image=image, role=role, position=position, caption_override=caption_override.strip()
    )
    article.images.append(link)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.image_attach",
        object_type="article",
        object_id=article.id,
        after={"image": image.id, "role": role.value},
    )
    return link


def detach_image(session: Session, article: Article, image_id: int, actor_id: int | None) -> None:
    """Take an image out of an article (the image stays in the library)."""
    link = next((lk for lk in article.images if lk.image_id == image_id), None)
    if link is None:
        raise ContentError("That image is not in this article.", {"image_id": "missing"})
    article.images.remove(link)
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.image_detach",
        object_type="article",
        object_id=article.id,
        before={"image": image_id},
    )


def add_correction(
    session: Session, article: Article, note: str, actor_id: int | None
) -> Correction:
    """Append a dated correction note and raise the revision."""
    note = note.strip()
    if not note:
        raise ContentError("Write the correction.", {"note": "required"})
    if len(note) > CORRECTION_LENGTH:
        raise ContentError(f"At most {CORRECTION_LENGTH:,} characters.", {"note": "too long"})
    correction = Correction(note=note)
    article.corrections.append(correction)
    article.revision += 1
    article.content_updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor_id=actor_id,
        action="article.correct",
        object_type="article",
        object_id=article.id,
        after={"note": note, "revision": article.revision},
    )
    return correction


def search_condition(query: str) -> ColumnElement[bool]:
    """Case-insensitive match of every word of ``query`` in headline, dek or body.

    The body is its visible text, never the staff's source: a comment or a link target
    written there is not something the public can read, so search does not find it.
    """
    words = [w for w in re.split(r"\s+", query.strip()) if w][:8]
    clauses = []
    for word in words:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            or_(
                func.lower(Article.headline).like(pattern.lower(), escape="\\"),
                func.lower(Article.dek).like(pattern.lower(), escape="\\"),
                func.lower(Article.body_text).like(pattern.lower(), escape="\\"),
            )
        )
    return and_(*clauses)
