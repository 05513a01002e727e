"""Licensing requests from the portal: the form, eligibility, refusals, withdrawal."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from licenses.models import LicenseRequest, RequestStatus, ScopeKind
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_partner, make_section


@pytest.fixture
def partner(client, session):
    user = make_partner(
        session,
        name="Ridgeview Courier",
        website="https://ridgeviewcourier.example",
        domain="ridgeviewcourier.example",
        outlet_type="newspaper",
        monthly_audience=85_000,
        contact_name="Tomas Brell",
        contact_email="tomas@ridgeviewcourier.example",
    )
    session.commit()
    login(client, user.email)
    return user


def _form(client, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "csrf_token": csrf_token(client, "/portal/requests/new"),
        "scope_kind": "all",
        "intended_use": "Our Sunday print edition and the website.",
        "message": "",
        "organization": "Ridgeview Courier",
        "website": "https://ridgeviewcourier.example",
        "contact_name": "Tomas Brell",
        "contact_email": "tomas@ridgeviewcourier.example",
        "outlet_type": "newspaper",
        "monthly_audience": "85000",
    }
    data.update(overrides)
    return data


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(LicenseRequest)) or 0


def test_form_is_prefilled_from_the_publisher(client, partner) -> None:
    response = client.get("/portal/requests/new")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Ridgeview Courier"' in page
    assert 'value="https://ridgeviewcourier.example"' in page
    assert 'value="tomas@ridgeviewcourier.example"' in page
    assert 'value="85000"' in page
    assert '<option selected value="newspaper">' in page
    assert 'checked id="scope_kind-0" name="scope_kind" type="radio" value="all"' in page


def test_article_prefill(client, session, partner) -> None:
    story = make_article(session, slug="ferry-returns", headline="The ferry returns to Millbrook")
    session.commit()
    page = client.get("/portal/requests/new?article=ferry-returns").get_data(as_text=True)
    assert 'checked id="scope_kind-2" name="scope_kind" type="radio" value="article"' in page
    assert 'value="ferry-returns"' in page
    assert f'href="/articles/{story.slug}">The ferry returns to Millbrook</a>' in page


def test_valid_request_is_stored_for_the_publisher_with_its_eligibility(
    client, session, partner
) -> None:
    response = client.post("/portal/requests", data=_form(client))
    assert response.status_code == 302
    created = session.scalar(
        select(LicenseRequest).where(LicenseRequest.publisher_id == partner.publisher_id)
    )
    assert created is not None
    assert response.headers["Location"] == f"/portal/requests/{created.id}"
    assert created.submitted_by_id == partner.id
    assert created.scope_kind is ScopeKind.ALL
    assert created.eligible is True
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Eligible" in page
    assert "Monthly audience of 85,000 meets the minimum" in page
    assert "Awaiting a decision" in page
    listing = client.get("/portal/requests").get_data(as_text=True)
    assert f"/portal/requests/{created.id}" in listing
    assert "Submitted" in listing


def test_ineligible_request_shows_the_reasons(client, session, partner) -> None:
    response = client.post(
        "/portal/requests", data=_form(client, monthly_audience="900", outlet_type="blog")
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not eligible" in page
    assert "Monthly audience of 900 is below the minimum" in page
    assert "is not accepted for the standard licence" in page


def test_sections_and_single_story_scopes(client, session, partner) -> None:
    make_section(session, slug="rivers", name="Rivers")
    make_section(session, slug="schools", name="Schools")
    story = make_article(session, slug="ferry-returns")
    session.commit()
    form = client.get("/portal/requests/new").get_data(as_text=True)
    assert 'name="sections" type="checkbox" value="rivers"' in form

    client.post(
        "/portal/requests",
        data=_form(client, scope_kind="sections", sections=["rivers", "schools"]),
    )
    client.post(
        "/portal/requests",
        data=_form(client, scope_kind="article", article="http://localhost/articles/ferry-returns"),
    )
    rows = session.scalars(
        select(LicenseRequest)
        .where(LicenseRequest.publisher_id == partner.publisher_id)
        .order_by(LicenseRequest.id)
    ).all()
    assert [(r.scope_kind, r.scope_sections, r.scope_article_id) for r in rows] == [
        (ScopeKind.SECTIONS, ["rivers", "schools"], None),
        (ScopeKind.ARTICLE, [], story.id),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"monthly_audience": "-5"}, "cannot be negative"),
        ({"monthly_audience": "lots"}, "whole number"),
        ({"scope_kind": "sections", "sections": ["no-such-section"]}, "Unknown section"),
        ({"scope_kind": "sections"}, "Tick one or more sections"),
        ({"scope_kind": "article", "article": "not-a-story"}, "No published story"),
        ({"scope_kind": "everything"}, "Not a valid choice"),
        ({"intended_use": ""}, "Tell us where and how"),
        ({"organization": "", "contact_email": "nobody"}, "Give a valid e-mail address"),
        ({"outlet_type": "zine"}, "Not a valid choice"),
    ],
)
def test_invalid_requests_are_refused_and_nothing_is_saved(
    client, session, partner, overrides, message
) -> None:
    before = _count(session)
    response = client.post("/portal/requests", data=_form(client, **overrides))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "Some details need another look" in page
    assert _count(session) == before


def test_missing_fields_are_all_reported_at_once(client, session, partner) -> None:
    response = client.post(
        "/portal/requests",
        data=_form(client, intended_use="", organization="", monthly_audience="-1"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tell us where and how" in page
    assert "Required." in page
    assert "cannot be negative" in page


def test_request_needs_csrf(client, session, partner) -> None:
    data = _form(client)
    del data["csrf_token"]
    before = _count(session)
    assert client.post("/portal/requests", data=data).status_code == 400
    assert _count(session) == before


def test_html_in_a_request_is_shown_escaped(client, session, partner) -> None:
    response = client.post(
        "/portal/requests",
        data=_form(
            client,
            intended_use='<script>alert("x")</script> on our site',
            message="<b>bold</b> claim",
        ),
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; on our site" in page
    assert "&lt;b&gt;bold&lt;/b&gt; claim" in page
    assert "<script>alert" not in page
    assert "<b>bold</b>" not in page


def test_withdrawing_a_request(client, session, partner) -> None:
    created = client.post("/portal/requests", data=_form(client))
    path = created.headers["Location"]
    request_id = int(path.rsplit("/", 1)[1])
    assert client.post(f"{path}/withdraw").status_code == 400  # no CSRF token
    token = csrf_token(client, path)
    response = client.post(f"{path}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    session.expire_all()
    assert session.get(LicenseRequest, request_id).status is RequestStatus.WITHDRAWN
    page = client.get(path).get_data(as_text=True)
    assert "Withdrawn" in page
    assert "Withdraw this request" not in page
    assert client.post(f"{path}/withdraw", data={"csrf_token": token}).status_code == 409


def test_auto_approved_request_links_its_licence(
    client, session, partner, app, monkeypatch
) -> None:
    monkeypatch.setitem(app.config, "ELIGIBILITY_AUTO_APPROVE", True)
    response = client.post("/portal/requests", data=_form(client))
    assert response.status_code == 302
    created = session.scalar(
        select(LicenseRequest).where(LicenseRequest.publisher_id == partner.publisher_id)
    )
    assert created is not None
    assert created.status is RequestStatus.APPROVED
    assert created.license is not None
    assert created.license.publisher_id == partner.publisher_id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved" in page
    assert f'href="/portal/licences/{created.license.id}"' in page
    home = client.get("/portal/").get_data(as_text=True)
    assert "All syndicated stories" in home
