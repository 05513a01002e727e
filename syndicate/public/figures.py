"""Figures for the page: responsive image sources, captions and credits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from syndicate.content.models import Article, ArticleImage, Image
from syndicate.content.rights import composite_credit

# Layout widths the stylesheet gives each kind of figure, for the browser's pick.
LEAD_SIZES = "(min-width: 1120px) 1040px, (min-width: 720px) calc(100vw - 4rem), 100vw"
INLINE_SIZES = "(min-width: 760px) 680px, 100vw"
CARD_SIZES = "(min-width: 1120px) 340px, (min-width: 720px) 45vw, 100vw"
LEAD_CARD_SIZES = "(min-width: 1120px) 640px, (min-width: 720px) 60vw, 100vw"
# The plain ``src`` for browsers without srcset: the rendition nearest this width.
FALLBACK_WIDTH = 960

UrlFor = Callable[[str], str]


@dataclass(frozen=True)
class Picture:
    """An ``<img>``'s attributes: sources at several widths and the intrinsic size."""

    src: str
    srcset: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class Figure:
    """A figure as the article page shows it."""

    role: str
    picture: Picture
    sizes: str
    caption: str
    credit: str | None

    @property
    def lazy(self) -> bool:
        """Inline figures load when scrolled near; the lead loads at once."""
        return self.role != "lead"


def picture(image: Image, url_for_key: UrlFor) -> Picture:
    """The responsive sources of ``image``: every rendition and the original."""
    sources = [(r.width, r.storage_key) for r in image.renditions if r.width < image.width]
    sources.append((image.width, image.storage_key))
    sources.sort()
    fallback = min(sources, key=lambda source: abs(source[0] - FALLBACK_WIDTH))
    srcset = ", ".join(f"{url_for_key(key)} {width}w" for width, key in sources)
    return Picture(
        src=url_for_key(fallback[1]),
        srcset=srcset,
        width=image.width,
        height=image.height,
        alt=image.alt_text,
    )


def figure(link: ArticleImage, url_for_key: UrlFor) -> Figure:
    """The figure for one image placed in an article."""
    lead = link.role.value == "lead"
    return Figure(
        role=link.role.value,
        picture=picture(link.image, url_for_key),
        sizes=LEAD_SIZES if lead else INLINE_SIZES,
        caption=link.caption,
        credit=link.image.credit_line,
    )


@dataclass(frozen=True)
class ArticleFigures:
    """Every figure of an article page and the one line crediting them all."""

    lead: Figure | None
    inline: list[Figure]

    @property
    def all(self) -> list[Figure]:
        """The lead first, then the inline figures in order."""
        return ([self.lead] if self.lead else []) + self.inline

    @property
    def credits(self) -> str | None:
        """``Images courtesy of …`` naming each credited source once."""
        return composite_credit(fig.credit for fig in self.all)


def article_figures(article: Article, url_for_key: UrlFor) -> ArticleFigures:
    """The lead and inline figures of ``article``."""
    lead = article.lead
    return ArticleFigures(
        lead=figure(lead, url_for_key) if lead else None,
        inline=[figure(link, url_for_key) for link in article.inline_images],
    )


def card_picture(article: Article, url_for_key: UrlFor) -> Picture | None:
    """The picture a story card shows: the lead image, else the first inline one."""
    links: Sequence[ArticleImage] = article.images
    link = article.lead or (links[0] if links else None)
    return picture(link.image, url_for_key) if link else None
