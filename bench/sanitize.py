"""How long the worst bodies take to clean, against a floor measured in the same run.

Every case is a body of about the largest accepted size (``MAX_BODY_CHARS``), built to be
hard for the HTML5 tree builder or the Markdown parser: deep nesting, long lists, unclosed
and misnested formatting, many attributes, long entities, delimiter runs. A body beyond
the limits is refused by the pre-scan, so its cost is the scan; a body within them is
cleaned in full (``render_body``). The floor is nh3 on flat paragraphs of the same size.

    .venv/bin/python bench/sanitize.py            # prints a table and the worst case
    .venv/bin/python bench/sanitize.py --check    # exits 1 if a body takes longer than 2 s
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from syndicate.content.sanitize import (
    _MARKDOWN_WEIGHTS,
    MARKDOWN_BUDGET,
    MAX_ATTRIBUTES,
    MAX_BODY_CHARS,
    MAX_NESTING,
    BodyRefused,
    clean_html,
    render_body,
)

TARGET_SECONDS = 2.0
SIZE = MAX_BODY_CHARS


def fill(unit: str, size: int = SIZE - 32) -> str:
    """``unit`` repeated to at most ``size`` characters."""
    return unit * max(1, size // len(unit))


def md_fill(unit: str, reserve: int = 64) -> str:
    """``unit`` repeated as often as a Markdown body within its budget allows, keeping
    ``reserve`` units for a prefix or suffix."""
    weight = len(unit) + sum(w * unit.count(c) for c, w in _MARKDOWN_WEIGHTS.items())
    return unit * max(1, (MARKDOWN_BUDGET - reserve) // weight)


def tower(open_tag: str, close_tag: str, depth: int, inner: str = "x") -> str:
    """One element nested ``depth`` deep."""
    return open_tag * depth + inner + close_tag * depth


HALF = MAX_NESTING // 2 - 1
MISNESTED = "<b><i>" * HALF + "<p>x</p>" + "</b></i>" * HALF
TABLE_HEAD = "|a|b|\n|-|-|\n"
PROSE = "Words of *a story* with a [link](https://x.org/a) and `code`, **strong**.\n\n"
NESTED_LIST = "".join(f"{'  ' * i}- x\n" for i in range(40))

CASES: list[tuple[str, str, Callable[[], str]]] = [
    ("nested <div> to the size limit", "html", lambda: fill("<div>") + "x"),
    (
        f"<div> towers {MAX_NESTING} deep",
        "html",
        lambda: fill(tower("<div>", "</div>", MAX_NESTING)),
    ),
    ("nested <ul><li> to the size limit", "html", lambda: fill("<ul><li>")),
    (
        f"<ul><li> towers {MAX_NESTING // 2} deep",
        "html",
        lambda: fill(tower("<ul><li>", "</li></ul>", MAX_NESTING // 2)),
    ),
    ("one long list of unclosed <li>", "html", lambda: "<ul>" + fill("<li>item ")),
    ("unclosed <b> to the size limit", "html", lambda: fill("<b>")),
    ("unclosed <a href> (adoption agency)", "html", lambda: fill('<a href="https://x.org/">')),
    (
        f"misnested <b><i> runs {MAX_NESTING // 2} deep",
        "html",
        lambda: fill(
            "<b><i>" * (MAX_NESTING // 2 - 1) + "<p>x</p>" + "</b></i>" * (MAX_NESTING // 2 - 1)
        ),
    ),
    (
        f"{MAX_ATTRIBUTES} attributes on every element",
        "html",
        lambda: fill("<p " + " ".join(f'data-a{i}="v"' for i in range(MAX_ATTRIBUTES)) + ">x</p>"),
    ),
    (
        "one element with every attribute",
        "html",
        lambda: "<p " + fill('a="v" ', SIZE - 10) + ">x</p>",
    ),
    ("one long entity", "html", lambda: "&" + "a" * (SIZE - 2) + ";"),
    ("many entities", "html", lambda: fill("&amp;&#x27;&lt;")),
    ("table of unclosed cells", "html", lambda: "<table><tr>" + fill("<td>x")),
    ("Markdown: flat paragraphs, size limit", "markdown", lambda: fill("A plain line.\n\n")),
    ("Markdown: flat paragraphs", "markdown", lambda: md_fill("Hello world, a plain line.\n\n")),
    ("Markdown: prose with links and emphasis", "markdown", lambda: md_fill(PROSE)),
    ("Markdown: nested quotes", "markdown", lambda: md_fill(">") + " x"),
    ("Markdown: nested lists", "markdown", lambda: md_fill(NESTED_LIST)),
    ("Markdown: unclosed link brackets", "markdown", lambda: md_fill("[")),
    ("Markdown: link and image openers", "markdown", lambda: md_fill("![a](")),
    ("Markdown: emphasis runs", "markdown", lambda: md_fill("*a_")),
    ("Markdown: strikethrough runs", "markdown", lambda: md_fill("~a")),
    ("Markdown: backtick runs", "markdown", lambda: md_fill("`a``")),
    ("Markdown: entities and <", "markdown", lambda: md_fill("&a <")),
    ("Markdown: pipe table", "markdown", lambda: TABLE_HEAD + md_fill("|x|y|\n", reserve=128)),
    ("Markdown: embedded <div> tower", "markdown", lambda: md_fill("<div>\n\n")),
]


def timed(work: Callable[[], object]) -> float:
    """Seconds that ``work`` took (best of one: these are seconds, not microseconds)."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def main() -> int:
    """Print each case's verdict, time and ratio to the floor; the worst case last."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help=f"fail above {TARGET_SECONDS} s")
    args = parser.parse_args()

    floor_body = fill("<p>Hello world, a plain paragraph.</p>")
    floor = min(timed(lambda: clean_html(floor_body)) for _ in range(3))
    print(f"floor: nh3 on {len(floor_body):,} characters of flat paragraphs: {floor:.3f} s\n")
    print(f"{'case':44} {'chars':>9} {'verdict':>8} {'seconds':>8} {'× floor':>8}")
    worst = (0.0, "")
    for name, body_format, build in CASES:
        body = build()
        verdict = "cleaned"

        def clean(body: str = body, body_format: str = body_format) -> None:
            nonlocal verdict
            try:
                render_body(body, body_format)
            except BodyRefused:
                verdict = "refused"

        seconds = timed(clean)
        worst = max(worst, (seconds, name))
        print(f"{name:44} {len(body):>9,} {verdict:>8} {seconds:>8.3f} {seconds / floor:>8.1f}")
    print(f"\nworst case: {worst[1]}: {worst[0]:.3f} s ({worst[0] / floor:.1f} × floor)")
    print(f"target: every body under {TARGET_SECONDS} s")
    if args.check and worst[0] >= TARGET_SECONDS:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
