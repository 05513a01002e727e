"""The pickups chart: views and feed fetches per day as a standalone SVG drawn by pygal.

pygal writes its look into the SVG itself (a ``<style>`` element and a few ``style``
attributes). The site's pages forbid inline styles, so the chart is not inlined into the
page: it is its own ``image/svg+xml`` response, shown with ``<img>``. An SVG loaded as an
image never runs script nor fetches anything, and the response carries its own policy
(``CHART_SECURITY_POLICY``) that allows exactly its inline styles and nothing else. The
page's policy stays as strict as before, and no stylesheet has to track pygal's markup.

Views and copies taken from the story desk (intents to republish) use the left axis and
feed fetches the right one; both axes have whole-number ticks (counts have no fractions)
and the legend says which axis each series uses.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import pygal
from flask import Response
from pygal.style import Style

from syndicate.newswire.pickups import DayPoint

# pygal puts a legacy import hook (for its optional map plugins, unused here) on
# sys.meta_path; Python warns each time an import falls through to it, so take it off.
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, pygal.PluginImportFixer)]

CHART_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
VIEWS_LABEL = "Views (left axis)"
FETCHES_LABEL = "Feed fetches (right axis)"
COPIES_LABEL = "Copies from the desk (left axis)"
# Intervals between ticks on each axis; both axes share the grid lines.
TICKS = 4
# (width, height, font size) of the drawing for wide screens and for phones.
SIZES = {"wide": (760, 300, 13), "narrow": (360, 340, 15)}


def nice_step(value: int, intervals: int = TICKS) -> int:
    """The smallest whole 1, 2, 5 × 10ⁿ step such that ``intervals`` steps reach ``value``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale * intervals >= value:
                return step * scale
        scale *= 10


def _count(value: float | None) -> str:
    return f"{round(value or 0):,}"


def pickups_chart(points: Sequence[DayPoint], title: str, size: str = "wide") -> str:
    """The SVG text of views (shaded line), feed fetches and desk copies (lines) per day,
    text escaped."""
    width, height, font = SIZES.get(size, SIZES["wide"])
    narrow = width < 500
    views_step = nice_step(max((max(p.views, p.copies) for p in points), default=0))
    fetches_step = nice_step(max((p.fetches for p in points), default=0))
    style = Style(
        background="transparent",
        plot_background="#ffffff",
        foreground="#2a2926",
        foreground_strong="#2a2926",
        foreground_subtle="#e3e0d8",
        # pygal numbers the series on the left axis first: views, copies, then fetches.
        colors=("#2f6f8f", "#5b7a2e", "#c2571a"),
        guide_stroke_color="#d9d5cb",
        major_guide_stroke_color="#d9d5cb",
        guide_stroke_dasharray="0",
        major_guide_stroke_dasharray="0",
        font_family="system-ui, sans-serif",
        label_font_size=font,
        major_label_font_size=font,
        legend_font_size=font + 1,
        title_font_size=font + 2,
        no_data_font_size=font + 2,
    )
    chart = pygal.Line(
        style=style,
        width=width,
        height=height,
        js=[],
        disable_xml_declaration=True,
        explicit_size=True,
        show_legend=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=1 if narrow else 2,
        legend_box_size=font,
        truncate_legend=-1,
        include_x_axis=True,
        range=(0, views_step * TICKS),
        secondary_range=(0, fetches_step * TICKS),
        y_labels=[views_step * i for i in range(TICKS + 1)],
        value_formatter=_count,
        show_minor_x_labels=False,
        x_labels_major_every=max(1, len(points) // (4 if narrow else 7)),
        truncate_label=-1,
        dots_size=2 if len(points) <= 31 else 0,
        stroke_style={"width": 2.5},
        margin=8,
        spacing=8,
        no_data_text="No data",
    )
    chart.add_xml_filter(_cleaned(title))
    chart.x_labels = [f"{p.day:%d %b}" for p in points]
    chart.add(VIEWS_LABEL, [p.views for p in points], fill=True)
    chart.add(FETCHES_LABEL, [p.fetches for p in points], secondary=True)
    chart.add(COPIES_LABEL, [p.copies for p in points])
    return str(chart.render(is_unicode=True))


def _cleaned(title: str) -> Callable[[Any], Any]:
    """A pygal xml filter: set the accessible title; drop comments and the script.

    pygal writes its whole configuration into an inline script even without ``js`` (the
    image would not run it, but the document should not carry it).
    """

    def apply(root: Any) -> Any:
        for node in list(root.iter()):
            if not isinstance(node.tag, str) or node.tag.rsplit("}", 1)[-1] == "script":
                node.getparent().remove(node)
        for node in root.iter("{http://www.w3.org/2000/svg}title", "title"):
            # lxml escapes the text when it writes the document.
            node.text = title
            break
        return root

    return apply


def chart_response(svg: str) -> Response:
    """The chart as its own SVG document, with a policy that allows only its inline styles."""
    response = Response(svg, content_type="image/svg+xml; charset=utf-8")
    response.headers["Content-Security-Policy"] = CHART_SECURITY_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response
