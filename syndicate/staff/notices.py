"""Notices sent to partners: per story, who was told, how, and who acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort, render_template
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import aliased

from syndicate.content.models import Article
from syndicate.newswire.models import Notice, NoticeAcknowledgement, NoticeKind
from syndicate.newswire.notices import notices_for_article
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import NOTICE_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers


@dataclass(frozen=True)
class NoticeRow:
    """One line of the list: the notices of one kind about one story."""

    article_id: int
    kind: NoticeKind
    latest: datetime
    sent: int
    acknowledged: int


@bp.route("/notices")
@requires(NOTICE_VIEW)
@without_page_numbers
def notice_list() -> str:
    """Stories with notices, latest notice first, with how many partners acknowledged.

    Each line stands for its latest notice (one per story and kind), so the list pages by
    keyset over the notices themselves; the counts are taken for the lines shown only.
    """
    session = db_session()
    sibling = aliased(Notice)
    later = (
        select(sibling.id)
        .where(
            sibling.article_id == Notice.article_id,
            sibling.kind == Notice.kind,
            tuple_(sibling.created_at, sibling.id) > tuple_(Notice.created_at, Notice.id),
        )
        .exists()
    )
    page = keyset_list(select(Notice).where(~later), Notice.created_at, Notice.id)
    ids = {notice.article_id for notice in page.items}
    counts = {
        (row.article_id, row.kind): (row.sent, row.acknowledged)
        for row in session.execute(
            select(
                Notice.article_id,
                Notice.kind,
                func.count(Notice.id).label("sent"),
                func.count(NoticeAcknowledgement.id).label("acknowledged"),
            )
            .outerjoin(NoticeAcknowledgement, NoticeAcknowledgement.notice_id == Notice.id)
            .where(Notice.article_id.in_(ids))
            .group_by(Notice.article_id, Notice.kind)
        )
    }
    rows = [
        NoticeRow(n.article_id, n.kind, n.created_at, *counts.get((n.article_id, n.kind), (0, 0)))
        for n in page.items
    ]
    articles = (
        {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
        if ids
        else {}
    )
    return render_template(
        "staff/newswire/notices.html", rows=rows, page=page, articles=articles, kinds=NoticeKind
    )


@bp.route("/notices/articles/<int:article_id>")
@requires(NOTICE_VIEW)
def notice_article(article_id: int) -> str:
    """Every notice about one story: partner, channel status, acknowledgement."""
    session = db_session()
    article = session.get(Article, article_id)
    if article is None:
        abort(404)
    notices = notices_for_article(session, article_id)
    kills = [n for n in notices if n.kind is NoticeKind.KILL]
    pending = [n for n in kills if n.acknowledgement is None]
    return render_template(
        "staff/newswire/notice_article.html",
        article=article,
        notices=notices,
        kills=kills,
        pending=pending,
    )
