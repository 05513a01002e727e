"""The pickups chart: a standalone SVG with whole-number axes, labelled series, no script,
no outside address, only the signed-in viewer's data; and the demo's pickup history."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from licenses.models import Publisher
from syndicate.accounts.models import Role
from syndicate.newswire.models import FeedFetch
from syndicate.orm import utcnow
from syndicate.syndication.models import PickupView
from tests.conftest import login
from tests.factories import make_article, make_feed_partner, make_user

SVG = "{http://www.w3.org/2000/svg}"
NAMESPACES = {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def _record(session: Session, publisher: Publisher, article_id: int, views: int, fetches: int):
    today = utcnow().date()
    session.add(
        PickupView(article_id=article_id, publisher_id=publisher.id, day=today, count=views)
    )
    session.add(FeedFetch(publisher_id=publisher.id, day=today, count=fetches))
    session.add(
        FeedFetch(publisher_id=publisher.id, day=today - timedelta(days=1), count=fetches - 1)
    )


def _axis_labels(root: ET.Element, axis: str) -> list[str]:
    """The tick labels of the ``axis`` group ("y" left, "y2" right)."""
    for group in root.iter(f"{SVG}g"):
        if group.get("class", "").split()[:2] == ["axis", axis]:
            return [t.text or "" for t in group.iter(f"{SVG}text")]
    raise AssertionError(f"no axis {axis}")


def _series_values(root: ET.Element, index: int) -> list[str]:
    """The values of series ``index`` (0 views, 1 desk copies, 2 feed fetches: pygal numbers
    the left axis's series first), day by day."""
    return [
        desc.text or ""
        for group in root.iter(f"{SVG}g")
        if f"serie-{index}" in group.get("class", "").split()
        for desc in group.iter(f"{SVG}desc")
        if desc.get("class") == "value"
    ]


def _check_document(text: str) -> ET.Element:
    """Parse the SVG and check what every chart must hold."""
    assert "<script" not in text.lower()
    addresses = set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", text))
    assert addresses <= NAMESPACES, addresses
    root = ET.fromstring(text)  # noqa: S314
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script"))
    for axis in ("y", "y2"):
        labels = _axis_labels(root, axis)
        assert len(labels) >= 3
        assert all(re.fullmatch(r"\d[\d,]*", label) for label in labels), labels
    legend = " ".join(t.text or "" for t in root.iter(f"{SVG}text"))
    assert "Views (left axis)" in legend
    assert "Feed fetches (right axis)" in legend
    return root


def test_staff_chart_is_an_svg_with_whole_number_axes(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    article = make_article(session)
    publisher, _ = make_feed_partner(session)
    staff = make_user(session)
    _record(session, publisher, article.id, views=3, fetches=5)
    session.commit()
    assert client.get("/staff/pickups/chart.svg").status_code == 302

    login(client, staff.email)
    response = client.get("/staff/pickups/chart.svg?days=7")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script" not in policy
    root = _check_document(response.get_data(as_text=True))
    # Small counts: ticks one apart, not 0/2/5/8/10 (left), and fetches on their own axis.
    assert _axis_labels(root, "y") == ["0", "1", "2", "3", "4"]
    assert _axis_labels(root, "y2") == ["0", "2", "4", "6", "8"]
    assert _series_values(root, 0)[-1] == "3"
    assert _series_values(root, 2)[-2:] == ["4", "5"]
    assert len(_series_values(root, 0)) == 7
    narrow = ET.fromstring(client.get("/staff/pickups/chart.svg?size=narrow").get_data())  # noqa: S314
    assert narrow.get("width") == "360"

    page = client.get("/staff/pickups?days=7")
    html = page.get_data(as_text=True)
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    assert "<svg" not in html
    assert 'src="/staff/pickups/chart.svg?days=7"' in html
    assert 'srcset="/staff/pickups/chart.svg?days=7&amp;size=narrow"' in html
    assert 'alt="Line chart of views (left axis) and feed fetches (right axis)' in html


def test_portal_chart_shows_only_the_partners_own_figures_escaped(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    article = make_article(session)
    publisher, _ = make_feed_partner(session)
    publisher.name = "Evil <script>alert(1)</script> & Co"
    rival, _ = make_feed_partner(session)
    _record(session, publisher, article.id, views=40, fetches=12)
    _record(session, rival, article.id, views=900, fetches=700)
    partner = make_user(session, role=Role.PARTNER, publisher_slug=publisher.slug)
    session.commit()
    assert client.get("/portal/pickups/chart.svg").status_code == 302

    login(client, partner.email)
    assert client.get("/staff/pickups/chart.svg").status_code in {403, 404}
    response = client.get("/portal/pickups/chart.svg")
    assert response.status_code == 200
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    text = response.get_data(as_text=True)
    root = _check_document(text)
    assert _series_values(root, 0)[-1] == "40"
    assert _series_values(root, 2)[-1] == "12"
    # No figure of the rival's in anything the chart shows (values, labels, axes); the
    # drawing's coordinates may hold any digits.
    shown = {number for chunk in root.itertext() for number in re.findall(r"\d+", chunk)}
    assert "40" in shown
    assert "900" not in shown
    assert "700" not in shown
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text is not None
    assert title.text.startswith("Evil <script>alert(1)</script> & Co: pickups")
    assert "&lt;script&gt;" in text


def test_demo_loads_weeks_of_pickups_for_every_partner(
    app: Flask, client: FlaskClient, session: Session, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from syndicate.demo.loader import load_demo
    from syndicate.media import MediaStore
    from syndicate.newswire.pickups import daily_series, period

    load_demo(session, MediaStore(tmp_path / "media"), app.config, instance=tmp_path)
    session.flush()
    start, end = period(28, utcnow().date())
    for publisher in session.scalars(select(Publisher)):
        series = daily_series(session, start, end, publisher.id)
        assert all(point.fetches > 0 for point in series), publisher.name
        busy = [point for point in series if point.views > 0]
        assert len(busy) >= 14, publisher.name
