"""Keyset paging of article lists: a page starts after the sort key of one article.

A link to the next page names the last article shown (``?before=<id>``); the query asks for
rows whose (key, id) sorts after that article's, which an index range answers at the same
cost on page 1 and page 1,000, and a story published meanwhile shifts nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from syndicate.content.models import Article
from syndicate.pagination import Cursor


class CursorNotFound(LookupError):
    """The article a cursor names has no sort key in this list (gone, or never in it)."""


def page_ids(
    session: Session,
    ids: Select[Any],
    key: ColumnElement[Any] | InstrumentedAttribute[Any],
    cursor: Cursor | None,
    per_page: int,
    anchor: Select[Any] | None = None,
) -> tuple[list[int], int | None, int | None]:
    """One page of ``ids`` (a ``select(Article.id)`` with its conditions), newest key first.

    Returns the page's ids, the id for the newer page's ``?after=`` and the id for the older
    page's ``?before=`` (None when there is none). ``anchor`` selects the cursor article's key
    (default: ``select(key)``, unfiltered, so a story killed meanwhile still anchors).
    """
    pair = tuple_(key, Article.id)
    if cursor is None:
        rows = list(
            session.scalars(ids.order_by(key.desc(), Article.id.desc()).limit(per_page + 1))
        )
        return rows[:per_page], None, (rows[per_page - 1] if len(rows) > per_page else None)
    anchor = anchor if anchor is not None else select(key)
    # One statement: the cursor article's key, and whether it is in the list itself (then
    # the page on its side of the cursor exists without asking).
    value, member = session.execute(
        select(
            anchor.where(Article.id == cursor.id).scalar_subquery(),
            ids.where(Article.id == cursor.id).exists(),
        )
    ).one()
    if value is None:
        raise CursorNotFound(cursor.id)
    mark = tuple_(value, cursor.id)
    if cursor.after:
        rows = list(
            session.scalars(
                ids.where(pair > mark).order_by(key.asc(), Article.id.asc()).limit(per_page + 1)
            )
        )
        more_newer = len(rows) > per_page
        rows = rows[:per_page][::-1]
        older_exists = member or session.scalar(ids.where(pair <= mark).limit(1)) is not None
    else:
        rows = list(
            session.scalars(
                ids.where(pair < mark).order_by(key.desc(), Article.id.desc()).limit(per_page + 1)
            )
        )
        older_exists = len(rows) > per_page
        rows = rows[:per_page]
        more_newer = member or session.scalar(ids.where(pair >= mark).limit(1)) is not None
    if not rows:
        return [], None, None
    newer = rows[0] if more_newer else None
    older = rows[-1] if older_exists else None
    return rows, newer, older
