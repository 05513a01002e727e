"""Turn public articles into feed items (summaries only) and serve them with caching."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from flask import Response, url_for
from werkzeug.wrappers import Response as BaseResponse

from feeds.items import FeedCategory, FeedItem, FeedMeta
from feeds.text import tag_uri
from syndicate.content.models import Article
from syndicate.content.services import shown_modified
from syndicate.web.headers import make_public_cacheable

FEED_SIZE = 50
# An empty feed still needs a fixed date, or its bytes would change on every request.
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)


def absolute(base_url: str, endpoint: str, **values: Any) -> str:
    """The canonical absolute URL of ``endpoint``, on the configured site address."""
    return base_url.rstrip("/") + url_for(endpoint, **values)


class Released(Protocol):
    """The two times an article's last change is read from."""

    @property
    def released_at(self) -> datetime | None: ...

    @property
    def content_updated_at(self) -> datetime | None: ...


def article_updated(article: Released, now: datetime) -> datetime:
    """When the public copy of ``article`` last changed, as shown at ``now``."""
    released = article.released_at
    assert released is not None
    return shown_modified(released, (article.content_updated_at,), now)


def article_item(article: Article, base_url: str, now: datetime) -> FeedItem:
    """The summary item for one public article; its id survives renames and revisions."""
    released = article.released_at
    assert released is not None
    minted = article.first_published_at or released
    return FeedItem(
        id=tag_uri(base_url, minted, f"articles/{article.id}"),
        title=article.headline,
        link=absolute(base_url, "public.article", slug=article.slug),
        summary=article.dek,
        published=released,
        updated=article_updated(article, now),
        authors=tuple(author.name for author in article.authors),
        categories=(FeedCategory(article.section.slug, article.section.name),),
    )


def feed_meta(config: Any, items: Sequence[FeedItem], *, endpoint: str) -> FeedMeta:
    """The feed's own fields; it changed when its newest-changed item did."""
    base_url = config["SITE_BASE_URL"]
    updated = max((item.updated for item in items), default=EMPTY_FEED_UPDATED)
    return FeedMeta(
        id=absolute(base_url, endpoint),
        title=config["SITE_NAME"],
        subtitle=config["SITE_TAGLINE"],
        site_url=absolute(base_url, "public.home"),
        self_url=absolute(base_url, endpoint),
        updated=updated,
        language=config["SITE_LANGUAGE"],
        author=config["SITE_NAME"],
    )


def feed_response(body: bytes, media_type: str, updated: datetime) -> BaseResponse:
    """Serve feed bytes like a public page (:func:`make_public_cacheable`), Last-Modified
    its newest item's date."""
    response = Response(body, content_type=media_type)
    response.last_modified = updated
    return make_public_cacheable(response)
