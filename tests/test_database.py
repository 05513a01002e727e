"""The schema comes from migrations and matches the models; SQLite is set up for safety."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from syndicate.content.search import SCHEMA_OBJECTS
from syndicate.database import Database
from syndicate.migrate import current_heads
from syndicate.models import Base


def _not_search_index(obj, name, type_, reflected, compare_to) -> bool:
    """The search index lives outside the models (an FTS5 table or a generated column)."""
    return name not in SCHEMA_OBJECTS


def test_migrations_match_the_models(db) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _not_search_index}
        )
        diff = compare_metadata(context, Base.metadata)
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version in current_heads(db.url)


def test_sqlite_pragmas(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'p.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    database.dispose()


def test_transaction_rolls_back_on_error(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 't.db'}")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")

    def failing_unit_of_work() -> None:
        with database.transaction() as session:
            session.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing_unit_of_work()
    with database.transaction() as session:
        assert session.execute(text("SELECT count(*) FROM t")).scalar() == 0
    database.dispose()


def test_a_forked_child_forgets_the_parents_connections(database_url: str) -> None:
    """A forked process (a gunicorn worker) starts with an empty pool; the parent's
    connection is left open for the parent."""
    database = Database(database_url)
    with database.engine.connect() as conn:
        parents = conn.connection.dbapi_connection
    assert database.engine.pool.checkedin() == 1
    child = os.fork()
    if child == 0:  # the child reports through its exit status, without pytest's exit
        status = 1
        try:
            if database.engine.pool.checkedin() == 0:
                with database.engine.connect() as conn:
                    fresh = conn.connection.dbapi_connection is not parents
                    status = 0 if fresh and conn.execute(text("select 2")).scalar() == 2 else 2
        finally:
            os._exit(status)
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    # The parent's connection was not closed by the child: it still answers, from the pool.
    assert database.engine.pool.checkedin() == 1
    with database.engine.connect() as conn:
        assert conn.connection.dbapi_connection is parents
        assert conn.execute(text("select 1")).scalar() == 1
    database.dispose()
