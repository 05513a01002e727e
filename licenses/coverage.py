"""Which articles a publisher's licences cover, as SQL conditions.

Every right a licence grants applies only to the stories that licence covers: a publisher's
coverage is the union of its licences' scopes, and beside it the union of the scopes of those
licences that carry embargo entitlement, so an embargo granted for one story never reaches
the stories another licence covers. :mod:`syndicate.newswire.reference` states the same rules
licence by licence, in plain Python, and the tests hold the SQL to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session, raiseload

from licenses.licences import is_in_force
from licenses.models import License, LicenseStatus, ScopeKind
from syndicate.content.models import Article, Section, SyndicationPolicy
from syndicate.content.services import publicly_visible


@dataclass(frozen=True)
class Scope:
    """Stories some licences cover: everything, or sections and single articles."""

    everything: bool = False
    section_slugs: frozenset[str] = frozenset()
    article_ids: frozenset[int] = frozenset()

    @property
    def empty(self) -> bool:
        """True when the scope holds no story."""
        return not (self.everything or self.section_slugs or self.article_ids)


@dataclass(frozen=True)
class Coverage(Scope):
    """The union of a publisher's licences in force (the scope fields), and within it the
    part that licences with embargo entitlement cover (``embargo``)."""

    embargo: Scope = Scope()
    license_ids: tuple[int, ...] = field(default_factory=tuple)
    # The next moment a licence of the publisher starts or ends: the coverage holds until
    # then unless something is changed (which raises the content version).
    next_change: datetime | None = None

    @property
    def embargo_entitled(self) -> bool:
        """True when some licence in force grants embargoed stories (for part of the scope)."""
        return not self.embargo.empty


def scope_of(licences: Sequence[License]) -> Scope:
    """The union of the licences' scopes."""
    return Scope(
        everything=any(lic.scope_kind is ScopeKind.ALL for lic in licences),
        section_slugs=frozenset(
            slug
            for lic in licences
            if lic.scope_kind is ScopeKind.SECTIONS
            for slug in (lic.scope_sections or [])
        ),
        article_ids=frozenset(
            lic.scope_article_id
            for lic in licences
            if lic.scope_kind is ScopeKind.ARTICLE and lic.scope_article_id is not None
        ),
    )


def coverage_of(licences: Sequence[License], next_change: datetime | None = None) -> Coverage:
    """Combine licences into one :class:`Coverage`: each right stays with the stories of the
    licences that grant it."""
    union = scope_of(licences)
    return Coverage(
        everything=union.everything,
        section_slugs=union.section_slugs,
        article_ids=union.article_ids,
        embargo=scope_of([lic for lic in licences if lic.embargo_entitled]),
        license_ids=tuple(sorted(lic.id for lic in licences)),
        next_change=next_change,
    )


# Built once: every feed and partner API request runs it. Active licences not yet ended:
# those in force, and those still to start (they tell when the coverage changes).
_LICENCES_IN_FORCE_OR_TO_COME = (
    select(License)
    .where(
        License.publisher_id == bindparam("publisher_id"),
        License.status == LicenseStatus.ACTIVE,
        or_(
            License.ends_at.is_(None),
            License.ends_at > bindparam("now", type_=License.__table__.c.starts_at.type),
        ),
    )
    .order_by(License.id)
    .options(raiseload("*"))
)


def publisher_coverage(session: Session, publisher_id: int, now: datetime) -> Coverage:
    """The coverage of ``publisher_id``'s licences in force at ``now``, and until when it
    holds (the next start or end of one of its licences).

    Every feed and partner API request runs this, so it reads the licence rows alone,
    through their index, without the relations a licence loads by default.
    """
    licences = session.scalars(
        _LICENCES_IN_FORCE_OR_TO_COME, {"publisher_id": publisher_id, "now": now}
    ).all()
    moments = [
        moment
        for lic in licences
        for moment in (lic.starts_at, lic.ends_at)
        if moment is not None and moment > now
    ]
    return coverage_of(
        [lic for lic in licences if is_in_force(lic, now)], min(moments, default=None)
    )


# Bound-parameter names of the scopes' lists (see ``covered_condition(..., bound=True)``).
SCOPE_SECTIONS = "scope_sections"
SCOPE_ARTICLES = "scope_articles"
EMBARGO_SECTIONS = "embargo_sections"
EMBARGO_ARTICLES = "embargo_articles"


def _scope_condition(
    scope: Scope, bound: bool, sections_name: str, articles_name: str
) -> ColumnElement[bool]:
    if scope.empty:
        return false()
    syndicated = Article.syndication == SyndicationPolicy.SYNDICATE
    if scope.everything:
        return syndicated
    parts: list[ColumnElement[bool]] = []
    if scope.section_slugs:
        slugs = bindparam(sections_name, expanding=True) if bound else sorted(scope.section_slugs)
        parts.append(Article.section_id.in_(select(Section.id).where(Section.slug.in_(slugs))))
    if scope.article_ids:
        ids = bindparam(articles_name, expanding=True) if bound else sorted(scope.article_ids)
        parts.append(Article.id.in_(ids))
    return and_(syndicated, or_(*parts))


def covered_condition(coverage: Scope, *, bound: bool = False) -> ColumnElement[bool]:
    """SQL condition on :class:`Article` for the articles in scope (status aside).

    Only stories marked for syndication are ever covered. With ``bound``, the scope's
    sections and articles are bound parameters (values from :func:`scope_parameters`), so
    the condition depends only on the coverage's :func:`scope_shape` and a statement built
    from it can be kept and reused for every publisher of that shape.
    """
    return _scope_condition(coverage, bound, SCOPE_SECTIONS, SCOPE_ARTICLES)


def embargo_condition(coverage: Coverage, *, bound: bool = False) -> ColumnElement[bool]:
    """SQL condition on :class:`Article` for the articles that licences with embargo
    entitlement cover (status aside); ``bound`` as for :func:`covered_condition`, with
    parameters of their own."""
    return _scope_condition(coverage.embargo, bound, EMBARGO_SECTIONS, EMBARGO_ARTICLES)


def _shape(scope: Scope) -> Scope:
    narrowed = not scope.everything
    return Scope(
        everything=scope.everything,
        section_slugs=frozenset({""}) if narrowed and scope.section_slugs else frozenset(),
        article_ids=frozenset({0}) if narrowed and scope.article_ids else frozenset(),
    )


def scope_shape(coverage: Coverage) -> Coverage:
    """The coverage with only what a bound condition's SQL depends on: which kinds of scope
    it and its embargo-entitled part have (one placeholder value each)."""
    shape = _shape(coverage)
    return Coverage(
        everything=shape.everything,
        section_slugs=shape.section_slugs,
        article_ids=shape.article_ids,
        embargo=_shape(coverage.embargo),
    )


def _parameters(scope: Scope, sections_name: str, articles_name: str) -> dict[str, list[Any]]:
    params: dict[str, list[Any]] = {}
    if scope.section_slugs and not scope.everything:
        params[sections_name] = sorted(scope.section_slugs)
    if scope.article_ids and not scope.everything:
        params[articles_name] = sorted(scope.article_ids)
    return params


def scope_parameters(coverage: Coverage) -> dict[str, list[Any]]:
    """The values for conditions built with ``bound=True`` (:func:`covered_condition`,
    :func:`embargo_condition`)."""
    return {
        **_parameters(coverage, SCOPE_SECTIONS, SCOPE_ARTICLES),
        **_parameters(coverage.embargo, EMBARGO_SECTIONS, EMBARGO_ARTICLES),
    }


def partner_visible(coverage: Coverage, now: datetime) -> ColumnElement[bool]:
    """Covered articles that are public now (embargoed ones are added by the newswire rules)."""
    return and_(covered_condition(coverage), publicly_visible(now))
