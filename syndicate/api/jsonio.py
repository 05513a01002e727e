"""Reading request bodies strictly (size, media type, JSON, the input policy) and the
API's refusals. Fields are checked by the operations' models (:mod:`syndicate.api.schemas`).

Every refusal is an :class:`ApiError` rendered in the contract's error shape.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import g, request
from werkzeug.wrappers import Response

from syndicate.web.errors import json_error
from syndicate.web.inputs import INT64, int_problem, text_problem

JSON_METHODS = frozenset({"POST", "PUT", "PATCH"})


class ApiError(Exception):
    """A refusal with an HTTP status, a message and, for 422, the fields at fault."""

    def __init__(
        self,
        status: int,
        message: str,
        fields: Mapping[str, str] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})
        self.code = code

    def response(self) -> Response:
        """The JSON error response."""
        response = json_error(self.status, self.message, self.fields or None, self.code)
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def invalid(fields: Mapping[str, str], message: str | None = None) -> ApiError:
    """A 422 naming every field at fault."""
    return ApiError(
        422, message or "Some fields need another look: " + ", ".join(sorted(fields)), fields
    )


def not_found(what: str = "That") -> ApiError:
    """A 404: missing, or not the caller's (the two are indistinguishable on purpose)."""
    return ApiError(404, f"{what} was not found.")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def read_body(kind: str, limit: int) -> None:
    """Check a request body's size and media type, and parse JSON into ``g.api_json``.

    Runs before any view code: an oversized body gets 413 before it is parsed, a body
    of the wrong type 415, malformed JSON (or JSON that is not an object) 400.
    """
    g.api_json = {}
    if request.method not in JSON_METHODS:
        return
    length = request.content_length
    if length is not None and length > limit:
        raise ApiError(413, f"The request body is larger than the limit of {limit:,} bytes.")
    # One byte of room: a stream without a declared length is cut at the limit, and the
    # extra byte is how an oversized one shows.
    request.max_content_length = limit + 1
    if kind == "multipart":
        if request.mimetype != "multipart/form-data":
            raise ApiError(415, "Send this request as multipart/form-data.")
        problems = form_problems(request.form)
        if problems:
            raise invalid(problems)
        return
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise ApiError(413, f"The request body is larger than the limit of {limit:,} bytes.")
    if not data.strip():
        return
    if request.mimetype != "application/json":
        raise ApiError(415, "Send the request body as application/json.")
    try:
        parsed = json.loads(data, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "The request body is not valid JSON.") from exc
    if not isinstance(parsed, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    problems = body_problems(parsed)
    if problems:
        raise invalid(problems)
    g.api_json = parsed


# Fields whose text may run over several lines; every other text field is one line (a
# headline or an organisation's name ends up in an e-mail Subject, a feed title, a CSV cell).
MULTILINE_FIELDS = frozenset(
    {
        "body",
        "caption",
        "dek",
        "intended_use",
        "membership_override_reason",
        "message",
        "note",
        "reason",
        "term_note",
    }
)


def body_problems(body: dict[str, Any]) -> dict[str, str]:
    """The fields of ``body`` that break the input policy (:mod:`syndicate.web.inputs`),
    by dotted path through objects (a list's items answer for the list; a bad key names
    itself): text that is not Unicode, holds control characters or, outside
    :data:`MULTILINE_FIELDS`, line breaks; integers beyond a 64-bit column; infinite
    numbers. Views check narrower integer columns where they read them."""
    found: dict[str, str] = {}
    pending: list[tuple[str, str, Any]] = [("", "", body)]
    while pending:
        path, leaf, value = pending.pop()
        if isinstance(value, str):
            problem = text_problem(value, multiline=leaf in MULTILINE_FIELDS)
            if problem:
                found[path] = problem
        elif isinstance(value, int) and not isinstance(value, bool):
            problem = int_problem(value, *INT64)
            if problem:
                found[path] = problem
        elif isinstance(value, float) and not math.isfinite(value):
            found[path] = "Give a finite number."  # 1e400 parses as infinity
        elif isinstance(value, dict):
            for key, item in value.items():
                inner = f"{path}.{key}" if path else str(key)
                problem = text_problem(str(key))
                if problem:
                    found[inner] = problem
                else:
                    pending.append((inner, str(key), item))
        elif isinstance(value, list):
            pending.extend((path, leaf, item) for item in value)
    return found


def form_problems(form: Mapping[str, str]) -> dict[str, str]:
    """The fields of a multipart form that break the input policy, as for JSON bodies."""
    found: dict[str, str] = {}
    for name, value in form.items():
        if text_problem(str(name)):
            found["form"] = "A field's name holds characters that are not accepted."
            continue
        problem = text_problem(value, multiline=name in MULTILINE_FIELDS)
        if problem:
            found[str(name)] = problem
    return found


def iso(value: datetime | None) -> str | None:
    """An aware time as ISO 8601 in UTC with ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
