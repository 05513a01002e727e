"""API tokens and comment moderation over the API: each caller sees and changes only what
it may, through the services the console and the portal use."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.accounts.services import create_api_token
from syndicate.audit import AuditEvent
from syndicate.comments import services as comment_services
from syndicate.comments.models import CommentStatus
from syndicate.newswire.webhooks import webhook_of
from syndicate.orm import utcnow
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    assert_error,
    bearer,
    generous_limits,
    partner,
    staff,
)
from tests.factories import make_article, make_publisher


def test_partners_list_and_revoke_their_own_tokens_and_staff_any(
    client: FlaskClient, session: Session
) -> None:
    desk_user, desk = staff(session)
    own_user, own = partner(session, make_publisher(session, slug="quay-times"))
    other_user, other = partner(session, make_publisher(session, slug="weir-weekly"))
    spare, spare_secret = create_api_token(session, own_user, label="Spare")
    session.commit()

    answer = client.get(f"{API}/tokens", headers=own)
    listed = answer.get_json()
    assert {t["user"] for t in listed["items"]} == {own_user.email}
    assert {t["label"] for t in listed["items"]} >= {"Spare"}
    assert spare_secret not in answer.get_data(as_text=True)
    assert spare.prefix in {t["prefix"] for t in listed["items"]}
    assert client.get(f"{API}/tokens", headers=other).get_json()["total"] == 1
    by_user = client.get(f"{API}/tokens?user={own_user.email}", headers=desk).get_json()
    assert by_user["total"] == 2
    everyone = client.get(f"{API}/tokens", headers=desk).get_json()["total"]
    assert everyone >= 3

    # Another partner's token is not there; the owner revokes it, once.
    assert_error(client.delete(f"{API}/tokens/{spare.id}", headers=other), 404)
    revoked = client.delete(f"{API}/tokens/{spare.id}", headers=own)
    assert revoked.status_code == 204
    assert revoked.data == b""
    assert "Content-Type" not in revoked.headers
    assert client.get(f"{API}/tokens", headers=bearer(spare_secret)).status_code == 401
    assert_error(client.delete(f"{API}/tokens/{spare.id}", headers=own), 409)
    assert_error(client.delete(f"{API}/tokens/2000000000", headers=desk), 404)
    # Staff revoke anyone's.
    other_token = client.get(f"{API}/tokens", headers=other).get_json()["items"][0]
    assert client.delete(f"{API}/tokens/{other_token['id']}", headers=desk).status_code == 204
    assert client.get(f"{API}/tokens", headers=other).status_code == 401
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoke"))
    assert len(list(events)) == 2
    assert desk_user.id != other_user.id


def test_staff_moderate_the_comment_queue(client: FlaskClient, session: Session) -> None:
    article = make_article(session, slug="ferry-timetable")
    held = comment_services.post_comment(
        session,
        article,
        comment_services.CommentInput(name="Pim", text="The 7:40 never runs on time."),
        secret="s",
        client_address="192.0.2.7",
        now=utcnow(),
        close_after_days=0,
    )
    _, desk = staff(session)
    _, own = partner(session, make_publisher(session, slug="pier-press"))
    session.commit()
    assert held.status is CommentStatus.HELD

    queue = client.get(f"{API}/comments", headers=desk).get_json()
    assert [(c["id"], c["article"], c["status"]) for c in queue["items"]] == [
        (held.id, "ferry-timetable", "held")
    ]
    assert_error(client.get(f"{API}/comments", headers=own), 403)
    assert_error(client.get(f"{API}/comments?status=deleted", headers=desk), 422, "status")
    assert_error(
        client.post(f"{API}/comments/{held.id}/moderate", json={"action": "bless"}, headers=desk),
        422,
        "action",
    )
    approved = client.post(
        f"{API}/comments/{held.id}/moderate", json={"action": "approve"}, headers=desk
    )
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "approved"
    assert client.get(f"{API}/comments", headers=desk).get_json()["items"] == []
    assert client.get(f"{API}/comments?status=approved", headers=desk).get_json()["total"] == 1
    deleted = client.post(
        f"{API}/comments/{held.id}/moderate", json={"action": "delete"}, headers=desk
    )
    assert deleted.get_json()["status"] == "deleted"
    assert_error(
        client.post(f"{API}/comments/{held.id}/moderate", json={"action": "approve"}, headers=desk),
        404,
    )


def test_a_partner_sets_its_webhook_and_sees_a_made_secret_once(
    client: FlaskClient, session: Session
) -> None:
    publisher = make_publisher(session, slug="lock-keeper")
    _, own = partner(session, publisher)
    _, desk = staff(session)
    session.commit()

    assert_error(client.get(f"{API}/webhook", headers=own), 404)
    assert_error(
        client.put(f"{API}/webhook", json={"url": "ftp://x.example"}, headers=own), 422, "url"
    )
    assert_error(
        client.put(
            f"{API}/webhook",
            json={"url": "https://cms.example.org/hook", "secret": "short"},
            headers=own,
        ),
        422,
        "secret",
    )
    made = client.put(f"{API}/webhook", json={"url": "https://cms.example.org/hook"}, headers=own)
    assert made.status_code == 200, made.get_data(as_text=True)
    secret = made.get_json()["secret"]
    assert secret.startswith("whsec_")
    hook = webhook_of(session, publisher.id)
    assert hook is not None
    assert hook.secret == secret
    # Read back: never the secret; saving again keeps it and shows none.
    read = client.get(f"{API}/webhook", headers=own)
    assert read.get_json()["url"] == "https://cms.example.org/hook"
    assert "secret" not in read.get_json()
    assert secret not in read.get_data(as_text=True)
    kept = client.put(f"{API}/webhook", json={"url": "https://cms.example.org/v2"}, headers=own)
    assert "secret" not in kept.get_json()
    session.expire_all()
    assert webhook_of(session, publisher.id).secret == secret
    assert_error(client.get(f"{API}/webhook", headers=desk), 403)


def test_a_partner_reads_its_pickups(client: FlaskClient, session: Session) -> None:
    publisher = make_publisher(session, slug="tow-path")
    _, own = partner(session, publisher)
    _, desk = staff(session)
    session.commit()
    answer = client.get(f"{API}/pickups?days=7", headers=own)
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["days"] == 7
    assert len(body["daily"]) == 7
    assert all(day["views"] == 0 for day in body["daily"])
    assert_error(client.get(f"{API}/pickups?days=8", headers=own), 422, "days")
    assert_error(client.get(f"{API}/pickups", headers=desk), 403)
