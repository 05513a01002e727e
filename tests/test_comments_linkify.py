"""Comment text to HTML: escaped, linked safely, paragraphs kept; identity hashing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from syndicate.comments.linkify import comment_html, linkify_line
from syndicate.comments.services import (
    CommentInput,
    CommentRejected,
    client_hash,
    commenter_identity,
    comments_open,
    validate,
)


def test_markup_is_escaped() -> None:
    html = str(comment_html('<script>alert("x")</script> <img src=x onerror=alert(1)>'))
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_web_addresses_become_nofollow_links() -> None:
    html = str(comment_html("See https://example.org/a?b=1&c=2 for more."))
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc">'
        "https://example.org/a?b=1&amp;c=2</a> for more." in html
    )
    assert "target=" not in html


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(document.cookie)",
        "data:text/html,<b>x</b>",
        "ftp://files.example.org/x",
    ],
)
def test_other_schemes_stay_text(text: str) -> None:
    html = str(comment_html(text))
    assert "<a" not in html
    assert "href" not in html


def test_a_quote_cannot_break_out_of_the_link() -> None:
    html = linkify_line('http://example.org/"onmouseover="alert(1)')
    assert 'href="http://example.org/"' in html
    assert '<a href="http://example.org/" rel="nofollow ugc">' in html
    assert "&#34;onmouseover=&#34;alert(1)" in html


def test_trailing_punctuation_and_brackets_stay_outside_the_link() -> None:
    html = linkify_line("(see http://example.org/page). And https://en.example.org/a_(b).")
    assert '<a href="http://example.org/page" rel="nofollow ugc">' in html
    assert "</a>)." in html
    assert '<a href="https://en.example.org/a_(b)" rel="nofollow ugc">' in html


def test_a_scheme_without_a_host_is_not_linked() -> None:
    assert "<a" not in linkify_line("http:// nothing here, https://")


def test_paragraphs_and_line_breaks() -> None:
    html = str(comment_html("First line\r\nsecond line\n\n\nNew paragraph\x07"))
    assert html == "<p>First line<br>\nsecond line</p><p>New paragraph</p>"


def test_validation_names_each_problem() -> None:
    with pytest.raises(CommentRejected) as caught:
        validate(CommentInput(name="x" * 81, text="y" * 5001, email="not an address"))
    assert set(caught.value.fields) == {"name", "text", "email"}
    with pytest.raises(CommentRejected) as caught:
        validate(CommentInput(name="  ", text="\n\n", email="a" * 250 + "@b.org"))
    assert set(caught.value.fields) == {"name", "text", "email"}


def test_validation_normalises() -> None:
    clean = validate(CommentInput(name="  Wren   Okafor ", text=" Hi \r\n", email=" w@x.org "))
    assert (clean.name, clean.text, clean.email) == ("Wren Okafor", "Hi", "w@x.org")


def test_identity_is_a_keyed_hash_of_name_with_email_or_client() -> None:
    client = client_hash("secret", "203.0.113.9")
    assert "203.0.113.9" not in client
    assert client != client_hash("other secret", "203.0.113.9")
    by_mail = commenter_identity("secret", "Wren  Okafor", "Wren@Example.org ", client)
    assert by_mail == commenter_identity("secret", "wren okafor", "wren@example.org", "elsewhere")
    assert by_mail != commenter_identity("secret", "Someone", "wren@example.org", client)
    by_name = commenter_identity("secret", "Wren  Okafor", "", client)
    assert by_name == commenter_identity("secret", "wren okafor", "", client)
    assert by_name != commenter_identity("secret", "Wren Okafor", "", client_hash("secret", "x"))


def test_automatic_closing_counts_from_first_publication() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    fresh = cast(Any, SimpleNamespace(comments_open=True, first_published_at=now - timedelta(2)))
    old = cast(Any, SimpleNamespace(comments_open=True, first_published_at=now - timedelta(31)))
    shut = cast(Any, SimpleNamespace(comments_open=False, first_published_at=now))
    assert comments_open(fresh, now, 30)
    assert not comments_open(old, now, 30)
    assert comments_open(old, now, 0)
    assert not comments_open(shut, now, 0)
