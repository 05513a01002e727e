"""Plain comment text to safe HTML: everything escaped, web links made clickable.

Nothing a reader types is ever interpreted as markup. Only ``http://`` and ``https://``
addresses become links (so ``javascript:`` and other schemes stay text), each with
``rel="nofollow ugc"`` so that search engines give spam no credit. Blank lines separate
paragraphs; single line breaks are kept as ``<br>``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from markupsafe import Markup, escape

URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
# Characters that end a sentence more often than a URL.
TRAILING = ".,;:!?*'\""
# C0 controls other than tab and newline, and DEL, have no place in shown text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _split_trailing(url: str) -> tuple[str, str]:
    """Separate punctuation that follows a URL in prose from the URL itself."""
    tail = ""
    while url:
        last = url[-1]
        if last in TRAILING or (last == ")" and url.count("(") < url.count(")")):
            tail = last + tail
            url = url[:-1]
        else:
            break
    return url, tail


def _is_web_address(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


def _link(url: str) -> str:
    return f'<a href="{escape(url)}" rel="nofollow ugc">{escape(url)}</a>'


def linkify_line(text: str) -> str:
    """One line of text as escaped HTML with its web addresses linked."""
    out: list[str] = []
    position = 0
    for match in URL.finditer(text):
        url, tail = _split_trailing(match.group(0))
        out.append(str(escape(text[position : match.start()])))
        out.append(_link(url) if _is_web_address(url) else str(escape(url)))
        out.append(str(escape(tail)))
        position = match.end()
    out.append(str(escape(text[position:])))
    return "".join(out)


def normalise(text: str) -> str:
    """Unify line endings, drop control characters and trim the ends."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", text).strip()


def comment_html(text: str) -> Markup:
    """Render a comment's plain text as paragraphs of safe HTML."""
    paragraphs = [p for p in PARAGRAPH_BREAK.split(normalise(text)) if p.strip()]
    html = "".join(
        "<p>" + "<br>\n".join(linkify_line(line) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
    return Markup(html)  # noqa: S704 - every piece above was escaped
