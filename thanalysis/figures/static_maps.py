"""The printed form of a map: the same areas, colours, outlines, labels and legend as an inline SVG picture.

An interactive map is a Leaflet frame, and frames do not print: a report printed or saved as PDF for a board
paper lost every map. :func:`print_map_html` draws what the frame draws (the same display geometries, fills,
outlines, labels, legend and text alternative, which :mod:`thanalysis.figures.maps` hands over as a
:class:`PrintMap`) as an SVG built at build time, with no script and nothing to fetch. The page shows it only in
print (``.th-map-print`` is hidden on screen; the report's print styles show it and hide the frame).

Coordinates are projected as Leaflet projects them (spherical Web Mercator), fitted to the same extent (the
map's ``fit_to`` areas, else all of them) and rounded to a tenth of a unit in a 1000-unit-wide picture, which
keeps the picture small and crisp at any print size.
"""
from __future__ import annotations

import hashlib
import html
import math
import textwrap
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import shapely

#: Width of the picture (SVG user units); the map takes the left part, the legend the right.
WIDTH = 1000
MAP_WIDTH = 680
MAP_MAX_HEIGHT = 560
LEGEND_X = 704
PADDING = 8
#: Points closer than this (picture units) are merged.
PRINT_TOLERANCE = 0.25
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif'
TEXT = "#1a1a1a"
FRAME = "#6b6b6b"
BACKGROUND = "#f7f7f5"
_EARTH_RADIUS = 6378137.0


@dataclass(frozen=True)
class PrintMap:
    """What a map draws, in the form the printed picture needs.

    ``areas``: display geometries in EPSG:4326, one per area, filled with ``fills``; ``outlines``: (geometry,
    line weight) drawn on top in ``outline_colour``; ``labels``: (lat, lon, plain text) placed on top;
    ``legend``: (colour, plain-text label) entries under ``legend_title``; ``fit``: [[south, west], [north,
    east]] the map opens on (None: every area).
    """

    areas: Sequence
    fills: Sequence[str]
    line_colour: str
    legend_title: str
    legend: Sequence[tuple[str, str]]
    outline_colour: str = "#1a1a1a"
    outlines: Sequence[tuple[object, float]] = field(default_factory=tuple)
    labels: Sequence[tuple[float, float, str]] = field(default_factory=tuple)
    attribution: str | None = None
    fit: Sequence[Sequence[float]] | None = None


def _mercator(xy: np.ndarray) -> np.ndarray:
    """(lon, lat) degrees → spherical Web Mercator metres (EPSG:3857), as Leaflet draws."""
    lon = np.radians(xy[:, 0])
    lat = np.radians(np.clip(xy[:, 1], -85.0511, 85.0511))
    return np.column_stack([_EARTH_RADIUS * lon, _EARTH_RADIUS * np.log(np.tan(np.pi / 4 + lat / 2))])


class _Frame:
    """Where projected metres land in the picture: the extent fitted into the map box, north up."""

    def __init__(self, west: float, south: float, east: float, north: float):
        (x0, y0), (x1, y1) = _mercator(np.array([[west, south], [east, north]], dtype=float))
        dx, dy = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
        inner_w, inner_h = MAP_WIDTH - 2 * PADDING, MAP_MAX_HEIGHT - 2 * PADDING
        self.scale = min(inner_w / dx, inner_h / dy)
        self.height = float(math.ceil(dy * self.scale + 2 * PADDING))
        # centre the extent across the map box's width
        self.x_offset = PADDING + (inner_w - dx * self.scale) / 2
        self.x0, self.y1 = x0, y1

    def points(self, lonlat: np.ndarray) -> np.ndarray:
        m = _mercator(lonlat)
        return np.column_stack([(m[:, 0] - self.x0) * self.scale + self.x_offset,
                                (self.y1 - m[:, 1]) * self.scale + PADDING])


def _number(v: float) -> str:
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _rings(geometry) -> list[np.ndarray]:
    """Every ring (polygon exteriors and holes) and line of ``geometry`` as (lon, lat) arrays."""
    rings = []
    for part in shapely.get_parts(np.asarray([geometry], dtype=object)):
        if part is None or part.is_empty:
            continue
        if part.geom_type == "Polygon":
            rings.append(np.asarray(part.exterior.coords)[:, :2])
            rings += [np.asarray(r.coords)[:, :2] for r in part.interiors]
        elif part.geom_type in ("LineString", "LinearRing"):
            rings.append(np.asarray(part.coords)[:, :2])
        elif part.geom_type == "GeometryCollection" or part.geom_type.startswith("Multi"):
            rings += _rings(part)
    return rings


def _path(geometry, frame: _Frame) -> str:
    """SVG path data of every ring of ``geometry`` in picture units. Points that a printer could not tell apart
    (closer than a quarter of a unit, about 0.07 mm on A4) are dropped, which keeps London-wide maps small."""
    parts = []
    for ring in _rings(geometry):
        pts = frame.points(ring)
        closed = len(pts) >= 4 and np.allclose(pts[0], pts[-1])
        if closed:
            pts = np.asarray(shapely.simplify(shapely.LinearRing(pts), PRINT_TOLERANCE).coords)[:-1]
        elif len(pts) >= 2:
            pts = np.asarray(shapely.simplify(shapely.LineString(pts), PRINT_TOLERANCE).coords)
        text = [f"{_number(x)} {_number(y)}" for x, y in pts]
        text = [t for k, t in enumerate(text) if k == 0 or t != text[k - 1]]
        if len(text) >= 2:
            parts.append(f"M{' '.join(text)}{'Z' if closed else ''}")
    return "".join(parts)


def _extent(pm: PrintMap) -> tuple[float, float, float, float]:
    if pm.fit is not None:
        (south, west), (north, east) = pm.fit
        return float(west), float(south), float(east), float(north)
    west, south, east, north = shapely.total_bounds(np.asarray(list(pm.areas), dtype=object))
    return float(west), float(south), float(east), float(north)


def _legend(pm: PrintMap, top: float) -> tuple[list[str], float]:
    """The legend's SVG elements from ``top`` down, and the y below it."""
    out, y = [], top
    for line in textwrap.wrap(pm.legend_title, 28) or [""]:
        y += 20
        out.append(f'<text x="{LEGEND_X}" y="{y}" font-weight="700">{html.escape(line)}</text>')
    y += 8
    for colour, label in pm.legend:
        lines = textwrap.wrap(label, 26) or [""]
        out.append(f'<g class="th-map-key"><rect x="{LEGEND_X}" y="{y + 3}" width="26" height="16" '
                   f'fill="{html.escape(colour)}" stroke="{FRAME}" stroke-width="1"/>')
        for k, line in enumerate(lines):
            out.append(f'<text x="{LEGEND_X + 36}" y="{y + 16 + 19 * k}">{html.escape(line)}</text>')
        out.append("</g>")
        y += 19 * len(lines) + 8
    if pm.attribution:
        y += 6
        for line in textwrap.wrap(pm.attribution, 36):
            y += 16
            out.append(f'<text x="{LEGEND_X}" y="{y}" font-size="13" fill="#4a4a4a">{html.escape(line)}</text>')
    return out, y


def print_map_svg(pm: PrintMap, title: str, *, described_by: str | None = None) -> str:
    """The map as one ``<svg>``: areas, outlines, labels and legend; ``role="img"`` named by ``title`` (and
    described by the element with id ``described_by``, the map's text alternative)."""
    if len(pm.areas) != len(pm.fills):
        raise ValueError("a printed map needs one fill per area")
    frame = _Frame(*_extent(pm))
    key = f"{title}|{described_by}|{frame.height}|{len(pm.areas)}"
    uid = "pm-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]
    legend, legend_bottom = _legend(pm, 0)
    height = max(frame.height, legend_bottom + 10)
    body = [f'<clipPath id="{uid}-clip"><rect x="0" y="0" width="{MAP_WIDTH}" height="{_number(frame.height)}"/>'
            "</clipPath>",
            f'<rect x="0.5" y="0.5" width="{MAP_WIDTH - 1}" height="{_number(frame.height - 1)}" fill="{BACKGROUND}" '
            f'stroke="{FRAME}"/>',
            f'<g clip-path="url(#{uid}-clip)">',
            f'<g class="th-map-areas" stroke="{html.escape(pm.line_colour)}" stroke-width="0.6" stroke-linejoin="round" '
            'fill-rule="evenodd" fill-opacity="0.85">']
    for geometry, fill in zip(pm.areas, pm.fills):
        d = _path(geometry, frame)
        if d:
            body.append(f'<path fill="{html.escape(str(fill))}" d="{d}"/>')
    body.append("</g>")
    if pm.outlines:
        body.append(f'<g class="th-map-outlines" fill="none" stroke="{html.escape(pm.outline_colour)}" '
                    'stroke-linejoin="round">')
        for geometry, weight in pm.outlines:
            d = _path(geometry, frame)
            if d:
                body.append(f'<path stroke-width="{_number(float(weight))}" d="{d}"/>')
        body.append("</g>")
    if pm.labels:
        body.append('<g class="th-map-labels" font-size="12.5" font-weight="600" text-anchor="middle" '
                    'dominant-baseline="middle" '
                    'stroke="#ffffff" stroke-width="3.5" stroke-opacity="0.9" paint-order="stroke">')
        for lat, lon, text in pm.labels:
            (x, y), = frame.points(np.array([[lon, lat]], dtype=float))
            body.append(f'<text x="{_number(x)}" y="{_number(y)}">{html.escape(str(text))}</text>')
        body.append("</g>")
    body.append("</g>")
    described = f' aria-describedby="{html.escape(described_by, quote=True)}"' if described_by else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="th-map-static" role="img" '
            f'aria-labelledby="{uid}-title"{described} viewBox="0 0 {WIDTH} {_number(height)}" '
            f'width="{WIDTH}" height="{_number(height)}" font-family=\'{FONT}\' font-size="17" fill="{TEXT}">'
            f'<title id="{uid}-title">{html.escape(title)}</title>'
            + "".join(body) + "".join(legend) + "</svg>")


def print_map_html(pm: PrintMap, title: str, *, described_by: str | None = None) -> str:
    """The printed map in its holder: hidden on screen (inline, so also in a notebook), shown by print styles."""
    return (f'<div class="th-map-print" style="display:none">'
            f"{print_map_svg(pm, title, described_by=described_by)}</div>")


__all__ = ["PrintMap", "print_map_svg", "print_map_html"]
