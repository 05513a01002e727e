"""Partner embargoes: entitled partners receive a story ahead of its public release.

An article scheduled for ``released_at`` with an ``embargo_preview_at`` before it is, from
that moment until the release, visible to a partner when one of its licences in force both
covers it and carries embargo entitlement (an entitlement reaches only the stories of the
licence that grants it), marked as embargoed, and to nobody else: every public surface
keeps using :func:`syndicate.content.services.publicly_visible`, which requires the release
to have passed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from licenses.coverage import Coverage, Scope, covered_condition, embargo_condition
from syndicate.content.models import Article, ArticleStatus, SyndicationPolicy
from syndicate.content.services import is_public, publicly_visible


def embargo_visible(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """SQL condition: under a partner embargo at ``now`` (previewable, not yet public)."""
    return and_(
        Article.status == ArticleStatus.SCHEDULED,
        Article.embargo_preview_at.is_not(None),
        Article.embargo_preview_at <= now,
        Article.released_at > now,
    )


def is_embargoed(article: Article, now: datetime) -> bool:
    """Python twin of :func:`embargo_visible` for one loaded article."""
    return (
        article.status is ArticleStatus.SCHEDULED
        and article.embargo_preview_at is not None
        and article.released_at is not None
        and article.embargo_preview_at <= now < article.released_at
    )


def partner_condition(coverage: Coverage, now: datetime) -> ColumnElement[bool]:
    """SQL condition: articles a partner with ``coverage`` may read at ``now`` (embargoed
    ones only within the scope of its licences with embargo entitlement)."""
    public = and_(covered_condition(coverage), publicly_visible(now))
    if not coverage.embargo_entitled:
        return public
    return or_(public, and_(embargo_condition(coverage), embargo_visible(now)))


def partner_received(coverage: Coverage, *, bound: bool = False) -> ColumnElement[bool]:
    """SQL condition on a killed article: a partner with ``coverage`` had it before the kill
    (released, or previewed under a licence with embargo entitlement that covers it).

    ``bound`` as for :func:`licenses.coverage.covered_condition`.
    """
    released = and_(
        covered_condition(coverage, bound=bound),
        Article.released_at.is_not(None),
        Article.released_at <= Article.killed_at,
    )
    if not coverage.embargo_entitled:
        return released
    previewed = and_(
        embargo_condition(coverage, bound=bound),
        Article.embargo_preview_at.is_not(None),
        Article.embargo_preview_at <= Article.killed_at,
    )
    return or_(released, previewed)


def covers_article(scope: Scope, article: Article) -> bool:
    """Python twin of :func:`licenses.coverage.covered_condition` for one article."""
    if scope.empty or article.syndication is not SyndicationPolicy.SYNDICATE:
        return False
    return (
        scope.everything
        or article.section.slug in scope.section_slugs
        or article.id in scope.article_ids
    )


def partner_can_see(coverage: Coverage, article: Article, now: datetime) -> bool:
    """Whether a partner with ``coverage`` receives ``article`` at ``now``."""
    return (is_public(article, now) and covers_article(coverage, article)) or (
        is_embargoed(article, now) and covers_article(coverage.embargo, article)
    )


def had_received(coverage: Coverage, article: Article) -> bool:
    """Whether a partner with ``coverage`` had received a killed ``article`` before the kill."""
    killed = article.killed_at
    if killed is None:
        return False
    released, preview = article.released_at, article.embargo_preview_at
    return (released is not None and released <= killed and covers_article(coverage, article)) or (
        preview is not None and preview <= killed and covers_article(coverage.embargo, article)
    )
