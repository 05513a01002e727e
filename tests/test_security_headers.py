"""Security headers on every kind of response, in development and in production.

HTML page, JSON API answer, API error, error page, public and partner feeds, static file,
media file, redirect, the tracking pixel and a refused oversized body: each carries the
Content Security Policy, nosniff and a Referrer-Policy; production adds HSTS. Pages behind
a sign-in are never stored by a cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from syndicate.accounts.models import Role
from syndicate.database import Database
from tests.conftest import login, sibling_app
from tests.factories import make_article, make_feed_partner, make_image, make_user, media_store_for


@dataclass
class Kinds:
    """One request of each kind of response, ready to be sent by any client."""

    requests: dict[str, Callable[[FlaskClient], Any]]


@pytest.fixture
def kinds(app: Flask, session: Session) -> Kinds:
    article = make_article(session, slug="headers-story")
    image = make_image(session, media_store_for(app))
    _publisher, feed_secret = make_feed_partner(session)
    session.commit()
    auth = {"Authorization": f"Bearer {feed_secret}"}
    return Kinds(
        {
            "html page": lambda c: c.get(f"/articles/{article.slug}"),
            "front page": lambda c: c.get("/"),
            "json api": lambda c: c.get("/api/v1/openapi.json"),
            "json api error": lambda c: c.get("/api/v1/license-requests"),
            "error page": lambda c: c.get("/no/such/page"),
            "method not allowed": lambda c: c.put("/"),
            "public feed": lambda c: c.get("/feeds/public.atom"),
            "partner feed": lambda c: c.get("/feeds/partner.rss", headers=auth),
            "partner feed refused": lambda c: c.get("/feeds/partner.json"),
            "static file": lambda c: c.get("/static/css/site.css"),
            "media file": lambda c: c.get(f"/media/{image.storage_key}"),
            "redirect": lambda c: c.get("/staff/"),
            "too large": lambda c: c.post(
                "/login",
                data=b"x" * (int(app.config["MAX_CONTENT_LENGTH"]) + 1),
                content_type="application/x-www-form-urlencoded",
            ),
        }
    )


def _check_common(name: str, response: Any) -> None:
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ")[0]: part.strip() for part in csp.split(";") if part}
    assert directives.get("object-src") == "object-src 'none'", (name, csp)
    assert directives.get("base-uri") == "base-uri 'none'", (name, csp)
    assert "frame-ancestors" in directives, (name, csp)
    assert "'unsafe-inline'" not in directives.get("script-src", ""), (name, csp)
    assert headers.get("X-Content-Type-Options") == "nosniff", name
    assert headers.get("Referrer-Policy") in {
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    }, name


EXPECTED_STATUS = {
    "html page": 200,
    "front page": 200,
    "json api": 200,
    "json api error": 401,
    "error page": 404,
    "method not allowed": 405,
    "public feed": 200,
    "partner feed": 200,
    "partner feed refused": 401,
    "static file": 200,
    "media file": 200,
    "redirect": 302,
    "too large": 413,
}


def test_every_kind_of_response_has_the_headers_in_development(app, client, kinds) -> None:
    assert set(kinds.requests) == set(EXPECTED_STATUS)
    for name, send in kinds.requests.items():
        response = send(client)
        assert response.status_code == EXPECTED_STATUS[name], (name, response.status_code)
        _check_common(name, response)
        # HSTS over plain HTTP on a developer's machine would lock localhost to HTTPS.
        assert "Strict-Transport-Security" not in response.headers, name
        response.close()


@pytest.fixture
def production_app(app: Flask, db: Database) -> Iterator[Flask]:
    """The application as configured for production, sharing the test's transaction."""
    with sibling_app(app, db, ENV="production") as production:
        yield production


def test_every_kind_of_response_has_the_headers_in_production(production_app, kinds) -> None:
    client = production_app.test_client()
    for name, send in kinds.requests.items():
        response = send(client)
        assert response.status_code == EXPECTED_STATUS[name], (name, response.status_code)
        _check_common(name, response)
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert hsts.startswith("max-age="), name
        assert int(hsts.split("=")[1].split(";")[0]) >= 15_552_000, name  # at least 180 days
        response.close()


def test_maximum_body_size_is_set_and_enforced(app, client) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert isinstance(limit, int)
    assert app.config["UPLOADS_MAX_BYTES"] < limit <= 64 * 1024 * 1024
    huge = b"x" * (limit + 1)
    for path in ("/login", "/republish/apply", "/staff/images/upload"):
        response = client.post(path, data=huge, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 413, path
    response = client.post("/api/v1/license-requests", data=huge, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"


def _get_rules(app: Flask, prefix: str) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix) and "GET" in (rule.methods or set()) and not rule.arguments
    )


def _assert_no_store(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code in {200, 302, 303}, (path, response.status_code)
    assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_signed_in_pages_are_never_stored(app, client, session) -> None:
    staff = make_user(session, email="headers.staff@example.org")
    session.commit()
    assert login(client, staff.email).status_code == 302
    pages = [*_get_rules(app, "/staff/"), *_get_rules(app, "/account/"), "/", "/search"]
    assert "/staff/" in pages
    for path in pages:
        _assert_no_store(client, path)


def test_partner_portal_pages_are_never_stored(app, client, session) -> None:
    partner, _secret = make_feed_partner(session)
    user = make_user(session, role=Role.PARTNER, publisher_slug=partner.slug)
    session.commit()
    assert login(client, user.email).status_code == 302
    pages = _get_rules(app, "/portal/")
    assert "/portal/" in pages
    for path in [*pages, "/account/password"]:
        _assert_no_store(client, path)


def test_anonymous_public_pages_stay_cacheable(client, session) -> None:
    make_article(session, slug="cacheable-story")
    session.commit()
    response = client.get("/articles/cacheable-story")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
