"""The demo site in a real browser: Debian's Chromium driven by Playwright.

The demo content served with ``syndicate serve`` on a free loopback port, as a reader would
meet it (``demo_site`` and ``browser``: tests/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import DemoSite, PageProblems, fetch

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375
SCROLL_TOLERANCE = 2


def article_paths(page_html: str) -> list[str]:
    """The distinct ``/articles/<slug>`` paths linked from a page, in order."""
    seen: list[str] = []
    for match in re.finditer(r'href="(?:https?://[^/"]+)?(/articles/[^"#?]+)"', page_html):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


@pytest.fixture(scope="module")
def illustrated_article(demo_site: DemoSite) -> str:
    """The path of the first article linked from the home page that shows credited figures."""
    status, home = fetch(demo_site.base_url + "/")
    assert status == 200
    paths = article_paths(home)
    assert paths, "the home page links to no article"
    for path in paths:
        status, body = fetch(demo_site.base_url + path)
        if status == 200 and "figure__credit" in body and "image-credits" in body:
            return path
    pytest.fail(f"none of the {len(paths)} articles on the home page shows credited figures")


def load_every_image(page: Any) -> None:
    """Scroll through the page so lazy images load, then check that none is broken."""
    page.evaluate(
        """async () => {
            for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight / 2) {
                window.scrollTo(0, y);
                await new Promise(resolve => requestAnimationFrame(resolve));
            }
            window.scrollTo(0, 0);
        }"""
    )
    page.wait_for_function("() => [...document.images].every(img => img.complete)", timeout=15_000)
    broken = page.evaluate(
        "() => [...document.images].filter(img => img.naturalWidth === 0).map(img => img.src)"
    )
    assert broken == [], f"images that did not load: {broken}"


def text_of(locator: Any) -> str:
    """An element's text as written (before CSS case changes), whitespace collapsed."""
    return " ".join((locator.text_content() or "").split())


def assert_figures_loaded(page: Any) -> None:
    """Every figure's image has really loaded (not a broken image)."""
    images = page.locator("figure img")
    assert images.count() > 0, "the article has no figure images"
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0",
            arg=image.element_handle(),
            timeout=10_000,
        )


def test_reader_follows_a_story_and_sees_the_credits(
    browser: Any, demo_site: DemoSite, illustrated_article: str, artifacts_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = PageProblems(page)
    try:
        page.goto(demo_site.base_url + "/")
        load_every_image(page)
        page.screenshot(path=str(artifacts_dir / "home-desktop.png"), full_page=True)
        link = page.locator(f'a[href$="{illustrated_article}"]:visible').first
        link_text = text_of(link)
        link.click()
        page.wait_for_url(f"**{illustrated_article}")
        assert page.url.endswith(illustrated_article)
        headline = text_of(page.locator("h1").first)
        assert headline
        if link_text:  # a picture link has no text to compare
            assert headline in link_text, f"clicked {link_text!r}, landed on {headline!r}"

        credits = page.locator(".figure__credit")
        assert credits.count() >= 1
        first_credit = credits.first
        first_credit.scroll_into_view_if_needed()
        assert first_credit.is_visible()
        assert text_of(first_credit), "a figure credit is empty"

        composite = page.locator(".image-credits")
        assert composite.count() == 1, "the composite credit line must appear once"
        composite.scroll_into_view_if_needed()
        assert composite.is_visible()
        composite_text = text_of(composite)
        assert composite_text.startswith("Images courtesy of"), composite_text
        for index in range(credits.count()):
            credit = text_of(credits.nth(index))
            assert credit in composite_text, f"{credit!r} is missing from {composite_text!r}"

        assert_figures_loaded(page)
        load_every_image(page)
        page.screenshot(path=str(artifacts_dir / "article-desktop.png"), full_page=True)
        assert context.cookies() == [], "an anonymous reader must get no cookie"
        assert problems.errors == []
    finally:
        context.close()


@pytest.mark.parametrize("where", ["home", "article"])
def test_phone_width_has_no_horizontal_scroll(
    browser: Any, demo_site: DemoSite, illustrated_article: str, artifacts_dir: Path, where: str
) -> None:
    context = browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 812}, device_scale_factor=2, is_mobile=True
    )
    page = context.new_page()
    problems = PageProblems(page)
    try:
        path = "/" if where == "home" else illustrated_article
        page.goto(demo_site.base_url + path)
        page.wait_for_load_state("load")
        if where == "article":
            assert page.locator(".figure__credit").first.is_visible()
            assert_figures_loaded(page)
        load_every_image(page)
        scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
        page.screenshot(path=str(artifacts_dir / f"{where}-phone.png"), full_page=True)
        assert scroll_width <= PHONE_WIDTH + SCROLL_TOLERANCE, (
            f"the {where} page is {scroll_width}px wide on a {PHONE_WIDTH}px screen"
        )
        assert problems.errors == []
    finally:
        context.close()


def test_missing_page_is_a_styled_404(browser: Any, demo_site: DemoSite) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(demo_site.base_url + "/articles/no-such-story-anywhere")
        assert response is not None
        assert response.status == 404
        assert page.locator("header, .masthead").first.is_visible(), "404 lacks the site's frame"
        assert "Traceback" not in page.content()
    finally:
        context.close()
