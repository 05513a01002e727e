"""Who may do what: credentials, roles, and other publishers' objects looking missing."""

from __future__ import annotations

import pytest

from licenses.models import FeedKey, License, LicenseRequest, LicenseStatus, PublisherStatus
from syndicate.accounts.models import Role
from syndicate.accounts.services import create_api_token
from syndicate.orm import utcnow
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    application,
    assert_error,
    bearer,
    feed_key,
    generous_limits,
    grant,
    partner,
    staff,
)
from tests.conftest import login
from tests.factories import make_article, make_publisher, make_user

STAFF_ONLY = [
    ("GET", "/license-requests"),
    ("POST", "/license-requests/{request}/approve"),
    ("POST", "/license-requests/{request}/reject"),
    ("POST", "/licenses/{licence}/revoke"),
    ("POST", "/articles"),
    ("PATCH", "/articles/some-story"),
    ("POST", "/articles/some-story/publish"),
    ("POST", "/articles/some-story/unpublish"),
    ("POST", "/images"),
    ("GET", "/images/1"),
]
PROTECTED = [
    *STAFF_ONLY,
    ("GET", "/license-requests/{request}"),
    ("GET", "/articles"),
    ("GET", "/articles/some-story"),
    ("GET", "/feed-keys"),
    ("POST", "/feed-keys"),
    ("GET", "/feed-keys/{key}"),
    ("DELETE", "/feed-keys/{key}"),
    ("POST", "/feed-keys/{key}/rotate"),
    ("GET", "/licenses"),
    ("GET", "/licenses/{licence}"),
]


@pytest.fixture
def world(session):
    """Two publishers, each with a partner, a key, a licence and a request."""
    data = {}
    for name in ("a", "b"):
        publisher = make_publisher(session, slug=f"outlet-{name}")
        user, headers = partner(session, publisher)
        key_id, key_headers = feed_key(session, publisher)
        licence = grant(session, publisher)
        request = LicenseRequest(
            organization=f"Outlet {name}",
            website=f"https://{name}.example",
            domain=f"{name}.example",
            contact_name="C",
            contact_email=f"c@{name}.example",
            outlet_type="newspaper",
            monthly_audience=50_000,
            scope_kind=licence.scope_kind,
            publisher_id=publisher.id,
            submitted_by_id=user.id,
        )
        session.add(request)
        session.flush()
        data[name] = {
            "publisher": publisher,
            "headers": headers,
            "key": key_id,
            "key_headers": key_headers,
            "licence": licence.id,
            "request": request.id,
        }
    session.commit()
    return data


def _path(template: str, ids: dict) -> str:
    return API + template.format(request=ids["request"], licence=ids["licence"], key=ids["key"])


@pytest.mark.parametrize(("method", "template"), PROTECTED)
def test_anonymous_callers_get_401(client, world, method, template) -> None:
    response = client.open(_path(template, world["a"]), method=method, json={})
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="syndicate-api"'


@pytest.mark.parametrize(("method", "template"), STAFF_ONLY)
def test_partners_get_403_on_staff_endpoints(client, session, world, method, template) -> None:
    response = client.open(
        _path(template, world["a"]), method=method, json={}, headers=world["a"]["headers"]
    )
    assert_error(response, 403)


@pytest.mark.parametrize(
    ("method", "template"), [m for m in PROTECTED if not m[1].startswith("/articles")]
)
def test_feed_keys_only_read_articles(client, world, method, template) -> None:
    response = client.open(
        _path(template, world["a"]), method=method, json={}, headers=world["a"]["key_headers"]
    )
    assert_error(response, 403)


def test_partner_a_cannot_see_or_touch_partner_b(client, session, world) -> None:
    a, b = world["a"], world["b"]
    headers = a["headers"]
    for path in (
        f"{API}/license-requests/{b['request']}",
        f"{API}/feed-keys/{b['key']}",
        f"{API}/licenses/{b['licence']}",
    ):
        missing = client.get(path, headers=headers)
        assert_error(missing, 404)
        # Exactly like an id that does not exist at all.
        nowhere = client.get(path.rsplit("/", 1)[0] + "/999999", headers=headers)
        assert missing.get_json() == nowhere.get_json()
    assert_error(client.delete(f"{API}/feed-keys/{b['key']}", headers=headers), 404)
    assert_error(client.post(f"{API}/feed-keys/{b['key']}/rotate", headers=headers), 404)
    assert_error(
        client.post(f"{API}/feed-keys", json={"publisher": "outlet-b"}, headers=headers),
        422,
        "publisher",
    )
    session.expire_all()
    assert session.get(FeedKey, b["key"]).revoked_at is None  # type: ignore[union-attr]

    keys = client.get(f"{API}/feed-keys", headers=headers).get_json()["items"]
    assert [k["id"] for k in keys] == [a["key"]]
    assert all("digest" not in k and "feed_key" not in k for k in keys)
    licences = client.get(f"{API}/licenses", headers=headers).get_json()["items"]
    assert [lic["id"] for lic in licences] == [a["licence"]]
    assert client.get(f"{API}/license-requests/{a['request']}", headers=headers).status_code == 200
    assert client.get(f"{API}/licenses/{a['licence']}", headers=headers).status_code == 200


def test_partner_manages_its_own_keys(client, session, world) -> None:
    a = world["a"]
    created = client.post(f"{API}/feed-keys", json={"label": "Newsroom CMS"}, headers=a["headers"])
    assert created.status_code == 201
    body = created.get_json()
    assert body["publisher"] == "outlet-a"
    assert body["label"] == "Newsroom CMS"
    assert body["feed_key"].startswith("synd_feed_")
    assert body["prefix"] in body["feed_key"]
    new_key = {"Authorization": f"Bearer {body['feed_key']}"}
    assert client.get(f"{API}/articles", headers=new_key).status_code == 200

    rotated = client.post(f"{API}/feed-keys/{body['id']}/rotate", headers=a["headers"])
    assert rotated.status_code == 201
    assert rotated.get_json()["label"] == "Newsroom CMS"
    assert_error(client.get(f"{API}/articles", headers=new_key), 401)
    assert_error(client.post(f"{API}/feed-keys/{body['id']}/rotate", headers=a["headers"]), 409)

    other = rotated.get_json()["id"]
    revoked = client.delete(f"{API}/feed-keys/{other}", headers=a["headers"])
    assert revoked.status_code == 204
    assert revoked.data == b""
    assert "Content-Type" not in revoked.headers
    assert_error(client.delete(f"{API}/feed-keys/{other}", headers=a["headers"]), 409)


def test_staff_manage_any_publishers_keys(client, session, world) -> None:
    _, headers = staff(session)
    session.commit()
    assert_error(
        client.post(f"{API}/feed-keys", json={"label": "x"}, headers=headers), 422, "publisher"
    )
    assert_error(
        client.post(f"{API}/feed-keys", json={"publisher": "no-such"}, headers=headers),
        422,
        "publisher",
    )
    made = client.post(f"{API}/feed-keys", json={"publisher": "outlet-b"}, headers=headers)
    assert made.status_code == 201
    assert made.get_json()["publisher"] == "outlet-b"
    listed = client.get(f"{API}/feed-keys?publisher=outlet-b", headers=headers).get_json()
    assert {k["publisher"] for k in listed["items"]} == {"outlet-b"}
    assert listed["total"] == 2
    assert client.get(f"{API}/licenses/{world['a']['licence']}", headers=headers).status_code == 200


def test_bad_and_disabled_credentials_get_401(client, session, world) -> None:
    user, headers = staff(session)
    session.commit()
    assert client.get(f"{API}/license-requests", headers=headers).status_code == 200
    for header in (
        "Bearer synd_api_not-a-real-token",
        "Bearer synd_feed_" + "x" * 43,
        "Bearer something-else",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "synd_api_whatever",
    ):
        response = client.get(f"{API}/articles", headers={"Authorization": header})
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith('Bearer realm="syndicate-api"')
    # Bad credentials are refused even where none are needed.
    assert_error(
        client.post(
            f"{API}/license-requests", json=application(), headers=bearer("synd_api_forged")
        ),
        401,
    )
    user.is_enabled = False
    session.commit()
    assert_error(client.get(f"{API}/license-requests", headers=headers), 401)


def test_a_signed_in_browser_session_does_not_authenticate_the_api(client, session) -> None:
    user = make_user(session, role=Role.STAFF, email="editor@desk.example")
    session.commit()
    assert login(client, user.email).status_code == 302
    response = client.get(f"{API}/license-requests")
    assert_error(response, 401)
    assert_error(client.post(f"{API}/articles", json={"headline": "x"}), 401)


def test_revoked_api_tokens_and_suspended_publishers_lose_access(client, session) -> None:
    make_article(session, slug="covered-story")
    publisher = make_publisher(session)
    grant(session, publisher)
    user = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    token, secret = create_api_token(session, user)
    _, other_token = create_api_token(session, user)
    _, key_headers = feed_key(session, publisher)
    session.commit()
    for headers in (bearer(secret), bearer(other_token), key_headers):
        listed = client.get(f"{API}/articles", headers=headers)
        assert [a["slug"] for a in listed.get_json()["items"]] == ["covered-story"]
    token.revoked_at = utcnow()
    publisher.status = PublisherStatus.SUSPENDED
    session.commit()
    assert_error(client.get(f"{API}/articles", headers=bearer(secret)), 401)
    assert_error(client.get(f"{API}/articles", headers=key_headers), 401)
    # The user's other token still authenticates, but a suspended publisher reads nothing.
    still = client.get(f"{API}/articles", headers=bearer(other_token))
    assert still.status_code == 200
    assert still.get_json()["items"] == []
    assert_error(client.get(f"{API}/articles/covered-story", headers=bearer(other_token)), 404)


def test_options_lists_methods_without_credentials(client) -> None:
    response = client.options(f"{API}/articles")
    assert response.status_code == 200
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))


def test_licence_listing_filters_for_staff(client, session, world) -> None:
    _, headers = staff(session)
    revoked = grant(session, world["b"]["publisher"], status=LicenseStatus.REVOKED)
    session.commit()
    everything = client.get(f"{API}/licenses", headers=headers).get_json()
    assert everything["total"] == 3
    only = client.get(f"{API}/licenses?status=revoked", headers=headers).get_json()
    assert [lic["id"] for lic in only["items"]] == [revoked.id]
    mine = client.get(f"{API}/licenses?publisher=outlet-a", headers=headers).get_json()
    assert [lic["id"] for lic in mine["items"]] == [world["a"]["licence"]]
    assert session.get(License, revoked.id) is not None


def test_unknown_paths_and_methods_answer_json(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    assert_error(client.get(f"{API}/nothing-here", headers=headers), 404)
    assert_error(client.get(f"{API}/license-requests/not-a-number", headers=headers), 404)
    wrong = client.put(f"{API}/license-requests", json={}, headers=headers)
    assert_error(wrong, 405)
    assert "GET" in wrong.headers["Allow"]
    assert "POST" in wrong.headers["Allow"]
    assert_error(client.delete(f"{API}/articles", headers=headers), 405)


def test_api_answers_are_not_cached(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    response = client.get(f"{API}/license-requests", headers=headers)
    assert response.headers["Cache-Control"] == "no-store"
