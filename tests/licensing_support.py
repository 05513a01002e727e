"""Helpers shared by the console licensing tests: requests, a signed-in staff client."""

from __future__ import annotations

import re
import time
from itertools import count
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from licenses.eligibility import EligibilityPolicy
from licenses.models import LicenseRequest
from licenses.notifications import SiteInfo
from licenses.requests import submit_request
from syndicate.accounts.models import User
from tests.conftest import login
from tests.factories import make_user

SITE = SiteInfo(
    name="The Lantern Desk",
    base_url="http://localhost",
    licensing_email="licensing@lanterndesk.example",
    staff_email="desk@lanterndesk.example",
)
_seq = count(1)
SECRET = re.compile(r"synd_feed_[A-Za-z0-9_-]{40,}")


def make_request(session: Session, **changes: Any) -> LicenseRequest:
    """A submitted licensing request (eligible unless ``changes`` say otherwise)."""
    n = next(_seq)
    data: dict[str, Any] = {
        "organization": f"Estuary Courier {n}",
        "website": f"https://estuary-courier-{n}.example",
        "contact_name": "Pia Lindqvist",
        "contact_email": f"pia{n}@estuary-courier.example",
        "outlet_type": "newspaper",
        "monthly_audience": 40_000,
        "scope": {"kind": "all"},
        "intended_use": "Weekend print edition.",
        "message": "",
    }
    data.update(changes)
    return submit_request(session, data, policy=EligibilityPolicy(), site=SITE)


def staff_client(client: FlaskClient, session: Session, **kw: Any) -> User:
    """Create a staff user, commit, and sign ``client`` in as them (a fresh sign-in)."""
    user = make_user(session, **kw)
    session.commit()
    response = login(client, user.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return user


def make_stale(client: FlaskClient, age: int = 3600) -> None:
    """Pretend the password was entered ``age`` seconds ago."""
    with client.session_transaction() as flask_session:
        flask_session["signed_in_at"] = int(time.time()) - age


def form_token(client: FlaskClient, path: str, form_id: str | None = None) -> str:
    """The CSRF token of the page at ``path`` (of the form with ``form_id`` if given)."""
    html = client.get(path).get_data(as_text=True)
    if form_id is not None:
        html = html[html.index(f'id="{form_id}"') :]
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)
