"""Fixtures: a migrated database (SQLite, or PostgreSQL when SYNDICATE_TEST_DATABASE_URL is
set), the app, a client, and a transaction per test rolled back through a savepoint.

Browser tests (marked ``browser``, in files named tests/test_browser*.py, which ``make
test`` runs in one process: see TOGETHER below) share, per test process:

* ``demo_site``: one demo instance served by ``syndicate serve`` (a ``DemoSite``: base_url,
  instance, credentials()). It is shared by every browser module that runs in the process,
  so a test that changes something must not rely on what another left: make your own
  records (a new comment, application, draft) with distinctive names and look only at
  them, and never assert counts of the whole site. Its rate limits are raised, since every
  test signs in from the same address.
* ``browser``: one headless Debian Chromium; open a new context per test and close it.

A module that needs a pristine instance serves its own with
``serve_demo(tmp_path_factory.mktemp("name"))`` from tests/browser_support.py; that copies
this run's one demo build (``syndicate db upgrade`` + ``syndicate demo``), made once for
all test processes, so it costs a server start, not a demo load.

Passwords hashed and checked in the test process use argon2id at its lowest cost (a
production hash takes a fifth of a second of CPU, and the suite signs in a thousand
times); the tests of hashing itself ask for ``production_password_hashing``. Servers
started as separate processes (browser tests, tests/test_serve.py) hash as in production.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from syndicate.accounts import passwords
from syndicate.app import create_app
from syndicate.database import Database
from syndicate.migrate import upgrade
from syndicate.syndication.cache import store_for
from tests.browser_support import (
    DemoSite,
    chromium,
    serve_demo,
    share_demo_builds,
    stop_playwright,
)

TEST_PASSWORD = "a long test password"

# The service's hasher and its no-such-user hash, as the module made them.
PRODUCTION_HASHING = (passwords._hasher, passwords._DUMMY_HASH)


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
            "RATELIMIT_SEARCH": "10000 per minute",
            "SITE_BASE_URL": "http://localhost",
        }
    )
    yield application
    application.extensions["syndicate.db"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Database]:
    """The app's database, with every session joined to one transaction rolled back at the end.

    The rollback rewinds the version counters too, so a later test can meet the same cache
    label with other data: each test starts with an empty cache store (production never
    rewinds, and `syndicate restore` raises the counters)."""
    database: Database = app.extensions["syndicate.db"]
    store_for(app).clear()
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


@contextmanager
def sibling_app(app: Flask, db: Database, **config: Any) -> Iterator[Flask]:
    """Another application on the test's database, configured with ``config`` on top of the
    essentials, whose sessions join the test's transaction (rolled back with it)."""
    sibling = create_app(
        {
            "SECRET_KEY": "sibling-test-secret-0123456789",
            "DATABASE_URL": app.config["DATABASE_URL"],
            "MEDIA_DIR": app.config["MEDIA_DIR"],
            "SITE_BASE_URL": "http://localhost",
            **config,
        }
    )
    own: Database = sibling.extensions["syndicate.db"]
    original = own.sessionmaker
    own.sessionmaker = db.sessionmaker
    try:
        yield sibling
    finally:
        own.sessionmaker = original
        own.dispose()


def past_this_second() -> None:
    """Sleep into the next whole second of the clock: a change made before the call then lies
    in a second that has ended (HTTP dates and cached copies count whole seconds)."""
    time.sleep(1.02 - time.time() % 1)


def without_csrf(page: bytes) -> bytes:
    """``page`` with its CSRF tokens blanked: a token carries the second it was signed in, so
    two renderings of one page a second apart differ there alone."""
    return re.sub(rb'<input[^>]*name="csrf_token"[^>]*>', b"<input csrf>", page)


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


# Every browser test signs in and posts from 127.0.0.1, on one server per test process.
SHARED_DEMO_CONFIG = """
[ratelimit]
login = "1000 per minute"
comments = "1000 per minute"
apply = "1000 per minute"
"""


def _use_hashing(hasher: PasswordHasher, dummy_hash: str | None) -> None:
    passwords._hasher, passwords._DUMMY_HASH = hasher, dummy_hash


@pytest.fixture(scope="session", autouse=True)
def _quick_password_hashing() -> Iterator[None]:
    """argon2id at its lowest cost in this process (see the module docstring)."""
    quick = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _use_hashing(quick, quick.hash("not-a-real-password-used-for-timing-only"))
    yield
    _use_hashing(*PRODUCTION_HASHING)


@pytest.fixture
def production_password_hashing() -> Iterator[None]:
    """Hash and check passwords with the service's own argon2id parameters."""
    saved = (passwords._hasher, passwords._DUMMY_HASH)
    _use_hashing(*PRODUCTION_HASHING)
    yield
    _use_hashing(*saved)


# Tests that one process runs together under ``--dist loadgroup`` (``make test``), so that
# what they set up is made once: the browser modules (tests/test_browser*.py: one demo server
# and one Chromium per process; the layout walk apart), each module that starts servers for the
# whole module, and the in-process demo loads (whose drawn pictures the loader keeps for the
# next load in the same process). (xdist's own xdist_group marks do not reach its scheduler
# under pytest 9, which ignores the node ids xdist rewrites; the groups are told here by file.)
TOGETHER = {
    "tests/test_serve.py": "serve",
    "tests/test_serve_metrics.py": "serve-metrics",
    "tests/test_deploy_topology.py": "topology",
    "tests/test_page_cache.py": "page-cache",
    "tests/test_demo.py": "demo",
    "tests/test_pickup_charts.py": "demo",
}


def _group_of(nodeid: str) -> str | None:
    path = nodeid.split("::", 1)[0]
    if path == "tests/test_browser_layout.py":
        # The layout walk is the longest browser module: a second process takes it, with a
        # demo server of its own, so that the two cores finish together.
        return "browser-layout"
    if path.startswith("tests/test_browser"):
        return "browser"
    return TOGETHER.get(path)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: runs without xdist must not fail
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``--dist loadgroup``, schedule each group above as one unit of work (biggest
    units first, then single tests to whichever process is free)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class TogetherScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group_of(nodeid) or super()._split_scope(nodeid)

    return TogetherScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _one_demo_build_per_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Let every test process of this run (xdist workers share the base temporary folder's
    parent) copy one demo build instead of loading the demo again; stop Playwright last."""
    base = tmp_path_factory.getbasetemp()
    share_demo_builds(base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base)
    yield
    stop_playwright()


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """The demo served on a free loopback port, shared by this process's browser tests."""
    with serve_demo(tmp_path_factory.mktemp("demo-site"), config=SHARED_DEMO_CONFIG) as site:
        yield site


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (never a downloaded browser)."""
    with chromium() as launched:
        yield launched
