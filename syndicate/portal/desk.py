"""The story desk: the stories the publisher's licences cover, each with a preview exactly
as its feed carries it and a copy-ready block to paste into its CMS.

What is on the desk, and what each copy holds, comes from the feed's own code: the coverage
(:func:`syndicate.syndication.desk.desk_coverage`), the visibility rules and the item
preparation (:mod:`syndicate.syndication.prepare`). A story the publisher may not read now
answers 404 exactly like a missing one. Copying is counted as a pickup intent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from feeds.items import PartnerItem
from licenses.coverage import Coverage
from licenses.licences import active_licences, covers
from licenses.models import License, Publisher
from syndicate.accounts.models import Role
from syndicate.content.models import Article, ArticleStatus, Section, Tag
from syndicate.orm import utcnow
from syndicate.portal.blueprint import bp, current_publisher
from syndicate.portal.forms import CopyForm
from syndicate.syndication.copies import record_copy
from syndicate.syndication.desk import (
    Cursor,
    DeskFilters,
    desk_article_id,
    desk_coverage,
    desk_page,
)
from syndicate.syndication.prepare import kept_photos, shared_item, utc_label, with_pixel
from syndicate.syndication.render import partner_context
from syndicate.syndication.republish import RepublishCopy, byline, republish_copy
from syndicate.syndication.snapshot import FeedArticle, load_feed_articles
from syndicate.syndication.views import current_feed_settings, pixel_signer
from syndicate.web.db import db_session

SEARCH_MAX_CHARS = 200
FILTER_MAX_CHARS = 120
NOT_ON_DESK = "There is no story at this address on your desk."


@dataclass(frozen=True)
class DeskRow:
    """A story in the desk's list: what its line says about it."""

    article: FeedArticle
    photos_kept: int
    photos_withheld: int
    embargoed_until: datetime | None
    killed: bool


@dataclass(frozen=True)
class DeskStory(DeskRow):
    """A story opened on the desk: the partner's item and its copy-ready block."""

    item: PartnerItem
    byline: str
    preview_html: str
    copy: RepublishCopy | None


def _row(article: FeedArticle, now: datetime) -> DeskRow:
    """How the list describes ``article`` at ``now`` (the photos as its feed item keeps them)."""
    killed = article.status is ArticleStatus.KILLED
    lead = article.lead
    placed = ([lead] if lead is not None else []) + article.inline_photos
    kept = 0 if killed else len(kept_photos(placed, now))
    released = article.released_at
    return DeskRow(
        article=article,
        photos_kept=kept,
        photos_withheld=len(article.photos) - kept,
        embargoed_until=released
        if not killed and released is not None and released > now
        else None,
        killed=killed,
    )


def _story(article: FeedArticle, publisher_id: int, now: datetime) -> DeskStory:
    """The partner's copy of ``article`` at ``now``, exactly as its feed carries it."""
    ctx = partner_context(current_feed_settings(), pixel_signer(), publisher_id)
    shared = shared_item(article, ctx, now)
    item = with_pixel(shared, article, ctx)
    row = _row(article, now)
    return DeskStory(
        article=article,
        photos_kept=row.photos_kept,
        photos_withheld=row.photos_withheld,
        embargoed_until=item.embargoed_until,
        killed=row.killed,
        item=item,
        byline=byline(article.authors, ctx.site_name),
        # The preview leaves the tracking image out: looking at the desk is not a view.
        preview_html=shared.content_html,
        copy=None if row.killed else republish_copy(article, item, ctx),
    )


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None


def _filters(session: Any) -> tuple[DeskFilters, dict[str, str], list[str]]:
    """The desk's filters from the query string, the values to show back, and problems."""
    args = request.args
    shown = {
        "q": " ".join(args.get("q", "").split())[:SEARCH_MAX_CHARS],
        "section": args.get("section", "").strip()[:FILTER_MAX_CHARS],
        "tag": args.get("tag", "").strip()[:FILTER_MAX_CHARS],
        "from": args.get("from", "").strip()[:10],
        "to": args.get("to", "").strip()[:10],
    }
    problems: list[str] = []
    section_id = tag_id = None
    if shown["section"]:
        section_id = session.scalar(select(Section.id).where(Section.slug == shown["section"]))
        if section_id is None:
            problems.append("There is no such section.")
            section_id = -1
    if shown["tag"]:
        wanted = shown["tag"].lower()
        tag_id = session.scalar(
            select(Tag.id)
            .where(or_(Tag.slug == wanted, func.lower(Tag.name) == wanted))
            .order_by(Tag.id)
            .limit(1)
        )
        if tag_id is None:
            problems.append("No story carries that tag.")
            tag_id = -1
    bounds: dict[str, datetime | None] = {"from": None, "to": None}
    for name in ("from", "to"):
        if shown[name]:
            day = _day(shown[name])
            if day is None:
                problems.append("Give dates as YYYY-MM-DD.")
                shown[name] = ""
                continue
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            if name == "from":
                bounds[name] = start
            elif day < date.max:
                # "To" includes its whole day.
                bounds[name] = start + timedelta(days=1)
    filters = DeskFilters(
        section_id=section_id,
        tag_id=tag_id,
        since=bounds["from"],
        until=bounds["to"],
        query=shown["q"],
    )
    return filters, shown, problems


@bp.route("/desk")
def desk() -> str:
    """The stories the publisher's licences in force cover, newest first, filtered."""
    session = db_session()
    publisher = current_publisher()
    now = utcnow()
    coverage = desk_coverage(session, publisher, now)
    filters, shown, problems = _filters(session)
    page = desk_page(
        session,
        coverage,
        now,
        filters,
        after=Cursor.parse(request.args.get("after")),
        before=Cursor.parse(request.args.get("before")),
    )
    stories = [_row(article, now) for article in load_feed_articles(session, page.ids)]
    kept = {name: value for name, value in shown.items() if value}
    return render_template(
        "portal/desk.html",
        stories=stories,
        page=page,
        filters=kept,
        shown=shown,
        problems=problems,
        coverage=coverage,
        sections=session.scalars(select(Section).order_by(Section.position, Section.name)).all(),
        utc_label=utc_label,
        now=now,
    )


def _desk_story_or_404(slug: str) -> tuple[DeskStory, Coverage, Publisher]:
    session = db_session()
    publisher = current_publisher()
    now = utcnow()
    coverage = desk_coverage(session, publisher, now)
    article_id = desk_article_id(session, coverage, now, slug)
    found = load_feed_articles(session, [article_id]) if article_id is not None else []
    if not found:
        abort(404, description=NOT_ON_DESK)
    return _story(found[0], publisher.id, now), coverage, publisher


def _covering_licences(publisher: Publisher, article: FeedArticle) -> list[License]:
    """The publisher's licences in force whose scope holds ``article``."""
    return [
        licence
        for licence in active_licences(db_session(), publisher.id, utcnow())
        if covers(licence, article_id=article.id, section_slug=article.section_slug)
    ]


@bp.route("/desk/<slug>")
def desk_story(slug: str) -> str:
    """One story: the preview as the partner receives it, its licence, embargo, corrections
    or kill notice, and the copy-ready block."""
    story, _coverage, publisher = _desk_story_or_404(slug)
    return render_template(
        "portal/desk_story.html",
        story=story,
        licences=_covering_licences(publisher, story.article),
        copy_forms={fmt: CopyForm(format=fmt) for fmt in ("html", "text")},
        utc_label=utc_label,
        now=utcnow(),
    )


@bp.route("/desk/<slug>/copy", methods=["POST"])
def desk_copy(slug: str) -> Response | tuple[str, int]:
    """Count one copy of the story's block (HTML or plain text) as a pickup intent.

    The page's script sends it when the partner clicks "Copy" (and asks for JSON); without
    the script the button posts the form and comes back to the story.
    """
    story, _coverage, publisher = _desk_story_or_404(slug)
    if story.copy is None:
        abort(404, description=NOT_ON_DESK)
    form = CopyForm()
    if not form.validate():
        return render_template(
            "portal/forbidden.html", message="That copy was not understood."
        ), 400
    fmt = str(form.format.data)
    record_copy(
        db_session().connection(),
        publisher_id=publisher.id,
        article_id=story.article.id,
        day=utcnow().date(),
        fmt=fmt,
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(counted=True, format=fmt)
    flash("Noted. Select the text in the box and copy it (Ctrl+C or ⌘C).", "success")
    return redirect(url_for("portal.desk_story", slug=slug, _anchor=f"copy-{fmt}"), 303)


@bp.app_template_global()
def republish_desk_url(article: Article) -> str | None:
    """The desk page of ``article`` when a signed-in partner may republish it now, for the
    public page's "Republish this story" button; ``None`` for everyone else."""
    user = current_user
    if (
        not user.is_authenticated
        or user.role is not Role.PARTNER
        or not user.is_enabled
        or user.publisher_id is None
    ):
        return None
    session = db_session()
    publisher = session.get(Publisher, user.publisher_id)
    if publisher is None:
        return None
    now = utcnow()
    coverage = desk_coverage(session, publisher, now)
    if desk_article_id(session, coverage, now, article.slug) is None:
        return None
    return url_for("portal.desk_story", slug=article.slug, _anchor="copy")
