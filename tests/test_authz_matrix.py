"""The authorisation matrix: every route and method as every principal, against the policy.

The policy (tests/authz_policy.py) classifies each (rule, method); this module builds a world
with two partner publishers, staff and a disabled staff account, fills every URL parameter
with a real object of partner A, sends every request, and checks:

* every rule of the URL map is classified (a new route fails here until it is);
* no principal gets a status its class does not allow (so no unexpected 2xx);
* refused browsers are sent to the sign-in page, signed-in pages are never stored;
* partner B asking for partner A's object gets exactly what a missing id gets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from licenses.eligibility import EligibilityPolicy
from licenses.keys import create_feed_key
from licenses.requests import submit_request
from syndicate.accounts.models import Role, User
from syndicate.accounts.services import create_api_token
from syndicate.comments import services as comment_services
from syndicate.extensions import limiter
from syndicate.newswire.models import Notice, NoticeKind
from syndicate.ops.heartbeat import record_heartbeat
from syndicate.orm import utcnow
from tests.authz_policy import CLASSES, POLICY, PRINCIPALS, TO_LOGIN
from tests.conftest import csrf_token, login
from tests.factories import make_article, make_image, make_licence, make_publisher, make_user
from tests.factories import media_store_for as store_for
from tests.licensing_support import SITE

MISSING_ID = 2_000_000_000
SKIPPED_METHODS = {"HEAD", "OPTIONS"}
FIGURES: dict[str, int] = {"cells": 0, "not_yours_pairs": 0}


def routes(app: Flask) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the URL map, HEAD and OPTIONS aside."""
    found = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - SKIPPED_METHODS):
            found.append((rule, method))
    return sorted(found, key=lambda item: (item[0].rule, item[1]))


@dataclass
class World:
    """The objects and the signed-in clients of the matrix."""

    params: dict[str, Any]
    clients: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)


def _partner_user(session: Session, slug: str, email: str) -> User:
    return make_user(session, role=Role.PARTNER, publisher_slug=slug, email=email)


@pytest.fixture
def world(app: Flask, session: Session, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    for key in ("RATELIMIT_API", "RATELIMIT_APPLY", "RATELIMIT_COMMENTS", "RATELIMIT_LOGIN"):
        monkeypatch.setitem(app.config, key, "100000 per minute")
    limiter.reset()
    # A worker heartbeat that stays recent however long the walk takes: /readyz answers 200.
    monkeypatch.setitem(app.config, "HEALTH_WORKER_MAX_AGE_SECONDS", 24 * 3600)
    record_heartbeat(session)
    article = make_article(session, slug="matrix-story", tags=["Matrix topic"])
    image = make_image(session, store_for(app))
    comment = comment_services.post_comment(
        session,
        article,
        comment_services.CommentInput(name="Reader", text="A held comment."),
        secret="s",
        client_address="192.0.2.1",
        now=utcnow(),
        close_after_days=0,
    )
    publisher_a = make_publisher(session, slug="matrix-outlet-a")
    publisher_b = make_publisher(session, slug="matrix-outlet-b")
    licence_a = make_licence(session, publisher_a)
    make_licence(session, publisher_b)
    key_a, _secret = create_feed_key(session, publisher_a, actor_id=None)
    create_feed_key(session, publisher_b, actor_id=None)
    users = {
        "partner_a": _partner_user(session, publisher_a.slug, "matrix.a@example.org"),
        "partner_b": _partner_user(session, publisher_b.slug, "matrix.b@example.org"),
        "staff": make_user(session, email="matrix.staff@example.org"),
        "disabled_staff": make_user(session, email="matrix.disabled@example.org"),
    }
    request_a = submit_request(
        session,
        {
            "organization": "Matrix Outlet A",
            "website": "https://matrix-outlet-a.example",
            "contact_name": "Ines Marr",
            "contact_email": "ines@matrix-outlet-a.example",
            "outlet_type": "newspaper",
            "monthly_audience": 40_000,
            "scope": {"kind": "all"},
            "intended_use": "Print.",
            "message": "",
        },
        policy=EligibilityPolicy(),
        site=SITE,
        submitted_by=users["partner_a"],
    )
    tokens = {name: create_api_token(session, user)[1] for name, user in users.items()}
    # A second token of partner A for the token routes, so revoking it in the matrix leaves
    # the token partner A calls the API with alone.
    token_a, _secret = create_api_token(session, users["partner_a"], label="matrix")
    notice_a = Notice(
        publisher_id=publisher_a.id,
        article_id=article.id,
        kind=NoticeKind.CORRECTION,
        headline=article.headline,
        message="A matrix correction.",
    )
    session.add(notice_a)
    session.commit()

    built = World(
        params={
            "slug": article.slug,
            "key": image.storage_key,
            "filename": "css/site.css",
            "token": "not-a-valid-token",
            "key_id": key_a.id,
            "licence_id": licence_a.id,
            "request_id": request_a.id,
            "article_id": article.id,
            "image_id": image.id,
            "comment_id": comment.id,
            "publisher_id": publisher_a.id,
            "token_id": token_a.id,
            "notice_id": notice_a.id,
            "user_id": users["partner_a"].id,
            "message_id": 1,
            "action": "approve",
            "period": f"{article.released_at:%Y-%m}",
        },
        tokens=tokens,
    )
    for name in PRINCIPALS:
        client = app.test_client()
        if name in users:
            assert login(client, users[name].email).status_code == 302, name
        built.clients[name] = client
        built.csrf[name] = csrf_token(client, "/republish/apply")
    users["disabled_staff"].is_enabled = False
    session.commit()
    yield built
    limiter.reset()


def _path(rule: Rule, params: dict[str, Any], **overrides: Any) -> str:
    values = {name: overrides.get(name, params[name]) for name in rule.arguments}
    _domain, path = rule.build(values, append_unknown=False) or ("", "")
    return path


def _send(world: World, who: str, rule: Rule, method: str, path: str) -> Any:
    client = world.clients[who]
    if rule.rule.startswith("/api/"):
        headers = {}
        if who != "anonymous":
            headers["Authorization"] = f"Bearer {world.tokens[who]}"
        # The API never reads cookies: send none at all.
        bare = client.application.test_client()
        if method in {"POST", "PATCH", "PUT"}:
            return bare.open(path, method=method, json={}, headers=headers)
        return bare.open(path, method=method, headers=headers)
    if method == "GET":
        return client.get(path)
    return client.open(path, method=method, data={"csrf_token": world.csrf[who]})


def _authenticated_page(rule: Rule) -> bool:
    return rule.rule.startswith(("/staff", "/portal", "/account/password", "/logout"))


def test_every_route_is_in_the_policy(app: Flask) -> None:
    mapped = {(rule.rule, method) for rule, method in routes(app)}
    unclassified = sorted(mapped - set(POLICY))
    stale = sorted(set(POLICY) - mapped)
    assert not unclassified, f"classify these routes in tests/authz_policy.py: {unclassified}"
    assert not stale, f"tests/authz_policy.py names routes that no longer exist: {stale}"
    assert set(POLICY.values()) <= set(CLASSES)
    for name, expectations in CLASSES.items():
        assert set(expectations) == set(PRINCIPALS), name


def test_every_route_method_and_principal_gets_what_the_policy_says(
    app: Flask, world: World
) -> None:
    problems: list[str] = []
    # Those who must be refused go first, so nothing they do could have changed the objects;
    # signing out comes last for each principal.
    order = ["anonymous", "partner_b", "disabled_staff", "partner_a", "staff"]
    table = [item for item in routes(app) if (item[0].rule, item[1]) in POLICY]
    table.sort(key=lambda item: item[0].rule == "/logout")
    for who in order:
        for rule, method in table:
            expected = CLASSES[POLICY[(rule.rule, method)]][who]
            path = _path(rule, world.params)
            response = _send(world, who, rule, method, path)
            FIGURES["cells"] += 1
            status = response.status_code
            cell = f"{who:15} {method:6} {rule.rule} -> {status}"
            if status not in expected:
                problems.append(cell)
            elif expected == TO_LOGIN and "/login" not in response.headers.get("Location", ""):
                problems.append(f"{cell} (not sent to the sign-in page)")
            if (
                who in {"partner_a", "partner_b", "staff"}
                and _authenticated_page(rule)
                and status < 300
                and "no-store" not in response.headers.get("Cache-Control", "")
            ):
                problems.append(f"{cell} (signed-in page without no-store)")
            response.close()
    assert not problems, "\n".join(problems)
    print(f"\nauthorisation matrix: {FIGURES['cells']} cells")


_VOLATILE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+|\b\d{3,}\b')


def _shape(response: Any) -> Any:
    if response.is_json:
        body = response.get_json()
        return sorted(body), sorted(body.get("error", {})), body.get("error", {}).get("code")
    return _VOLATILE.sub("", response.get_data(as_text=True))


def test_not_yours_answers_exactly_like_not_there(app: Flask, world: World) -> None:
    owned = [
        (rule, method)
        for rule, method in routes(app)
        if POLICY.get((rule.rule, method))
        in {"partner-own", "api-partner-own", "api-partner-only-own"}
    ]
    assert len(owned) >= 10
    for rule, method in owned:
        id_names = [name for name in rule.arguments if name.endswith("_id")]
        assert id_names, rule.rule
        theirs = _path(rule, world.params)
        missing = _path(rule, world.params, **dict.fromkeys(id_names, MISSING_ID))
        not_yours = _send(world, "partner_b", rule, method, theirs)
        not_there = _send(world, "partner_b", rule, method, missing)
        FIGURES["not_yours_pairs"] += 1
        where = f"{method} {rule.rule}"
        assert not_yours.status_code == 404, where
        assert not_yours.status_code == not_there.status_code, where
        assert not_yours.headers.get("Content-Type") == not_there.headers.get("Content-Type")
        assert _shape(not_yours) == _shape(not_there), where
        # And partner A, whose object it is, does reach it.
        own = _send(world, "partner_a", rule, method, theirs)
        assert own.status_code != 404 or method != "GET", where
