"""Factories for test objects; each builds through the real domain code."""

from __future__ import annotations

import io
import itertools
from datetime import datetime
from typing import Any

from PIL import Image as PILImage
from sqlalchemy.orm import Session

from licenses.models import Publisher, PublisherStatus
from syndicate.accounts.models import Role, User
from syndicate.accounts.services import create_user
from syndicate.content.images import ImageRights, UploadLimits, ingest_image
from syndicate.content.models import Article, Author, Image, ImageRole, Section
from syndicate.content.rights import RightsClass
from syndicate.content.services import ArticleFields, attach_image, create_article, publish_article
from syndicate.media import MediaStore

_seq = itertools.count(1)

TEST_PASSWORD = "a long test password"


def png_bytes(
    width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 80, 40)
) -> bytes:
    """A small real PNG."""
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(
    width: int = 64, height: int = 48, color: tuple[int, int, int] = (40, 80, 200)
) -> bytes:
    """A small real JPEG."""
    out = io.BytesIO()
    PILImage.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()


def make_section(session: Session, **kw: Any) -> Section:
    n = next(_seq)
    section = Section(
        slug=kw.pop("slug", f"section-{n}"), name=kw.pop("name", f"Section {n}"), **kw
    )
    session.add(section)
    session.flush()
    return section


def make_author(session: Session, **kw: Any) -> Author:
    n = next(_seq)
    author = Author(slug=kw.pop("slug", f"author-{n}"), name=kw.pop("name", f"Author {n}"), **kw)
    session.add(author)
    session.flush()
    return author


def make_image(
    session: Session,
    store: MediaStore,
    *,
    rights_class: RightsClass = RightsClass.STAFF,
    creator: str = "Ada Lens",
    organization: str = "The Lantern Desk",
    data: bytes | None = None,
    **kw: Any,
) -> Image:
    rights = ImageRights(
        rights_class=rights_class,
        creator=creator,
        organization=organization,
        license_url=kw.pop("license_url", ""),
        source_url=kw.pop("source_url", ""),
        partner_allowed=kw.pop("partner_allowed", True),
        partner_allowed_until=kw.pop("partner_allowed_until", None),
    )
    return ingest_image(
        session,
        store,
        data or png_bytes(color=(next(_seq) % 255, 90, 120)),
        rights,
        alt_text=kw.pop("alt_text", "A test picture"),
        caption=kw.pop("caption", "A caption for the test picture."),
        limits=kw.pop("limits", UploadLimits(rendition_widths=(32,))),
        actor_id=None,
    )


def make_article(
    session: Session,
    *,
    section: Section | None = None,
    authors: list[Author] | None = None,
    publish: bool = True,
    released_at: datetime | None = None,
    **kw: Any,
) -> Article:
    n = next(_seq)
    section = section or make_section(session)
    authors = authors or [make_author(session)]
    fields = ArticleFields(
        slug=kw.pop("slug", f"story-{n}"),
        headline=kw.pop("headline", f"Story number {n}"),
        section_id=section.id,
        dek=kw.pop("dek", "A short summary."),
        body_source=kw.pop("body_source", "First paragraph.\n\nSecond paragraph."),
        author_ids=[a.id for a in authors],
        **kw,
    )
    article = create_article(session, fields, actor_id=None)
    if publish:
        publish_article(session, article, release_at=released_at, actor_id=None)
    return article


def add_image(
    session: Session, article: Article, image: Image, role: ImageRole = ImageRole.INLINE
) -> None:
    attach_image(session, article, image, role=role, actor_id=None)


def make_publisher(session: Session, **kw: Any) -> Publisher:
    n = next(_seq)
    publisher = Publisher(
        slug=kw.pop("slug", f"outlet-{n}"),
        name=kw.pop("name", f"Outlet {n}"),
        status=kw.pop("status", PublisherStatus.ACTIVE),
        **kw,
    )
    session.add(publisher)
    session.flush()
    return publisher


def make_user(
    session: Session, *, role: Role = Role.STAFF, password: str = TEST_PASSWORD, **kw: Any
) -> User:
    n = next(_seq)
    return create_user(
        session,
        email=kw.pop("email", f"user{n}@example.org"),
        role=role,
        password=password,
        publisher_slug=kw.pop("publisher_slug", None),
    )


def media_store_for(app: Any) -> MediaStore:
    """The media store of ``app``."""
    return MediaStore(app.config["MEDIA_DIR"])


def kill_article(session: Session, article: Article, reason: str = "Withdrawn.") -> Article:
    """Kill a published article through the content service."""
    from syndicate.content.services import kill_article as kill

    return kill(session, article, reason, actor_id=None)


def make_licence(session: Session, publisher: Publisher, **kw: Any) -> Any:
    """A licence for ``publisher`` under the current terms (all stories, active, from now)."""
    from licenses.models import License, ScopeKind
    from licenses.terms import current_terms
    from syndicate.orm import utcnow

    licence = License(
        publisher=publisher,
        scope_kind=kw.pop("scope_kind", ScopeKind.ALL),
        terms=kw.pop("terms", None) or current_terms(session),
        starts_at=kw.pop("starts_at", None) or utcnow(),
        **kw,
    )
    session.add(licence)
    session.flush()
    return licence


def make_partner(session: Session, **kw: Any) -> User:
    """A partner user of a new publisher (publisher fields from ``kw``)."""
    publisher = make_publisher(session, **kw)
    return make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)


def make_feed_partner(session: Session, **kw: Any) -> tuple[Publisher, str]:
    """An active publisher with a licence in force (``kw`` go to the licence) and a feed key.

    Returns the publisher and the key's secret.
    """
    from licenses.keys import create_feed_key

    publisher = make_publisher(session)
    make_licence(session, publisher, **kw)
    _key, secret = create_feed_key(session, publisher, actor_id=None)
    return publisher, secret
