"""Licences, publishers and feed keys in the console: lists, changes, conflicts."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from licenses.keys import authenticate_feed_key, create_feed_key
from licenses.models import License, LicenseKind, LicenseStatus
from syndicate.audit import AuditEvent
from syndicate.orm import utcnow
from tests.conftest import csrf_token
from tests.factories import make_licence, make_publisher
from tests.licensing_support import make_stale, staff_client


def post(client: FlaskClient, path: str, **data: object) -> TestResponse:
    token = csrf_token(client, "/staff/reauth")
    return client.post(path, data={"csrf_token": token, **data})


def status_of(session: Session, licence_id: int) -> LicenseStatus:
    session.expire_all()
    licence = session.get(License, licence_id)
    assert licence is not None
    return licence.status


def test_licence_list_filters_and_ending_soon(client: FlaskClient, session: Session) -> None:
    alder = make_publisher(session, name="Alder Post", slug="alder-post")
    birch = make_publisher(session, name="Birch Bulletin", slug="birch-bulletin")
    now = utcnow()
    soon = make_licence(session, alder, ends_at=now + timedelta(days=10), territory="soon-marker")
    later = make_licence(session, birch, kind=LicenseKind.CUSTOM, ends_at=now + timedelta(days=200))
    revoked = make_licence(session, birch, status=LicenseStatus.REVOKED)
    staff_client(client, session)

    def ids(query: str) -> set[int]:
        html = client.get(f"/staff/licences?{query}").get_data(as_text=True)
        return {lic.id for lic in (soon, later, revoked) if f'/staff/licences/{lic.id}"' in html}

    assert ids("") >= {soon.id, later.id, revoked.id}
    assert ids("publisher=birch-bulletin") == {later.id, revoked.id}
    assert ids("publisher=birch-bulletin&status=revoked") == {revoked.id}
    assert ids("kind=custom&publisher=birch-bulletin") == {later.id}
    assert ids("view=ending-soon") & {soon.id, later.id, revoked.id} == {soon.id}
    html = client.get("/staff/licences?view=ending-soon").get_data(as_text=True)
    assert "Licences ending soon" in html
    assert "Alder Post" in html
    dashboard = client.get("/staff/").get_data(as_text=True)
    assert "Licences ending soon" in dashboard


def test_licence_page_shows_terms_dates_and_keys(client: FlaskClient, session: Session) -> None:
    publisher = make_publisher(session, name="Cedar Chronicle")
    licence = make_licence(
        session,
        publisher,
        kind=LicenseKind.CUSTOM,
        fee_amount=300,
        fee_currency="GBP",
        territory="Island counties",
        embargo_entitled=True,
    )
    key, _secret = create_feed_key(session, publisher, label="Newsroom CMS", actor_id=None)
    staff_client(client, session)
    html = client.get(f"/staff/licences/{licence.id}").get_data(as_text=True)
    for text in (
        "Cedar Chronicle",
        "300.00 GBP",
        "Island counties",
        licence.terms.version,
        "No acceptance by the partner on record",
        "Yes, before release",
        key.prefix,
        "Newsroom CMS",
        "Never",
        "Live",
    ):
        assert text in html, text
    assert client.get("/staff/licences/999999").status_code == 404


def test_suspend_resume_revoke_and_their_conflicts(client: FlaskClient, session: Session) -> None:
    licence = make_licence(session, make_publisher(session))
    staff_client(client, session)
    base = f"/staff/licences/{licence.id}"

    assert post(client, f"{base}/suspend", reason=" ").status_code == 422
    assert status_of(session, licence.id) is LicenseStatus.ACTIVE
    assert post(client, f"{base}/suspend", reason="Unpaid invoice").status_code == 303
    assert status_of(session, licence.id) is LicenseStatus.SUSPENDED
    again = post(client, f"{base}/suspend", reason="Again")
    assert again.status_code == 409
    assert "cannot be suspended" in again.get_data(as_text=True)
    assert "Unpaid invoice" in client.get(base).get_data(as_text=True)

    assert post(client, f"{base}/resume").status_code == 303
    assert status_of(session, licence.id) is LicenseStatus.ACTIVE
    assert post(client, f"{base}/resume").status_code == 409

    unconfirmed = post(client, f"{base}/revoke", reason="Breach of terms")
    assert unconfirmed.status_code == 422
    assert "Tick the box" in unconfirmed.get_data(as_text=True)
    assert post(client, f"{base}/revoke", confirm="y").status_code == 422
    assert status_of(session, licence.id) is LicenseStatus.ACTIVE
    assert post(client, f"{base}/revoke", reason="Breach of terms", confirm="y").status_code == 303
    assert status_of(session, licence.id) is LicenseStatus.REVOKED
    assert post(client, f"{base}/revoke", reason="Twice", confirm="y").status_code == 409
    assert post(client, f"{base}/renew", open_ended="y").status_code == 409
    assert post(client, f"{base}/suspend", reason="Late").status_code == 409

    actions = set(
        session.scalars(
            select(AuditEvent.action).where(
                AuditEvent.object_type == "license", AuditEvent.object_id == str(licence.id)
            )
        )
    )
    assert {"license.suspend", "license.resume", "license.revoke"} <= actions


def test_renew_sets_a_new_end_and_revives_an_expired_licence(
    client: FlaskClient, session: Session
) -> None:
    now = utcnow()
    licence = make_licence(
        session,
        make_publisher(session),
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=5),
        status=LicenseStatus.EXPIRED,
    )
    staff_client(client, session)
    base = f"/staff/licences/{licence.id}"
    assert post(client, f"{base}/renew").status_code == 422
    past = post(client, f"{base}/renew", ends_at="2001-01-01T00:00")
    assert past.status_code == 422
    assert "must be in the future" in past.get_data(as_text=True)
    assert status_of(session, licence.id) is LicenseStatus.EXPIRED
    target = (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M")
    assert post(client, f"{base}/renew", ends_at=target).status_code == 303
    assert status_of(session, licence.id) is LicenseStatus.ACTIVE
    renewed = session.get(License, licence.id)
    assert renewed is not None
    assert renewed.ends_at is not None
    assert renewed.ends_at.strftime("%Y-%m-%dT%H:%M") == target
    assert post(client, f"{base}/renew", open_ended="y").status_code == 303
    session.expire_all()
    assert session.get(License, licence.id).ends_at is None  # type: ignore[union-attr]


def test_licence_changes_need_a_fresh_sign_in(client: FlaskClient, session: Session) -> None:
    licence = make_licence(session, make_publisher(session))
    staff_client(client, session)
    make_stale(client)
    base = f"/staff/licences/{licence.id}"
    for action, data in (
        ("suspend", {"reason": "x"}),
        ("revoke", {"reason": "x", "confirm": "y"}),
        ("renew", {"open_ended": "y"}),
        ("resume", {}),
    ):
        response = post(client, f"{base}/{action}", **data)
        assert response.status_code == 303, action
        assert response.headers["Location"].startswith("/staff/reauth"), action
    assert status_of(session, licence.id) is LicenseStatus.ACTIVE
    assert "Deciding needs a recent sign-in" in client.get(base).get_data(as_text=True)


def test_publishers_list_and_key_revocation(client: FlaskClient, session: Session) -> None:
    publisher = make_publisher(session, name="Dunmore Dispatch", website="https://dunmore.example")
    other = make_publisher(session, name="Elmstead Echo")
    make_licence(session, publisher)
    key, secret = create_feed_key(session, publisher, label="Main site", actor_id=None)
    foreign, _ = create_feed_key(session, other, label="Theirs", actor_id=None)
    staff = staff_client(client, session)

    listing = client.get("/staff/publishers?q=dunmore").get_data(as_text=True)
    assert "Dunmore Dispatch" in listing
    assert "Elmstead Echo" not in listing
    page = client.get(f"/staff/publishers/{publisher.id}").get_data(as_text=True)
    assert key.prefix in page
    assert "Main site" in page
    assert foreign.prefix not in page
    assert secret not in page

    base = f"/staff/publishers/{publisher.id}/keys"
    assert post(client, f"{base}/{foreign.id}/revoke").status_code == 404
    assert authenticate_feed_key(session, secret) is not None
    response = post(client, f"{base}/{key.id}/revoke")
    assert response.status_code == 303
    session.expire_all()
    assert authenticate_feed_key(session, secret) is None
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "feed_key.revoke", AuditEvent.object_id == str(key.id)
        )
    )
    assert event is not None
    assert event.actor_id == staff.id
    assert "Revoked" in client.get(f"/staff/publishers/{publisher.id}").get_data(as_text=True)
    assert post(client, f"{base}/{key.id}/revoke").status_code == 303  # already revoked: no-op
    assert client.get("/staff/publishers/999999").status_code == 404
