"""API tokens and the comment queue over the API, through the services the console uses.

A partner lists and revokes its own tokens; staff see every user's, and moderate comments.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import joinedload, load_only, raiseload
from werkzeug.wrappers import Response

from syndicate.accounts.models import ApiToken, User
from syndicate.accounts.services import revoke_api_token, token_state
from syndicate.api import permissions as perms
from syndicate.api import schemas
from syndicate.api.auth import current_principal
from syndicate.api.blueprint import bp
from syndicate.api.contract import body, no_content, operation, page_of, query
from syndicate.api.jsonio import ApiError, not_found
from syndicate.comments import services as comment_services
from syndicate.comments.models import Comment, CommentStatus
from syndicate.content.models import Article
from syndicate.orm import utcnow
from syndicate.web.db import db_session


def _token_json(token: ApiToken) -> schemas.ApiToken:
    return schemas.ApiToken(
        id=token.id,
        user=token.user.email,
        label=token.label,
        prefix=token.prefix,
        state=token_state(token),  # type: ignore[arg-type]
        created_at=token.created_at,
        last_used_at=token.last_used_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
    )


@bp.get("/tokens")
@operation(
    "List API tokens",
    tag="API tokens",
    permission=perms.API_TOKEN_MANAGE_OWN,
    query=schemas.ApiTokenQuery,
    answer=schemas.ApiTokenPage,
    description="A partner lists its own tokens; staff every user's, or one user's with "
    "`user`. Secrets are never listed.",
)
def list_tokens() -> schemas.ApiTokenPage:
    """Tokens, working ones first, then newest first."""
    principal = current_principal()
    asked = query(schemas.ApiTokenQuery)
    conditions: list[ColumnElement[bool]] = []
    if principal.can(perms.API_TOKEN_MANAGE_ANY):
        if asked.user:
            conditions.append(ApiToken.user.has(User.email == asked.user.strip().lower()))
    else:
        conditions.append(ApiToken.user_id == principal.actor_id)
    page = page_of(
        select(ApiToken).where(*conditions),
        asked,
        ApiToken.revoked_at.is_not(None),
        ApiToken.created_at.desc(),
        ApiToken.id.desc(),
    )
    return schemas.ApiTokenPage(**page.fields([_token_json(t) for t in page.rows]))


@bp.delete("/tokens/<int:token_id>")
@operation(
    "Revoke an API token",
    tag="API tokens",
    permission=perms.API_TOKEN_MANAGE_OWN,
    answer=None,
    status=204,
    errors=(404, 409),
    description="The next request with the token gets 401, on every worker. A partner "
    "revokes its own tokens, staff anyone's; revoking twice gets 409.",
)
def revoke_token(token_id: int) -> Response:
    """Revoke a token once."""
    principal = current_principal()
    token = db_session().get(ApiToken, token_id)
    if token is None or not (
        principal.can(perms.API_TOKEN_MANAGE_ANY) or token.user_id == principal.actor_id
    ):
        raise not_found("That token")
    if not revoke_api_token(db_session(), token, actor_id=principal.actor_id):
        raise ApiError(409, "That token is already revoked.")
    return no_content()


def _comment_json(comment: Comment) -> schemas.Comment:
    return schemas.Comment(
        id=comment.id,
        article=comment.article.slug,
        parent_id=comment.parent_id,
        author_name=comment.author_name,
        body=comment.body,
        status=comment.status,
        created_at=comment.created_at,
        moderated_at=comment.moderated_at,
    )


def _with_article() -> list[object]:
    return [joinedload(Comment.article).options(load_only(Article.slug), raiseload("*"))]


@bp.get("/comments")
@operation(
    "List comments to moderate",
    tag="Comments",
    permission=perms.COMMENT_MODERATE,
    query=schemas.CommentQuery,
    answer=schemas.CommentPage,
)
def list_comments() -> schemas.CommentPage:
    """Comments with one status: held ones oldest first, others newest first."""
    asked = query(schemas.CommentQuery)
    status = CommentStatus(asked.status)
    order = (
        (Comment.created_at, Comment.id)
        if status is CommentStatus.HELD
        else (Comment.created_at.desc(), Comment.id.desc())
    )
    page = page_of(
        select(Comment).where(Comment.status == status), asked, *order, options=_with_article()
    )
    return schemas.CommentPage(**page.fields([_comment_json(c) for c in page.rows]))


@bp.post("/comments/<int:comment_id>/moderate")
@operation(
    "Moderate a comment",
    tag="Comments",
    permission=perms.COMMENT_MODERATE,
    body=schemas.ModerationInput,
    body_required=True,
    answer=schemas.Comment,
    errors=(404,),
    description="Approve, mark as spam or delete one comment; audited. A deleted comment "
    "is not found.",
)
def moderate_comment(comment_id: int) -> schemas.Comment:
    """Apply the moderation action, as the console does."""
    action = body(schemas.ModerationInput).action
    session = db_session()
    comment = session.scalar(
        select(Comment).where(Comment.id == comment_id).options(*_with_article())  # type: ignore[arg-type]
    )
    if comment is None or comment.status is CommentStatus.DELETED:
        raise not_found("That comment")
    comment_services.MODERATION_ACTIONS[action](
        session, comment, actor_id=current_principal().actor_id, now=utcnow()
    )
    return _comment_json(comment)
