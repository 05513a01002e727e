"""What a partner receives, decided story by story, licence by licence, moment by moment.

The plain statement of the rules that the SQL of partner feeds and the API, the
:class:`licenses.coverage.Coverage` twins and the notices implement in bulk. Nothing is
folded across licences: a licence delivers a story only when it is in force at that moment
and covers that story, and the rights it carries (embargo entitlement) apply to that
licence's stories alone. A publisher receives what at least one of its licences delivers.
The tests compare every bulk implementation with these functions.

Licences are judged in force at the moment asked about: a kill notice is due to a partner
whose licence in force now covers the story and under which it had the story before the kill.
Territory and fee are recorded on a licence but not enforced at delivery; photo permissions
belong to each image, not to a licence.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from licenses.licences import covers, is_in_force
from licenses.models import License
from syndicate.content.models import Article, ArticleStatus, SyndicationPolicy
from syndicate.content.services import is_public
from syndicate.newswire.embargo import is_embargoed


def licence_covers(licence: License, article: Article) -> bool:
    """Whether the licence's scope takes in ``article`` (a story marked for syndication)."""
    return article.syndication is SyndicationPolicy.SYNDICATE and covers(
        licence, article_id=article.id, section_slug=article.section.slug
    )


def licence_delivers(licence: License, article: Article, now: datetime) -> bool:
    """Whether this licence puts ``article`` before its publisher at ``now``: public, or
    under a partner embargo when this licence carries embargo entitlement."""
    if not (is_in_force(licence, now) and licence_covers(licence, article)):
        return False
    return is_public(article, now) or (licence.embargo_entitled and is_embargoed(article, now))


def licence_delivered_before_kill(licence: License, article: Article, now: datetime) -> bool:
    """Whether, under this licence (in force at ``now``), its publisher had the killed
    ``article`` before the kill: released by then, or previewed by then under this licence's
    embargo entitlement."""
    killed = article.killed_at
    if article.status is not ArticleStatus.KILLED or killed is None:
        return False
    if not (is_in_force(licence, now) and licence_covers(licence, article)):
        return False
    released, preview = article.released_at, article.embargo_preview_at
    return (released is not None and released <= killed) or (
        licence.embargo_entitled and preview is not None and preview <= killed
    )


def receives(licences: Iterable[License], article: Article, now: datetime) -> bool:
    """Whether a publisher holding ``licences`` receives ``article`` at ``now``."""
    return any(licence_delivers(licence, article, now) for licence in licences)


def had_before_kill(licences: Iterable[License], article: Article, now: datetime) -> bool:
    """Whether a publisher holding ``licences`` is owed a kill notice for ``article`` at
    ``now`` (it had the story before the kill)."""
    return any(licence_delivered_before_kill(licence, article, now) for licence in licences)
