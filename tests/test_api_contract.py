"""The API's models are its contract: the document's limits are the domain's, every body
refuses unknown fields, and a route without a declared operation is caught."""

from __future__ import annotations

from typing import Any

from flask import Flask

from licenses import requests as request_rules
from syndicate.api import bp as api_bp
from syndicate.api import permissions as perms
from syndicate.api.contract import document, undocumented
from syndicate.content import services as content_rules
from tests.api_support import API, assert_error, generous_limits, staff  # noqa: F401
from tests.factories import make_author, make_section


def _schemas(client: Any) -> dict[str, Any]:
    return client.get(f"{API}/openapi.json").get_json()["components"]["schemas"]


def test_the_documents_limits_are_the_domains(client) -> None:
    schemas = _schemas(client)
    article = schemas["ArticleInput"]["properties"]
    assert article["authors"]["maxItems"] == content_rules.MAX_AUTHORS
    assert article["authors"]["items"]["maxLength"] == content_rules.NAME_LENGTH
    tags = next(c for c in article["tags"]["anyOf"] if c.get("type") == "array")
    assert tags["maxItems"] == content_rules.MAX_TAGS
    assert tags["items"]["maxLength"] == content_rules.NAME_LENGTH
    assert article["headline"]["maxLength"] == content_rules.LIMITS["headline"]
    application = schemas["LicenseRequestInput"]["properties"]
    for name, limit in request_rules.TEXT_LIMITS.items():
        assert application[name]["maxLength"] == limit, name
    assert application["monthly_audience"]["maximum"] == request_rules.MAX_AUDIENCE


def test_every_json_body_refuses_unknown_fields(client) -> None:
    document_ = client.get(f"{API}/openapi.json").get_json()
    schemas = document_["components"]["schemas"]
    bodies = {
        operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for item in document_["paths"].values()
        for operation in item.values()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    assert len(bodies) >= 8
    for ref in bodies:
        assert schemas[ref.rsplit("/", 1)[1]]["additionalProperties"] is False, ref


def test_the_limits_the_document_states_are_enforced(client, session) -> None:
    make_section(session, slug="fens")
    make_author(session, slug="ada-reed")
    _, headers = staff(session)
    session.commit()
    base = {"headline": "Reeds", "section": "fens", "authors": ["ada-reed"]}
    too_many = {**base, "tags": [f"tag {n}" for n in range(content_rules.MAX_TAGS + 1)]}
    assert_error(client.post(f"{API}/articles", json=too_many, headers=headers), 422, "tags")
    long_name = {**base, "tags": ["t" * (content_rules.NAME_LENGTH + 1)]}
    assert_error(client.post(f"{API}/articles", json=long_name, headers=headers), 422, "tags")
    authors = {**base, "authors": ["ada-reed"] * (content_rules.MAX_AUTHORS + 1)}
    assert_error(client.post(f"{API}/articles", json=authors, headers=headers), 422, "authors")


def test_a_route_without_a_declared_operation_is_caught() -> None:
    bare = Flask(__name__)
    bare.config.update(SITE_NAME="T", SITE_BASE_URL="http://localhost", API_MAX_BODY_BYTES=1)
    bare.register_blueprint(api_bp, url_prefix="/api/v1")

    @perms.requires(perms.ARTICLE_READ)
    def stray() -> dict[str, str]:
        return {}

    bare.add_url_rule("/api/v1/stray", endpoint="api.stray", view_func=stray)
    assert undocumented(bare) == ["api.stray"]
    assert "/stray" not in document(bare)["paths"]


def test_the_real_api_has_no_undocumented_route(app: Flask) -> None:
    assert undocumented(app) == []


def test_unknown_query_parameters_are_refused_like_unknown_fields(client, session) -> None:
    """A typo in a filter must not silently widen the answer: it is refused, naming it."""
    _, headers = staff(session)
    session.commit()
    assert_error(client.get(f"{API}/articles?per_pag=5", headers=headers), 422, "per_pag")
    assert_error(client.get(f"{API}/licenses/1?colour=blue", headers=headers), 422, "colour")
    assert client.get(f"{API}/articles?per_page=5", headers=headers).status_code == 200
