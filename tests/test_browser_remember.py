"""A remembered sign-in ("keep me signed in") in a real browser: the session cookie goes
(as when the browser is closed), the console still opens page after page, and signing out
ends it for good."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import DemoSite, PageProblems

pytestmark = pytest.mark.browser

STAFF_EMAIL = "editor@lanterndesk.example"
SESSION = "syndicate_session"
REMEMBER = "syndicate_remember"
CONSOLE_PAGES = ["/staff/", "/staff/articles", "/staff/images", "/staff/license-requests"]


def cookie_names(context: Any) -> set[str]:
    """The names of the cookies the browser holds."""
    return {cookie["name"] for cookie in context.cookies()}


def test_a_remembered_editor_stays_signed_in_after_the_browser_closes(
    browser: Any, demo_site: DemoSite, artifacts_dir: Path
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        problems = PageProblems(page)
        page.goto(demo_site.base_url + "/login")
        page.fill("input[name=email]", STAFF_EMAIL)
        page.fill("input[name=password]", demo_site.credentials()[STAFF_EMAIL])
        page.check("input[name=remember]")
        page.locator("form button[type=submit]", has_text="Sign in").click()
        page.wait_for_load_state()
        assert {SESSION, REMEMBER} <= cookie_names(context)

        context.clear_cookies(name=SESSION)  # what closing the browser does
        for path in CONSOLE_PAGES:
            page.goto(demo_site.base_url + path)
            assert page.url == demo_site.base_url + path, f"{path} sent us to {page.url}"
            assert REMEMBER in cookie_names(context), f"{path} dropped the remember cookie"
            assert page.get_by_role("button", name="Sign out").is_visible()
        page.screenshot(path=str(artifacts_dir / "remembered-console.png"), full_page=True)

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_load_state()
        assert REMEMBER not in cookie_names(context)
        page.goto(demo_site.base_url + "/staff/articles")
        assert "/login" in page.url
        assert problems.errors == []
    finally:
        context.close()
