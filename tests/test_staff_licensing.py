"""The console's licensing queue, request pages and decisions (approve, reject, ask)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from licenses.keys import authenticate_feed_key
from licenses.models import License, LicenseKind, LicenseRequest, RequestStatus, ScopeKind
from syndicate.accounts.models import Role
from syndicate.audit import AuditEvent
from syndicate.outbox.models import OutboxMessage
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_publisher, make_section, make_user
from tests.licensing_support import SECRET, form_token, make_request, make_stale, staff_client

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def messages_for(session: Session, request_id: int, topic: str) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.topic == topic,
                OutboxMessage.payload["request"].as_integer() == request_id,
            )
        )
    )


def approve(client: FlaskClient, request_id: int, **data: object) -> TestResponse:
    token = csrf_token(client, "/staff/reauth")
    return client.post(
        f"/staff/license-requests/{request_id}/approve", data={"csrf_token": token, **data}
    )


# --- the queue -------------------------------------------------------------------------------


def test_queue_lists_waiting_requests_with_their_columns(
    client: FlaskClient, session: Session
) -> None:
    waiting = make_request(session, organization="Marsh Valley Times", monthly_audience=123_456)
    decided = make_request(session, organization="Decided Daily")
    decided.status = RequestStatus.REJECTED
    staff_client(client, session)
    html = client.get("/staff/license-requests").get_data(as_text=True)
    assert "Marsh Valley Times" in html
    assert "Decided Daily" not in html  # waiting requests by default
    assert f"#{waiting.id}" in html
    assert "123,456" in html
    assert waiting.domain in html
    assert "Eligible" in html
    assert "All syndicated stories" in html
    everything = client.get("/staff/license-requests?status=all").get_data(as_text=True)
    assert "Decided Daily" in everything
    assert "Marsh Valley Times" in everything
    rejected = client.get("/staff/license-requests?status=rejected").get_data(as_text=True)
    assert "Decided Daily" in rejected
    assert "Marsh Valley Times" not in rejected


def test_queue_filters_by_eligibility_and_scope_and_searches(
    client: FlaskClient, session: Session
) -> None:
    section = make_section(session, slug="queue-coast")
    story = make_article(session)
    make_request(session, organization="Qfilter Big Paper", monthly_audience=90_000)
    make_request(
        session,
        organization="Qfilter Tiny Blog",
        outlet_type="blog",
        monthly_audience=50,
        scope={"kind": "sections", "sections": [section.slug]},
    )
    make_request(
        session,
        organization="Qfilter One Story",
        contact_email="editor@onestory-qfilter.example",
        scope={"kind": "article", "article": story.slug},
    )
    staff_client(client, session)

    def names(query: str) -> set[str]:
        html = client.get(f"/staff/license-requests?q=Qfilter&{query}").get_data(as_text=True)
        return {n for n in ("Big Paper", "Tiny Blog", "One Story") if f"Qfilter {n}" in html}

    assert names("") == {"Big Paper", "Tiny Blog", "One Story"}
    assert names("eligible=no") == {"Tiny Blog"}
    assert names("eligible=yes") == {"Big Paper", "One Story"}
    assert names("scope=sections") == {"Tiny Blog"}
    assert names("scope=article") == {"One Story"}
    assert names("scope=all&eligible=yes") == {"Big Paper"}
    assert names("eligible=bogus&scope=bogus") == {"Big Paper", "Tiny Blog", "One Story"}
    # Search covers the website and the e-mail too, case-insensitively.
    html = client.get("/staff/license-requests?q=ONESTORY-QFILTER").get_data(as_text=True)
    assert "Qfilter One Story" in html
    assert "Qfilter Big Paper" not in html
    html = client.get("/staff/license-requests?q=100%25").get_data(as_text=True)
    assert "No requests match" in html


def test_queue_paginates(client: FlaskClient, session: Session, app: Flask, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    for n in range(3):
        make_request(session, organization=f"Pageable Press {n}")
    staff_client(client, session)
    first = client.get("/staff/license-requests?q=Pageable").get_data(as_text=True)
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older
    assert "before=" in older.group(1)
    assert "q=Pageable" in older.group(1)
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert first.count("Pageable Press") == 2
    assert second.count("Pageable Press") == 1
    assert 'rel="prev"' in second
    assert 'rel="next"' not in second
    # Numbered pages are gone: an old link starts again at the first page, filters kept.
    old = client.get("/staff/license-requests?q=Pageable&page=2")
    assert old.status_code == 302
    assert old.headers["Location"].endswith("/staff/license-requests?q=Pageable")


# --- the request page ------------------------------------------------------------------------


def test_request_page_shows_fields_reasons_and_earlier_requests(
    client: FlaskClient, session: Session
) -> None:
    earlier = make_request(
        session,
        organization="Riverbend Herald",
        website="https://riverbend-herald.example",
        monthly_audience=20,
        outlet_type="blog",
    )
    other = make_request(session, organization="Unrelated Weekly")
    current = make_request(
        session,
        organization="Riverbend Herald",
        website="https://www.riverbend-herald.example/news",
        intended_use="Sunday supplement",
        message="We met at the regional press day.",
    )
    staff_client(client, session)
    html = client.get(f"/staff/license-requests/{current.id}").get_data(as_text=True)
    assert "Sunday supplement" in html
    assert "We met at the regional press day." in html
    assert current.contact_email in html
    for reason in current.eligibility_reasons:
        assert reason.replace("“", "").split(" ")[0] in html
    assert "meets the minimum" in html
    assert f"/staff/license-requests/{earlier.id}" in html
    assert f"/staff/license-requests/{other.id}" not in html
    assert "Approve…" in html


def test_applicant_html_is_escaped_in_the_console(client: FlaskClient, session: Session) -> None:
    found = make_request(
        session,
        organization=XSS[0],
        intended_use=XSS[1],
        message=XSS[0] + XSS[1],
        contact_name=XSS[1],
    )
    staff_client(client, session)
    for path in (
        "/staff/license-requests",
        f"/staff/license-requests/{found.id}",
        f"/staff/license-requests/{found.id}/approve",
    ):
        html = client.get(path).get_data(as_text=True)
        for payload in XSS:
            assert payload not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    response = approve(client, found.id)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert XSS[0] not in html
    publisher_id = session.scalar(
        select(License.publisher_id).where(License.request_id == found.id)
    )
    for path in (f"/staff/publishers/{publisher_id}", "/staff/publishers", "/staff/licences"):
        html = client.get(path).get_data(as_text=True)
        assert XSS[0] not in html, path
        assert XSS[1] not in html, path
        assert "&lt;script&gt;" in html, path


def test_missing_request_is_404(client: FlaskClient, session: Session) -> None:
    staff_client(client, session)
    assert client.get("/staff/license-requests/999999").status_code == 404
    assert client.get("/staff/license-requests/999999/approve").status_code == 404


# --- approval --------------------------------------------------------------------------------


def test_standard_approval_shows_the_licence_and_the_key_once(
    client: FlaskClient, session: Session
) -> None:
    found = make_request(session, organization="Lakeshore Gazette")
    staff = staff_client(client, session)
    form = client.get(f"/staff/license-requests/{found.id}/approve")
    assert form.status_code == 200
    assert 'checked id="kind-0" name="kind" type="radio" value="standard"' in form.get_data(
        as_text=True
    )

    response = approve(client, found.id, kind="standard", scope_kind="all")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:2000]
    assert response.headers["Cache-Control"] == "no-store"
    secrets = SECRET.findall(html)
    assert len(set(secrets)) == 1
    secret = secrets[0]
    assert "shown once" in html

    session.expire_all()
    licence = session.scalar(select(License).where(License.request_id == found.id))
    assert licence is not None
    assert licence.kind is LicenseKind.STANDARD
    assert licence.scope_kind is ScopeKind.ALL
    assert authenticate_feed_key(session, secret) is not None
    request_row = session.get(LicenseRequest, found.id)
    assert request_row is not None
    assert request_row.status is RequestStatus.APPROVED
    assert request_row.decided_by_id == staff.id
    assert messages_for(session, found.id, "license_request.approved")

    page = client.get(f"/staff/license-requests/{found.id}").get_data(as_text=True)
    assert f"/staff/licences/{licence.id}" in page
    assert staff.email in page
    assert secret not in page  # never again
    with client.session_transaction() as flask_session:
        assert secret not in repr(dict(flask_session))
    licence_page = client.get(f"/staff/licences/{licence.id}").get_data(as_text=True)
    assert secret not in licence_page
    assert secret[:16] in licence_page  # the prefix identifies it

    again = approve(client, found.id)
    assert again.status_code == 409
    assert "already approved" in again.get_data(as_text=True)
    assert session.scalar(select(License.id).where(License.request_id == found.id)) == licence.id
    # The approval form of a decided request sends back to its page.
    assert client.get(f"/staff/license-requests/{found.id}/approve").status_code == 302


def test_custom_licence_with_scope_override_dates_and_embargo(
    client: FlaskClient, session: Session
) -> None:
    section = make_section(session, slug="custom-courts")
    found = make_request(session, monthly_audience=10)
    staff_client(client, session)
    response = approve(
        client,
        found.id,
        kind="custom",
        fee_amount="1,250.50",
        fee_currency="eur",
        territory="Northern provinces",
        term_note="Two-year deal.",
        scope_kind="sections",
        sections=[section.slug],
        embargo_entitled="y",
        starts_at="2031-01-01T00:00",
        ends_at="2032-12-31T23:00",
        note="Agreed by phone.",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    session.expire_all()
    licence = session.scalar(select(License).where(License.request_id == found.id))
    assert licence is not None
    assert licence.kind is LicenseKind.CUSTOM
    assert str(licence.fee_amount) == "1250.50"
    assert licence.fee_currency == "EUR"
    assert licence.territory == "Northern provinces"
    assert licence.scope_kind is ScopeKind.SECTIONS
    assert licence.scope_sections == [section.slug]
    assert licence.embargo_entitled is True
    assert licence.starts_at.isoformat().startswith("2031-01-01T00:00")
    assert licence.ends_at is not None
    assert licence.ends_at.year == 2032
    assert "1,250.50 EUR" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "custom", "fee_amount": "100", "fee_currency": "E1"}, "three-letter currency"),
        ({"kind": "custom", "fee_amount": "lots"}, "as a number"),
        ({"kind": "custom", "fee_amount": "-5", "fee_currency": "USD"}, "cannot be negative"),
        (
            {"kind": "standard", "fee_amount": "10", "fee_currency": "USD"},
            "standard licence is free",
        ),
        ({"ends_at": "2020-01-01T00:00"}, "end must come after"),
        ({"scope_kind": "sections"}, "Tick one or more sections"),
        ({"scope_kind": "sections", "sections": ["nowhere"]}, "Unknown section"),
        ({"scope_kind": "article", "article": "no-such-story"}, "No published story"),
        # PostgreSQL refuses NUL in text: the form's input policy refuses it first.
        ({"scope_kind": "article", "article": "ferry\x00"}, "control characters"),
        ({"starts_at": "next tuesday"}, "Not a valid datetime"),
    ],
)
def test_invalid_approval_changes_nothing(
    client: FlaskClient, session: Session, data: dict[str, str], message: str
) -> None:
    found = make_request(session)
    staff_client(client, session)
    response = approve(client, found.id, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "Nothing was approved" in html
    session.expire_all()
    row = session.get(LicenseRequest, found.id)
    assert row is not None
    assert row.status is RequestStatus.SUBMITTED
    assert session.scalar(select(License.id).where(License.request_id == found.id)) is None


# --- reject and ask for information ---------------------------------------------------------


def test_reject_needs_a_reason_and_is_audited(client: FlaskClient, session: Session) -> None:
    found = make_request(session)
    staff = staff_client(client, session)
    path = f"/staff/license-requests/{found.id}"
    token = form_token(client, path, "reject")
    refused = client.post(f"{path}/reject", data={"csrf_token": token, "reason": "  "})
    assert refused.status_code == 422
    assert "Give the reason" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(LicenseRequest, found.id).status is RequestStatus.SUBMITTED  # type: ignore[union-attr]

    done = client.post(
        f"{path}/reject", data={"csrf_token": token, "reason": "We only license news outlets."}
    )
    assert done.status_code == 303
    session.expire_all()
    row = session.get(LicenseRequest, found.id)
    assert row is not None
    assert row.status is RequestStatus.REJECTED
    assert row.decision_reason == "We only license news outlets."
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "license_request.reject", AuditEvent.object_id == str(found.id)
        )
    )
    assert event is not None
    assert event.actor_id == staff.id
    assert messages_for(session, found.id, "license_request.rejected")
    page = client.get(path).get_data(as_text=True)
    assert "We only license news outlets." in page
    assert staff.email in page

    twice = client.post(f"{path}/reject", data={"csrf_token": token, "reason": "Again."})
    assert twice.status_code == 409
    assert client.post(f"{path}/approve", data={"csrf_token": token}).status_code == 409


def test_asking_for_information_queues_an_email(client: FlaskClient, session: Session) -> None:
    found = make_request(session)
    staff_client(client, session)
    path = f"/staff/license-requests/{found.id}"
    token = form_token(client, path, "ask-info")
    empty = client.post(f"{path}/ask-info", data={"csrf_token": token, "note": ""})
    assert empty.status_code == 422
    assert not messages_for(session, found.id, "license_request.info_requested")
    response = client.post(
        f"{path}/ask-info",
        data={"csrf_token": token, "note": "What is your print run?"},
    )
    assert response.status_code == 303
    queued = messages_for(session, found.id, "license_request.info_requested")
    assert len(queued) == 1
    assert "What is your print run?" in queued[0].body
    session.expire_all()
    row = session.get(LicenseRequest, found.id)
    assert row is not None
    assert row.status is RequestStatus.SUBMITTED
    assert row.info_requested_at is not None
    assert "What is your print run?" in client.get(path).get_data(as_text=True)


# --- fresh sign-in ---------------------------------------------------------------------------


def test_stale_sign_in_is_sent_to_reauth_and_a_password_lets_it_through(
    client: FlaskClient, session: Session
) -> None:
    found = make_request(session)
    staff_client(client, session)
    path = f"/staff/license-requests/{found.id}"
    token = csrf_token(client, path)
    make_stale(client)
    assert "Deciding needs a recent sign-in" in client.get(path).get_data(as_text=True)

    response = client.post(
        f"{path}/approve",
        data={"csrf_token": token},
        headers={"Referer": f"http://localhost{path}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/reauth?next={path}"
    assert client.get(f"{path}/approve").headers["Location"].startswith("/staff/reauth?next=")
    rejected = client.post(f"{path}/reject", data={"csrf_token": token, "reason": "No."})
    assert rejected.status_code == 303
    assert "/staff/reauth" in rejected.headers["Location"]
    session.expire_all()
    assert session.get(LicenseRequest, found.id).status is RequestStatus.SUBMITTED  # type: ignore[union-attr]

    reauth = response.headers["Location"]
    page = client.get(reauth)
    assert page.status_code == 200
    assert 'type="password"' in page.get_data(as_text=True)
    wrong = client.post(reauth, data={"csrf_token": token, "password": "not my password"})
    assert wrong.status_code == 401
    assert client.post(f"{path}/approve", data={"csrf_token": token}).status_code == 303

    right = client.post(reauth, data={"csrf_token": token, "password": "a long test password"})
    assert right.status_code == 303
    assert right.headers["Location"] == path
    approved = client.post(f"{path}/approve", data={"csrf_token": token})
    assert approved.status_code == 200
    assert SECRET.search(approved.get_data(as_text=True))


def test_a_restored_session_is_not_fresh(client: FlaskClient, session: Session) -> None:
    found = make_request(session)
    staff_client(client, session)
    with client.session_transaction() as flask_session:
        flask_session["_fresh"] = False  # what a remember-me cookie restore leaves
    response = client.get(f"/staff/license-requests/{found.id}/approve")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/reauth")


def test_reauth_refuses_foreign_next_and_needs_csrf(client: FlaskClient, session: Session) -> None:
    staff_client(client, session)
    token = csrf_token(client, "/staff/reauth")
    assert (
        client.post("/staff/reauth", data={"password": "a long test password"}).status_code == 400
    )
    response = client.post(
        "/staff/reauth?next=https://evil.example/x",
        data={"csrf_token": token, "password": "a long test password"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"


# --- who may ---------------------------------------------------------------------------------


def test_partner_gets_403_and_anonymous_goes_to_login(
    client: FlaskClient, session: Session
) -> None:
    found = make_request(session)
    publisher = make_publisher(session)
    partner = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    session.commit()
    paths = [
        "/staff/license-requests",
        f"/staff/license-requests/{found.id}",
        f"/staff/license-requests/{found.id}/approve",
        "/staff/licences",
        "/staff/publishers",
        "/staff/audit",
        "/staff/reauth",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path
    assert login(client, partner.email).status_code == 302
    for path in paths:
        assert client.get(path).status_code == 403, path
    token = csrf_token(client, "/account/password")
    response = client.post(
        f"/staff/license-requests/{found.id}/approve", data={"csrf_token": token}
    )
    assert response.status_code == 403
    session.expire_all()
    assert session.get(LicenseRequest, found.id).status is RequestStatus.SUBMITTED  # type: ignore[union-attr]


def test_dashboard_counts_waiting_requests(client: FlaskClient, session: Session) -> None:
    make_request(session)
    staff_client(client, session)
    html = client.get("/staff/").get_data(as_text=True)
    assert "Requests waiting" in html
    assert "Licences ending soon" in html
    assert "/staff/license-requests?status=submitted" in html
