"""The partner feed page statement: kill notices, stories and the next moments, per scope."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from licenses.coverage import Coverage, Scope
from syndicate.content.models import Article, ArticleStatus, Section, SyndicationPolicy
from syndicate.orm import utcnow
from syndicate.syndication.query import feed_page
from tests.factories import make_article, make_section

RIVERS = "rivers-page"


def test_the_page_holds_kills_stories_and_the_next_moments(session: Session) -> None:
    now = utcnow()
    rivers = make_section(session, slug=RIVERS, name="Rivers")
    courts = make_section(session, slug="courts-page", name="Courts")

    def story(section: Section, offset: timedelta, **kw: Any) -> Article:
        return make_article(session, section=section, released_at=now + offset, **kw)

    oldest, newest, middle = (story(rivers, -timedelta(hours=h)) for h in (3, 1, 2))
    unsyndicated = story(
        rivers, -timedelta(minutes=10), syndication=SyndicationPolicy.DO_NOT_SYNDICATE
    )
    elsewhere = story(courts, -timedelta(minutes=30))
    soon_elsewhere = story(courts, timedelta(minutes=5))
    soon = story(rivers, timedelta(minutes=20))
    story(rivers, timedelta(hours=2))
    embargoed = story(rivers, timedelta(hours=5))
    embargoed.embargo_preview_at = now - timedelta(minutes=1)
    previewed_next = story(rivers, timedelta(hours=6))
    previewed_next.embargo_preview_at = now + timedelta(minutes=40)
    killed = story(rivers, -timedelta(hours=4))
    killed.status = ArticleStatus.KILLED
    killed.killed_at = now - timedelta(hours=1)
    long_killed = story(rivers, -timedelta(days=30))
    long_killed.status = ArticleStatus.KILLED
    long_killed.killed_at = now - timedelta(days=20)
    session.flush()

    section_scope = Coverage(section_slugs=frozenset({RIVERS}))
    page = feed_page(session, section_scope, now, 50, 14)
    assert page.killed == (killed.id,)
    assert page.live == (newest.id, middle.id, oldest.id)
    assert unsyndicated.id not in page.live
    assert page.next_release == soon.released_at
    assert page.next_embargo_preview is None, "only an entitled scope waits for previews"
    assert page.ids == (killed.id, newest.id, middle.id, oldest.id)

    assert feed_page(session, section_scope, now, 2, 14).live == (newest.id, middle.id)
    assert feed_page(session, section_scope, now, 50, 0).killed == ()

    rivers_scope = Scope(section_slugs=frozenset({RIVERS}))
    entitled = Coverage(section_slugs=frozenset({RIVERS}), embargo=rivers_scope)
    page = feed_page(session, entitled, now, 50, 14)
    assert page.live == (embargoed.id, newest.id, middle.id, oldest.id)
    assert page.next_embargo_preview == previewed_next.embargo_preview_at
    assert page.next_release == soon.released_at

    # An embargo granted for one other story opens nothing in the section.
    one_entitled = Coverage(
        section_slugs=frozenset({RIVERS}),
        article_ids=frozenset({elsewhere.id}),
        embargo=Scope(article_ids=frozenset({elsewhere.id})),
    )
    page = feed_page(session, one_entitled, now, 50, 14)
    assert page.live == (elsewhere.id, newest.id, middle.id, oldest.id)
    assert page.next_embargo_preview is None

    one_story = Coverage(article_ids=frozenset({elsewhere.id}))
    page = feed_page(session, one_story, now, 50, 14)
    assert page.live == (elsewhere.id,)
    assert page.next_release is None

    both = Coverage(section_slugs=frozenset({RIVERS}), article_ids=frozenset({elsewhere.id}))
    assert feed_page(session, both, now, 50, 14).live == (
        elsewhere.id,
        newest.id,
        middle.id,
        oldest.id,
    )
    everything = feed_page(session, Coverage(everything=True), now, 50, 14)
    assert everything.next_release == soon_elsewhere.released_at
    assert {newest.id, elsewhere.id} <= set(everything.live)
    assert feed_page(session, Coverage(), now, 50, 14).ids == ()
