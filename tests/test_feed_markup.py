"""Feeds never turn text into markup: what staff typed reaches a feed reader as text.

Read with feedparser, a real feed client: in RSS a description (and a title) is HTML to a
reader, so text must arrive escaped, ``&lt;img …&gt;``; in Atom and JSON Feed these fields
are plain text and arrive as typed.
"""

from __future__ import annotations

from typing import Any

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.content.models import ImageRole
from tests.factories import add_image, make_article, make_feed_partner, make_image, media_store_for
from tests.newswire_support import cold_feed_cache, partner_feed  # noqa: F401

HOSTILE = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
DEK = f"Tides rise {HOSTILE} & fall"
HEADLINE = "Harbour <b>wall</b> & quay repaired"


def _story(session: Session, app: Flask | None = None) -> None:
    article = make_article(session, headline=HEADLINE, dek=DEK)
    if app is not None:
        image = make_image(
            session, media_store_for(app), creator="Ada <i>Lens</i>", caption=f"Quay {HOSTILE}"
        )
        add_image(session, article, image, ImageRole.LEAD)
    session.commit()


def _assert_rss_entry(entry: Any) -> None:
    # What a reader renders: HTML whose text is exactly what was typed.
    assert entry.summary_detail.type == "text/html"
    assert entry.summary == f"Tides rise {ESCAPED} &amp; fall"
    assert "<img" not in entry.summary
    assert entry.title_detail.type == "text/html"
    assert entry.title == "Harbour &lt;b&gt;wall&lt;/b&gt; &amp; quay repaired"


def _assert_plain_entry(entry: Any) -> None:
    assert entry.summary_detail.type == "text/plain"
    assert entry.summary == DEK
    assert entry.title_detail.type == "text/plain"
    assert entry.title == HEADLINE


def test_public_rss_carries_the_dek_and_headline_as_escaped_text(
    client: FlaskClient, session: Session
) -> None:
    _story(session)
    body = client.get("/feeds/public.rss").data
    assert b"&amp;lt;img src=x onerror=alert(1)&amp;gt;" in body
    assert b"<img" not in body

    [entry] = feedparser.parse(body).entries
    _assert_rss_entry(entry)


def test_public_atom_carries_them_as_plain_text(client: FlaskClient, session: Session) -> None:
    _story(session)
    [entry] = feedparser.parse(client.get("/feeds/public.atom").data).entries
    _assert_plain_entry(entry)


def test_partner_rss_carries_them_as_escaped_text(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    _publisher, key = make_feed_partner(session)
    _story(session, app)
    body = partner_feed(client, "rss", key)
    assert b"<img" not in body

    [entry] = feedparser.parse(body).entries
    _assert_rss_entry(entry)
    # The body is HTML by design; the caption inside it is still text.
    content = entry.content[0].value
    assert f"Quay {ESCAPED}" in content


@pytest.mark.parametrize("fmt", ["atom", "json"])
def test_partner_atom_and_json_carry_them_as_plain_text(
    app: Flask, client: FlaskClient, session: Session, fmt: str
) -> None:
    _publisher, key = make_feed_partner(session)
    _story(session, app)
    body = partner_feed(client, fmt, key)
    if fmt == "json":
        import json

        [item] = json.loads(body)["items"]
        assert item["summary"] == DEK
        assert item["title"] == HEADLINE
        assert f"Quay {ESCAPED}" in item["content_html"]
        return
    [entry] = feedparser.parse(body).entries
    _assert_plain_entry(entry)
    assert f"Quay {ESCAPED}" in entry.content[0].value


def test_rss_titles_without_markup_are_left_as_they_are(
    client: FlaskClient, session: Session
) -> None:
    make_article(session, headline="Fish & chips: a history", dek="Salt, vinegar & paper.")
    session.commit()
    body = client.get("/feeds/public.rss").data
    assert b"<title>Fish &amp; chips: a history</title>" in body
    [entry] = feedparser.parse(body).entries
    assert entry.title == "Fish & chips: a history"
    assert entry.summary == "Salt, vinegar &amp; paper."
