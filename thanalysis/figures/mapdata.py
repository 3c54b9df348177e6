"""What a map draws, prepared from a table: classes and colours, formatted values, display geometries, GeoJSON.

Nothing here knows folium. Geometries are simplified in metres (EPSG:27700), returned to EPSG:4326 and their
coordinates rounded, which keeps pages small; values are put into legend classes coloured from colour-blind-safe
palettes; tooltip columns are chosen and formatted. :mod:`thanalysis.figures.maps` puts it together.
"""
from __future__ import annotations

import math
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
import shapely
from matplotlib import colormaps
from matplotlib.colors import to_hex
from shapely import GeometryCollection
from shapely.geometry import mapping

from thanalysis.errors import DataError

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


def palette_colours(palette: str, n: int) -> list[str]:
    """``n`` hex colours from a named colour-blind-safe palette, light (low) to dark (high)."""
    table = {**SEQUENTIAL_PALETTES, **DIVERGING_PALETTES}
    if palette not in table:
        raise DataError("Unknown map palette.", values=[palette], expected=f"one of {', '.join(table)}")
    cmap_name, lo, hi = table[palette]
    cmap = colormaps[cmap_name]
    points = [0.5 * (lo + hi)] if n == 1 else np.linspace(lo, hi, n)
    return [to_hex(cmap(float(p))) for p in points]


def format_value(value: object, fmt: Format) -> str:
    """``value`` as text with ``fmt`` (a format string or a function); empty for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if callable(fmt):
        return fmt(value)
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def class_edges(values: np.ndarray, bins: int | Sequence[float], quantiles: int | None) -> np.ndarray:
    """Legend class edges: ``quantiles`` equal-count groups, ``bins`` equal-width classes, or ``bins`` as edges."""
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


def assign_classes(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Class index per value (edges[i] <= v < edges[i+1], the top class closed); -1 for missing."""
    n_classes = max(len(edges) - 1, 1)
    idx = np.searchsorted(edges, values, side="right") - 1
    idx = np.clip(idx, 0, n_classes - 1)
    return np.where(np.isfinite(values), idx, -1)


def display_geometries(gdf, tolerance_m: float, precision: int):
    """Simplify in metres (EPSG:27700), return to EPSG:4326 and round coordinates to ``precision`` dp."""
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
    return shapely.transform(geoms.to_numpy(), lambda xy: np.round(xy, precision))


def area_codes(codes: str | Iterable[str] | None) -> list[str]:
    """One area code or several, as a list of strings."""
    return [codes] if isinstance(codes, str) else [str(c) for c in (codes or [])]


def fit_bounds(gdf, geoms, code_column: str, codes: list[str], precision: int) -> list[list[float]]:
    """[[south, west], [north, east]] of the display geometries of ``codes`` (Leaflet's order)."""
    present = gdf[code_column].astype(str).to_numpy() if code_column in gdf.columns else np.array([], dtype=str)
    chosen = [g for g, c in zip(geoms, present) if c in set(codes)]
    if not chosen:
        raise DataError("None of the areas to fit the map to is on the map.", column=code_column,
                        values=sorted(codes)[:5], expected="area codes present in the map's table")
    west, south, east, north = GeometryCollection(chosen).bounds
    return [[round(south, precision), round(west, precision)], [round(north, precision), round(east, precision)]]


def feature_collection(geoms, properties: list[dict]) -> dict:
    """A GeoJSON FeatureCollection of ``geoms`` with one ``properties`` dict each (coordinates as lists)."""

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


def tooltip_specs(gdf, value_column, value_label, value_format, ci_columns, count_column, tooltip_columns):
    """(column, label, format) of each tooltip line, and the (lower, upper) CI columns shown after the value."""
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


def default_format(series: pd.Series) -> Format:
    """A format for a tooltip column with none given: thousands separators; one decimal for floats."""
    if pd.api.types.is_integer_dtype(series):
        return "{:,}"
    if pd.api.types.is_float_dtype(series):
        return "{:,.1f}"
    return "{}"

