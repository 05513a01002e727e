"""Invitation links: signed, expiring, single use."""

from __future__ import annotations

from syndicate.accounts.invitations import make_invitation_token, user_for_invitation
from syndicate.accounts.models import Role
from syndicate.accounts.services import create_user
from tests.conftest import csrf_token
from tests.factories import make_publisher

NEW_PASSWORD = "harbor lights at dawn"


def _invited(session):
    make_publisher(session, slug="harbor-gazette")
    user = create_user(
        session, email="nadia@harbor.example", role=Role.PARTNER, publisher_slug="harbor-gazette"
    )
    session.commit()
    return user


def test_invitation_sets_password_once(app, client, session) -> None:
    user = _invited(session)
    token = make_invitation_token(app.config["SECRET_KEY"], user)
    path = f"/account/setup/{token}"
    page = client.get(path)
    assert page.status_code == 200
    assert "nadia@harbor.example" in page.get_data(as_text=True)
    response = client.post(
        path,
        data={
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    session.expire_all()
    assert user.password_hash.startswith("$argon2id$")
    # The same link does not work a second time.
    again = app.test_client().get(path)
    assert again.status_code == 404
    assert "no longer works" in again.get_data(as_text=True)


def test_tampered_or_expired_links_fail(app, client, session) -> None:
    user = _invited(session)
    token = make_invitation_token(app.config["SECRET_KEY"], user)
    assert client.get(f"/account/setup/{token[:-2]}xx").status_code == 404
    assert user_for_invitation(session, "another secret", token) is None
    assert user_for_invitation(session, app.config["SECRET_KEY"], token, max_age=-1) is None
    assert user_for_invitation(session, app.config["SECRET_KEY"], token) is user


def test_short_password_is_refused(app, client, session) -> None:
    user = _invited(session)
    path = f"/account/setup/{make_invitation_token(app.config['SECRET_KEY'], user)}"
    response = client.post(
        path,
        data={"new_password": "short", "confirm": "short", "csrf_token": csrf_token(client, path)},
    )
    assert response.status_code == 422
    session.expire_all()
    assert user.password_hash is None
