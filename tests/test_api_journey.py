"""The licensing journey over the JSON API: apply, approve once, use the key, revoke it."""

from __future__ import annotations

import http.client
import json
import threading
from datetime import timedelta

from sqlalchemy import delete, select

from licenses.models import (
    FeedKey,
    License,
    LicenseRequest,
    LicenseStatus,
    Publisher,
    RequestStatus,
    TermsVersion,
)
from syndicate.accounts.models import ApiToken, Role, User
from syndicate.accounts.services import create_api_token, create_user
from syndicate.app import create_app
from syndicate.audit import AuditEvent
from syndicate.database import Database
from syndicate.orm import utcnow
from syndicate.outbox.models import OutboxMessage
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    application,
    assert_error,
    count,
    generous_limits,
    partner,
    staff,
)
from tests.factories import make_article, make_publisher, make_section


def test_apply_approve_use_the_key_then_revoke_it(client, session) -> None:
    section = make_section(session, slug="rivers")
    story = make_article(session, section=section, slug="the-dam-question")
    _, staff_headers = staff(session)
    session.commit()

    applied = client.post(f"{API}/license-requests", json=application())
    assert applied.status_code == 201
    body = applied.get_json()
    assert body["status"] == "submitted"
    assert body["eligibility"]["eligible"] is True
    assert len(body["eligibility"]["reasons"]) == 3

    approved = client.post(f"{API}/license-requests/{body['id']}/approve", headers=staff_headers)
    assert approved.status_code == 201
    result = approved.get_json()
    assert result["license"]["kind"] == "standard"
    assert result["license"]["scope"] == {"kind": "all"}
    assert result["license"]["status"] == "active"
    assert result["publisher"]["slug"]
    assert result["request"]["status"] == "approved"
    secret = result["feed_key"]
    assert secret.startswith("synd_feed_")
    assert "digest" not in json.dumps(result)

    key_headers = {"Authorization": f"Bearer {secret}"}
    articles = client.get(f"{API}/articles", headers=key_headers)
    assert articles.status_code == 200
    assert [a["slug"] for a in articles.get_json()["items"]] == [story.slug]

    revoked = client.delete(f"{API}/feed-keys/{result['feed_key_id']}", headers=staff_headers)
    assert revoked.status_code == 204
    refused = client.get(f"{API}/articles", headers=key_headers)
    assert_error(refused, 401)
    assert refused.headers["WWW-Authenticate"].startswith('Bearer realm="syndicate-api"')


def test_an_ineligible_request_is_marked_with_its_reasons(client, session) -> None:
    response = client.post(
        f"{API}/license-requests",
        json=application(monthly_audience=300, outlet_type="blog"),
    )
    assert response.status_code == 201
    eligibility = response.get_json()["eligibility"]
    assert eligibility["eligible"] is False
    reasons = " ".join(eligibility["reasons"])
    assert "below the minimum" in reasons
    assert "not accepted" in reasons
    stored = session.get(LicenseRequest, response.get_json()["id"])
    assert stored is not None
    assert stored.eligible is False


def test_a_partner_token_links_the_request_to_its_publisher(client, session) -> None:
    publisher = make_publisher(session, slug="valley-echo")
    _, headers = partner(session, publisher)
    session.commit()
    response = client.post(f"{API}/license-requests", json=application(), headers=headers)
    assert response.status_code == 201
    assert response.get_json()["publisher"] == "valley-echo"
    own = client.get(f"{API}/license-requests/{response.get_json()['id']}", headers=headers)
    assert own.status_code == 200


def test_approving_twice_conflicts_and_leaves_one_licence(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    request_id = client.post(f"{API}/license-requests", json=application()).get_json()["id"]
    first = client.post(f"{API}/license-requests/{request_id}/approve", json={}, headers=headers)
    assert first.status_code == 201
    second = client.post(f"{API}/license-requests/{request_id}/approve", headers=headers)
    assert_error(second, 409)
    rejected_late = client.post(
        f"{API}/license-requests/{request_id}/reject", json={"reason": "Late"}, headers=headers
    )
    assert_error(rejected_late, 409)
    session.expire_all()
    assert len(session.scalars(select(License).where(License.request_id == request_id)).all()) == 1
    assert_error(client.post(f"{API}/license-requests/999999/approve", headers=headers), 404)


def test_custom_approval_choices_and_their_refusals(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    request_id = client.post(f"{API}/license-requests", json=application()).get_json()["id"]
    url = f"{API}/license-requests/{request_id}/approve"
    bad = client.post(
        url,
        json={
            "kind": "bespoke",
            "fee_amount": "lots",
            "embargo_entitled": "yes",
            "ends_at": "2031-01-01T00:00:00",
            "starts_at": "next week",
            "territory": "x" * 201,
        },
        headers=headers,
    )
    assert_error(
        bad, 422, "kind", "fee_amount", "embargo_entitled", "ends_at", "starts_at", "territory"
    )
    assert_error(client.post(url, json={"fee": 1}, headers=headers), 422, "fee")
    assert_error(
        client.post(url, json={"kind": "custom", "fee_amount": 250}, headers=headers),
        422,
        "fee_currency",
    )
    assert count(session, License) == 0
    session.expire_all()
    assert session.get(LicenseRequest, request_id).status is RequestStatus.SUBMITTED  # type: ignore[union-attr]

    ends = (utcnow() + timedelta(days=365)).replace(microsecond=0)
    good = client.post(
        url,
        json={
            "kind": "custom",
            "fee_amount": "250.00",
            "fee_currency": "eur",
            "territory": "Benelux",
            "embargo_entitled": True,
            "ends_at": ends.isoformat(),
            "note": "Agreed by phone.",
        },
        headers=headers,
    )
    assert good.status_code == 201, good.get_json()
    licence = good.get_json()["license"]
    assert licence["fee_amount"] == "250.00"
    assert licence["fee_currency"] == "EUR"
    assert licence["embargo_entitled"] is True
    assert licence["ends_at"] == ends.isoformat().replace("+00:00", "Z")


def test_staff_may_grant_another_scope_than_the_one_asked(client, session) -> None:
    _, headers = staff(session)
    make_section(session, slug="harbours", name="Harbours")
    make_article(session, slug="ferry-returns", headline="The ferry returns")
    session.commit()
    asked_story = application(scope={"kind": "article", "article": "ferry-returns"})
    request_id = client.post(f"{API}/license-requests", json=asked_story).get_json()["id"]
    url = f"{API}/license-requests/{request_id}/approve"

    for scope, field in (
        ({"kind": "everything"}, "scope.kind"),
        ({"kind": "sections", "sections": []}, "scope.sections"),
        ({"kind": "sections", "sections": ["no-such-desk"]}, "scope.sections"),
        ({"kind": "article", "article": "never-written"}, "scope.article"),
        # PostgreSQL refuses NUL in text: it must be a 422, never a database error.
        ({"kind": "sections", "sections": ["harbours\x00"]}, "scope.sections"),
        ({"kind": "article", "article": "ferry-returns\x00"}, "scope.article"),
        ("all", "scope"),
    ):
        assert_error(client.post(url, json={"scope": scope}, headers=headers), 422, field)
    assert count(session, License) == 0

    granted = client.post(
        url, json={"scope": {"kind": "sections", "sections": ["harbours"]}}, headers=headers
    )
    assert granted.status_code == 201, granted.get_json()
    assert granted.get_json()["license"]["scope"]["kind"] == "sections"
    assert granted.get_json()["license"]["scope"]["sections"] == ["harbours"]
    session.expire_all()
    licence = session.scalars(select(License).where(License.request_id == request_id)).one()
    # The story asked for is not kept beside the sections granted.
    assert licence.scope_article_id is None


def test_reject_needs_a_reason(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    request_id = client.post(f"{API}/license-requests", json=application()).get_json()["id"]
    url = f"{API}/license-requests/{request_id}/reject"
    assert_error(client.post(url, headers=headers), 422, "reason")
    assert_error(client.post(url, json={"reason": "   "}, headers=headers), 422, "reason")
    done = client.post(url, json={"reason": "Audience figures unverified."}, headers=headers)
    assert done.status_code == 200
    assert done.get_json()["status"] == "rejected"
    assert done.get_json()["decision_reason"] == "Audience figures unverified."
    assert_error(
        client.post(f"{API}/license-requests/999999/reject", json={"reason": "x"}, headers=headers),
        404,
    )


def test_staff_list_requests_with_filters(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    client.post(f"{API}/license-requests", json=application())
    client.post(f"{API}/license-requests", json=application(monthly_audience=10))
    everything = client.get(f"{API}/license-requests", headers=headers).get_json()
    assert everything["total"] == 2
    eligible = client.get(f"{API}/license-requests?eligible=true", headers=headers).get_json()
    assert [r["monthly_audience"] for r in eligible["items"]] == [85_000]
    paged = client.get(f"{API}/license-requests?per_page=1&page=2", headers=headers).get_json()
    assert paged["pages"] == 2
    assert len(paged["items"]) == 1
    assert (
        client.get(f"{API}/license-requests?status=approved", headers=headers).get_json()["items"]
        == []
    )
    assert_error(
        client.get(f"{API}/license-requests?status=maybe&per_page=0", headers=headers),
        422,
        "status",
        "per_page",
    )


def test_revoking_a_licence_twice_conflicts(client, session) -> None:
    _, headers = staff(session)
    session.commit()
    request_id = client.post(f"{API}/license-requests", json=application()).get_json()["id"]
    approval = client.post(
        f"{API}/license-requests/{request_id}/approve", headers=headers
    ).get_json()
    licence_id = approval["license"]["id"]
    revoked = client.post(
        f"{API}/licenses/{licence_id}/revoke", json={"reason": "Terms breached"}, headers=headers
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    assert_error(client.post(f"{API}/licenses/{licence_id}/revoke", headers=headers), 409)
    assert_error(client.post(f"{API}/licenses/999999/revoke", headers=headers), 404)
    session.expire_all()
    assert session.get(License, licence_id).status is LicenseStatus.REVOKED  # type: ignore[union-attr]
    # The revoked licence no longer lets the publisher's key read anything.
    key = client.get(f"{API}/articles", headers={"Authorization": f"Bearer {approval['feed_key']}"})
    assert key.status_code == 200
    assert key.get_json()["items"] == []


def test_concurrent_approvals_over_http(app, database_url, tmp_path) -> None:
    """16 approvals released together against a real threaded server: one wins."""
    from werkzeug.serving import make_server

    server_app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE_URL": database_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "SITE_BASE_URL": "http://localhost",
            "RATELIMIT_API": "100000 per minute",
            "RATELIMIT_APPLY": "100000 per minute",
        }
    )
    database: Database = server_app.extensions["syndicate.db"]
    with database.transaction() as setup:
        had_terms = setup.scalar(select(TermsVersion.id)) is not None
        user = create_user(setup, email="racer@desk.example", role=Role.STAFF)
        _, secret = create_api_token(setup, user)
        staff_id = user.id
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    port = server.server_port
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}

    def call(method: str, path: str, body: bytes = b"") -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    request_id = None
    try:
        status, created = call(
            "POST",
            f"{API}/license-requests",
            json.dumps(
                application(website="https://race.example", contact_email="race@race.example")
            ).encode(),
        )
        assert status == 201
        request_id = created["id"]
        barrier = threading.Barrier(16)
        statuses: list[int] = []
        lock = threading.Lock()

        def approve() -> None:
            barrier.wait()
            status, _ = call("POST", f"{API}/license-requests/{request_id}/approve")
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=approve) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert sorted(statuses) == [201] + [409] * 15
        with database.transaction() as check:
            licences = check.scalars(select(License).where(License.request_id == request_id))
            assert len(licences.all()) == 1
    finally:
        server.shutdown()
        serving.join(timeout=10)
        with database.transaction() as cleanup:
            publisher_ids = list(
                cleanup.scalars(select(Publisher.id).where(Publisher.domain == "race.example"))
            )
            cleanup.execute(delete(OutboxMessage))
            cleanup.execute(delete(AuditEvent))
            cleanup.execute(delete(FeedKey).where(FeedKey.publisher_id.in_(publisher_ids)))
            cleanup.execute(delete(License).where(License.publisher_id.in_(publisher_ids)))
            if request_id is not None:
                cleanup.execute(delete(LicenseRequest).where(LicenseRequest.id == request_id))
            cleanup.execute(delete(ApiToken).where(ApiToken.user_id == staff_id))
            cleanup.execute(delete(User).where(User.publisher_id.in_(publisher_ids)))
            cleanup.execute(delete(User).where(User.id == staff_id))
            cleanup.execute(delete(Publisher).where(Publisher.id.in_(publisher_ids)))
            if not had_terms:
                cleanup.execute(delete(TermsVersion))
        database.dispose()
