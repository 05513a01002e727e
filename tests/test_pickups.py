"""Pickup tracking: pixel views and feed fetches, charts and CSV for staff and partners."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from syndicate.newswire.csvexport import csv_text, safe_cell
from syndicate.newswire.models import FeedFetch
from syndicate.orm import utcnow
from syndicate.syndication.views import pixel_signer
from tests.conftest import fetches_held, login
from tests.factories import make_article, make_feed_partner, make_user
from tests.newswire_support import cold_feed_cache, partner_feed  # noqa: F401


def _view(
    client: FlaskClient, app: Flask, publisher_id: int, article_id: int, referer: str
) -> None:
    token = pixel_signer(app).token(publisher_id, article_id)
    response = client.get(f"/px/{token}.gif", headers={"Referer": referer})
    assert response.status_code == 200
    assert response.mimetype == "image/gif"


def test_pixel_views_show_in_the_charts_and_csv(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    article = make_article(session, headline='=HYPERLINK("http://evil")')
    other = make_article(session, headline="Tidal power pilot")
    publisher, _key = make_feed_partner(session)
    publisher.domain = "news.example.org"
    rival, _ = make_feed_partner(session)
    partner_user = make_user(
        session,
        role=__import__("syndicate.accounts.models").accounts.models.Role.PARTNER,
        publisher_slug=publisher.slug,
    )
    staff = make_user(session)
    session.commit()
    for _ in range(3):
        _view(client, app, publisher.id, article.id, "https://news.example.org/story?id=9")
    _view(client, app, publisher.id, other.id, "https://mirror.example.net/x")
    _view(client, app, rival.id, other.id, "")
    session.commit()

    login(client, staff.email)
    page = client.get("/staff/pickups").get_data(as_text=True)
    assert '<img class="chart" src="/staff/pickups/chart.svg?days=30"' in page
    today = utcnow().date()
    assert _day_row(page, today) == (5, 0)
    assert "Tidal power pilot" in page
    response = client.get("/staff/pickups.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["day", "partner", "article_slug", "headline", "referrer_host", "views"]
    by_host = {(r[2], r[4]): int(r[5]) for r in rows[1:]}
    assert by_host[(article.slug, "news.example.org")] == 3
    # A host outside the partner's own domain is counted as "other".
    assert by_host[(other.slug, "other")] == 1
    assert sum(int(r[5]) for r in rows[1:]) == 5
    # Formula injection: the headline cell is neutralised.
    cell = next(r[3] for r in rows[1:] if r[2] == article.slug)
    assert cell.startswith("'=HYPERLINK")
    client.post("/logout", data={"csrf_token": _token(client)})

    login(client, partner_user.email)
    mine = client.get("/portal/pickups").get_data(as_text=True)
    assert _day_row(mine, today) == (4, 0)
    rows = list(csv.reader(io.StringIO(client.get("/portal/pickups.csv").get_data(as_text=True))))
    assert sum(int(r[4]) for r in rows[1:]) == 4
    assert all(r[0] == today.isoformat() for r in rows[1:])


def _day_row(page: str, day: date) -> tuple[int, int]:
    """Views and feed fetches of ``day`` in the page's table of figures per day."""
    match = re.search(
        rf'<tr><td>{day.isoformat()}</td><td class="num">([\d,]+)</td>'
        r'<td class="num">([\d,]+)</td>(?:<td class="num">[\d,]+</td>)?</tr>',
        page,
    )
    assert match, f"no row for {day}"
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def _token(client: FlaskClient) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/account/password")


def test_feed_fetches_are_counted_and_charted(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    make_article(session)
    publisher, key = make_feed_partner(session)
    staff = make_user(session)
    session.commit()
    with fetches_held(app) as counter:
        for fmt in ("rss", "atom", "json", "rss"):
            partner_feed(client, fmt, key)
        # Counted in memory, not written on every request.
        assert session.scalars(select(FeedFetch)).all() == []
        counter.interval = 0
        partner_feed(client, "rss", key)
    session.expire_all()
    [row] = session.scalars(select(FeedFetch).where(FeedFetch.publisher_id == publisher.id)).all()
    assert row.count == 5
    assert row.day == utcnow().date()
    login(client, staff.email)
    page = client.get("/staff/pickups").get_data(as_text=True)
    assert _day_row(page, utcnow().date()) == (0, 5)
    fetches = client.get("/staff/pickups/fetches.csv").get_data(as_text=True).splitlines()
    assert fetches[0] == "day,partner,fetches"
    assert fetches[1].endswith(",5")


def test_csv_cells_cannot_become_formulas() -> None:
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("+44 20") == "'+44 20"
    assert safe_cell("-3") == "'-3"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("plain, with comma") == "plain, with comma"
    text = csv_text(["a", "b"], [['say "hi", then', "=cmd"]])
    assert text == 'a,b\r\n"say ""hi"", then",\'=cmd\r\n'


def test_period_choice_and_refusals(client: FlaskClient, session: Session) -> None:
    staff = make_user(session)
    session.commit()
    assert client.get("/staff/pickups").status_code == 302
    login(client, staff.email)
    page = client.get("/staff/pickups?days=7").get_data(as_text=True)
    assert 'aria-current="page">7 days' in page
    odd = client.get("/staff/pickups?days=99999").get_data(as_text=True)
    assert 'aria-current="page">30 days' in odd
