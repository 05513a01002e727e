"""Console pages for accounts: every user, their API tokens, revocation and disabling.

Staff see and revoke any user's tokens and disable any other account. A token's secret is
shown only to the person it belongs to: here staff create tokens for themselves alone
(partners create theirs in the portal; the command line can issue one for anyone).
"""

from __future__ import annotations

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from syndicate.accounts.current import signed_in_user
from syndicate.accounts.forms import ApiTokenForm
from syndicate.accounts.models import ApiToken, Role, User
from syndicate.accounts.services import (
    AccountError,
    create_api_token,
    disable_user,
    revoke_api_token,
    token_state,
    tokens_of,
)
from syndicate.orm import utcnow
from syndicate.staff.blueprint import bp
from syndicate.staff.licensing_forms import ConfirmForm
from syndicate.staff.listing import like_pattern
from syndicate.staff.permissions import CONSOLE_VIEW, USER_MANAGE, USER_VIEW, requires
from syndicate.web.db import db_session
from syndicate.web.headers import secret_page
from syndicate.web.paging import keyset_list, without_page_numbers

SEARCH_MAX = 200
ROLES = tuple(role.value for role in Role)
STATES = ("enabled", "disabled")


def _load(user_id: int) -> User:
    found = db_session().get(User, user_id)
    if found is None:
        abort(404)
    return found


@bp.route("/users")
@requires(USER_VIEW)
@without_page_numbers
def user_list() -> str:
    """Every account, staff and partners, by e-mail address, with its live API tokens."""
    session = db_session()
    query = " ".join(request.args.get("q", "").split())[:SEARCH_MAX]
    role = request.args.get("role", "")
    role = role if role in ROLES else ""
    state = request.args.get("state", "")
    state = state if state in STATES else ""
    statement = select(User)
    if role:
        statement = statement.where(User.role == Role(role))
    if state:
        statement = statement.where(User.is_enabled.is_(state == "enabled"))
    if query:
        pattern = like_pattern(query)
        statement = statement.where(
            or_(*(func.lower(col).like(pattern, escape="\\") for col in (User.email, User.name)))
        )
    page = keyset_list(statement, User.email, User.id, descending=False)
    now = utcnow()
    live = dict(
        session.execute(
            select(ApiToken.user_id, func.count(ApiToken.id))
            .where(
                ApiToken.user_id.in_([u.id for u in page.items]),
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
            .group_by(ApiToken.user_id)
        ).all()
    )
    return render_template(
        "staff/users/list.html",
        page=page,
        query=query,
        role=role,
        state=state,
        roles=ROLES,
        states=STATES,
        live_tokens=live,
    )


def _detail(user: User, form: ApiTokenForm | None = None, status: int = 200) -> tuple[str, int]:
    own = user.id == current_user.id
    if form is None and own:
        form = ApiTokenForm(formdata=None)
    return (
        render_template(
            "staff/users/detail.html",
            user=user,
            tokens=tokens_of(db_session(), user.id),
            token_state=token_state,
            own=own,
            form=form,
            action_form=ConfirmForm(formdata=None),
        ),
        status,
    )


@bp.route("/users/<int:user_id>")
@requires(USER_VIEW)
def user_detail(user_id: int) -> tuple[str, int]:
    """An account: its details and API tokens (with creation on one's own page)."""
    return _detail(_load(user_id))


@bp.route("/users/<int:user_id>/tokens/<int:token_id>/revoke", methods=["POST"])
@requires(USER_MANAGE)
def user_token_revoke(user_id: int, token_id: int) -> Response:
    """Revoke one of the user's API tokens; the next request with it is refused."""
    user = _load(user_id)
    token = db_session().get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        abort(404)
    if not ConfirmForm().validate():
        abort(400)
    label = token.label or f"{token.prefix}…"
    if revoke_api_token(db_session(), token, actor_id=current_user.id):
        flash(f"The token “{label}” is revoked; it stops working at once.", "success")
    else:
        flash(f"The token “{label}” was already revoked.", "info")
    return redirect(url_for("staff.user_detail", user_id=user.id) + "#tokens", 303)


@bp.route("/tokens", methods=["POST"])
@requires(CONSOLE_VIEW, fresh=True)
def own_token_create() -> Response | tuple[str, int]:
    """Issue an API token for the signed-in staff member and show it, this once."""
    me = signed_in_user()
    assert me is not None  # the enforcement point admitted a signed-in user
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _detail(me, form, 422)
    try:
        token, secret = create_api_token(
            db_session(),
            me,
            label=form.label.data or "",
            expires_at=form.expires_at(utcnow()),
            actor_id=me.id,
        )
    except AccountError as exc:
        form.label.errors = [str(exc)]
        return _detail(me, form, 422)
    return secret_page(
        render_template("staff/users/token_secret.html", user=me, token=token, secret=secret), 201
    )


@bp.route("/users/<int:user_id>/disable")
@requires(USER_MANAGE, fresh=True)
def user_disable_confirm(user_id: int) -> str:
    """Ask before disabling an account."""
    user = _load(user_id)
    if not user.is_enabled:
        abort(409, "This account is already disabled.")
    if user.id == current_user.id:
        abort(409, "You cannot disable your own account.")
    live = [t for t in tokens_of(db_session(), user.id) if token_state(t) == "active"]
    return render_template(
        "staff/users/disable.html", user=user, live_tokens=live, form=ConfirmForm()
    )


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
@requires(USER_MANAGE, fresh=True)
def user_disable(user_id: int) -> Response:
    """Disable the account: its sessions and API tokens stop working at once."""
    user = _load(user_id)
    if not ConfirmForm().validate():
        abort(400)
    if user.id == current_user.id:
        abort(409, "You cannot disable your own account.")
    revoked = disable_user(db_session(), user, actor_id=current_user.id)
    if revoked is None:
        flash(f"{user.email} was already disabled.", "info")
    else:
        tokens = f"{revoked} API token{'' if revoked == 1 else 's'}"
        flash(f"{user.email} is disabled: signed out everywhere and {tokens} revoked.", "success")
    return redirect(url_for("staff.user_detail", user_id=user.id), 303)
