"""Sign-in, sessions that die on logout and password change, hashed secrets."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from syndicate.accounts.models import ApiToken, Role, User
from syndicate.accounts.passwords import hash_password, needs_rehash, verify_password
from syndicate.accounts.services import (
    API_TOKEN_PREFIX,
    authenticate,
    create_api_token,
    user_by_api_token,
)
from tests.conftest import TEST_PASSWORD, csrf_token, login
from tests.factories import make_publisher, make_user

PROTECTED = "/account/password"


def _cookie(client) -> str:
    cookie = client.get_cookie("syndicate_session")
    assert cookie is not None
    return cookie.value


@pytest.mark.usefixtures("production_password_hashing")
def test_passwords_are_argon2id_and_verify() -> None:
    stored = hash_password("s3cret passphrase")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "s3cret passphrase")
    assert not verify_password(stored, "wrong")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
    assert not needs_rehash(stored)


@pytest.mark.usefixtures("production_password_hashing")
def test_weak_parameters_are_rehashed_on_login(session) -> None:
    from argon2 import PasswordHasher

    user = make_user(session, email="old@example.org")
    user.password_hash = PasswordHasher(time_cost=1, memory_cost=8192).hash(TEST_PASSWORD)
    session.flush()
    old = user.password_hash
    assert authenticate(session, "OLD@example.org ", TEST_PASSWORD) is user
    assert user.password_hash != old
    assert not needs_rehash(user.password_hash)


def test_login_form_requires_csrf(client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    response = client.post("/login", data={"email": "desk@example.org", "password": TEST_PASSWORD})
    assert response.status_code == 400
    assert client.get(PROTECTED).status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    response = login(client, "desk@example.org", "not the password")
    assert response.status_code == 401
    assert "do not match" in response.get_data(as_text=True)
    response = login(client, "nobody@example.org", "not the password")
    assert response.status_code == 401
    assert client.get(PROTECTED).status_code == 302


def test_disabled_user_cannot_sign_in(client, session) -> None:
    user = make_user(session, email="gone@example.org")
    user.is_enabled = False
    session.commit()
    assert login(client, "gone@example.org").status_code == 401


def test_login_then_protected_page(client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    response = login(client, "desk@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")
    page = client.get(PROTECTED)
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]


def test_next_parameter_only_follows_local_paths(client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    token = csrf_token(client, "/login")
    data = {"email": "desk@example.org", "password": TEST_PASSWORD, "csrf_token": token}
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/staff/"
    client.post("/logout", data={"csrf_token": csrf_token(client, PROTECTED)})
    token = csrf_token(client, "/login")
    data["csrf_token"] = token
    response = client.post("/login?next=/account/password", data=data)
    assert response.headers["Location"] == "/account/password"


def test_logout_kills_the_old_cookie(app, client, session) -> None:
    user = make_user(session, email="desk@example.org")
    session.commit()
    login(client, "desk@example.org")
    stolen = _cookie(client)
    token_before = user.session_token
    response = client.post("/logout", data={"csrf_token": csrf_token(client, PROTECTED)})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).session_token != token_before

    replay = app.test_client()
    replay.set_cookie("syndicate_session", stolen)
    assert replay.get(PROTECTED).status_code == 302


def test_logout_requires_csrf(client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    login(client, "desk@example.org")
    assert client.post("/logout").status_code == 400
    assert client.get(PROTECTED).status_code == 200


def test_password_change_ends_other_sessions(app, client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    other = app.test_client()
    login(other, "desk@example.org")
    assert other.get(PROTECTED).status_code == 200

    login(client, "desk@example.org")
    new_password = "another long passphrase"
    response = client.post(
        PROTECTED,
        data={
            "current_password": TEST_PASSWORD,
            "new_password": new_password,
            "confirm": new_password,
            "csrf_token": csrf_token(client, PROTECTED),
        },
    )
    assert response.status_code == 302
    assert client.get(PROTECTED).status_code == 200  # this session continues
    assert other.get(PROTECTED).status_code == 302  # the other one is gone
    assert login(app.test_client(), "desk@example.org", new_password).status_code == 302
    assert login(app.test_client(), "desk@example.org", TEST_PASSWORD).status_code == 401


def test_password_change_refusals(client, session) -> None:
    make_user(session, email="desk@example.org")
    session.commit()
    login(client, "desk@example.org")
    base = {"csrf_token": csrf_token(client, PROTECTED)}
    wrong_current = client.post(
        PROTECTED,
        data={**base, "current_password": "nope", "new_password": "x" * 14, "confirm": "x" * 14},
    )
    assert wrong_current.status_code == 422
    assert "not your current password" in wrong_current.get_data(as_text=True)
    too_short = client.post(
        PROTECTED,
        data={
            **base,
            "current_password": TEST_PASSWORD,
            "new_password": "short",
            "confirm": "short",
        },
    )
    assert too_short.status_code == 422
    mismatch = client.post(
        PROTECTED,
        data={
            **base,
            "current_password": TEST_PASSWORD,
            "new_password": "y" * 14,
            "confirm": "z" * 14,
        },
    )
    assert mismatch.status_code == 422
    assert "differ" in mismatch.get_data(as_text=True)


def test_api_tokens_are_stored_only_as_hashes(session) -> None:
    user = make_user(session, email="api@example.org")
    token, secret = create_api_token(session, user, label="script")
    assert secret.startswith(API_TOKEN_PREFIX)
    assert len(secret) >= len(API_TOKEN_PREFIX) + 43  # 256 bits, URL-safe base64
    row = session.scalar(select(ApiToken).where(ApiToken.id == token.id))
    assert secret not in (row.digest, row.prefix, row.label)
    assert user_by_api_token(session, secret) is user
    assert row.last_used_at is not None
    assert user_by_api_token(session, secret + "x") is None
    assert user_by_api_token(session, "not-a-token") is None
    user.is_enabled = False
    assert user_by_api_token(session, secret) is None


def test_partner_user_belongs_to_a_publisher(session) -> None:
    publisher = make_publisher(session, slug="harbor-gazette")
    user = make_user(session, role=Role.PARTNER, publisher_slug="harbor-gazette")
    assert user.publisher is publisher
    assert not user.is_staff
