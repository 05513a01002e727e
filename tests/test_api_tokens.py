"""API tokens can be listed, revoked and made to expire; disabling a user ends everything.

Driven from the outside (the command line, the portal, the console and the API) so each
case shows what a script holding a token, or a browser holding a cookie, actually gets.
A password change leaves API tokens working: see the test saying so.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from licenses.models import Publisher
from syndicate.accounts.models import ApiToken, Role, User
from syndicate.accounts.services import api_token_for, create_api_token
from syndicate.audit import AuditEvent
from syndicate.cli import main
from syndicate.orm import utcnow
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    bearer,
    generous_limits,
)
from tests.conftest import TEST_PASSWORD, csrf_token, login
from tests.factories import make_publisher, make_user

PROBE = f"{API}/articles"
SECRET_IN_PAGE = re.compile(r"synd_api_[A-Za-z0-9_-]{40,}")


def _partner(session: Session, publisher: Publisher | None = None, **kw: str) -> User:
    publisher = publisher or make_publisher(session)
    return make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug, **kw)


def _works(client: FlaskClient, secret: str) -> int:
    """The status the API gives ``secret``: 200 while it works, 401 once it does not."""
    return client.get(PROBE, headers=bearer(secret)).status_code


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _revocations(session: Session, token_id: int) -> int:
    return sum(e.object_id == str(token_id) for e in _events(session, "api_token.revoke"))


# --- command line --------------------------------------------------------------------------


def test_tokens_list_shows_every_token_readably_and_no_secret(
    runner: FlaskCliRunner, session: Session
) -> None:
    user = make_user(session, email="lister@example.org")
    live, live_secret = create_api_token(session, user, label="Nightly import")
    gone, gone_secret = create_api_token(session, user, label="Old laptop")
    gone.revoked_at = utcnow()
    session.commit()

    result = runner.invoke(main, args=["tokens", "list", "lister@example.org"])

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = ["ID", "STATE", "PREFIX", "CREATED", "LAST", "USED", "EXPIRES", "LABEL"]
    assert lines[0].split() == header
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {str(live.id), str(gone.id)}
    assert rows[str(live.id)].split()[1] == "active"
    assert rows[str(live.id)].endswith("Nightly import")
    assert "never" in rows[str(live.id)]
    assert rows[str(gone.id)].split()[1] == "revoked"
    assert rows[str(gone.id)].endswith("Old laptop")
    assert live.prefix in rows[str(live.id)]
    # The working token comes first, and no secret is ever printed.
    assert lines[1].startswith(str(live.id))
    for secret in (live_secret, gone_secret):
        assert secret not in result.output
        assert secret.removeprefix("synd_api_") not in result.output


def test_tokens_list_of_an_unknown_user_is_a_clear_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, args=["tokens", "list", "ghost@example.org"])
    assert result.exit_code == 1
    assert "no user with the address ghost@example.org" in result.output


def test_tokens_revoke_stops_the_token_at_once_and_is_audited(
    runner: FlaskCliRunner, client: FlaskClient, session: Session
) -> None:
    user = make_user(session, email="script@example.org")
    token, secret = create_api_token(session, user, label="deploy")
    _, other = create_api_token(session, user, label="backup job")
    session.commit()
    assert _works(client, secret) == 200

    result = runner.invoke(main, args=["tokens", "revoke", str(token.id)])

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert f"Revoked API token {token.id} of script@example.org" in result.stderr
    assert _works(client, secret) == 401
    # Only that token: the user's other token still works.
    assert _works(client, other) == 200
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is not None
    assert _revocations(session, token.id) == 1

    again = runner.invoke(main, args=["tokens", "revoke", str(token.id)])
    assert again.exit_code == 0
    assert "already revoked" in again.stderr
    assert _revocations(session, token.id) == 1


def test_tokens_revoke_of_an_unknown_id_is_a_clear_error(
    runner: FlaskCliRunner, session: Session
) -> None:
    result = runner.invoke(main, args=["tokens", "revoke", "987654321"])
    assert result.exit_code == 1
    assert "no API token with the id 987654321" in result.output
    not_a_number = runner.invoke(main, args=["tokens", "revoke", "abc"])
    assert not_a_number.exit_code == 2
    assert "abc" in not_a_number.output


def test_tokens_create_with_an_expiry_and_an_expired_token_is_refused(
    runner: FlaskCliRunner, client: FlaskClient, session: Session
) -> None:
    make_user(session, email="temp@example.org")
    session.commit()
    result = runner.invoke(
        main, args=["tokens", "create", "temp@example.org", "--expires-in-days", "7"]
    )
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert len(result.stdout.splitlines()) == 1
    token = session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
    assert token is not None
    expires_at = token.expires_at
    assert expires_at is not None
    assert timedelta(days=7) - timedelta(minutes=1) < expires_at - utcnow() <= timedelta(days=7)
    assert _works(client, secret) == 200

    # The boundary: usable until the moment of expiry, refused from it on.
    assert api_token_for(session, secret, record_use=False, now=expires_at - timedelta(seconds=1))
    assert api_token_for(session, secret, record_use=False, now=expires_at) is None

    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    response = client.get(PROBE, headers=bearer(secret))
    assert response.status_code == 401
    assert "expired" in response.get_json()["error"]["message"]
    listed = runner.invoke(main, args=["tokens", "list", "temp@example.org"])
    assert listed.stdout.splitlines()[1].split()[1] == "expired"


def test_users_disable_ends_sessions_and_tokens_at_once(
    runner: FlaskCliRunner, app, session: Session
) -> None:
    user = _partner(session, email="leaver@example.org")
    _, secret = create_api_token(session, user)
    _, second = create_api_token(session, user)
    session.commit()
    browser = app.test_client()
    remembered = app.test_client()
    assert login(browser, user.email).status_code == 302
    token = csrf_token(remembered, "/login")
    signed_in = remembered.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD, "remember": "y", "csrf_token": token},
    )
    assert signed_in.status_code == 302
    api = app.test_client()
    assert browser.get("/portal/").status_code == 200
    assert _works(api, secret) == 200
    old_session_token = user.session_token

    result = runner.invoke(main, args=["users", "disable", "leaver@example.org"])

    assert result.exit_code == 0, result.output
    assert "2 API tokens revoked" in result.stderr
    for client in (browser, remembered):
        page = client.get("/portal/")
        assert page.status_code == 302
        assert "/login" in page.headers["Location"]
    # A session restored from the remember-me cookie alone is refused too.
    remembered.delete_cookie("session")
    assert remembered.get("/portal/").status_code == 302
    assert _works(api, secret) == 401
    assert _works(api, second) == 401
    assert login(app.test_client(), user.email).status_code == 401
    session.expire_all()
    user = session.get(User, user.id)
    assert user.is_enabled is False
    assert user.session_token != old_session_token
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert [t.revoked_at is not None for t in tokens] == [True, True]
    assert len(_events(session, "user.disable")) == 1

    again = runner.invoke(main, args=["users", "disable", "leaver@example.org"])
    assert again.exit_code == 0
    assert "already disabled" in again.stderr
    assert len(_events(session, "user.disable")) == 1


def test_users_disable_of_an_unknown_user_is_a_clear_error(runner: FlaskCliRunner) -> None:
    result = runner.invoke(main, args=["users", "disable", "nobody@example.org"])
    assert result.exit_code == 1
    assert "no user with the address nobody@example.org" in result.output


def test_a_password_change_leaves_api_tokens_working(app, session: Session) -> None:
    """The decision: a password change ends the user's other sessions but not their API
    tokens, which are separate, listed, individually revocable credentials of scripts."""
    user = _partner(session, email="rotator@example.org")
    _, secret = create_api_token(session, user, label="CMS import")
    session.commit()
    browser, elsewhere, api = app.test_client(), app.test_client(), app.test_client()
    assert login(browser, user.email).status_code == 302
    assert login(elsewhere, user.email).status_code == 302

    changed = browser.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": "a brand new long password",
            "confirm": "a brand new long password",
            "csrf_token": csrf_token(browser, "/account/password"),
        },
    )

    assert changed.status_code == 302
    # The user is told, on the page the change lands on.
    told = browser.get(changed.headers["Location"]).get_data(as_text=True)
    assert "your API tokens keep working until you revoke them" in told
    assert elsewhere.get("/portal/").status_code == 302  # the other session has ended
    assert browser.get("/portal/").status_code == 200
    assert _works(api, secret) == 200


# --- partner portal ------------------------------------------------------------------------


def _portal_create(client: FlaskClient, **data: str) -> object:
    form = {"label": "CMS import", "expires": "30", "password": TEST_PASSWORD}
    form.update(data)
    form["csrf_token"] = csrf_token(client, "/portal/tokens")
    return client.post("/portal/tokens", data=form)


def test_portal_creates_a_token_shown_once_with_label_and_expiry(
    client: FlaskClient, session: Session, app
) -> None:
    user = _partner(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    page = client.get("/portal/tokens")
    assert page.status_code == 200
    assert "You have no API tokens." in page.get_data(as_text=True)

    created = _portal_create(client)

    assert created.status_code == 201
    assert "no-store" in created.headers["Cache-Control"]
    secret = SECRET_IN_PAGE.search(created.get_data(as_text=True)).group(0)
    assert _works(app.test_client(), secret) == 200
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.label == "CMS import"
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    listing = client.get("/portal/tokens").get_data(as_text=True)
    assert "CMS import" in listing
    assert token.prefix in listing
    assert secret not in listing
    assert len(_events(session, "api_token.create")) == 1


def test_portal_token_creation_needs_the_password_and_a_label(
    client: FlaskClient, session: Session
) -> None:
    user = _partner(session)
    session.commit()
    assert login(client, user.email).status_code == 302
    wrong = _portal_create(client, password="not my password at all")
    assert wrong.status_code == 422
    assert "That is not your password." in wrong.get_data(as_text=True)
    unlabelled = _portal_create(client, label="")
    assert unlabelled.status_code == 422
    never = _portal_create(client, expires="")
    assert never.status_code == 201
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert [t.expires_at for t in tokens] == [None]


def test_portal_revokes_own_token_after_confirmation(
    client: FlaskClient, session: Session, app
) -> None:
    user = _partner(session)
    token, secret = create_api_token(session, user, label="Old script")
    session.commit()
    assert login(client, user.email).status_code == 302
    confirm = client.get(f"/portal/tokens/{token.id}/revoke")
    assert confirm.status_code == 200
    assert "Revoke the token “Old script”?" in confirm.get_data(as_text=True)
    assert _works(app.test_client(), secret) == 200
    # Without the CSRF token nothing happens.
    assert client.post(f"/portal/tokens/{token.id}/revoke").status_code == 400
    assert _works(app.test_client(), secret) == 200

    done = client.post(
        f"/portal/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token(client, f"/portal/tokens/{token.id}/revoke")},
    )

    assert done.status_code == 303
    assert _works(app.test_client(), secret) == 401
    assert client.get(f"/portal/tokens/{token.id}/revoke").status_code == 409


def test_portal_cannot_see_or_revoke_another_partners_token(
    client: FlaskClient, session: Session, app
) -> None:
    publisher = make_publisher(session)
    owner = _partner(session, publisher)
    colleague = _partner(session, publisher)
    stranger = _partner(session)
    token, secret = create_api_token(session, owner, label="Owner script")
    session.commit()
    mine = app.test_client()
    assert login(mine, owner.email).status_code == 302
    assert "Owner script" in mine.get("/portal/tokens").get_data(as_text=True)
    assert mine.get(f"/portal/tokens/{token.id}/revoke").status_code == 200
    for other in (colleague, stranger):
        browser = app.test_client()
        assert login(browser, other.email).status_code == 302
        assert "Owner script" not in browser.get("/portal/tokens").get_data(as_text=True)
        assert browser.get(f"/portal/tokens/{token.id}/revoke").status_code == 404
        csrf = csrf_token(browser, "/portal/tokens")
        answer = browser.post(f"/portal/tokens/{token.id}/revoke", data={"csrf_token": csrf})
        assert answer.status_code == 404
    assert _works(app.test_client(), secret) == 200


# --- staff console -------------------------------------------------------------------------


def test_staff_see_every_users_tokens_and_revoke_them(
    client: FlaskClient, session: Session, app
) -> None:
    officer = make_user(session, email="officer@example.org")
    partner = _partner(session, email="partner.user@example.org")
    token, secret = create_api_token(session, partner, label="Partner script")
    session.commit()
    assert login(client, officer.email).status_code == 302
    listing = client.get("/staff/users?q=partner.user").get_data(as_text=True)
    assert f'href="/staff/users/{partner.id}"' in listing
    assert f'href="/staff/users/{officer.id}"' not in listing
    detail = client.get(f"/staff/users/{partner.id}")
    assert detail.status_code == 200
    assert "Partner script" in detail.get_data(as_text=True)
    assert token.prefix in detail.get_data(as_text=True)

    revoked = client.post(
        f"/staff/users/{partner.id}/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token(client, f"/staff/users/{partner.id}")},
    )

    assert revoked.status_code == 303
    assert _works(app.test_client(), secret) == 401
    event = _events(session, "api_token.revoke")[0]
    assert event.actor_id == officer.id
    # A token named under the wrong user is not there.
    other = make_user(session)
    session.commit()
    wrong = client.post(
        f"/staff/users/{other.id}/tokens/{token.id}/revoke",
        data={"csrf_token": csrf_token(client, f"/staff/users/{partner.id}")},
    )
    assert wrong.status_code == 404


def test_staff_disable_a_user_from_the_console(client: FlaskClient, session: Session, app) -> None:
    officer = make_user(session, email="chief@example.org")
    partner = _partner(session)
    _, secret = create_api_token(session, partner)
    session.commit()
    browser = app.test_client()
    assert login(browser, partner.email).status_code == 302
    assert login(client, officer.email).status_code == 302
    confirm = client.get(f"/staff/users/{partner.id}/disable")
    assert confirm.status_code == 200
    assert "1 working API token will be revoked" in confirm.get_data(as_text=True)

    done = client.post(
        f"/staff/users/{partner.id}/disable",
        data={"csrf_token": csrf_token(client, f"/staff/users/{partner.id}/disable")},
    )

    assert done.status_code == 303
    assert _works(app.test_client(), secret) == 401
    assert browser.get("/portal/").status_code == 302
    assert _events(session, "user.disable")[0].actor_id == officer.id
    # Staff cannot lock themselves out from the console.
    own = client.get(f"/staff/users/{officer.id}/disable")
    assert own.status_code == 409


def test_staff_create_their_own_token_after_a_fresh_sign_in(
    client: FlaskClient, session: Session, app, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer = make_user(session, email="maker@example.org")
    session.commit()
    assert login(client, officer.email).status_code == 302
    page = client.get(f"/staff/users/{officer.id}")
    assert "Create an API token" in page.get_data(as_text=True)
    form = {
        "label": "Newsroom import",
        "expires": "365",
        "csrf_token": csrf_token(client, f"/staff/users/{officer.id}"),
    }

    created = client.post("/staff/tokens", data=form)

    assert created.status_code == 201
    assert "no-store" in created.headers["Cache-Control"]
    secret = SECRET_IN_PAGE.search(created.get_data(as_text=True)).group(0)
    assert _works(app.test_client(), secret) == 200
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == officer.id))
    assert token.label == "Newsroom import"
    assert token.expires_at is not None
    # Without a recent password sign-in the console asks for the password first.
    monkeypatch.setitem(app.config, "AUTH_FRESH_LOGIN_SECONDS", -1)
    stale = client.post("/staff/tokens", data=form)
    assert stale.status_code == 303
    assert "/staff/reauth" in stale.headers["Location"]
    assert len(session.scalars(select(ApiToken).where(ApiToken.user_id == officer.id)).all()) == 1
