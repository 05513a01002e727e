"""Turn staff-written Markdown or HTML into safe HTML with nh3."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "cite",
    "code",
    "em",
    "figcaption",
    "figure",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# html=True lets staff mix HTML into Markdown; nh3 cleans the result either way.
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_markdown.enable("table")
_markdown.enable("strikethrough")


_H1 = re.compile(r"<(/?)h1(\s|>)", re.IGNORECASE)
_URL_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):", re.IGNORECASE)
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]+")


def _safe_cite(_element: str, attribute: str, value: str) -> str | None:
    # nh3 checks the scheme of href and src but not of cite: apply the same allow-list.
    if attribute != "cite":
        return value
    scheme = _URL_SCHEME.match(_URL_IGNORED.sub("", value))
    if scheme and scheme.group(1).lower() not in URL_SCHEMES:
        return None
    return value


def clean_html(html: str) -> str:
    """Sanitise HTML: keep a small set of text tags, drop scripts, handlers and bad URLs.

    A body heading of level one becomes level two: the page's only ``h1`` is the headline.
    Stripping a disallowed element can leave its children nested where a parser would not
    nest them (``<h2><x><h2>``); a second pass settles that, so cleaning clean HTML is a no-op.
    """
    return _clean_once(_clean_once(_H1.sub(r"<\1h2\2", html)))


def _clean_once(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_safe_cite,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(source: str) -> str:
    """Render Markdown (with any embedded HTML) to sanitised HTML."""
    return clean_html(_markdown.render(source))


def render_body(source: str, body_format: str) -> str:
    """Sanitised HTML from a body in ``markdown`` or ``html``."""
    if body_format == "html":
        return clean_html(source)
    return render_markdown(source)
