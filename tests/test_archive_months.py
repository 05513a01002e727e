"""The archive by month (``archive_months``): the sitemap index reads a row per month, and
every write that changes what the public sees of a month keeps its row true: publishing,
unpublishing, killing, deleting and moving a release, bulk inserts, month bounds in UTC,
and releases and changes that fall due later without a write."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from flask.testing import FlaskClient
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from syndicate.content import archive
from syndicate.content.models import ArchiveMonth, Article, ArticleStatus
from syndicate.content.services import unpublish_article
from syndicate.orm import utcnow
from syndicate.public import sitemap_queries
from tests.factories import kill_article, make_article, make_section
from tests.sitemap_support import index_paths

MARCH = datetime(2024, 3, 14, 12, 0, tzinfo=UTC)
APRIL = datetime(2024, 4, 2, 8, 0, tzinfo=UTC)


def _rows(session: Session) -> dict[str, tuple[int, datetime | None]]:
    return {f.month: (f.stories, f.lastmod) for f in archive.stored(session)}


def _counted_from_stories(session: Session, now: datetime) -> dict[str, int]:
    """Each month's public stories, counted the slow way."""
    months = [f.month for f in archive.stored(session)] + ["2024-03", "2024-04", "2024-05"]
    return {f.month: f.stories for f in archive.compute(session, months, now) if f.stories}


def test_the_index_reads_each_month_from_its_row(client: FlaskClient, session: Session) -> None:
    section = make_section(session)
    make_article(session, section=section, released_at=MARCH)
    make_article(session, section=section, released_at=MARCH + timedelta(days=3))
    session.commit()
    assert _rows(session)["2024-03"] == (2, MARCH + timedelta(days=3))
    # The index believes the row: a month of 25,000 stories takes three sitemaps.
    session.execute(
        update(ArchiveMonth).where(ArchiveMonth.month == "2024-03").values(stories=25_000)
    )
    session.commit()
    paths = index_paths(client)
    assert "/sitemaps/articles-2024-03.xml" in paths
    assert "/sitemaps/articles-2024-03-3.xml" in paths
    assert "/sitemaps/articles-2024-03-4.xml" not in paths


def test_publishing_unpublishing_killing_and_deleting_keep_the_rows_true(
    session: Session,
) -> None:
    section = make_section(session)
    first = make_article(session, section=section, released_at=MARCH)
    second = make_article(session, section=section, released_at=MARCH + timedelta(days=1))
    third = make_article(session, section=section, released_at=APRIL)
    session.commit()
    now = utcnow()
    assert _rows(session) == {
        "2024-03": (2, MARCH + timedelta(days=1)),
        "2024-04": (1, APRIL),
    }
    unpublish_article(session, second, actor_id=None)
    session.commit()
    assert _rows(session)["2024-03"] == (1, MARCH)
    kill_article(session, first)
    session.commit()
    assert "2024-03" not in _rows(session)
    assert "2024-03" not in {
        f"{m.year}-{m.month:02d}" for m in sitemap_queries.archive_months(session, now)
    }
    # A release moved to another month leaves the old month and joins the new one.
    third.released_at = MARCH + timedelta(days=10)
    session.commit()
    assert _rows(session) == {"2024-03": (1, MARCH + timedelta(days=10))}
    session.delete(third)
    session.commit()
    assert _rows(session) == {}
    assert _counted_from_stories(session, now) == {}


def test_an_edit_moves_the_months_lastmod(session: Session) -> None:
    story = make_article(session, released_at=MARCH)
    session.commit()
    edited = MARCH + timedelta(days=40)
    story.content_updated_at = edited
    session.commit()
    assert _rows(session)["2024-03"] == (1, edited)
    month = sitemap_queries.archive_months(session, utcnow())[0]
    assert (month.year, month.month, month.count, month.lastmod) == (2024, 3, 1, edited)


def test_months_are_utc_months(session: Session) -> None:
    section = make_section(session)
    last_instant = datetime(2024, 3, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    make_article(session, section=section, released_at=last_instant)
    make_article(session, section=section, released_at=datetime(2024, 4, 1, tzinfo=UTC))
    # 01:30 on 1 April in UTC+2 is still March in UTC.
    make_article(
        session,
        section=section,
        released_at=datetime(2024, 4, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
    )
    session.commit()
    assert _rows(session) == {
        "2024-03": (2, last_instant),
        "2024-04": (1, datetime(2024, 4, 1, tzinfo=UTC)),
    }
    assert _counted_from_stories(session, utcnow()) == {"2024-03": 2, "2024-04": 1}


def test_a_release_and_a_change_due_later_count_once_their_time_comes(session: Session) -> None:
    """No write happens when a scheduled story goes out: the month's row says until when it
    holds, and past that the month is counted from its stories."""
    now = utcnow()
    section = make_section(session)
    make_article(session, section=section, released_at=now - timedelta(minutes=30))
    scheduled = make_article(session, section=section, released_at=now + timedelta(hours=2))
    session.commit()
    key = archive.month_key(scheduled.released_at)
    stored = {f.month: f for f in archive.stored(session)}[key]
    if key == archive.month_key(now - timedelta(minutes=30)):
        assert stored.stories == 1
    assert stored.changes_at == scheduled.released_at

    def count(moment: datetime) -> int:
        months = sitemap_queries.archive_months(session, moment)
        return sum(m.count for m in months if f"{m.year}-{m.month:02d}" == key)

    before = count(now)
    assert count(now + timedelta(hours=3)) == before + 1
    # A change stamped ahead shows from its time on, not before.
    story = make_article(session, section=section, released_at=MARCH)
    session.commit()
    story.content_updated_at = now + timedelta(days=1)
    session.commit()

    def march(moment: datetime) -> datetime:
        months = sitemap_queries.archive_months(session, moment)
        return next(m.lastmod for m in months if (m.year, m.month) == (2024, 3))

    assert march(now) == MARCH
    assert march(now + timedelta(days=2)) == now + timedelta(days=1)


def test_bulk_inserts_through_the_session_are_counted(session: Session) -> None:
    section = make_section(session)
    rows = [
        {
            "slug": f"bulk-{n}",
            "headline": f"Bulk {n}",
            "section_id": section.id,
            "status": ArticleStatus.PUBLISHED,
            "released_at": MARCH + timedelta(days=n),
        }
        for n in range(3)
    ]
    session.execute(insert(Article), rows)
    session.commit()
    assert _rows(session) == {"2024-03": (3, MARCH + timedelta(days=2))}
    # An UPDATE statement may touch any month: every month is counted again after it.
    session.execute(
        update(Article).where(Article.slug == "bulk-2").values(status=ArticleStatus.DRAFT)
    )
    session.commit()
    assert _rows(session) == {"2024-03": (2, MARCH + timedelta(days=1))}
    assert session.scalar(select(ArchiveMonth.stories)) == 2
