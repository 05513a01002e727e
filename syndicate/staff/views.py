"""The staff console blueprint with every console route registered on it."""

from __future__ import annotations

from syndicate.staff import article_images, articles, dashboard, images
from syndicate.staff.blueprint import bp

__all__ = ["article_images", "articles", "bp", "dashboard", "images"]
