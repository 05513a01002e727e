"""Article rules: unique slugs, stale edits, credits before publishing, revisions, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from syndicate.audit import AuditEvent
from syndicate.content.models import Article, ArticleStatus, Author, ImageRole, Section
from syndicate.content.services import (
    CAPTION_LENGTH,
    MAX_IMAGES,
    MAX_TAGS,
    NAME_LENGTH,
    ArticleFields,
    ContentError,
    StaleEdit,
    add_correction,
    attach_image,
    create_article,
    effective_status,
    is_public,
    publish_article,
    slugify,
    update_article,
)
from syndicate.database import Database
from syndicate.media import MediaStore
from syndicate.orm import utcnow
from tests.factories import make_article, make_author, make_image, make_section


def _fields(section, author, **kw) -> ArticleFields:
    return ArticleFields(
        slug=kw.pop("slug", "river-report"),
        headline=kw.pop("headline", "River report"),
        section_id=section.id,
        author_ids=[author.id],
        body_source=kw.pop("body_source", "Body text."),
        **kw,
    )


def test_slugify() -> None:
    assert slugify("Río Verde floods, again!") == "rio-verde-floods-again"
    assert slugify("  --  ") == ""


def test_duplicate_slug_is_refused_and_nothing_written(session) -> None:
    section, author = make_section(session), make_author(session)
    create_article(session, _fields(section, author), actor_id=None)
    before = session.scalar(select(func.count()).select_from(Article))
    with pytest.raises(ContentError) as info:
        create_article(session, _fields(section, author, headline="Other"), actor_id=None)
    assert "already used" in info.value.fields["slug"]
    assert session.scalar(select(func.count()).select_from(Article)) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"headline": "  "}, "headline"),
        ({"slug": "Bad Slug"}, "slug"),
        ({"slug": "x" * 161}, "slug"),
        ({"author_ids": []}, "author_ids"),
        ({"author_ids": [987654]}, "author_ids"),
        ({"section_id": 987654}, "section_id"),
        ({"tags": [f"tag {n}" for n in range(MAX_TAGS + 1)]}, "tags"),
        ({"tags": ["t" * (NAME_LENGTH + 1)]}, "tags"),
    ],
)
def test_invalid_fields_are_named(session, change, field) -> None:
    section, author = make_section(session), make_author(session)
    fields = _fields(section, author)
    for key, value in change.items():
        setattr(fields, key, value)
    with pytest.raises(ContentError) as info:
        create_article(session, fields, actor_id=None)
    assert field in info.value.fields


def test_body_is_sanitised_on_save(session) -> None:
    section, author = make_section(session), make_author(session)
    article = create_article(
        session,
        _fields(
            section, author, body_source='<p>Hi</p><script>x()</script><a href="javascript:y">l</a>'
        ),
        actor_id=None,
    )
    assert "<script" not in article.body_html
    assert "javascript:" not in article.body_html


def test_stale_edit_is_refused(session) -> None:
    section, author = make_section(session), make_author(session)
    article = create_article(session, _fields(section, author), actor_id=None)
    version = article.version
    update_article(session, article, _fields(section, author, headline="First edit"), version, None)
    assert article.version == version + 1
    with pytest.raises(StaleEdit):
        update_article(session, article, _fields(section, author, headline="Second"), version, None)
    assert article.headline == "First edit"


def test_concurrent_update_loses_at_flush(db) -> None:
    """Two connections load the same version; the second UPDATE matches no row."""
    database = Database(db.url)
    try:
        with database.transaction() as setup:
            section = make_section(setup)
            author = make_author(setup)
            article = create_article(setup, _fields(section, author, slug="race-test"), None)
            ids = (article.id, section.id, author.id)
        # The loser read the article in an earlier transaction (an editor's form, say).
        second = database.session()
        theirs = second.get(Article, ids[0])
        second.commit()
        first = database.session(write=True)
        mine = first.get(Article, ids[0])
        update_article(
            first, mine, _fields(section, author, slug="race-test", headline="A"), 1, None
        )
        first.commit()
        with pytest.raises(StaleEdit):
            update_article(
                second, theirs, _fields(section, author, slug="race-test", headline="B"), 1, None
            )
        second.rollback()
        first.close()
        second.close()
        with database.transaction() as check:
            assert check.get(Article, ids[0]).headline == "A"
    finally:
        with database.transaction() as cleanup:
            cleanup.execute(delete(AuditEvent).where(AuditEvent.object_id == str(ids[0])))
            cleanup.execute(delete(Article).where(Article.id == ids[0]))
            cleanup.execute(delete(Author).where(Author.id == ids[2]))
            cleanup.execute(delete(Section).where(Section.id == ids[1]))
        database.dispose()


def test_publish_refused_while_an_image_lacks_credit(app, session) -> None:
    store = MediaStore(app.config["MEDIA_DIR"])
    article = make_article(session, publish=False)
    image = make_image(session, store, alt_text="Flooded road at dusk")
    image.creator = image.organization = ""  # e.g. an older record whose credit was cleared
    attach_image(session, article, image, role=ImageRole.LEAD, actor_id=None)
    with pytest.raises(ContentError) as info:
        publish_article(session, article, actor_id=None)
    assert f"#{image.id}" in str(info.value)
    assert "Flooded road at dusk" in str(info.value)
    assert article.status is ArticleStatus.DRAFT
    image.organization = "The Lantern Desk"
    publish_article(session, article, actor_id=None)
    assert article.status is ArticleStatus.PUBLISHED
    assert is_public(article, utcnow())


def test_scheduling(session) -> None:
    later = utcnow() + timedelta(hours=2)
    article = make_article(session, released_at=later)
    assert article.status is ArticleStatus.SCHEDULED
    assert not is_public(article, utcnow())
    assert effective_status(article, later + timedelta(seconds=1)) is ArticleStatus.PUBLISHED


def test_revision_rises_only_for_published_content_changes(session) -> None:
    section, author = make_section(session), make_author(session)
    article = create_article(session, _fields(section, author), actor_id=None)
    update_article(session, article, _fields(section, author, headline="Draft edit"), 1, None)
    assert article.revision == 1
    publish_article(session, article, actor_id=None)
    update_article(
        session, article, _fields(section, author, headline="Published edit"), article.version, None
    )
    assert article.revision == 2
    add_correction(session, article, "An earlier version misstated the river's length.", None)
    assert article.revision == 3
    assert len(article.corrections) == 1
    with pytest.raises(ContentError):
        add_correction(session, article, "   ", None)


def test_every_change_is_audited(session) -> None:
    article = make_article(session)
    actions = session.scalars(
        select(AuditEvent.action).where(
            AuditEvent.object_type == "article", AuditEvent.object_id == str(article.id)
        )
    ).all()
    assert actions == ["article.create", "article.publish"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "article.publish"))
    assert event.before["status"] == "draft"
    assert event.after["status"] == "published"


def test_a_second_lead_demotes_the_first(app, session) -> None:
    store = MediaStore(app.config["MEDIA_DIR"])
    article = make_article(session, publish=False)
    first, second = make_image(session, store), make_image(session, store)
    attach_image(session, article, first, role=ImageRole.LEAD, actor_id=None)
    attach_image(session, article, second, role=ImageRole.LEAD, actor_id=None)
    assert article.lead.image is second
    assert [link.image for link in article.inline_images] == [first]
    with pytest.raises(ContentError):
        attach_image(session, article, first, actor_id=None)


def test_the_image_limits_the_api_documents_hold_for_every_caller(app, session) -> None:
    """The desk's form and the API read the same limits: a caption and the images of one
    article are refused past them whoever places the image."""
    store = MediaStore(app.config["MEDIA_DIR"])
    article = make_article(session, publish=False)
    image = make_image(session, store)
    with pytest.raises(ContentError) as info:
        attach_image(
            session, article, image, caption_override="c" * (CAPTION_LENGTH + 1), actor_id=None
        )
    assert "caption" in info.value.fields
    attach_image(session, article, image, caption_override="c" * CAPTION_LENGTH, actor_id=None)
    for _ in range(MAX_IMAGES - 1):
        attach_image(session, article, make_image(session, store), actor_id=None)
    with pytest.raises(ContentError) as info:
        attach_image(session, article, make_image(session, store), actor_id=None)
    assert "image_id" in info.value.fields
    assert len(article.images) == MAX_IMAGES


def test_tags_that_differ_only_in_case_are_one_tag(session) -> None:
    section, author = make_section(session), make_author(session)
    article = create_article(
        session, _fields(section, author, tags=["Coast", "coast", " COAST ", "Rivers"]), None
    )
    assert [t.slug for t in article.tags] == ["coast", "rivers"]
