"""Partner feeds over HTTP, read by feedparser: scope, rights, photos, caching, keys."""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from datetime import timedelta

import feedparser
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from licenses.keys import revoke_feed_key
from licenses.models import FeedKey, License, LicenseStatus, ScopeKind
from syndicate.content.models import Article, ArticleStatus, ImageRole, SyndicationPolicy
from syndicate.content.rights import RightsClass
from syndicate.content.services import add_correction
from syndicate.orm import utcnow
from syndicate.syndication.models import PickupView
from syndicate.syndication.version import current_version
from syndicate.syndication.views import feed_cache, pixel_signer
from tests.conftest import past_this_second
from tests.factories import (
    add_image,
    make_article,
    make_feed_partner,
    make_image,
    make_publisher,
    make_section,
    media_store_for,
)

FORMATS = ("rss", "atom", "json")


@pytest.fixture(autouse=True)
def empty_feed_cache(app: Flask) -> Iterator[None]:
    """Each test's data is rolled back, so ids and versions repeat: start every test cold."""
    feed_cache(app).clear()
    yield
    feed_cache(app).clear()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def fetch(client: FlaskClient, fmt: str, secret: str, **headers: str) -> bytes:
    response = client.get(f"/feeds/partner.{fmt}", headers={**bearer(secret), **headers})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def story_with_photos(session: Session, app: Flask, **kw: object) -> dict[str, object]:
    """A published story with a lead photo partners may have, an agency photo and a photo
    marked not for partners."""
    store = media_store_for(app)
    section = kw.pop("section", None) or make_section(session)
    article = make_article(session, section=section, publish=False, **kw)  # type: ignore[arg-type]
    kept = make_image(session, store, creator="Tove Brandt", organization="Fjord Post")
    agency = make_image(
        session,
        store,
        rights_class=RightsClass.AGENCY,
        creator="Wire Lens",
        organization="Globe Wire",
    )
    withheld = make_image(
        session,
        store,
        creator="Private Shooter",
        organization="Closed Studio",
        partner_allowed=False,
    )
    add_image(session, article, kept, ImageRole.LEAD)
    add_image(session, article, agency)
    add_image(session, article, withheld)
    from syndicate.content.services import publish_article

    publish_article(session, article, release_at=None, actor_id=None)
    return {"article": article, "kept": kept, "agency": agency, "withheld": withheld}


def test_every_format_is_valid_and_carries_rights_and_credits(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = story_with_photos(session, app, headline="Harbour cranes fall silent", tags=["ports"])
    _publisher, secret = make_feed_partner(session)
    session.commit()
    article = story["article"]
    assert isinstance(article, Article)
    for fmt in ("rss", "atom"):
        parsed = feedparser.parse(fetch(client, fmt, secret))
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        entry = parsed.entries[0]
        assert entry.title == "Harbour cranes fall silent"
        assert entry.link == f"http://localhost/articles/{article.slug}"
        assert entry.id.startswith("tag:localhost,")
        assert entry.id.endswith(f"articles/{article.id}")
        assert entry.author == article.authors[0].name
        assert [c["content"] for c in entry.media_credit] == ["Tove Brandt/Fjord Post"]
        assert entry.media_credit[0]["scheme"] == "urn:ebu"
        assert "Images courtesy of Tove Brandt/Fjord Post" in entry.rights
        assert "http://localhost/republish" in entry.rights
        labels = {t.get("label") or t["term"] for t in entry.tags}
        assert labels == {article.section.name, "ports"}
        body = entry.content[0].value
        assert "<figure>" in body
        assert "Photo: Tove Brandt/Fjord Post" in body
        assert "Images courtesy of Tove Brandt/Fjord Post" in body
        assert "licensing@lanterndesk.example" in body  # the attribution paragraph
        assert f'href="http://localhost/articles/{article.slug}"' in body
        assert 'src="http://localhost/px/' in body
        assert 'width="1"' in body
        assert 'height="1"' in body
    assert b"<media:copyright>\xc2\xa9 Tove Brandt/Fjord Post</media:copyright>" in fetch(
        client, "rss", secret
    )
    document = json.loads(fetch(client, "json", secret))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    item = document["items"][0]
    assert item["title"] == "Harbour cranes fall silent"
    assert [m["credit"]["name"] for m in item["_media"]["content"]] == ["Tove Brandt/Fjord Post"]


def test_photos_partners_may_not_have_never_appear(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = story_with_photos(session, app)
    _publisher, secret = make_feed_partner(session)
    session.commit()
    for fmt in FORMATS:
        data = fetch(client, fmt, secret).decode()
        for hidden in ("agency", "withheld"):
            image = story[hidden]
            assert image.storage_key not in data  # type: ignore[attr-defined]
        for name in ("Wire Lens", "Globe Wire", "Private Shooter", "Closed Studio"):
            assert name not in data
        assert story["kept"].storage_key in data  # type: ignore[attr-defined]


def test_a_lapsed_permission_removes_the_photo_on_the_next_request(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    story = story_with_photos(session, app)
    store = media_store_for(app)
    article = story["article"]
    second = make_image(session, store, creator="Lapsing Lens", organization="Short Term")
    second.partner_allowed_until = utcnow() + timedelta(days=1)
    add_image(session, article, second)  # type: ignore[arg-type]
    _publisher, secret = make_feed_partner(session)
    session.commit()
    before = feedparser.parse(fetch(client, "rss", secret)).entries[0]
    assert "Images courtesy of Tove Brandt/Fjord Post and Lapsing Lens/Short Term" in (
        before.content[0].value
    )
    second.partner_allowed_until = utcnow() - timedelta(minutes=1)
    session.commit()
    after = feedparser.parse(fetch(client, "rss", secret)).entries[0]
    body = after.content[0].value
    assert "Lapsing Lens" not in body
    assert second.storage_key not in body
    assert "Images courtesy of Tove Brandt/Fjord Post</p>" in body
    assert [c["content"] for c in after.media_credit] == ["Tove Brandt/Fjord Post"]


def test_time_alone_lapses_photos_and_releases_stories_without_a_change(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    store = media_store_for(app)
    section = make_section(session)
    article = make_article(session, section=section, publish=False, headline="Now showing")
    image = make_image(session, store, creator="Brief Lens", organization="Soon Gone")
    image.partner_allowed_until = utcnow() + timedelta(seconds=1.5)
    add_image(session, article, image, ImageRole.LEAD)
    from syndicate.content.services import publish_article

    publish_article(session, article, release_at=None, actor_id=None)
    make_article(
        session,
        section=section,
        headline="Coming soon",
        released_at=utcnow() + timedelta(seconds=1.5),
    )
    _publisher, secret = make_feed_partner(session)
    session.commit()
    first = fetch(client, "atom", secret).decode()
    assert "Brief Lens" in first
    assert "Coming soon" not in first
    assert fetch(client, "atom", secret).decode() == first  # served from the cache
    time.sleep(1.7)
    later = fetch(client, "atom", secret).decode()
    assert "Brief Lens" not in later
    assert "Coming soon" in later


def test_a_section_licence_sees_only_its_section(client: FlaskClient, session: Session) -> None:
    rivers = make_section(session, slug="rivers-scope", name="Rivers")
    courts = make_section(session, slug="courts-scope", name="Courts")
    make_article(session, section=rivers, headline="River story")
    make_article(session, section=courts, headline="Court story")
    make_article(
        session,
        section=rivers,
        headline="Not for partners",
        syndication=SyndicationPolicy.DO_NOT_SYNDICATE,
    )
    make_article(session, section=rivers, headline="Still a draft", publish=False)
    _publisher, secret = make_feed_partner(
        session, scope_kind=ScopeKind.SECTIONS, scope_sections=["rivers-scope"]
    )
    session.commit()
    for fmt in ("rss", "atom"):
        titles = [e.title for e in feedparser.parse(fetch(client, fmt, secret)).entries]
        assert titles == ["River story"]
    assert [i["title"] for i in json.loads(fetch(client, "json", secret))["items"]] == [
        "River story"
    ]


def test_items_are_newest_first_and_limited(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    section = make_section(session)
    now = utcnow()
    for n in range(4):
        make_article(
            session, section=section, headline=f"Story {n}", released_at=now - timedelta(hours=n)
        )
    _publisher, secret = make_feed_partner(session)
    session.commit()
    monkeypatch.setitem(app.config, "FEEDS_PARTNER_ITEMS", 3)
    monkeypatch.delitem(app.extensions, "syndication.settings", raising=False)
    try:
        titles = [e.title for e in feedparser.parse(fetch(client, "atom", secret)).entries]
    finally:
        app.extensions.pop("syndication.settings", None)
    assert titles == ["Story 0", "Story 1", "Story 2"]


def test_the_key_works_as_bearer_basic_password_and_query(
    client: FlaskClient, session: Session
) -> None:
    make_article(session, headline="Keyed story")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    basic = base64.b64encode(f"anyone:{secret}".encode()).decode()
    for response in (
        client.get("/feeds/partner.rss", headers=bearer(secret)),
        client.get("/feeds/partner.rss", headers={"Authorization": f"Basic {basic}"}),
        client.get(f"/feeds/partner.rss?key={secret}"),
    ):
        assert response.status_code == 200
        assert b"Keyed story" in response.data


def test_refusals_missing_bad_revoked_and_unlicensed(client: FlaskClient, session: Session) -> None:
    publisher, secret = make_feed_partner(session)
    session.commit()
    for headers in ({}, bearer("synd_feed_" + "x" * 43), bearer("not-a-key")):
        response = client.get("/feeds/partner.atom", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith(
            'Basic realm="Syndicate partner feeds"'
        )
        assert "Bearer" in response.headers["WWW-Authenticate"]
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/feeds/partner.atom", headers=bearer(secret)).status_code == 200
    key = session.scalar(select(FeedKey).where(FeedKey.publisher_id == publisher.id))
    assert key is not None
    revoke_feed_key(session, key, actor_id=None)
    session.commit()
    assert client.get("/feeds/partner.atom", headers=bearer(secret)).status_code == 401

    other, other_secret = make_feed_partner(session)
    assert client.get("/feeds/partner.json", headers=bearer(other_secret)).status_code == 200
    for licence in session.scalars(select(License).where(License.publisher_id == other.id)):
        licence.status = LicenseStatus.REVOKED
    session.commit()
    response = client.get("/feeds/partner.json", headers=bearer(other_secret))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response.headers


def test_http_headers_conditional_get_and_gzip(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_article(session, headline="Cached story")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    expected_types = {
        "rss": "application/rss+xml; charset=utf-8",
        "atom": "application/atom+xml; charset=utf-8",
        "json": "application/feed+json; charset=utf-8",
    }
    for fmt, content_type in expected_types.items():
        response = settled_response(client, f"/feeds/partner.{fmt}", secret)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == content_type
        assert response.headers["Cache-Control"].startswith("private")
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert "Authorization" in response.headers["Vary"]
        assert "Link" not in response.headers
        etag, modified = response.headers["ETag"], response.headers["Last-Modified"]
        assert etag.startswith('"')
        assert not etag.startswith("W/")
        again = client.get(
            f"/feeds/partner.{fmt}", headers={**bearer(secret), "If-None-Match": etag}
        )
        assert again.status_code == 304
        assert again.data == b""
        assert again.headers["ETag"] == etag
        since = client.get(
            f"/feeds/partner.{fmt}", headers={**bearer(secret), "If-Modified-Since": modified}
        )
        assert since.status_code == 304
        assert since.data == b""
        zipped = client.get(
            f"/feeds/partner.{fmt}", headers={**bearer(secret), "Accept-Encoding": "gzip"}
        )
        assert zipped.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.data) == response.data
        assert zipped.headers["ETag"] != etag
    rss = client.get("/feeds/partner.rss", headers=bearer(secret)).data
    assert b"<ttl>15</ttl>" in rss

    monkeypatch.setitem(app.config, "FEEDS_WEBSUB_HUB", "https://hub.example/")
    app.extensions.pop("syndication.settings", None)
    feed_cache(app).clear()
    try:
        response = client.get("/feeds/partner.atom", headers=bearer(secret))
    finally:
        app.extensions.pop("syndication.settings", None)
    assert response.headers["Link"] == (
        '<https://hub.example/>; rel="hub", <http://localhost/feeds/partner.atom>; rel="self"'
    )
    assert b'rel="hub"' in response.data


def test_a_correction_shows_on_the_next_request(client: FlaskClient, session: Session) -> None:
    article = make_article(session, headline="Bridge vote delayed")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    first = client.get("/feeds/partner.atom", headers=bearer(secret))
    assert b"Correction" not in first.data
    add_correction(session, article, "The vote is on Thursday, not Tuesday.", actor_id=None)
    session.commit()
    second = client.get(
        "/feeds/partner.atom", headers={**bearer(secret), "If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 200
    entry = feedparser.parse(second.data).entries[0]
    assert "The vote is on Thursday, not Tuesday." in entry.content[0].value
    assert entry.id == feedparser.parse(first.data).entries[0].id


def settled_response(client: FlaskClient, path: str, secret: str) -> TestResponse:
    """The feed once it carries a Last-Modified date (none is sent within the second of
    the last change, since a later change in the same second would share it)."""
    response = client.get(path, headers=bearer(secret))
    if "Last-Modified" not in response.headers:
        past_this_second()
        response = client.get(path, headers=bearer(secret))
    assert "Last-Modified" in response.headers
    return response


def test_a_killed_story_leaves_and_moves_last_modified(
    client: FlaskClient, session: Session
) -> None:
    article = make_article(session, headline="Soon withdrawn")
    _publisher, secret = make_feed_partner(session)
    session.commit()
    first = settled_response(client, "/feeds/partner.rss", secret)
    assert b"Soon withdrawn" in first.data
    article.status = ArticleStatus.KILLED
    session.commit()
    second = client.get(
        "/feeds/partner.rss",
        headers={**bearer(secret), "If-Modified-Since": first.headers["Last-Modified"]},
    )
    assert second.status_code == 200
    assert b"Soon withdrawn" not in second.data


@pytest.mark.parametrize("count", [5, 60])
def test_query_count_is_bounded(
    client: FlaskClient, session: Session, app: Flask, query_counter: list[str], count: int
) -> None:
    store = media_store_for(app)
    section = make_section(session)
    for n in range(count):
        article = make_article(session, section=section, publish=False, tags=[f"t{n % 3}"])
        add_image(session, article, make_image(session, store), ImageRole.LEAD)
        from syndicate.content.services import publish_article

        publish_article(session, article, release_at=None, actor_id=None)
        if n % 10 == 0:
            add_correction(session, article, "Fixed a name.", actor_id=None)
    _publisher, secret = make_feed_partner(session)
    session.commit()
    past_this_second()  # a cached copy made now then holds
    assert client.get("/feeds/partner.rss", headers=bearer(secret)).status_code == 200
    feed_cache(app).clear()
    query_counter.clear()
    response = client.get("/feeds/partner.rss", headers=bearer(secret))
    assert response.status_code == 200
    assert len(feedparser.parse(response.data).entries) == min(count, 50)
    cold_statements = sql(query_counter)
    cold = len(cold_statements)
    query_counter.clear()
    assert client.get("/feeds/partner.rss", headers=bearer(secret)).status_code == 200
    warm = len(sql(query_counter))
    # key, licences, version; then ids, articles, authors, tags, corrections, images, release.
    assert warm <= 4, query_counter
    assert cold <= 11, "\n".join(s[:90] for s in cold_statements)
    # The same for 5 and 60 stories (recorded here, compared across the two runs).
    QUERY_COUNTS[count] = (cold, warm)
    if len(QUERY_COUNTS) == 2:
        assert QUERY_COUNTS[5] == QUERY_COUNTS[60]


QUERY_COUNTS: dict[int, tuple[int, int]] = {}


def sql(statements: list[str]) -> list[str]:
    """The data statements among ``statements`` (the test transaction's savepoints aside)."""
    return [s for s in statements if not s.upper().startswith(("SAVEPOINT", "RELEASE"))]


def test_the_tracking_image_counts_views_by_day_and_host(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    article = make_article(session)
    # Views are counted under the partner's own domain; other sites fold into "other".
    publisher = make_publisher(session, website="https://news.example", domain="news.example")
    session.commit()
    token = pixel_signer(app).token(publisher.id, article.id)
    assert str(article.id) not in token.split(".")[0] or len(token) > 20
    for referrer in ("https://news.example/story?reader=42", "https://news.example/other", ""):
        response = client.get(f"/px/{token}.gif", headers={"Referer": referrer} if referrer else {})
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/gif"
        assert response.data.startswith(b"GIF89a")
    rows = session.execute(
        select(PickupView.referrer_host, PickupView.count)
        .where(PickupView.article_id == article.id, PickupView.publisher_id == publisher.id)
        .order_by(PickupView.referrer_host)
    ).all()
    assert [tuple(r) for r in rows] == [("", 1), ("news.example", 2)]

    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = client.get(f"/px/{forged}.gif")
    assert response.status_code == 200
    assert response.data.startswith(b"GIF89a")
    total = sum(
        session.scalars(select(PickupView.count).where(PickupView.article_id == article.id))
    )
    assert total == 3
    assert pixel_signer(app).read(forged) is None
    assert pixel_signer(app).read(token) == (publisher.id, article.id)


def test_the_version_rises_with_feed_changes_only(client: FlaskClient, session: Session) -> None:
    article = make_article(session)
    publisher, _secret = make_feed_partner(session)
    session.commit()
    start = current_version(session).number
    key = session.scalar(select(FeedKey).where(FeedKey.publisher_id == publisher.id))
    assert key is not None
    key.last_used_at = utcnow()  # bookkeeping of a read: no feed changes
    session.commit()
    assert current_version(session).number == start
    article.headline = "A new headline"
    session.commit()
    assert current_version(session).number == start + 1
    session.execute(
        update(License).where(License.publisher_id == publisher.id).values(territory="Coast")
    )
    session.commit()
    assert current_version(session).number == start + 2
    article.headline = "Rolled back"
    session.flush()
    session.rollback()
    assert current_version(session).number == start + 2


def test_captions_credits_and_titles_are_escaped(
    client: FlaskClient, session: Session, app: Flask
) -> None:
    article = make_article(session, publish=False, headline='Tides & "tricks" <b>now</b>')
    image = make_image(
        session,
        media_store_for(app),
        creator="Ana <script>x()</script>",
        organization="R&D Lab",
        caption='<img src=x onerror="alert(1)">Caption',
    )
    add_image(session, article, image, ImageRole.LEAD)
    from syndicate.content.services import publish_article

    publish_article(session, article, release_at=None, actor_id=None)
    _publisher, secret = make_feed_partner(session)
    session.commit()
    item = json.loads(fetch(client, "json", secret))["items"][0]
    html = item["content_html"]
    assert "<script>" not in html
    assert "Ana &lt;script&gt;x()&lt;/script&gt;/R&amp;D Lab" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;Caption" in html
    assert "Tides &amp; &#34;tricks&#34; &lt;b&gt;now&lt;/b&gt;</a>" in html
    assert item["title"] == 'Tides & "tricks" <b>now</b>'
    assert feedparser.parse(fetch(client, "atom", secret)).bozo == 0
