"""The comment moderation queue: held, approved and spam comments, with actions on each."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only, raiseload
from werkzeug.wrappers import Response

from syndicate.comments import services
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content.keyset import cursor_from
from syndicate.content.models import Article
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import COMMENT_MODERATE, COMMENT_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.paging import keyset_list, without_page_numbers

QUEUE_FILTERS = (CommentStatus.HELD, CommentStatus.APPROVED, CommentStatus.SPAM)
DONE = {
    "approve": (
        "Comment #{id} approved; {name}'s later comments under this name and address "
        "appear at once."
    ),
    "spam": "Comment #{id} marked as spam; {name}'s next comments will be held.",
    "delete": "Comment #{id} deleted.",
}


def _status_filter() -> CommentStatus:
    raw = request.values.get("status", CommentStatus.HELD.value)
    for status in QUEUE_FILTERS:
        if status.value == raw:
            return status
    return CommentStatus.HELD


@bp.route("/comments")
@requires(COMMENT_VIEW)
@without_page_numbers
def comment_queue() -> str:
    """Comments with one status (held by default), oldest held first, newest otherwise."""
    session = db_session()
    status = _status_filter()
    page = keyset_list(
        select(Comment).where(Comment.status == status),
        Comment.created_at,
        Comment.id,
        descending=status is not CommentStatus.HELD,
        options=(
            joinedload(Comment.article).options(
                load_only(Article.id, Article.slug, Article.headline), raiseload("*")
            ),
            joinedload(Comment.parent).load_only(Comment.id, Comment.author_name),
        ),
    )
    return render_template(
        "staff/comments/queue.html",
        page=page,
        status=status,
        filters=QUEUE_FILTERS,
        counts=services.status_counts(session),
    )


@bp.route("/comments/<int:comment_id>/<any(approve, spam, delete):action>", methods=["POST"])
@requires(COMMENT_MODERATE)
def comment_moderate(comment_id: int, action: str) -> Response:
    """Approve, mark as spam or delete one comment; audited. Returns to the same list page
    (the form carries the list's ``before``/``after`` cursor)."""
    session = db_session()
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status is CommentStatus.DELETED:
        abort(404)
    services.MODERATION_ACTIONS[action](session, comment, actor_id=current_user.id, now=utcnow())
    flash(DONE[action].format(id=comment.id, name=comment.author_name), "success")
    status = _status_filter()
    args: dict[str, str | int] = {"status": status.value}
    cursor = cursor_from(request.form)
    if cursor is not None:
        args["after" if cursor.after else "before"] = cursor.id
    return redirect(url_for("staff.comment_queue", **args), code=303)  # type: ignore[arg-type]
