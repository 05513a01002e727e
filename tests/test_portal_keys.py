"""Feed keys in the portal: shown once, stored as a digest, rotated and revoked over HTTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from licenses.keys import FEED_KEY_PREFIX, authenticate_feed_key, create_feed_key, key_digest
from licenses.models import FeedKey
from syndicate.audit import AuditEvent
from tests.conftest import csrf_token, login
from tests.factories import make_partner

SECRET = re.compile(r'value="(' + FEED_KEY_PREFIX + r'[A-Za-z0-9_-]+)"')


@pytest.fixture
def partner(client, session):
    user = make_partner(session, name="Ridgeview Courier")
    session.commit()
    login(client, user.email)
    return user


def _keys_of(session, partner) -> list[FeedKey]:
    return list(
        session.scalars(select(FeedKey).where(FeedKey.publisher_id == partner.publisher_id))
    )


def _secret(response) -> str:
    match = SECRET.search(response.get_data(as_text=True))
    assert match, "no secret on the page"
    return match.group(1)


def test_keys_page_shows_feeds_and_how_to_authenticate(client, partner) -> None:
    page = client.get("/portal/keys").get_data(as_text=True)
    for path in ("/feeds/partner.rss", "/feeds/partner.atom", "/feeds/partner.json"):
        assert f"http://localhost{path}" in page
    assert "Authorization: Bearer" in page
    assert "HTTP Basic" in page
    assert "?key=" in page
    assert "no feed keys yet" in page


def test_created_key_is_shown_once_and_only_its_digest_is_stored(client, session, partner) -> None:
    token = csrf_token(client, "/portal/keys")
    response = client.post("/portal/keys", data={"label": "Website CMS", "csrf_token": token})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    secret = _secret(response)
    assert len(secret) >= len(FEED_KEY_PREFIX) + 43  # 256 bits, base64url

    key = session.scalar(select(FeedKey).where(FeedKey.publisher_id == partner.publisher_id))
    assert key is not None
    assert key.label == "Website CMS"
    assert key.digest == key_digest(secret)
    assert secret not in (key.prefix, key.digest)
    assert authenticate_feed_key(session, secret) is not None

    listing = client.get("/portal/keys").get_data(as_text=True)
    assert f"{key.prefix}…" in listing
    assert secret not in listing
    assert key.digest not in listing
    assert "Website CMS" in listing
    # Nothing kept the secret for a later page.
    assert secret not in client.get("/portal/").get_data(as_text=True)
    with client.session_transaction() as flask_session:
        assert secret not in repr(dict(flask_session))


def test_a_key_needs_a_label(client, session, partner) -> None:
    token = csrf_token(client, "/portal/keys")
    response = client.post("/portal/keys", data={"label": "  ", "csrf_token": token})
    assert response.status_code == 422
    assert "Give the key a label" in response.get_data(as_text=True)
    assert (
        session.scalar(select(FeedKey).where(FeedKey.publisher_id == partner.publisher_id)) is None
    )


def test_creating_a_key_needs_csrf(client, session, partner) -> None:
    response = client.post("/portal/keys", data={"label": "No token"})
    assert response.status_code == 400
    assert (
        session.scalar(select(FeedKey).where(FeedKey.publisher_id == partner.publisher_id)) is None
    )


def test_rotation_replaces_the_key(client, session, partner) -> None:
    old, old_secret = create_feed_key(session, partner.publisher, label="Newsletter", actor_id=None)
    session.commit()
    confirm = client.get(f"/portal/keys/{old.id}/rotate")
    assert confirm.status_code == 200
    assert "stops working at once" in confirm.get_data(as_text=True)
    token = csrf_token(client, f"/portal/keys/{old.id}/rotate")
    response = client.post(f"/portal/keys/{old.id}/rotate", data={"csrf_token": token})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    new_secret = _secret(response)
    assert new_secret != old_secret

    session.expire_all()
    assert authenticate_feed_key(session, old_secret) is None
    new_key = authenticate_feed_key(session, new_secret)
    assert new_key is not None
    assert new_key.label == "Newsletter"
    assert session.get(FeedKey, old.id).replaced_by_id == new_key.id

    listing = client.get("/portal/keys").get_data(as_text=True)
    assert "Replaced" in listing
    # A rotated key cannot be rotated again.
    again = client.post(f"/portal/keys/{old.id}/rotate", data={"csrf_token": token})
    assert again.status_code == 409


def test_revocation_needs_confirmation_and_csrf(client, session, partner) -> None:
    key, secret = create_feed_key(session, partner.publisher, label="Print desk", actor_id=None)
    session.commit()
    confirm = client.get(f"/portal/keys/{key.id}/revoke")
    assert confirm.status_code == 200
    assert "Revoke the key" in confirm.get_data(as_text=True)

    without_token = client.post(f"/portal/keys/{key.id}/revoke")
    assert without_token.status_code == 400
    session.expire_all()
    assert authenticate_feed_key(session, secret) is not None

    token = csrf_token(client, f"/portal/keys/{key.id}/revoke")
    response = client.post(f"/portal/keys/{key.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/keys"
    session.expire_all()
    assert authenticate_feed_key(session, secret) is None
    assert session.get(FeedKey, key.id).revoked_at is not None
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "feed_key.revoke", AuditEvent.object_id == str(key.id)
        )
    ).all()
    assert [e.actor_id for e in events] == [partner.id]

    listing = client.get("/portal/keys").get_data(as_text=True)
    assert "Revoked" in listing
    assert f"/portal/keys/{key.id}/revoke" not in listing
