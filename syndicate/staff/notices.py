"""Notices sent to partners: per story, who was told, how, and who acknowledged."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import func, select

from syndicate.content.models import Article
from syndicate.newswire.models import Notice, NoticeAcknowledgement, NoticeKind
from syndicate.newswire.notices import notices_for_article
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import NOTICE_VIEW, requires
from syndicate.web.db import db_session

LIST_SIZE = 100


@bp.route("/notices")
@requires(NOTICE_VIEW)
def notice_list() -> str:
    """Stories with notices, newest first, with how many partners acknowledged."""
    session = db_session()
    acknowledged = func.count(NoticeAcknowledgement.id)
    rows = session.execute(
        select(
            Notice.article_id,
            Notice.kind,
            func.max(Notice.created_at).label("latest"),
            func.count(Notice.id).label("sent"),
            acknowledged.label("acknowledged"),
        )
        .outerjoin(NoticeAcknowledgement, NoticeAcknowledgement.notice_id == Notice.id)
        .group_by(Notice.article_id, Notice.kind)
        .order_by(func.max(Notice.created_at).desc())
        .limit(LIST_SIZE)
    ).all()
    ids = {row.article_id for row in rows}
    articles = (
        {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
        if ids
        else {}
    )
    return render_template(
        "staff/newswire/notices.html", rows=rows, articles=articles, kinds=NoticeKind
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
