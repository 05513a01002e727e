"""Fixtures: a migrated database (SQLite, or PostgreSQL when SYNDICATE_TEST_DATABASE_URL is
set), the app, a client, and a transaction per test rolled back through a savepoint."""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from syndicate.app import create_app
from syndicate.database import Database
from syndicate.migrate import upgrade

TEST_PASSWORD = "a long test password"


def _fresh_postgres(base_url: str) -> tuple[str, Any]:
    """Create an empty database beside ``base_url``'s; return its URL and a dropper."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    name = f"syndicate_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@contextmanager
def fetches_held(app: Flask) -> Iterator[Any]:
    """The app's feed fetch counter, emptied, keeping its counts in memory (an hour's flush
    interval) until the block ends; the interval is put back afterwards."""
    from syndicate.syndication.views import fetch_counter

    counter = fetch_counter(app)
    counter.take()
    saved = counter.interval
    counter.interval = 3600
    try:
        yield counter
    finally:
        counter.interval = saved


@contextmanager
def real_commit_database(directory: Path) -> Iterator[str]:
    """A freshly migrated database whose commits are real (not rolled back per test): a new
    PostgreSQL database beside ``SYNDICATE_TEST_DATABASE_URL`` (dropped afterwards), else an
    SQLite file in ``directory``."""
    base = os.environ.get("SYNDICATE_TEST_DATABASE_URL")
    if base and not base.startswith("sqlite"):
        url, drop = _fresh_postgres(base)
        try:
            upgrade(url)
            yield url
        finally:
            drop()
        return
    url = f"sqlite:///{directory / 'shared.db'}"
    upgrade(url)
    yield url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database for this test run."""
    base = os.environ.get("SYNDICATE_TEST_DATABASE_URL")
    if base and not base.startswith("sqlite"):
        url, drop = _fresh_postgres(base)
        upgrade(url)
        yield url
        drop()
        return
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    yield url


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application, configured for tests, with CSRF on."""
    instance = tmp_path_factory.mktemp("instance")
    os.environ["SYNDICATE_INSTANCE_PATH"] = str(instance)
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "DATABASE_URL": database_url,
            "MEDIA_DIR": str(instance / "media"),
            "RATELIMIT_LOGIN": "10000 per minute",
            "SITE_BASE_URL": "http://localhost",
        }
    )
    yield application
    application.extensions["syndicate.db"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Database]:
    """The app's database, with every session joined to one transaction rolled back at the end."""
    database: Database = app.extensions["syndicate.db"]
    connection = database.engine.connect()
    outer = connection.begin()
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    try:
        yield database
    finally:
        database.sessionmaker = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """A session inside the test's transaction, for arranging data and checking results."""
    s = db.session()
    yield s
    s.close()


@pytest.fixture
def client(app: Flask, db: Database) -> FlaskClient:
    """A test client whose requests run inside the test's transaction."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask, db: Database) -> FlaskCliRunner:
    """A CLI runner whose commands run inside the test's transaction."""
    return app.test_cli_runner()


@pytest.fixture
def query_counter(db: Database) -> Iterator[list[str]]:
    """Collects every SQL statement executed while the test runs."""
    statements: list[str] = []

    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", _count)
    yield statements
    event.remove(db.engine, "before_cursor_execute", _count)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    """Fetch ``path`` and return the CSRF token of its form."""
    response = client.get(path)
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {path} (status {response.status_code})"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = TEST_PASSWORD) -> Any:
    """Sign in through the real form, CSRF token included."""
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests save screenshots and other artifacts for people to look at."""
    path = Path(os.environ.get("SYNDICATE_TEST_ARTIFACTS", "test-artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path
