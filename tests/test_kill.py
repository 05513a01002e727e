"""Kills: fresh login and confirmation, 410, kill notices in partner feeds, acknowledgements."""

from __future__ import annotations

import json
from datetime import timedelta

import feedparser
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.accounts.models import Role
from syndicate.content.models import ArticleStatus, ImageRole
from syndicate.newswire.models import Notice, NoticeKind
from syndicate.newswire.notices import NewswireSettings, kill_article
from syndicate.orm import utcnow
from syndicate.outbox.models import OutboxMessage
from syndicate.syndication.views import feed_cache
from tests.conftest import csrf_token, login
from tests.factories import (
    add_image,
    make_article,
    make_feed_partner,
    make_image,
    make_licence,
    make_partner,
    make_publisher,
    make_user,
    media_store_for,
)
from tests.newswire_support import cold_feed_cache, partner_feed  # noqa: F401

SETTINGS = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
ATOM = "http://www.w3.org/2005/Atom"


def _story_with_photo(session: Session, app: Flask):
    article = make_article(session, publish=False, headline="Harbour pilots strike")
    photo = make_image(session, media_store_for(app), creator="Ines Port", organization="Bay Post")
    add_image(session, article, photo, ImageRole.LEAD)
    from syndicate.content.services import publish_article

    publish_article(session, article, actor_id=None)
    return article, photo


def test_staff_kill_needs_fresh_login_and_confirmation(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    article = make_article(session, headline="Ferry timetable leaked")
    staff = make_user(session)
    session.commit()
    path = f"/staff/articles/{article.id}/kill"
    login(client, staff.email)
    page = client.get(path)
    assert page.status_code == 200
    assert "What a kill does" in page.get_data(as_text=True)
    token = csrf_token(client, path)
    unconfirmed = client.post(path, data={"csrf_token": token, "reason": "Source withdrew."})
    assert unconfirmed.status_code == 422
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    no_reason = client.post(path, data={"csrf_token": token, "confirm": "y", "reason": ""})
    assert no_reason.status_code == 422
    session.refresh(article)
    assert article.status is ArticleStatus.PUBLISHED

    # A stale sign-in is sent to confirm the password first.
    with client.session_transaction() as flask_session:
        flask_session["signed_in_at"] = 0
    stale = client.post(path, data={"csrf_token": token, "confirm": "y", "reason": "Gone."})
    assert stale.status_code in (302, 303)
    assert "/staff/reauth" in stale.headers["Location"] or "/login" in stale.headers["Location"]
    session.refresh(article)
    assert article.status is ArticleStatus.PUBLISHED

    login(client, staff.email)
    token = csrf_token(client, path)
    done = client.post(
        path, data={"csrf_token": token, "confirm": "y", "reason": "The source withdrew."}
    )
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/staff/notices/articles/{article.id}")
    session.refresh(article)
    assert article.status is ArticleStatus.KILLED
    assert article.kill_reason == "The source withdrew."
    public = client.get(f"/articles/{article.slug}")
    assert public.status_code == 410
    assert "The source withdrew." in public.get_data(as_text=True) or "withdrawn" in (
        public.get_data(as_text=True).lower()
    )
    # Killing again is refused.
    again = client.get(path)
    assert again.status_code == 409


def test_partners_are_refused_the_kill_page(client: FlaskClient, session: Session) -> None:
    article = make_article(session)
    partner = make_partner(session)
    session.commit()
    login(client, partner.email)
    assert client.get(f"/staff/articles/{article.id}/kill").status_code == 403


def test_a_kill_replaces_the_item_with_a_kill_notice_in_every_format(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    article, photo = _story_with_photo(session, app)
    _pub, key = make_feed_partner(session)
    session.commit()
    before = feedparser.parse(partner_feed(client, "atom", key)).entries[0]
    assert photo.storage_key in before.content[0].value

    kill_article(session, article, "A court order bars publication.", SETTINGS, actor_id=None)
    session.commit()

    atom_bytes = partner_feed(client, "atom", key)
    parsed = feedparser.parse(atom_bytes)
    assert parsed.bozo == 0
    [entry] = parsed.entries
    assert entry.id == before.id
    assert entry.title == "KILL: Harbour pilots strike"
    assert "Remove it from your site" in entry.content[0].value
    assert "A court order bars publication." in entry.content[0].value
    assert photo.storage_key not in atom_bytes.decode()
    assert "media_content" not in entry
    tree = etree.fromstring(atom_bytes)
    [tomb] = tree.findall(f"{{{TOMBSTONES}}}deleted-entry")
    assert tomb.get("ref") == before.id
    assert tomb.get("when") == article.killed_at.isoformat()

    rss = feedparser.parse(partner_feed(client, "rss", key))
    assert rss.bozo == 0
    [item] = rss.entries
    assert item.id == before.id
    assert item.title.startswith("KILL: ")
    assert "Remove it from your site" in item.content[0].value
    assert photo.storage_key not in partner_feed(client, "rss", key).decode()

    data = json.loads(partner_feed(client, "json", key))
    [jitem] = data["items"]
    assert jitem["id"] == before.id
    assert jitem["_kill"]["action"] == "remove"
    assert jitem["_kill"]["reason"] == "A court order bars publication."
    assert "image" not in jitem
    assert jitem["_media"]["content"] == []


def test_the_kill_notice_leaves_the_feed_after_the_configured_days(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    article = make_article(session)
    _pub, key = make_feed_partner(session)
    kill_article(session, article, "Withdrawn.", SETTINGS, actor_id=None)
    session.commit()
    assert len(feedparser.parse(partner_feed(client, "rss", key)).entries) == 1
    article.killed_at = utcnow() - timedelta(days=int(app.config["NEWSWIRE_KILL_NOTICE_DAYS"]) + 1)
    session.commit()
    feed_cache(app).clear()
    assert feedparser.parse(partner_feed(client, "rss", key)).entries == []


def test_staff_see_who_acknowledged_a_kill(client: FlaskClient, session: Session) -> None:
    article = make_article(session, headline="Bridge tender scandal")
    first = make_publisher(session, name="North Ledger")
    second = make_publisher(session, name="South Courier")
    make_licence(session, first)
    make_licence(session, second)
    first_user = make_user(session, role=Role.PARTNER, publisher_slug=first.slug)
    staff = make_user(session)
    notices = kill_article(
        session, article, "Facts could not be verified.", SETTINGS, actor_id=None
    )
    session.commit()
    assert len(notices) == 2
    assert all(n.kind is NoticeKind.KILL for n in notices)
    emails = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()
    assert any("KILL" in m.subject for m in emails)

    login(client, first_user.email)
    portal = client.get("/portal/notices")
    assert "Bridge tender scandal" in portal.get_data(as_text=True)
    mine = next(n for n in notices if n.publisher_id == first.id)
    theirs = next(n for n in notices if n.publisher_id == second.id)
    token = csrf_token(client, "/portal/notices")
    refused = client.post(
        "/portal/notices/acknowledge", data={"csrf_token": token, "notice_id": theirs.id}
    )
    assert refused.status_code == 404
    ok = client.post(
        "/portal/notices/acknowledge", data={"csrf_token": token, "notice_id": mine.id}
    )
    assert ok.status_code == 303
    session.expire_all()
    assert session.get(Notice, mine.id).acknowledgement is not None
    assert session.get(Notice, theirs.id).acknowledgement is None
    client.post("/logout", data={"csrf_token": csrf_token(client, "/portal/notices")})

    login(client, staff.email)
    page = client.get(f"/staff/notices/articles/{article.id}").get_data(as_text=True)
    assert "1 of 2 partners have not acknowledged the kill" in page or (
        "1 of 2 partners ha" in page
    )
    assert "South Courier" in page.split("not acknowledged the kill:")[1].split("</p>")[0]
    assert "North Ledger" not in page.split("not acknowledged the kill:")[1].split("</p>")[0]
    listing = client.get("/staff/notices").get_data(as_text=True)
    assert "Bridge tender scandal" in listing
    assert "1 of 2" in listing
