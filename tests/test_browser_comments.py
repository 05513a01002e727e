"""Comments in a real browser: a reader posts, the comment is held, an editor approves it.

Serves the demo site the way tests/test_browser.py does (its own throwaway SQLite
instance, ``syndicate serve`` on a free loopback port) and drives Debian's Chromium
through Playwright.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from syndicate.demo.credentials import CredentialFile

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
DEMO_EDITOR = "editor@lanterndesk.example"


@dataclass
class Site:
    """A running demo instance."""

    base_url: str
    instance: Path


def _syndicate() -> list[str]:
    script = Path(sys.executable).parent / "syndicate"
    return [str(script)] if script.exists() else [sys.executable, "-m", "syndicate.cli"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demo content served by ``syndicate serve`` from a fresh SQLite instance."""
    instance = tmp_path_factory.mktemp("browser-comments")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNDICATE_")}
    env.update(
        SYNDICATE_INSTANCE_PATH=str(instance),
        SYNDICATE_DATABASE_URL=f"sqlite:///{instance / 'syndicate.db'}",
    )
    for step in (["db", "upgrade"], ["demo"]):
        done = subprocess.run(
            [*_syndicate(), *step], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, f"syndicate {' '.join(step)} failed:\n{done.stderr}"
    port = _free_port()
    log = instance / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [*_syndicate(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, f"the server exited:\n{log.read_text()[-3000:]}"
            try:
                if _fetch(base_url + "/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"no answer:\n{log.read_text()[-3000:]}"
            time.sleep(0.25)
        yield Site(base_url=base_url, instance=instance)
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless (never a downloaded browser)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI installs the Debian package chromium")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_story(site: Site) -> str:
    """The path of the first story on the front page that takes comments."""
    status, home = _fetch(site.base_url + "/")
    assert status == 200
    for path in dict.fromkeys(re.findall(r'href="(/articles/[^"#?]+)"', home)):
        status, body = _fetch(site.base_url + path)
        if status == 200 and "Leave a comment" in body:
            return path
    pytest.fail("no story on the front page takes comments")


def test_reader_posts_a_comment_that_is_held_then_approved(
    browser: Any, site: Site, artifacts_dir: Path
) -> None:
    story = open_story(site)
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
        page.wait_for_url("**/comments/held")
        assert page.get_by_text("Your comment is awaiting moderation").is_visible()
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
