"""Every staff console and partner portal page of the demo fits and works at four widths.

A staff and a partner session walk the pages linked from the console and the portal (one
page per route, numbers in paths folded together) at 390, 768, 1280 and 1920 px (at the quick
depth of ``make test``, 390 px and one other in turn: see :func:`widths_for`). On each,
the page must not be wider than the window, and every link and button in the main content
must be reachable: scrolled into view (a table that scrolls in its own box scrolls too), it
lies inside the window and is the element found at its own centre, not covered by another.
At 390 px key forms of the portal and the console are also filled in and submitted by
clicking, as a finger would.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser_support import DemoSite, fetch, overflow
from tests.depth import THOROUGH

pytestmark = pytest.mark.browser

WIDTHS = (390, 768, 1280, 1920)


def widths_for(n: int) -> tuple[int, ...]:
    """The widths the ``n``-th page is walked at: all four at the thorough depth (CI); at the
    quick one (``make test``) the phone and one of the others, in turn, so that every width
    still meets a third of the pages."""
    return WIDTHS if THOROUGH else (WIDTHS[0], WIDTHS[1 + n % 3])


# Pages that answer with something other than a page to look at, or end the session.
SKIPPED = re.compile(r"(/logout|\.csv|/export|/media/|/feeds/|/api/)")
MAX_PAGES = 60

# Runs in the page: each visible link and button of <main>, scrolled into view, must lie in
# the window and be what the browser finds at its centre. Returns what is not.
REACHABLE = """
() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  const height = window.innerHeight;
  const controls = 'main a[href], main button, main input[type=submit]';
  for (const el of document.querySelectorAll(controls)) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.closest('.visually-hidden, [hidden], details:not([open]) > :not(summary)')) continue;
    const first = el.getBoundingClientRect();
    if (first.width === 0 && first.height === 0) continue;
    el.scrollIntoView({block: 'center', inline: 'center'});
    // A link that wraps has one box per line; its first line is what a finger aims at.
    const box = el.getClientRects()[0] || el.getBoundingClientRect();
    const label = (el.innerText || el.value || el.getAttribute('href') || '').trim().slice(0, 40);
    if (box.left < -1 || box.right > width + 1 || box.top < -1 || box.bottom > height + 1) {
      const span = `${Math.round(box.left)}..${Math.round(box.right)} of ${width}`;
      problems.push(`outside the window: ${el.tagName} "${label}" at ${span}`);
      continue;
    }
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    const label_of_hit = hit && hit.closest('label');
    if (hit !== el && !el.contains(hit) && !(label_of_hit && label_of_hit.contains(el))) {
      const what = hit ? `${hit.tagName}.${hit.className}` : 'nothing';
      problems.push(`covered: ${el.tagName} "${label}" by ${what}`);
    }
  }
  window.scrollTo(0, 0);
  return problems;
}
"""


def _signed_in(browser: Any, site: DemoSite, email: str) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(site.base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", site.credentials()[email])
    with page.expect_navigation():
        page.click("main button[type=submit]")
    return page


def _route_shape(path: str) -> str:
    # The story desk names its stories by slug: one of them stands for all.
    path = re.sub(r"^/portal/desk/[^/]+", "/portal/desk/S", path)
    return re.sub(r"/\d+", "/N", path)


def _pages(page: Any, site: DemoSite, start: str) -> list[str]:
    """The GET pages under ``start`` reachable by links, one per route shape."""
    seen_shapes: set[str] = set()
    queue, found = [start], []
    while queue and len(found) < MAX_PAGES:
        path = queue.pop(0)
        shape = _route_shape(path)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = page.goto(site.base_url + path)
        if (
            response is None
            or response.status != 200
            or "text/html" not in (response.headers.get("content-type", ""))
        ):
            continue
        found.append(path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(site.base_url).netloc or parts.query or parts.fragment:
                continue
            if (
                parts.path.startswith(start)
                and not SKIPPED.search(parts.path)
                and _route_shape(parts.path) not in seen_shapes
            ):
                queue.append(parts.path)
    return found


@pytest.mark.parametrize(
    ("email_kind", "start"),
    [("staff", "/staff/"), ("partner", "/portal/")],
)
def test_every_console_and_portal_page_fits_and_every_control_is_reachable(
    browser: Any, demo_site: DemoSite, email_kind: str, start: str
) -> None:
    emails = list(demo_site.credentials())
    email = next(e for e in emails if (email_kind == "staff") == e.endswith("@lanterndesk.example"))
    page = _signed_in(browser, demo_site, email)
    paths = _pages(page, demo_site, start)
    assert len(paths) >= (8 if start == "/portal/" else 12), (page.url, paths)
    problems: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in (p for n, p in enumerate(paths) if width in widths_for(n)):
            page.goto(demo_site.base_url + path)
            wider = overflow(page)
            if wider > 1:
                problems.append(f"{width}px {path}: page {wider}px wider than the window")
            problems.extend(f"{width}px {path}: {p}" for p in page.evaluate(REACHABLE))
    assert not problems, f"{len(problems)} problems on {len(paths)} pages:\n" + "\n".join(
        problems[:60]
    )


PHONE = {"width": 390, "height": 844}


def test_key_and_draft_forms_work_by_tapping_at_phone_width(
    browser: Any, demo_site: DemoSite
) -> None:
    """At 390 px a partner creates a feed key, staff revoke it on the publisher's page (the
    control for a leaked key) and start a draft: every field filled and every button
    clicked as a finger would, each result page fitting the screen."""
    emails = list(demo_site.credentials())
    partner_email = next(e for e in emails if not e.endswith("@lanterndesk.example"))
    staff_email = next(e for e in emails if e.endswith("@lanterndesk.example"))
    label = "Phone-width check key"

    partner = _signed_in(browser, demo_site, partner_email)
    staff = _signed_in(browser, demo_site, staff_email)
    try:
        partner.set_viewport_size(PHONE)
        partner.goto(demo_site.base_url + "/portal/keys")
        publisher = (partner.locator(".portal-nav__publisher").first.text_content() or "").strip()
        assert publisher, "the portal does not name the partner's publisher"
        partner.get_by_label("Label").fill(label)
        partner.get_by_role("button", name="Create key").click()
        partner.wait_for_selector("#feed-key")
        secret = partner.locator("#feed-key").input_value().strip()
        assert secret.startswith("synd_feed_"), secret
        assert overflow(partner) <= 1, "the new key's page is wider than a phone"
        feed = f"{demo_site.base_url}/feeds/partner.rss?key={secret}"
        assert fetch(feed)[0] == 200

        staff.set_viewport_size(PHONE)
        staff.goto(demo_site.base_url + "/staff/publishers")
        staff.get_by_role("link", name=publisher, exact=True).first.click()
        staff.wait_for_url("**/staff/publishers/*")
        row = staff.locator("table.keys-table tr", has_text=label)
        assert row.count() == 1, f"no row for {label!r} on {staff.url}"
        assert secret[:16] in (row.text_content() or "")
        row.get_by_role("button", name="Revoke").click()
        staff.wait_for_url("**/staff/publishers/*")
        assert staff.get_by_text("stops working at once").first.is_visible()
        assert overflow(staff) <= 1, "the publisher page is wider than a phone"
        assert fetch(feed)[0] in (401, 403), "a revoked key still reads the feed"

        headline = "Phone-width draft: harbour ferry times change"
        staff.goto(demo_site.base_url + "/staff/articles/new")
        staff.get_by_label("Headline").fill(headline)
        staff.get_by_label("Section").select_option(index=1)
        staff.get_by_label("Authors").select_option(index=0)
        staff.get_by_label("Body", exact=True).fill("The early boat leaves at 05:40 from May.")
        staff.get_by_role("button", name="Save draft").click()
        staff.wait_for_url("**/staff/articles/*")
        assert staff.get_by_text(f"Draft “{headline}” created.").is_visible()
        assert overflow(staff) <= 1, "the draft's edit page is wider than a phone"
    finally:
        partner.context.close()
        staff.context.close()
