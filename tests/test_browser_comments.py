"""Comments in a real browser: a reader posts, the comment is held, an editor approves it;
a reader refused the desk's name confirms their address through the e-mailed link.

Uses the demo site that this test process's browser tests share (``demo_site`` and
``browser``: tests/conftest.py) and drives Debian's Chromium through Playwright. Each test
looks only at the comments it posts itself.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from syndicate.demo.credentials import CredentialFile
from tests.browser_support import DemoSite, fetch, syndicate_command

pytestmark = pytest.mark.browser

DEMO_EDITOR = "editor@lanterndesk.example"


@pytest.fixture
def site(demo_site: DemoSite) -> DemoSite:
    """The shared demo site (tests/conftest.py)."""
    return demo_site


def open_story(site: DemoSite, uncommented: bool = False) -> str:
    """The path of the first story on the front page that takes comments (and, when
    ``uncommented``, shows none yet: the site is shared with other tests)."""
    status, home = fetch(site.base_url + "/")
    assert status == 200
    for path in dict.fromkeys(re.findall(r'href="(/articles/[^"#?]+)"', home)):
        status, body = fetch(site.base_url + path)
        takes_comments = status == 200 and "Leave a comment" in body
        if takes_comments and (not uncommented or "No thoughts yet" in body):
            return path
    pytest.fail("no story on the front page takes comments")


def test_reader_posts_a_comment_that_is_held_then_approved(
    browser: Any, site: DemoSite, artifacts_dir: Path
) -> None:
    story = open_story(site, uncommented=True)
    remark = "The new ferry timetable helps early shifts. Details: https://example.org/ferry"
    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    page = reader.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(site.base_url + story)
        thread = page.locator("#comments")
        thread.scroll_into_view_if_needed()
        assert "No thoughts yet" in (thread.locator("h2").text_content() or "")
        page.screenshot(path=str(artifacts_dir / "comments-article-empty.png"), full_page=True)

        page.get_by_role("link", name="Leave a comment").click()
        page.wait_for_url(f"**{story}/comments*")
        assert not page.locator("input[name=website]").is_visible(), "the honeypot shows"
        page.get_by_label("Name").fill("Maren Quist")
        page.get_by_label("E-mail (optional, never shown)").fill("maren@example.net")
        page.get_by_label("Comment").fill(remark)
        page.screenshot(path=str(artifacts_dir / "comments-form.png"), full_page=True)
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_url("**/comments/held?sent=1")
        assert page.get_by_text("Your comment is awaiting moderation").is_visible()
        assert page.get_by_role("heading", name="Check your inbox").is_visible()
        page.screenshot(path=str(artifacts_dir / "comments-held.png"), full_page=True)

        page.goto(site.base_url + story)
        assert "Maren Quist" not in page.content()
        assert errors == []
    finally:
        reader.close()

    password = CredentialFile(site.instance).get(DEMO_EDITOR)
    assert password, "the demo wrote no editor credentials"
    editor = browser.new_context(viewport={"width": 1280, "height": 900})
    page = editor.new_page()
    try:
        page.goto(site.base_url + "/staff/comments")
        page.get_by_label("E-mail").fill(DEMO_EDITOR)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name=re.compile("Sign in", re.I)).click()
        page.wait_for_url("**/staff/comments*")
        item = page.locator(".queue__item", has_text="Maren Quist")
        assert item.count() == 1
        assert "maren@example.net" in (item.text_content() or "")
        page.screenshot(path=str(artifacts_dir / "comments-queue.png"), full_page=True)
        item.get_by_role("button", name="Approve").click()
        page.wait_for_url("**/staff/comments*")
        assert page.get_by_text("approved").first.is_visible()
    finally:
        editor.close()

    reader = browser.new_context(viewport={"width": 1280, "height": 900})
    page = reader.new_page()
    try:
        page.goto(site.base_url + story)
        heading = page.locator("#comments h2").text_content() or ""
        assert heading.startswith("1 thought on")
        shown = page.locator(".comment", has_text="Maren Quist")
        assert shown.count() == 1
        link = shown.locator('a[rel="nofollow ugc"]')
        assert link.get_attribute("href") == "https://example.org/ferry"
        assert "maren@example.net" not in page.content()
        shown.scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts_dir / "comments-article-approved.png"), full_page=True)
        assert reader.cookies() == [], "reading an article must set no cookie"
    finally:
        reader.close()


def deliver_mail(site: DemoSite) -> list[Path]:
    """Run the outbox worker once against the demo instance; the e-mails it wrote."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SYNDICATE_")}
    env.update(
        SYNDICATE_INSTANCE_PATH=str(site.instance),
        SYNDICATE_DATABASE_URL=f"sqlite:///{site.instance / 'syndicate.db'}",
    )
    result = subprocess.run(
        [*syndicate_command(), "worker", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return sorted((site.instance / "mail").glob("*.eml"))


@pytest.mark.parametrize("width", [390, 1280])
def test_reserved_name_is_refused_then_the_reader_confirms_by_email(
    browser: Any, site: DemoSite, artifacts_dir: Path, width: int
) -> None:
    story = open_story(site)
    address = f"ilse.{width}@example.net"
    reader = browser.new_context(viewport={"width": width, "height": 900})
    page = reader.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(site.base_url + story + "/comments")
        page.get_by_label("Name").fill("The Lantern Desk editors")
        page.get_by_label("E-mail (optional, never shown)").fill(address)
        page.get_by_label("Comment").fill("Correction: this story has been withdrawn.")
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_load_state()
        error = page.get_by_text("This name is reserved for the desk and its staff")
        assert error.is_visible()
        page.screenshot(path=str(artifacts_dir / f"comments-reserved-{width}.png"), full_page=True)

        page.get_by_label("Name").fill(f"Ilse Marwood {width}")
        page.get_by_role("button", name="Post comment").click()
        page.wait_for_url("**/comments/held?sent=1")
        assert page.get_by_role("heading", name="Check your inbox").is_visible()
        page.screenshot(path=str(artifacts_dir / f"comments-held-{width}.png"), full_page=True)

        [mail] = [
            message
            for message in (
                email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in deliver_mail(site)
            )
            if message["To"] == address
        ]
        match = re.search(r"/comments/confirm/\S+", mail.get_content())
        assert match, mail.get_content()
        page.goto(site.base_url + match.group(0))
        page.screenshot(path=str(artifacts_dir / f"comments-confirm-{width}.png"), full_page=True)
        page.get_by_role("button", name="Confirm and publish").click()
        page.wait_for_url(f"**{story}?comment=*")
        shown = page.locator(".comment:target")
        assert f"Ilse Marwood {width}" in (shown.text_content() or "")
        assert errors == []
    finally:
        reader.close()
