"""Shared helpers for the API tests: credentials, licences and generous rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from licenses.keys import create_feed_key
from licenses.models import License, LicenseKind, LicenseStatus, Publisher, ScopeKind
from licenses.terms import current_terms
from syndicate.accounts.models import Role, User
from syndicate.accounts.services import create_api_token
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from tests.factories import make_user

API = "/api/v1"


@pytest.fixture(autouse=True)
def generous_limits(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API tests make many requests from one address: lift the limits they are not testing."""
    monkeypatch.setitem(app.config, "RATELIMIT_APPLY", "100000 per minute")
    monkeypatch.setitem(app.config, "RATELIMIT_API", "100000 per minute")


def bearer(secret: str) -> dict[str, str]:
    """The Authorization header for ``secret``."""
    return {"Authorization": f"Bearer {secret}"}


def staff(session: Session) -> tuple[User, dict[str, str]]:
    """A staff user and the headers of a fresh API token of theirs."""
    user = make_user(session, role=Role.STAFF)
    _, secret = create_api_token(session, user, label="tests")
    return user, bearer(secret)


def partner(session: Session, publisher: Publisher) -> tuple[User, dict[str, str]]:
    """A partner user of ``publisher`` and the headers of a fresh API token of theirs."""
    user = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    _, secret = create_api_token(session, user, label="tests")
    return user, bearer(secret)


def feed_key(session: Session, publisher: Publisher) -> tuple[int, dict[str, str]]:
    """A feed key of ``publisher``: its id and the headers that present it."""
    key, secret = create_feed_key(session, publisher, label="tests", actor_id=None)
    return key.id, bearer(secret)


def grant(
    session: Session,
    publisher: Publisher,
    *,
    scope: ScopeKind = ScopeKind.ALL,
    sections: list[str] | None = None,
    article_id: int | None = None,
    status: LicenseStatus = LicenseStatus.ACTIVE,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> License:
    """A licence for ``publisher`` (in force unless told otherwise)."""
    licence = License(
        publisher=publisher,
        kind=LicenseKind.STANDARD,
        scope_kind=scope,
        scope_sections=sections or [],
        scope_article_id=article_id,
        terms=current_terms(session),
        starts_at=starts_at or utcnow() - timedelta(minutes=5),
        ends_at=ends_at,
        status=status,
    )
    session.add(licence)
    session.flush()
    return licence


def application(**overrides: Any) -> dict[str, Any]:
    """A complete, eligible application body."""
    data: dict[str, Any] = {
        "organization": "Millbrook Courier",
        "website": "https://www.millbrookcourier.example",
        "contact_name": "Odile Varga",
        "contact_email": "odile@millbrookcourier.example",
        "outlet_type": "newspaper",
        "monthly_audience": 85_000,
        "scope": {"kind": "all"},
        "intended_use": "Our Sunday edition and website.",
        "message": "We cover the same valley.",
    }
    data.update(overrides)
    return data


def count(session: Session, model: Any) -> int:
    """How many rows ``model`` has, as the test's transaction sees them."""
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def assert_error(response: Any, status: int, *fields: str) -> dict[str, Any]:
    """Check the contract's error shape, the status and that ``fields`` are all named."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert isinstance(error["code"], str)
    assert error["code"]
    assert isinstance(error["message"], str)
    assert error["message"]
    for name in fields:
        assert name in error.get("fields", {}), error
    return dict(error)


@pytest.fixture
def reset_limiter() -> Iterator[None]:
    """Start and end a test with empty rate-limit counters."""
    limiter.reset()
    yield
    limiter.reset()
