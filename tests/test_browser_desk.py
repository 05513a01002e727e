"""A partner finds a story in its desk, previews it, copies its HTML with one click and pastes
it into a blank page: credits, attribution and tracking image arrive, a stripped photo never.

Runs on the shared demo (tests/conftest.py: ``demo_site``, ``browser``) as the demo's
embargo-entitled partner, whose licence covers every story.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import DemoSite, PageProblems

pytestmark = pytest.mark.browser

STORY = "harlow-bend-weighs-moving-its-riverfront"
# The partner outlet's own photo in that story is not for partners: it must never travel.
STRIPPED_CREDIT = "Felix Amador"


def _partner_email(site: DemoSite) -> str:
    return next(e for e in site.credentials() if e.endswith("@riverlandsradio.example"))


def _sign_in(page: Any, site: DemoSite, email: str) -> None:
    page.goto(site.base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", site.credentials()[email])
    with page.expect_navigation():
        page.click("main button[type=submit]")


def _copies_shown(context: Any, site: DemoSite) -> int:
    """The copies this week on the partner's pickups page."""
    page = context.new_page()
    try:
        page.goto(site.base_url + "/portal/pickups?days=7")
        text = page.locator(".chart-totals div:has(dt:text-is('Copies')) dd").inner_text()
        return int(text.replace(",", ""))
    finally:
        page.close()


def test_a_partner_copies_a_story_from_the_desk_and_pastes_it(
    browser: Any, demo_site: DemoSite, artifacts_dir: Path
) -> None:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    try:
        page = context.new_page()
        problems = PageProblems(page)
        _sign_in(page, demo_site, _partner_email(demo_site))

        # Find the story in the desk.
        page.goto(demo_site.base_url + "/portal/")
        page.click("nav.portal-nav >> text=Story desk")
        page.fill("#desk-q", "Harlow Bend weighs")
        with page.expect_navigation():
            page.click("form.desk-filters button[type=submit]")
        # The filters' row is even: labels and fields line up whatever the kind of field.
        boxes = [
            page.locator(f"#desk-{name}").bounding_box()
            for name in ("section", "tag", "from", "to")
        ]
        assert len({(round(b["y"]), round(b["height"])) for b in boxes if b}) == 1, boxes
        page.screenshot(path=str(artifacts_dir / "desk-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(artifacts_dir / "desk-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        link = page.locator(f'.desk-list a[href="/portal/desk/{STORY}"]')
        assert link.count() == 1
        with page.expect_navigation():
            link.click()

        # The preview is the partner's copy: credits and attribution, no stripped photo.
        preview = page.locator(".desk-preview__body")
        assert "Images courtesy of" in preview.inner_text()
        assert preview.locator(".attribution").count() == 1
        assert STRIPPED_CREDIT not in page.content()
        page.screenshot(path=str(artifacts_dir / "desk-story-1280.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(artifacts_dir / "desk-story-390.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})

        # One click copies, and the copy is counted (the count is sent with keepalive, whose
        # response body the browser does not keep: the pickups page shows the count).
        copies_before = _copies_shown(context, demo_site)
        with page.expect_response(lambda r: r.url.endswith(f"/portal/desk/{STORY}/copy")) as sent:
            page.click("text=Copy HTML")
        assert sent.value.status == 200
        assert "Copied" in page.locator("#copy-html .desk-copy__status").inner_text()
        assert _copies_shown(context, demo_site) >= copies_before + 1
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.locator("#copy-html-text").input_value()
        assert problems.errors == [], problems.errors

        # Pasted with the keyboard into a blank page's HTML field (as into a CMS's source
        # view), then shown as that page: it shows what the terms require.
        blank = context.new_page()
        blank.set_content('<textarea id="paste" aria-label="HTML"></textarea>')
        blank.focus("#paste")
        blank.keyboard.press("ControlOrMeta+V")
        pasted = blank.input_value("#paste")
        assert pasted == copied
        blank.set_content(pasted)
        assert blank.locator("h1").inner_text().startswith("After its third flood")
        assert blank.locator(".byline").inner_text().startswith("By ")
        credits = blank.locator(".image-credits").inner_text()
        assert credits.startswith("Images courtesy of")
        assert "Public domain" in credits
        assert blank.locator("figure .credit").count() >= 2
        attribution = blank.locator(".attribution").inner_text()
        assert attribution
        assert attribution in page.locator(".desk-preview__body .attribution").inner_text()
        original = blank.locator(".original a")
        assert original.get_attribute("href") == f"{demo_site.base_url}/articles/{STORY}"
        pixel = blank.locator('img[width="1"][height="1"]')
        assert pixel.count() == 1
        source = pixel.get_attribute("src") or ""
        assert source.startswith(demo_site.base_url + "/px/")
        assert source.endswith(".gif")
        assert STRIPPED_CREDIT not in blank.content()
        assert 'rel="canonical"' in copied
        blank.screenshot(path=str(artifacts_dir / "desk-pasted.png"), full_page=True)

        # The plain-text variant copies too.
        page.click("text=Copy plain text")
        page.wait_for_function(
            "() => document.querySelector('#copy-text .desk-copy__status').textContent"
        )
        text = page.evaluate("() => navigator.clipboard.readText()")
        assert "Images courtesy of" in text
        assert "<" not in text

        # On the public page, "Republish this story" leads the partner to that copy.
        page.goto(f"{demo_site.base_url}/articles/{STORY}")
        with page.expect_navigation():
            page.click("text=Republish this story")
        assert page.url == f"{demo_site.base_url}/portal/desk/{STORY}#copy"
    finally:
        context.close()
