"""CSRF on every state-changing form: the whole URL map is walked, so new forms are covered.

Every rule outside the API that accepts POST, PUT, PATCH or DELETE must refuse a request
without a CSRF token with 400 before its view runs, for anonymous visitors (the login form
included) as well as for signed-in staff and partners. The API is exempt because it never
authenticates by cookie (tests/test_api_access.py::
test_a_signed_in_browser_session_does_not_authenticate_the_api; checked here too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from syndicate.accounts.models import Role
from syndicate.extensions import limiter
from tests.conftest import login
from tests.factories import make_publisher, make_user

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def url_for_rule(rule: Rule) -> str:
    """A concrete path for ``rule``, with placeholder values for its parameters."""
    values: dict[str, object] = {}
    for name, converter in (rule._converters or {}).items():
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            values[name] = 1
        else:
            values[name] = "placeholder"
    _domain, path = rule.build(values, append_unknown=False) or ("", "")
    return path


def state_changing_rules(app: Flask) -> list[tuple[str, str]]:
    """Every (method, path) outside the API that changes state."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in sorted((rule.methods or set()) & set(STATE_CHANGING)):
            found.append((method, url_for_rule(rule)))
    return sorted(found)


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    limiter.reset()
    yield
    limiter.reset()


def _assert_csrf_refusal(client: FlaskClient, method: str, path: str, who: str) -> None:
    response = client.open(path, method=method, data={"anything": "x"})
    assert response.status_code == 400, f"{who} {method} {path}: {response.status_code}"
    assert "CSRF" in response.get_data(as_text=True), f"{who} {method} {path}"


def test_the_walk_finds_the_known_forms(app) -> None:
    rules = state_changing_rules(app)
    paths = {path for _method, path in rules}
    # A sanity check on the walk itself: the forms everyone knows are in it.
    assert {"/login", "/logout", "/account/password", "/staff/articles/new"} <= paths
    assert len(rules) >= 20


def test_every_form_refuses_anonymous_posts_without_a_token(app, client) -> None:
    for method, path in state_changing_rules(app):
        _assert_csrf_refusal(client, method, path, "anonymous")


def test_every_form_refuses_signed_in_staff_without_a_token(app, client, session) -> None:
    staff = make_user(session, email="csrf.staff@example.org")
    session.commit()
    assert login(client, staff.email).status_code == 302
    for method, path in state_changing_rules(app):
        _assert_csrf_refusal(client, method, path, "staff")
    # Still signed in: no refused request signed the user out or changed the account.
    assert client.get("/account/password").status_code == 200


def test_every_form_refuses_signed_in_partners_without_a_token(app, client, session) -> None:
    publisher = make_publisher(session)
    partner = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    session.commit()
    assert login(client, partner.email).status_code == 302
    for method, path in state_changing_rules(app):
        _assert_csrf_refusal(client, method, path, "partner")


def test_a_wrong_token_is_refused_like_a_missing_one(app, client, session) -> None:
    staff = make_user(session, email="csrf.wrong@example.org")
    session.commit()
    assert login(client, staff.email).status_code == 302
    response = client.post("/logout", data={"csrf_token": "forged.token.value"})
    assert response.status_code == 400
    assert client.get("/account/password").status_code == 200


def test_the_api_ignores_the_browser_session(app, client, session) -> None:
    staff = make_user(session, email="csrf.api@example.org")
    session.commit()
    assert login(client, staff.email).status_code == 302
    # Exempt from CSRF, so a cross-site form post reaches the API, but as an anonymous caller.
    response = client.post("/api/v1/articles", json={"headline": "Forged"})
    assert response.status_code == 401
    assert client.get("/api/v1/license-requests").status_code == 401
