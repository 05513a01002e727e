"""Tags have pages, and partner feeds can be narrowed to one tag.

``/tags/<slug>`` lists the public stories carrying a tag, newest first, a page at a time
(whatever their text says: a search for the tag's word would miss them); an unknown tag,
or one only unreleased stories carry, is not there. ``?tag=`` on a partner feed keeps the
covered stories with that tag, and never gets a copy of the whole feed from a cache.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.orm import utcnow
from syndicate.syndication.fastpath import FeedFastPath
from syndicate.syndication.views import feed_cache
from tests.factories import make_article, make_feed_partner, make_section

NOW = utcnow()


@pytest.fixture(autouse=True)
def empty_feed_cache(app: Flask) -> Iterator[None]:
    """Ids and versions repeat between rolled-back tests: start every test cold."""
    feed_cache(app).clear()
    yield
    feed_cache(app).clear()


def _story(session: Session, headline: str, hours_ago: int, **kw: object) -> object:
    return make_article(
        session,
        headline=headline,
        body_source="Nothing here names the topic.",
        dek="",
        released_at=NOW - timedelta(hours=hours_ago),
        **kw,
    )


def _headlines(html: str, candidates: list[str]) -> list[str]:
    """The candidates found in ``html``, in the order they appear."""
    found = [(html.find(h), h) for h in candidates if h in html]
    return [h for _pos, h in sorted(found)]


def test_tag_page_lists_the_public_stories_with_the_tag(
    client: FlaskClient, session: Session
) -> None:
    _story(session, "Older levee story", 5, tags=["Sallow River"])
    _story(session, "Newer levee story", 1, tags=["Sallow River", "Flooding"])
    _story(session, "Unrelated harbour story", 2, tags=["Ports"])
    _story(session, "Draft levee story", 0, tags=["Sallow River"], publish=False)
    _story(
        session,
        "Scheduled levee story",
        -5,
        tags=["Sallow River"],
    )
    session.commit()
    response = client.get("/tags/sallow-river")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    everything = [
        "Newer levee story",
        "Older levee story",
        "Unrelated harbour story",
        "Draft levee story",
        "Scheduled levee story",
    ]
    assert _headlines(html, everything) == ["Newer levee story", "Older levee story"]
    assert '<h1 class="page-header__title">Sallow River</h1>' in html
    assert "public, max-age=" in response.headers["Cache-Control"]
    # Search finds both by their tag too, though their words never mention the river.
    assert "Older levee story" in client.get("/search?q=Sallow").get_data(as_text=True)


def test_tag_links_on_the_article_lead_to_the_tag_page(
    client: FlaskClient, session: Session
) -> None:
    article = _story(session, "A tagged story", 1, tags=["Air quality"])
    session.commit()
    html = client.get(f"/articles/{article.slug}").get_data(as_text=True)  # type: ignore[attr-defined]
    assert 'href="/tags/air-quality"' in html
    assert "/search?q=" not in html.split('class="tags"', 1)[1].split("</ul>", 1)[0]


def test_tag_pages_are_paginated_like_sections(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    section = make_section(session)
    for hours in range(5):
        _story(session, f"Drought story {hours}", hours, tags=["Drought"], section=section)
    session.commit()
    first = client.get("/tags/drought").get_data(as_text=True)
    assert _headlines(first, [f"Drought story {h}" for h in range(5)]) == [
        "Drought story 0",
        "Drought story 1",
    ]
    # Pages link by keyset (the last story shown); old ?page=N links redirect there.
    older = re.search(r'rel="next" href="(/tags/drought\?before=\d+)"', first)
    assert older
    second = client.get(older.group(1)).get_data(as_text=True)
    third_link = re.search(r'rel="next" href="(/tags/drought\?before=\d+)"', second)
    assert third_link
    assert client.get("/tags/drought?page=3").headers["Location"].endswith(third_link.group(1))
    third = client.get(third_link.group(1)).get_data(as_text=True)
    assert _headlines(third, [f"Drought story {h}" for h in range(5)]) == ["Drought story 4"]
    assert re.search(r'rel="prev" href="/tags/drought\?after=\d+"', third)
    assert client.get("/tags/drought?page=4").status_code == 404
    assert client.get("/tags/drought?page=0").status_code == 404
    assert client.get("/tags/drought?page=x").status_code == 404


def test_unknown_and_unreleased_tags_are_not_found(client: FlaskClient, session: Session) -> None:
    _story(session, "A secret in the making", 0, tags=["Merger talks"], publish=False)
    _story(session, "Tomorrow's story", -24, tags=["Embargoed topic"])
    session.commit()
    for path in ("/tags/no-such-tag", "/tags/merger-talks", "/tags/embargoed-topic"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Merger talks" not in response.get_data(as_text=True)


def _json_feed(client: FlaskClient, secret: str, query: str = "") -> list[str]:
    response = client.get(
        f"/feeds/partner.json{query}", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["title"] for item in json.loads(response.data)["items"]]


def test_partner_feed_filters_by_tag(client: FlaskClient, session: Session, app: Flask) -> None:
    _story(session, "Tagged and covered", 1, tags=["Wildfire"])
    _story(session, "Covered, other tag", 2, tags=["Schools"])
    _story(session, "Tagged, older", 3, tags=["Wildfire", "Schools"])
    _publisher, secret = make_feed_partner(session)
    session.commit()
    whole = _json_feed(client, secret)
    assert whole == ["Tagged and covered", "Covered, other tag", "Tagged, older"]
    # The whole feed is now cached and its key known to the fast path.
    fast: FeedFastPath = app.extensions["syndication.fastpath"]
    assert _json_feed(client, secret) == whole
    before = fast.served
    assert _json_feed(client, secret, "?tag=wildfire") == ["Tagged and covered", "Tagged, older"]
    assert _json_feed(client, secret, "?tag=schools") == ["Covered, other tag", "Tagged, older"]
    assert fast.served == before
    # Filtered copies are cached apart: the whole feed is still whole.
    assert _json_feed(client, secret) == whole
    assert _json_feed(client, secret, "?tag=wildfire") == ["Tagged and covered", "Tagged, older"]
    for fmt in ("rss", "atom"):
        response = client.get(
            f"/feeds/partner.{fmt}?tag=schools", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 200
        assert b"Tagged, older" in response.data
        assert b"Tagged and covered" not in response.data
    # A filtered feed names itself, not the whole feed: its own id and self link.
    auth = {"Authorization": f"Bearer {secret}"}
    filtered = feedparser.parse(client.get("/feeds/partner.atom?tag=schools", headers=auth).data)
    entire = feedparser.parse(client.get("/feeds/partner.atom", headers=auth).data)
    assert filtered.feed.id == "http://localhost/feeds/partner.atom?tag=schools"
    assert entire.feed.id == "http://localhost/feeds/partner.atom"
    links = {link.rel: link.href for link in filtered.feed.links}
    assert links["self"] == "http://localhost/feeds/partner.atom?tag=schools"
    assert "tagged schools" in filtered.feed.subtitle
    listing = json.loads(client.get("/feeds/partner.json?tag=schools", headers=auth).data)
    assert listing["feed_url"] == "http://localhost/feeds/partner.json?tag=schools"


def test_partner_feed_tag_filter_refusals(client: FlaskClient, session: Session) -> None:
    _story(session, "A covered story", 1, tags=["Courts"])
    _publisher, secret = make_feed_partner(session)
    session.commit()
    # A tag nobody uses is an empty feed, not a way to learn which tags exist.
    assert _json_feed(client, secret, "?tag=no-such-tag") == []
    assert _json_feed(client, secret, "?tag=") == ["A covered story"]
    for bad in ("Courts", "courts%00", "a b", "-courts", "x" * 81, "%C2%B2"):
        response = client.get(
            f"/feeds/partner.json?tag={bad}", headers={"Authorization": f"Bearer {secret}"}
        )
        assert response.status_code == 400, bad
    # Without a key the filter changes nothing: still 401.
    assert client.get("/feeds/partner.json?tag=courts").status_code == 401
