"""Bad input gets a 4xx JSON error naming the fields at fault, and nothing is written."""

from __future__ import annotations

import io
import json

import pytest
from flask import request
from flask.testing import EnvironBuilder
from werkzeug.exceptions import RequestEntityTooLarge

from licenses.models import LicenseRequest
from syndicate.api.jsonio import ApiError, read_body
from syndicate.outbox.models import OutboxMessage
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    API,
    application,
    assert_error,
    count,
    generous_limits,
    reset_limiter,
)
from tests.factories import make_article, make_section

URL = f"{API}/license-requests"


@pytest.fixture
def nothing_written(session):
    """Check that the test's requests leave no request row and no e-mail behind."""
    before = (count(session, LicenseRequest), count(session, OutboxMessage))
    yield
    assert (count(session, LicenseRequest), count(session, OutboxMessage)) == before


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        (
            {"organization": None, "website": None, "contact_name": None},
            ["organization", "website", "contact_name"],
        ),
        ({"contact_email": "nobody"}, ["contact_email"]),
        ({"outlet_type": "pamphlet"}, ["outlet_type"]),
        ({"monthly_audience": -5}, ["monthly_audience"]),
        ({"monthly_audience": 10**13}, ["monthly_audience"]),
        ({"monthly_audience": "lots"}, ["monthly_audience"]),
        ({"monthly_audience": True}, ["monthly_audience"]),
        ({"monthly_audience": 12.5}, ["monthly_audience"]),
        ({"monthly_audience": None}, ["monthly_audience"]),
        ({"scope": {"kind": "everything"}}, ["scope.kind"]),
        ({"scope": ["all"]}, ["scope"]),
        ({"scope": {"kind": "sections", "sections": ["no-such-section"]}}, ["scope.sections"]),
        ({"scope": {"kind": "sections", "sections": []}}, ["scope.sections"]),
        ({"scope": {"kind": "article", "article": "no-such-story"}}, ["scope.article"]),
        ({"organization": "o" * 201, "message": "m" * 5001}, ["organization", "message"]),
        ({"intended_use": "u" * 2001, "contact_name": "n" * 161}, ["intended_use", "contact_name"]),
        ({"organization": 12, "website": ["x"]}, ["organization", "website"]),
        ({"colour": "blue", "admin": True}, ["colour", "admin"]),
    ],
)
def test_bad_fields_are_named(client, overrides, fields) -> None:
    body = application(**overrides)
    for name, value in overrides.items():
        if value is None:
            del body[name]
    assert_error(client.post(URL, json=body), 422, *fields)


@pytest.mark.usefixtures("nothing_written")
def test_an_empty_body_names_every_required_field(client) -> None:
    error = assert_error(
        client.post(URL, json={}),
        422,
        "organization",
        "website",
        "contact_name",
        "contact_email",
        "outlet_type",
        "monthly_audience",
    )
    assert error["code"] == "invalid"


@pytest.mark.usefixtures("nothing_written")
def test_a_draft_article_cannot_be_asked_for(client, session) -> None:
    draft = make_article(session, publish=False)
    session.commit()
    assert_error(
        client.post(URL, json=application(scope={"kind": "article", "article": draft.slug})),
        422,
        "scope.article",
    )


def test_article_and_section_scopes_are_accepted(client, session) -> None:
    section = make_section(session, slug="coast")
    story = make_article(session, section=section, slug="tide-tables")
    session.commit()
    by_section = client.post(
        URL, json=application(scope={"kind": "sections", "sections": ["coast"]})
    )
    assert by_section.status_code == 201
    assert by_section.get_json()["scope"] == {"kind": "sections", "sections": ["coast"]}
    by_story = client.post(URL, json=application(scope={"kind": "article", "article": story.slug}))
    assert by_story.status_code == 201
    assert by_story.get_json()["scope"] == {"kind": "article", "article": "tide-tables"}


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b'{"organization": "Half', "application/json", 400),
        (b"[1, 2, 3]", "application/json", 400),
        (b'"just a string"', "application/json", 400),
        (b"null", "application/json", 400),
        (b'{"monthly_audience": NaN}', "application/json", 400),
        (b"[" * 5000 + b"]" * 5000, "application/json", 400),
        (b"\xff\xfe not utf-8", "application/json", 400),
        (json.dumps(application()).encode(), "text/plain", 415),
        (json.dumps(application()).encode(), "application/x-www-form-urlencoded", 415),
        (b"organization=Harbor", "application/x-www-form-urlencoded", 415),
    ],
)
def test_unreadable_bodies(client, body, content_type, status) -> None:
    assert_error(client.post(URL, data=body, content_type=content_type), status)


@pytest.mark.usefixtures("nothing_written")
def test_a_body_over_the_limit_gets_413(client, app) -> None:
    limit = app.config["API_MAX_BODY_BYTES"]
    big = application(message="m" * limit)
    assert_error(client.post(URL, json=big), 413)


def test_an_oversized_body_without_content_length_is_refused(app) -> None:
    """A chunked upload declares no length: the reader stops at the limit all the same."""
    limit = app.config["API_MAX_BODY_BYTES"]
    payload = json.dumps(application(message="m" * limit)).encode()
    environ = EnvironBuilder(
        app,
        path=URL,
        method="POST",
        input_stream=io.BytesIO(payload),
        content_type="application/json",
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True  # what a server sets for a chunked body
    with app.request_context(environ):
        assert request.content_length is None
        with pytest.raises((ApiError, RequestEntityTooLarge)) as info:
            read_body("json", limit)
    status = info.value.status if isinstance(info.value, ApiError) else info.value.code
    assert status == 413


@pytest.mark.usefixtures("nothing_written", "reset_limiter")
def test_a_burst_of_applications_is_rate_limited(client, app, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "RATELIMIT_APPLY", "3 per minute")
    statuses = [
        client.post(URL, json=application(monthly_audience="lots")).status_code for _ in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    error = assert_error(client.post(URL, json=application()), 429)
    assert error["code"] == "too_many_requests"


@pytest.mark.usefixtures("nothing_written")
@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (json.dumps(application(organization="Valley\u0000Voice")), "organization"),
        (
            json.dumps(application(scope={"kind": "sections", "sections": ["a\u0000b"]})),
            "scope.sections",
        ),
        # A lone surrogate escape is valid JSON but not Unicode text.
        (json.dumps(application()).replace('"Millbrook Courier"', '"Mill\\ud800"'), "organization"),
        (json.dumps({**application(), "k\u0000": 1}), "k\u0000"),
    ],
)
def test_text_no_database_stores_is_refused_before_any_view(client, raw, field) -> None:
    response = client.post(URL, data=raw, content_type="application/json")
    assert_error(response, 422, field)


def test_a_nul_in_a_staff_write_is_refused_not_a_server_error(client, session) -> None:
    from tests.api_support import staff

    _, headers = staff(session)
    make_section(session, slug="rivers")
    session.commit()
    response = client.post(
        f"{API}/articles",
        json={"headline": "Flood gates", "section": "riv\u0000ers", "body": "Text."},
        headers=headers,
    )
    assert_error(response, 422, "section")
