"""In Chromium: the article's JSON-LD is data the strict policy lets be, and tag pages fit.

The page's Content-Security-Policy allows no inline script; a ``application/ld+json`` block
is not script, and Chromium must report no violation for it while the data stays readable.
Tag pages are shown at a phone's and a desktop's width (screenshots are kept with the test
artifacts): nothing wider than the window, every story card and link reachable.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import DemoSite, PageProblems, chromium, serve_demo

pytestmark = pytest.mark.browser

ARTICLE = "/articles/harlow-bend-weighs-moving-its-riverfront"
TAG = "/tags/oriel-county"

# Installed before any page script: every policy violation the page reports is kept.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(`${event.violatedDirective}: ${event.blockedURI} ${event.sample}`);
});
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    with serve_demo(tmp_path_factory.mktemp("rights-browser")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_json_ld_raises_no_policy_violation(site: DemoSite, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    problems = PageProblems(page)
    policy_messages: list[str] = []
    page.on(
        "console",
        lambda m: policy_messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    response = page.goto(site.base_url + ARTICLE)
    assert response is not None
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    assert page.evaluate("window.__violations") == []
    assert policy_messages == []
    assert problems.errors == []
    blocks = page.locator('script[type="application/ld+json"]')
    assert blocks.count() == 1
    data = json.loads(blocks.text_content() or "")
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == page.locator("h1").inner_text()
    assert all("creditText" in image for image in data["image"])
    context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_tag_page_fits_and_is_reachable(
    site: DemoSite, browser: Any, artifacts_dir: Path, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = PageProblems(page)
    response = page.goto(site.base_url + TAG)
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "Oriel County"
    cards = page.locator("main .card")
    assert cards.count() >= 3
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow}px wider than the window at {width}px"
    for index in range(cards.count()):
        link = cards.nth(index).locator(".card__title a")
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= width + 1
    page.screenshot(path=str(artifacts_dir / f"tag-page-{width}.png"), full_page=True)
    assert problems.errors == []
    # An article's tag leads here.
    page.goto(site.base_url + "/articles/oriel-county-bail-hearings-last-four-minutes")
    page.locator("ul.tags a", has_text="Oriel County").click()
    page.wait_for_url(site.base_url + TAG)
    context.close()
