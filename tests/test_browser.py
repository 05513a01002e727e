"""The demo site in a real browser: Debian's Chromium driven by Playwright.

A module-wide fixture builds a throwaway instance (SQLite), loads the demo content and
serves it with ``syndicate serve`` on a free loopback port, as a reader would meet it.
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
PHONE_WIDTH = 375
SCROLL_TOLERANCE = 2


def syndicate_command() -> list[str]:
    """The ``syndicate`` console script of this interpreter's environment."""
    script = Path(sys.executable).parent / "syndicate"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from syndicate.cli import main; main()"]


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fetch(url: str, timeout: float = 10) -> tuple[int, str]:
    """GET ``url``; return the status and the body as text."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll ``url`` until it answers, the server dies, or 60 seconds pass."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        try:
            if fetch(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the server did not answer in time:\n{log.read_text()[-4000:]}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a gunicorn master and its workers, gracefully first."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class DemoSite:
    """A running demo instance."""

    base_url: str
    instance: Path


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """A migrated SQLite instance with the demo content, served on a free loopback port."""
    instance = tmp_path_factory.mktemp("browser-instance")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SYNDICATE_") or key == "SYNDICATE_TEST_ARTIFACTS"
    }
    env.update(
        SYNDICATE_INSTANCE_PATH=str(instance),
        SYNDICATE_DATABASE_URL=f"sqlite:///{instance / 'syndicate.db'}",
    )
    command = syndicate_command()
    for step in (["db", "upgrade"], ["demo"]):
        result = subprocess.run(
            [*command, *step], env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert result.returncode == 0, f"syndicate {' '.join(step)} failed:\n{result.stderr}"

    port = free_port()
    log = instance / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url + "/", process, log)
        yield DemoSite(base_url=base_url, instance=instance)
    finally:
        stop(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (never a downloaded browser)."""
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


class PageProblems:
    """Collects script errors, console errors and failed loads of a page.

    Failed loads are recorded from responses, with their URL; Chromium's console echo of
    them ("Failed to load resource") would only repeat that without the URL. The browser's
    own favicon probe is not the page's doing.
    """

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response: Any) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.errors.append(f"HTTP {response.status}: {response.url}")


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
