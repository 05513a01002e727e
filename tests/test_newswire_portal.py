"""The portal's webhook settings and notices panel."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.newswire.models import PublisherWebhook
from syndicate.newswire.notices import NewswireSettings, correct_article
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_licence, make_partner


def test_partner_sets_a_webhook_and_sees_its_secret_once(
    client: FlaskClient, session: Session
) -> None:
    user = make_partner(session)
    session.commit()
    login(client, user.email)
    token = csrf_token(client, "/portal/webhook")
    bad = client.post("/portal/webhook", data={"csrf_token": token, "url": "ftp://x.example"})
    assert bad.status_code == 422
    made = client.post(
        "/portal/webhook", data={"csrf_token": token, "url": "https://cms.example.org/hook"}
    )
    assert made.status_code == 200
    [hook] = session.scalars(
        select(PublisherWebhook).where(PublisherWebhook.publisher_id == user.publisher_id)
    ).all()
    assert hook.secret.startswith("whsec_")
    assert hook.secret in made.get_data(as_text=True)
    again = client.get("/portal/webhook").get_data(as_text=True)
    assert hook.secret not in again
    assert "https://cms.example.org/hook" in again
    short = client.post(
        "/portal/webhook",
        data={"csrf_token": token, "url": "https://cms.example.org/hook", "secret": "short"},
    )
    assert short.status_code == 422
    removed = client.post("/portal/webhook/remove", data={"csrf_token": token})
    assert removed.status_code == 303
    session.expire_all()
    assert session.scalars(select(PublisherWebhook)).all() == []


def test_overview_lists_open_notices_and_acknowledges_them(
    client: FlaskClient, session: Session
) -> None:
    user = make_partner(session)
    assert user.publisher is not None
    make_licence(session, user.publisher)
    article = make_article(session, headline="Orchard frost losses")
    settings = NewswireSettings(site_name="The Lantern Desk", base_url="http://localhost")
    correct_article(session, article, "The frost hit in April.", settings, actor_id=None)
    session.commit()
    login(client, user.email)
    home = client.get("/portal/").get_data(as_text=True)
    assert "Orchard frost losses" in home
    assert "The frost hit in April." in home
    notice_id = home.split('name="notice_id" value="')[1].split('"')[0]
    token = csrf_token(client, "/portal/")
    done = client.post(
        "/portal/notices/acknowledge",
        data={"csrf_token": token, "notice_id": notice_id, "back": "home"},
    )
    assert done.status_code == 303
    assert done.headers["Location"].endswith("/portal/")
    assert "No notices to act on" in client.get("/portal/").get_data(as_text=True)
    assert (
        client.post(
            "/portal/notices/acknowledge", data={"csrf_token": token, "notice_id": "x"}
        ).status_code
        == 404
    )
