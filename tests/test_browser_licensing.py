"""The licensing journey in a real browser: apply on the public site, approve in the console."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import DemoSite, PageProblems

pytestmark = pytest.mark.browser

STAFF_EMAIL = "editor@lanterndesk.example"
ORGANISATION = "Saltmarsh Evening Lamp"


def test_apply_then_staff_approve_and_see_the_key_once(
    browser: Any, demo_site: DemoSite, artifacts_dir: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems = PageProblems(page)
    try:
        # The applicant: terms page, then the form.
        page.goto(demo_site.base_url + "/republish")
        assert context.cookies() == [], "the terms page must set no cookie"
        page.locator("#apply a", has_text="Apply to republish").click()
        page.wait_for_url("**/republish/apply")
        page.fill("#organization", ORGANISATION)
        page.fill("#website", "https://saltmarsh-lamp.example")
        page.select_option("#outlet_type", "newspaper")
        page.fill("#monthly_audience", "64,000")
        page.fill("#contact_name", "Rosa Penhallow")
        page.fill("#contact_email", "rosa@saltmarsh-lamp.example")
        page.check("input[name=scope_kind][value=all]")
        page.fill("#intended_use", "Our evening web edition and the Saturday paper.")
        page.screenshot(path=str(artifacts_dir / "licensing-apply-form.png"), full_page=True)
        page.get_by_role("button", name="Send the application").click()
        page.wait_for_url("**/republish/thanks/**")
        heading = page.locator("h1").inner_text()
        assert "Thank you, Rosa Penhallow" in heading
        reference = page.locator(".apply-reference__number").inner_text()
        assert re.fullmatch(r"#\d+", reference), reference
        assert page.get_by_text("meets our standard policy").is_visible()
        page.screenshot(path=str(artifacts_dir / "licensing-apply-thanks.png"), full_page=True)

        # Staff: sign in, open the queue and the request, approve.
        password = demo_site.credentials()[STAFF_EMAIL]
        page.goto(demo_site.base_url + "/login?next=/staff/license-requests")
        page.fill("input[name=email]", STAFF_EMAIL)
        page.fill("input[name=password]", password)
        page.locator("form button[type=submit]", has_text="Sign in").click()
        page.wait_for_url("**/staff/license-requests")
        row = page.locator("table.requests-table tr", has_text=ORGANISATION)
        assert row.count() == 1
        assert row.get_by_text("Eligible").is_visible()
        page.screenshot(path=str(artifacts_dir / "licensing-queue.png"), full_page=True)
        row.get_by_role("link", name=ORGANISATION).click()
        page.wait_for_url(f"**/staff/license-requests/{reference[1:]}")
        assert page.get_by_text("meets the minimum").first.is_visible()
        page.screenshot(path=str(artifacts_dir / "licensing-request.png"), full_page=True)

        page.locator(".console-header__actions a", has_text="Approve").click()
        page.wait_for_url("**/approve")
        page.check("#embargo_entitled")
        page.screenshot(path=str(artifacts_dir / "licensing-approve-form.png"), full_page=True)
        page.get_by_role("button", name="Approve and issue the licence").click()
        page.wait_for_selector("#feed-key")
        secret = page.locator("#feed-key").inner_text().strip()
        assert secret.startswith("synd_feed_")
        assert len(secret) >= 50
        assert page.get_by_text("shown once").first.is_visible()
        assert f"Approved: {ORGANISATION}" in page.locator("h1").inner_text()
        page.screenshot(path=str(artifacts_dir / "licensing-approved.png"), full_page=True)

        # The key is not shown again: the licence page gives only its prefix.
        page.get_by_role("link", name="Open the licence").click()
        page.wait_for_url("**/staff/licences/*")
        html = page.content()
        assert secret not in html
        assert secret[:16] in html
        assert page.get_by_text("Yes, before release").is_visible()
        page.screenshot(path=str(artifacts_dir / "licensing-licence.png"), full_page=True)

        page.get_by_role("link", name="Audit log", exact=True).click()
        page.wait_for_url("**/staff/audit")
        assert page.locator("td code", has_text="license_request.approve").count() >= 1
        # The demo's own licences were approved by the system; this one by the editor.
        page.goto(
            demo_site.base_url
            + "/staff/audit?action=license_request.approve&actor=editor@lanterndesk.example"
        )
        assert page.locator("td code", has_text="license_request.approve").count() == 1
        page.screenshot(path=str(artifacts_dir / "licensing-audit.png"), full_page=True)
        assert problems.errors == []
    finally:
        context.close()
