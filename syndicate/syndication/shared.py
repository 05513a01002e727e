"""Partner-independent feed material, shared by every partner's render at one content version.

After a change raises the content version, every partner's feed (each scope and format)
is rendered again, and they mostly show the same stories. The first render reads each
story (:mod:`.snapshot`) and prepares its item as every partner receives it, tracking image
aside (:func:`.prepare.shared_item`); the next ones reuse both and add their own tracking
image.

Everything held is for one label: the content version's number and the moment it rose
(so a number repeated after a rollback or a restored backup never matches) and the site's
feed settings. A request with another label empties the store first, so nothing is ever
used at a version other than the one it was read at. A shared item is also keyed on its
time state (:func:`.prepare.shared_state`): an embargo ending or a photo permission
lapsing makes a new key, so a lapsed photo is gone from the very next render. The memory
is bounded: once full, further stories are prepared per render and not kept.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from feeds.items import PartnerItem
from syndicate.syndication.prepare import PartnerContext, shared_item, shared_state
from syndicate.syndication.snapshot import FeedArticle, load_feed_articles

# Stories kept: every partner's feed at one version draws from far fewer.
MAX_ARTICLES = 1_000


class SharedItems:
    """Thread-safe store of story snapshots and shared items for the current label."""

    def __init__(self, max_articles: int = MAX_ARTICLES) -> None:
        self.max_articles = max_articles
        self._lock = threading.Lock()
        self._label: Hashable = None
        self._articles: dict[int, FeedArticle] = {}
        self._items: dict[tuple[int, tuple[bool, ...]], PartnerItem] = {}

    def _adopt(self, label: Hashable) -> None:
        # Called with the lock held.
        if self._label != label:
            self._label = label
            self._articles.clear()
            self._items.clear()

    def articles(self, session: Session, label: Hashable, ids: Sequence[int]) -> list[FeedArticle]:
        """The stories ``ids`` in that order, read from the database only when not held."""
        with self._lock:
            self._adopt(label)
            found = {i: self._articles[i] for i in ids if i in self._articles}
        missing = [i for i in ids if i not in found]
        if missing:
            loaded = load_feed_articles(session, missing)
            with self._lock:
                if self._label == label:
                    for article in loaded:
                        if len(self._articles) >= self.max_articles:
                            break
                        self._articles[article.id] = article
            found.update((article.id, article) for article in loaded)
        return [found[i] for i in ids if i in found]

    def item(
        self, label: Hashable, article: FeedArticle, ctx: PartnerContext, now: datetime
    ) -> PartnerItem:
        """``article``'s shared item at ``now``, prepared only when not held."""
        key = (article.id, shared_state(article, now))
        with self._lock:
            held = self._items.get(key) if self._label == label else None
        if held is not None:
            return held
        prepared = shared_item(article, ctx, now)
        with self._lock:
            if self._label == label and len(self._items) < 2 * self.max_articles:
                self._items[key] = prepared
        return prepared

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._label = None
            self._articles.clear()
            self._items.clear()
