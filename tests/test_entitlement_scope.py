"""A right one licence grants reaches only the stories that licence covers.

The partner holds licence A (environment and local government, no embargo entitlement);
staff then grant licence B, one story, with embargo entitlement. Embargoed environment
stories must stay out of the partner's feeds and API, and a story killed during its
embargo is not the partner's to be told about, until a licence that covers it grants
embargoes.
"""

from __future__ import annotations

import feedparser
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.models import ScopeKind
from syndicate.content.models import Article
from syndicate.newswire.models import Notice
from syndicate.newswire.notices import NewswireSettings, kill_article
from tests.factories import make_feed_partner, make_licence, make_section
from tests.newswire_support import (  # noqa: F401
    cold_feed_cache,
    embargoed_story,
    partner_feed,
    release_now,
)

SETTINGS = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
SECRET_STORY = "Wetland drained for a car park"
LICENSED_STORY = "Derby day on the river"


def _partner_with_two_licences(session: Session) -> tuple[object, str, Article, Article]:
    """Licence A (two sections, no embargo), licence B (one embargoed story, embargo granted),
    and an embargoed environment story that only A covers."""
    environment = make_section(session, slug="environment", name="Environment")
    make_section(session, slug="local-government", name="Local government")
    sport = make_section(session, slug="sport", name="Sport")
    publisher, secret = make_feed_partner(
        session,
        scope_kind=ScopeKind.SECTIONS,
        scope_sections=["environment", "local-government"],
    )
    licensed = embargoed_story(session, section=sport, headline=LICENSED_STORY)
    make_licence(
        session,
        publisher,
        scope_kind=ScopeKind.ARTICLE,
        scope_article_id=licensed.id,
        embargo_entitled=True,
    )
    secret_story = embargoed_story(session, section=environment, headline=SECRET_STORY)
    return publisher, secret, licensed, secret_story


def _titles(client: FlaskClient, secret: str) -> set[str]:
    feed = feedparser.parse(partner_feed(client, "rss", secret))
    assert feed.bozo == 0
    return {entry.title for entry in feed.entries}


def _api_status(client: FlaskClient, secret: str, slug: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    return client.get(f"/api/v1/articles/{slug}", headers=headers).status_code


def test_a_one_story_embargo_does_not_open_the_other_licences_embargoes(
    client: FlaskClient, session: Session
) -> None:
    _publisher, secret, licensed, secret_story = _partner_with_two_licences(session)
    session.commit()

    seen = {
        "rss": _titles(client, secret),
        "api": {
            slug: _api_status(client, secret, slug) for slug in (licensed.slug, secret_story.slug)
        },
    }
    assert seen == {
        "rss": {LICENSED_STORY},
        "api": {licensed.slug: 200, secret_story.slug: 404},
    }
    listing = client.get("/api/v1/articles", headers={"Authorization": f"Bearer {secret}"})
    assert [item["slug"] for item in listing.get_json()["items"]] == [licensed.slug]

    # Once public, licence A delivers the environment story like any other.
    release_now(session, secret_story)
    session.commit()
    assert _titles(client, secret) == {LICENSED_STORY, SECRET_STORY}
    assert _api_status(client, secret, secret_story.slug) == 200


def test_a_story_killed_during_its_embargo_is_not_noticed_under_another_licences_right(
    client: FlaskClient, session: Session
) -> None:
    publisher, secret, licensed, secret_story = _partner_with_two_licences(session)
    told = kill_article(session, secret_story, "Wrong wetland.", SETTINGS, actor_id=None)
    told_b = kill_article(session, licensed, "Race cancelled.", SETTINGS, actor_id=None)
    session.commit()

    assert publisher.id not in {notice.publisher_id for notice in told}
    assert publisher.id in {notice.publisher_id for notice in told_b}
    notices = session.scalars(select(Notice).where(Notice.publisher_id == publisher.id)).all()
    assert [notice.article_id for notice in notices] == [licensed.id]
    # The feed's kill notices: only the story the partner had under licence B.
    assert _titles(client, secret) == {f"KILL: {LICENSED_STORY}"}
