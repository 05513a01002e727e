"""Keyset pages of the console's and the portal's lists, read from the request.

A list's links name the first or last row shown (``?after=<id>``, ``?before=<id>``); see
:mod:`syndicate.content.keyset`. Old ``?page=N`` links start again at the first page.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from flask import current_app, redirect, request, url_for
from sqlalchemy import Select
from sqlalchemy.sql.base import ExecutableOption
from werkzeug.wrappers import Response

from syndicate.content.keyset import Column, cursor_from, keyset_slice
from syndicate.pagination import Slice
from syndicate.web.db import db_session

CURSOR_ARGS = ("page", "before", "after")

P = ParamSpec("P")
R = TypeVar("R")


def keyset_list(
    rows: Select[Any],
    key: Column | None,
    id_column: Column,
    *,
    descending: bool = True,
    options: Sequence[ExecutableOption] = (),
    per_page: int | None = None,
    anchor: Select[Any] | None = None,
) -> Slice[Any]:
    """The page of ``rows`` that the request's ``?before=``/``?after=`` names (see
    :func:`syndicate.content.keyset.keyset_slice`); a cursor that names no row (or one
    ``anchor`` does not select), or is not an id at all, shows the first page."""
    return keyset_slice(
        db_session(),
        rows,
        key,
        id_column,
        cursor_from(request.args),
        per_page or int(current_app.config["SITE_PAGE_SIZE"]),
        descending=descending,
        options=options,
        anchor=anchor,
    )


def without_page_numbers(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send an old ``?page=N`` link of a keyset list to its first page, filters kept."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if "page" in request.args:
            target: dict[str, Any] = dict(request.view_args or {})
            target.update((k, v) for k, v in request.args.items() if k not in CURSOR_ARGS)
            return redirect(url_for(str(request.endpoint), **target))
        return view(*args, **kwargs)

    return wrapper
