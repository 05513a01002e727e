"""Staff console (placeholder; the console is built on this blueprint)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)


@bp.route("/")
def dashboard() -> str:
    """The console's front page."""
    return "staff"
