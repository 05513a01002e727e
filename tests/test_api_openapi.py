"""The OpenAPI document: valid 3.1, and describing exactly the registered API routes."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from syndicate.api.permissions import ALL_PERMISSIONS, required_permission
from tests.api_support import API, generous_limits  # noqa: F401 - autouse fixture

IGNORED = {"HEAD", "OPTIONS"}


def _document(client) -> dict:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    document = response.get_json()
    assert isinstance(document, dict)
    return document


def _api_rules(app) -> dict[tuple[str, str], str]:
    routes = {}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path.startswith(API)
        for method in rule.methods - IGNORED:
            routes[(path[len(API) :], method.lower())] = rule.endpoint
    return routes


def test_the_document_is_valid_openapi_31(client) -> None:
    document = _document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert document["servers"][0]["url"] == "http://localhost/api/v1"
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }


def test_the_document_describes_exactly_the_registered_routes(app, client) -> None:
    document = _document(client)
    described = {
        (path, method)
        for path, operations in document["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert described == set(_api_rules(app))


def test_every_operation_matches_its_views_permission(app, client) -> None:
    document = _document(client)
    for (path, method), endpoint in _api_rules(app).items():
        view = app.view_functions[endpoint]
        permission = required_permission(view)
        assert permission in ALL_PERMISSIONS, endpoint
        operation = document["paths"][path][method]
        assert operation["x-permission"] == permission, endpoint
        assert "security" in operation
        error = operation["responses"].get("401")
        assert error == {"$ref": "#/components/responses/Unauthenticated"}
        for status, response in operation["responses"].items():
            if status.startswith("4") and "$ref" in response:
                name = response["$ref"].rsplit("/", 1)[-1]
                schema = document["components"]["responses"][name]["content"]["application/json"]
                assert schema["schema"] == {"$ref": "#/components/schemas/Error"}


def test_anonymous_operations_are_marked(client) -> None:
    paths = _document(client)["paths"]
    assert paths["/openapi.json"]["get"]["security"] == []
    assert {} in paths["/license-requests"]["post"]["security"]
    assert paths["/license-requests"]["get"]["security"] == [{"bearer": []}]
    assert "403" in paths["/license-requests/{request_id}/approve"]["post"]["responses"]
    approve = paths["/license-requests/{request_id}/approve"]["post"]
    assert "409" in approve["responses"]
    assert paths["/images"]["post"]["requestBody"]["content"].keys() == {"multipart/form-data"}
