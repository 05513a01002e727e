"""The partner feeds' ``?tag=`` filter: only the covered stories carrying one tag.

The view reads the tag with :func:`requested_tag`; the fast path, which answers only
unfiltered feeds, hands every request that names a tag to the view (:func:`names_tag`).
A tag nobody uses gives an empty feed rather than an error, so a partner cannot learn
from the answer which tags exist on stories it does not receive.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

TAG_PARAM = "tag"
# What :func:`syndicate.content.services.slugify` makes of a tag's name.
TAG_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TAG_SLUG_MAX = 80
BAD_TAG = "The tag filter takes a tag's slug, for example ?tag=river-basin."


class BadTag(ValueError):
    """The ``tag`` parameter is not a tag slug."""


def requested_tag(args: Mapping[str, str]) -> str | None:
    """The tag slug a feed request filters on, ``None`` for the whole feed.

    Raises :class:`BadTag` for anything that cannot be a slug (upper case, spaces, NUL,
    too long), before it reaches the database.
    """
    value = args.get(TAG_PARAM, "")
    if not value:
        return None
    if len(value) > TAG_SLUG_MAX or not TAG_SLUG.fullmatch(value):
        raise BadTag(value)
    return value


def names_tag(environ: Mapping[str, Any]) -> bool:
    """Whether a WSGI request's query string names the tag parameter at all."""
    query = environ.get("QUERY_STRING", "")
    return TAG_PARAM in query and TAG_PARAM in parse_qs(query, keep_blank_values=True)
