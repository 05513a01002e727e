"""Licence terms: submitting an application accepts the terms shown with it, so a licence
granted on it is bound to that version from the application, and no page asks a partner to
accept terms that its feeds already deliver under."""

from __future__ import annotations

from sqlalchemy import select

from licenses.models import License, LicenseRequest
from licenses.terms import current_terms, publish_terms
from syndicate.accounts.models import Role
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    application,
    generous_limits,
    staff,
)
from tests.conftest import login
from tests.factories import make_article, make_licence, make_publisher, make_user


def _apply_and_approve(client, session) -> tuple[LicenseRequest, License, dict]:
    _, staff_headers = staff(session)
    session.commit()
    applied = client.post(f"{API}/license-requests", json=application())
    assert applied.status_code == 201, applied.get_data(as_text=True)
    request_id = applied.get_json()["id"]
    approved = client.post(f"{API}/license-requests/{request_id}/approve", headers=staff_headers)
    assert approved.status_code == 201, approved.get_data(as_text=True)
    result = approved.get_json()
    session.expire_all()
    request = session.get(LicenseRequest, request_id)
    licence = session.get(License, result["license"]["id"])
    assert request is not None
    assert licence is not None
    return request, licence, result


def test_a_licence_granted_on_an_application_is_accepted_from_the_application(
    client, session
) -> None:
    story = make_article(session)
    request, licence, result = _apply_and_approve(client, session)

    assert licence.accepted_at == request.created_at
    assert request.terms_version_id == licence.terms_version_id
    assert result["license"]["terms_accepted_at"] is not None
    # The feed delivers at once, and the portal does not ask for an acceptance it already has.
    feed = client.get(f"{API}/articles", headers={"Authorization": f"Bearer {result['feed_key']}"})
    assert [a["slug"] for a in feed.get_json()["items"]] == [story.slug]

    member = make_user(session, role=Role.PARTNER, publisher_slug=licence.publisher.slug)
    session.commit()
    client.get("/logout")
    login(client, member.email)
    home = client.get("/portal/").get_data(as_text=True)
    assert "Acceptance not on record" not in home
    assert "Terms to accept" not in home
    page = client.get(f"/portal/licences/{licence.id}").get_data(as_text=True)
    assert "with the application" in page
    assert "Record acceptance" not in page
    assert "Accept these terms" not in page


def test_the_licence_keeps_the_version_the_application_accepted(client, session) -> None:
    accepted = current_terms(session)
    _, staff_headers = staff(session)
    session.commit()
    applied = client.post(f"{API}/license-requests", json=application())
    request_id = applied.get_json()["id"]
    publish_terms(session, "2027-9", "Revised terms", "1. Something the applicant never saw.")
    session.commit()

    approved = client.post(f"{API}/license-requests/{request_id}/approve", headers=staff_headers)
    assert approved.status_code == 201
    assert approved.get_json()["license"]["terms_version"] == accepted.version
    licence = session.scalar(select(License).where(License.request_id == request_id))
    assert licence is not None
    assert licence.terms_version_id == accepted.id


def test_the_forms_show_the_terms_that_submitting_accepts(client, session) -> None:
    assert "Version 2027-3" not in client.get("/republish").get_data(as_text=True)
    publish_terms(session, "2027-3", "Syndication terms 2027", "1. Credit the desk in every copy.")
    session.commit()
    republish = client.get("/republish").get_data(as_text=True)
    assert "Syndication terms 2027" in republish
    assert "Version 2027-3" in republish
    assert "1. Credit the desk in every copy." in republish
    form = client.get("/republish/apply").get_data(as_text=True)
    assert "(version 2027-3)" in form
    assert "accepts our" in form


def test_a_licence_without_recorded_acceptance_says_it_already_delivers(client, session) -> None:
    publisher = make_publisher(session)
    licence = make_licence(session, publisher)
    member = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    session.commit()
    login(client, member.email)
    page = client.get(f"/portal/licences/{licence.id}").get_data(as_text=True)
    assert "Your feeds deliver this licence" in page
    assert "Record acceptance" in page
    assert "Acceptance not on record" in client.get("/portal/").get_data(as_text=True)
