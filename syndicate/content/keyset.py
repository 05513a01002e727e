"""Keyset paging of lists: a page starts after the sort key of one row.

A link to the next page names the last row shown (``?before=<id>``); the query asks for
rows whose (key, id) sorts after that row's, which an index range answers at the same
cost on page 1 and page 1,000, and a row added meanwhile shifts nothing. The public story
lists and the console's articles use :func:`page_ids`; the console's and the portal's other
lists use :func:`keyset_slice`, which loads the rows of one page of any table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.base import ExecutableOption

from syndicate.content.models import Article
from syndicate.pagination import Cursor, Slice
from syndicate.web.inputs import parse_int

# The lists count their rows no further than this: a count is a scan, a page is not.
COUNT_CAP = 10_000

Column = ColumnElement[Any] | InstrumentedAttribute[Any]


class CursorNotFound(LookupError):
    """The row a cursor names has no sort key in this list (gone, or never in it)."""


def cursor_from(args: Mapping[str, str]) -> Cursor | None:
    """The ``?before=``/``?after=`` cursor of a query string; anything but an id in an
    ``Integer`` column's range (garbage, zero or less, too many digits) means the first page."""
    for name, after in (("before", False), ("after", True)):
        value = parse_int(args.get(name), 1)
        if value is not None:
            return Cursor(value, after=after)
    return None


def _ahead(ids: Select[Any], condition: ColumnElement[bool]) -> Select[Any]:
    """``ids`` restricted by ``condition``, placed before its own conditions.

    Of two bounds on one index column (a public list's ``released_at <= now`` and the
    cursor's), SQLite ranges over the first it meets: the cursor's must come first, or a deep
    page reads the index from the top down to it.
    """
    ahead = select(*ids.selected_columns).select_from(*ids.get_final_froms()).where(condition)
    return ahead.where(ids.whereclause) if ids.whereclause is not None else ahead


def keyset_ids(
    session: Session,
    ids: Select[Any],
    key: Column | None,
    id_column: Column,
    cursor: Cursor | None,
    per_page: int,
    *,
    descending: bool = True,
    anchor: Select[Any] | None = None,
) -> tuple[list[int], int | None, int | None]:
    """One page of ``ids`` (a ``select(<id column>)`` with its conditions), in the order of
    (``key``, ``id_column``), descending unless asked; ``key=None`` orders by the id alone.

    Returns the page's ids, the id for the previous page's ``?after=`` and the id for the
    next page's ``?before=`` (None when there is none): ``before`` walks on down the list
    and ``after`` back towards its start, whichever way it is sorted. ``anchor`` selects the
    cursor row's key (default: ``select(key)``, unfiltered, so a row that left the list
    meanwhile still anchors). Raises :class:`CursorNotFound` when the cursor row is gone.
    """
    if key is None:
        sort: Any = id_column
        anchor = anchor if anchor is not None else select(id_column)
    else:
        sort = tuple_(key, id_column)
        anchor = anchor if anchor is not None else select(key)
    columns = (id_column,) if key is None else (key, id_column)
    down = [c.desc() if descending else c.asc() for c in columns]
    up = [c.asc() if descending else c.desc() for c in columns]

    def further(mark: Any, *, inclusive: bool = False) -> ColumnElement[bool]:
        """Rows down the list from ``mark`` (the cursor row too, if ``inclusive``)."""
        if descending:
            return sort <= mark if inclusive else sort < mark
        return sort >= mark if inclusive else sort > mark

    def nearer(mark: Any, *, inclusive: bool = False) -> ColumnElement[bool]:
        """Rows towards the start of the list from ``mark``."""
        if descending:
            return sort >= mark if inclusive else sort > mark
        return sort <= mark if inclusive else sort < mark

    if cursor is None:
        rows = list(session.scalars(ids.order_by(*down).limit(per_page + 1)))
        return rows[:per_page], None, (rows[per_page - 1] if len(rows) > per_page else None)
    # One statement: the cursor row's key, and whether it is in the list itself (then the
    # page on its side of the cursor exists without asking).
    value, member = session.execute(
        select(
            anchor.where(id_column == cursor.id).scalar_subquery(),
            ids.where(id_column == cursor.id).exists(),
        )
    ).one()
    if value is None:
        raise CursorNotFound(cursor.id)
    mark: Any = value if key is None else tuple_(value, cursor.id)
    if cursor.after:
        page = _ahead(ids, nearer(mark)).order_by(*up).limit(per_page + 1)
        rows = list(session.scalars(page))
        more_before = len(rows) > per_page
        rows = rows[:per_page][::-1]
        more_after = (
            member or session.scalar(ids.where(further(mark, inclusive=True)).limit(1)) is not None
        )
    else:
        page = _ahead(ids, further(mark)).order_by(*down).limit(per_page + 1)
        rows = list(session.scalars(page))
        more_after = len(rows) > per_page
        rows = rows[:per_page]
        more_before = (
            member or session.scalar(ids.where(nearer(mark, inclusive=True)).limit(1)) is not None
        )
    if not rows:
        return [], None, None
    return rows, (rows[0] if more_before else None), (rows[-1] if more_after else None)


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
    return keyset_ids(session, ids, key, Article.id, cursor, per_page, anchor=anchor)


def capped_total(session: Session, ids: Select[Any], cap: int = COUNT_CAP) -> int:
    """How many rows ``ids`` returns, counting no further than ``cap + 1`` (so a list can
    say "more than ``cap``" without a scan of all of them)."""
    limited = ids.order_by(None).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def keyset_slice(
    session: Session,
    rows: Select[Any],
    key: Column | None,
    id_column: Column,
    cursor: Cursor | None,
    per_page: int,
    *,
    descending: bool = True,
    options: Sequence[ExecutableOption] = (),
    anchor: Select[Any] | None = None,
) -> Slice[Any]:
    """One page of ``rows`` (a ``select(Model)`` with its conditions, unordered) as a
    :class:`~syndicate.pagination.Slice` of loaded rows, with a count capped at
    :data:`COUNT_CAP`. A cursor whose row is gone, or past which nothing is left, shows the
    first page. ``options`` are
    loader options for the page's rows; ``anchor`` limits which rows a cursor may name (a
    partner's list passes its own rows, so another partner's id anchors nothing).
    """
    ids = rows.with_only_columns(id_column).order_by(None)
    try:
        shown, newer, older = keyset_ids(
            session, ids, key, id_column, cursor, per_page, descending=descending, anchor=anchor
        )
    except CursorNotFound:
        shown = []
    if not shown and cursor is not None:
        # No link leads to an empty page: the cursor was made up or its rows are gone.
        shown, newer, older = keyset_ids(
            session, ids, key, id_column, None, per_page, descending=descending
        )
    loaded = (
        {
            getattr(row, str(id_column.key)): row
            for row in session.scalars(
                rows.options(*options).where(id_column.in_(shown)).order_by(None)
            ).unique()
        }
        if shown
        else {}
    )
    items = [loaded[i] for i in shown if i in loaded]
    total = capped_total(session, ids, COUNT_CAP)
    return Slice(items, per_page, total, newer, older, cap=COUNT_CAP)
