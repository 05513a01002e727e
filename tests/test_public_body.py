"""Splitting a body into blocks and placing figures between them."""

from __future__ import annotations

from syndicate.content.sanitize import render_markdown
from syndicate.public.body import Block, interleave, split_blocks


def test_split_keeps_every_top_level_element_whole() -> None:
    html = render_markdown(
        "One & *two*.\n\n## Heading\n\n> quoted\n>\n> twice\n\n- a\n- b\n\n---\n\nLast<br>line"
    )
    blocks = split_blocks(html)
    assert [b.tag for b in blocks] == ["p", "h2", "blockquote", "ul", "hr", "p"]
    assert blocks[0].html == "<p>One &amp; <em>two</em>.</p>"
    assert blocks[2].html.startswith("<blockquote>")
    assert blocks[2].html.endswith("</blockquote>")
    assert "".join(b.html for b in blocks).count("<p>") == html.count("<p>")


def test_split_handles_text_without_tags_and_empty_bodies() -> None:
    assert split_blocks("") == []
    assert split_blocks("just words") == [Block("just words", "")]
    assert [b.html for b in split_blocks("<p>a</p><p>b</p>")] == ["<p>a</p>", "<p>b</p>"]


def test_figures_are_spread_through_the_body() -> None:
    blocks = [Block(f"<p>{n}</p>", "p") for n in range(9)]
    slots = interleave(blocks, ["F1", "F2"])
    order = [s.figure or s.block.html for s in slots if s.figure or s.block]
    assert order.index("F1") == 3
    assert order.index("F2") == 7
    assert len(slots) == 11


def test_a_figure_never_follows_a_heading() -> None:
    blocks = [Block("<p>a</p>", "p"), Block("<h2>b</h2>", "h2"), Block("<p>c</p>", "p")]
    slots = interleave(blocks, ["F"])
    kinds = [("fig" if s.figure else s.block.tag) for s in slots if s.figure or s.block]
    assert kinds == ["p", "fig", "h2", "p"]


def test_more_figures_than_blocks_all_appear() -> None:
    slots = interleave([Block("<p>a</p>", "p")], ["F1", "F2", "F3"])
    assert [s.figure for s in slots if s.figure] == ["F1", "F2", "F3"]
    assert interleave([], ["F"])[0].figure == "F"
