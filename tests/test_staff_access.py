"""Who may use the staff console: one enforcement point with named permissions."""

from __future__ import annotations

import pytest

from syndicate.accounts.models import Role, User
from syndicate.staff.permissions import (
    ALL_PERMISSIONS,
    ARTICLE_EDIT,
    has_permission,
    permissions_for,
    required_permission,
    requires,
)
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_publisher, make_user


def test_anonymous_visitor_is_sent_to_the_login_page(client) -> None:
    response = client.get("/staff/articles?status=draft")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert response.headers["Location"] == "/login?next=/staff/articles?status%3Ddraft"


def test_anonymous_non_html_client_gets_401(client) -> None:
    response = client.get("/staff/", headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_anonymous_post_is_refused_and_writes_nothing(client, session) -> None:
    article = make_article(session, publish=False)
    session.commit()
    response = client.post(f"/staff/articles/{article.id}/unpublish")
    # CSRF protection answers before the console does; either way nothing happens.
    assert response.status_code in (302, 400)
    session.refresh(article)
    assert article.status.value == "draft"


def test_partner_user_gets_403_everywhere(client, session) -> None:
    publisher = make_publisher(session)
    user = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    session.commit()
    assert login(client, user.email).status_code == 302
    for path in ("/staff/", "/staff/articles", "/staff/images", "/staff/images/upload"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "not allowed" in response.get_data(as_text=True)


def test_staff_user_sees_the_dashboard(client, session) -> None:
    user = make_user(session)
    make_article(session, headline="Ferry timetable shrinks for winter", publish=False)
    session.commit()
    response = login(client, user.email)
    assert response.headers["Location"] == "/staff/"
    page = client.get("/staff/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Dashboard" in html
    assert "Ferry timetable shrinks for winter" in html
    assert "css/console.css" in html
    assert page.headers["Cache-Control"] == "private, no-store"


def test_disabled_staff_user_is_locked_out(client, session) -> None:
    user = make_user(session)
    session.commit()
    login(client, user.email)
    assert client.get("/staff/").status_code == 200
    session.get(User, user.id).is_enabled = False
    session.commit()
    assert client.get("/staff/").status_code == 302


def test_post_without_csrf_token_is_refused(client, session) -> None:
    user = make_user(session)
    article = make_article(session)
    session.commit()
    login(client, user.email)
    response = client.post(f"/staff/articles/{article.id}/unpublish", data={})
    assert response.status_code == 400
    session.refresh(article)
    assert article.status.value == "published"
    token = csrf_token(client, f"/staff/articles/{article.id}")
    response = client.post(f"/staff/articles/{article.id}/unpublish", data={"csrf_token": token})
    assert response.status_code == 302
    session.refresh(article)
    assert article.status.value == "draft"


def test_every_console_view_declares_a_known_permission(app) -> None:
    endpoints = [
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")
    ]
    assert len(endpoints) >= 10
    for endpoint in endpoints:
        permission = required_permission(app.view_functions[endpoint])
        assert permission in ALL_PERMISSIONS, endpoint


def test_roles_map_to_permissions(session) -> None:
    publisher = make_publisher(session)
    staff = make_user(session)
    partner = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    assert has_permission(staff, ARTICLE_EDIT)
    assert permissions_for(partner) == frozenset()
    staff.is_enabled = False
    assert not has_permission(staff, ARTICLE_EDIT)
    with pytest.raises(ValueError, match="unknown permission"):
        requires("article:fly")
