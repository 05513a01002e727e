"""Partner embargoes: entitled partners receive a story ahead of its public release.

An article scheduled for ``released_at`` with an ``embargo_preview_at`` before it is, from
that moment until the release, visible to partners whose licence in force carries embargo
entitlement, marked as embargoed, and to nobody else: every public surface keeps using
:func:`syndicate.content.services.publicly_visible`, which requires the release to have
passed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_

from licenses.coverage import Coverage, covered_condition
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
    """SQL condition: articles a partner with ``coverage`` may read at ``now``."""
    visible = publicly_visible(now)
    if coverage.embargo_entitled:
        visible = or_(visible, embargo_visible(now))
    return and_(covered_condition(coverage), visible)


def partner_received(embargo_entitled: bool) -> ColumnElement[bool]:
    """SQL condition on a killed article: a partner had it before the kill."""
    released = and_(Article.released_at.is_not(None), Article.released_at <= Article.killed_at)
    if not embargo_entitled:
        return released
    previewed = and_(
        Article.embargo_preview_at.is_not(None), Article.embargo_preview_at <= Article.killed_at
    )
    return or_(released, previewed)


def covers_article(coverage: Coverage, article: Article) -> bool:
    """Python twin of :func:`licenses.coverage.covered_condition` for one article."""
    if coverage.empty or article.syndication is not SyndicationPolicy.SYNDICATE:
        return False
    return (
        coverage.everything
        or article.section.slug in coverage.section_slugs
        or article.id in coverage.article_ids
    )


def partner_can_see(coverage: Coverage, article: Article, now: datetime) -> bool:
    """Whether a partner with ``coverage`` receives ``article`` at ``now``."""
    if not covers_article(coverage, article):
        return False
    return is_public(article, now) or (coverage.embargo_entitled and is_embargoed(article, now))


def had_received(coverage: Coverage, article: Article) -> bool:
    """Whether a partner with ``coverage`` had received a killed ``article`` before the kill."""
    if not covers_article(coverage, article) or article.killed_at is None:
        return False
    killed = article.killed_at
    if article.released_at is not None and article.released_at <= killed:
        return True
    preview = article.embargo_preview_at
    return coverage.embargo_entitled and preview is not None and preview <= killed
