"""Modification times: every surface dates a story's last change the same way, never in the
future, and RSS items carry it (``dcterms:modified``) as Atom and JSON Feed do."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import feedparser
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy.orm import Session

from syndicate.content.services import publish_article
from syndicate.newswire.notices import NewswireSettings, correct_article
from syndicate.orm import utcnow
from syndicate.syndication.views import feed_cache
from tests.factories import make_article, make_feed_partner
from tests.newswire_support import cold_feed_cache, partner_feed  # noqa: F401
from tests.sitemap_support import lastmod_of

SETTINGS = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
ATOM = "{http://www.w3.org/2005/Atom}"
DCTERMS_MODIFIED = "{http://purl.org/dc/terms/}modified"
# The W3C Feed Validation Service's rule for dcterms:modified (W3C-DTF, zone required).
W3CDTF = re.compile(r"^\d\d\d\d(-\d\d(-\d\d(T\d\d:\d\d(:\d\d(\.\d*)?)?(Z|([+-]\d\d:\d\d)))?)?)?$")
SLUG = "ferry-pier-reopens"
HEADLINE = "Ferry pier reopens after repairs"


def _rss_item(data: bytes, slug: str) -> etree._Element:
    tree = etree.fromstring(data)
    return next(i for i in tree.iter("item") if i.findtext("link", "").endswith(slug))


def _atom_entry(data: bytes, slug: str) -> etree._Element:
    tree = etree.fromstring(data)
    return next(
        e
        for e in tree.iter(f"{ATOM}entry")
        if any(link.get("href", "").endswith(slug) for link in e.iter(f"{ATOM}link"))
    )


def _rss_modified(item: etree._Element) -> datetime:
    """An RSS item's last change: ``dcterms:modified``, else (no such element) its pubDate."""
    modified = item.findtext(DCTERMS_MODIFIED)
    if modified is not None:
        return datetime.fromisoformat(modified)
    return parsedate_to_datetime(item.findtext("pubDate", ""))


def shown_times(client: FlaskClient, secret: str, slug: str) -> dict[str, datetime]:
    """Every time a surface shows for the story ``slug`` (or for a feed that holds it)."""
    times: dict[str, datetime] = {}
    page = client.get(f"/articles/{slug}")
    assert page.status_code == 200
    for n, value in enumerate(re.findall(r'<time datetime="([^"]+)"', page.get_data(True))):
        times[f"page time {n}"] = datetime.fromisoformat(value)
    for name, data in (
        ("public", client.get("/feeds/public.atom").data),
        ("partner", partner_feed(client, "atom", secret)),
    ):
        entry = _atom_entry(data, slug)
        times[f"{name} atom entry updated"] = datetime.fromisoformat(
            entry.findtext(f"{ATOM}updated")
        )
        times[f"{name} atom feed updated"] = datetime.fromisoformat(
            etree.fromstring(data).findtext(f"{ATOM}updated")
        )
    for name, data in (
        ("public", client.get("/feeds/public.rss").data),
        ("partner", partner_feed(client, "rss", secret)),
    ):
        times[f"{name} rss item modified"] = _rss_modified(_rss_item(data, slug))
        build = etree.fromstring(data).findtext("channel/lastBuildDate")
        times[f"{name} rss lastBuildDate"] = parsedate_to_datetime(build)
    times["sitemap lastmod"] = datetime.fromisoformat(lastmod_of(client, slug))
    feed = json.loads(partner_feed(client, "json", secret))
    [item] = [i for i in feed["items"] if i["url"].endswith(slug)]
    times["partner json date_modified"] = datetime.fromisoformat(item["date_modified"])
    api = client.get(f"/api/v1/articles/{slug}", headers={"Authorization": f"Bearer {secret}"})
    times["api updated_at"] = datetime.fromisoformat(api.get_json()["updated_at"])
    return times


def _modified(times: dict[str, datetime], page_times: int) -> dict[str, datetime]:
    """The story's modification time as each surface shows it."""
    shown = {k: v for k, v in times.items() if not k.startswith("page time")}
    shown["page"] = max(times[f"page time {n}"] for n in range(page_times))
    return shown


def test_moving_a_release_earlier_never_dates_the_story_in_the_future(
    client: FlaskClient, session: Session
) -> None:
    _pub, secret = make_feed_partner(session)
    now = utcnow().replace(microsecond=0)
    scheduled_at = now - timedelta(days=2)
    story = make_article(session, publish=False, slug=SLUG, headline=HEADLINE)
    # Two days ago: scheduled three days out, then an hour later moved two days earlier.
    publish_article(
        session, story, release_at=scheduled_at + timedelta(days=3), actor_id=None, now=scheduled_at
    )
    release = scheduled_at + timedelta(days=1)
    publish_article(
        session, story, release_at=release, actor_id=None, now=scheduled_at + timedelta(hours=1)
    )
    session.commit()

    times = shown_times(client, secret, SLUG)
    rendered = utcnow()
    future = {name: t.isoformat() for name, t in times.items() if t > rendered}
    assert future == {}
    page_times = sum(1 for name in times if name.startswith("page time"))
    for surface, moment in _modified(times, page_times).items():
        if "feed" not in surface and "lastBuildDate" not in surface:
            assert moment == release, surface
    assert "Updated" not in client.get(f"/articles/{SLUG}").get_data(as_text=True)
    # The item id is minted from the first publication, which moved with the release: no
    # id carries the date of a release that never happened.
    entry = feedparser.parse(partner_feed(client, "atom", secret)).entries[0]
    assert f",{release.date().isoformat()}:" in entry.id


def test_a_change_time_ahead_of_now_is_not_shown_anywhere(
    client: FlaskClient, session: Session
) -> None:
    """A row written before the fix carries its first schedule's later release."""
    _pub, secret = make_feed_partner(session)
    release = utcnow().replace(microsecond=0) - timedelta(hours=3)
    story = make_article(session, publish=False, slug=SLUG, headline=HEADLINE)
    publish_article(session, story, release_at=release, actor_id=None)
    story.content_updated_at = release + timedelta(days=2)
    session.commit()

    times = shown_times(client, secret, SLUG)
    rendered = utcnow()
    assert {name: t.isoformat() for name, t in times.items() if t > rendered} == {}
    assert times["sitemap lastmod"] == release
    assert times["partner json date_modified"] == release

    # Rescheduling such a story drops the stamp: only an edit stamps a change.
    publish_article(session, story, release_at=release, actor_id=None)
    assert story.content_updated_at is None


def test_a_correction_shows_in_rss_items_as_in_atom_and_json(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    _pub, secret = make_feed_partner(session)
    released = utcnow().replace(microsecond=0) - timedelta(days=1)
    story = make_article(session, publish=False, slug=SLUG, headline=HEADLINE)
    publish_article(session, story, release_at=released, actor_id=None)
    session.commit()

    correct_article(
        session, story, "An earlier version misdated the repairs.", SETTINGS, actor_id=None
    )
    session.commit()
    corrected = story.content_updated_at
    assert corrected is not None
    assert corrected > released

    atom = _atom_entry(partner_feed(client, "atom", secret), SLUG).findtext(f"{ATOM}updated")
    [item] = json.loads(partner_feed(client, "json", secret))["items"]
    for name, data in (
        ("partner", partner_feed(client, "rss", secret)),
        ("public", client.get("/feeds/public.rss").data),
    ):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, name
        [entry] = [e for e in parsed.entries if e.link.endswith(SLUG)]
        # Its own key, not feedparser's deprecated fallback to the publication time.
        assert dict.__contains__(entry, "updated_parsed"), name
        assert entry.updated_parsed == corrected.utctimetuple(), name
        assert entry.published_parsed == released.utctimetuple(), name
        modified = _rss_item(data, SLUG).findtext(DCTERMS_MODIFIED)
        assert modified is not None, name
        assert W3CDTF.match(modified), modified
        assert datetime.fromisoformat(modified) == corrected, name
        if name == "partner":
            # The same moment, written the same way, in all three formats.
            assert modified == atom == item["date_modified"]

    # Same content, same bytes: the ETag holds across renders.
    first = client.get("/feeds/partner.rss", headers={"Authorization": f"Bearer {secret}"})
    feed_cache(app).clear()
    again = client.get("/feeds/partner.rss", headers={"Authorization": f"Bearer {secret}"})
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
    public = client.get("/feeds/public.rss")
    assert client.get("/feeds/public.rss").headers["ETag"] == public.headers["ETag"]
