"""Public routes for posting comments.

Design (caching and CSRF): the article page is served to anonymous readers from shared
caches and sets no cookie, so it cannot carry a CSRF token (a token is tied to a session
cookie). The article page therefore shows the approved comments and links ("Join the
discussion", "Reply") to ``/articles/<slug>/comments``. That page renders the full form
with a CSRF token; it is private and uncached and may set the session cookie. The POST to
the same address is checked by the application-wide CSRF protection (400 without a valid
token, nothing saved), rate-limited per client address (429) and then validated (422 with
the form shown again). A filled honeypot gets the same answer as a held comment and
stores nothing.

A held comment that gives an e-mail address brings a confirmation link to that address
(:mod:`syndicate.comments.confirmation`). The link opens a page with a button: confirming
is a POST with a CSRF token, so a mail filter that fetches links confirms nothing.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from syndicate.accounts.current import signed_in_user
from syndicate.comments import confirmation, services
from syndicate.comments.forms import CommentForm
from syndicate.comments.linkify import comment_html
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content.models import Article
from syndicate.extensions import limiter
from syndicate.orm import utcnow
from syndicate.public import queries
from syndicate.web.db import db_session
from syndicate.web.site import site_info

bp = Blueprint("comments", __name__)

NO_STORY = "There is no story at this address. The link may be mistyped, or the story moved."
CLOSED = (
    "Comments are closed. This story no longer takes new comments; "
    "you can still read the discussion under it."
)
TOO_MANY = (
    "You have posted several comments in a short time. "
    "Please wait a few minutes before posting again."
)


@bp.app_template_filter("comment_html")
def _comment_html(text: str) -> Any:
    return comment_html(text)


def close_after_days() -> int:
    """Days after first publication when comments close by themselves (0: never)."""
    return int(current_app.config["COMMENTS_CLOSE_AFTER_DAYS"])


def desk_names() -> list[str]:
    """The desk's names that readers may not comment under: the site's name and any others."""
    return [current_app.config["SITE_NAME"], *current_app.config["COMMENTS_RESERVED_NAMES"]]


def _staff_name() -> str | None:
    user = signed_in_user()
    return user.name if user is not None and user.is_staff else None


def _confirmation_url(token: str) -> str:
    return site_info().url(url_for("comments.confirm", token=token))


def _article(session: Session, slug: str) -> Article:
    story = queries.public_article(session, slug, utcnow())
    if story is None:
        abort(404, description=NO_STORY)
    return story


def _private(html: str, status: int = 200) -> BaseResponse:
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _closed(story: Article) -> BaseResponse:
    return _private(
        render_template("comments/closed.html", article=story, message=CLOSED), status=403
    )


def _parent(session: Session, story: Article, reply_to: int | None) -> Comment | None:
    """The shown comment being answered (its top-level comment for a reply to a reply)."""
    if reply_to is None:
        return None
    parent = session.get(Comment, reply_to)
    if parent is None or parent.article_id != story.id:
        return None
    if parent.status is not CommentStatus.APPROVED:
        return None
    return parent


def _form_page(
    session: Session, story: Article, form: CommentForm, status: int = 200
) -> BaseResponse:
    parent = _parent(session, story, form.reply_target())
    html = render_template("comments/form.html", article=story, form=form, parent=parent)
    return _private(html, status)


@bp.route("/articles/<slug>/comments", methods=["GET"])
def comment_form(slug: str) -> BaseResponse:
    """The comment form for a story (``?reply_to=ID`` to answer a comment)."""
    session = db_session()
    story = _article(session, slug)
    if not services.comments_open(story, utcnow(), close_after_days()):
        return _closed(story)
    form = CommentForm(formdata=None, reply_to=request.args.get("reply_to", ""))
    return _form_page(session, story, form)


@bp.route("/articles/<slug>/comments", methods=["POST"])
@limiter.limit(
    lambda: current_app.config["RATELIMIT_COMMENTS"],
    methods=["POST"],
    error_message=TOO_MANY,
)
def comment_post(slug: str) -> BaseResponse:
    """Post a comment: held for moderation, or shown at once for a trusted commenter."""
    session = db_session()
    story = _article(session, slug)
    now = utcnow()
    if not services.comments_open(story, now, close_after_days()):
        return _closed(story)
    form = CommentForm()
    if not form.validate():
        # Only the CSRF check can fail here, and CSRFProtect refuses that earlier.
        abort(400)
    if form.is_robot():
        return redirect(url_for("comments.held", slug=story.slug), code=303)
    submitted = services.CommentInput(
        name=form.name.data or "",
        text=form.text.data or "",
        email=form.email.data or "",
        reply_to=form.reply_target(),
    )
    try:
        comment = services.post_comment(
            session,
            story,
            submitted,
            secret=current_app.config["SECRET_KEY"],
            client_address=request.remote_addr or "",
            now=now,
            close_after_days=close_after_days(),
            desk_names=desk_names(),
            staff_name=_staff_name(),
        )
    except services.CommentRejected as exc:
        for name, message in exc.fields.items():
            getattr(form, name).errors = [message]
        return _form_page(session, story, form, status=422)
    if comment.status is CommentStatus.APPROVED:
        # The query string keeps a copy of the page cached before the comment from showing.
        target = url_for(
            "public.article", slug=story.slug, comment=comment.id, _anchor=f"comment-{comment.id}"
        )
        return redirect(target, code=303)
    sent = confirmation.send_link(
        session,
        comment,
        headline=story.headline,
        site=site_info(),
        secret_key=current_app.config["SECRET_KEY"],
        url_for_token=_confirmation_url,
        now=now,
    )
    held_page = url_for("comments.held", slug=story.slug, sent="1" if sent else None)
    return redirect(held_page, code=303)


@bp.route("/articles/<slug>/comments/held")
def held(slug: str) -> BaseResponse:
    """The confirmation shown after a comment that waits for a moderator (``?sent=1``: and
    for a link e-mailed to the commenter's address)."""
    story = _article(db_session(), slug)
    sent = request.args.get("sent") == "1"
    days = confirmation.CONFIRMATION_MAX_AGE.days
    return _private(render_template("comments/held.html", article=story, sent=sent, days=days))


def _public_story(session: Session, article_id: int) -> Article | None:
    """The comment's story if the public may read it now (it may have been withdrawn)."""
    story = session.get(Article, article_id)
    return None if story is None else queries.public_article(session, story.slug, utcnow())


def _link_gone() -> BaseResponse:
    days = confirmation.CONFIRMATION_MAX_AGE.days
    return _private(render_template("comments/confirm_invalid.html", days=days), status=404)


@bp.route("/comments/confirm/<token>", methods=["GET"])
def confirm(token: str) -> BaseResponse:
    """The page an e-mailed confirmation link opens: what confirming does, and its button."""
    session = db_session()
    comment = confirmation.pending(session, current_app.config["SECRET_KEY"], token, utcnow())
    if comment is None:
        return _link_gone()
    story = _public_story(session, comment.article_id)
    html = render_template("comments/confirm.html", comment=comment, article=story, token=token)
    return _private(html)


@bp.route("/comments/confirm/<token>", methods=["POST"])
def confirm_post(token: str) -> BaseResponse:
    """Confirm the address once: publish the commenter's held comments and trust them."""
    session = db_session()
    comment = confirmation.confirm(session, current_app.config["SECRET_KEY"], token, utcnow())
    if comment is None:
        return _link_gone()
    story = _public_story(session, comment.article_id)
    if comment.status is CommentStatus.APPROVED and story is not None:
        target = url_for(
            "public.article", slug=story.slug, comment=comment.id, _anchor=f"comment-{comment.id}"
        )
        return redirect(target, code=303)
    html = render_template("comments/confirm.html", comment=comment, article=story, done=True)
    return _private(html)
