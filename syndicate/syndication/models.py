"""Syndication tables: the feed content version and partner pickup counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from syndicate.orm import Base

FEED_STATE_ROW = 1
# A second counter for what only pages show (comments): raising it leaves every cached feed
# valid.
DISCUSSION_ROW = 2
# Not a version: the moment up to which time-driven feed changes were announced to the WebSub
# hub (``syndicate.newswire.websub.queue_timed_pings``).
TIMED_PINGS_ROW = 3
# Not a version either: ``changed_at`` is the outbox worker's last heartbeat, ``version`` its
# rounds (``syndicate.ops.heartbeat``); /readyz and the metrics read it.
WORKER_HEARTBEAT_ROW = 4


class FeedState(Base):
    """Version counters: row ``FEED_STATE_ROW`` grows with every change that can alter a feed
    or a page, row ``DISCUSSION_ROW`` with every change to what only pages show (comments).

    Rendered feeds are cached under the content version they were built from, pages under
    both; any worker on any machine sees a new version on its next request, so no stale copy
    is ever served.
    """

    __tablename__ = "feed_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    # When the version last rose: a floor for Last-Modified, so that a story leaving a
    # feed (killed, out of scope) still moves the feed's date forward.
    changed_at: Mapped[datetime]


class PickupView(Base):
    """How often a partner's copy of an article was shown on one day, per referring host.

    Counted from the tracking image in the partner's copy; holds no personal data.
    """

    __tablename__ = "pickup_views"
    __table_args__ = (
        UniqueConstraint("article_id", "publisher_id", "day", "referrer_host"),
        Index("ix_pickup_views_publisher_id_day", "publisher_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    referrer_host: Mapped[str] = mapped_column(String(253), default="")
    count: Mapped[int] = mapped_column(BigInteger, default=0)


class PickupCopy(Base):
    """How often a partner copied the ready-to-paste copy of an article on one day, per
    format (``html`` or ``text``): its intent to republish, counted from the story desk."""

    __tablename__ = "pickup_copies"
    __table_args__ = (
        UniqueConstraint("article_id", "publisher_id", "day", "format"),
        Index("ix_pickup_copies_publisher_id_day", "publisher_id", "day"),
        Index("ix_pickup_copies_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    publisher_id: Mapped[int] = mapped_column(ForeignKey("publishers.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(8))
    count: Mapped[int] = mapped_column(BigInteger, default=0)
