"""A story marked "do not syndicate" is never offered for republication.

The article page, the republish page, the application form, the API and the approval all
agree with the story's syndication policy: a request whose scope is such a story alone
covers nothing a partner could receive, so it is refused with the reason.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licenses.models import LicenseRequest, RequestStatus
from syndicate.content.models import Article, SyndicationPolicy
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    generous_limits,
    staff,
)
from tests.conftest import csrf_token
from tests.factories import make_article
from tests.licensing_support import form_token, staff_client

SLUG = "port-amity-budget-leans-on-parking-tickets"


@pytest.fixture
def kept(session: Session) -> Article:
    """A published story that the desk does not syndicate."""
    story = make_article(
        session,
        slug=SLUG,
        headline="Port Amity's budget leans on parking tickets",
        syndication=SyndicationPolicy.DO_NOT_SYNDICATE,
    )
    session.commit()
    return story


@pytest.fixture
def offered(session: Session) -> Article:
    story = make_article(session, slug="a-syndicated-story", headline="A syndicated story")
    session.commit()
    return story


def application(slug: str, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organization": "Seaboard Weekly",
        "website": "https://seaboard-weekly.example",
        "contact_name": "Ada Brook",
        "contact_email": "ada@seaboard-weekly.example",
        "outlet_type": "newspaper",
        "monthly_audience": 50_000,
        "scope": {"kind": "article", "article": slug},
    }
    data.update(changes)
    return data


def requests_made(session: Session) -> int:
    return session.scalar(select(func.count(LicenseRequest.id))) or 0


def test_article_page_does_not_offer_a_story_that_is_not_syndicated(
    client: FlaskClient, kept: Article, offered: Article
) -> None:
    html = client.get(f"/articles/{kept.slug}").get_data(as_text=True)
    assert "Free to republish" not in html
    assert "Republish this story" not in html
    assert "Request a licence for this story" not in html
    assert "Not available for republication" in html
    other = client.get(f"/articles/{offered.slug}").get_data(as_text=True)
    assert "Free to republish" in other
    assert "Republish this story" in other


def test_republish_page_and_form_do_not_suggest_the_story(
    client: FlaskClient, kept: Article
) -> None:
    page = client.get(f"/republish?article={kept.slug}").get_data(as_text=True)
    assert "not available for republication" in page
    assert f"/republish/apply?article={kept.slug}" not in page
    form = client.get(f"/republish/apply?article={kept.slug}").get_data(as_text=True)
    assert f'value="{kept.slug}"' not in form


def test_application_for_the_story_alone_is_refused_with_the_reason(
    client: FlaskClient, session: Session, kept: Article
) -> None:
    response = client.post(f"{API}/license-requests", json=application(kept.slug))
    assert response.status_code == 422
    reason = response.get_json()["error"]["fields"]["scope.article"]
    assert "do not syndicate" in reason
    form = {
        "organization": "Seaboard Weekly",
        "website": "https://seaboard-weekly.example",
        "contact_name": "Ada Brook",
        "contact_email": "ada@seaboard-weekly.example",
        "outlet_type": "newspaper",
        "monthly_audience": "50,000",
        "scope_kind": "article",
        "article": kept.slug,
        "csrf_token": csrf_token(client, "/republish/apply"),
    }
    page = client.post("/republish/apply", data=form)
    assert page.status_code == 422
    assert "do not syndicate" in page.get_data(as_text=True)
    assert requests_made(session) == 0


def test_approval_refuses_a_story_marked_do_not_syndicate_since(
    client: FlaskClient, session: Session, offered: Article
) -> None:
    created = client.post(f"{API}/license-requests", json=application(offered.slug))
    assert created.status_code == 201
    request_id = created.get_json()["id"]
    offered.syndication = SyndicationPolicy.DO_NOT_SYNDICATE
    _user, headers = staff(session)
    session.commit()

    refused = client.post(f"{API}/license-requests/{request_id}/approve", headers=headers)
    assert refused.status_code == 422
    assert "do not syndicate" in refused.get_json()["error"]["fields"]["scope"]
    session.expire_all()
    assert session.get(LicenseRequest, request_id).status is RequestStatus.SUBMITTED

    staff_client(client, session)
    path = f"/staff/license-requests/{request_id}"
    assert "do not syndicate" in client.get(path).get_data(as_text=True)
    token = form_token(client, f"{path}/approve")
    console = client.post(f"{path}/approve", data={"csrf_token": token})
    assert console.status_code == 422
    assert "do not syndicate" in console.get_data(as_text=True)
    session.expire_all()
    assert session.get(LicenseRequest, request_id).status is RequestStatus.SUBMITTED


def test_staff_cannot_grant_such_a_story_instead(
    client: FlaskClient, session: Session, kept: Article
) -> None:
    created = client.post(
        f"{API}/license-requests", json=application("", scope={"kind": "all"})
    ).get_json()
    _user, headers = staff(session)
    refused = client.post(
        f"{API}/license-requests/{created['id']}/approve",
        json={"scope": {"kind": "article", "article": kept.slug}},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "do not syndicate" in refused.get_json()["error"]["fields"]["scope.article"]
