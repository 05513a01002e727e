"""Public summary feeds: the builder (no Flask) and the HTTP endpoints, read by feedparser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import feedparser
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from feeds.items import FeedCategory, FeedItem, FeedMeta
from feeds.public import atom_bytes, rss_bytes
from feeds.text import tag_uri, xml_text
from syndicate.orm import utcnow
from tests.factories import make_article, make_author, make_section

WHEN = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
SECRET_BODY = "This sentence belongs to the body and never to a public feed."


def meta(**kw: object) -> FeedMeta:
    values: dict[str, object] = {
        "id": "https://desk.example/feeds/public.atom",
        "title": "The Desk",
        "subtitle": "Independent reporting",
        "site_url": "https://desk.example/",
        "self_url": "https://desk.example/feeds/public.atom",
        "updated": WHEN,
        "author": "The Desk",
    }
    values.update(kw)
    return FeedMeta(**values)  # type: ignore[arg-type]


def item(n: int, **kw: object) -> FeedItem:
    values: dict[str, object] = {
        "id": f"tag:desk.example,2026-03-04:articles/{n}",
        "title": f"Story {n}",
        "link": f"https://desk.example/articles/story-{n}",
        "summary": f"Summary {n}.",
        "published": WHEN - timedelta(hours=n),
        "updated": WHEN - timedelta(hours=n),
        "authors": ("Ann Writer", "Bo Writer"),
        "categories": (FeedCategory("rivers", "Rivers"),),
    }
    values.update(kw)
    return FeedItem(**values)  # type: ignore[arg-type]


def test_same_input_gives_the_same_bytes() -> None:
    items = [item(1), item(2)]
    assert rss_bytes(meta(), items) == rss_bytes(meta(), items)
    assert atom_bytes(meta(), items) == atom_bytes(meta(), items)


def test_items_keep_their_order_and_fields_in_both_formats() -> None:
    items = [item(1), item(2), item(3)]
    for data in (rss_bytes(meta(), items), atom_bytes(meta(), items)):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert [e.title for e in parsed.entries] == ["Story 1", "Story 2", "Story 3"]
        first = parsed.entries[0]
        assert first.id == "tag:desk.example,2026-03-04:articles/1"
        assert first.link == "https://desk.example/articles/story-1"
        assert first.summary == "Summary 1."
        assert [a["name"] for a in first.authors] == ["Ann Writer", "Bo Writer"]
        assert "content" not in first


def test_rss_uses_dc_creator_and_atom_uses_author() -> None:
    rss = rss_bytes(meta(), [item(1)]).decode()
    atom = atom_bytes(meta(), [item(1)]).decode()
    assert "<dc:creator>Ann Writer</dc:creator>" in rss
    assert "<author>" not in rss
    assert "<name>Ann Writer</name>" in atom
    assert "dc:creator" not in atom
    assert "CDATA" not in rss
    assert "CDATA" not in atom
    assert "Wed, 04 Mar 2026 05:06:07 +0000" in rss
    assert "<updated>2026-03-04T05:06:07+00:00</updated>" in atom


def test_control_characters_are_stripped() -> None:
    dirty = item(1, title="Bad\x00 title\x1b", summary="Sum\x0bmary\ufffe")
    for data in (rss_bytes(meta(), [dirty]), atom_bytes(meta(), [dirty])):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "Bad title"
        assert parsed.entries[0].summary == "Summary"
    assert xml_text("a\tb\nc\x07") == "a\tb\nc"


# Every character XML 1.0 may carry (tab, newline, carriage return, and the ranges above).
def _xml_char(c: str) -> bool:
    n = ord(c)
    return (
        n in (0x9, 0xA, 0xD)
        or (0x20 <= n <= 0xD7FF and n != 0x7F)
        or 0xE000 <= n <= 0xFFFD
        or (n >= 0x10000)
    )


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet=st.characters(exclude_categories=(), min_codepoint=0, max_codepoint=0x1FFFF))
)
def test_xml_text_keeps_exactly_the_characters_xml_allows(text: str) -> None:
    assert xml_text(text) == "".join(c for c in text if _xml_char(c))
    ascii_only = "".join(c for c in text if c.isascii())
    assert xml_text(ascii_only) == "".join(c for c in ascii_only if _xml_char(c))
    # A story body is long: long non-ASCII text is checked another way first.
    long = "Café — " * 80 + text + " ©"
    assert xml_text(long) == "".join(c for c in long if _xml_char(c))


def test_an_empty_feed_is_valid() -> None:
    for data in (rss_bytes(meta(), []), atom_bytes(meta(), [])):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert parsed.entries == []
        assert parsed.feed.title == "The Desk"


def test_tag_uri_uses_the_host_and_date() -> None:
    assert tag_uri("https://desk.example:8443/x", WHEN, "articles/7") == (
        "tag:desk.example,2026-03-04:articles/7"
    )


def test_http_feeds_are_valid_summaries_newest_first(client: FlaskClient, session: Session) -> None:
    section = make_section(session, name="Rivers", slug="rivers-feed")
    author = make_author(session, name="Marta Quill")
    old = make_article(
        session,
        section=section,
        authors=[author],
        headline="Older & wiser",
        dek="The older dek.",
        body_source=SECRET_BODY,
        released_at=utcnow() - timedelta(days=1),
    )
    new = make_article(
        session,
        section=section,
        authors=[author],
        headline="Newest story",
        dek="The newest dek.",
        body_source=SECRET_BODY,
        released_at=utcnow() - timedelta(hours=1),
    )
    session.commit()

    for path, media_type in (
        ("/feeds/public.rss", "application/rss+xml; charset=utf-8"),
        ("/feeds/public.atom", "application/atom+xml; charset=utf-8"),
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == media_type
        assert response.headers.get("Set-Cookie") is None
        assert response.headers["Last-Modified"]
        data = response.get_data()
        assert SECRET_BODY.encode() not in data
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        titles = [e.title for e in parsed.entries]
        assert titles.index("Newest story") < titles.index("Older & wiser")
        entry = parsed.entries[titles.index("Newest story")]
        assert entry.link == f"http://localhost/articles/{new.slug}"
        assert entry.summary == "The newest dek."
        assert entry.author == "Marta Quill"
        assert "Rivers" in [t.term for t in entry.tags] + [t.get("label") for t in entry.tags]
        assert entry.id.startswith("tag:localhost,")
        assert entry.id.endswith(f":articles/{new.id}")
        assert entry.published_parsed
        if path.endswith(".atom"):
            assert dict.__contains__(entry, "updated_parsed")
        assert parsed.feed.link == "http://localhost/"
        assert old.slug in data.decode()


def test_feed_item_id_survives_a_rename(client: FlaskClient, session: Session) -> None:
    story = make_article(session, slug="before-rename")
    session.commit()
    first = feedparser.parse(client.get("/feeds/public.atom").get_data()).entries[0].id
    story.slug = "after-rename"
    session.commit()
    entry = feedparser.parse(client.get("/feeds/public.atom").get_data()).entries[0]
    assert entry.link.endswith("/articles/after-rename")
    assert entry.id == first


def test_feeds_hold_the_newest_fifty(client: FlaskClient, session: Session) -> None:
    section = make_section(session)
    author = make_author(session)
    for n in range(51):
        make_article(
            session,
            section=section,
            authors=[author],
            headline=f"Numbered {n:02d}",
            released_at=utcnow() - timedelta(minutes=n + 1),
        )
    session.commit()
    parsed = feedparser.parse(client.get("/feeds/public.rss").get_data())
    assert len(parsed.entries) == 50
    assert parsed.entries[0].title == "Numbered 00"
    assert "Numbered 50" not in [e.title for e in parsed.entries]


def test_feeds_are_stable_and_answer_conditional_requests(
    client: FlaskClient, session: Session
) -> None:
    make_article(session)
    session.commit()
    for path in ("/feeds/public.rss", "/feeds/public.atom"):
        first = client.get(path)
        second = client.get(path)
        assert first.get_data() == second.get_data()
        assert first.headers["ETag"] == second.headers["ETag"]
        assert "public" in first.headers["Cache-Control"]
        by_etag = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert by_etag.status_code == 304
        by_date = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert by_date.status_code == 304


def test_empty_site_serves_valid_empty_feeds(client: FlaskClient) -> None:
    for path in ("/feeds/public.rss", "/feeds/public.atom"):
        response = client.get(path)
        assert response.status_code == 200
        parsed = feedparser.parse(response.get_data())
        assert parsed.bozo == 0
        assert parsed.entries == []
