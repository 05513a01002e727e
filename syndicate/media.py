"""Stored media files (images and renditions) and the route that serves them."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.wrappers import Response

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9/._-]{0,199}$")

bp = Blueprint("media", __name__)


class MediaStore:
    """Files under one root folder, addressed by relative keys."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """The file behind ``key``; refuses keys that would leave the root."""
        if not KEY_PATTERN.match(key) or ".." in key:
            raise ValueError(f"bad media key {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        """Write ``data`` under ``key`` atomically (a reader never sees half a file)."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            # mkstemp makes the file 0600; media is public, and a web server running as
            # another user (nginx, deploy/nginx/syndicate.conf) serves it straight from disk.
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""
        return self.path(key).is_file()


def media_store() -> MediaStore:
    """The application's media store."""
    return MediaStore(current_app.config["MEDIA_DIR"])


@bp.route("/media/<path:key>")
def file(key: str) -> Response:
    """Serve a stored file; keys are content-addressed, so it may be cached for a year."""
    if not KEY_PATTERN.match(key) or ".." in key:
        abort(404)
    response = send_from_directory(current_app.config["MEDIA_DIR"], key, max_age=31_536_000)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
