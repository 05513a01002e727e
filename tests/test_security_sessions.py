"""Sessions die when they must: logout, password change, disabling, idle and absolute limits.

Every replay test captures both login cookies (the session and "remember me"), triggers the
event, and presents the captured cookies from a fresh client that has never signed in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.accounts.models import Role, User
from syndicate.database import Database
from syndicate.web.sessions import LAST_SEEN, SIGNED_IN_AT
from tests.conftest import TEST_PASSWORD, csrf_token, sibling_app
from tests.factories import make_publisher, make_user

PROTECTED = "/account/password"
SESSION = "syndicate_session"
REMEMBER = "syndicate_remember"


def sign_in_remembered(client: FlaskClient, email: str) -> Any:
    """Sign in through the form with "keep me signed in" ticked."""
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"email": email, "password": TEST_PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def capture(client: FlaskClient) -> dict[str, str]:
    """Both login cookies of ``client``, as an attacker who copied them would hold them."""
    cookies = {}
    for name in (SESSION, REMEMBER):
        cookie = client.get_cookie(name)
        assert cookie is not None, f"{name} was not set"
        cookies[name] = cookie.value
    return cookies


def replay(app: Flask, cookies: dict[str, str], only: str | None = None) -> FlaskClient:
    """A brand-new client presenting the captured cookies (or just one of them)."""
    fresh = app.test_client()
    for name, value in cookies.items():
        if only is None or name == only:
            fresh.set_cookie(name, value)
    return fresh


def signed_in(client: FlaskClient) -> bool:
    """Whether ``client`` reaches an account page (302 to /login when anonymous)."""
    status = client.get(PROTECTED).status_code
    assert status in {200, 302}
    return status == 200


@pytest.fixture
def staff_user(session: Session) -> User:
    user = make_user(session, email="night.editor@example.org")
    session.commit()
    return user


def test_captured_cookies_work_until_the_event(app, client, staff_user) -> None:
    # The control for every replay test below: each cookie alone signs a fresh client in.
    sign_in_remembered(client, staff_user.email)
    cookies = capture(client)
    assert signed_in(replay(app, cookies))
    assert signed_in(replay(app, cookies, only=SESSION))
    assert signed_in(replay(app, cookies, only=REMEMBER))


def test_an_anonymous_session_is_left_alone_on_public_pages(app, client, staff_user) -> None:
    # Opening the sign-in form gives an anonymous visitor a session holding its CSRF token.
    csrf_token(client, "/login")
    assert client.get_cookie(SESSION) is not None
    for path in ("/", "/search?q=harbour", "/republish", "/account/password"):
        response = client.get(path)
        assert response.headers.getlist("Set-Cookie") == [], path
    assert client.get("/").headers["Cache-Control"].startswith("public")


def test_logout_kills_session_and_remember_cookies(app, client, staff_user) -> None:
    sign_in_remembered(client, staff_user.email)
    cookies = capture(client)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, PROTECTED)})
    assert response.status_code == 302
    assert not signed_in(client)
    assert not signed_in(replay(app, cookies))
    assert not signed_in(replay(app, cookies, only=SESSION))
    assert not signed_in(replay(app, cookies, only=REMEMBER))


def test_password_change_kills_old_session_and_remember_cookies(app, client, staff_user) -> None:
    sign_in_remembered(client, staff_user.email)
    cookies = capture(client)
    new_password = "a different long passphrase"
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
    assert signed_in(client)  # the session that changed the password carries on
    assert not signed_in(replay(app, cookies))
    assert not signed_in(replay(app, cookies, only=SESSION))
    assert not signed_in(replay(app, cookies, only=REMEMBER))


def test_disabling_an_account_kills_its_cookies(app, client, session, staff_user) -> None:
    sign_in_remembered(client, staff_user.email)
    cookies = capture(client)
    staff_user.is_enabled = False
    session.commit()
    assert not signed_in(client)
    assert not signed_in(replay(app, cookies))
    assert not signed_in(replay(app, cookies, only=REMEMBER))
    # Nor does the console or the API open for the disabled account.
    assert replay(app, cookies).get("/staff/").status_code == 302


def test_disabled_partner_cookies_do_not_open_the_portal(app, client, session) -> None:
    publisher = make_publisher(session)
    partner = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    session.commit()
    sign_in_remembered(client, partner.email)
    cookies = capture(client)
    assert replay(app, cookies).get("/portal/").status_code == 200
    partner.is_enabled = False
    session.commit()
    for only in (None, SESSION, REMEMBER):
        response = replay(app, cookies, only=only).get("/portal/")
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def _set_cookie_headers(response: Any, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def test_cookie_flags_in_development(client, staff_user) -> None:
    response = sign_in_remembered(client, staff_user.email)
    for name in (SESSION, REMEMBER):
        (header,) = _set_cookie_headers(response, name)
        attributes = [part.strip().lower() for part in header.split(";")]
        assert "httponly" in attributes
        assert "samesite=lax" in attributes
        assert "secure" not in attributes  # plain HTTP on a developer's machine


@pytest.fixture
def production_app(app: Flask, db: Database) -> Iterator[Flask]:
    """The application as configured for production, sharing the test's transaction."""
    with sibling_app(app, db, ENV="production", RATELIMIT_LOGIN="10000 per minute") as production:
        yield production


def test_cookie_flags_in_production(production_app, staff_user) -> None:
    client = production_app.test_client()
    response = sign_in_remembered(client, staff_user.email)
    for name in (SESSION, REMEMBER):
        (header,) = _set_cookie_headers(response, name)
        attributes = [part.strip().lower() for part in header.split(";")]
        assert "secure" in attributes
        assert "httponly" in attributes
        assert "samesite=lax" in attributes


def test_the_remember_cookie_is_deleted_with_its_flags(production_app, staff_user) -> None:
    client = production_app.test_client()
    sign_in_remembered(client, staff_user.email)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, PROTECTED)})
    (header,) = _set_cookie_headers(response, REMEMBER)
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "max-age=0" in attributes, header  # the deletion
    assert "secure" in attributes, header
    assert "httponly" in attributes, header
    assert "samesite=lax" in attributes, header


# --- idle and absolute limits ---------------------------------------------------------------


def _stamps(client: FlaskClient) -> tuple[Any, Any]:
    with client.session_transaction() as flask_session:
        return flask_session.get(SIGNED_IN_AT), flask_session.get(LAST_SEEN)


def _age(client: FlaskClient, *, signed_in_ago: int, seen_ago: int) -> None:
    now = int(time.time())
    with client.session_transaction() as flask_session:
        flask_session[SIGNED_IN_AT] = now - signed_in_ago
        flask_session[LAST_SEEN] = now - seen_ago


def test_sign_in_stamps_the_session(app, client, staff_user) -> None:
    before = int(time.time())
    sign_in_remembered(client, staff_user.email)
    started, seen = _stamps(client)
    assert isinstance(started, int)
    assert isinstance(seen, int)
    assert before <= started <= int(time.time())
    assert before <= seen <= int(time.time())


def test_idle_session_is_signed_out(app, client, staff_user) -> None:
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    sign_in_remembered(client, staff_user.email)
    _age(client, signed_in_ago=idle + 120, seen_ago=idle - 60)
    assert signed_in(client)  # active a minute before the limit: still in
    _, seen = _stamps(client)
    assert seen >= int(time.time()) - 5  # and the activity was recorded

    _age(client, signed_in_ago=idle + 120, seen_ago=idle + 60)
    response = client.get(PROTECTED)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    # The remember-me cookie is cleared too, so the browser does not sign straight back in.
    assert client.get_cookie(REMEMBER) is None
    assert not signed_in(client)


def test_absolute_limit_ends_an_active_session(app, client, staff_user) -> None:
    absolute = app.config["SESSION_ABSOLUTE_HOURS"] * 3600
    sign_in_remembered(client, staff_user.email)
    _age(client, signed_in_ago=absolute - 60, seen_ago=0)
    assert signed_in(client)
    _age(client, signed_in_ago=absolute + 60, seen_ago=0)
    assert not signed_in(client)
    assert client.get_cookie(REMEMBER) is None


def test_a_copied_idle_cookie_expires_wherever_it_is_replayed(app, client, staff_user) -> None:
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    sign_in_remembered(client, staff_user.email)
    _age(client, signed_in_ago=idle + 120, seen_ago=idle + 60)
    stale = client.get_cookie(SESSION)
    assert stale is not None
    thief = app.test_client()
    thief.set_cookie(SESSION, stale.value)
    assert not signed_in(thief)


def test_limits_follow_the_configuration(app, client, staff_user, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 5)
    sign_in_remembered(client, staff_user.email)
    _age(client, signed_in_ago=400, seen_ago=240)
    assert signed_in(client)
    _age(client, signed_in_ago=400, seen_ago=360)
    assert not signed_in(client)


def test_a_remembered_restore_starts_a_new_unfresh_session(app, client, staff_user) -> None:
    sign_in_remembered(client, staff_user.email)
    cookies = capture(client)
    restored = replay(app, cookies, only=REMEMBER)
    before = int(time.time())
    assert signed_in(restored)
    started, seen = _stamps(restored)
    assert isinstance(started, int)
    assert started >= before
    assert isinstance(seen, int)
    with restored.session_transaction() as flask_session:
        assert flask_session.get("_fresh") is False
