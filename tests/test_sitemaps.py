"""Sitemaps for a big archive: an index of monthly story sitemaps that lists every public
story exactly once, a Google News sitemap of the last 48 hours, the tag pages, and
``/robots.txt`` naming them; all valid against the sitemap structure and cacheable."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from syndicate.content.models import Article, ArticleStatus
from syndicate.content.services import (
    is_public,
    set_embargo,
    shown_modified,
    unpublish_article,
)
from syndicate.orm import utcnow
from syndicate.public import sitemap_queries
from tests.factories import kill_article, make_article, make_section
from tests.sitemap_support import NEWS, SM, index_paths, lastmod_of, sitemap_urls, valid_document

BASE = "http://localhost"


def _w3c(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def _months_ago(now: datetime, months: int, day: int = 10) -> datetime:
    year, month = now.year, now.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return datetime(year, month, day, 9, 30, 15, 250_000, tzinfo=UTC)


def _archive(session: Session) -> dict[str, Article]:
    """Public stories over several months, and every kind of story the public may not see."""
    now = utcnow()
    section = make_section(session)
    stories: dict[str, Article] = {}
    for months in (0, 1, 1, 3, 3, 3, 14):
        released = min(_months_ago(now, months), now - timedelta(minutes=5))
        story = make_article(session, section=section, released_at=released, tags=["Harbour"])
        stories[story.slug] = story
    # Released on the first and last instants of a month: the bounds belong to one month each.
    for moment in (
        _months_ago(now, 2, day=1).replace(hour=0, minute=0, second=0, microsecond=0),
        _months_ago(now, 1, day=1).replace(hour=0, minute=0, second=0, microsecond=0)
        - timedelta(microseconds=1),
    ):
        story = make_article(session, section=section, released_at=moment)
        stories[story.slug] = story
    edited = make_article(session, section=section, released_at=now - timedelta(days=40))
    edited.content_updated_at = now - timedelta(days=2)
    stories["edited"] = edited
    make_article(
        session, section=section, publish=False, slug="draft-never-published", tags=["Only Drafts"]
    )
    make_article(
        session, section=section, slug="scheduled-for-tomorrow", released_at=now + timedelta(days=1)
    )
    embargoed = make_article(
        session, section=section, slug="embargoed-until-friday", released_at=now + timedelta(days=3)
    )
    set_embargo(session, embargoed, now - timedelta(hours=1), actor_id=None)
    kill_article(
        session,
        make_article(
            session,
            section=section,
            slug="killed-after-release",
            released_at=now - timedelta(days=3),
        ),
    )
    kill_article(
        session,
        make_article(
            session,
            section=section,
            slug="killed-before-release",
            released_at=now + timedelta(days=2),
        ),
    )
    unpublish_article(
        session,
        make_article(
            session, section=section, slug="unpublished-story", released_at=now - timedelta(days=5)
        ),
        actor_id=None,
    )
    session.commit()
    return stories


def _public_slugs(session: Session) -> set[str]:
    now = utcnow()
    return {a.slug for a in session.scalars(select(Article)) if is_public(a, now)}


def _article_locs(client: FlaskClient) -> Counter[str]:
    return Counter(
        loc.removeprefix(f"{BASE}/articles/")
        for loc, _lastmod, path in sitemap_urls(client)
        if path.startswith("/sitemaps/articles-")
    )


@pytest.mark.parametrize("part_size", [10_000, 2])
def test_every_public_story_is_listed_exactly_once(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch, part_size: int
) -> None:
    monkeypatch.setattr(sitemap_queries, "PART_SIZE", part_size)
    _archive(session)
    public = _public_slugs(session)
    assert len(public) == 10
    listed = _article_locs(client)
    assert set(listed) == public
    assert set(listed.values()) == {1}
    for hidden in (
        "draft-never-published",
        "scheduled-for-tomorrow",
        "embargoed-until-friday",
        "killed-after-release",
        "killed-before-release",
        "unpublished-story",
    ):
        for path in index_paths(client):
            assert hidden not in client.get(path).get_data(as_text=True), (hidden, path)
    months = [p for p in index_paths(client) if p.startswith("/sitemaps/articles-")]
    if part_size == 2:
        # Three stories three months ago: two parts.
        assert any(p.count("-") == 3 for p in months), months


def test_each_month_holds_its_own_stories_and_its_exact_lastmod(
    client: FlaskClient, session: Session
) -> None:
    stories = _archive(session)
    now = utcnow()
    index = valid_document(client, "/sitemap.xml")
    dated = {
        entry.findtext(f"{SM}loc"): entry.findtext(f"{SM}lastmod")
        for entry in index.iter(f"{SM}sitemap")
    }
    for story in stories.values():
        released = story.released_at
        assert released is not None
        path = f"/sitemaps/articles-{released:%Y-%m}.xml"
        urls = valid_document(client, path)
        locs = [u.findtext(f"{SM}loc") for u in urls.iter(f"{SM}url")]
        assert f"{BASE}/articles/{story.slug}" in locs, (story.slug, path)
        expected = _w3c(shown_modified(released, (story.content_updated_at,), now))
        assert lastmod_of(client, story.slug) == expected
        # The month's lastmod in the index is its latest story's.
        month_latest = max(
            shown_modified(s.released_at, (s.content_updated_at,), now)  # type: ignore[arg-type]
            for s in stories.values()
            if f"{s.released_at:%Y-%m}" == f"{released:%Y-%m}"
        )
        assert dated[BASE + path] == _w3c(month_latest)
    edited = stories["edited"]
    assert lastmod_of(client, edited.slug) == _w3c(edited.content_updated_at)  # type: ignore[arg-type]


def test_an_archive_past_fifty_thousand_stories_is_listed_whole(
    client: FlaskClient, session: Session
) -> None:
    """The single sitemap used to stop at the newest 49,000 stories."""
    section = make_section(session)
    now = utcnow().replace(microsecond=0)
    total = 50_500
    rows = [
        {
            "slug": f"archive-story-{n}",
            "headline": f"Archive story {n}",
            "section_id": section.id,
            "status": ArticleStatus.PUBLISHED,
            # One story an hour, back about six years.
            "released_at": now - timedelta(hours=n + 1),
            "first_published_at": now - timedelta(hours=n + 1),
        }
        for n in range(total)
    ]
    for start in range(0, total, 5_000):
        session.execute(insert(Article), rows[start : start + 5_000])
    session.commit()
    listed = _article_locs(client)
    assert len(listed) == total
    assert set(listed.values()) == {1}
    assert "archive-story-50499" in listed


def test_the_news_sitemap_holds_the_last_48_hours(client: FlaskClient, session: Session) -> None:
    now = utcnow()
    section = make_section(session)
    fresh = make_article(
        session,
        section=section,
        slug="ferry-timetable-returns",
        headline="Ferry timetable returns & fares fall",
        released_at=now - timedelta(hours=1),
    )
    make_article(
        session,
        section=section,
        slug="two-days-less-an-hour",
        released_at=now - timedelta(hours=47),
    )
    make_article(
        session, section=section, slug="older-than-two-days", released_at=now - timedelta(hours=49)
    )
    make_article(
        session, section=section, slug="not-yet-released", released_at=now + timedelta(hours=2)
    )
    kill_article(
        session,
        make_article(
            session,
            section=section,
            slug="killed-this-morning",
            released_at=now - timedelta(hours=3),
        ),
    )
    session.commit()

    root = valid_document(client, "/sitemaps/news.xml")
    urls = {u.findtext(f"{SM}loc"): u for u in root.iter(f"{SM}url")}
    assert set(urls) == {
        f"{BASE}/articles/ferry-timetable-returns",
        f"{BASE}/articles/two-days-less-an-hour",
    }
    news = urls[f"{BASE}/articles/ferry-timetable-returns"].find(f"{NEWS}news")
    assert news is not None
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "The Lantern Desk"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}title") == "Ferry timetable returns & fares fall"
    assert news.findtext(f"{NEWS}publication_date") == _w3c(fresh.released_at)  # type: ignore[arg-type]
    assert "/sitemaps/news.xml" in index_paths(client)


def test_the_tag_sitemap_lists_tags_with_a_public_story(
    client: FlaskClient, session: Session
) -> None:
    _archive(session)
    root = valid_document(client, "/sitemaps/tags.xml")
    locs = [u.findtext(f"{SM}loc") for u in root.iter(f"{SM}url")]
    assert locs == [f"{BASE}/tags/harbour"]
    assert "/sitemaps/tags.xml" in index_paths(client)


def test_the_pages_sitemap_lists_home_sections_and_authors(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session)
    hidden = make_article(session, publish=False)
    session.commit()
    locs = {
        u.findtext(f"{SM}loc")
        for u in valid_document(client, "/sitemaps/pages.xml").iter(f"{SM}url")
    }
    assert f"{BASE}/" in locs
    assert f"{BASE}/sections/{story.section.slug}" in locs
    assert f"{BASE}/authors/{story.authors[0].slug}" in locs
    assert f"{BASE}/authors/{hidden.authors[0].slug}" not in locs


@pytest.mark.parametrize(
    "path",
    [
        "/sitemap.xml",
        "/sitemaps/pages.xml",
        "/sitemaps/tags.xml",
        "/sitemaps/news.xml",
        "MONTH",
        "/robots.txt",
    ],
)
def test_every_sitemap_is_cacheable(client: FlaskClient, session: Session, path: str) -> None:
    story = make_article(session, released_at=utcnow() - timedelta(hours=2), tags=["Tide"])
    session.commit()
    if path == "MONTH":
        path = f"/sitemaps/articles-{story.released_at:%Y-%m}.xml"
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "Set-Cookie" not in first.headers


def test_robots_txt_names_the_sitemaps(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert f"Sitemap: {BASE}/sitemap.xml" in lines
    assert f"Sitemap: {BASE}/sitemaps/news.xml" in lines
    assert "Disallow: /staff/" in lines


@pytest.mark.parametrize(
    "period",
    [
        "2026-13",
        "2026-00",
        "2026-1",
        "2026-12-1",
        "2026-12-0",
        "2026-12-01",
        "１２３４-12",
        "2026-12-2",
        "1999-01",
        "abcd-ef",
        "2026-12-%00",
    ],
)
def test_a_month_that_is_not_there_answers_404(
    client: FlaskClient, session: Session, period: str
) -> None:
    make_article(session)
    session.commit()
    assert client.get(f"/sitemaps/articles-{period}.xml").status_code == 404


def test_a_month_sitemap_parses_as_xml_with_escaped_addresses(
    client: FlaskClient, session: Session
) -> None:
    story = make_article(session, slug="q-and-a-rivers")
    session.commit()
    data = client.get(f"/sitemaps/articles-{story.released_at:%Y-%m}.xml").data
    assert etree.fromstring(data).tag == f"{SM}urlset"


def test_a_quiet_archive_lists_no_empty_sitemap(client: FlaskClient, session: Session) -> None:
    """A sitemap holds at least one URL: without recent or tagged stories the index leaves the
    news and tag sitemaps out (they still answer, empty)."""
    make_article(session, released_at=utcnow() - timedelta(days=5))
    session.commit()
    paths = index_paths(client)
    assert "/sitemaps/news.xml" not in paths
    assert "/sitemaps/tags.xml" not in paths
    assert "/sitemaps/pages.xml" in paths
    for path in ("/sitemaps/news.xml", "/sitemaps/tags.xml"):
        response = client.get(path)
        assert response.status_code == 200
        assert etree.fromstring(response.data).findall(f"{SM}url") == []
