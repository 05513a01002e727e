"""An application never grants access to an existing publisher by itself.

An anonymous application whose website shares a domain with an existing partner is left
for staff, who choose explicitly: a new publisher, or adding it to the partner, whose
portal users then confirm the applicant's contact (or a staff override, audited). Until
then the contact has no account there and the licence made for the request is held.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licenses.models import License, LicenseRequest, LicenseStatus, Publisher, ScopeKind
from syndicate.accounts.models import Role, User
from syndicate.audit import AuditEvent
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    generous_limits,
    staff,
)
from tests.conftest import csrf_token, login
from tests.factories import make_licence, make_publisher, make_section, make_user
from tests.licensing_support import form_token, staff_client

ATTACKER = "mallory@attacker.example"


@pytest.fixture
def courier(session: Session) -> Publisher:
    """An existing partner with a sections licence and a portal user."""
    make_section(session, slug="environment")
    publisher = make_publisher(
        session,
        slug="harlow-bend-courier",
        name="The Harlow Bend Courier",
        website="https://www.harlowbendcourier.example",
        domain="harlowbendcourier.example",
    )
    make_licence(session, publisher, scope_kind=ScopeKind.SECTIONS, scope_sections=["environment"])
    make_user(
        session,
        role=Role.PARTNER,
        publisher_slug=publisher.slug,
        email="maeve@harlowbendcourier.example",
    )
    session.commit()
    return publisher


def application(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": "Harlow Bend Courier Digital",
        "website": "harlowbendcourier.example/digital",
        "contact_name": "Mallory",
        "contact_email": ATTACKER,
        "outlet_type": "online",
        "monthly_audience": 60_000,
        "scope": {"kind": "all"},
        "intended_use": "Everything.",
    }
    data.update(changes)
    return data


def apply(client: FlaskClient, **changes: Any) -> dict[str, Any]:
    response = client.post(f"{API}/license-requests", json=application(**changes))
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def attacker_account(session: Session) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.email == ATTACKER))


def licences_of(session: Session, publisher: Publisher) -> list[License]:
    session.expire_all()
    return list(
        session.scalars(
            select(License).where(License.publisher_id == publisher.id).order_by(License.id)
        )
    )


def test_auto_approval_never_attaches_an_application_to_an_existing_partner(
    client: FlaskClient, session: Session, app: Flask, courier: Publisher, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "ELIGIBILITY_AUTO_APPROVE", True)
    created = apply(client)
    assert created["eligibility"]["eligible"] is True
    assert created["status"] == "submitted"
    assert created["publisher"] is None
    assert attacker_account(session) is None
    assert [lic.scope_kind for lic in licences_of(session, courier)] == [ScopeKind.SECTIONS]
    # An application that matches no one is still approved at once.
    other = apply(
        client, website="https://new-outlet.example", contact_email="ed@new-outlet.example"
    )
    assert other["status"] == "approved"


def test_api_approval_needs_an_explicit_publisher_when_a_partner_matches(
    client: FlaskClient, session: Session, courier: Publisher
) -> None:
    created = apply(client)
    _user, headers = staff(session)
    seen = client.get(f"{API}/license-requests/{created['id']}", headers=headers).get_json()
    assert seen["matching_publishers"] == [
        {"slug": "harlow-bend-courier", "name": "The Harlow Bend Courier"}
    ]
    refused = client.post(f"{API}/license-requests/{created['id']}/approve", headers=headers)
    assert refused.status_code == 422
    assert "harlow-bend-courier" in refused.get_json()["error"]["fields"]["publisher"]
    session.expire_all()
    assert session.get(LicenseRequest, created["id"]).status.value == "submitted"
    assert attacker_account(session) is None

    approved = client.post(
        f"{API}/license-requests/{created['id']}/approve",
        json={"publisher": "harlow-bend-courier"},
        headers=headers,
    )
    assert approved.status_code == 201, approved.get_data(as_text=True)
    body = approved.get_json()
    assert body["publisher"]["slug"] == "harlow-bend-courier"
    assert body["request"]["membership"] == "pending"
    assert body["feed_key"] is None  # no key of the partner's leaves through an approval
    assert body["license"]["status"] == "suspended"
    assert body["license"]["scope"] == {"kind": "all"}
    assert attacker_account(session) is None
    # The partner's own licence keeps its scope; the new one is separate.
    first, second = licences_of(session, courier)
    assert (first.scope_kind, first.scope_sections) == (ScopeKind.SECTIONS, ["environment"])
    assert first.status is LicenseStatus.ACTIVE
    assert second.status is LicenseStatus.SUSPENDED
    assert second.accepted_at is None  # a stranger's application binds no partner to terms
    again = client.post(f"{API}/license-requests/{created['id']}/approve", headers=headers)
    assert again.status_code == 409


def _approve_for_courier(client: FlaskClient, session: Session, **extra: Any) -> dict[str, Any]:
    created = apply(client)
    _user, headers = staff(session)
    response = client.post(
        f"{API}/license-requests/{created['id']}/approve",
        json={"publisher": "harlow-bend-courier", **extra},
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def test_the_partner_confirms_before_the_contact_gets_any_access(
    app: Flask, client: FlaskClient, session: Session, courier: Publisher
) -> None:
    approved = _approve_for_courier(client, session)
    request_id = approved["request"]["id"]

    other = make_publisher(session, slug="elsewhere")
    make_user(session, role=Role.PARTNER, publisher_slug=other.slug, email="x@elsewhere.example")
    session.commit()
    stranger = app.test_client()
    login(stranger, "x@elsewhere.example")
    token = csrf_token(stranger, "/portal/")
    assert ATTACKER not in stranger.get("/portal/members").get_data(as_text=True)
    refused = stranger.post(f"/portal/members/{request_id}/confirm", data={"csrf_token": token})
    assert refused.status_code == 404
    assert attacker_account(session) is None

    member = app.test_client()
    login(member, "maeve@harlowbendcourier.example")
    assert "1 person asks to join" in member.get("/portal/").get_data(as_text=True)
    page = member.get("/portal/members").get_data(as_text=True)
    assert ATTACKER in page
    token = csrf_token(member, "/portal/members")
    confirmed = member.post(f"/portal/members/{request_id}/confirm", data={"csrf_token": token})
    assert confirmed.status_code == 303
    account = attacker_account(session)
    assert account is not None
    assert account.publisher_id == courier.id
    assert [lic.status for lic in licences_of(session, courier)] == [LicenseStatus.ACTIVE] * 2
    assert session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "publisher.member_confirm")
    )
    twice = member.post(f"/portal/members/{request_id}/confirm", data={"csrf_token": token})
    assert twice.status_code == 409


def test_a_declined_contact_gets_nothing_and_the_licence_is_revoked(
    app: Flask, client: FlaskClient, session: Session, courier: Publisher
) -> None:
    approved = _approve_for_courier(client, session)
    member = app.test_client()
    login(member, "maeve@harlowbendcourier.example")
    token = csrf_token(member, "/portal/members")
    declined = member.post(
        f"/portal/members/{approved['request']['id']}/decline", data={"csrf_token": token}
    )
    assert declined.status_code == 303
    assert attacker_account(session) is None
    statuses = [lic.status for lic in licences_of(session, courier)]
    assert statuses == [LicenseStatus.ACTIVE, LicenseStatus.REVOKED]
    page = member.get("/portal/members").get_data(as_text=True)
    assert "No one is waiting for your confirmation." in page


def test_a_staff_override_adds_the_contact_at_once_and_is_audited(
    client: FlaskClient, session: Session, courier: Publisher
) -> None:
    created = apply(client)
    _user, headers = staff(session)
    path = f"{API}/license-requests/{created['id']}/approve"
    no_name = client.post(
        path, json={"membership_override_reason": "Phoned the editor."}, headers=headers
    )
    assert no_name.status_code == 422
    approved = client.post(
        path,
        json={
            "publisher": "harlow-bend-courier",
            "membership_override_reason": "Phoned the Courier's editor, who vouched for them.",
        },
        headers=headers,
    )
    assert approved.status_code == 201
    assert approved.get_json()["request"]["membership"] == "overridden"
    account = attacker_account(session)
    assert account is not None
    assert account.publisher_id == courier.id
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.action == "publisher.member_override")
    )
    assert event is not None
    assert "vouched" in str(event.after)


def test_choosing_a_new_publisher_leaves_the_partner_alone(
    client: FlaskClient, session: Session, courier: Publisher
) -> None:
    created = apply(client)
    _user, headers = staff(session)
    approved = client.post(
        f"{API}/license-requests/{created['id']}/approve",
        json={"publisher": "new"},
        headers=headers,
    )
    assert approved.status_code == 201
    body = approved.get_json()
    assert body["publisher"]["slug"] != "harlow-bend-courier"
    assert body["feed_key"]
    assert len(licences_of(session, courier)) == 1
    account = attacker_account(session)
    assert account is not None
    assert account.publisher_id != courier.id


def test_console_shows_the_match_and_requires_a_choice(
    client: FlaskClient, session: Session, courier: Publisher
) -> None:
    created = apply(client)
    staff_client(client, session)
    path = f"/staff/license-requests/{created['id']}"
    page = client.get(path).get_data(as_text=True)
    assert "Matches existing partner" in page
    assert "The Harlow Bend Courier" in page
    form = client.get(f"{path}/approve").get_data(as_text=True)
    assert 'value="harlow-bend-courier"' in form
    token = form_token(client, f"{path}/approve")
    refused = client.post(f"{path}/approve", data={"csrf_token": token})
    assert refused.status_code == 422
    assert attacker_account(session) is None
    no_reason = client.post(
        f"{path}/approve",
        data={"csrf_token": token, "publisher": "harlow-bend-courier", "override": "y"},
    )
    assert no_reason.status_code == 422
    assert "Give the reason for the override" in no_reason.get_data(as_text=True)
    approved = client.post(
        f"{path}/approve", data={"csrf_token": token, "publisher": "harlow-bend-courier"}
    )
    assert approved.status_code == 200
    html = approved.get_data(as_text=True)
    assert "confirm" in html
    assert "First feed key" not in html
    assert attacker_account(session) is None
    session.expire_all()
    found = session.get(LicenseRequest, created["id"])
    assert found.membership is not None
    assert found.membership.value == "pending"


def test_an_approval_keeps_the_scope_asked_unless_staff_choose_another(
    client: FlaskClient, session: Session, courier: Publisher
) -> None:
    created = apply(
        client,
        website="https://another-outlet.example",
        contact_email="ed@another-outlet.example",
        scope={"kind": "sections", "sections": ["environment"]},
    )
    _user, headers = staff(session)
    approved = client.post(
        f"{API}/license-requests/{created['id']}/approve", json={"scope": None}, headers=headers
    )
    assert approved.status_code == 201, approved.get_data(as_text=True)
    assert approved.get_json()["license"]["scope"] == {
        "kind": "sections",
        "sections": ["environment"],
    }
