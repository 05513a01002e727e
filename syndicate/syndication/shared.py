"""Partner-independent feed material, shared by every partner's render at one content version.

After a change raises the content version, every partner's feed is rendered again, mostly
from the same stories. The first render reads each story (:mod:`.snapshot`) and prepares its
item as every partner receives it, tracking image aside (:func:`.prepare.shared_item`); the
next ones take both from the store (:mod:`.cache`), labelled with the version, the moment it
rose and the feed settings. A shared item is also keyed on its time state
(:func:`.prepare.shared_state`), so an embargo ending or a photo permission lapsing makes a
new key. Each is charged its text and a fixed allowance per object it holds: a bound the
tests check by walking the objects, at a small part of that walk's cost.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Iterable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from feeds.items import PartnerItem
from syndicate.syndication.cache import Store
from syndicate.syndication.prepare import PartnerContext, shared_item, shared_state
from syndicate.syndication.snapshot import FeedArticle, load_feed_articles

# Allowance per object held, beside its text (object headers, dates, numbers, enums).
PER_OBJECT = 1024


def _texts(texts: Iterable[str | None], objects: int) -> int:
    return sum(sys.getsizeof(text) for text in texts) + PER_OBJECT * objects


def article_charge(article: FeedArticle) -> int:
    """Bytes to charge for a story as read (a bound on what it holds)."""
    photos = article.photos
    return _texts(
        (
            article.body_html,
            article.headline,
            article.dek,
            article.kill_reason,
            *article.authors,
            *(text for tag in article.tags for text in tag),
            *(note.note for note in article.corrections),
            *(text for p in photos for text in (p.caption, p.credit, p.alt_text, p.storage_key)),
        ),
        4 + len(photos) * 2 + len(article.tags) + len(article.corrections),
    )


def item_charge(shared: PartnerItem) -> int:
    """Bytes to charge for a shared item (a bound on what it holds)."""
    item, media = shared.item, shared.media
    return _texts(
        (
            shared.content_html,
            shared.rights,
            shared.license_url,
            item.summary,
            item.title,
            item.id,
            item.link,
            *item.authors,
            *(text for m in media for text in (m.url, m.credit, m.copyright, m.caption)),
        ),
        6 + len(media) + len(item.authors) + len(item.categories),
    )


class SharedItems:
    """Story snapshots and shared items, kept in ``store``."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def articles(self, session: Session, label: Hashable, ids: Sequence[int]) -> list[FeedArticle]:
        """The stories ``ids`` in that order, read from the database only when not held."""
        found = {i: self.store.get(("article", i), label, None) for i in ids}
        missing = [i for i, article in found.items() if article is None]
        for article in load_feed_articles(session, missing) if missing else ():
            self.store.put(("article", article.id), label, article, article_charge(article))
            found[article.id] = article
        return [article for article in (found[i] for i in ids) if article is not None]

    def item(
        self, label: Hashable, article: FeedArticle, ctx: PartnerContext, now: datetime
    ) -> PartnerItem:
        """``article``'s shared item at ``now``, prepared only when not held."""
        key = ("item", article.id, shared_state(article, now))
        held: PartnerItem | None = self.store.get(key, label, None)
        if held is None:
            held = shared_item(article, ctx, now)
            self.store.put(key, label, held, item_charge(held))
        return held

    def clear(self) -> None:
        """Forget every story and shared item (benchmarks time cold renders with it)."""
        self.store.clear("article", "item")
