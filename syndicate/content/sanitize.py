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


# Limits that keep cleaning cheap: the HTML5 tree builder's work grows with the square of
# the nesting depth (a 500 kB tower of <div> takes minutes) and with attributes per element.
# Real stories nest a dozen elements deep at most.
MAX_BODY_CHARS = 500_000
MAX_NESTING = 100
MAX_ATTRIBUTES = 50

# Tag-like tokens; ``[^<>]*`` keeps the scan linear even in a body of unclosed ``<a``.
_TAG_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)([^<>]*)")
_ATTRIBUTE = re.compile(r"[^\s\"'=/]+\s*(?:=\s*(?:\"[^\"]*\"|'[^']*'|[^\s]+))?")
_VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input"}
    | {"link", "meta", "param", "source", "track", "wbr"}
)
# Elements that an opening tag of the same name closes (``<li>a<li>b``), as parsers do.
_SIBLINGS_CLOSE = frozenset(["p", "li", "dt", "dd", "tr", "td", "th", "option"])


# Markdown is parsed in Python: its cost grows with length and, much faster, with the
# characters that start inline constructs (each ``[`` tries a link, each ``*`` an emphasis).
# A Markdown body may weigh this much, each character counting one plus its extra weight;
# plain prose of about 200,000 characters (30,000 words) fits.
MARKDOWN_BUDGET = 200_000
_MARKDOWN_WEIGHTS = {
    "[": 10,
    "(": 10,
    "|": 12,
    "*": 7,
    "!": 5,
    "_": 4,
    "`": 3,
    "~": 2,
    "&": 1,
    "<": 1,
}


class BodyRefused(ValueError):
    """A body too large or too deeply nested to clean; the message says which limit."""


def body_problem(source: str, body_format: str = "html") -> str | None:
    """Why ``source`` (HTML, or Markdown that may embed HTML) cannot be cleaned, or ``None``.

    One pass over its tag-like tokens with a stack of open elements, counting the way an
    HTML parser would nest them: implicitly closed siblings and void elements do not add
    depth, an end tag closes everything opened after its element. Unclosed tags count.
    Markdown must also stay within :data:`MARKDOWN_BUDGET`.
    """
    if len(source) > MAX_BODY_CHARS:
        return f"The body is too long: at most {MAX_BODY_CHARS:,} characters."
    if body_format == "markdown":
        weight = len(source) + sum(w * source.count(c) for c, w in _MARKDOWN_WEIGHTS.items())
        if weight > MARKDOWN_BUDGET:
            return (
                "The body is too long or too dense in Markdown markup to render "
                f"({weight:,} units for at most {MARKDOWN_BUDGET:,}, where plain text counts "
                "one per character and [ ( | * ! _ ` ~ & < count more). Shorten it, or give it "
                "as HTML."
            )
    stack: list[str] = []
    for match in _TAG_TOKEN.finditer(source):
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name) :]
            continue
        if len(_ATTRIBUTE.findall(rest)) > MAX_ATTRIBUTES:
            return (
                f"An element of the body has too many attributes (a <{name}>): "
                f"at most {MAX_ATTRIBUTES}."
            )
        if name in _VOID:
            continue
        if name in _SIBLINGS_CLOSE and stack and stack[-1] == name:
            stack.pop()
        stack.append(name)
        if len(stack) > MAX_NESTING:
            return (
                f"The body nests elements too deeply (more than {MAX_NESTING} open at once, "
                f"e.g. <{name}> inside <{stack[-2]}>). Close the elements you open."
            )
    return None


def render_markdown(source: str) -> str:
    """Render Markdown (with any embedded HTML) to sanitised HTML."""
    return clean_html(_markdown.render(source))


def render_body(source: str, body_format: str) -> str:
    """Sanitised HTML from a body in ``markdown`` or ``html``.

    Raises :class:`BodyRefused` for a body beyond the limits of :func:`body_problem`.
    """
    problem = body_problem(source, body_format)
    if problem is not None:
        raise BodyRefused(problem)
    if body_format == "html":
        return clean_html(source)
    return render_markdown(source)
