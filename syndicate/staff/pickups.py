"""The pickups dashboard: tracked views and feed fetches over time, and CSV export."""

from __future__ import annotations

from flask import Response, render_template, request

from syndicate.newswire import pickups
from syndicate.newswire.charts import chart_response, pickups_chart
from syndicate.newswire.csvexport import csv_response, csv_text
from syndicate.newswire.web import DAY_CHOICES, requested_period
from syndicate.staff.blueprint import bp
from syndicate.staff.permissions import PICKUP_VIEW, requires
from syndicate.web.db import db_session


@bp.route("/pickups")
@requires(PICKUP_VIEW)
def pickups_dashboard() -> str:
    """Views and fetches per day for every partner, the top stories and partners."""
    session = db_session()
    days, start, end = requested_period()
    series = pickups.daily_series(session, start, end)
    return render_template(
        "staff/newswire/pickups.html",
        days=days,
        day_choices=DAY_CHOICES,
        start=start,
        end=end,
        series=series,
        chart_endpoint="staff.pickups_chart_svg",
        total_views=sum(p.views for p in series),
        total_fetches=sum(p.fetches for p in series),
        top=pickups.top_articles(session, start, end),
        partners=pickups.publisher_totals(session, start, end),
    )


@bp.route("/pickups/chart.svg")
@requires(PICKUP_VIEW)
def pickups_chart_svg() -> Response:
    """The dashboard's chart as an SVG image, for the same ``?days=`` period."""
    _days, start, end = requested_period()
    series = pickups.daily_series(db_session(), start, end)
    title = f"Pickups, {start:%d %b} – {end:%d %b %Y}"
    return chart_response(pickups_chart(series, title, request.args.get("size", "wide")))


@bp.route("/pickups.csv")
@requires(PICKUP_VIEW)
def pickups_csv() -> Response:
    """Every recorded view count of the period, one row per day, partner, story and host."""
    _days, start, end = requested_period()
    rows = pickups.pickup_rows(db_session(), start, end)
    text = csv_text(
        ["day", "partner", "article_slug", "headline", "referrer_host", "views"],
        (
            [r.day.isoformat(), r.publisher, r.article_slug, r.headline, r.referrer_host, r.views]
            for r in rows
        ),
    )
    return csv_response(f"pickups-{start}-{end}.csv", text)


@bp.route("/pickups/copies.csv")
@requires(PICKUP_VIEW)
def pickups_copies_csv() -> Response:
    """Copies taken from the story desk per day, partner, story and format for the period."""
    _days, start, end = requested_period()
    rows = pickups.copy_rows(db_session(), start, end)
    text = csv_text(
        ["day", "partner", "article_slug", "headline", "format", "copies"],
        ([day.isoformat(), *rest] for day, *rest in rows),
    )
    return csv_response(f"copies-{start}-{end}.csv", text)


@bp.route("/pickups/fetches.csv")
@requires(PICKUP_VIEW)
def pickups_fetches_csv() -> Response:
    """Feed fetches per day and partner for the period."""
    _days, start, end = requested_period()
    rows = pickups.fetch_rows(db_session(), start, end)
    text = csv_text(
        ["day", "partner", "fetches"], ([day.isoformat(), name, n] for day, name, n in rows)
    )
    return csv_response(f"feed-fetches-{start}-{end}.csv", text)
