"""The public application form on /republish/apply: CSRF, validation, rate limit, confirmation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licenses.models import LicenseRequest, RequestStatus, ScopeKind
from syndicate.extensions import limiter
from syndicate.outbox.models import OutboxMessage
from tests.conftest import csrf_token
from tests.factories import make_article, make_section

FORM = "/republish/apply"


@pytest.fixture(autouse=True)
def generous_limit(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests post many applications; only the rate-limit test uses the real limit."""
    monkeypatch.setitem(app.config, "RATELIMIT_APPLY", "1000 per minute")
    limiter.reset()
    yield
    limiter.reset()


def application(**changes: Any) -> dict[str, Any]:
    """A complete, eligible application as the browser posts it."""
    data: dict[str, Any] = {
        "organization": "Harbourside Ledger",
        "website": "https://www.harbourside-ledger.example",
        "contact_name": "Ines Marlow",
        "contact_email": "ines@harbourside-ledger.example",
        "outlet_type": "newspaper",
        "monthly_audience": "85,000",
        "scope_kind": "all",
        "intended_use": "Print edition and website, for readers on the north coast.",
        "message": "We would run two stories a week.",
    }
    data.update(changes)
    return data


def request_count(session: Session) -> int:
    return session.scalar(select(func.count(LicenseRequest.id))) or 0


def post(client: FlaskClient, data: dict[str, Any], path: str = FORM) -> Any:
    token = csrf_token(client, path)
    return client.post(FORM, data={**data, "csrf_token": token})


def test_form_page_has_a_csrf_token_and_every_field(client: FlaskClient) -> None:
    response = client.get(FORM)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="csrf_token"' in html
    for name in (
        "organization",
        "website",
        "contact_name",
        "contact_email",
        "outlet_type",
        "monthly_audience",
        "scope_kind",
        "intended_use",
        "message",
    ):
        assert f'name="{name}"' in html, name
    assert "private" in response.headers["Cache-Control"]
    assert "no-store" in response.headers["Cache-Control"]


def test_republish_page_links_to_the_form_and_stays_cookieless(client: FlaskClient) -> None:
    response = client.get("/republish")
    assert response.status_code == 200
    assert response.headers.get("Set-Cookie") is None
    assert "public" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert 'id="apply"' in html
    assert 'href="/republish/apply"' in html
    assert 'name="csrf_token"' not in html


def test_valid_application_creates_one_request_and_confirms(
    client: FlaskClient, session: Session
) -> None:
    before = request_count(session)
    response = post(client, application())
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/republish/thanks/")
    assert request_count(session) == before + 1
    created = session.scalars(select(LicenseRequest).order_by(LicenseRequest.id.desc())).first()
    assert created is not None
    assert created.organization == "Harbourside Ledger"
    assert created.monthly_audience == 85_000
    assert created.scope_kind is ScopeKind.ALL
    assert created.status is RequestStatus.SUBMITTED
    assert created.eligible is True
    assert created.eligibility_reasons

    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"#{created.id}" in html
    assert "meets our standard policy" in html
    assert created.eligibility_reasons[0] in html.replace("&#39;", "'")
    assert "no-store" in page.headers["Cache-Control"]
    topics = set(
        session.scalars(
            select(OutboxMessage.topic).where(
                OutboxMessage.payload["request"].as_integer() == created.id
            )
        )
    )
    assert "license_request.received" in topics


def test_ineligible_application_is_told_so_with_the_reasons(
    client: FlaskClient, session: Session
) -> None:
    response = post(client, application(monthly_audience="120", outlet_type="blog"))
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "does not meet our standard policy" in page
    assert "below the minimum" in page
    assert "is not accepted" in page


def test_confirmation_link_must_be_signed(client: FlaskClient) -> None:
    assert client.get("/republish/thanks/1").status_code == 404
    assert client.get("/republish/thanks/not-a-token.at.all").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"monthly_audience": "-5"}, "monthly_audience", "cannot be negative"),
        ({"monthly_audience": "lots"}, "monthly_audience", "whole number"),
        ({"monthly_audience": "9" * 5000}, "monthly_audience", "At most"),
        ({"contact_email": ""}, "contact_email", "e-mail address for our reply"),
        ({"contact_email": "not-an-address"}, "contact_email", "valid e-mail"),
        ({"organization": "O" * 201}, "organization", "At most 200"),
        ({"outlet_type": "pirate-radio"}, "outlet_type", "Choose one of"),
        (
            {"scope_kind": "sections", "sections": ["no-such-section"]},
            "sections",
            "Unknown section",
        ),
        ({"scope_kind": "sections"}, "sections", "Tick one or more sections"),
        ({"scope_kind": "article", "article": "no-such-story"}, "article", "No published story"),
        ({"scope_kind": "galaxy"}, "scope_kind", "Choose all, sections or article"),
    ],
)
def test_invalid_application_is_refused_with_field_messages(
    client: FlaskClient, session: Session, changes: dict[str, Any], field: str, message: str
) -> None:
    before = request_count(session)
    response = post(client, application(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert request_count(session) == before
    match = re.search(
        rf'<div class="field[^"]*field--error[^"]*">(?:(?!<div class="field).)*id="{field}"'
        rf'(?:(?!<div class="field).)*field__error[^>]*>([^<]*)',
        html,
        re.S,
    )
    assert match, f"no error shown on {field}"
    assert message in match.group(1)
    # What was typed comes back in the form.
    assert "Harbourside Ledger" in html or field == "organization"


def test_several_problems_are_reported_at_once(client: FlaskClient, session: Session) -> None:
    response = post(client, application(organization="", website="", monthly_audience="-1"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the name of your publication." in html
    assert "Give your publication" in html
    assert "cannot be negative" in html


def test_sections_and_a_single_story_can_be_requested(
    client: FlaskClient, session: Session
) -> None:
    coast = make_section(session, slug="apply-coast", name="Coast")
    make_section(session, slug="apply-hills", name="Hills")
    story = make_article(session, section=coast, headline="Tide gauges return to the pier")
    session.commit()
    response = post(
        client, application(scope_kind="sections", sections=["apply-coast", "apply-hills"])
    )
    assert response.status_code == 303
    latest = session.scalars(select(LicenseRequest).order_by(LicenseRequest.id.desc())).first()
    assert latest is not None
    assert latest.scope_kind is ScopeKind.SECTIONS
    assert latest.scope_sections == ["apply-coast", "apply-hills"]

    address = f"http://localhost/articles/{story.slug}"
    response = post(client, application(scope_kind="article", article=address))
    assert response.status_code == 303
    session.expire_all()
    latest = session.scalars(select(LicenseRequest).order_by(LicenseRequest.id.desc())).first()
    assert latest is not None
    assert latest.scope_kind is ScopeKind.ARTICLE
    assert latest.scope_article_id == story.id


def test_article_parameter_prefills_the_story(client: FlaskClient, session: Session) -> None:
    story = make_article(session, headline="Ferry pilots vote on new rota")
    session.commit()
    html = client.get(f"{FORM}?article={story.slug}").get_data(as_text=True)
    assert re.search(r'value="article"[^>]*checked|checked[^>]*value="article"', html)
    assert f'value="{story.slug}"' in html
    assert "Ferry pilots vote on new rota" in html
    # An unknown story leaves the form asking for everything.
    html = client.get(f"{FORM}?article=no-such-story").get_data(as_text=True)
    assert re.search(r'value="all"[^>]*checked|checked[^>]*value="all"', html)


def test_article_page_offers_a_licence_for_the_story(client: FlaskClient, session: Session) -> None:
    story = make_article(session)
    session.commit()
    response = client.get(f"/articles/{story.slug}")
    html = response.get_data(as_text=True)
    assert f'href="/republish?article={story.slug}#apply"' in html
    assert "Request a licence for this story" in html
    assert response.headers.get("Set-Cookie") is None
    republish = client.get(f"/republish?article={story.slug}").get_data(as_text=True)
    assert f'href="/republish/apply?article={story.slug}"' in republish


def test_post_without_csrf_token_is_refused(client: FlaskClient, session: Session) -> None:
    before = request_count(session)
    response = client.post(FORM, data=application())
    assert response.status_code == 400
    assert request_count(session) == before


def test_applications_are_rate_limited(
    client: FlaskClient, session: Session, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_APPLY", "2 per minute")
    limiter.reset()
    statuses = [
        post(client, application(contact_email=f"n{n}@ledger.example")).status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 429]
    # The form itself still opens; only submissions are limited.
    assert client.get(FORM).status_code == 200


def test_html_in_fields_comes_back_escaped(client: FlaskClient) -> None:
    response = post(
        client, application(organization="<script>alert(1)</script>", monthly_audience="-1")
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
