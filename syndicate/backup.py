"""Backup and restore of the database and the media folder, as one tar archive.

The archive holds, in this order:

* ``manifest.json`` — format version, backend, creation time, row counts per table;
* ``database.sqlite3`` (a copy made with SQLite's online backup API, consistent while the
  service keeps writing) or ``database.pgdump`` (``pg_dump --format=custom``);
* ``media/…`` — every file of the media folder.

Restoring copies the database back (SQLite: the online backup API again, into the live
file; PostgreSQL: ``pg_restore --clean --if-exists --no-owner --single-transaction``) and
replaces the media folder. PostgreSQL credentials reach the client programs through the
``PG*`` environment variables, never their command line, so no password shows in ``ps``.

No Flask here: the CLI passes the database URL and the media folder.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, table
from sqlalchemy.engine import URL, make_url

from syndicate.database import Database

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
POSTGRES_MEMBER = "database.pgdump"
MEDIA_PREFIX = "media"

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


@dataclass(frozen=True)
class Summary:
    """What a backup or restore covered."""

    backend: str
    tables: dict[str, int]
    media_files: int
    archive_bytes: int


def _quiet(_message: str) -> None:
    pass


def backend_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` for a database URL; anything else is refused."""
    backend = make_url(url).get_backend_name()
    if backend not in {"sqlite", "postgresql"}:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return backend


def table_counts(url: str) -> dict[str, int]:
    """Rows per table of the database at ``url`` (every table present, sorted by name)."""
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            return {
                name: int(connection.scalar(select(func.count()).select_from(table(name))) or 0)
                for name in names
            }
    finally:
        database.dispose()


def has_data(url: str, media_dir: Path) -> bool:
    """Whether restoring over this database and media folder would destroy anything."""
    if media_dir.is_dir() and any(path.is_file() for path in media_dir.rglob("*")):
        return True
    return any(count for name, count in table_counts(url).items() if name != "alembic_version")


def postgres_environment(url: str) -> dict[str, str]:
    """The environment for pg_dump/pg_restore: the URL's parts as PG* variables."""
    parsed: URL = make_url(url)
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    parts = {
        "PGHOST": parsed.host,
        "PGPORT": str(parsed.port) if parsed.port else None,
        "PGUSER": parsed.username,
        "PGPASSWORD": parsed.password,
        "PGDATABASE": parsed.database,
        "PGSSLMODE": parsed.query.get("sslmode"),
    }
    env.update({key: str(value) for key, value in parts.items() if value})
    return env


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        result = subprocess.run(  # noqa: S603 - fixed program, arguments without secrets
            command, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:
        raise BackupError(
            f"{command[0]} was not found: install the PostgreSQL client programs"
        ) from exc
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.returncode}")


def _dump_database(url: str, target: Path, progress: Progress) -> None:
    if backend_of(url) == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        destination = sqlite3.connect(target)
        try:

            def report(_status: int, remaining: int, total: int) -> None:
                progress(f"database pages {total - remaining}/{total}")

            with destination:
                source.backup(destination, pages=256, progress=report)
        finally:
            destination.close()
            source.close()
        return
    progress("running pg_dump")
    _run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}"],
        postgres_environment(url),
        "pg_dump",
    )


def _media_files(media_dir: Path) -> list[Path]:
    if not media_dir.is_dir():
        return []
    return sorted(path for path in media_dir.rglob("*") if path.is_file())


def create_backup(url: str, media_dir: Path, archive: Path, progress: Progress = _quiet) -> Summary:
    """Write the database and the media folder to the tar ``archive`` (replacing it).

    The archive is written beside its final name and renamed at the end, so a failed
    backup never leaves a truncated file under that name.
    """
    backend = backend_of(url)
    archive = archive.resolve()
    archive.parent.mkdir(parents=True, exist_ok=True)
    counts = table_counts(url)
    files = _media_files(media_dir)
    partial = archive.with_name(archive.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="syndicate-backup-") as work:
        member = SQLITE_MEMBER if backend == "sqlite" else POSTGRES_MEMBER
        dump = Path(work) / member
        progress("copying the database")
        _dump_database(url, dump, progress)
        manifest = Path(work) / MANIFEST
        manifest.write_text(
            json.dumps(
                {
                    "format": FORMAT_VERSION,
                    "backend": backend,
                    "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "tables": counts,
                    "media_files": len(files),
                },
                indent=2,
            ),
            encoding="utf-8",
        )
        # The archive holds every password hash and key digest: owner only, whatever the
        # umask (and whatever mode a leftover partial file had).
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
            tar.add(manifest, arcname=MANIFEST)
            tar.add(dump, arcname=member)
            for number, path in enumerate(files, start=1):
                relative = path.relative_to(media_dir).as_posix()
                tar.add(path, arcname=f"{MEDIA_PREFIX}/{relative}")
                if number % 50 == 0 or number == len(files):
                    progress(f"media files {number}/{len(files)}")
    os.replace(partial, archive)
    return Summary(backend, counts, len(files), archive.stat().st_size)


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup archive; a file that is not one is refused."""
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read().decode("utf-8"))
    except (OSError, KeyError, tarfile.TarError, ValueError) as exc:
        raise BackupError(f"{archive} is not a Syndicate backup ({exc})") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"{archive} has backup format {manifest.get('format')!r}")
    return manifest


def _restore_database(url: str, dump: Path, backend: str, progress: Progress) -> None:
    if backend == "sqlite":
        target_path = _sqlite_path(url)
        target_path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(dump)
        target = sqlite3.connect(target_path, timeout=30)
        try:

            def report(_status: int, remaining: int, total: int) -> None:
                progress(f"database pages {total - remaining}/{total}")

            # The online backup API writes the pages into the live file under its lock,
            # so open connections see either the old database or the restored one.
            source.backup(target, pages=256, progress=report)
        finally:
            target.close()
            source.close()
        return
    progress("running pg_restore")
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            # pg_restore insists on a --dbname; the name alone is no secret (the rest is PG*).
            f"--dbname={make_url(url).database}",
            str(dump),
        ],
        postgres_environment(url),
        "pg_restore",
    )


def _restore_media(tar: tarfile.TarFile, media_dir: Path, progress: Progress) -> int:
    members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith(f"{MEDIA_PREFIX}/")]
    media_dir = media_dir.resolve()
    media_dir.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_dir.parent))
    try:
        for number, member in enumerate(members, start=1):
            # The "data" filter refuses absolute paths, "..", links and device files.
            tar.extract(member, incoming, filter="data")
            if number % 50 == 0 or number == len(members):
                progress(f"media files {number}/{len(members)}")
        unpacked = incoming / MEDIA_PREFIX
        unpacked.mkdir(exist_ok=True)
        previous = media_dir.with_name(media_dir.name + ".before-restore")
        if previous.exists():
            shutil.rmtree(previous)
        if media_dir.exists():
            media_dir.rename(previous)
        unpacked.rename(media_dir)
        if previous.exists():
            shutil.rmtree(previous)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
    return len(members)


def restore_backup(
    url: str, media_dir: Path, archive: Path, progress: Progress = _quiet
) -> Summary:
    """Replace the database at ``url`` and the media folder with the archive's contents.

    The backend of the archive must match the target's. The caller confirms first. Both
    content versions are raised afterwards, so nothing a worker cached survives it.
    """
    manifest = read_manifest(archive)
    backend = backend_of(url)
    if manifest["backend"] != backend:
        raise BackupError(
            f"{archive} holds a {manifest['backend']} database; the target is {backend}"
        )
    member = SQLITE_MEMBER if backend == "sqlite" else POSTGRES_MEMBER
    with (
        tempfile.TemporaryDirectory(prefix="syndicate-restore-") as work,
        tarfile.open(archive, "r") as tar,
    ):
        progress("restoring the database")
        tar.extract(member, work, filter="data")
        _restore_database(url, Path(work) / member, backend, progress)
        progress("restoring the media folder")
        files = _restore_media(tar, media_dir, progress)
    _raise_versions(url)
    return Summary(backend, table_counts(url), files, archive.stat().st_size)


def _raise_versions(url: str) -> None:
    """Raise the content versions past the restored ones: running workers hold copies
    labelled with versions of the database before, which must never match again."""
    from syndicate.syndication.version import raise_all

    database = Database(url)
    try:
        with database.engine.begin() as connection:
            raise_all(connection)
    finally:
        database.dispose()
