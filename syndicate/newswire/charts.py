"""Server-rendered SVG charts: no script, no external file, every text escaped."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from syndicate.newswire.pickups import DayPoint

WIDTH = 760
HEIGHT = 240
LEFT = 48
RIGHT = 16
TOP = 16
BOTTOM = 36


def nice_max(value: int) -> int:
    """A round axis maximum at or above ``value`` (1, 2, 5 × 10ⁿ)."""
    if value <= 0:
        return 1
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def pickups_chart(points: Sequence[DayPoint], title: str) -> Markup:
    """Views per day as bars and feed fetches per day as a line, with axes and a legend."""
    n = max(1, len(points))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top_views = nice_max(max((p.views for p in points), default=0))
    top_fetches = nice_max(max((p.fetches for p in points), default=0))
    slot = plot_w / n
    bar = max(1.0, slot * 0.7)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-title" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="chart-title">{escape(title)}</title>',
    ]
    for i in range(5):
        y = TOP + plot_h * i / 4
        label = round(top_views * (4 - i) / 4)
        parts.append(
            f'<line class="chart__grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" '
            f'y2="{y:.1f}"/><text class="chart__axis" x="{LEFT - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{label}</text>'
        )
    line: list[str] = []
    for index, point in enumerate(points):
        x = LEFT + slot * index + (slot - bar) / 2
        h = plot_h * point.views / top_views
        parts.append(
            f'<rect class="chart__bar" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" '
            f'width="{bar:.1f}" height="{h:.1f}"><title>{point.day:%d %b}: '
            f"{point.views} views, {point.fetches} feed fetches</title></rect>"
        )
        cx = LEFT + slot * index + slot / 2
        cy = TOP + plot_h - plot_h * point.fetches / top_fetches
        line.append(f"{cx:.1f},{cy:.1f}")
    if line:
        parts.append(f'<polyline class="chart__line" points="{" ".join(line)}"/>')
    step = max(1, n // 6)
    for index in range(0, len(points), step):
        cx = LEFT + slot * index + slot / 2
        parts.append(
            f'<text class="chart__axis" x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" '
            f'text-anchor="middle">{points[index].day:%d %b}</text>'
        )
    parts.append(
        f'<g class="chart__legend" transform="translate({LEFT},{HEIGHT - 8})">'
        '<rect class="chart__bar" x="0" y="-9" width="10" height="10"/>'
        '<text x="14" y="0">Views (tracked)</text>'
        '<line class="chart__line" x1="130" y1="-4" x2="150" y2="-4"/>'
        f'<text x="156" y="0">Feed fetches (scale 0–{top_fetches})</text></g>'
    )
    parts.append("</svg>")
    # Every interpolated text above went through escape(); numbers are formatted by us.
    return Markup("".join(parts))  # noqa: S704
