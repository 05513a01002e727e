"""Copy-ready republishing blocks: the partner's feed item, ready to paste into a CMS.

The block is built around the item the partner's feed carries (:mod:`.prepare`): the same
body with only the photos the partner may receive now, their credits, the "Images courtesy
of" line, the attribution paragraph, the link to the original and the partner's own
tracking image. It adds what a feed reader gets from the item's fields: the headline and
the byline, and guidance on ``rel="canonical"``. So a partner can never copy more than its
feed would give it. A plain-text variant serves CMSs that strip HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser

from markupsafe import escape

from feeds.items import PartnerItem
from syndicate.syndication.prepare import PartnerContext
from syndicate.syndication.snapshot import FeedArticle

# The formats a copy is counted under.
COPY_FORMATS = ("html", "text")


@dataclass(frozen=True)
class RepublishCopy:
    """What the desk offers to copy for one story."""

    html: str
    text: str
    canonical_url: str

    @property
    def canonical_tag(self) -> str:
        """The ``<link rel="canonical">`` element for the republished page's ``<head>``."""
        return f'<link rel="canonical" href="{escape(self.canonical_url)}">'


def byline(authors: tuple[str, ...], site_name: str) -> str:
    """``By A, B and C, Site``: the byline a republished story keeps."""
    names = list(authors)
    if not names:
        return f"By {site_name}"
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"By {joined}, {site_name}"


def republish_copy(article: FeedArticle, item: PartnerItem, ctx: PartnerContext) -> RepublishCopy:
    """The copy-ready HTML and plain text of ``item`` (the partner's item of ``article``,
    tracking image included)."""
    canonical = ctx.article_url(article.slug)
    guidance = (
        f"<!-- Republished from {escape(ctx.site_name)} under its republishing terms "
        f"({escape(ctx.license_url)}). Please add to the <head> of this page: "
        f'<link rel="canonical" href="{escape(canonical)}"> -->'
    )
    line = byline(article.authors, ctx.site_name)
    html = "\n".join(
        [
            guidance,
            '<article class="republished">',
            f"<h1>{escape(article.headline)}</h1>",
            f'<p class="byline">{escape(line)}</p>',
            item.content_html,
            "</article>",
        ]
    )
    body_text = html_to_text(item.content_html)
    text = "\n\n".join(part for part in (article.headline, line, body_text) if part) + "\n"
    return RepublishCopy(html=html + "\n", text=text, canonical_url=canonical)


# Elements that end a paragraph of the plain text.
_BLOCKS = frozenset(
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "ul", "ol",
        "figure", "figcaption", "pre", "table", "tr", "hr", "br", "article", "section",
    }
)  # fmt: skip


class _PlainText(HTMLParser):
    """Paragraphs of text; a link keeps its address after its words; images leave none."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._links: list[str | None] = []

    def _flush(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Start a paragraph at a block; remember a link's address."""
        if tag in _BLOCKS and tag != "figcaption":
            self._flush()
        if tag == "li":
            self._current.append("• ")
        if tag == "figcaption":
            self._current.append(" ")
        if tag == "a":
            self._links.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        """End a paragraph at a block; write a link's address after its words."""
        if tag == "a" and self._links:
            href = self._links.pop()
            words = "".join(self._current).strip()
            if href and href.startswith(("http://", "https://")) and not words.endswith(href):
                self._current.append(f" ({href})")
        if tag in _BLOCKS and tag != "figcaption":
            self._flush()

    def handle_data(self, data: str) -> None:
        """Text as it is."""
        self._current.append(data)

    def close(self) -> None:
        """Flush what is left."""
        super().close()
        self._flush()


def html_to_text(html: str) -> str:
    """``html`` as plain paragraphs separated by blank lines (comments and images left out)."""
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "\n\n".join(parser.paragraphs)
