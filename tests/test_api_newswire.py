"""The newswire over the JSON API: the whole lifecycle of a story and its licence with HTTP
alone (apply → approve → publish with photo → embargo → correct → kill → acknowledge), and
the refusals of each newswire operation.

The only thing read outside HTTP is the invitation e-mail the new partner receives.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.newswire.models import Notice
from syndicate.orm import utcnow
from syndicate.outbox.models import OutboxMessage
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    application,
    assert_error,
    bearer,
    generous_limits,
    partner,
    staff,
)
from tests.conftest import TEST_PASSWORD, csrf_token, login
from tests.factories import (
    jpeg_bytes,
    make_article,
    make_author,
    make_licence,
    make_publisher,
    make_section,
)

INVITATION = re.compile(r"/account/setup/[A-Za-z0-9_.\-]+")
API_TOKEN = re.compile(r"synd_api_[A-Za-z0-9_-]{40,}")


def _iso(moment: Any) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _partner_token(app: Any, session: Session, email: str) -> str:
    """The invited contact sets a password from the e-mailed link, signs in to the portal
    and makes an API token, as a person would."""
    mail = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.recipient == email)
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert mail is not None
    link = INVITATION.search(mail.body)
    assert link, mail.body
    browser = app.test_client()
    path = link.group(0)
    set_up = browser.post(
        path,
        data={
            "new_password": TEST_PASSWORD,
            "confirm": TEST_PASSWORD,
            "csrf_token": csrf_token(browser, path),
        },
    )
    assert set_up.status_code == 302
    assert login(browser, email).status_code == 302
    made = browser.post(
        "/portal/tokens",
        data={
            "label": "Newsroom CMS",
            "expires": "30",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(browser, "/portal/tokens"),
        },
    )
    assert made.status_code == 201
    found = API_TOKEN.search(made.get_data(as_text=True))
    assert found
    return found.group(0)


def test_the_whole_lifecycle_over_http(app, client: FlaskClient, session: Session) -> None:
    make_section(session, slug="estuary")
    make_author(session, slug="lena-brook")
    _, desk = staff(session)
    session.commit()

    # Apply, and the desk approves with the embargo entitlement.
    applied = client.post(
        f"{API}/license-requests",
        json=application(contact_email="odile@millbrookcourier.example"),
    )
    assert applied.status_code == 201
    approved = client.post(
        f"{API}/license-requests/{applied.get_json()['id']}/approve",
        json={"embargo_entitled": True},
        headers=desk,
    )
    assert approved.status_code == 201, approved.get_data(as_text=True)
    feed = bearer(approved.get_json()["feed_key"])
    publisher = approved.get_json()["publisher"]["slug"]
    partner_headers = bearer(_partner_token(app, session, "odile@millbrookcourier.example"))

    # A photo with its credit, a story that leads with it, scheduled for tomorrow.
    photo = client.post(
        f"{API}/images",
        data={
            "file": (io.BytesIO(jpeg_bytes(320, 200)), "tide.jpg"),
            "alt_text": "The tide over the mudflats",
            "rights_class": "staff",
            "creator": "Lena Brook",
        },
        content_type="multipart/form-data",
        headers=desk,
    )
    assert photo.status_code == 201, photo.get_data(as_text=True)
    created = client.post(
        f"{API}/articles",
        json={
            "headline": "The estuary gives back its salt marsh",
            "section": "estuary",
            "authors": ["lena-brook"],
            "body": "The marsh returned within a season.",
            "images": [{"image_id": photo.get_json()["id"], "role": "lead"}],
        },
        headers=desk,
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    slug = created.get_json()["slug"]
    release = utcnow() + timedelta(days=1)
    scheduled = client.post(
        f"{API}/articles/{slug}/publish", json={"release_at": _iso(release)}, headers=desk
    )
    assert scheduled.get_json()["status"] == "scheduled"
    assert client.get(f"{API}/articles/{slug}", headers=feed).status_code == 404

    # Embargo: the entitled partner receives it now, marked, with the photo.
    embargoed = client.post(
        f"{API}/articles/{slug}/embargo",
        json={"preview_at": _iso(utcnow() - timedelta(minutes=1))},
        headers=desk,
    )
    assert embargoed.status_code == 200, embargoed.get_data(as_text=True)
    seen = client.get(f"{API}/articles/{slug}", headers=feed)
    assert seen.status_code == 200
    assert seen.get_json()["embargoed_until"] is not None
    assert [image["role"] for image in seen.get_json()["images"]] == ["lead"]

    # A correction: the partner is told.
    corrected = client.post(
        f"{API}/articles/{slug}/corrections",
        json={"note": "The marsh covers 40 hectares, not 400."},
        headers=desk,
    )
    assert corrected.status_code == 201, corrected.get_data(as_text=True)
    assert corrected.get_json()["notified"] == 1
    assert corrected.get_json()["article"]["revision"] == 2
    notices = client.get(f"{API}/notices", headers=partner_headers).get_json()
    assert [n["kind"] for n in notices["items"]] == ["correction"]

    # A kill with its reason: the partner is told to take it down, and acknowledges.
    killed = client.post(
        f"{API}/articles/{slug}/kill",
        json={"reason": "The source withdrew the survey."},
        headers=desk,
    )
    assert killed.status_code == 200, killed.get_data(as_text=True)
    assert killed.get_json()["article"]["status"] == "killed"
    assert killed.get_json()["notified"] == 1
    pending = client.get(
        f"{API}/notices?kind=kill&acknowledged=false", headers=partner_headers
    ).get_json()["items"]
    assert len(pending) == 1
    assert "The source withdrew the survey." in pending[0]["message"]
    acknowledged = client.post(
        f"{API}/notices/{pending[0]['id']}/acknowledge", headers=partner_headers
    )
    assert acknowledged.status_code == 200
    assert acknowledged.get_json()["acknowledgement"]["by"] == "odile@millbrookcourier.example"

    # The desk sees each partner's acknowledgement.
    desk_view = client.get(f"{API}/notices?article={slug}&kind=kill", headers=desk).get_json()
    assert [(n["publisher"], n["acknowledgement"] is not None) for n in desk_view["items"]] == [
        (publisher, True)
    ]


def test_newswire_refusals(client: FlaskClient, session: Session) -> None:
    story = make_article(session, slug="harbour-wall")
    draft = make_article(session, slug="quiet-draft", publish=False)
    publisher = make_publisher(session, slug="coastline-post")
    make_licence(session, publisher)
    other = make_publisher(session, slug="inland-herald")
    _, desk = staff(session)
    _, partner_headers = partner(session, publisher)
    _, other_headers = partner(session, other)
    session.commit()

    # Validation names the fields; the story's state gives 409.
    assert_error(
        client.post(f"{API}/articles/{story.slug}/kill", json={}, headers=desk), 422, "reason"
    )
    assert_error(
        client.post(f"{API}/articles/{story.slug}/corrections", json={"note": ""}, headers=desk),
        422,
        "note",
    )
    assert_error(
        client.post(
            f"{API}/articles/{story.slug}/embargo",
            json={"preview_at": "tomorrow"},
            headers=desk,
        ),
        422,
        "preview_at",
    )
    not_scheduled = client.post(
        f"{API}/articles/{story.slug}/embargo",
        json={"preview_at": _iso(utcnow())},
        headers=desk,
    )
    assert not_scheduled.status_code == 422
    assert_error(
        client.post(f"{API}/articles/{draft.slug}/kill", json={"reason": "x"}, headers=desk), 409
    )
    assert_error(
        client.post(
            f"{API}/articles/{story.slug}/kill",
            json={"reason": "Stale.", "version": story.version + 5},
            headers=desk,
        ),
        409,
        "version",
    )
    assert_error(
        client.post(f"{API}/articles/nothing/kill", json={"reason": "x"}, headers=desk), 404
    )

    # Partners may not correct or kill; the desk may not acknowledge for a partner.
    assert_error(
        client.post(
            f"{API}/articles/{story.slug}/kill", json={"reason": "x"}, headers=partner_headers
        ),
        403,
    )
    killed = client.post(
        f"{API}/articles/{story.slug}/kill", json={"reason": "Wrong harbour."}, headers=desk
    )
    assert killed.status_code == 200
    notice = session.scalars(select(Notice).where(Notice.publisher_id == publisher.id)).one()
    assert_error(client.post(f"{API}/notices/{notice.id}/acknowledge", headers=desk), 403)
    # Another publisher's notice is not there.
    assert_error(client.get(f"{API}/notices/{notice.id}", headers=other_headers), 404)
    assert_error(client.post(f"{API}/notices/{notice.id}/acknowledge", headers=other_headers), 404)
    assert client.get(f"{API}/notices", headers=other_headers).get_json()["items"] == []
    # Acknowledging twice changes nothing.
    first = client.post(f"{API}/notices/{notice.id}/acknowledge", headers=partner_headers)
    again = client.post(f"{API}/notices/{notice.id}/acknowledge", headers=partner_headers)
    assert first.get_json() == again.get_json()
