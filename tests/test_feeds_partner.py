"""Partner feed renderers (no Flask, no database): RSS, Atom, JSON Feed, HTTP validators,
and the body splitter used to place figures."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import feedparser
import pytest
from lxml import etree

from feeds.http import (
    GZIP_TOKENS,
    USUAL_GZIP,
    accepts_gzip,
    http_date,
    not_modified,
    representation,
)
from feeds.items import FeedCategory, FeedItem, FeedMeta, MediaItem, PartnerItem
from feeds.jsonfeed import JSON_FEED_VERSION, json_bytes
from feeds.partner import atom_bytes, rss_bytes
from syndicate.content.sanitize import render_body
from syndicate.public.body import VOID, Block, split_blocks

WHEN = datetime(2026, 5, 6, 7, 8, 9, tzinfo=UTC)
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"


def meta() -> FeedMeta:
    return FeedMeta(
        id="https://desk.example/feeds/partner.atom",
        title="The Desk: stories for Riverside Gazette",
        subtitle="Full-text stories",
        site_url="https://desk.example/",
        self_url="https://desk.example/feeds/partner.atom",
        updated=WHEN,
        author="The Desk",
    )


def photo(n: int = 1) -> MediaItem:
    return MediaItem(
        url=f"https://desk.example/media/p{n}.jpg",
        media_type="image/jpeg",
        width=1200,
        height=800,
        credit=f"Noor Halvik/Harbour Light {n}",
        copyright=f"© Noor Halvik/Harbour Light {n}",
        caption=f"Boats at dawn {n}.",
        copyright_url="https://creativecommons.org/licenses/by/4.0/",
        byte_size=4321,
    )


def item(n: int, **kw: object) -> PartnerItem:
    base = FeedItem(
        id=f"tag:desk.example,2026-05-06:articles/{n}",
        title=str(kw.pop("title", f"Story {n}")),
        link=f"https://desk.example/articles/story-{n}",
        summary="A summary.",
        published=WHEN - timedelta(hours=n),
        updated=WHEN - timedelta(hours=n),
        authors=("Ilse Varga",),
        categories=(FeedCategory("rivers", "Rivers"), FeedCategory("floods", "Floods")),
    )
    values: dict[str, object] = {
        "item": base,
        "content_html": f"<p>Body {n} &amp; more.</p>",
        "rights": "© 2026 The Desk. Republish under our terms.",
        "license_url": "https://desk.example/republish",
        "media": (photo(1), photo(2)),
    }
    values.update(kw)
    return PartnerItem(**values)  # type: ignore[arg-type]


def test_same_input_gives_the_same_bytes() -> None:
    items = [item(1), item(2)]
    assert rss_bytes(meta(), items) == rss_bytes(meta(), items)
    assert atom_bytes(meta(), items) == atom_bytes(meta(), items)
    assert json_bytes(meta(), items) == json_bytes(meta(), items)


def test_rss_carries_full_text_rights_creators_credits_and_ttl() -> None:
    data = rss_bytes(meta(), [item(1), item(2)], ttl=20)
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    assert parsed.feed.ttl == "20"
    first = parsed.entries[0]
    assert [e.title for e in parsed.entries] == ["Story 1", "Story 2"]
    assert first.content[0].value == "<p>Body 1 &amp; more.</p>"
    assert first.rights == "© 2026 The Desk. Republish under our terms."
    assert first.author == "Ilse Varga"
    assert first.media_credit[0]["content"] == "Noor Halvik/Harbour Light 1"
    assert first.media_credit[0]["role"] == "photographer"
    assert first.media_credit[0]["scheme"] == "urn:ebu"
    assert first.enclosures[0]["href"] == "https://desk.example/media/p1.jpg"
    root = etree.fromstring(data)
    copyrights = root.findall(f".//item/{MEDIA}content/{MEDIA}copyright")
    assert [c.text for c in copyrights[:2]] == [
        "© Noor Halvik/Harbour Light 1",
        "© Noor Halvik/Harbour Light 2",
    ]
    assert b"CDATA" not in data
    assert b"<author>" not in data


def test_atom_links_keep_their_relations_and_the_licence_link() -> None:
    data = atom_bytes(meta(), [item(1)], hub_url="https://hub.example/")
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    entry = parsed.entries[0]
    rels = {(link["rel"], link["href"]) for link in entry.links}
    assert ("alternate", "https://desk.example/articles/story-1") in rels
    assert ("enclosure", "https://desk.example/media/p1.jpg") in rels
    assert ("license", "https://desk.example/republish") in rels
    enclosure = next(link for link in entry.links if link["rel"] == "enclosure")
    assert enclosure["type"] == "image/jpeg"
    assert enclosure["length"] == "4321"
    assert entry.rights == "© 2026 The Desk. Republish under our terms."
    assert entry.media_credit[1]["content"] == "Noor Halvik/Harbour Light 2"
    assert {"rel": "hub", "href": "https://hub.example/"}.items() <= next(
        link for link in parsed.feed.links if link["rel"] == "hub"
    ).items()
    root = etree.fromstring(data)
    assert root.find(f"{ATOM}entry/{ATOM}content").get("type") == "html"
    assert b"media:license" not in data


def test_json_feed_has_version_items_and_extensions() -> None:
    document = json.loads(json_bytes(meta(), [item(1), item(2)]))
    assert document["version"] == JSON_FEED_VERSION
    assert [i["title"] for i in document["items"]] == ["Story 1", "Story 2"]
    first = document["items"][0]
    assert first["content_html"] == "<p>Body 1 &amp; more.</p>"
    assert first["authors"] == [{"name": "Ilse Varga"}]
    assert first["_rights"]["license"] == "https://desk.example/republish"
    assert first["_media"]["content"][0]["credit"]["name"] == "Noor Halvik/Harbour Light 1"
    assert first["date_modified"] == "2026-05-06T06:08:09+00:00"


def test_control_characters_are_stripped_everywhere() -> None:
    dirty = item(1, title="Bad\x00 title\x1b", content_html="<p>a\x0bb</p>")
    for data in (rss_bytes(meta(), [dirty]), atom_bytes(meta(), [dirty])):
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0
        assert parsed.entries[0].title == "Bad title"
        assert parsed.entries[0].content[0].value == "<p>ab</p>"
    assert json.loads(json_bytes(meta(), [dirty]))["items"][0]["title"] == "Bad title"


def test_an_empty_partner_feed_is_valid() -> None:
    for data in (rss_bytes(meta(), []), atom_bytes(meta(), [])):
        assert feedparser.parse(data).bozo == 0
    assert json.loads(json_bytes(meta(), []))["items"] == []


def test_representation_validators_and_conditions() -> None:
    body = b"<rss>feed</rss>"
    rep = representation(body, WHEN + timedelta(microseconds=5))
    assert gzip.decompress(rep.gzip_body) == body
    assert representation(body, WHEN).gzip_body == rep.gzip_body  # no timestamp inside
    assert rep.etag.startswith('"')
    assert rep.gzip_etag != rep.etag
    assert rep.last_modified_http == "Wed, 06 May 2026 07:08:09 GMT"
    assert not_modified(rep, rep.etag, "")
    assert not_modified(rep, f'"other", W/{rep.gzip_etag}', "")
    assert not not_modified(rep, '"other"', http_date(WHEN))  # If-None-Match wins
    assert not_modified(rep, "", http_date(WHEN))
    assert not not_modified(rep, "", http_date(WHEN - timedelta(seconds=1)))
    assert not not_modified(rep, "", "not a date")
    assert accepts_gzip("br, gzip;q=0.8")
    assert not accepts_gzip("gzip;q=0, deflate")
    assert not accepts_gzip("")
    assert not accepts_gzip("deflate, br")
    assert accepts_gzip("deflate, X-GZIP")


@pytest.mark.parametrize("header", sorted(USUAL_GZIP))
def test_each_usual_accept_encoding_names_gzip_without_a_quality(header: str) -> None:
    """The headers answered by one lookup are ones the token rule accepts too."""
    assert ";" not in header
    assert {token.strip() for token in header.split(",")} & GZIP_TOKENS
    assert accepts_gzip(header)


BODIES = [
    'First paragraph.\n\nSecond with a [link](https://example.org/a?b=1&c=2 "t>x").',
    "## A heading\n\nText after it.\n\n- one\n- two\n  - nested\n\n> quoted\n\n---\n\nEnd.",
    "<p>Raw <b>HTML</b> mixed</p>\n\nThen *markdown*.\n\n| a | b |\n|---|---|\n| 1 | 2 |",
    "Loose text with a line<br>break and <script>alert(1)</script> removed.",
    "",
]


class _BlockFinder(HTMLParser):
    """The standard library's parser, as an oracle: where each top-level element ends."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth, self.top_tag, self.ends = 0, "", []
        self.lines = [0]

    def _here(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if self.depth == 0:
            self.top_tag = tag
            if tag in VOID:
                self.ends.append((self._here() + len(self.get_starttag_text() or ""), tag))
                return
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.depth = max(0, self.depth - 1)
            if self.depth == 0:
                self.ends.append((self._here() + len(f"</{tag}>"), self.top_tag))


def parser_split(html: str) -> list[Block]:
    finder = _BlockFinder()
    finder.lines += [i + 1 for i, char in enumerate(html) if char == "\n"]
    finder.feed(html)
    finder.close()
    blocks, start = [], 0
    for end, tag in finder.ends:
        if html[start:end].strip():
            blocks.append(Block(html[start:end].strip(), tag))
        start = end
    if html[start:].strip():
        blocks.append(Block(html[start:].strip(), ""))
    return blocks


@pytest.mark.parametrize("source", BODIES)
def test_the_block_splitter_agrees_with_an_html_parser(source: str) -> None:
    html = render_body(source, "markdown")
    assert split_blocks(html) == parser_split(html)
