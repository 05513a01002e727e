"""Every bulk computation of what a partner receives agrees with the plain reference.

One small set of stories is built per test: each kind of story (published, scheduled, under
a partner embargo, killed after release, killed during an embargo, killed before anyone had
it, draft, not for syndication) in each of three sections, with its moments on a grid of
hours. Hypothesis then draws a publisher's licences (scope, embargo entitlement, status,
start and end on the same grid, so boundaries tie) and several moments on a half-hour grid,
and at each moment compares with :mod:`syndicate.newswire.reference`:

* the partner feed's one statement (:func:`feed_page`): stories, kill notices, next release
  and next embargo preview;
* the API's condition (:func:`partner_condition`), as SQL;
* the :class:`Coverage` twins that notices use, and :func:`covered_publishers` itself.

2,000 generated licence sets in a thorough run (CI; 200 in a quick local one), each checked
at three to six moments (at least 6,000 licence-set × moment cases, counted), derandomised so
CI is stable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from licenses.coverage import publisher_coverage
from licenses.licences import is_in_force
from licenses.models import License, LicenseKind, LicenseStatus, ScopeKind
from licenses.terms import current_terms
from syndicate.content.models import Article, ArticleStatus, SyndicationPolicy
from syndicate.newswire import reference
from syndicate.newswire.embargo import had_received, partner_can_see, partner_condition
from syndicate.newswire.notices import covered_publishers
from syndicate.syndication.query import feed_page
from tests.depth import examples
from tests.factories import make_article, make_publisher, make_section

#: 2,000 licence sets in a thorough run (CI), 100 in a quick one; each is checked at three
#: to six moments, so at least three cases per licence set.
EXAMPLES = examples(thorough=2_000, quick=100)
MIN_MOMENTS, MAX_MOMENTS = 3, 6
MIN_CASES = 3 * EXAMPLES
KILL_DAYS = 14
PAGE = 500
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
HOURS = 10
SECTIONS = ("environment-cov", "local-government-cov", "sports-cov")
GHOST_SECTION = "no-such-section-cov"

PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def hour(n: float) -> datetime:
    """The moment ``n`` hours after the start of the grid."""
    return T0 + timedelta(hours=n)


def _story(session: Session, section: Any, kind: str) -> Article:
    """One story of ``kind``; its moments are set directly, as time would have left them."""
    article = make_article(session, section=section, publish=False)
    article.syndication = (
        SyndicationPolicy.DO_NOT_SYNDICATE
        if kind == "unsyndicated"
        else SyndicationPolicy.SYNDICATE
    )
    status, released, preview, killed = {
        "published": (ArticleStatus.PUBLISHED, hour(2), None, None),
        "scheduled": (ArticleStatus.SCHEDULED, hour(6), None, None),
        "embargoed": (ArticleStatus.SCHEDULED, hour(5), hour(2), None),
        "late-embargo": (ArticleStatus.SCHEDULED, hour(8), hour(4), None),
        "unsyndicated": (ArticleStatus.SCHEDULED, hour(5), hour(1), None),
        "killed-after-release": (ArticleStatus.KILLED, hour(1), None, hour(3)),
        "killed-in-embargo": (ArticleStatus.KILLED, hour(7), hour(2), hour(4)),
        "killed-before-preview": (ArticleStatus.KILLED, hour(7), hour(5), hour(3)),
        "draft": (ArticleStatus.DRAFT, None, None, None),
    }[kind]
    article.status = status
    article.released_at = released
    article.embargo_preview_at = preview
    article.killed_at = killed
    return article


KINDS = (
    "published",
    "scheduled",
    "embargoed",
    "late-embargo",
    "unsyndicated",
    "killed-after-release",
    "killed-in-embargo",
    "killed-before-preview",
    "draft",
)


@dataclass
class World:
    """The stories of a test, the publisher whose licences are drawn, the current terms."""

    articles: list[Article]
    publisher: Any
    terms: Any


@pytest.fixture
def world(session: Session) -> World:
    """Every kind of story in every section, and one active publisher without licences."""
    sections = [make_section(session, slug=slug, name=slug.title()) for slug in SECTIONS]
    articles = [_story(session, section, kind) for section in sections for kind in KINDS]
    session.flush()
    for article in articles:
        session.refresh(article)
    return World(articles, make_publisher(session), current_terms(session))


@dataclass(frozen=True)
class LicenceSpec:
    """A drawn licence, before it is stored."""

    scope: ScopeKind
    sections: tuple[str, ...]
    article_index: int
    embargo_entitled: bool
    status: LicenseStatus
    starts: int
    ends: int | None


def licence_specs(article_count: int) -> st.SearchStrategy[list[LicenceSpec]]:
    """Up to four licences: any scope, entitlement, status, start and end on the hour grid."""
    spec = st.builds(
        LicenceSpec,
        scope=st.sampled_from(list(ScopeKind)),
        sections=st.lists(
            st.sampled_from((*SECTIONS, GHOST_SECTION)), min_size=1, max_size=3, unique=True
        ).map(tuple),
        article_index=st.integers(0, article_count - 1),
        embargo_entitled=st.booleans(),
        status=st.sampled_from(
            [LicenseStatus.ACTIVE] * 6 + [LicenseStatus.SUSPENDED, LicenseStatus.REVOKED]
        ),
        # Most licences have begun and not ended, so several hold at once.
        starts=st.sampled_from([-1] * HOURS + list(range(HOURS + 1))),
        ends=st.sampled_from([None] * HOURS + list(range(HOURS + 2))),
    )
    return st.lists(spec, min_size=0, max_size=4)


#: Moments on the half-hour grid: on the hour they tie with every story and licence moment.
MOMENTS = st.lists(
    st.integers(-2, 2 * HOURS + 2), min_size=MIN_MOMENTS, max_size=MAX_MOMENTS, unique=True
).map(lambda halves: [hour(n / 2) for n in halves])


#: The environment story killed while under embargo.
EMBARGOED_KILL = KINDS.index("killed-in-embargo")
#: Licence A: two sections, no embargo entitlement; licence B: one story elsewhere, entitled.
ISSUE_SCENARIO = [
    LicenceSpec(ScopeKind.SECTIONS, SECTIONS[:2], 0, False, LicenseStatus.ACTIVE, -1, None),
    LicenceSpec(ScopeKind.ARTICLE, (), 2 * len(KINDS), True, LicenseStatus.ACTIVE, -1, None),
]


def store(session: Session, world: World, specs: list[LicenceSpec]) -> list[License]:
    """Store the drawn licences for the world's publisher in one statement; return them as
    unsaved objects for the reference (the code under test reads its own from the database).
    """
    rows = [
        {
            "publisher_id": world.publisher.id,
            "kind": LicenseKind.STANDARD,
            "scope_kind": spec.scope,
            "scope_sections": list(spec.sections) if spec.scope is ScopeKind.SECTIONS else [],
            "scope_article_id": (
                world.articles[spec.article_index].id if spec.scope is ScopeKind.ARTICLE else None
            ),
            "terms_version_id": world.terms.id,
            "starts_at": hour(spec.starts),
            "ends_at": None if spec.ends is None else hour(spec.ends),
            "embargo_entitled": spec.embargo_entitled,
            "status": spec.status,
        }
        for spec in specs
    ]
    if rows:
        session.execute(insert(License), rows)
    return [License(**row) for row in rows]


@contextmanager
def drawn_licences(session: Session, world: World, specs: list[LicenceSpec]) -> Iterator[list]:
    """The drawn licences, stored in a savepoint that is rolled back afterwards; licences
    the code under test loaded leave the session with them (their ids are reused)."""
    savepoint = session.begin_nested()
    try:
        yield store(session, world, specs)
    finally:
        savepoint.rollback()
        for loaded in [obj for obj in session.identity_map.values() if isinstance(obj, License)]:
            session.expunge(loaded)


def covered_by(licences: list[License], article: Article, now: datetime, embargo: bool) -> bool:
    """Some licence in force at ``now`` covers ``article`` (with ``embargo``: and grants
    embargoes); what decides when a feed's page next changes."""
    return any(
        reference.licence_covers(lic, article)
        and is_in_force(lic, now)
        and (lic.embargo_entitled or not embargo)
        for lic in licences
    )


def expected_page(licences: list[License], articles: list[Article], now: datetime) -> dict:
    """What the reference says a partner feed page at ``now`` holds."""
    live = {a.id for a in articles if reference.receives(licences, a, now)}
    killed = {
        a.id
        for a in articles
        if reference.had_before_kill(licences, a, now)
        and a.killed_at is not None
        and a.killed_at > now - timedelta(days=KILL_DAYS)
    }
    releases = [
        a.released_at
        for a in articles
        if a.status is ArticleStatus.SCHEDULED
        and a.released_at is not None
        and a.released_at > now
        and covered_by(licences, a, now, embargo=False)
    ]
    previews = [
        a.embargo_preview_at
        for a in articles
        if a.status is ArticleStatus.SCHEDULED
        and a.embargo_preview_at is not None
        and a.released_at is not None
        and now < a.embargo_preview_at < a.released_at
        and covered_by(licences, a, now, embargo=True)
    ]
    return {
        "live": live,
        "killed": killed,
        "next_release": min(releases, default=None),
        "next_embargo_preview": min(previews, default=None),
    }


def test_feeds_api_and_notices_match_the_reference(session: Session, world: World) -> None:
    @PROPERTY_SETTINGS
    @given(
        specs=licence_specs(len(world.articles)),
        moments=MOMENTS,
        chosen=st.integers(0, len(world.articles) - 1),
    )
    @example(specs=ISSUE_SCENARIO, moments=[hour(3), hour(1), hour(4.5)], chosen=EMBARGOED_KILL)
    def check(specs: list[LicenceSpec], moments: list[datetime], chosen: int) -> None:
        with drawn_licences(session, world, specs) as licences:
            # Notices read every publisher's licences: once per example is enough.
            assert_notices(session, world, licences, world.articles[chosen], moments[0])
            for now in moments:
                cases.append(now)
                at = f"at {now:%H:%M}"
                coverage = publisher_coverage(session, world.publisher.id, now)
                want = expected_page(licences, world.articles, now)
                page = feed_page(session, coverage, now, PAGE, KILL_DAYS)
                got = {
                    "live": set(page.live),
                    "killed": set(page.killed),
                    "next_release": page.next_release,
                    "next_embargo_preview": page.next_embargo_preview,
                }
                assert got == want, f"feed page {at}"
                api = set(
                    session.scalars(select(Article.id).where(partner_condition(coverage, now)))
                )
                assert api == want["live"], f"API {at}"
                for each in world.articles:
                    sees = reference.receives(licences, each, now)
                    assert partner_can_see(coverage, each, now) == sees, f"{each.slug} {at}"
                    had = reference.had_before_kill(licences, each, now)
                    assert had_received(coverage, each) == had, f"{each.slug} killed, {at}"

    cases: list[datetime] = []
    check()
    assert len(cases) >= MIN_CASES


def assert_notices(
    session: Session, world: World, licences: list[License], article: Article, now: datetime
) -> None:
    """A correction or kill of ``article`` at ``now`` tells the publisher exactly when the
    reference says it has (or had) the story."""
    kill = article.status is ArticleStatus.KILLED
    told = {publisher.id for publisher, _ in covered_publishers(session, article, now, kill=kill)}
    owed = (
        reference.had_before_kill(licences, article, now)
        if kill
        else reference.receives(licences, article, now)
    )
    assert (world.publisher.id in told) == owed, f"notice of {article.slug} at {now:%H:%M}"
