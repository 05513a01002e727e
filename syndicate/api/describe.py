"""``GET /api/v1/openapi.json``: the document built from the operations' models."""

from __future__ import annotations

from typing import Any

from flask import current_app

from syndicate.api import permissions as perms
from syndicate.api import schemas
from syndicate.api.blueprint import bp
from syndicate.api.contract import document, operation


@bp.get("/openapi.json")
@operation("This description", tag="Meta", permission=perms.API_DESCRIBE, answer=schemas.Document)
def openapi_document() -> dict[str, Any]:
    """Serve the OpenAPI document (no credentials needed); built once per application."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached: dict[str, Any] | None = app.extensions.get("api_document")
    if cached is None:
        cached = app.extensions["api_document"] = document(app)
    return cached
