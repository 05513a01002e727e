"""Staff HTML and Markdown come out clean."""

from __future__ import annotations

import pytest

from syndicate.content.sanitize import clean_html, render_body, render_markdown

DANGEROUS = [
    "<script>alert(1)</script><p>ok</p>",
    '<p onclick="alert(1)">ok</p>',
    "<img src=x onerror=alert(1)><p>ok</p>",
    '<a href="javascript:alert(1)">ok</a>',
    '<a href="JaVaScRiPt:alert(1)">ok</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD4=">ok</a>',
    '<iframe src="https://evil.example"></iframe><p>ok</p>',
    "<style>body{display:none}</style><p>ok</p>",
    "<svg onload=alert(1)><p>ok</p></svg>",
    '<p style="background:url(javascript:alert(1))">ok</p>',
]


@pytest.mark.parametrize("payload", DANGEROUS)
@pytest.mark.parametrize("body_format", ["html", "markdown"])
def test_dangerous_markup_is_removed(payload: str, body_format: str) -> None:
    cleaned = render_body(payload, body_format).lower()
    for bad in (
        "<script",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "data:",
        "<iframe",
        "<style",
        "style=",
        "<svg",
    ):
        assert bad not in cleaned
    assert "ok" in cleaned


def test_cleaning_is_idempotent() -> None:
    for payload in DANGEROUS:
        once = clean_html(payload)
        assert clean_html(once) == once


def test_markdown_keeps_structure_and_safe_links() -> None:
    html = render_markdown("# Heading\n\nA **bold** [link](https://example.org).\n\n> quote")
    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer"' in html
    assert "<blockquote>" in html


def test_html_headings_are_demoted() -> None:
    assert clean_html("<h1>Title</h1>") == "<h2>Title</h2>"
