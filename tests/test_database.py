"""The schema comes from migrations and matches the models; SQLite is set up for safety."""

from __future__ import annotations

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
