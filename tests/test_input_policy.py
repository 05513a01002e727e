"""The input policy's rules (syndicate.web.inputs), and that every form of the site keeps it."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_wtf import FlaskForm

from syndicate.web.inputs import (
    CONTROL,
    INT64,
    NOT_UNICODE,
    ONE_LINE,
    BoundaryForm,
    one_line,
    parse_int,
    text_problem,
    url_problem,
)


@pytest.mark.parametrize(
    ("value", "multiline", "problem"),
    [
        ("A headline", False, None),
        ("Zoë’s café — ²", False, None),
        ("\x00", False, CONTROL),
        ("a\x00b", True, CONTROL),
        ("\ud800", True, NOT_UNICODE),
        ("bell\x07", True, CONTROL),
        ("c1\x85", True, CONTROL),
        ("tab\tinside", False, CONTROL),
        ("tab\tinside", True, None),
        ("two\r\nlines", False, ONE_LINE),
        ("two\r\nlines", True, None),
        ("line\u2028separator", False, ONE_LINE),
        ("line\u2028separator", True, None),
    ],
)
def test_text_problem(value: str, multiline: bool, problem: str | None) -> None:
    assert text_problem(value, multiline=multiline) == problem


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        (" 42 ", 42),
        ("-7", -7),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        ("\u00b2", None),
        ("\u0663", None),
        ("9" * 30, None),
        ("", None),
        (None, None),
        ("1.5", None),
    ],
)
def test_parse_int_takes_ascii_digits_in_the_column_range(
    raw: str | None, expected: int | None
) -> None:
    assert parse_int(raw) == expected


def test_parse_int_ranges() -> None:
    assert parse_int("0", 1) is None
    assert parse_int(str(2**40), *INT64) == 2**40
    assert parse_int(str(2**63), *INT64) is None


@pytest.mark.parametrize(
    ("value", "parses"),
    [
        ("https://cms.example.org/hook", True),
        ("http://[::1]:8080/", True),
        ("http://[::1", False),
        ("https://[bad]host/", False),
        ("https://example.org:99999/", False),
        ("https://example.org/\x00", False),
    ],
)
def test_url_problem(value: str, parses: bool) -> None:
    assert (url_problem(value) is None) is parses


def test_one_line_folds_what_a_header_refuses() -> None:
    assert one_line("Outlet\r\nBcc: x@example.org\u2028Two\x00") == "Outlet Bcc: x@example.org Two"
    assert one_line("Half \ud800") == "Half \ufffd"


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_form_of_the_site_keeps_the_policy(app: Flask) -> None:
    forms = {
        form
        for form in _subclasses(FlaskForm)
        if form.__module__.startswith("syndicate.") and form is not BoundaryForm
    }
    assert len(forms) >= 20
    outside = sorted(
        f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, BoundaryForm)
    )
    assert not outside, f"derive these from BoundaryForm: {outside}"
