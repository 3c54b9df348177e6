"""Choropleth maps that work offline: folium + Leaflet inlined from the installed ``xstatic-leaflet`` package.

Why not folium as it comes: a default folium map loads Leaflet, jQuery, Bootstrap, Font Awesome and map tiles
from CDNs, and gives every element a random id. Reports must open on locked-down machines with no network
(DESIGN.md, Publishing) and rebuild byte-identically, so here:

- Leaflet's JS and CSS are copied into the page (its few icon images become ``data:`` URIs);
- no tile layer: boundaries are drawn on a plain background;
- folium's default CDN scripts and styles are switched off for every element;
- element ids come from a counter seeded from the map's name, renumbered at every render;
- the legend is plain HTML/CSS (branca's colormap legend loads d3 from a CDN);
- geometries are simplified (metres, in EPSG:27700) and coordinates rounded to keep pages small.

Functions: :func:`choropleth_map` builds a map, :func:`map_html` renders the self-contained document,
:func:`show_map` embeds it in a notebook as an ``<iframe srcdoc>`` with a title and a text alternative.
"""
from __future__ import annotations

import base64
import copy
import hashlib
import html
import itertools
import json
import math
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from thanalysis.errors import BuildError, DataError

#: Fill for areas with no value (suppressed small numbers or no data): a neutral light grey.
MISSING_FILL = "#d9d9d9"
#: Line colour between areas: mid grey reads on both light and dark fills.
AREA_LINE = "#6b6b6b"
#: Outline (locality / borough) colour and the highlight colour: near-black.
OUTLINE_COLOUR = "#1a1a1a"

#: Sequential palettes (colour-blind safe; ColorBrewer single-hue or viridis/cividis).
#: Each is (matplotlib colormap, start, stop): the lowest class is light, the highest dark.
SEQUENTIAL_PALETTES: dict[str, tuple[str, float, float]] = {
    "Blues": ("Blues", 0.15, 0.95),
    "Purples": ("Purples", 0.15, 0.95),
    "Greens": ("Greens", 0.15, 0.95),
    "Oranges": ("Oranges", 0.15, 0.9),
    "viridis": ("viridis_r", 0.0, 0.95),
    "cividis": ("cividis_r", 0.0, 1.0),
}
#: Diverging palettes (ColorBrewer, colour-blind safe) for values either side of a midpoint.
DIVERGING_PALETTES: dict[str, tuple[str, float, float]] = {
    "PuOr": ("PuOr", 0.05, 0.95),
    "BrBG": ("BrBG", 0.05, 0.95),
    "RdBu": ("RdBu", 0.05, 0.95),
}
#: Benchmark comparison categories (Okabe & Ito 2008 colours: distinguishable with colour-vision deficiency).
BENCHMARK_COLOURS: dict[str, str] = {
    "Better": "#0072B2",
    "Similar": "#F0E442",
    "Worse": "#D55E00",
    "Higher": "#56B4E9",
    "Lower": "#CC79A7",
    "Not compared": "#FFFFFF",
}

Format = str | Callable[[object], str]


# --------------------------------------------------------------------------------------------------
# Leaflet from the installed package
# --------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """(javascript, css) of the installed Leaflet, ready to inline: images as data URIs, no source-map links."""
    from xstatic.pkg import leaflet as xleaflet

    base = Path(xleaflet.BASE_DIR)
    js = (base / "leaflet.js").read_text(encoding="utf-8")
    css = (base / "leaflet.css").read_text(encoding="utf-8")
    # A sourceMappingURL makes developer tools fetch a file that is not there.
    js = re.sub(r"//# sourceMappingURL=\S*", "", js)
    css = re.sub(r"/\*# sourceMappingURL=\S*\s*\*/", "", css)

    def inline_image(match: re.Match) -> str:
        image = base / match.group(1)
        if not image.is_file():
            return "none"
        data = base64.b64encode(image.read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    css = re.sub(r"url\((images/[^)]+\.png)\)", inline_image, css)
    return js, css


# --------------------------------------------------------------------------------------------------
# deterministic element ids
# --------------------------------------------------------------------------------------------------
_ID_LOCK = threading.RLock()


def _id_prefix(name: str) -> str:
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]


@contextmanager
def _seeded_ids(name: str, start: int = 0):
    """While active, every new branca/folium element gets the id ``<hash of name><counter>`` instead of a uuid."""
    prefix = _id_prefix(name)
    counter = itertools.count(start)
    with _ID_LOCK:
        original = Element.__dict__["_generate_id"]
        Element._generate_id = classmethod(lambda cls: f"{prefix}{next(counter):04d}")
        try:
            yield counter
        finally:
            Element._generate_id = original


def _walk(element) -> Iterable:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _renumber(root, name: str) -> int:
    """Give every element in the tree a fresh id from the seeded counter (tree order), keeping child keys in step."""
    prefix = _id_prefix(name)
    elements = list(_walk(root))
    old_names = {id(e): e.get_name() for e in elements}
    for i, element in enumerate(elements):
        element._id = f"{prefix}{i:04d}"
    for element in elements:
        rekeyed = []
        for key, child in element._children.items():
            rekeyed.append((child.get_name() if key == old_names[id(child)] else key, child))
        element._children = type(element._children)(rekeyed)
    return len(elements)


def _strip_cdn_defaults(root) -> None:
    """Switch off folium's CDN scripts/styles (jquery, bootstrap, awesome-markers, font-awesome, Leaflet itself)."""
    for element in _walk(root):
        if hasattr(element, "default_js"):
            element.default_js = []
        if hasattr(element, "default_css"):
            element.default_css = []


# --------------------------------------------------------------------------------------------------
# classes and colours
# --------------------------------------------------------------------------------------------------
def palette_colours(palette: str, n: int) -> list[str]:
    """``n`` hex colours from a named colour-blind-safe palette, light (low) to dark (high)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    table = {**SEQUENTIAL_PALETTES, **DIVERGING_PALETTES}
    if palette not in table:
        raise ValueError(f"Unknown palette {palette!r}; choose one of {', '.join(table)}")
    cmap_name, lo, hi = table[palette]
    cmap = colormaps[cmap_name]
    points = [0.5 * (lo + hi)] if n == 1 else np.linspace(lo, hi, n)
    return [to_hex(cmap(float(p))) for p in points]


def _format_value(value: object, fmt: Format) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if callable(fmt):
        return fmt(value)
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def _class_edges(values: np.ndarray, bins: int | Sequence[float], quantiles: int | None) -> np.ndarray:
    finite = values[np.isfinite(values)]
    if quantiles:
        if finite.size == 0:
            return np.array([0.0, 1.0])
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, int(quantiles) + 1)))
    elif isinstance(bins, (int, np.integer)):
        if finite.size == 0:
            return np.array([0.0, 1.0])
        lo, hi = float(finite.min()), float(finite.max())
        edges = np.array([lo, hi]) if lo == hi else np.linspace(lo, hi, int(bins) + 1)
    else:
        edges = np.asarray(sorted(float(b) for b in bins), dtype=float)
        if finite.size and edges.size:
            # A value beyond the given edges would be put in the end class under a label that excludes it:
            # widen the end classes to hold it, so the legend stays true.
            edges[0], edges[-1] = min(edges[0], float(finite.min())), max(edges[-1], float(finite.max()))
    if edges.size < 2:
        edges = np.array([edges[0], edges[0]]) if edges.size else np.array([0.0, 1.0])
    return edges


def _assign_classes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Class index per value (edges[i] <= v < edges[i+1], the top class closed); -1 for missing."""
    n_classes = max(len(edges) - 1, 1)
    idx = np.searchsorted(edges, values, side="right") - 1
    idx = np.clip(idx, 0, n_classes - 1)
    return np.where(np.isfinite(values), idx, -1)


# --------------------------------------------------------------------------------------------------
# folium elements of our own
# --------------------------------------------------------------------------------------------------
_AREAS_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var baseStyle = function (f) {
    return {fillColor: f.properties.fill, fillOpacity: 0.85, color: {{ this.line_colour|tojson }},
            weight: 0.6, opacity: 1};
  };
  var layer = L.geoJSON({{ this.data|tojson }}, {
    style: baseStyle,
    onEachFeature: function (f, l) {
      l.bindTooltip(f.properties.tip, {sticky: true, className: "th-tip"});
      l.on({
        mouseover: function (e) { e.target.setStyle({weight: 3, color: "#000000"}); e.target.bringToFront();
                                  if (window.thOnTop) { window.thOnTop(); } },
        mouseout: function (e) { layer.resetStyle(e.target); }
      });
    }
  }).addTo(map);
  var {{ this.get_name() }} = layer;
  // An iframe inside a long report may have no size yet when this runs; fitting bounds then gives a NaN
  // zoom ("Invalid LatLng (NaN, NaN)") and an empty map. Fit only once the map has a size, and again
  // whenever the frame is laid out or resized.
  var fitted = false;
  var fit = function () {
    map.invalidateSize(false);
    var size = map.getSize();
    var target = {{ this.fit|tojson }};
    if (size.x > 0 && size.y > 0) {
      map.fitBounds(target ? L.latLngBounds(target) : layer.getBounds(), {padding: [8, 8], animate: false});
      fitted = true;
    }
  };
  fit();
  window.addEventListener("load", fit);
  window.addEventListener("resize", function () { if (!fitted) { fit(); } });
  if (!fitted && window.requestAnimationFrame) {
    var tries = 0;
    var again = function () { fit(); if (!fitted && ++tries < 120) { window.requestAnimationFrame(again); } };
    window.requestAnimationFrame(again);
  }
})();
{% endmacro %}
"""

_OUTLINES_TEMPLATE = """
{% macro script(this, kwargs) %}
(function () {
  var map = {{ this._parent.get_name() }};
  var outlines = L.geoJSON({{ this.data|tojson }}, {
    interactive: false,
    style: function (f) { return {fill: false, color: {{ this.colour|tojson }}, weight: f.properties.weight,
                                  dashArray: f.properties.dash}; }
  }).addTo(map);
  var labels = {{ this.labels|tojson }};
  labels.forEach(function (p) {
    L.marker([p[0], p[1]], {interactive: false, keyboard: false,
      icon: L.divIcon({className: "th-map-label", html: p[2], iconSize: null})}).addTo(map);
  });
  var previous = window.thOnTop;
  window.thOnTop = function () { if (previous) { previous(); } outlines.bringToFront(); };
  window.thOnTop();
})();
{% endmacro %}
"""

_LEGEND_TEMPLATE = """
{% macro header(this, kwargs) %}
<style>
  .leaflet-container { background: #f7f7f5; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
  .th-legend { background: #ffffff; color: #1a1a1a; padding: 6px 9px; border: 1px solid #6b6b6b;
               border-radius: 4px; font-size: 13px; line-height: 1.45; max-width: 15em; }
  .th-legend h2 { font-size: 13px; margin: 0 0 4px 0; font-weight: 700; }
  .th-legend ul { list-style: none; margin: 0; padding: 0; }
  .th-legend li { display: flex; align-items: center; gap: 6px; }
  .th-legend .sw { display: inline-block; width: 18px; height: 12px; border: 1px solid #6b6b6b; flex: none; }
  .th-tip { font-size: 13px; line-height: 1.4; color: #1a1a1a; }
  .th-map-label { background: rgba(255,255,255,0.85); color: #1a1a1a; font-size: 12px; font-weight: 600;
                  padding: 1px 4px; border-radius: 3px; white-space: nowrap; transform: translate(-50%, -50%);
                  width: auto !important; height: auto !important; }
</style>
{% endmacro %}
{% macro html(this, kwargs) %}
<div class="th-legend" id="{{ this.get_name() }}">
  <h2>{{ this.title|e }}</h2>
  <ul>
  {% for colour, label in this.entries %}
    <li><span class="sw" style="background:{{ colour }}"></span><span>{{ label|e }}</span></li>
  {% endfor %}
  </ul>
</div>
{% endmacro %}
{% macro script(this, kwargs) %}
(function () {
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () { return document.getElementById({{ this.get_name()|tojson }}); };
  legend.addTo({{ this._parent.get_name() }});
  {% if this.attribution %}{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution|tojson }});{% endif %}
})();
{% endmacro %}
"""


class _Areas(MacroElement):
    """The coloured areas, each with its tooltip; hovering outlines an area."""

    _template = Template(_AREAS_TEMPLATE)


class _Outlines(MacroElement):
    """Boundaries drawn on top (localities, the borough, highlighted areas) with their labels."""

    _template = Template(_OUTLINES_TEMPLATE)


class _Legend(MacroElement):
    """A plain HTML legend placed in the map's corner (no d3, no CDN)."""

    _template = Template(_LEGEND_TEMPLATE)


# --------------------------------------------------------------------------------------------------
# geometry preparation
# --------------------------------------------------------------------------------------------------
def _display_geometries(gdf, tolerance_m: float, precision: int):
    """Simplify in metres (EPSG:27700), return to EPSG:4326 and round coordinates to ``precision`` dp."""
    import shapely

    if gdf.crs is None:
        raise DataError(
            "The boundaries have no coordinate reference system, so they cannot be placed on a map.",
            expected="a GeoDataFrame with a CRS (the store returns EPSG:4326)",
        )
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        raise DataError(
            "Some areas have no boundary shape.",
            column="geometry",
            rows=[i + 1 for i in np.flatnonzero(empty.to_numpy())],
            expected="a polygon for every area on the map",
        )
    geoms = gdf.geometry
    if tolerance_m and tolerance_m > 0:
        geoms = geoms.to_crs(27700).simplify(tolerance_m, preserve_topology=True)
    geoms = geoms.to_crs(4326)
    rounded = shapely.transform(geoms.to_numpy(), lambda xy: np.round(xy, precision))
    return rounded


def _codes(codes: str | Iterable[str] | None) -> list[str]:
    """One area code or several, as a list of strings."""
    return [codes] if isinstance(codes, str) else [str(c) for c in (codes or [])]


def _fit_bounds(gdf, geoms, code_column: str, codes: list[str], precision: int) -> list[list[float]]:
    """[[south, west], [north, east]] of the display geometries of ``codes`` (Leaflet's order)."""
    from shapely import GeometryCollection

    present = gdf[code_column].astype(str).to_numpy() if code_column in gdf.columns else np.array([], dtype=str)
    chosen = [g for g, c in zip(geoms, present) if c in set(codes)]
    if not chosen:
        raise DataError("None of the areas to fit the map to is on the map.", column=code_column,
                        values=sorted(codes)[:5], expected="area codes present in the map's table")
    west, south, east, north = GeometryCollection(chosen).bounds
    return [[round(south, precision), round(west, precision)], [round(north, precision), round(east, precision)]]


def _feature_collection(geoms, properties: list[dict]) -> dict:
    from shapely.geometry import mapping

    def as_lists(obj):
        if isinstance(obj, (tuple, list)):
            return [as_lists(o) for o in obj]
        return obj

    features = []
    for geom, props in zip(geoms, properties):
        g = mapping(geom)
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": g["type"], "coordinates": as_lists(g["coordinates"])}})
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------------------------------
# the public functions
# --------------------------------------------------------------------------------------------------
@dataclass
class MapSummary:
    """What a map shows, in words: used for the text alternative under the map."""

    title: str
    n_areas: int
    n_missing: int
    missing_label: str
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # (colour, label, number of areas)
    highest: tuple[str, str] | None = None
    lowest: tuple[str, str] | None = None
    highlighted: list[str] = field(default_factory=list)

    def sentences(self) -> str:
        parts = [f"The map shows {self.n_areas} areas."]
        if self.legend:
            shown = "; ".join(f"{label}: {n} area{'s' if n != 1 else ''}" for _, label, n in self.legend)
            parts.append(f"{self.title}, by class: {shown}.")
        if self.highest and self.lowest and self.highest != self.lowest:
            parts.append(f"Highest: {self.highest[0]} ({self.highest[1]}). Lowest: {self.lowest[0]} ({self.lowest[1]}).")
        if self.n_missing and not any(label == self.missing_label for _, label, _ in self.legend):
            parts.append(f"{self.missing_label}: {self.n_missing} area{'s' if self.n_missing != 1 else ''}.")
        if self.highlighted:
            parts.append(f"Outlined in black: {', '.join(self.highlighted)}.")
        return " ".join(parts)


def _tooltip_specs(gdf, value_column, value_label, value_format, name_column, ci_columns, count_column,
                   tooltip_columns):
    if tooltip_columns is not None:
        specs = []
        for spec in tooltip_columns:
            if isinstance(spec, str):
                spec = (spec, spec.replace("_", " ").capitalize())
            column, label, *rest = spec
            specs.append((column, label, rest[0] if rest else None))
        return specs, None
    specs = [(value_column, value_label, value_format)]
    ci = tuple(ci_columns) if ci_columns and all(c in gdf.columns for c in ci_columns) else None
    if count_column and count_column in gdf.columns:
        specs.append((count_column, "Count", "{:,.0f}"))
    return specs, ci


def _default_format(series: pd.Series) -> Format:
    if pd.api.types.is_integer_dtype(series):
        return "{:,}"
    if pd.api.types.is_float_dtype(series):
        return "{:,.1f}"
    return "{}"


def choropleth_map(
    gdf,
    value_column: str,
    *,
    name_column: str = "area_name",
    code_column: str = "area_code",
    tooltip_columns: Sequence[str | tuple] | None = None,
    value_label: str | None = None,
    value_format: Format = "{:,.1f}",
    ci_columns: Sequence[str] | None = ("lower_ci_95", "upper_ci_95"),
    count_column: str | None = "count",
    legend_title: str | None = None,
    bins: int | Sequence[float] = 5,
    quantiles: int | None = None,
    palette: str = "Blues",
    categories: Mapping[str, str] | None = None,
    outlines=None,
    outline_name_column: str | None = "area_name",
    highlight: str | Iterable[str] | None = None,
    missing_label: str = "Suppressed or no data",
    height: int = 480,
    tolerance_m: float = 5.0,
    precision: int = 5,
    name: str | None = None,
    attribution: str | None = None,
    fit_to: Iterable[str] | None = None,
):
    """A choropleth of ``gdf[value_column]`` as a folium Map that needs no network.

    gdf: one row per area with a geometry (any CRS; the store gives EPSG:4326), the value and its name.
    Numbers are put in classes by ``bins`` (a count of equal-width classes, or explicit edges) or by
    ``quantiles`` (that many equal-count groups), coloured with ``palette`` (light = low, dark = high;
    ``"PuOr"``/``"BrBG"``/``"RdBu"`` diverge). A text column (e.g. Better/Similar/Worse) is coloured by
    ``categories`` (default :data:`BENCHMARK_COLOURS`). Areas with no value are grey and labelled ``missing_label``.
    ``outlines``: a GeoDataFrame (e.g. localities or the borough) drawn on top with labels;
    ``highlight``: area codes (in ``gdf`` or ``outlines``) outlined thickly in black.
    ``tolerance_m``: geometry simplification in metres (EPSG:27700); ``precision``: decimal places kept.
    ``fit_to``: area codes (in ``gdf``) whose extent the map opens on, e.g. a borough and its comparators
    within all of London (default: every area).
    """
    import folium

    if value_column not in gdf.columns:
        raise DataError("The map's value column is missing.", column=value_column,
                        expected=f"one of the columns: {', '.join(map(str, gdf.columns))}")
    for needed in (name_column,):
        if needed not in gdf.columns:
            raise DataError("The map needs area names for its tooltips.", column=needed,
                            expected=f"one of the columns: {', '.join(map(str, gdf.columns))}")
    value_label = value_label or legend_title or value_column.replace("_", " ").capitalize()
    legend_title = legend_title or value_label
    name = name or f"{legend_title}|{value_column}"
    gdf = gdf.reset_index(drop=True)
    highlight_codes = _codes(highlight)

    geoms = _display_geometries(gdf, tolerance_m, precision)
    raw = gdf[value_column]
    numeric = categories is None and pd.api.types.is_numeric_dtype(raw)

    # colours and legend ----------------------------------------------------------------------------
    legend: list[tuple[str, str, int]] = []
    if numeric:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        edges = _class_edges(values, bins, quantiles)
        classes = _assign_classes(values, edges)
        n_classes = max(len(edges) - 1, 1)
        colours = palette_colours(palette, n_classes)
        fills = np.where(classes >= 0, np.array(colours, dtype=object)[np.clip(classes, 0, None)], MISSING_FILL)
        for i in range(n_classes):
            lo = _format_value(edges[i], value_format)
            hi = _format_value(edges[min(i + 1, len(edges) - 1)], value_format)
            legend.append((colours[i], f"{lo} to {hi}" if lo != hi else lo, int((classes == i).sum())))
        missing = ~np.isfinite(values)
    else:
        mapping = dict(categories or BENCHMARK_COLOURS)
        labels = raw.astype("string")
        missing = labels.isna().to_numpy() | (labels.fillna("") == "").to_numpy()
        unknown = sorted(set(labels[~missing]) - set(mapping))
        if unknown:
            raise DataError("Some map categories have no colour.", column=value_column, values=unknown,
                            expected=f"one of: {', '.join(mapping)} (or pass categories={{label: colour}})")
        fills = np.array([MISSING_FILL if m else mapping[v] for v, m in zip(labels.fillna(""), missing)], dtype=object)
        for label, colour in mapping.items():
            n = int((labels[~missing] == label).sum())
            if n:
                legend.append((colour, label, n))
    n_missing = int(np.asarray(missing).sum())
    if n_missing:
        legend.append((MISSING_FILL, missing_label, n_missing))

    # tooltips ----------------------------------------------------------------------------------------
    specs, ci = _tooltip_specs(gdf, value_column, value_label, value_format, name_column, ci_columns,
                               count_column, tooltip_columns)
    names = gdf[name_column].astype(str).map(html.escape).tolist()
    lines = [[f"<strong>{n}</strong>"] for n in names]
    for column, label, fmt in specs:
        if column not in gdf.columns:
            raise DataError("A tooltip column is missing.", column=column,
                            expected=f"one of the columns: {', '.join(map(str, gdf.columns))}")
        fmt = fmt or _default_format(gdf[column])
        for row, v in enumerate(gdf[column].tolist()):
            text = _format_value(v, fmt)
            if column == value_column and not text:
                text = missing_label
            elif not text:
                continue
            lines[row].append(f"{html.escape(label)}: {html.escape(text)}")
            if column == value_column and ci is not None:
                lo, hi = gdf.at[row, ci[0]], gdf.at[row, ci[1]]
                lo_t, hi_t = _format_value(lo, value_format), _format_value(hi, value_format)
                if lo_t and hi_t:
                    lines[row].append(f"95% confidence interval: {html.escape(lo_t)} to {html.escape(hi_t)}")
    properties = [{"fill": str(f), "tip": "<br>".join(parts)} for f, parts in zip(fills, lines)]

    # summary for the text alternative -------------------------------------------------------------
    highest = lowest = None
    if numeric and np.isfinite(values).any():
        hi_i, lo_i = int(np.nanargmax(values)), int(np.nanargmin(values))
        highest = (str(gdf.at[hi_i, name_column]), _format_value(values[hi_i], value_format))
        lowest = (str(gdf.at[lo_i, name_column]), _format_value(values[lo_i], value_format))
    summary = MapSummary(title=legend_title, n_areas=len(gdf), n_missing=n_missing, missing_label=missing_label,
                         legend=legend, highest=highest, lowest=lowest)

    # the map -----------------------------------------------------------------------------------------
    with _seeded_ids(name):
        centre = [float(np.mean([g.centroid.y for g in geoms])), float(np.mean([g.centroid.x for g in geoms]))]
        m = folium.Map(location=centre, zoom_start=12, tiles=None, control_scale=True, prefer_canvas=False,
                       zoom_snap=0.25, scroll_wheel_zoom=False, height="100%", width="100%")
        areas = _Areas()
        areas._name = "areas"
        areas.data = _feature_collection(geoms, properties)
        areas.line_colour = AREA_LINE
        areas.fit = None if fit_to is None else _fit_bounds(gdf, geoms, code_column, _codes(fit_to), precision)
        m.add_child(areas)

        outline_features, labels = [], []
        if outlines is not None and len(outlines):
            o = outlines.reset_index(drop=True)
            o_geoms = _display_geometries(o, tolerance_m, precision)
            codes = o[code_column].astype(str).tolist() if code_column in o.columns else [""] * len(o)
            for geom, code in zip(o_geoms, codes):
                strong = code in highlight_codes
                outline_features.append((geom, {"weight": 4 if strong else 2, "dash": None}))
            if outline_name_column and outline_name_column in o.columns:
                for geom, label in zip(o_geoms, o[outline_name_column].astype(str)):
                    p = geom.representative_point()
                    labels.append([round(p.y, precision), round(p.x, precision), html.escape(label)])
            summary.highlighted += [str(n) for n, c in zip(o.get(outline_name_column, codes), codes)
                                    if c in highlight_codes]
        if code_column in gdf.columns and highlight_codes:
            mask = gdf[code_column].astype(str).isin(highlight_codes).to_numpy()
            for geom in np.asarray(geoms)[mask]:
                outline_features.append((geom, {"weight": 4, "dash": None}))
            summary.highlighted += gdf.loc[mask, name_column].astype(str).tolist()
        # an area both outlined and highlighted is named once in the text alternative
        summary.highlighted = list(dict.fromkeys(summary.highlighted))
        if outline_features:
            layer = _Outlines()
            layer._name = "outlines"
            layer.data = _feature_collection([g for g, _ in outline_features], [p for _, p in outline_features])
            layer.labels = labels
            layer.colour = OUTLINE_COLOUR
            m.add_child(layer)

        legend_el = _Legend()
        legend_el._name = "legend"
        legend_el.title = legend_title
        legend_el.entries = [(c, f"{label} ({n})") for c, label, n in legend]
        legend_el.attribution = html.escape(attribution) if attribution else None
        m.add_child(legend_el)

    m._thanalysis_name = name
    m._thanalysis_height = int(height)
    m._thanalysis_summary = summary
    return m


_EXTERNAL_TAG = re.compile(
    r"<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>|<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.IGNORECASE,
)


def external_resources(document: str) -> list[str]:
    """Tags in ``document`` that would load something over the network (scripts, stylesheets, CSS imports)."""
    found = [m.group(0) for m in _EXTERNAL_TAG.finditer(document)]
    found += re.findall(r"@import\s+(?:url\()?[\"']?(?:https?:)?//[^;]+;", document, flags=re.IGNORECASE)
    found += re.findall(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", document, flags=re.IGNORECASE)
    found += re.findall(r"<(?:img|iframe|source|video|audio|embed)\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>",
                        document, flags=re.IGNORECASE)
    return found


def map_html(m, *, title: str | None = None) -> str:
    """The whole map as one self-contained HTML document (Leaflet inlined, no network, deterministic ids)."""
    name = getattr(m, "_thanalysis_name", None) or "map"
    root = copy.deepcopy(m.get_root())
    _strip_cdn_defaults(root)
    start = _renumber(root, name)
    with _seeded_ids(name + "|render", start=start):
        document = root.render()
    js, css = leaflet_assets()
    page_title = html.escape(title or getattr(getattr(m, "_thanalysis_summary", None), "title", None) or "Map")
    head = (f'<head>\n<meta charset="utf-8">\n<title>{page_title}</title>\n'
            f'<style id="{_LEAFLET_CSS_ID}">{css}</style>\n<script id="{_LEAFLET_JS_ID}">{js}</script>\n')
    document = document.replace("<html>", '<html lang="en">', 1).replace("<head>", head, 1)
    # Zooming must stay possible for people who need it (WCAG 1.4.4): drop folium's user-scalable=no.
    document = re.sub(r'<meta name="viewport"[^>]*>',
                      '<meta name="viewport" content="width=device-width, initial-scale=1.0">', document)
    document = re.sub(r'\s*<meta http-equiv="content-type"[^>]*>', "", document, count=1)
    document = re.sub(r"[ \t]+\n", "\n", document)
    bad = external_resources(document)
    if bad:
        raise BuildError("This map would load files from the internet, so it would not work offline:\n  "
                         + "\n  ".join(b[:200] for b in bad)
                         + "\nUse only thanalysis.figures.maps layers (no folium plugins or tile layers).")
    return document


# --------------------------------------------------------------------------------------------------
# one copy of Leaflet per published page
# --------------------------------------------------------------------------------------------------
_LEAFLET_CSS_ID = "th-leaflet-css"
_LEAFLET_JS_ID = "th-leaflet-js"
_LEAFLET_BLOCK = re.compile(
    rf'<style id="{_LEAFLET_CSS_ID}">(?P<css>.*?)</style>\s*<script id="{_LEAFLET_JS_ID}">(?P<js>.*?)</script>\s*',
    re.DOTALL)
#: Message types between a report page and its map frames.
_REQUEST, _REPLY = "thLeafletRequest", "thLeaflet"

# In the map frame: ask the page for Leaflet, run it, then run the map's own scripts in order.
_FRAME_LOADER = """<script>
(function () {
  var started = false;
  function start(d) {
    if (started) { return; }
    started = true;
    var style = document.createElement("style");
    style.textContent = d.css;
    document.head.insertBefore(style, document.head.firstChild);
    (0, eval)(d.js);
    var run = function () {
      var parts = document.querySelectorAll('script[type="text/x-th-map"]');
      for (var i = 0; i < parts.length; i++) { (0, eval)(parts[i].textContent); }
    };
    if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", run); } else { run(); }
  }
  window.addEventListener("message", function (e) {
    if (e.source === window.parent && e.data && e.data.%(reply)s) { start(e.data.%(reply)s); }
  });
  window.parent.postMessage({%(request)s: true}, "*");
})();
</script>
""" % {"reply": _REPLY, "request": _REQUEST}

# In the page: hold Leaflet once and hand it to any of the page's own frames that asks.
_PAGE_HOST = """<script type="text/plain" id="%(css_id)s">%(css)s</script>
<script type="text/plain" id="%(js_id)s">%(js)s</script>
<script>
window.addEventListener("message", function (e) {
  if (!e.data || !e.data.%(request)s) { return; }
  var frames = document.getElementsByTagName("iframe");
  for (var i = 0; i < frames.length; i++) {
    if (frames[i].contentWindow === e.source) {
      e.source.postMessage({%(reply)s: {css: document.getElementById("%(css_id)s").textContent,
                                        js: document.getElementById("%(js_id)s").textContent}}, "*");
      return;
    }
  }
});
</script>
"""


def share_leaflet(document: str) -> tuple[str, str, str] | None:
    """Take the inlined Leaflet out of a map document made by :func:`map_html`.

    Returns ``(document, css, js)``: the document now asks its parent page for Leaflet (``postMessage``, which
    works in a sandboxed ``srcdoc`` frame opened from a file) and runs its own scripts once Leaflet has loaded.
    The page must carry :func:`leaflet_host_html` with the same ``css`` and ``js``. None when ``document`` holds
    no inlined Leaflet (or holds text that cannot sit safely inside a page's script element).
    """
    m = _LEAFLET_BLOCK.search(document)
    if m is None:
        return None
    css, js = m.group("css"), m.group("js")
    if re.search(r"</script|<!--", css + js, flags=re.IGNORECASE):
        return None
    rest = re.sub(r"<script>", '<script type="text/x-th-map">', document[m.end():])
    return document[:m.start()] + _FRAME_LOADER + rest, css, js


def leaflet_host_html(css: str, js: str) -> str:
    """The page's single copy of Leaflet and the script that hands it to its map frames (see :func:`share_leaflet`)."""
    return _PAGE_HOST % {"css_id": _LEAFLET_CSS_ID, "js_id": _LEAFLET_JS_ID, "css": css, "js": js,
                         "request": _REQUEST, "reply": _REPLY}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "map"


def map_embed_html(m, title: str, description: str = "") -> str:
    """The ``<figure>`` holding the map as an ``<iframe srcdoc>`` (titled, described) and its text alternative."""
    document = map_html(m, title=title)
    height = getattr(m, "_thanalysis_height", 480)
    uid = f"map-{_slug(title)}-{hashlib.sha256(document.encode('utf-8')).hexdigest()[:8]}"
    summary = getattr(m, "_thanalysis_summary", None)
    text = " ".join(t for t in [description.strip(), summary.sentences() if summary else ""] if t)
    return (
        f'<figure class="th-map" id="{uid}">'
        f'<iframe class="th-map-frame" title="{html.escape(title)}" aria-describedby="{uid}-text" '
        f'sandbox="allow-scripts" style="width:100%;height:{height}px;border:1px solid #6b6b6b;" '
        f'srcdoc="{html.escape(document, quote=True)}"></iframe>'
        f'<figcaption id="{uid}-text"><strong>{html.escape(title)}.</strong> {html.escape(text)}</figcaption>'
        f"</figure>"
    )


def show_map(m, title: str, description: str = ""):
    """Display the map in a notebook: a titled iframe (no network needed) with a short text alternative below."""
    from IPython.display import HTML

    return HTML(map_embed_html(m, title, description))
