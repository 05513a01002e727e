"""The audit log in the console: decisions appear, filters narrow, values are escaped."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate import audit
from syndicate.staff.licensing_display import diff
from tests.conftest import csrf_token
from tests.factories import make_user
from tests.licensing_support import make_request, staff_client


def decide(client: FlaskClient, request_id: int, action: str, **data: str) -> int:
    token = csrf_token(client, "/staff/reauth")
    response = client.post(
        f"/staff/license-requests/{request_id}/{action}", data={"csrf_token": token, **data}
    )
    return response.status_code


def test_decisions_appear_newest_first_with_actor_and_diff(
    client: FlaskClient, session: Session
) -> None:
    approved = make_request(session, organization="Audit Approved Ltd")
    rejected = make_request(session, organization="Audit Rejected Ltd")
    staff = staff_client(client, session)
    assert decide(client, approved.id, "approve") == 200
    assert decide(client, rejected.id, "reject", reason="Outside our region.") == 303
    html = client.get("/staff/audit").get_data(as_text=True)
    assert "license_request.approve" in html
    assert "license_request.reject" in html
    assert "license.create" in html
    assert "feed_key.create" in html
    assert staff.email in html
    rows = html[html.index("<tbody>") :]
    assert rows.index("license_request.reject") < rows.index("license_request.approve")
    # before → after, key by key
    assert "Outside our region." in html
    assert '<del class="diff__old">submitted</del> → <ins class="diff__new">rejected</ins>' in html


def test_filters_by_actor_object_and_action(client: FlaskClient, session: Session) -> None:
    other = make_user(session, email="other-editor@example.org")
    audit.record(
        session,
        actor_id=other.id,
        action="license.suspend",
        object_type="license",
        object_id=424242,
        before={"status": "active"},
        after={"status": "suspended"},
    )
    audit.record(
        session,
        actor_id=None,
        action="license.expire",
        object_type="license",
        object_id=535353,
        after={"status": "expired"},
    )
    found = make_request(session, organization="Filterable Fen Gazette")
    staff = staff_client(client, session)
    assert decide(client, found.id, "reject", reason="No.") == 303

    def shows(query: str) -> dict[str, bool]:
        html = client.get(f"/staff/audit?{query}").get_data(as_text=True)
        return {
            "suspend": "license #424242" in html,
            "expire": "license #535353" in html,
            "reject": f"license_request #{found.id}" in html,
        }

    assert shows("actor=other-editor@example.org") == {
        "suspend": True,
        "expire": False,
        "reject": False,
    }
    assert shows(f"actor={staff.email.upper()}")["reject"] is True
    assert shows(f"actor={staff.email}")["suspend"] is False
    assert shows("actor=system")["expire"] is True
    assert shows("actor=system")["suspend"] is False
    assert shows("object_type=license&object_id=424242") == {
        "suspend": True,
        "expire": False,
        "reject": False,
    }
    assert shows(f"object_type=license_request&object_id={found.id}")["reject"] is True
    assert shows("action=license.expire") == {"suspend": False, "expire": True, "reject": False}
    html = client.get("/staff/audit?action=license.expire").get_data(as_text=True)
    assert '<option value="license.expire" selected>' in html
    assert '<option value="license_request.reject">' in html
    assert "No events match" in client.get("/staff/audit?actor=nobody@nowhere.example").get_data(
        as_text=True
    )


def test_values_are_escaped(client: FlaskClient, session: Session) -> None:
    audit.record(
        session,
        actor_id=None,
        action="license_request.submit",
        object_type="license_request",
        object_id="<b>7</b>",
        after={"organization": "<script>alert(1)</script>", "<img src=x onerror=alert(1)>": 1},
    )
    staff_client(client, session)
    html = client.get("/staff/audit").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x onerror=alert(1)>" not in html
    assert "<b>7</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_paginates(client: FlaskClient, session: Session, app: Flask, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "SITE_PAGE_SIZE", 2)
    for n in range(3):
        audit.record(session, actor_id=None, action="test.page", object_type="t", object_id=n)
    staff_client(client, session)
    first = client.get("/staff/audit?action=test.page").get_data(as_text=True)
    older = re.search(r'rel="next" href="([^"]+)"', first)
    assert older
    assert "action=test.page" in older.group(1)
    second = client.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert first.count("t #") == 2
    assert second.count("t #") == 1


def test_diff_lists_every_key_with_old_and_new() -> None:
    changes = diff({"status": "active", "ends_at": None}, {"status": "revoked", "reason": "x"})
    assert [(c.key, c.before, c.after, c.changed) for c in changes] == [
        ("status", "active", "revoked", True),
        ("ends_at", "null", "—", True),
        ("reason", "—", "x", True),
    ]
    assert diff(None, None) == []
    same = diff({"a": [1, 2]}, {"a": [1, 2]})
    assert same[0].changed is False
    assert same[0].after == "[1, 2]"
