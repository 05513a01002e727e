"""Partner embargoes: entitled partners get the story early, marked; nothing public leaks."""

from __future__ import annotations

import json

import feedparser
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.accounts.services import create_api_token
from syndicate.content.services import ContentError, set_embargo
from syndicate.orm import utcnow
from tests.conftest import csrf_token, login
from tests.factories import make_author, make_feed_partner, make_section, make_user
from tests.newswire_support import cold_feed_cache, embargoed_story, partner_feed, release_now  # noqa: F401
from tests.sitemap_support import sitemap_urls

HEADLINE = "Glacier survey finds a hidden lake"
WORD = "quillfeather"  # a word that appears only in the embargoed story


def _story(session: Session):
    section = make_section(session, slug="climate", name="Climate")
    author = make_author(session, slug="mira-oak", name="Mira Oak")
    return embargoed_story(
        session,
        section=section,
        authors=[author],
        headline=HEADLINE,
        body_source=f"The {WORD} lake lies under the ice.\n\nMore follows.",
    )


def test_entitled_partner_receives_the_story_marked_embargoed(
    client: FlaskClient, session: Session
) -> None:
    article = _story(session)
    _pub, entitled = make_feed_partner(session, embargo_entitled=True)
    _pub2, plain = make_feed_partner(session)
    session.commit()
    until = f"{article.released_at:%Y-%m-%d %H:%M} UTC"

    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(partner_feed(client, fmt, entitled))
        assert parsed.bozo == 0
        [entry] = parsed.entries
        assert entry.title == HEADLINE
        body = entry.content[0].value
        assert body.startswith('<p class="embargo"><strong>EMBARGOED until ' + until)
        assert "do not publish before then" in body
        names = {t.get("label") or t["term"] for t in entry.tags}
        assert f"Embargoed until {until}" in names
    item = json.loads(partner_feed(client, "json", entitled))["items"][0]
    assert item["_embargo"]["until"] == article.released_at.isoformat()

    for fmt in ("rss", "atom"):
        assert feedparser.parse(partner_feed(client, fmt, plain)).entries == []
    assert json.loads(partner_feed(client, "json", plain))["items"] == []


def test_nothing_public_shows_an_embargoed_story(client: FlaskClient, session: Session) -> None:
    article = _story(session)
    session.commit()
    assert client.get(f"/articles/{article.slug}").status_code == 404
    for path in ("/", "/sections/climate", "/authors/mira-oak", f"/search?q={WORD}"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert HEADLINE not in page.get_data(as_text=True), path
    for path in ("/feeds/public.rss", "/feeds/public.atom"):
        assert HEADLINE not in client.get(path).get_data(as_text=True), path
    assert not [loc for loc, *_ in sitemap_urls(client) if loc.endswith(f"/{article.slug}")]
    assert (
        client.get(f"/republish?article={article.slug}").get_data(as_text=True).count(HEADLINE) == 0
    )


def test_the_api_shows_it_to_entitled_partners_only(client: FlaskClient, session: Session) -> None:
    article = _story(session)
    _pub, entitled_key = make_feed_partner(session, embargo_entitled=True)
    _pub2, plain_key = make_feed_partner(session)
    session.commit()
    path = f"/api/v1/articles/{article.slug}"
    assert client.get(path).status_code == 401
    assert client.get(path, headers={"Authorization": f"Bearer {plain_key}"}).status_code == 404
    listing = client.get("/api/v1/articles", headers={"Authorization": f"Bearer {plain_key}"})
    assert article.slug not in listing.get_data(as_text=True)
    seen = client.get(path, headers={"Authorization": f"Bearer {entitled_key}"})
    assert seen.status_code == 200
    assert seen.get_json()["embargoed_until"] == seen.get_json()["released_at"]
    assert seen.get_json()["embargoed_until"].startswith(f"{article.released_at:%Y-%m-%dT%H:%M:%S}")


def test_after_release_it_is_public_and_no_longer_marked(
    client: FlaskClient, session: Session
) -> None:
    article = _story(session)
    _pub, entitled = make_feed_partner(session, embargo_entitled=True)
    _pub2, plain = make_feed_partner(session)
    session.commit()
    release_now(session, article)
    session.commit()
    assert client.get(f"/articles/{article.slug}").status_code == 200
    assert HEADLINE in client.get("/").get_data(as_text=True)
    assert HEADLINE in client.get(f"/search?q={WORD}").get_data(as_text=True)
    assert HEADLINE in client.get("/feeds/public.rss").get_data(as_text=True)
    assert [loc for loc, *_ in sitemap_urls(client) if loc.endswith(f"/{article.slug}")]
    for key in (entitled, plain):
        [entry] = feedparser.parse(partner_feed(client, "atom", key)).entries
        assert "EMBARGOED" not in entry.content[0].value
        assert "embargoed" not in {t["term"] for t in entry.tags}
    token_user = make_user(session)
    _token, secret = create_api_token(session, token_user, label="t")
    session.commit()
    data = client.get(
        f"/api/v1/articles/{article.slug}", headers={"Authorization": f"Bearer {secret}"}
    ).get_json()
    assert data["embargoed_until"] is None


def test_a_cached_feed_gains_the_story_when_its_embargo_opens(
    client: FlaskClient, session: Session
) -> None:
    from datetime import timedelta

    from syndicate.content.services import publish_article
    from tests.factories import make_article

    article = make_article(session, publish=False, headline=HEADLINE)
    now = utcnow()
    publish_article(session, article, release_at=now + timedelta(hours=3), actor_id=None)
    set_embargo(session, article, now + timedelta(seconds=1), actor_id=None)
    _pub, entitled = make_feed_partner(session, embargo_entitled=True)
    session.commit()
    assert feedparser.parse(partner_feed(client, "atom", entitled)).entries == []
    import time

    time.sleep(1.2)
    assert [e.title for e in feedparser.parse(partner_feed(client, "atom", entitled)).entries] == [
        HEADLINE
    ]


def test_embargo_rules(session: Session) -> None:
    from tests.factories import make_article

    published = make_article(session)
    with pytest.raises(ContentError, match="scheduled"):
        set_embargo(session, published, utcnow(), actor_id=None)
    scheduled = embargoed_story(session)
    assert scheduled.released_at is not None
    with pytest.raises(ContentError, match="before the public release"):
        set_embargo(session, scheduled, scheduled.released_at, actor_id=None)


def test_staff_set_the_embargo_on_the_publish_form(client: FlaskClient, session: Session) -> None:
    from datetime import timedelta

    from tests.factories import make_article

    staff = make_user(session)
    article = make_article(session, publish=False)
    session.commit()
    login(client, staff.email)
    path = f"/staff/articles/{article.id}"
    release = utcnow() + timedelta(days=1)
    preview = release - timedelta(hours=6)
    form = {
        "csrf_token": csrf_token(client, path),
        "when": "schedule",
        "release_at": f"{release:%Y-%m-%dT%H:%M}",
        "embargo_preview_at": f"{preview:%Y-%m-%dT%H:%M}",
    }
    response = client.post(f"{path}/publish", data=form)
    assert response.status_code == 302
    session.refresh(article)
    assert article.embargo_preview_at is not None
    assert f"{article.embargo_preview_at:%Y-%m-%dT%H:%M}" == form["embargo_preview_at"]
    bad = {**form, "embargo_preview_at": f"{release + timedelta(hours=1):%Y-%m-%dT%H:%M}"}
    refused = client.post(f"{path}/publish", data=bad)
    assert refused.status_code == 422
    assert "needs a scheduled release after it" in refused.get_data(as_text=True)
