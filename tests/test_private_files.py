"""Files that hold secrets are readable by their owner only (0600), whatever the umask:
backup archives (every password hash and key digest) and the development mail files
(invitation links)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from syndicate.outbox.delivery import FileTransport, MailSettings, run_once
from tests.test_backup import _fill, _invoke, target  # noqa: F401 - target is a fixture
from tests.test_outbox import _queue


@contextmanager
def umask(mask: int) -> Iterator[None]:
    """Run the block with the process umask set to ``mask``."""
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


def test_backup_archives_are_private_whatever_the_umask(
    target: dict[str, Any],  # noqa: F811 - the fixture imported above
    tmp_path: Path,
) -> None:
    _fill(target["url"], target["media"])
    archive = tmp_path / "out" / "site.tar"
    with umask(0):
        assert _invoke(target["env"], "backup", str(archive)).exit_code == 0
    assert mode(archive) == 0o600
    # Replacing an archive (or a partial one left behind) wider open narrows it too.
    archive.chmod(0o666)
    leftover = archive.with_name(archive.name + ".partial")
    leftover.write_bytes(b"")
    leftover.chmod(0o666)
    with umask(0):
        assert _invoke(target["env"], "backup", str(archive), "--yes").exit_code == 0
    assert mode(archive) == 0o600


def test_mail_files_are_private_whatever_the_umask(db, tmp_path: Path) -> None:
    directory = tmp_path / "mail"
    _queue(db, subject="Set your password")
    transport = FileTransport(MailSettings(sender="Desk <desk@example.org>", directory=directory))
    with umask(0):
        assert run_once(db, {"email": transport}) == {"sent": 1, "retry": 0, "dead": 0}
    [path] = directory.glob("*.eml")
    assert mode(path) == 0o600
    assert mode(directory) & 0o077 == 0
    assert not list(directory.glob("*.tmp"))
