"""The console's keyset lists in a browser, at phone and desktop widths: the "Older" and
"Newer" links walk the audit log and the image library with their filters, and nothing
spills sideways at 390 px.

Runs a demo instance of its own with four rows to a page, so the demo's rows fill pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import DemoSite, PageProblems, serve_demo

pytestmark = pytest.mark.browser

WIDTHS = ((1280, 900), (390, 844))


@pytest.fixture(scope="module")
def small_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    with serve_demo(tmp_path_factory.mktemp("lists"), "[site]\npage_size = 4\n") as site:
        yield site


def _staff_email(site: DemoSite) -> str:
    return next(e for e in site.credentials() if e.startswith("editor@"))


def _sign_in(page: Any, site: DemoSite, email: str) -> None:
    page.goto(site.base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", site.credentials()[email])
    with page.expect_navigation():
        page.click("main button[type=submit]")


def _fits(page: Any, width: int) -> None:
    page.wait_for_load_state("load")  # styled: a page reached by a click may not be yet
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide at {width} px"


def _rows(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("table.data tbody tr").all_inner_texts()]


@pytest.mark.parametrize(
    ("name", "path", "back", "on"),
    [
        ("audit", "/staff/audit?object_type=article", "Newer", "Older"),
        ("images", "/staff/images?rights=staff", "Newer", "Older"),
    ],
)
def test_a_list_walks_by_keyset_at_both_widths(
    browser: Any,
    small_pages: DemoSite,
    artifacts_dir: Path,
    name: str,
    path: str,
    back: str,
    on: str,
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        problems = PageProblems(page)
        _sign_in(page, small_pages, _staff_email(small_pages))
        page.goto(small_pages.base_url + path)
        first = _rows(page)
        assert len(first) == 4
        onward = page.locator(f"nav.pagination a[rel=next]:has-text('{on}')")
        assert onward.count() == 1
        with page.expect_navigation():
            onward.click()
        assert "before=" in page.url
        query = path.split("?", 1)[1]
        assert query in page.url, "the filter rides along"
        second = _rows(page)
        assert second
        assert not set(first) & set(second)
        assert page.locator(f"nav.pagination a[rel=prev]:has-text('{back}')").count() == 1
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            _fits(page, width)
            page.screenshot(path=str(artifacts_dir / f"list-{name}-{width}.png"), full_page=True)
        with page.expect_navigation():
            page.locator("nav.pagination a[rel=prev]").click()
        assert _rows(page) == first
        assert problems.errors == []
    finally:
        context.close()
