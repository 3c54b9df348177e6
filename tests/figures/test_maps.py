"""Offline choropleth maps (thanalysis.figures.maps): Leaflet inlined, same bytes every time, every area drawn,
small pages, legible tooltips."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.errors import DataError
from thanalysis.figures import maps

NAMES = ["Bow & Bromley", "Poplar <East>", "Wapping", "Mile End", "Spitalfields", "Stepney"]


def tiny_gdf(values=(10.0, 20.0, np.nan, 40.0, 55.5, 60.25)):
    """Six 0.01° squares near Tower Hamlets, built directly in EPSG:4326 (two rows of three)."""
    import geopandas as gpd
    from shapely.geometry import box

    geoms = [box(-0.06 + 0.01 * (i % 3), 51.51 + 0.01 * (i // 3), -0.05 + 0.01 * (i % 3), 51.52 + 0.01 * (i // 3))
             for i in range(6)]
    values = np.asarray(values, dtype=float)
    return gpd.GeoDataFrame({
        "area_code": [f"E0100000{i}" for i in range(6)],
        "area_name": NAMES,
        "value": values,
        "lower_ci_95": values - 1.5,
        "upper_ci_95": values + 2.25,
        "count": pd.array([12, 250, None, 4000, 77, 1234], dtype="Int64"),
    }, geometry=geoms, crs=4326)


def geojson_layers(document: str) -> list[dict]:
    """Every GeoJSON object passed to ``L.geoJSON(...)`` in the map document, in order."""
    decoder = json.JSONDecoder()
    layers = []
    for match in re.finditer(r"L\.geoJSON\(", document):
        obj, _ = decoder.raw_decode(document, match.end())
        layers.append(obj)
    return layers


def areas_layer(document: str) -> dict:
    return geojson_layers(document)[0]


def n_coordinates(geometry: dict) -> int:
    def count(c):
        if isinstance(c[0], (int, float)):
            return 1
        return sum(count(x) for x in c)

    return count(geometry["coordinates"])


def legend_entries(document: str) -> list[str]:
    block = re.search(r'<div class="th-legend".*?</ul>', document, flags=re.S).group(0)
    return re.findall(r"<li>.*?<span>(.*?)</span></li>", block, flags=re.S)


# --- offline -------------------------------------------------------------------------------------------------
def test_leaflet_is_inlined_and_nothing_comes_from_the_network():
    from xstatic.pkg import leaflet as xleaflet

    document = maps.map_html(maps.choropleth_map(tiny_gdf(), "value", legend_title="Rate"))
    js = (Path(xleaflet.BASE_DIR) / "leaflet.js").read_text(encoding="utf-8")
    body = re.sub(r"//# sourceMappingURL=\S*", "", js).strip()
    assert len(body) > 50_000
    assert body in document, "the installed leaflet.js should be copied into the page"
    css = (Path(xleaflet.BASE_DIR) / "leaflet.css").read_text(encoding="utf-8")
    first_rule = css[css.index(".leaflet-pane"):css.index("}", css.index(".leaflet-pane")) + 1]
    assert first_rule in document
    assert not re.search(r"<script[^>]+\bsrc=", document, flags=re.I)
    assert not re.search(r"<link[^>]+\bhref=", document, flags=re.I)
    for needle in ("unpkg.com", "jsdelivr", "cdnjs", "code.jquery", "bootstrapcdn", "tile.openstreetmap",
                   "googleapis", "sourcemappingurl"):
        assert needle not in document.lower(), needle
    # images in Leaflet's CSS are inlined, not fetched
    assert "url(data:image/png;base64," in document  # layers.png etc.
    assert not re.search(r"url\(\s*[\"']?(?!data:|#)", document)
    assert '<html lang="en">' in document


# --- determinism ---------------------------------------------------------------------------------------------
def test_same_map_gives_the_same_bytes():
    m = maps.choropleth_map(tiny_gdf(), "value", legend_title="Rate", highlight=["E01000001"])
    first = maps.map_html(m)
    assert maps.map_html(m) == first
    again = maps.choropleth_map(tiny_gdf(), "value", legend_title="Rate", highlight=["E01000001"])
    assert maps.map_html(again) == first
    assert maps.map_embed_html(m, "Rate by area") == maps.map_embed_html(again, "Rate by area")
    # and no random folium ids (uuid4 hex) slipped in
    assert not re.search(r"_[0-9a-f]{32}\b", first)


# --- content -------------------------------------------------------------------------------------------------
def test_one_polygon_per_input_row():
    gdf = tiny_gdf()
    from shapely.geometry import MultiPolygon, box

    gdf.loc[5, "geometry"] = MultiPolygon([box(-0.04, 51.52, -0.035, 51.525), box(-0.034, 51.52, -0.03, 51.525)])
    layer = areas_layer(maps.map_html(maps.choropleth_map(gdf, "value")))
    assert layer["type"] == "FeatureCollection"
    assert len(layer["features"]) == len(gdf)
    assert [f["geometry"]["type"] for f in layer["features"]] == ["Polygon"] * 5 + ["MultiPolygon"]
    # the squares are where we put them (EPSG:4326 lon/lat, rounded to 5 dp)
    xs = [pt[0] for pt in layer["features"][0]["geometry"]["coordinates"][0]]
    ys = [pt[1] for pt in layer["features"][0]["geometry"]["coordinates"][0]]
    assert min(xs) == pytest.approx(-0.06, abs=1e-5) and max(xs) == pytest.approx(-0.05, abs=1e-5)
    assert min(ys) == pytest.approx(51.51, abs=1e-5) and max(ys) == pytest.approx(51.52, abs=1e-5)


def test_tooltips_name_value_interval_and_count():
    gdf = tiny_gdf()
    layer = areas_layer(maps.map_html(maps.choropleth_map(gdf, "value", legend_title="Rate per 1,000")))
    tips = [f["properties"]["tip"] for f in layer["features"]]
    for row, tip in zip(gdf.itertuples(), tips):
        name = row.area_name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert tip.startswith(f"<strong>{name}</strong>")
        if np.isnan(row.value):
            assert "Rate per 1,000: Suppressed or no data" in tip
            assert "confidence interval" not in tip and "Count" not in tip
        else:
            assert f"Rate per 1,000: {row.value:,.1f}" in tip
            assert f"95% confidence interval: {row.value - 1.5:,.1f} to {row.value + 2.25:,.1f}" in tip
            assert f"Count: {int(row.count):,}" in tip
    # explicit tooltip columns
    layer = areas_layer(maps.map_html(maps.choropleth_map(gdf, "value", tooltip_columns=[
        ("area_code", "Code"), ("count", "People", "{:,.0f}")])))
    assert "Code: E01000003" in layer["features"][3]["properties"]["tip"]
    assert "People: 4,000" in layer["features"][3]["properties"]["tip"]


def test_legend_classes_counts_and_missing_label():
    gdf = tiny_gdf()
    document = maps.map_html(maps.choropleth_map(gdf, "value", legend_title="Rate", bins=3))
    assert re.search(r'<div class="th-legend"[^>]*>\s*<h2>Rate</h2>', document)
    values = gdf["value"].dropna().to_numpy()
    lo, hi = values.min(), values.max()
    edges = [lo + (hi - lo) * k / 3 for k in range(4)]
    counts = [int(((values >= edges[k]) & ((values < edges[k + 1]) if k < 2 else (values <= edges[k + 1]))).sum())
              for k in range(3)]
    expected = [f"{edges[k]:,.1f} to {edges[k + 1]:,.1f} ({counts[k]})" for k in range(3)]
    expected.append("Suppressed or no data (1)")
    assert legend_entries(document) == expected
    # each area's fill is its class colour; the missing one is grey like its legend swatch
    swatches = re.findall(r'class="sw" style="background:(#[0-9a-f]{6})"', document)
    fills = [f["properties"]["fill"] for f in areas_layer(document)["features"]]
    for v, fill in zip(gdf["value"], fills):
        if np.isnan(v):
            assert fill == swatches[-1]
        else:
            k = min(int(np.searchsorted(edges, v, side="right")) - 1, 2)
            assert fill == swatches[k]


def test_higher_classes_are_darker():
    from matplotlib.colors import to_rgb

    def luminance(hex_colour):
        r, g, b = to_rgb(hex_colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    document = maps.map_html(maps.choropleth_map(tiny_gdf(), "value", bins=5))
    swatches = re.findall(r'class="sw" style="background:(#[0-9a-f]{6})"', document)[:5]
    lum = [luminance(c) for c in swatches]
    assert lum == sorted(lum, reverse=True)


def test_missing_label_is_configurable_and_in_the_text_alternative():
    m = maps.choropleth_map(tiny_gdf(), "value", legend_title="Rate", missing_label="Fewer than 5 people")
    document = maps.map_html(m)
    assert "Fewer than 5 people (1)" in legend_entries(document)
    assert "Rate: Fewer than 5 people" in areas_layer(document)["features"][2]["properties"]["tip"]
    embed = maps.map_embed_html(m, "Rate by area", "Darker is higher.")
    caption = re.search(r"<figcaption[^>]*>(.*)</figcaption>", embed, flags=re.S).group(1)
    assert "Darker is higher." in caption and "Fewer than 5 people" in caption
    assert "The map shows 6 areas." in caption


def test_categories_are_coloured_by_comparison():
    gdf = tiny_gdf().assign(comparison=["Better", "Similar", None, "Worse", "Similar", "Better"])
    document = maps.map_html(maps.choropleth_map(gdf, "comparison", legend_title="Compared with London",
                                                 ci_columns=None, count_column=None))
    assert legend_entries(document) == ["Better (2)", "Similar (2)", "Worse (1)", "Suppressed or no data (1)"]
    fills = [f["properties"]["fill"] for f in areas_layer(document)["features"]]
    assert fills[0] == fills[5] != fills[1] == fills[4]
    with pytest.raises(DataError, match="colour"):
        maps.choropleth_map(gdf.assign(comparison="Unknown"), "comparison")


def test_show_map_is_a_titled_iframe_with_the_whole_map():
    m = maps.choropleth_map(tiny_gdf(), "value", legend_title="Rate")
    shown = maps.show_map(m, "Rate by area", "Darker is higher.").data
    frame = re.search(r"<iframe[^>]*>", shown).group(0)
    assert 'title="Rate by area"' in frame
    import html

    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert srcdoc == maps.map_html(m, title="Rate by area")
    assert len(areas_layer(srcdoc)["features"]) == 6


def test_bad_input_is_explained():
    with pytest.raises(DataError) as info:
        maps.choropleth_map(tiny_gdf(), "rate")
    assert info.value.column == "rate"
    with pytest.raises(DataError, match="area_name|names"):
        maps.choropleth_map(tiny_gdf().drop(columns="area_name"), "value")
    with pytest.raises(DataError, match="coordinate reference"):
        maps.choropleth_map(tiny_gdf().set_crs(None, allow_override=True), "value")
    empty = tiny_gdf()
    empty.loc[1, "geometry"] = None
    with pytest.raises(DataError, match="boundary") as info:
        maps.choropleth_map(empty, "value")
    assert info.value.rows == [2]


# --- simplification and size ---------------------------------------------------------------------------------
def test_simplification_drops_redundant_points():
    import geopandas as gpd
    from shapely.geometry import Polygon

    # a 0.01° square whose edges carry 400 points each, all on straight lines
    t = np.linspace(0, 1, 400, endpoint=False)
    x0, y0, d = -0.05, 51.51, 0.01
    ring = ([(x0 + d * s, y0) for s in t] + [(x0 + d, y0 + d * s) for s in t]
            + [(x0 + d - d * s, y0 + d) for s in t] + [(x0, y0 + d - d * s) for s in t])
    gdf = gpd.GeoDataFrame({"area_name": ["Jagged"], "value": [1.0]}, geometry=[Polygon(ring)], crs=4326)
    raw = n_coordinates(areas_layer(maps.map_html(maps.choropleth_map(gdf, "value", tolerance_m=0)))
                        ["features"][0]["geometry"])
    simple = n_coordinates(areas_layer(maps.map_html(maps.choropleth_map(gdf, "value", tolerance_m=5)))
                           ["features"][0]["geometry"])
    assert raw > 1000  # rounding to 5 dp (about 1 m) keeps distinct points 2.5 m apart
    assert simple <= 10


def test_real_tower_hamlets_lsoa_map_is_simplified_and_under_1mb(open_data_root):
    import shapely

    from thanalysis.data.open import open_store

    store = open_store(open_data_root)
    gdf = store.geometries("lsoa21", within="E09000030")
    areas = store.areas()
    names = areas[areas["area_type"] == "lsoa21"].set_index("area_code")["area_name"]
    gdf = gdf.assign(area_name=gdf["area_code"].map(names), value=np.linspace(1, 50, len(gdf)))
    assert len(gdf) > 100 and gdf["area_name"].notna().all()
    source_points = int(shapely.get_num_coordinates(gdf.geometry.to_numpy()).sum())

    full = maps.map_html(maps.choropleth_map(gdf, "value", tolerance_m=0))
    document = maps.map_html(maps.choropleth_map(gdf, "value"))
    full_points = sum(n_coordinates(f["geometry"]) for f in areas_layer(full)["features"])
    points = sum(n_coordinates(f["geometry"]) for f in areas_layer(document)["features"])
    assert len(areas_layer(document)["features"]) == len(gdf)
    assert full_points <= source_points
    assert points < full_points
    size = len(document.encode("utf-8"))
    assert size < 1_000_000, f"map of {len(gdf)} LSOAs is {size:,} bytes"


@pytest.mark.parametrize("bins", [[20.0, 40.0], [0.0, 30.0, 100.0], [45.0, 50.0, 52.0], 4])
def test_every_area_lies_inside_its_legend_class(bins):
    gdf = tiny_gdf()  # values 10 to 60.25 and one missing
    document = maps.map_html(maps.choropleth_map(gdf, "value", bins=bins))
    entries = legend_entries(document)
    swatches = re.findall(r'class="sw" style="background:(#[0-9a-f]{6})"', document)
    ranges = {}
    for colour, label in zip(swatches, entries):
        found = re.fullmatch(r"(-?[\d,.]+) to (-?[\d,.]+) \((\d+)\)", label)
        if found:
            ranges[colour] = (float(found.group(1).replace(",", "")), float(found.group(2).replace(",", "")),
                              int(found.group(3)))
    fills = [f["properties"]["fill"] for f in areas_layer(document)["features"]]
    seen: dict[str, int] = {}
    for value, fill in zip(gdf["value"], fills):
        if np.isnan(value):
            continue
        lo, hi, _ = ranges[fill]
        assert lo - 0.05 <= value <= hi + 0.05, f"{value} shown in the class labelled {lo} to {hi}"
        seen[fill] = seen.get(fill, 0) + 1
    assert {c: n for c, (_, _, n) in ranges.items() if n} == seen


def test_an_area_outlined_and_highlighted_is_named_once_in_the_text():
    gdf = tiny_gdf()
    mine = gdf.iloc[:2]
    m = maps.choropleth_map(gdf, "value", outlines=mine[["area_code", "area_name", "geometry"]],
                            highlight=list(mine["area_code"]))
    text = m._thanalysis_summary.sentences()
    outlined = text.split("Outlined in black:")[1]
    for name in mine["area_name"]:
        assert outlined.count(name) == 1, text


def test_fit_to_opens_the_map_on_the_chosen_areas():
    gdf = tiny_gdf()
    chosen = list(gdf["area_code"].iloc[:2])
    document = maps.map_html(maps.choropleth_map(gdf, "value", fit_to=chosen))
    bounds = gdf.iloc[:2].to_crs(4326).total_bounds  # minx, miny, maxx, maxy
    target = json.loads(re.search(r"var target = (\[\[.*?\]\]);", document).group(1))
    assert target[0] == pytest.approx([bounds[1], bounds[0]], abs=1e-4)
    assert target[1] == pytest.approx([bounds[3], bounds[2]], abs=1e-4)
    # by default the map opens on every area
    assert "var target = null;" in maps.map_html(maps.choropleth_map(gdf, "value"))
    with pytest.raises(DataError, match="fit the map"):
        maps.choropleth_map(gdf, "value", fit_to=["E99999999"])
