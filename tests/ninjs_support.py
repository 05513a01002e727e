"""IPTC ninjs 2.2 for the tests: the schema (vendored in tests/standards/ninjs with its MIT
licence) and the check every ninjs answer of the suite goes through."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

SCHEMA = Path(__file__).parent / "standards" / "ninjs" / "ninjs-schema_2.2.json"
NINJS = "application/ninjs+json"


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    checker = Draft202012Validator.FORMAT_CHECKER
    # Without these the schema's "uri" and "date-time" formats would pass unchecked.
    assert {"uri", "date-time"} <= set(checker.checkers)
    return Draft202012Validator(schema, format_checker=checker)


def valid_ninjs(document: dict[str, Any]) -> dict[str, Any]:
    """``document``, after asserting that it is valid ninjs 2.2."""
    errors = sorted(_validator().iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
    return document


def asks_for_ninjs(query: dict[str, Any] | None, accept: str | None) -> bool:
    """Whether a request with this query and Accept header asks the article endpoints for
    ninjs: ``?format=ninjs``, or (no ``format``) an Accept header preferring ninjs to JSON."""
    chosen = (query or {}).get("format")
    if isinstance(chosen, list):
        chosen = chosen[0] if chosen else None
    if chosen not in (None, ""):
        return chosen == "ninjs"
    offers = parse_accept_header(accept, MIMEAccept)
    return offers.best_match(["application/json", NINJS]) == NINJS and offers[NINJS] > 0
