"""Who may enter the partner portal, and partner A never reaching partner B's objects."""

from __future__ import annotations

import pytest

from licenses.keys import create_feed_key
from licenses.models import FeedKey, LicenseRequest, RequestStatus, ScopeKind
from syndicate.accounts.models import Role
from tests.conftest import csrf_token, login, without_csrf
from tests.factories import make_licence, make_partner, make_user

PORTAL_PAGES = [
    "/portal/",
    "/portal/licences",
    "/portal/keys",
    "/portal/requests",
    "/portal/requests/new",
]


@pytest.mark.parametrize("path", PORTAL_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, path) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert path.rstrip("/") in response.headers["Location"]


def test_anonymous_post_is_refused_without_effect(client, session) -> None:
    publisher = make_partner(session).publisher
    assert publisher is not None
    key, _ = create_feed_key(session, publisher, label="Site", actor_id=None)
    session.commit()
    # The CSRF check runs first: no token, no entry (and no key revoked either way).
    response = client.post(f"/portal/keys/{key.id}/revoke")
    assert response.status_code == 400
    session.refresh(key)
    assert key.revoked_at is None


def test_staff_get_403_with_a_link_to_the_console(client, session) -> None:
    staff = make_user(session, role=Role.STAFF)
    session.commit()
    login(client, staff.email)
    response = client.get("/portal/")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "for partner publishers" in page
    assert 'href="/staff/' in page


def test_partner_without_publisher_gets_403(client, session) -> None:
    partner = make_partner(session)
    partner.publisher_id = None
    session.commit()
    login(client, partner.email)
    response = client.get("/portal/keys")
    assert response.status_code == 403
    assert "not linked to a publisher" in response.get_data(as_text=True)


def test_partner_lands_on_the_portal_after_sign_in(client, session) -> None:
    partner = make_partner(session, name="Ridgeview Courier")
    session.commit()
    response = login(client, partner.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/portal/"
    home = client.get("/portal/")
    assert home.status_code == 200
    assert "Ridgeview Courier" in home.get_data(as_text=True)
    assert home.headers["Cache-Control"] == "private, no-store"


@pytest.fixture
def other(session):
    """Partner B's licence, key and request; partner A is signed in by each test."""
    b = make_partner(session, name="Other Outlet")
    assert b.publisher is not None
    licence = make_licence(session, b.publisher)
    key, _ = create_feed_key(session, b.publisher, label="B's key", actor_id=None)
    request = LicenseRequest(
        organization="Other Outlet",
        website="https://other.example",
        domain="other.example",
        contact_name="B",
        contact_email="b@other.example",
        outlet_type="newspaper",
        monthly_audience=50_000,
        scope_kind=ScopeKind.ALL,
        publisher_id=b.publisher_id,
    )
    session.add(request)
    session.flush()
    return {"licence": licence, "key": key, "request": request}


@pytest.fixture
def partner_a(client, session):
    a = make_partner(session, name="Mine Outlet")
    session.commit()
    login(client, a.email)
    return a


def test_other_publishers_objects_answer_404(client, session, other, partner_a) -> None:
    session.commit()
    licence, key, request = other["licence"], other["key"], other["request"]
    for template, own_id in (
        ("/portal/licences/{}", licence.id),
        ("/portal/keys/{}/rotate", key.id),
        ("/portal/keys/{}/revoke", key.id),
        ("/portal/requests/{}", request.id),
    ):
        not_yours = client.get(template.format(own_id))
        missing = client.get(template.format(999_999))
        assert not_yours.status_code == missing.status_code == 404, template
        assert without_csrf(not_yours.get_data()) == without_csrf(missing.get_data())
    token = csrf_token(client, "/portal/keys")
    for path in (
        f"/portal/licences/{licence.id}/accept",
        f"/portal/keys/{key.id}/rotate",
        f"/portal/keys/{key.id}/revoke",
        f"/portal/requests/{request.id}/withdraw",
    ):
        response = client.post(path, data={"csrf_token": token})
        assert response.status_code == 404, path
        assert "We could not find that page" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(FeedKey, key.id).revoked_at is None
    assert session.get(LicenseRequest, request.id).status is RequestStatus.SUBMITTED
    assert licence.accepted_at is None


def test_lists_show_only_own_objects(client, session, other, partner_a) -> None:
    make_licence(session, partner_a.publisher, territory="Lakeshore County")
    create_feed_key(session, partner_a.publisher, label="Mine key", actor_id=None)
    session.commit()
    licences = client.get("/portal/licences").get_data(as_text=True)
    assert f'/portal/licences/{other["licence"].id}"' not in licences
    keys = client.get("/portal/keys").get_data(as_text=True)
    assert "Mine key" in keys
    assert "B&#39;s key" not in keys
    assert other["key"].prefix not in keys
    requests = client.get("/portal/requests").get_data(as_text=True)
    assert f"#{other['request'].id}<" not in requests
    assert "not made any requests" in requests
