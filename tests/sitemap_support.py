"""Reading the sitemaps as a crawler does: from the index to every sitemap it names, each
document checked against the sitemaps.org structure (``tests/schemas/sitemap.xsd``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient
from lxml import etree

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SCHEMA_PATH = Path(__file__).parent / "schemas" / "sitemap.xsd"


@cache
def schema() -> etree.XMLSchema:
    """The sitemap structure (urlset, sitemapindex, the news extension)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def valid_document(client: FlaskClient, path: str) -> etree._Element:
    """GET ``path`` (200, XML) and return its root, after checking it against the schema."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "application/xml", path
    root = etree.fromstring(response.data)
    if not schema().validate(root):
        raise AssertionError(f"{path}: {schema().error_log}")
    return root


def index_paths(client: FlaskClient) -> list[str]:
    """The paths of the sitemaps ``/sitemap.xml`` lists."""
    index = valid_document(client, "/sitemap.xml")
    assert index.tag == f"{SM}sitemapindex"
    return [urlsplit(loc.text or "").path for loc in index.iter(f"{SM}loc")]


def sitemap_urls(client: FlaskClient) -> list[tuple[str, str | None, str]]:
    """Every ``<url>`` of every sitemap the index names: (loc, lastmod, sitemap path)."""
    found: list[tuple[str, str | None, str]] = []
    for path in index_paths(client):
        root = valid_document(client, path)
        assert root.tag == f"{SM}urlset", path
        for url in root.iter(f"{SM}url"):
            found.append((url.findtext(f"{SM}loc") or "", url.findtext(f"{SM}lastmod"), path))
    return found


def lastmod_of(client: FlaskClient, slug: str) -> str:
    """The lastmod of the article ``slug`` in its month's sitemap (exactly one)."""
    [lastmod] = [
        lastmod
        for loc, lastmod, path in sitemap_urls(client)
        if path.startswith("/sitemaps/articles-") and loc.endswith(f"/articles/{slug}")
    ]
    assert lastmod is not None
    return lastmod
