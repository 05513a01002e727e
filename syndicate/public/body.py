"""Split a sanitised body into top-level blocks so figures can sit between paragraphs
(the article page and partner feeds use the same splitter)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source", "col", "area", "embed"}
HEADINGS = {"h2", "h3", "h4", "h5", "h6"}


# Block and Slot are named tuples: a feed render makes about a thousand of them, and a
# tuple is built several times faster than a frozen dataclass.
class Block(NamedTuple):
    """One top-level piece of the body, and its tag name."""

    html: str
    tag: str


_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)"
    r"(?:\s+[^\s=/>]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*\s*(/?)>"
)


def split_blocks(html: str) -> list[Block]:
    """Top-level elements of ``html``, in order; text between them joins the next block.

    Found with one regular expression over the tags, which relies on what the sanitiser
    guarantees of stored bodies: balanced tags, no comments, ``<`` in text escaped.
    """
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


class Slot(NamedTuple, Generic[T]):
    """A body block, or a figure placed between blocks (exactly one of the two)."""

    block: Block | None = None
    figure: T | None = None


def interleave(blocks: Sequence[Block], figures: Sequence[T]) -> list[Slot[T]]:
    """Spread ``figures`` evenly through ``blocks``, never straight after a heading.

    Figures that find no place (a body shorter than its figures) follow the last block.
    """
    if not figures:
        return [Slot(b) for b in blocks]
    step = max(1, len(blocks) // (len(figures) + 1))
    places: dict[int, list[T]] = {}
    position = 0
    for fig in figures:
        position = min(len(blocks), max(position + 1, position + step))
        place = position
        while place > 1 and blocks[place - 1].tag in HEADINGS:
            place -= 1
        places.setdefault(place, []).append(fig)
    slots: list[Slot[T]] = []
    for index, block in enumerate(blocks, start=1):
        slots.append(Slot(block))
        placed = places.pop(index, None)
        if placed:
            slots.extend(Slot(None, f) for f in placed)
    for leftover in places.values():
        slots.extend(Slot(None, f) for f in leftover)
    return slots
