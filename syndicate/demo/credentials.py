"""The demo accounts' passwords, kept in a private file in the instance folder.

The database stores only argon2 hashes; this file keeps the plaintext so that a later
``syndicate demo`` can print the same credentials again without changing anything.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

FILE_NAME = "demo-credentials.txt"
HEADER = (
    "# Sign-in credentials of the demo accounts, written by `syndicate demo`.\n"
    "# Keep this file private. One account a line: e-mail address, then password.\n"
)


def new_password(min_length: int = 12) -> str:
    """A random password of at least ``min_length`` characters (at least 120 bits)."""
    return secrets.token_urlsafe(max(15, min_length))


class CredentialFile:
    """E-mail → password pairs in ``<instance>/demo-credentials.txt`` (mode 0600)."""

    def __init__(self, instance: Path) -> None:
        self.path = instance / FILE_NAME
        self._entries: dict[str, str] = {}
        self._dirty = False
        if self.path.is_file():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                parts = line.split()
                if len(parts) == 2 and not line.startswith("#"):
                    self._entries[parts[0].lower()] = parts[1]

    def get(self, email: str) -> str | None:
        """The stored password for ``email``, if any."""
        return self._entries.get(email.lower())

    def set(self, email: str, password: str) -> None:
        """Remember ``password`` for ``email`` (written by :meth:`save`)."""
        if self._entries.get(email.lower()) != password:
            self._entries[email.lower()] = password
            self._dirty = True

    def save(self) -> bool:
        """Write the file if anything changed, readable by its owner only; True if written."""
        if not self._dirty:
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        body = HEADER + "".join(f"{email} {pw}\n" for email, pw in self._entries.items())
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".credentials-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(body)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._dirty = False
        return True
