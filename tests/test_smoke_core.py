"""The core boots: migrations, factories, accounts and the commit boundary."""

from __future__ import annotations

from syndicate.accounts.models import User
from tests.conftest import login
from tests.factories import make_article, make_user


def test_schema_comes_from_migrations(session) -> None:
    from sqlalchemy import inspect

    tables = set(inspect(session.connection()).get_table_names())
    assert {"articles", "images", "users", "alembic_version"} <= tables


def test_login_and_logout_rotate_the_session_token(client, session) -> None:
    user = make_user(session, email="desk@example.org")
    session.commit()
    before = user.session_token
    response = login(client, "desk@example.org")
    assert response.status_code == 302
    session.expire_all()
    assert session.get(User, user.id).session_token == before
    assert make_article(session).id
