"""``syndicate backup`` and ``syndicate restore``: a full round trip on SQLite and PostgreSQL.

Each test builds its own migrated database (committed rows, not the usual rolled-back test
transaction), fills it through the factories, backs it up with the command line, changes
and deletes data and media, restores, and compares every table of the metadata row by row
and every media file byte by byte.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from syndicate.backup import BackupError, postgres_environment, read_manifest
from syndicate.cli import main
from syndicate.content.models import Article
from syndicate.database import Database
from syndicate.media import MediaStore
from syndicate.migrate import upgrade
from syndicate.models import Base
from tests.conftest import _fresh_postgres
from tests.factories import (
    add_image,
    make_article,
    make_feed_partner,
    make_image,
    make_partner,
    make_user,
)

FIGURES: dict[str, Any] = {}


def _backends() -> list[str]:
    backends = ["sqlite"]
    base = os.environ.get("SYNDICATE_TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        backends.append("postgresql")
    return backends


@pytest.fixture(params=_backends())
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An empty, migrated database of the parametrised backend and a media folder."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'site.db'}"
        drop = None
    else:
        url, drop = _fresh_postgres(os.environ["SYNDICATE_TEST_DATABASE_URL"])
    upgrade(url)
    env = {
        "SYNDICATE_DATABASE_URL": url,
        "SYNDICATE_MEDIA_DIR": str(tmp_path / "media"),
        "SYNDICATE_INSTANCE_PATH": str(tmp_path / "instance"),
        "SYNDICATE_SECRET_KEY": "backup-test-secret",
        "SYNDICATE_CONFIG": "",
    }
    yield {"backend": request.param, "url": url, "media": tmp_path / "media", "env": env}
    if drop is not None:
        drop()


def _fill(url: str, media: Path) -> None:
    database = Database(url)
    store = MediaStore(str(media))
    try:
        with database.transaction() as session:
            for n in range(3):
                article = make_article(session, slug=f"backup-story-{n}")
                add_image(session, article, make_image(session, store))
            make_article(session, slug="backup-draft", publish=False)
            make_feed_partner(session)
            make_partner(session)
            make_user(session, email="backup.staff@example.org")
    finally:
        database.dispose()


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in the metadata (and the migration stamp), in key order."""
    database = Database(url)
    rows: dict[str, list[tuple[Any, ...]]] = {}
    try:
        with database.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                order = list(table.primary_key.columns) or list(table.columns)
                result = connection.execute(select(table).order_by(*order))
                rows[table.name] = [tuple(row) for row in result]
            rows["alembic_version"] = [
                tuple(row) for row in connection.execute(text("SELECT * FROM alembic_version"))
            ]
    finally:
        database.dispose()
    return rows


def assert_restored(after: dict[str, list[tuple[Any, ...]]], before: dict[str, Any]) -> None:
    """Every row as it was backed up, but the content versions one higher than backed up
    (``restore`` raises them, so nothing a running worker cached is used again)."""
    backed_up = {row[0]: row[1] for row in before["feed_state"]}
    assert {row[0]: row[1] for row in after["feed_state"]} == {
        row_id: backed_up.get(row_id, 0) + 1 for row_id in (1, 2)
    }
    assert {k: v for k, v in after.items() if k != "feed_state"} == {
        k: v for k, v in before.items() if k != "feed_state"
    }


def media_digests(media: Path) -> dict[str, str]:
    """Each media file's path and SHA-256."""
    return {
        path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


def _invoke(env: dict[str, str], *args: str) -> Any:
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _change_everything(url: str, media: Path) -> None:
    database = Database(url)
    try:
        with database.transaction() as session:
            for article in session.scalars(select(Article)):
                article.headline = "Changed after the backup"
            make_user(session, email="after.backup@example.org")
            session.execute(text("DELETE FROM api_tokens"))
    finally:
        database.dispose()
    files = [path for path in media.rglob("*") if path.is_file()]
    files[0].unlink()
    files[1].write_bytes(b"overwritten")
    (media / "stray.txt").write_text("added after the backup", encoding="utf-8")


def test_round_trip_restores_every_table_and_every_file(target, tmp_path: Path) -> None:
    url, media, env = target["url"], target["media"], target["env"]
    _fill(url, media)
    before = snapshot(url)
    files_before = media_digests(media)
    assert sum(len(rows) for rows in before.values()) > 30
    assert len(files_before) >= 6

    archive = tmp_path / "out" / "site-backup.tar"
    started = time.monotonic()
    result = _invoke(env, "backup", str(archive))
    backup_seconds = time.monotonic() - started
    assert result.exit_code == 0, result.output
    assert "media files" in result.output  # progress is shown
    manifest = read_manifest(archive)
    assert manifest["backend"] == target["backend"]
    assert manifest["media_files"] == len(files_before)
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert names[0] == "manifest.json"
    assert {f"media/{name}" for name in files_before} <= set(names)

    _change_everything(url, media)
    assert snapshot(url) != before
    assert media_digests(media) != files_before

    refused = _invoke(env, "restore", str(archive))
    assert refused.exit_code != 0
    assert "--yes" in refused.output
    assert "Nothing was changed" in refused.output
    assert media_digests(media) != files_before  # the refusal really changed nothing

    started = time.monotonic()
    restored = _invoke(env, "restore", str(archive), "--yes")
    restore_seconds = time.monotonic() - started
    assert restored.exit_code == 0, restored.output
    after = snapshot(url)
    assert set(after) == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}
    for name, rows in before.items():
        assert name == "feed_state" or after[name] == rows, f"table {name} differs"
    assert_restored(after, before)
    assert media_digests(media) == files_before
    FIGURES[target["backend"]] = {
        "archive_bytes": archive.stat().st_size,
        "rows": sum(len(rows) for rows in before.values()),
        "media_files": len(files_before),
        "backup_s": round(backup_seconds, 2),
        "restore_s": round(restore_seconds, 2),
    }
    print(f"\nbackup round trip {target['backend']}: {FIGURES[target['backend']]}")


def test_restore_into_an_empty_site_needs_no_confirmation(target, tmp_path: Path) -> None:
    url, media, env = target["url"], target["media"], target["env"]
    _fill(url, media)
    before = snapshot(url)
    archive = tmp_path / "b.tar"
    assert _invoke(env, "backup", str(archive)).exit_code == 0
    assert _invoke(env, "backup", str(archive)).exit_code != 0  # no silent overwrite
    assert _invoke(env, "backup", str(archive), "--yes").exit_code == 0

    # A second, empty site restored from the archive.
    fresh = {**env, "SYNDICATE_MEDIA_DIR": str(tmp_path / "media2")}
    if target["backend"] == "sqlite":
        fresh_url = f"sqlite:///{tmp_path / 'second.db'}"
        drop = None
    else:
        fresh_url, drop = _fresh_postgres(os.environ["SYNDICATE_TEST_DATABASE_URL"])
    fresh["SYNDICATE_DATABASE_URL"] = fresh_url
    try:
        result = _invoke(fresh, "restore", str(archive))
        assert result.exit_code == 0, result.output
        assert_restored(snapshot(fresh_url), before)
        assert media_digests(tmp_path / "media2") == media_digests(media)
    finally:
        if drop is not None:
            drop()


def test_restore_refuses_what_is_not_a_backup(target, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar"
    bogus.write_bytes(b"not a tar archive at all")
    result = _invoke(target["env"], "restore", str(bogus), "--yes")
    assert result.exit_code != 0
    assert "not a Syndicate backup" in result.output
    with pytest.raises(BackupError):
        read_manifest(bogus)


def test_archive_members_cannot_escape_the_media_folder(target, tmp_path: Path) -> None:
    url, media, env = target["url"], target["media"], target["env"]
    archive = tmp_path / "evil.tar"
    assert _invoke(env, "backup", str(archive)).exit_code == 0
    payload = tmp_path / "payload.txt"
    payload.write_text("escaped", encoding="utf-8")
    with tarfile.open(archive, "a") as tar:
        tar.add(payload, arcname="media/../../escaped.txt")
    result = CliRunner().invoke(main, ["restore", str(archive), "--yes"], env=env)
    assert result.exit_code != 0
    assert not (tmp_path / "escaped.txt").exists()
    assert not (media.parent.parent / "escaped.txt").exists()
    del url


def test_postgres_credentials_go_through_the_environment() -> None:
    env = postgres_environment("postgresql://desk:s3cr%40t@db.internal:5433/news?sslmode=require")
    assert env["PGHOST"] == "db.internal"
    assert env["PGPORT"] == "5433"
    assert env["PGUSER"] == "desk"
    assert env["PGPASSWORD"] == "s3cr@t"
    assert env["PGDATABASE"] == "news"
    assert env["PGSSLMODE"] == "require"
