"""Choropleth maps that work offline: a folium map of areas, rendered as one self-contained document.

Why not folium as it comes: a default folium map loads Leaflet, jQuery, Bootstrap, Font Awesome and map tiles
from CDNs, and gives every element a random id. Reports must open on locked-down machines with no network
(DESIGN.md, Publishing) and rebuild byte-identically, so here:

- Leaflet's JS and CSS are copied into the page (:mod:`thanalysis.figures.leaflet`);
- no tile layer: boundaries are drawn on a plain background;
- the map holds only our own elements, rendered with no CDN tags and deterministic ids
  (:mod:`thanalysis.figures.mapelements`); the legend is plain HTML/CSS;
- geometries are simplified (metres, in EPSG:27700) and coordinates rounded to keep pages small
  (:mod:`thanalysis.figures.mapdata`).

Functions: :func:`choropleth_map` builds a map, :func:`map_html` renders the self-contained document,
:func:`show_map` embeds it in a notebook as an ``<iframe srcdoc>`` with a title and a text alternative, and
with the same map drawn as an SVG picture for print (:mod:`thanalysis.figures.static_maps`), since frames do
not print.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import folium
import numpy as np
import pandas as pd
from IPython.display import HTML

from thanalysis.errors import BuildError, DataError
from thanalysis.figures.leaflet import external_resources, leaflet_head

# publish/html.py imports these two from here; their home is thanalysis.figures.leaflet.
from thanalysis.figures.mapdata import (
    BENCHMARK_COLOURS,
    Format,
    area_codes,
    assign_classes,
    class_edges,
    default_format,
    display_geometries,
    feature_collection,
    fit_bounds,
    format_value,
    palette_colours,
    tooltip_specs,
)
from thanalysis.figures.mapelements import map_element, render_offline, seeded_ids
from thanalysis.figures.static_maps import PrintMap, print_map_html

#: Fill for areas with no value (suppressed small numbers or no data): a neutral light grey.
MISSING_FILL = "#d9d9d9"
#: Line colour between areas: mid grey reads on both light and dark fills.
AREA_LINE = "#6b6b6b"
#: Outline (locality / borough) colour and the highlight colour: near-black.
OUTLINE_COLOUR = "#1a1a1a"


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


def _numeric_fills(values: np.ndarray, bins, quantiles, palette: str, value_format: Format):
    """(fill per area, legend [(colour, label, n)], missing mask) for numbers put into classes."""
    edges = class_edges(values, bins, quantiles)
    classes = assign_classes(values, edges)
    n_classes = max(len(edges) - 1, 1)
    colours = palette_colours(palette, n_classes)
    fills = np.where(classes >= 0, np.array(colours, dtype=object)[np.clip(classes, 0, None)], MISSING_FILL)
    legend = []
    for i in range(n_classes):
        lo = format_value(edges[i], value_format)
        hi = format_value(edges[min(i + 1, len(edges) - 1)], value_format)
        legend.append((colours[i], f"{lo} to {hi}" if lo != hi else lo, int((classes == i).sum())))
    return fills, legend, ~np.isfinite(values)


def _category_fills(raw: pd.Series, categories: Mapping[str, str] | None, value_column: str):
    """(fill per area, legend [(colour, label, n)], missing mask) for text categories (e.g. Better/Similar/Worse)."""
    mapping = dict(categories or BENCHMARK_COLOURS)
    labels = raw.astype("string")
    missing = labels.isna().to_numpy() | (labels.fillna("") == "").to_numpy()
    unknown = sorted(set(labels[~missing]) - set(mapping))
    if unknown:
        raise DataError("Some map categories have no colour.", column=value_column, values=unknown,
                        expected=f"one of: {', '.join(mapping)} (or pass categories={{label: colour}})")
    fills = np.array([MISSING_FILL if m else mapping[v] for v, m in zip(labels.fillna(""), missing)], dtype=object)
    legend = []
    for label, colour in mapping.items():
        n = int((labels[~missing] == label).sum())
        if n:
            legend.append((colour, label, n))
    return fills, legend, missing


def _tooltips(gdf, specs, ci, value_column: str, value_format: Format, name_column: str,
              missing_label: str) -> list[list[str]]:
    """The lines of each area's tooltip (HTML-escaped): its name, then one line per tooltip column."""
    names = gdf[name_column].astype(str).map(html.escape).tolist()
    lines = [[f"<strong>{n}</strong>"] for n in names]
    for column, label, fmt in specs:
        if column not in gdf.columns:
            raise DataError("A tooltip column is missing.", column=column,
                            expected=f"one of the columns: {', '.join(map(str, gdf.columns))}")
        fmt = fmt or default_format(gdf[column])
        for row, v in enumerate(gdf[column].tolist()):
            text = format_value(v, fmt)
            if column == value_column and not text:
                text = missing_label
            elif not text:
                continue
            lines[row].append(f"{html.escape(label)}: {html.escape(text)}")
            if column == value_column and ci is not None:
                lo, hi = gdf.at[row, ci[0]], gdf.at[row, ci[1]]
                lo_t, hi_t = format_value(lo, value_format), format_value(hi, value_format)
                if lo_t and hi_t:
                    lines[row].append(f"95% confidence interval: {html.escape(lo_t)} to {html.escape(hi_t)}")
    return lines


def _outline_features(gdf, geoms, outlines, *, code_column: str, name_column: str, outline_name_column: str | None,
                      highlight_codes: list[str], tolerance_m: float, precision: int):
    """(features [(geometry, properties)], labels [[lat, lon, plain text]], names outlined in black) drawn on top."""
    features, labels, highlighted = [], [], []
    if outlines is not None and len(outlines):
        o = outlines.reset_index(drop=True)
        o_geoms = display_geometries(o, tolerance_m, precision)
        codes = o[code_column].astype(str).tolist() if code_column in o.columns else [""] * len(o)
        for geom, code in zip(o_geoms, codes):
            strong = code in highlight_codes
            features.append((geom, {"weight": 4 if strong else 2, "dash": None}))
        if outline_name_column and outline_name_column in o.columns:
            for geom, label in zip(o_geoms, o[outline_name_column].astype(str)):
                p = geom.representative_point()
                labels.append([round(p.y, precision), round(p.x, precision), label])
        highlighted += [str(n) for n, c in zip(o.get(outline_name_column, codes), codes) if c in highlight_codes]
    if code_column in gdf.columns and highlight_codes:
        mask = gdf[code_column].astype(str).isin(highlight_codes).to_numpy()
        for geom in np.asarray(geoms)[mask]:
            features.append((geom, {"weight": 4, "dash": None}))
        highlighted += gdf.loc[mask, name_column].astype(str).tolist()
    return features, labels, highlighted


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
    ``categories`` (default :data:`thanalysis.figures.mapdata.BENCHMARK_COLOURS`). Areas with no value are grey
    and labelled ``missing_label``.
    ``outlines``: a GeoDataFrame (e.g. localities or the borough) drawn on top with labels;
    ``highlight``: area codes (in ``gdf`` or ``outlines``) outlined thickly in black.
    ``tolerance_m``: geometry simplification in metres (EPSG:27700); ``precision``: decimal places kept.
    ``fit_to``: area codes (in ``gdf``) whose extent the map opens on, e.g. a borough and its comparators
    within all of London (default: every area).
    """
    if value_column not in gdf.columns:
        raise DataError("The map's value column is missing.", column=value_column,
                        expected=f"one of the columns: {', '.join(map(str, gdf.columns))}")
    if name_column not in gdf.columns:
        raise DataError("The map needs area names for its tooltips.", column=name_column,
                        expected=f"one of the columns: {', '.join(map(str, gdf.columns))}")
    value_label = value_label or legend_title or value_column.replace("_", " ").capitalize()
    legend_title = legend_title or value_label
    name = name or f"{legend_title}|{value_column}"
    gdf = gdf.reset_index(drop=True)
    highlight_codes = area_codes(highlight)

    geoms = display_geometries(gdf, tolerance_m, precision)
    raw = gdf[value_column]
    numeric = categories is None and pd.api.types.is_numeric_dtype(raw)
    if numeric:
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        fills, legend, missing = _numeric_fills(values, bins, quantiles, palette, value_format)
    else:
        fills, legend, missing = _category_fills(raw, categories, value_column)
    n_missing = int(np.asarray(missing).sum())
    if n_missing:
        legend.append((MISSING_FILL, missing_label, n_missing))

    specs, ci = tooltip_specs(gdf, value_column, value_label, value_format, ci_columns, count_column,
                              tooltip_columns)
    lines = _tooltips(gdf, specs, ci, value_column, value_format, name_column, missing_label)
    properties = [{"fill": str(f), "tip": "<br>".join(parts)} for f, parts in zip(fills, lines)]

    # summary for the text alternative
    highest = lowest = None
    if numeric and np.isfinite(values).any():
        hi_i, lo_i = int(np.nanargmax(values)), int(np.nanargmin(values))
        highest = (str(gdf.at[hi_i, name_column]), format_value(values[hi_i], value_format))
        lowest = (str(gdf.at[lo_i, name_column]), format_value(values[lo_i], value_format))
    outline_features, labels, highlighted = _outline_features(
        gdf, geoms, outlines, code_column=code_column, name_column=name_column,
        outline_name_column=outline_name_column, highlight_codes=highlight_codes, tolerance_m=tolerance_m,
        precision=precision)
    # an area both outlined and highlighted is named once in the text alternative
    summary = MapSummary(title=legend_title, n_areas=len(gdf), n_missing=n_missing, missing_label=missing_label,
                         legend=legend, highest=highest, lowest=lowest,
                         highlighted=list(dict.fromkeys(highlighted)))

    with seeded_ids(name):
        centre = [float(np.mean([g.centroid.y for g in geoms])), float(np.mean([g.centroid.x for g in geoms]))]
        m = folium.Map(location=centre, zoom_start=12, tiles=None, control_scale=True, prefer_canvas=False,
                       zoom_snap=0.25, scroll_wheel_zoom=False, height="100%", width="100%")
        fit = None if fit_to is None else fit_bounds(gdf, geoms, code_column, area_codes(fit_to), precision)
        m.add_child(map_element("areas", data=feature_collection(geoms, properties), line_colour=AREA_LINE, fit=fit))
        if outline_features:
            data = feature_collection([g for g, _ in outline_features], [p for _, p in outline_features])
            m.add_child(map_element("outlines", data=data, colour=OUTLINE_COLOUR,
                                    labels=[[lat, lon, html.escape(text)] for lat, lon, text in labels]))
        entries = [(c, f"{label} ({n})") for c, label, n in legend]
        m.add_child(map_element("legend", title=legend_title, entries=entries,
                                attribution=html.escape(attribution) if attribution else None))

    m._thanalysis_name = name
    m._thanalysis_height = int(height)
    m._thanalysis_summary = summary
    # the same drawing for print, where the interactive frame cannot go (thanalysis.figures.static_maps)
    m._thanalysis_print = PrintMap(
        areas=list(geoms), fills=[str(f) for f in fills], line_colour=AREA_LINE, legend_title=legend_title,
        legend=entries, outline_colour=OUTLINE_COLOUR, labels=[tuple(p) for p in labels],
        outlines=[(g, p["weight"]) for g, p in outline_features], attribution=attribution, fit=fit)
    return m


def map_html(m, *, title: str | None = None) -> str:
    """The whole map as one self-contained HTML document (Leaflet inlined, no network, deterministic ids)."""
    name = getattr(m, "_thanalysis_name", None) or "map"
    document = render_offline(m, name)
    page_title = html.escape(title or getattr(getattr(m, "_thanalysis_summary", None), "title", None) or "Map")
    head = f'<head>\n<meta charset="utf-8">\n<title>{page_title}</title>\n{leaflet_head()}'
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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "map"


def map_embed_html(m, title: str, description: str = "") -> str:
    """The ``<figure>`` holding the map as an ``<iframe srcdoc>`` (titled, described) and its text alternative."""
    document = map_html(m, title=title)
    height = getattr(m, "_thanalysis_height", 480)
    uid = f"map-{_slug(title)}-{hashlib.sha256(document.encode('utf-8')).hexdigest()[:8]}"
    summary = getattr(m, "_thanalysis_summary", None)
    text = " ".join(t for t in [description.strip(), summary.sentences() if summary else ""] if t)
    drawing = getattr(m, "_thanalysis_print", None)
    printed = print_map_html(drawing, title, described_by=f"{uid}-text") if drawing is not None else ""
    return (
        f'<figure class="th-map" id="{uid}">'
        f'<iframe class="th-map-frame" title="{html.escape(title)}" aria-describedby="{uid}-text" '
        f'sandbox="allow-scripts" style="width:100%;height:{height}px;border:1px solid #6b6b6b;" '
        f'srcdoc="{html.escape(document, quote=True)}"></iframe>{printed}'
        f'<figcaption id="{uid}-text"><strong>{html.escape(title)}.</strong> {html.escape(text)}</figcaption>'
        f"</figure>"
    )


def show_map(m, title: str, description: str = ""):
    """Display the map in a notebook: a titled iframe (no network needed) with a short text alternative below."""
    return HTML(map_embed_html(m, title, description))
