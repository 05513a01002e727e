"""The words a reader sees in a sanitised body: what search looks in.

Search must find what the public can read and nothing else: not the staff's source (an
HTML comment, a link target, an attribute, Markdown syntax), only the text of the HTML
that :func:`syndicate.content.sanitize.render_body` made. Words split by inline markup
(``<em>harb</em>our``) stay whole; blocks are kept apart by a space.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Elements after which a reader sees a break, so the words on either side never join.
_BREAKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "div", "dl",
        "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot",
        "th", "thead", "tr", "ul",
    }
)  # fmt: skip


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BREAKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(body_html: str) -> str:
    """The text of ``body_html`` as a reader sees it, whitespace collapsed to single spaces.

    Comments, tags and attribute values are left out; character references are decoded.
    """
    collector = _TextCollector()
    collector.feed(body_html)
    collector.close()
    return " ".join("".join(collector.parts).split())
