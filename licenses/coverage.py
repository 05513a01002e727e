"""Which articles a publisher's licences cover, as one SQL condition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session, raiseload

from licenses.licences import is_in_force
from licenses.models import License, LicenseStatus, ScopeKind
from syndicate.content.models import Article, Section, SyndicationPolicy
from syndicate.content.services import publicly_visible


@dataclass(frozen=True)
class Coverage:
    """The union of a publisher's licences in force: everything, or sections and articles."""

    everything: bool = False
    section_slugs: frozenset[str] = frozenset()
    article_ids: frozenset[int] = frozenset()
    embargo_entitled: bool = False
    license_ids: tuple[int, ...] = field(default_factory=tuple)
    # The next moment a licence of the publisher starts or ends: the coverage holds until
    # then unless something is changed (which raises the content version).
    next_change: datetime | None = None

    @property
    def empty(self) -> bool:
        """True when no licence is in force."""
        return not (self.everything or self.section_slugs or self.article_ids)


def coverage_of(licences: Sequence[License], next_change: datetime | None = None) -> Coverage:
    """Combine licences into one :class:`Coverage`."""
    everything = any(lic.scope_kind is ScopeKind.ALL for lic in licences)
    sections = frozenset(
        slug
        for lic in licences
        if lic.scope_kind is ScopeKind.SECTIONS
        for slug in (lic.scope_sections or [])
    )
    articles = frozenset(
        lic.scope_article_id
        for lic in licences
        if lic.scope_kind is ScopeKind.ARTICLE and lic.scope_article_id is not None
    )
    return Coverage(
        everything=everything,
        section_slugs=sections,
        article_ids=articles,
        embargo_entitled=any(lic.embargo_entitled for lic in licences),
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


# Bound-parameter names of a scope's lists (see ``covered_condition(..., bound=True)``).
SCOPE_SECTIONS = "scope_sections"
SCOPE_ARTICLES = "scope_articles"


def covered_condition(coverage: Coverage, *, bound: bool = False) -> ColumnElement[bool]:
    """SQL condition on :class:`Article` for the articles in scope (status aside).

    Only stories marked for syndication are ever covered. With ``bound``, the scope's
    sections and articles are bound parameters (values from :func:`scope_parameters`), so
    the condition depends only on the coverage's :func:`scope_shape` and a statement built
    from it can be kept and reused for every publisher of that shape.
    """
    if coverage.empty:
        return false()
    syndicated = Article.syndication == SyndicationPolicy.SYNDICATE
    if coverage.everything:
        return syndicated
    parts: list[ColumnElement[bool]] = []
    if coverage.section_slugs:
        slugs = (
            bindparam(SCOPE_SECTIONS, expanding=True) if bound else sorted(coverage.section_slugs)
        )
        parts.append(Article.section_id.in_(select(Section.id).where(Section.slug.in_(slugs))))
    if coverage.article_ids:
        ids = bindparam(SCOPE_ARTICLES, expanding=True) if bound else sorted(coverage.article_ids)
        parts.append(Article.id.in_(ids))
    return and_(syndicated, or_(*parts))


def scope_shape(coverage: Coverage) -> Coverage:
    """The coverage with only what a bound condition's SQL depends on: which kinds of scope
    it has (one placeholder value each) and its embargo entitlement."""
    narrowed = not coverage.everything
    return Coverage(
        everything=coverage.everything,
        section_slugs=frozenset({""}) if narrowed and coverage.section_slugs else frozenset(),
        article_ids=frozenset({0}) if narrowed and coverage.article_ids else frozenset(),
        embargo_entitled=coverage.embargo_entitled,
    )


def scope_parameters(coverage: Coverage) -> dict[str, list[str] | list[int]]:
    """The values for a condition built with ``covered_condition(..., bound=True)``."""
    params: dict[str, list[str] | list[int]] = {}
    if coverage.section_slugs and not coverage.everything:
        params[SCOPE_SECTIONS] = sorted(coverage.section_slugs)
    if coverage.article_ids and not coverage.everything:
        params[SCOPE_ARTICLES] = sorted(coverage.article_ids)
    return params


def partner_visible(coverage: Coverage, now: datetime) -> ColumnElement[bool]:
    """Covered articles that are public now (embargoed ones are added by the newswire rules)."""
    return and_(covered_condition(coverage), publicly_visible(now))
