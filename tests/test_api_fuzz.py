"""Fuzzing the JSON API from its own OpenAPI description, in process.

Schemathesis generates requests for every operation of /api/v1/openapi.json (valid and
invalid parameters and bodies). Each generated request is sent three times: with no
credentials, with a partner's token and with a staff token. Whatever is sent, the API never
answers 5xx; every answer conforms to the document (a documented status, content type and
schema); a request the document calls invalid is refused (4xx), never accepted; every ninjs
answer (an article, or each item of a page, asked for with ``format=ninjs`` or the Accept
header) is valid IPTC ninjs 2.2; and an operation whose declared security needs credentials
answers 401 to an anonymous caller (or 404/405 when the generated path matches no route at
all).

Bounded: 6 examples per operation (50 at the thorough depth), derandomised, every request
inside the test's transaction, so nothing it creates outlives the test.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session
from werkzeug.exceptions import MethodNotAllowed, NotFound

from syndicate.api import bp as api_bp
from syndicate.api import permissions as perms
from syndicate.api.contract import document
from tests.api_support import (  # noqa: F401 - generous_limits is an autouse fixture
    application,
    generous_limits,
    partner,
    staff,
)
from tests.depth import examples
from tests.factories import make_article, make_publisher
from tests.ninjs_support import NINJS, asks_for_ninjs, valid_ninjs

# Per operation and caller: valid, invalid and hostile data mixed (CI runs the thorough count).
EXAMPLES_PER_OPERATION = examples(50, 6)

# Values every boundary must refuse or take without a server error: NUL (PostgreSQL refuses
# it in text), a lone surrogate (not Unicode; only a JSON escape can carry it), digits that
# str.isdigit() accepts and int() refuses or that are not ASCII, integers at and past the
# 32- and 64-bit column limits, and line breaks for one-line fields.
HOSTILE_TEXT = ["\x00", "a\x00b", "\u00b2", "\u0663", "9" * 30, "line\r\nbreak", "\u2028"]
HOSTILE_BODY_VALUES = [*HOSTILE_TEXT, "\ud800", 2**31, -(2**31), 2**63, -(2**63) - 1, 10**30]
OPENAPI = "/api/v1/openapi.json"
# The published story of the fixture: operations on an article also run on it, so reads answer
# 200 (as JSON or ninjs) and writes reach their checks instead of stopping at 404.
STORY = "fuzzed-story"

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

# Counted across the run so the report can quote them.
FIGURES = {"examples": 0, "requests": 0, "ninjs_documents": 0}


@pytest.fixture
def api_schema(app: Flask, db: Any) -> Any:
    """The API's own description, loaded from the app in process."""
    return schemathesis.openapi.from_wsgi(OPENAPI, app)


@pytest.fixture
def credentials(session: Session) -> dict[str, dict[str, str]]:
    """Headers for each kind of caller, plus a published story for the reads to find."""
    make_article(session, slug=STORY)
    _staff_user, staff_headers = staff(session)
    _partner_user, partner_headers = partner(session, make_publisher(session))
    session.commit()
    return {"anonymous": {}, "partner": partner_headers, "staff": staff_headers}


def _operation_labels() -> list[str]:
    """The operations of the generated document (the API alone, without a database)."""
    bare = Flask(__name__)
    bare.config.update(SITE_NAME="Fuzz", SITE_BASE_URL="http://localhost", API_MAX_BODY_BYTES=65536)
    bare.register_blueprint(api_bp, url_prefix="/api/v1")
    paths = document(bare)["paths"]
    return sorted(f"{method.upper()} {path}" for path, item in paths.items() for method in item)


def _needs_credentials(case: Any) -> bool:
    definition = case.operation.definition.raw
    permission = definition.get("x-permission")
    security = definition.get("security", [])
    declared_protected = bool(security) and {} not in security
    # The document and the code must agree: protected exactly when anonymous lacks the right.
    assert declared_protected == (permission not in perms.ROLE_PERMISSIONS[perms.ANONYMOUS])
    return declared_protected


def _routes_to_a_view(app: Flask, case: Any) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(f"/api/v1{case.formatted_path}", method=case.method.upper())
    except (NotFound, MethodNotAllowed):
        return False
    return True


def _check(app: Flask, case: Any, credentials: dict[str, dict[str, str]]) -> None:
    FIGURES["examples"] += 1
    for who, headers in credentials.items():
        sent = {**(case.headers or {}), **headers}
        response = case.call(headers=sent)
        FIGURES["requests"] += 1
        status = response.status_code
        where = f"{who}: {case.method} {case.formatted_path} -> {status}"
        assert status < 500, where
        case.validate_response(response, checks=CHECKS, headers=sent)
        content_type = (response.headers.get("content-type") or [""])[0]
        if status == 204:
            # A partner may revoke its own token here: an empty answer that claims no type.
            assert response.content == b"", where
            assert not content_type, where
        else:
            assert content_type.startswith("application/json") or (
                content_type.startswith(NINJS) and _ninjs_asked(case, sent)
            ), where
        for document_ in _ninjs_documents(case, sent, response, content_type):
            valid_ninjs(document_)
            FIGURES["ninjs_documents"] += 1
        if who == "anonymous" and _needs_credentials(case):
            expected = {401} if _routes_to_a_view(app, case) else {401, 404, 405}
            assert status in expected, where


def _ninjs_asked(case: Any, sent: dict[str, str]) -> bool:
    accept = next((v for k, v in sent.items() if k.lower() == "accept"), None)
    return asks_for_ninjs(case.query, accept)


def _ninjs_documents(
    case: Any, sent: dict[str, str], response: Any, content_type: str
) -> list[dict[str, Any]]:
    """The ninjs documents of an answer: the article, or the items of a page of articles."""
    if response.status_code != 200:
        return []
    if content_type.startswith(NINJS):
        return [response.json()]
    if case.method.upper() == "GET" and case.path == "/articles" and _ninjs_asked(case, sent):
        items: list[dict[str, Any]] = response.json()["items"]
        return items
    return []


def _with_hostile(case: Any, value: Any, pick: int) -> Any:
    """``case`` with one of its path parameters, query parameters (declared ones included)
    or JSON body fields (one level into objects and lists) set to a hostile value."""
    definition = case.operation.definition.raw
    declared = [p["name"] for p in definition.get("parameters", []) if p.get("in") == "query"]
    targets: list[tuple[str, Any]] = []
    if isinstance(value, str) and "\ud800" not in value:
        targets += [("path", name) for name in case.path_parameters or {}]
        targets += [("query", name) for name in sorted(set(case.query or {}) | set(declared))]
    if isinstance(case.body, dict) and case.media_type == "application/json":
        for key, inner in case.body.items():
            targets.append(("body", (key,)))
            if isinstance(inner, dict):
                targets += [("body", (key, name)) for name in inner]
            elif isinstance(inner, list) and inner and isinstance(inner[0], dict):
                targets += [("body", (key, 0, name)) for name in inner[0]]
    if not targets:
        return case
    where, name = targets[pick % len(targets)]
    if where == "path":
        case.path_parameters = {**case.path_parameters, name: value}
    elif where == "query":
        case.query = {**(case.query or {}), name: value}
    else:
        holder = case.body
        for step in name[:-1]:
            holder = holder[step]
        holder[name[-1]] = value
    return case


def _hostile_cases(operation: Any) -> Any:
    """Valid requests with one hostile value each."""
    return st.builds(
        _with_hostile,
        operation.as_strategy(GenerationMode.POSITIVE),
        st.sampled_from(HOSTILE_BODY_VALUES),
        st.integers(min_value=0, max_value=1000),
    )


def _on_the_story(case: Any) -> Any:
    case.path_parameters = {**(case.path_parameters or {}), "slug": STORY}
    return case


@pytest.mark.parametrize("label", _operation_labels())
def test_no_server_errors_and_declared_authentication_holds(
    label: str, app: Flask, api_schema: Any, credentials: dict[str, dict[str, str]]
) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        _hostile_cases(operation),
    ]
    if "{slug}" in path:
        strategies.append(st.builds(_on_the_story, operation.as_strategy(GenerationMode.POSITIVE)))
    cases = st.one_of(strategies)

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases)
    def fuzz(case: Any) -> None:
        _check(app, case, credentials)

    fuzz()


def test_the_fuzzers_ninjs_answers_are_checked_against_the_iptc_schema(
    app: Flask, api_schema: Any, credentials: dict[str, dict[str, str]]
) -> None:
    """The ninjs answers the fuzzer can meet (an article, a page of them; by ``format`` or by
    Accept) go through the same checks, the IPTC schema among them."""
    read = api_schema["/articles/{slug}"]["GET"]
    listed = api_schema["/articles"]["GET"]
    before = FIGURES["ninjs_documents"]
    for case in (
        read.Case(path_parameters={"slug": STORY}, query={"format": "ninjs"}),
        read.Case(path_parameters={"slug": STORY}, headers={"Accept": NINJS}),
        listed.Case(query={"format": "ninjs"}),
        listed.Case(headers={"Accept": NINJS}),
    ):
        _check(app, case, credentials)
    # The staff token reads the story in each of the four answers (partners hold no licence).
    assert FIGURES["ninjs_documents"] - before == 4


def test_the_fuzzer_covers_every_routed_operation(app: Flask) -> None:
    def label(method: str, rule: str) -> str:
        path = rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{")
        return f"{method} {path.replace('>', '}')}"

    routed = {
        label(method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    fuzzed = set(_operation_labels())
    assert routed == fuzzed, f"routed but not described: {routed - fuzzed}"
    assert len(fuzzed) >= 20


def test_a_huge_id_is_not_found_rather_than_a_server_error(client, credentials) -> None:
    for path in ("/api/v1/feed-keys/99999999999999999999", "/api/v1/licenses/2147483648"):
        response = client.get(path, headers=credentials["staff"])
        assert response.status_code == 404, path
    response = client.get("/staff/articles/99999999999999999999")
    assert response.status_code in {302, 404}


@pytest.mark.parametrize("website", ["http://[A-Z]/", "[::1", "https://[bad]host/"])
def test_a_malformed_website_is_invalid_rather_than_a_server_error(client, website) -> None:
    # Found by the fuzzer: urlsplit raises ValueError for a bracketed non-IP host.
    response = client.post("/api/v1/license-requests", json=application(website=website))
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "website" in response.get_json()["error"]["fields"]


def test_a_multipart_part_without_a_name_is_invalid(client, credentials) -> None:
    # Found by the fuzzer: the nameless part's key is None, which broke sorting the names.
    body = (
        b"--b\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n"
        b'--b\r\nContent-Disposition: form-data; name="alt_text"\r\n\r\nAlt\r\n--b--\r\n'
    )
    response = client.post(
        "/api/v1/images",
        data=body,
        content_type="multipart/form-data; boundary=b",
        headers=credentials["staff"],
    )
    assert response.status_code == 422, response.get_data(as_text=True)
