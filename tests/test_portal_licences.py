"""Licences in the portal: the list, the terms page and accepting the terms once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from licenses.models import LicenseKind, LicenseStatus, ScopeKind
from licenses.terms import publish_terms
from syndicate.audit import AuditEvent
from syndicate.orm import utcnow
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_licence, make_partner, make_section


@pytest.fixture
def partner(client, session):
    user = make_partner(session, name="Ridgeview Courier")
    session.commit()
    login(client, user.email)
    return user


def test_empty_states(client, partner) -> None:
    home = client.get("/portal/").get_data(as_text=True)
    assert "No licence is in force" in home
    assert "No notices" in home
    assert "You have no licences yet" in client.get("/portal/licences").get_data(as_text=True)


def test_licence_list_shows_kind_scope_dates_and_custom_terms(client, session, partner) -> None:
    publisher = partner.publisher
    rivers = make_section(session, slug="rivers", name="Rivers & Lakes")
    story = make_article(session, section=rivers, headline="The ferry returns to Millbrook")
    now = utcnow()
    make_licence(
        session,
        publisher,
        scope_kind=ScopeKind.SECTIONS,
        scope_sections=["rivers"],
        ends_at=now + timedelta(days=30),
        embargo_entitled=True,
    )
    make_licence(session, publisher, scope_kind=ScopeKind.ARTICLE, scope_article_id=story.id)
    make_licence(
        session,
        publisher,
        kind=LicenseKind.CUSTOM,
        fee_amount=Decimal("1250.00"),
        fee_currency="EUR",
        territory="Lakeshore County",
        term_note="Twelve months, renewable.",
        status=LicenseStatus.REVOKED,
    )
    session.commit()
    page = client.get("/portal/licences").get_data(as_text=True)
    assert "Section: Rivers &amp; Lakes" in page
    assert f'href="/articles/{story.slug}"' in page
    assert "The ferry returns to Millbrook" in page
    assert "EUR 1,250.00" in page
    assert "Lakeshore County" in page
    assert "Twelve months, renewable." in page
    assert "Revoked" in page
    assert "Standard (free)" in page
    assert "Custom" in page

    # The overview lists only the licences in force.
    home = client.get("/portal/").get_data(as_text=True)
    assert "Rivers &amp; Lakes" in home
    assert "The ferry returns to Millbrook" in home
    assert "Lakeshore County" not in home


def test_terms_page_and_acceptance_is_recorded_and_audited(client, session, partner) -> None:
    terms = publish_terms(session, "2027-1", "Syndication terms 2027", "1. Credit <b>us</b>.")
    licence = make_licence(session, partner.publisher, terms=terms)
    session.commit()
    path = f"/portal/licences/{licence.id}"
    page = client.get(path).get_data(as_text=True)
    assert "Syndication terms 2027" in page
    assert "Version 2027-1" in page
    assert "1. Credit &lt;b&gt;us&lt;/b&gt;." in page
    assert "Record acceptance" in page

    assert client.post(f"{path}/accept").status_code == 400  # no CSRF token
    session.expire_all()
    assert licence.accepted_at is None

    token = csrf_token(client, path)
    response = client.post(f"{path}/accept", data={"csrf_token": token})
    assert response.status_code == 302
    session.expire_all()
    assert licence.accepted_at is not None
    assert licence.accepted_by_id == partner.id
    event = session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "license.accept_terms", AuditEvent.object_id == str(licence.id)
        )
    )
    assert event is not None
    assert event.actor_id == partner.id
    assert event.after["terms"] == "2027-1"

    page = client.get(path).get_data(as_text=True)
    assert "Record acceptance" not in page
    assert f"by {partner.email}" in page

    again = client.post(f"{path}/accept", data={"csrf_token": token})
    assert again.status_code == 409
