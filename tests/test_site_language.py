"""The publication's language (``[site] language``) is declared wherever a reader or a machine
looks for it: the page's ``lang``, the article's JSON-LD, and every public and partner feed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from flask import Flask
from sqlalchemy.orm import Session

from syndicate.config import ConfigError, read_settings
from syndicate.database import Database
from tests.conftest import sibling_app
from tests.factories import make_article, make_feed_partner

LANGUAGE = "pt-BR"


@pytest.fixture
def portuguese_app(app: Flask, db: Database) -> Iterator[Flask]:
    """The application of a Brazilian desk, sharing the test's transaction."""
    with sibling_app(app, db, TESTING=True, SITE_LANGUAGE=LANGUAGE) as brazilian:
        yield brazilian


def test_pages_and_feeds_declare_the_configured_language(
    portuguese_app: Flask, session: Session
) -> None:
    article = make_article(session, slug="ponte-reaberta")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    client = portuguese_app.test_client()

    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert f'<html lang="{LANGUAGE}">' in page
    assert f'"inLanguage": "{LANGUAGE}"' in page or f'"inLanguage":"{LANGUAGE}"' in page
    assert f'<html lang="{LANGUAGE}">' in client.get("/").get_data(as_text=True)

    for path in ("/feeds/public.rss", "/feeds/public.atom"):
        parsed = feedparser.parse(client.get(path).data)
        assert parsed.feed.get("language") == LANGUAGE, path
    auth = {"Authorization": f"Bearer {secret}"}
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(client.get(f"/feeds/partner.{fmt}", headers=auth).data)
        assert parsed.feed.get("language") == LANGUAGE, fmt
    listing = json.loads(client.get("/feeds/partner.json", headers=auth).data)
    assert listing["language"] == LANGUAGE


def test_the_default_language_is_english(client, session: Session) -> None:
    article = make_article(session, slug="bridge-reopens")
    session.commit()
    page = client.get(f"/articles/{article.slug}").get_data(as_text=True)
    assert '<html lang="en">' in page
    parsed = feedparser.parse(client.get("/feeds/public.rss").data)
    assert parsed.feed.get("language") == "en"


@pytest.mark.parametrize("value", ["english", 'en"><script>', "e", "en_GB", "", "pt-", "x" * 20])
def test_a_language_that_is_not_a_language_tag_is_refused(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "desk.toml"
    path.write_text(f"[site]\nlanguage = {json.dumps(value)}\n", encoding="utf-8")
    monkeypatch.delenv("SYNDICATE_SITE_LANGUAGE", raising=False)
    monkeypatch.setenv("SYNDICATE_CONFIG", str(path))
    with pytest.raises(ConfigError) as caught:
        read_settings(instance=tmp_path / "instance")
    assert "language" in str(caught.value)
