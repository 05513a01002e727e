"""Public pages (placeholder routes; the full site is built on these endpoints)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.route("/")
def home() -> str:
    """The front page."""
    return "Syndicate"


@bp.route("/articles/<slug>")
def article(slug: str) -> str:
    """One article."""
    return slug


@bp.route("/sections/<slug>")
def section(slug: str) -> str:
    """A section's stories."""
    return slug


@bp.route("/authors/<slug>")
def author(slug: str) -> str:
    """An author's page."""
    return slug


@bp.route("/search")
def search() -> str:
    """Search results."""
    return "search"


@bp.route("/republish")
def republish() -> str:
    """Terms and the application form."""
    return "republish"


@bp.route("/feeds/public.rss")
def feed_rss() -> str:
    """Public RSS feed."""
    return "rss"


@bp.route("/feeds/public.atom")
def feed_atom() -> str:
    """Public Atom feed."""
    return "atom"
