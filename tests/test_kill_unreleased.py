"""A story killed before its release: the public never saw it, so nothing public shows it.

Every public surface answers exactly as it would for a story that never existed; a partner
that had it under embargo still gets the kill notice.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import feedparser
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.services import kill_article as kill_story
from syndicate.content.services import publish_article, set_embargo
from syndicate.newswire.notices import NewswireSettings, kill_article
from syndicate.orm import utcnow
from tests.factories import make_article, make_feed_partner, make_section
from tests.newswire_support import cold_feed_cache, partner_feed  # noqa: F401

SETTINGS = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
SLUG = "tunnel-contract-quietly-cancelled"
MISSING = "no-story-was-ever-at-this-address"
HEADLINE = "Tunnel contract quietly cancelled"
WORD = "brackwater"  # appears only in the killed story
REASON = "The council statement was a draft; the contract stands."


def _by_slug(client: FlaskClient, secret: str, slug: str) -> dict[str, tuple[int, str]]:
    """What each surface addressed by slug answers for ``slug``, the slug blanked out."""
    bearer = {"Authorization": f"Bearer {secret}"}
    answers = {
        "page": client.get(f"/articles/{slug}"),
        "page HEAD": client.head(f"/articles/{slug}"),
        "comment form": client.get(f"/articles/{slug}/comments"),
        "republish": client.get(f"/republish?article={slug}"),
        "api anonymous": client.get(f"/api/v1/articles/{slug}"),
        "api partner": client.get(f"/api/v1/articles/{slug}", headers=bearer),
    }
    return {
        name: (response.status_code, response.get_data(as_text=True).replace(slug, "SLUG"))
        for name, response in answers.items()
    }


def _listings(client: FlaskClient, secret: str) -> dict[str, tuple[int, str]]:
    """What each listing surface answers: feeds, sitemap, search, the API's list."""
    bearer = {"Authorization": f"Bearer {secret}"}
    answers = {
        "rss": client.get("/feeds/public.rss"),
        "atom": client.get("/feeds/public.atom"),
        "sitemap": client.get("/sitemap.xml"),
        "month sitemap": client.get(f"/sitemaps/articles-{utcnow():%Y-%m}.xml"),
        "news sitemap": client.get("/sitemaps/news.xml"),
        "search": client.get(f"/search?q={WORD}"),
        "search headline": client.get("/search?q=tunnel+contract"),
        "section": client.get("/sections/transport"),
        "home": client.get("/"),
        "api list": client.get("/api/v1/articles", headers=bearer),
    }
    return {name: (r.status_code, r.get_data(as_text=True)) for name, r in answers.items()}


def _entries(feed: bytes, title: str) -> list[Any]:
    return [entry for entry in feedparser.parse(feed).entries if entry.title == title]


def test_a_story_killed_before_its_release_answers_like_one_that_never_existed(
    client: FlaskClient, session: Session
) -> None:
    section = make_section(session, slug="transport", name="Transport")
    make_article(session, section=section, headline="Ferry fares frozen for winter")
    _plain_pub, plain = make_feed_partner(session)
    _entitled_pub, entitled = make_feed_partner(session, embargo_entitled=True)
    session.commit()
    never = _by_slug(client, plain, MISSING)
    assert never["page"][0] == 404
    before = _listings(client, plain)

    now = utcnow()
    story = make_article(
        session,
        section=section,
        publish=False,
        slug=SLUG,
        headline=HEADLINE,
        body_source=f"The {WORD} tunnel will not be dug.\n\nMore follows.",
    )
    publish_article(session, story, release_at=now + timedelta(days=3), actor_id=None)
    set_embargo(session, story, now - timedelta(hours=1), actor_id=None)
    session.commit()
    assert _by_slug(client, plain, SLUG) == never
    # The entitled partner has it under embargo.
    [previewed] = _entries(partner_feed(client, "atom", entitled), HEADLINE)

    kill_article(session, story, REASON, SETTINGS, actor_id=None)
    session.commit()

    after = _by_slug(client, plain, SLUG)
    for surface, answer in never.items():
        assert after[surface] == answer, surface
    page = after["page"][1]
    assert HEADLINE not in page
    assert REASON not in page
    assert _listings(client, plain) == before

    # A partner that had it under embargo must still take it down.
    [notice] = _entries(partner_feed(client, "atom", entitled), f"KILL: {HEADLINE}")
    assert notice.id == previewed.id
    assert REASON in notice.content[0].value
    # One that never had it gets nothing about it.
    assert HEADLINE not in partner_feed(client, "rss", plain).decode()
    assert HEADLINE not in json.dumps(json.loads(partner_feed(client, "json", plain)))


def test_a_story_killed_after_its_release_still_answers_410_with_its_notice(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, slug=SLUG, headline=HEADLINE)
    kill_article(session, story, REASON, SETTINGS, actor_id=None)
    session.commit()

    response = client.get(f"/articles/{SLUG}")
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert HEADLINE in html
    assert REASON in html


def test_a_story_killed_at_its_release_moment_is_withdrawn_not_hidden(
    client: FlaskClient, session: Session
) -> None:
    """The release is the first public moment: a kill at or after it is a withdrawal."""
    story = make_article(session, publish=False, slug=SLUG, headline=HEADLINE)
    released = utcnow() - timedelta(minutes=5)
    publish_article(session, story, release_at=released, actor_id=None)
    kill_story(session, story, REASON, actor_id=None, now=released)
    session.commit()
    assert client.get(f"/articles/{SLUG}").status_code == 410
