"""A fast top-level block splitter for stored (nh3-serialised) body HTML.

The same result as :func:`syndicate.public.body.split_blocks`, found with one regular
expression over the tags instead of a Python HTML parser: a feed render splits fifty
bodies, and the parser alone would take most of the time budget. It relies on what the
sanitiser guarantees: balanced tags, no comments, and ``<`` in text escaped as ``&lt;``.
"""

from __future__ import annotations

import re

from syndicate.public.body import VOID, Block

_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"(?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*\s*(/?)>"
)


def split_blocks(html: str) -> list[Block]:
    """Top-level elements of ``html``, in order; text between them joins the next block."""
    blocks: list[Block] = []
    depth = 0
    start = 0
    top_tag = ""
    for match in _TAG.finditer(html):
        closing, tag, self_closing = match.groups()
        tag = tag.lower()
        end = None
        if closing:
            if tag in VOID:
                continue
            depth = max(0, depth - 1)
            if depth == 0:
                end = match.end()
        elif depth == 0:
            top_tag = tag
            if tag in VOID or self_closing:
                end = match.end()
            else:
                depth = 1
        elif tag not in VOID and not self_closing:
            depth += 1
        if end is not None:
            chunk = html[start:end].strip()
            if chunk:
                blocks.append(Block(chunk, top_tag))
            start = end
    rest = html[start:].strip()
    if rest:
        blocks.append(Block(rest, ""))
    return blocks
