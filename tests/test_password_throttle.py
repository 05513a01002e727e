"""Password checks are counted per account in the database: after a run of wrong passwords
the account takes no more checks for a while, on sign-in, password change, staff
re-authentication and token creation alike, then opens again by itself."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.accounts.models import Role, User
from syndicate.accounts.passwords import verify_password
from syndicate.database import Database
from tests.conftest import TEST_PASSWORD, csrf_token, login, real_commit_database
from tests.factories import make_publisher, make_user

WRONG = "not the password at all"
LOCKED = "Too many wrong passwords were given for this account."
LIMIT = 5  # the default [auth] max_failed_passwords
CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*>')
LATER = timedelta(minutes=16)  # past the default 15-minute window


def _later() -> time_machine.travel:
    return time_machine.travel(datetime.now(UTC) + LATER)


def _change_password(client: FlaskClient, current: str) -> object:
    token = csrf_token(client, "/account/password")
    data = {
        "csrf_token": token,
        "current_password": current,
        "new_password": "a brand new long password",
        "confirm": "a brand new long password",
    }
    return client.post("/account/password", data=data)


def _reauth(client: FlaskClient, password: str) -> object:
    token = csrf_token(client, "/staff/reauth")
    return client.post("/staff/reauth", data={"csrf_token": token, "password": password})


def test_wrong_sign_ins_close_that_account_only_and_it_reopens_later(
    client: FlaskClient, session: Session
) -> None:
    target = make_user(session, email="target@example.org")
    bystander = make_user(session, email="bystander@example.org")
    session.commit()
    for _ in range(LIMIT):
        assert login(client, target.email, WRONG).status_code == 401
    refused = login(client, target.email)
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)
    assert 'class="form"' in refused.get_data(as_text=True)  # the form, in the site's style
    assert client.get("/account/password").status_code == 302  # not signed in
    # Another account, even from the same client, is not affected.
    assert login(client, bystander.email).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    with _later():
        assert login(client, target.email).status_code == 302


def test_an_address_without_an_account_is_answered_the_same_way(
    client: FlaskClient, session: Session
) -> None:
    make_user(session, email="real@example.org")
    session.commit()
    answers = {}
    for email in ("real@example.org", "ghost@example.org"):
        statuses = [login(client, email, WRONG).status_code for _ in range(LIMIT + 1)]
        assert statuses == [401] * LIMIT + [429]
        page = login(client, email, WRONG).get_data(as_text=True).replace(email, "")
        answers[email] = CSRF_VALUE.sub("", page)
    assert answers["real@example.org"] == answers["ghost@example.org"]


def test_a_correct_sign_in_clears_the_count(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="forgetful@example.org")
    session.commit()
    for _ in range(LIMIT - 1):
        assert login(client, user.email, WRONG).status_code == 401
    assert login(client, user.email).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    for _ in range(LIMIT - 1):
        assert login(client, user.email, WRONG).status_code == 401
    assert login(client, user.email).status_code == 302


def test_password_change_is_counted_with_sign_in(client: FlaskClient, session: Session) -> None:
    user = make_user(session, email="changer@example.org")
    session.commit()
    assert login(client, user.email).status_code == 302
    for _ in range(LIMIT):
        wrong = _change_password(client, WRONG)
        assert wrong.status_code == 422
        assert "That is not your current password." in wrong.get_data(as_text=True)
    refused = _change_password(client, TEST_PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)
    session.expire_all()
    assert verify_password(session.get(User, user.id).password_hash, TEST_PASSWORD)
    # The same account is closed to sign-in too, from any other client.
    assert login(client.application.test_client(), user.email).status_code == 429
    with _later():
        assert _change_password(client, TEST_PASSWORD).status_code == 302


def test_staff_reauthentication_is_counted(client: FlaskClient, session: Session) -> None:
    staff = make_user(session, email="editor@example.org")
    session.commit()
    assert login(client, staff.email).status_code == 302
    for _ in range(LIMIT):
        assert _reauth(client, WRONG).status_code == 401
    refused = _reauth(client, TEST_PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)
    with _later():
        assert _reauth(client, TEST_PASSWORD).status_code == 303


def test_token_creation_is_counted(client: FlaskClient, session: Session) -> None:
    publisher = make_publisher(session)
    partner = make_user(
        session, email="cms@example.org", role=Role.PARTNER, publisher_slug=publisher.slug
    )
    session.commit()
    assert login(client, partner.email).status_code == 302

    def create(password: str) -> object:
        form = {"label": "CMS", "expires": "30", "password": password}
        form["csrf_token"] = csrf_token(client, "/portal/tokens")
        return client.post("/portal/tokens", data=form)

    for _ in range(LIMIT):
        assert create(WRONG).status_code == 422
    refused = create(TEST_PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.get_data(as_text=True)


def test_concurrent_guesses_from_several_workers_cannot_pass_the_limit(
    app: Flask, tmp_path: Path
) -> None:
    from syndicate.accounts.throttle import ThrottlePolicy, claim_attempt

    policy = ThrottlePolicy(max_failures=LIMIT)
    now = datetime.now(UTC)
    with real_commit_database(tmp_path) as url:
        workers = [Database(url) for _ in range(4)]
        claimed: list[bool] = []
        lock = threading.Lock()
        start = threading.Barrier(16)

        def guess(database: Database) -> None:
            start.wait()
            with database.transaction() as session:
                allowed = claim_attempt(session, "victim@example.org", policy, now)
            with lock:
                claimed.append(allowed)

        threads = [threading.Thread(target=guess, args=(workers[n % 4],)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for database in workers:
            database.dispose()
    assert len(claimed) == 16
    assert claimed.count(True) == LIMIT


def test_ended_windows_are_removed_as_new_checks_are_counted(session: Session) -> None:
    from syndicate.accounts.models import PasswordFailure
    from syndicate.accounts.throttle import ThrottlePolicy, account_digest, claim_attempt

    policy = ThrottlePolicy()
    now = datetime.now(UTC)
    for account in ("one@example.org", "two@example.org"):
        assert claim_attempt(session, account, policy, now)
    assert claim_attempt(session, "three@example.org", policy, now + LATER)
    remaining = session.scalars(select(PasswordFailure.account_digest)).all()
    assert remaining == [account_digest("three@example.org")]
