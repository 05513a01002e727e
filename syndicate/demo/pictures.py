"""Illustrative demo "photos" drawn with Pillow: skies, hills, water, towns, all seeded.

A picture is a :class:`Picture`: a seed, a sky and a list of elements painted back to
front. The same picture always gives the same bytes, so the demo never needs a download
and a second run has nothing new to store.
"""

from __future__ import annotations

import io
import itertools
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]
WIDTH, HEIGHT = 1600, 1067


@dataclass(frozen=True)
class Sky:
    """A vertical gradient from ``top`` to ``horizon`` (with an optional middle colour)."""

    top: RGB
    horizon: RGB
    middle: RGB | None = None
    horizon_y: float = 0.6


@dataclass(frozen=True)
class Sun:
    """A sun or moon with a soft glow; ``x``/``y`` are fractions of the frame."""

    x: float
    y: float
    radius: int = 46
    color: RGB = (255, 244, 214)
    glow: RGB = (255, 214, 150)
    glow_strength: float = 0.55


@dataclass(frozen=True)
class Stars:
    """A night sky's stars above ``bottom``."""

    count: int = 220
    bottom: float = 0.55


@dataclass(frozen=True)
class Clouds:
    """Soft clouds between ``top`` and ``bottom``."""

    count: int = 6
    top: float = 0.08
    bottom: float = 0.4
    color: RGB = (250, 250, 252)
    opacity: float = 0.75
    size: float = 1.0


@dataclass(frozen=True)
class Ridge:
    """A line of hills whose base sits at ``y``, filled down to the bottom of the frame."""

    y: float
    color: RGB
    roughness: float = 0.08
    shade: RGB | None = None
    softness: float = 1.2


@dataclass(frozen=True)
class Water:
    """A body of water from ``y`` down, reflecting the sky, with ripples."""

    y: float
    near: RGB
    far: RGB
    ripples: int = 160
    sparkle: RGB | None = None
    sparkle_x: float = 0.5


@dataclass(frozen=True)
class Fields:
    """Bands of fields receding towards the horizon from ``y`` down."""

    y: float
    colors: Sequence[RGB]


@dataclass(frozen=True)
class Building:
    """One building: position and size as fractions of the frame, base at ``ground``."""

    x: float
    width: float
    height: float
    color: RGB
    ground: float = 0.7
    roof: str = "flat"  # flat, gable, pediment, tower
    windows: str = "grid"  # grid, lit, none, columns
    window_color: RGB = (70, 82, 98)
    lit_color: RGB = (255, 214, 130)
    sign: RGB | None = None


@dataclass(frozen=True)
class Skyline:
    """A run of random buildings along ``ground`` (a town seen from across a river)."""

    ground: float
    count: int
    palette: Sequence[RGB]
    max_height: float = 0.22
    lit: bool = False


@dataclass(frozen=True)
class Trees:
    """A row of trees along ``y``: conifers or broad-leaved."""

    y: float
    count: int
    colors: Sequence[RGB]
    kind: str = "broad"  # broad or conifer
    size: float = 1.0
    spread: float = 0.03
    x_from: float = 0.0
    x_to: float = 1.0


@dataclass(frozen=True)
class Island:
    """A low island or mound centred at ``x`` whose waterline is at ``y``."""

    x: float
    width: float
    y: float
    height: float
    color: RGB


@dataclass(frozen=True)
class Ground:
    """A flat band of ground (a street, a yard, a levee) from ``y`` to ``to``."""

    y: float
    to: float
    color: RGB
    far_color: RGB | None = None


@dataclass(frozen=True)
class Boats:
    """Small boats moored at ``y``."""

    y: float
    count: int
    colors: Sequence[RGB]


@dataclass(frozen=True)
class Vehicles:
    """Parked cars, vans or a bus along ``y``."""

    y: float
    count: int
    colors: Sequence[RGB]
    scale: float = 1.0
    van: bool = False


@dataclass(frozen=True)
class Fence:
    """A post-and-wire fence along ``y``."""

    y: float
    height: float = 0.06
    color: RGB = (70, 66, 60)


@dataclass(frozen=True)
class Sandbags:
    """A low wall of sandbags across the frame at ``y``."""

    y: float
    rows: int = 3
    color: RGB = (176, 150, 104)


@dataclass(frozen=True)
class Barriers:
    """Striped roadwork barriers along ``y``."""

    y: float
    count: int = 5


@dataclass(frozen=True)
class Haze:
    """A wash of colour over everything painted so far (smoke, mist, dusk)."""

    color: RGB
    opacity: float = 0.3
    top: float = 0.0
    bottom: float = 1.0


@dataclass(frozen=True)
class Aerial:
    """A view from above: patchwork fields or a street grid, with a river across."""

    palette: Sequence[RGB]
    river: RGB | None = None
    river_width: float = 0.05
    grid: bool = False
    flood: bool = False


Element = (
    Sun
    | Stars
    | Clouds
    | Ridge
    | Water
    | Fields
    | Building
    | Skyline
    | Trees
    | Island
    | Ground
    | Boats
    | Vehicles
    | Fence
    | Sandbags
    | Barriers
    | Haze
    | Aerial
)


@dataclass(frozen=True)
class Picture:
    """Everything needed to draw one picture, deterministically."""

    seed: int
    sky: Sky
    elements: Sequence[Element] = field(default_factory=tuple)
    grain: int = 7
    vignette: float = 0.35


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    t = max(0.0, min(1.0, t))
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _shade(color: RGB, factor: float) -> RGB:
    return _mix(color, (0, 0, 0), factor) if factor > 0 else _mix(color, (255, 255, 255), -factor)


def _vertical_gradient(size: tuple[int, int], stops: Sequence[tuple[float, RGB]]) -> Image.Image:
    """An image whose rows run through ``stops`` (position 0..1, colour)."""
    width, height = size
    column = Image.new("RGB", (1, height))
    rows: list[RGB] = []
    for y in range(height):
        t = y / max(height - 1, 1)
        for (p0, c0), (p1, c1) in itertools.pairwise(stops):
            if t <= p1:
                rows.append(_mix(c0, c1, (t - p0) / max(p1 - p0, 1e-6)))
                break
        else:
            rows.append(stops[-1][1])
    column.putdata(rows)
    return column.resize((width, height), Image.Resampling.NEAREST)


def _paint(canvas: Image.Image, color: RGB | Image.Image, mask: Image.Image) -> None:
    """Paint ``color`` (or a same-sized image) through ``mask`` onto ``canvas``."""
    if isinstance(color, Image.Image):
        canvas.paste(color, (0, 0), mask)
    else:
        canvas.paste(color, (0, 0, canvas.width, canvas.height), mask)


def _mask() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    mask = Image.new("L", (WIDTH, HEIGHT), 0)
    return mask, ImageDraw.Draw(mask)


def _soft(mask: Image.Image, radius: float) -> Image.Image:
    """``mask`` blurred by ``radius``. Only the part that can change is blurred: a mask that
    is black but for a small shape (a sun, a boat, a reflection) gives the same pixels for a
    fraction of the time, since the blur of black beyond the shape's reach stays black."""
    if radius <= 0:
        return mask
    box = mask.getbbox()
    if box is None:
        return mask
    # Pillow's Gaussian is three box passes reaching about 3 radii; 4 radii and 4 pixels
    # leave the crop's edge black before and after the blur.
    reach = math.ceil(4 * radius) + 4
    left, top = max(0, box[0] - reach), max(0, box[1] - reach)
    right, bottom = min(mask.width, box[2] + reach), min(mask.height, box[3] + reach)
    if (right - left) * (bottom - top) > mask.width * mask.height // 2:
        return mask.filter(ImageFilter.GaussianBlur(radius))
    soft = Image.new("L", mask.size, 0)
    part = mask.crop((left, top, right, bottom))
    soft.paste(part.filter(ImageFilter.GaussianBlur(radius)), (left, top))
    return soft


def _profile(rng: random.Random, base: float, roughness: float, points: int = 129) -> list[float]:
    """A ridge line by midpoint displacement: heights (fractions) across the frame."""
    heights = [0.0] * points
    heights[0] = rng.uniform(-roughness, roughness)
    heights[-1] = rng.uniform(-roughness, roughness)
    step, scale = points - 1, roughness
    while step > 1:
        half = step // 2
        for start in range(0, points - 1, step):
            middle = (heights[start] + heights[start + step]) / 2
            heights[start + half] = middle + rng.uniform(-scale, scale)
        step, scale = half, scale * 0.55
    return [base - h for h in heights]


def _draw_sky(canvas: Image.Image, sky: Sky) -> None:
    stops: list[tuple[float, RGB]] = [(0.0, sky.top)]
    if sky.middle is not None:
        stops.append((sky.horizon_y * 0.6, sky.middle))
    stops.append((sky.horizon_y, sky.horizon))
    stops.append((1.0, sky.horizon))
    canvas.paste(_vertical_gradient(canvas.size, stops))


def _draw_sun(canvas: Image.Image, sun: Sun) -> None:
    cx, cy = sun.x * WIDTH, sun.y * HEIGHT
    glow_radius = sun.radius * 9
    glow = Image.radial_gradient("L").resize((glow_radius * 2, glow_radius * 2))
    glow = glow.point(lambda v: round(max(0, 255 - v) ** 2 / 255 * sun.glow_strength))
    mask = Image.new("L", canvas.size, 0)
    mask.paste(glow, (round(cx - glow_radius), round(cy - glow_radius)))
    _paint(canvas, sun.glow, mask)
    disc, draw = _mask()
    r = sun.radius
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    _paint(canvas, sun.color, _soft(disc, 2.5))


def _draw_stars(canvas: Image.Image, stars: Stars, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    for _ in range(stars.count):
        x = rng.uniform(0, WIDTH)
        y = rng.uniform(0, stars.bottom * HEIGHT) ** 1.0
        level = rng.randint(150, 255)
        size = rng.choice((0.8, 1.0, 1.0, 1.4, 2.0))
        draw.ellipse(
            (x - size, y - size, x + size, y + size), fill=(level, level, min(255, level + 10))
        )


def _draw_clouds(canvas: Image.Image, clouds: Clouds, rng: random.Random) -> None:
    mask, draw = _mask()
    for _ in range(clouds.count):
        cx = rng.uniform(-0.05, 1.05) * WIDTH
        cy = rng.uniform(clouds.top, clouds.bottom) * HEIGHT
        span = rng.uniform(140, 320) * clouds.size
        for _ in range(rng.randint(5, 9)):
            dx = rng.uniform(-span, span)
            dy = rng.uniform(-span * 0.12, span * 0.1)
            rx = rng.uniform(span * 0.25, span * 0.55)
            ry = rx * rng.uniform(0.35, 0.55)
            draw.ellipse((cx + dx - rx, cy + dy - ry, cx + dx + rx, cy + dy + ry), fill=255)
    mask = _soft(mask, 18 * clouds.size).point(lambda v: round(v * clouds.opacity))
    _paint(canvas, clouds.color, mask)


def _draw_ridge(canvas: Image.Image, ridge: Ridge, rng: random.Random) -> None:
    heights = _profile(rng, ridge.y, ridge.roughness)
    step = WIDTH / (len(heights) - 1)
    outline = [(i * step, h * HEIGHT) for i, h in enumerate(heights)]
    mask, draw = _mask()
    draw.polygon([(0, HEIGHT), *outline, (WIDTH, HEIGHT)], fill=255)
    top = min(heights)
    shade = ridge.shade or _shade(ridge.color, 0.35)
    fill = _vertical_gradient(
        canvas.size, [(0.0, ridge.color), (max(top, 0.0), ridge.color), (1.0, shade)]
    )
    _paint(canvas, fill, _soft(mask, ridge.softness))


def _draw_water(canvas: Image.Image, water: Water, rng: random.Random) -> None:
    top = water.y
    fill = _vertical_gradient(canvas.size, [(0.0, water.far), (top, water.far), (1.0, water.near)])
    mask, draw = _mask()
    draw.rectangle((0, top * HEIGHT, WIDTH, HEIGHT), fill=255)
    _paint(canvas, fill, _soft(mask, 1.0))
    ripples, draw = _mask()
    for _ in range(water.ripples):
        depth = rng.random() ** 1.6
        y = (top + (1 - top) * depth) * HEIGHT
        length = 30 + 260 * depth * rng.random()
        x = rng.uniform(-length, WIDTH)
        draw.line((x, y, x + length, y), fill=rng.randint(40, 110), width=1 + int(depth * 3))
    _paint(canvas, _shade(water.far, -0.35), _soft(ripples, 0.8))
    if water.sparkle is not None:
        sparkle, draw = _mask()
        cx = water.sparkle_x * WIDTH
        for _ in range(260):
            depth = rng.random()
            y = (top + (1 - top) * depth**1.3) * HEIGHT
            spread = 30 + 140 * depth
            x = cx + rng.gauss(0, spread * 0.5)
            half = rng.uniform(6, 26 + 50 * depth)
            draw.line((x - half, y, x + half, y), fill=rng.randint(90, 220), width=2)
        _paint(canvas, water.sparkle, _soft(sparkle, 1.2))


def _draw_fields(canvas: Image.Image, fields: Fields, rng: random.Random) -> None:
    y = fields.y * HEIGHT
    band = 10.0
    index = 0
    while y < HEIGHT:
        color = fields.colors[index % len(fields.colors)]
        color = _shade(color, rng.uniform(-0.08, 0.12))
        mask, draw = _mask()
        wobble = rng.uniform(-4, 4)
        draw.polygon(
            [(0, y + wobble), (WIDTH, y - wobble), (WIDTH, y + band + 2), (0, y + band + 2)],
            fill=255,
        )
        _paint(canvas, color, _soft(mask, 0.8))
        y += band
        band *= rng.uniform(1.25, 1.5)
        index += 1


def _windows(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    b: Building,
    rng: random.Random,
) -> None:
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    cols = max(2, int(width / 34))
    rows = max(1, int(height / 46))
    cell_w, cell_h = width / cols, height / rows
    for row in range(rows):
        for col in range(cols):
            x0 = left + col * cell_w + cell_w * 0.28
            y0 = top + row * cell_h + cell_h * 0.25
            x1, y1 = x0 + cell_w * 0.44, y0 + cell_h * 0.5
            if b.windows == "lit":
                color = b.lit_color if rng.random() < 0.45 else _shade(b.color, 0.45)
            else:
                color = b.window_color if rng.random() < 0.9 else _shade(b.window_color, -0.4)
            draw.rectangle((x0, y0, x1, y1), fill=color)


def _draw_building(canvas: Image.Image, b: Building, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    left, right = b.x * WIDTH, (b.x + b.width) * WIDTH
    bottom = b.ground * HEIGHT
    top = bottom - b.height * HEIGHT
    side = _shade(b.color, 0.22)
    draw.rectangle((left, top, right, bottom), fill=b.color)
    draw.rectangle((right - (right - left) * 0.06, top, right, bottom), fill=side)
    if b.roof == "gable":
        draw.polygon(
            [
                (left - 8, top),
                ((left + right) / 2, top - min((right - left) * 0.28, 110)),
                (right + 8, top),
            ],
            fill=_shade(b.color, 0.45),
        )
    elif b.roof == "pediment":
        draw.rectangle((left - 10, top - 16, right + 10, top), fill=_shade(b.color, -0.1))
        draw.polygon(
            [
                (left - 10, top - 16),
                ((left + right) / 2, top - 16 - (right - left) * 0.16),
                (right + 10, top - 16),
            ],
            fill=_shade(b.color, -0.15),
        )
    elif b.roof == "tower":
        tw = (right - left) * 0.22
        cx = (left + right) / 2
        draw.rectangle((cx - tw / 2, top - tw * 1.8, cx + tw / 2, top), fill=b.color)
        draw.polygon(
            [
                (cx - tw / 2 - 6, top - tw * 1.8),
                (cx, top - tw * 2.9),
                (cx + tw / 2 + 6, top - tw * 1.8),
            ],
            fill=_shade(b.color, 0.4),
        )
        r = tw * 0.3
        cy = top - tw * 1.1
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(245, 240, 225))
        draw.line((cx, cy, cx, cy - r * 0.8), fill=(40, 40, 40), width=3)
        draw.line((cx, cy, cx + r * 0.6, cy), fill=(40, 40, 40), width=3)
    else:
        draw.rectangle((left - 4, top - 6, right + 4, top), fill=_shade(b.color, 0.3))
    if b.windows == "columns":
        count = max(4, int((right - left) / 52))
        gap = (right - left) / count
        for i in range(count):
            x = left + gap * (i + 0.3)
            draw.rectangle((x, top + 10, x + gap * 0.4, bottom - 18), fill=_shade(b.color, -0.18))
            draw.rectangle((x + gap * 0.4, top + 10, x + gap * 0.48, bottom - 18), fill=side)
        for step in range(3):
            draw.rectangle(
                (
                    left - 12 - step * 10,
                    bottom - 18 + step * 7,
                    right + 12 + step * 10,
                    bottom - 11 + step * 7,
                ),
                fill=_shade(b.color, 0.05 * step - 0.08),
            )
    elif b.windows != "none":
        _windows(draw, (left + 6, top + 8, right - (right - left) * 0.08, bottom - 30), b, rng)
    if b.sign is not None:
        cx = (left + right) / 2
        s = min(40.0, (right - left) * 0.12)
        sy = top + s * 1.4
        draw.rectangle((cx - s, sy - s * 0.3, cx + s, sy + s * 0.3), fill=b.sign)
        draw.rectangle((cx - s * 0.3, sy - s, cx + s * 0.3, sy + s), fill=b.sign)
    door_w = min(60.0, (right - left) * 0.14)
    cx = (left + right) / 2
    draw.rectangle(
        (cx - door_w / 2, bottom - door_w * 1.3, cx + door_w / 2, bottom),
        fill=_shade(b.color, 0.55),
    )


def _draw_skyline(canvas: Image.Image, skyline: Skyline, rng: random.Random) -> None:
    x = -0.02
    for _ in range(skyline.count):
        width = rng.uniform(0.035, 0.085)
        height = rng.uniform(0.05, skyline.max_height)
        color = rng.choice(list(skyline.palette))
        _draw_building(
            canvas,
            Building(
                x=x,
                width=width,
                height=height,
                color=color,
                ground=skyline.ground,
                roof=rng.choice(("flat", "flat", "gable")),
                windows="lit" if skyline.lit else "grid",
                window_color=_shade(color, 0.4),
            ),
            rng,
        )
        x += width + rng.uniform(0.0, 0.02)
        if x > 1.02:
            break


def _draw_trees(canvas: Image.Image, trees: Trees, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    for i in range(trees.count):
        t = (i + rng.uniform(0, 1)) / trees.count
        x = (trees.x_from + (trees.x_to - trees.x_from) * t) * WIDTH
        y = (trees.y + rng.uniform(-trees.spread, trees.spread)) * HEIGHT
        size = rng.uniform(28, 60) * trees.size
        color = rng.choice(list(trees.colors))
        trunk = (74, 58, 44)
        if trees.kind == "conifer":
            draw.rectangle((x - size * 0.06, y - size * 0.3, x + size * 0.06, y), fill=trunk)
            for tier in range(3):
                base = y - size * 0.25 - tier * size * 0.5
                half = size * (0.5 - tier * 0.12)
                draw.polygon(
                    [(x - half, base), (x, base - size * 0.9), (x + half, base)],
                    fill=_shade(color, tier * -0.06),
                )
        else:
            draw.rectangle((x - size * 0.07, y - size * 0.8, x + size * 0.07, y), fill=trunk)
            for _ in range(5):
                dx, dy = rng.uniform(-0.35, 0.35) * size, rng.uniform(-0.3, 0.2) * size
                r = size * rng.uniform(0.38, 0.55)
                cy = y - size * 1.15 + dy
                draw.ellipse(
                    (x + dx - r, cy - r, x + dx + r, cy + r),
                    fill=_shade(color, rng.uniform(-0.12, 0.15)),
                )


def _draw_island(canvas: Image.Image, island: Island) -> None:
    mask, draw = _mask()
    cx, cy = island.x * WIDTH, island.y * HEIGHT
    rx, ry = island.width * WIDTH / 2, island.height * HEIGHT
    draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry * 0.25), fill=255)
    draw.rectangle((0, cy, WIDTH, HEIGHT), fill=0)
    _paint(canvas, island.color, _soft(mask, 1.5))
    reflection, rdraw = _mask()
    rdraw.ellipse((cx - rx, cy - ry * 0.5, cx + rx, cy + ry * 0.6), fill=110)
    rdraw.rectangle((0, 0, WIDTH, cy + 2), fill=0)
    _paint(canvas, _shade(island.color, 0.2), _soft(reflection, 6))


def _draw_ground(canvas: Image.Image, ground: Ground) -> None:
    fill = _vertical_gradient(
        canvas.size,
        [
            (0.0, ground.far_color or ground.color),
            (ground.y, ground.far_color or ground.color),
            (1.0, ground.color),
        ],
    )
    mask, draw = _mask()
    draw.rectangle((0, ground.y * HEIGHT, WIDTH, ground.to * HEIGHT), fill=255)
    _paint(canvas, fill, _soft(mask, 1.0))


def _draw_boats(canvas: Image.Image, boats: Boats, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    for i in range(boats.count):
        x = (i + rng.uniform(0.1, 0.7)) / boats.count * WIDTH
        y = boats.y * HEIGHT + rng.uniform(-6, 10)
        length = rng.uniform(110, 190)
        color = rng.choice(list(boats.colors))
        draw.polygon(
            [(x, y - 26), (x + length, y - 26), (x + length * 0.88, y), (x + length * 0.1, y)],
            fill=color,
        )
        draw.rectangle((x + length * 0.3, y - 58, x + length * 0.62, y - 26), fill=(236, 234, 228))
        draw.rectangle((x + length * 0.34, y - 50, x + length * 0.58, y - 40), fill=(70, 90, 110))
        draw.line((x + length * 0.7, y - 26, x + length * 0.7, y - 130), fill=(60, 60, 60), width=3)
        reflection, rdraw = _mask()
        rdraw.polygon(
            [
                (x + length * 0.1, y + 2),
                (x + length * 0.88, y + 2),
                (x + length * 0.8, y + 24),
                (x + length * 0.18, y + 24),
            ],
            fill=90,
        )
        _paint(canvas, _shade(color, 0.3), _soft(reflection, 3))


def _draw_vehicles(canvas: Image.Image, vehicles: Vehicles, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    for i in range(vehicles.count):
        s = vehicles.scale
        length = (300 if vehicles.van else 190) * s
        height = (120 if vehicles.van else 58) * s
        x = (i + rng.uniform(0.05, 0.35)) / vehicles.count * WIDTH
        y = vehicles.y * HEIGHT
        color = rng.choice(list(vehicles.colors))
        draw.rounded_rectangle((x, y - height, x + length, y - 16 * s), radius=14 * s, fill=color)
        if not vehicles.van:
            draw.rounded_rectangle(
                (x + length * 0.2, y - height - 34 * s, x + length * 0.75, y - height + 4),
                radius=12 * s,
                fill=color,
            )
            draw.rectangle(
                (x + length * 0.26, y - height - 26 * s, x + length * 0.7, y - height),
                fill=(110, 130, 150),
            )
        else:
            for k in range(4):
                wx = x + length * (0.08 + k * 0.19)
                draw.rectangle(
                    (wx, y - height + 14 * s, wx + length * 0.14, y - height + 44 * s),
                    fill=(120, 140, 160),
                )
            draw.rectangle(
                (x, y - height * 0.45, x + length, y - height * 0.38), fill=(36, 146, 150)
            )
        for wheel in (0.2, 0.8):
            wx = x + length * wheel
            r = 19 * s
            draw.ellipse((wx - r, y - 16 * s - r, wx + r, y - 16 * s + r), fill=(30, 30, 32))
            draw.ellipse(
                (wx - r * 0.45, y - 16 * s - r * 0.45, wx + r * 0.45, y - 16 * s + r * 0.45),
                fill=(150, 150, 150),
            )


def _draw_fence(canvas: Image.Image, fence: Fence) -> None:
    draw = ImageDraw.Draw(canvas)
    y = fence.y * HEIGHT
    h = fence.height * HEIGHT
    for i in range(0, WIDTH + 60, 60):
        draw.rectangle((i, y - h, i + 5, y), fill=fence.color)
    for k in range(4):
        wy = y - h + k * h / 4 + 4
        draw.line((0, wy, WIDTH, wy), fill=fence.color, width=2)


def _draw_sandbags(canvas: Image.Image, bags: Sandbags, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    base = bags.y * HEIGHT
    for row in range(bags.rows):
        y = base - row * 30
        offset = 45 if row % 2 else 0
        for x in range(-90 + offset, WIDTH + 90, 90):
            color = _shade(bags.color, rng.uniform(-0.12, 0.18))
            draw.rounded_rectangle((x, y - 34, x + 92, y), radius=14, fill=color)
            draw.line((x + 10, y - 17, x + 80, y - 17), fill=_shade(color, 0.15), width=2)


def _draw_barriers(canvas: Image.Image, barriers: Barriers) -> None:
    draw = ImageDraw.Draw(canvas)
    y = barriers.y * HEIGHT
    gap = WIDTH / barriers.count
    for i in range(barriers.count):
        x = i * gap + gap * 0.2
        draw.rectangle((x, y - 70, x + 150, y - 44), fill=(240, 240, 236))
        for k in range(5):
            draw.polygon(
                [
                    (x + k * 30, y - 70),
                    (x + k * 30 + 15, y - 70),
                    (x + k * 30 + 5, y - 44),
                    (x + k * 30 - 10, y - 44),
                ],
                fill=(224, 96, 38),
            )
        draw.rectangle((x + 10, y - 44, x + 18, y), fill=(60, 60, 60))
        draw.rectangle((x + 132, y - 44, x + 140, y), fill=(60, 60, 60))


def _draw_haze(canvas: Image.Image, haze: Haze) -> None:
    alpha = round(255 * haze.opacity)
    top, bottom = haze.top * HEIGHT, haze.bottom * HEIGHT
    column = Image.new("L", (1, HEIGHT))
    column.putdata([alpha if top <= y <= bottom else 0 for y in range(HEIGHT)])
    mask = column.filter(ImageFilter.GaussianBlur(40)).resize((WIDTH, HEIGHT))
    _paint(canvas, haze.color, mask)


def _draw_aerial(canvas: Image.Image, aerial: Aerial, rng: random.Random) -> None:
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((0, 0, WIDTH, HEIGHT), fill=aerial.palette[0])
    if aerial.grid:
        block = 150
        for bx in range(-20, WIDTH, block):
            for by in range(-20, HEIGHT, block):
                draw.rectangle(
                    (bx + 14, by + 14, bx + block - 14, by + block - 14),
                    fill=_shade(aerial.palette[1], rng.uniform(-0.08, 0.08)),
                )
                for _ in range(rng.randint(3, 6)):
                    w, h = rng.uniform(26, 52), rng.uniform(22, 44)
                    x0 = bx + rng.uniform(22, block - 22 - w)
                    y0 = by + rng.uniform(22, block - 22 - h)
                    roof = rng.choice(list(aerial.palette[2:]))
                    draw.rectangle((x0, y0, x0 + w, y0 + h), fill=roof)
                    draw.line((x0, y0 + h / 2, x0 + w, y0 + h / 2), fill=_shade(roof, 0.2), width=2)
                for _ in range(rng.randint(1, 4)):
                    tx, ty = bx + rng.uniform(20, block - 20), by + rng.uniform(20, block - 20)
                    r = rng.uniform(7, 14)
                    draw.ellipse((tx - r, ty - r, tx + r, ty + r), fill=(62, 104, 58))
        for bx in range(-20, WIDTH, block):
            draw.rectangle((bx - 6, 0, bx + 6, HEIGHT), fill=(108, 110, 112))
        for by in range(-20, HEIGHT, block):
            draw.rectangle((0, by - 6, WIDTH, by + 6), fill=(108, 110, 112))
    else:
        x = 0.0
        while x < WIDTH:
            w = rng.uniform(110, 260)
            y = 0.0
            while y < HEIGHT:
                h = rng.uniform(90, 240)
                color = _shade(rng.choice(list(aerial.palette[1:])), rng.uniform(-0.08, 0.08))
                draw.polygon(
                    [
                        (x + 3, y + 3),
                        (x + w - 3, y + 3 + rng.uniform(-3, 3)),
                        (x + w - 3, y + h - 3),
                        (x + 3, y + h - 3),
                    ],
                    fill=color,
                )
                for k in range(int(h / 14)):
                    draw.line(
                        (x + 6, y + 8 + k * 14, x + w - 6, y + 8 + k * 14),
                        fill=_shade(color, 0.07),
                        width=2,
                    )
                y += h
            x += w
    if aerial.river is not None:
        points = []
        phase = rng.uniform(0, math.tau)
        for i in range(0, 41):
            t = i / 40
            points.append((t * WIDTH, HEIGHT * (0.45 + 0.16 * math.sin(t * 5.1 + phase))))
        width = aerial.river_width * HEIGHT
        mask, mdraw = _mask()
        mdraw.line(points, fill=255, width=round(width), joint="curve")
        if aerial.flood:
            for _ in range(14):
                px, py = rng.choice(points)
                rx, ry = rng.uniform(80, 220), rng.uniform(40, 120)
                mdraw.ellipse((px - rx, py - ry, px + rx, py + ry), fill=255)
        _paint(canvas, aerial.river, _soft(mask, 3))


def _grain_and_vignette(canvas: Image.Image, picture: Picture, rng: random.Random) -> Image.Image:
    canvas = canvas.filter(ImageFilter.GaussianBlur(0.7))
    if picture.grain:
        amplitude = picture.grain
        noise = Image.frombytes("L", canvas.size, rng.randbytes(WIDTH * HEIGHT))
        noise = noise.point(lambda v: 128 - amplitude + v * 2 * amplitude // 255)
        canvas = ImageChops.overlay(canvas, Image.merge("RGB", (noise, noise, noise)))
    if picture.vignette:
        strength = picture.vignette
        edge = Image.radial_gradient("L").resize((WIDTH, HEIGHT))
        edge = edge.point(lambda v: round(max(0, min(255, v * 1.25) - 110) / 145 * 255 * strength))
        canvas = Image.composite(Image.new("RGB", canvas.size, (12, 10, 14)), canvas, edge)
    return canvas


def render(picture: Picture) -> Image.Image:
    """Draw ``picture`` into a new RGB image."""
    # A seeded generator on purpose: the same picture must give the same bytes every run.
    rng = random.Random(picture.seed)  # noqa: S311
    canvas = Image.new("RGB", (WIDTH, HEIGHT))
    _draw_sky(canvas, picture.sky)
    for element in picture.elements:
        match element:
            case Sun():
                _draw_sun(canvas, element)
            case Stars():
                _draw_stars(canvas, element, rng)
            case Clouds():
                _draw_clouds(canvas, element, rng)
            case Ridge():
                _draw_ridge(canvas, element, rng)
            case Water():
                _draw_water(canvas, element, rng)
            case Fields():
                _draw_fields(canvas, element, rng)
            case Building():
                _draw_building(canvas, element, rng)
            case Skyline():
                _draw_skyline(canvas, element, rng)
            case Trees():
                _draw_trees(canvas, element, rng)
            case Island():
                _draw_island(canvas, element)
            case Ground():
                _draw_ground(canvas, element)
            case Boats():
                _draw_boats(canvas, element, rng)
            case Vehicles():
                _draw_vehicles(canvas, element, rng)
            case Fence():
                _draw_fence(canvas, element)
            case Sandbags():
                _draw_sandbags(canvas, element, rng)
            case Barriers():
                _draw_barriers(canvas, element)
            case Haze():
                _draw_haze(canvas, element)
            case Aerial():
                _draw_aerial(canvas, element, rng)
    return _grain_and_vignette(canvas, picture, rng)


def jpeg_bytes(picture: Picture, quality: int = 92) -> bytes:
    """The picture as JPEG bytes: the same picture always gives the same bytes."""
    out = io.BytesIO()
    render(picture).save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()
