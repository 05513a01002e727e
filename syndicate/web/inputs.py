"""The input policy at the boundary: what text, integers and URLs the service accepts.

One policy for path segments, query strings, forms and JSON bodies, so no database ever sees
what it would refuse (PostgreSQL refuses NUL in text and integers beyond the column) and no
one-line value can break the header or line it is later written into:

* text is valid Unicode (no lone surrogates) without NUL or other control characters; tab
  and line breaks only in multi-line fields, and a one-line field refuses U+2028/U+2029 too;
* integers are ASCII digits within the column's range (``int()`` alone accepts ``"٣"``, and
  ``str.isdigit()`` accepts ``"²"``, which ``int()`` refuses);
* URLs parse.

A path segment that breaks the policy is a 404; a query value a 400 page (a 422 in the API's
error shape under /api, checked by the API's own enforcement point after authentication);
forms built on :class:`BoundaryForm` show the field's own error, and JSON bodies are checked
in :mod:`syndicate.api.jsonio`.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request
from flask_wtf import FlaskForm
from werkzeug.exceptions import NotFound
from wtforms import Field, IntegerField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import StopValidation
from wtforms.widgets import TextArea

from syndicate.web.errors import error_page, json_error

INT32 = (-(2**31) + 1, 2**31 - 1)
INT64 = (-(2**63) + 1, 2**63 - 1)

NOT_UNICODE = "This text is not valid Unicode."
CONTROL = "This text contains control characters (such as NUL); remove them."
ONE_LINE = "Keep this on one line."
NOT_A_NUMBER = "Give a whole number in ordinary digits (0 to 9)."
OUT_OF_RANGE = "That number is too large."

_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 and C1 controls; a multi-line field keeps tab, line feed and carriage return.
_CONTROL_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\t]")
_LINE_BREAK = re.compile("[\r\n\u2028\u2029]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
# More digits than this cannot be in range; refusing them first keeps int() cheap.
_MAX_DIGITS = 20


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` breaks the text policy, or ``None`` when it is acceptable."""
    if _SURROGATE.search(value):
        return NOT_UNICODE
    if (_CONTROL_MULTILINE if multiline else _CONTROL).search(value):
        return CONTROL
    if not multiline and _LINE_BREAK.search(value):
        return ONE_LINE
    return None


def one_line(value: str) -> str:
    """``value`` folded onto one line: every run of whitespace and line breaks becomes one
    space, control characters go, and lone surrogates become U+FFFD (for e-mail headers)."""
    folded = " ".join(value.split())
    folded = _CONTROL.sub("", folded)
    return _SURROGATE.sub("\ufffd", folded)


def parse_int(raw: str | None, lo: int = INT32[0], hi: int = INT32[1]) -> int | None:
    """``raw`` as an integer when it is ASCII digits (an optional sign, surrounding
    whitespace ignored) within ``lo``..``hi``; ``None`` otherwise. The default range is an
    ``Integer`` column's; pass :data:`INT64` for ``BigInteger``."""
    if raw is None:
        return None
    text = raw.strip()
    if len(text) > _MAX_DIGITS + 1 or not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if lo <= value <= hi else None


def int_problem(value: Any, lo: int = INT32[0], hi: int = INT32[1]) -> str | None:
    """Why a JSON value is not an integer within ``lo``..``hi``, or ``None`` when it is."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "Give a whole number."
    if not lo <= value <= hi:
        return OUT_OF_RANGE
    return None


def url_problem(value: str) -> str | None:
    """Why ``value`` does not parse as a URL (``urlsplit`` raises for a bad bracketed host or
    port), or ``None`` when it does; whether the URL is acceptable is the caller's question."""
    problem = text_problem(value)
    if problem:
        return problem
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - reading it validates it
    except ValueError:
        return "That address could not be read."
    return None


def query_problems() -> dict[str, str]:
    """The query parameters of the current request (names and values) that break the policy."""
    problems: dict[str, str] = {}
    for name, value in request.args.items(multi=True):
        if text_problem(name):
            problems["query"] = "A parameter's name holds characters that are not accepted."
            continue
        problem = text_problem(value)
        if problem:
            problems[name] = problem
    return problems


def path_is_acceptable() -> bool:
    """Whether every text segment of the current URL's path keeps the policy."""
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and text_problem(value):
            return False
    return True


def check_request() -> Response | None:
    """The boundary check of the current request's path and query string: a 404 for a path
    segment, a 400 page (422 JSON under /api) for a query value; ``None`` when all is well."""
    if not path_is_acceptable():
        raise NotFound()
    problems = query_problems()
    if not problems:
        return None
    message = "The address holds characters that are not accepted: " + ", ".join(sorted(problems))
    if request.path.startswith("/api/"):
        return json_error(422, message, problems)
    return error_page(400, "The address holds characters that are not accepted.")


def init_app(app: Flask) -> None:
    """Check every request's path and query string before any view (and any other hook)
    runs; the API checks its own after authenticating, so an anonymous caller still gets
    401 first."""

    def _check() -> Response | None:
        if request.blueprint == "api":
            return None
        return check_request()

    app.before_request_funcs.setdefault(None, []).insert(0, _check)


def _field_problem(field: Field) -> str | None:
    multiline = isinstance(field.widget, TextArea)
    for raw in field.raw_data or ():
        if not isinstance(raw, str):
            continue
        problem = text_problem(raw, multiline=multiline)
        if problem:
            return problem
        if isinstance(field, IntegerField) and raw.strip() and parse_int(raw) is None:
            return NOT_A_NUMBER if not _INTEGER.fullmatch(raw.strip()) else OUT_OF_RANGE
    return None


def _policy_validator(_form: Any, field: Field) -> None:
    problem = _field_problem(field)
    if problem:
        # The policy's message replaces the field's own complaints about the same value
        # (WTForms adds the message of StopValidation to the emptied list).
        field.errors[:] = []
        raise StopValidation(problem)


class BoundaryForm(FlaskForm):
    """Every form of the site: each field checks the input policy before its own validators
    (a multi-line field is one drawn as a text area), so a refused value shows as that
    field's error and the form's other checks never see it."""

    class Meta(FlaskForm.Meta):
        """Binds the policy validator to every field but the CSRF token."""

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            """Bind the field, then put the policy first among its validators."""
            field = super().bind_field(form, unbound_field, options)
            if not isinstance(field, CSRFTokenField):
                field.validators = [_policy_validator, *field.validators]
            return field
