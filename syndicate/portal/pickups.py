"""The publisher's own pickups: tracked views of its copies and its feed fetches."""

from __future__ import annotations

from flask import Response, render_template, request

from syndicate.newswire import pickups
from syndicate.newswire.charts import chart_response, pickups_chart
from syndicate.newswire.csvexport import csv_response, csv_text
from syndicate.newswire.web import DAY_CHOICES, requested_period
from syndicate.portal.blueprint import bp, current_publisher
from syndicate.web.db import db_session


@bp.route("/pickups")
def pickups_page() -> str:
    """Views and fetches per day for this publisher, and its most viewed stories."""
    session = db_session()
    publisher = current_publisher()
    days, start, end = requested_period()
    series = pickups.daily_series(session, start, end, publisher.id)
    return render_template(
        "portal/pickups.html",
        days=days,
        day_choices=DAY_CHOICES,
        start=start,
        end=end,
        series=series,
        chart_endpoint="portal.pickups_chart_svg",
        total_views=sum(p.views for p in series),
        total_fetches=sum(p.fetches for p in series),
        top=pickups.top_articles(session, start, end, publisher.id),
    )


@bp.route("/pickups/chart.svg")
def pickups_chart_svg() -> Response:
    """This publisher's chart as an SVG image, for the same ``?days=`` period."""
    publisher = current_publisher()
    _days, start, end = requested_period()
    series = pickups.daily_series(db_session(), start, end, publisher.id)
    title = f"{publisher.name}: pickups, {start:%d %b} – {end:%d %b %Y}"
    return chart_response(pickups_chart(series, title, request.args.get("size", "wide")))


@bp.route("/pickups.csv")
def pickups_csv() -> Response:
    """This publisher's view counts of the period, one row per day, story and host."""
    _days, start, end = requested_period()
    rows = pickups.pickup_rows(db_session(), start, end, current_publisher().id)
    text = csv_text(
        ["day", "article_slug", "headline", "referrer_host", "views"],
        ([r.day.isoformat(), r.article_slug, r.headline, r.referrer_host, r.views] for r in rows),
    )
    return csv_response(f"pickups-{start}-{end}.csv", text)


@bp.route("/pickups/copies.csv")
def pickups_copies_csv() -> Response:
    """This publisher's copies taken from the story desk, per day, story and format."""
    _days, start, end = requested_period()
    rows = pickups.copy_rows(db_session(), start, end, current_publisher().id)
    text = csv_text(
        ["day", "article_slug", "headline", "format", "copies"],
        ([day.isoformat(), *rest] for day, _publisher, *rest in rows),
    )
    return csv_response(f"copies-{start}-{end}.csv", text)
