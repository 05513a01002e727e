"""The newswire over the API: embargo, correct and kill a story (staff), and the notices
that tell partners, with each partner's acknowledgement.

Every operation goes through the services the console and the portal call
(:mod:`syndicate.content.services`, :mod:`syndicate.newswire.notices`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, select

from licenses.models import Publisher
from syndicate.accounts.models import User
from syndicate.api import permissions as perms
from syndicate.api import schemas, serializers
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, operation, page_of, query
from syndicate.api.jsonio import ApiError, not_found
from syndicate.content.models import Article, ArticleStatus
from syndicate.content.services import set_embargo
from syndicate.newswire.models import Notice, NoticeAcknowledgement
from syndicate.newswire.notices import acknowledge, correct_article, kill_article
from syndicate.newswire.web import newswire_settings
from syndicate.orm import utcnow
from syndicate.web.db import db_session

TAG = "Newswire"
KILLABLE = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)


def _article(slug: str, version: int | None) -> Article:
    article = db_session().scalar(select(Article).where(Article.slug == slug))
    if article is None:
        raise not_found("That article")
    if version is not None and version != article.version:
        raise ApiError(409, "The article changed since that version.", {"version": "stale"})
    return article


def _staff_view(article: Article) -> schemas.Article:
    session = db_session()
    session.flush()
    session.refresh(article)
    return serializers.article(article, utcnow(), staff=True)


@bp.post("/articles/<slug>/embargo")
@operation(
    "Set or lift a story's partner embargo",
    tag=TAG,
    permission=perms.ARTICLE_WRITE,
    body=schemas.EmbargoInput,
    body_required=True,
    answer=schemas.Article,
    errors=(404, 409),
    description="Entitled partners receive a scheduled story from `preview_at`, marked "
    "`embargoed_until` its release; the public sees nothing before the release. Schedule "
    "the story first (`POST /articles/{slug}/publish` with a future `release_at`); an "
    "embargo on a story that is not scheduled, or that starts after the release, gets 422.",
)
def embargo_article(slug: str) -> schemas.Article:
    """Set (or lift, with ``null``) the partner embargo of a scheduled story."""
    data = body(schemas.EmbargoInput)
    article = _article(slug, data.version)
    set_embargo(db_session(), article, data.preview_at, actor_id=current_principal().actor_id)
    return _staff_view(article)


@bp.post("/articles/<slug>/corrections")
@operation(
    "Add a correction",
    tag=TAG,
    permission=perms.ARTICLE_CORRECT,
    body=schemas.CorrectionInput,
    body_required=True,
    answer=schemas.NoticeOutcome,
    status=201,
    errors=(404, 409),
    description="Appends a dated correction note, raises the story's revision and sends a "
    "notice (e-mail, and the signed webhook where set) to every partner that has the story.",
)
def correct_article_view(slug: str) -> schemas.NoticeOutcome:
    """Append a correction and tell every partner that has the story."""
    data = body(schemas.CorrectionInput)
    article = _article(slug, data.version)
    _correction, notices = correct_article(
        db_session(), article, data.note, newswire_settings(), actor_id=current_principal().actor_id
    )
    return schemas.NoticeOutcome(article=_staff_view(article), notified=len(notices))


@bp.post("/articles/<slug>/kill")
@operation(
    "Kill a story",
    tag=TAG,
    permission=perms.ARTICLE_KILL,
    body=schemas.KillInput,
    body_required=True,
    answer=schemas.NoticeOutcome,
    errors=(404, 409),
    description="Withdraws a published or scheduled story for good, with the reason partners "
    "read: the public page answers 410, partner feeds carry a withdrawal notice, and every "
    "partner that had the story is sent a kill notice to acknowledge. A story in another "
    "state gets 409.",
)
def kill_article_view(slug: str) -> schemas.NoticeOutcome:
    """Kill the story and tell every partner that had it to take it down."""
    data = body(schemas.KillInput)
    article = _article(slug, data.version)
    if article.status not in KILLABLE:
        raise ApiError(409, "Only a published or scheduled story can be killed.")
    notices = kill_article(
        db_session(),
        article,
        data.reason,
        newswire_settings(),
        actor_id=current_principal().actor_id,
    )
    return schemas.NoticeOutcome(article=_staff_view(article), notified=len(notices))


def _notices_json(notices: Sequence[Notice]) -> list[schemas.Notice]:
    """Notices with who acknowledged them (one query for every acknowledging user)."""
    user_ids = {
        n.acknowledgement.user_id
        for n in notices
        if n.acknowledgement is not None and n.acknowledgement.user_id is not None
    }
    emails = (
        dict(db_session().execute(select(User.id, User.email).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return [_notice_json(n, emails) for n in notices]


def _notice_json(notice: Notice, emails: dict[int, str]) -> schemas.Notice:
    ack = notice.acknowledgement
    return schemas.Notice(
        id=notice.id,
        kind=notice.kind,
        publisher=notice.publisher.slug,
        article=notice.article.slug,
        headline=notice.headline,
        message=notice.message,
        revision=notice.revision,
        created_at=notice.created_at,
        acknowledgement=(
            None
            if ack is None
            else schemas.Acknowledgement(
                acknowledged_at=ack.created_at,
                by=emails.get(ack.user_id) if ack.user_id is not None else None,
            )
        ),
    )


@bp.get("/notices")
@operation(
    "List notices",
    tag=TAG,
    permission=perms.NOTICE_READ,
    query=schemas.NoticeQuery,
    answer=schemas.NoticePage,
    description="Correction and kill notices, newest first, each with its publisher's "
    "acknowledgement. A partner lists its publisher's; staff every publisher's.",
)
def list_notices() -> schemas.NoticePage:
    """Notices the caller may see, newest first, filtered by story, kind and acknowledgement."""
    principal = current_principal()
    asked = query(schemas.NoticeQuery)
    conditions: list[ColumnElement[bool]] = []
    if principal.can(perms.NOTICE_READ_ANY):
        if asked.publisher:
            conditions.append(Notice.publisher.has(Publisher.slug == asked.publisher))
    else:
        conditions.append(Notice.publisher_id == principal.publisher_id)
    if asked.article:
        conditions.append(Notice.article.has(Article.slug == asked.article))
    if asked.kind is not None:
        conditions.append(Notice.kind == asked.kind)
    if asked.acknowledged is not None:
        acknowledged = (
            select(NoticeAcknowledgement.id)
            .where(NoticeAcknowledgement.notice_id == Notice.id)
            .exists()
        )
        conditions.append(acknowledged if asked.acknowledged else ~acknowledged)
    page = page_of(
        select(Notice).where(*conditions), asked, Notice.created_at.desc(), Notice.id.desc()
    )
    return schemas.NoticePage(**page.fields(_notices_json(page.rows)))


def _own_notice(notice_id: int) -> Notice:
    notice = db_session().get(Notice, notice_id)
    principal = current_principal()
    if notice is None or not principal.owns(notice.publisher_id, perms.NOTICE_READ_ANY):
        raise not_found("That notice")
    return notice


@bp.get("/notices/<int:notice_id>")
@operation(
    "Read a notice",
    tag=TAG,
    permission=perms.NOTICE_READ,
    answer=schemas.Notice,
    errors=(404,),
    description="Staff read any notice; a partner only its publisher's.",
)
def get_notice(notice_id: int) -> schemas.Notice:
    """One notice with its acknowledgement."""
    return _notices_json([_own_notice(notice_id)])[0]


@bp.post("/notices/<int:notice_id>/acknowledge")
@operation(
    "Acknowledge a notice",
    tag=TAG,
    permission=perms.NOTICE_ACKNOWLEDGE,
    answer=schemas.Notice,
    errors=(404,),
    description="The partner confirms it acted on the notice (for a kill: took the story "
    "down). Acknowledging again changes nothing. Only the publisher's own partners "
    "acknowledge; another publisher's notice is not found.",
)
def acknowledge_notice(notice_id: int) -> schemas.Notice:
    """Record the publisher's acknowledgement (once)."""
    notice = _own_notice(notice_id)
    acknowledge(db_session(), notice, current_principal().actor_id)
    return _notices_json([notice])[0]
