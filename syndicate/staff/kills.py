"""Killing a story: a confirmation page, a reason, a fresh sign-in, then notices."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from syndicate.content import services
from syndicate.content.models import Article, ArticleStatus
from syndicate.newswire.forms import KillForm
from syndicate.newswire.notices import covered_publishers, kill_article
from syndicate.newswire.web import newswire_settings
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import ARTICLE_KILL, requires
from syndicate.web.db import db_session

KILLABLE = (ArticleStatus.PUBLISHED, ArticleStatus.SCHEDULED)


def _page(article: Article, form: KillForm, status: int, problem: str = "") -> tuple[str, int]:
    now = utcnow()
    partners = covered_publishers(db_session(), article, now, kill=False)
    html = render_template(
        "staff/newswire/kill.html",
        article=article,
        form=form,
        partners=[publisher for publisher, _ in partners],
        problem=problem,
    )
    return html, status


@bp.route("/articles/<int:article_id>/kill", methods=["GET", "POST"])
@requires(ARTICLE_KILL, fresh=True)
def article_kill(article_id: int) -> Response | tuple[str, int]:
    """Confirm and kill: the public page answers 410 and partners are told to remove it."""
    session = db_session()
    article = session.get(Article, article_id)
    if article is None:
        abort(404)
    form = KillForm()
    if article.status not in KILLABLE:
        return _page(article, form, 409, "Only a published or scheduled story can be killed.")
    if not form.is_submitted():
        return _page(article, form, 200)
    if not form.validate():
        return _page(article, form, 422)
    user_id: int = current_user.id
    try:
        notices = kill_article(
            session, article, form.reason.data or "", newswire_settings(), actor_id=user_id
        )
    except services.ContentError as exc:
        session.rollback()
        return _page(article, form, 409, str(exc))
    told = len(notices)
    flash(
        f"“{article.headline}” is killed; {told} partner{'' if told == 1 else 's'} notified.",
        "success",
    )
    return redirect(url_for("staff.notice_article", article_id=article.id), 303)
