"""Split a sanitised body into top-level blocks so figures can sit between paragraphs."""

from __future__ import annotations

from collections.abc import Sequence
from html.parser import HTMLParser
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")

VOID = {"br", "hr", "img", "wbr", "input", "meta", "link", "source", "col", "area", "embed"}
HEADINGS = {"h2", "h3", "h4", "h5", "h6"}


class _BlockFinder(HTMLParser):
    """Records where each top-level element ends, as character offsets."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.line_starts = [0]
        for index, char in enumerate(text):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.depth = 0
        self.ends: list[tuple[int, str]] = []
        self.top_tag = ""

    def _here(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _void_at_top(self, tag: str) -> None:
        raw = self.get_starttag_text() or ""
        self.ends.append((self._here() + len(raw), tag))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self.top_tag = tag
            if tag in VOID:
                self._void_at_top(tag)
                return
        if tag not in VOID:
            self.depth += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.depth == 0:
            self._void_at_top(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        self.depth = max(0, self.depth - 1)
        if self.depth == 0:
            self.ends.append((self._here() + len(f"</{tag}>"), self.top_tag))


# Block and Slot are named tuples: a feed render makes about a thousand of them, and a
# tuple is built several times faster than a frozen dataclass.
class Block(NamedTuple):
    """One top-level piece of the body, and its tag name."""

    html: str
    tag: str


def split_blocks(html: str) -> list[Block]:
    """Top-level elements of ``html``, in order; text between them joins the next block."""
    finder = _BlockFinder(html)
    finder.feed(html)
    finder.close()
    blocks: list[Block] = []
    start = 0
    for end, tag in finder.ends:
        chunk = html[start:end]
        if chunk.strip():
            blocks.append(Block(chunk.strip(), tag))
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
