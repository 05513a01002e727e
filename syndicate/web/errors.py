"""Error answers: JSON under /api, a page in the site's style elsewhere; never a trace."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

ERROR_CODES = {
    400: "malformed",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}

TITLES = {
    400: "That request could not be read",
    401: "Please sign in",
    403: "You are not allowed to do that",
    404: "We could not find that page",
    405: "That action is not available here",
    409: "Someone else changed this first",
    410: "This page has been withdrawn",
    413: "That upload is too large",
    415: "That kind of file is not accepted",
    422: "Some details need another look",
    429: "Too many requests",
    500: "Something went wrong on our side",
}


# What a page says when the code gave no reason of its own (Werkzeug's stock wording is
# written for developers: "If you entered the URL manually please check your spelling").
PAGE_MESSAGES = {
    400: "Something in the request did not make sense to us. Go back and try again.",
    401: "Sign in to see this page.",
    403: "Your account does not give you access to this page.",
    404: "There is no page at this address. It may have moved, or the link may be mistyped. "
    "Try the search, or start again from the front page.",
    405: "This page cannot be used that way. Go back and try again.",
    410: "This page is no longer available.",
    413: "That was more than we accept in one go.",
    415: "We cannot read that kind of file.",
    429: "You have made many requests in a short time. Wait a minute, then try again.",
}


def wants_json() -> bool:
    """API paths answer in JSON."""
    return request.path.startswith("/api/")


def json_error(
    status: int, message: str, fields: dict[str, Any] | None = None, code: str | None = None
) -> Response:
    """A JSON error in the contract's shape."""
    body: dict[str, Any] = {
        "error": {"code": code or ERROR_CODES.get(status, "error"), "message": message}
    }
    if fields:
        body["error"]["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    return response


def error_page(status: int, message: str) -> Response:
    """An error page in the site's style."""
    html = render_template(
        "error.html", status=status, title=TITLES.get(status, "Error"), message=message
    )
    response = Response(html, status=status, mimetype="text/html")
    return response


def init_app(app: Flask) -> None:
    """Register the handlers for every HTTP error and for unexpected exceptions."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = exc.description or TITLES.get(status, "Error")
        if wants_json():
            response = json_error(status, message)
        else:
            if message == type(exc).description and status in PAGE_MESSAGES:
                message = PAGE_MESSAGES[status]
            response = error_page(status, message)
        for name, value in exc.get_headers() or []:
            if name.lower() not in {"content-type", "content-length"}:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        generic = InternalServerError().description or "Internal error"
        if wants_json():
            return json_error(500, generic)
        return error_page(500, "The error has been logged. Please try again in a moment.")
