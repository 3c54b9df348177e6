"""The printed form of a map (thanalysis.figures.static_maps): the interactive map's areas, colours, outlines,
labels and legend as an SVG picture, hidden on screen, named and described like the map, with nothing to run or
fetch, the same bytes every time and small."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from tests.figures.test_maps import NAMES, areas_layer, legend_entries, tiny_gdf
from thanalysis.figures import maps
from thanalysis.figures.static_maps import MAP_WIDTH, PrintMap, print_map_html, print_map_svg

SVG = "{http://www.w3.org/2000/svg}"


def printed(embed: str) -> ET.Element:
    """The ``<svg>`` element of the printed map inside ``maps.map_embed_html`` output."""
    block = re.search(r'<div class="th-map-print" style="display:none">(<svg.*?</svg>)</div>', embed, flags=re.S)
    assert block, "the embedded map should carry its printed picture, hidden on screen"
    return ET.fromstring(block.group(1))


def group(svg: ET.Element, cls: str) -> ET.Element | None:
    return next((g for g in svg.iter(f"{SVG}g") if g.get("class") == cls), None)


def key_texts(svg: ET.Element) -> list[str]:
    """Each legend entry's text, its wrapped lines joined."""
    return [" ".join(t.text for t in g.iter(f"{SVG}text")) for g in svg.iter(f"{SVG}g")
            if g.get("class") == "th-map-key"]


def path_points(d: str) -> np.ndarray:
    return np.array([float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]).reshape(-1, 2)


def test_the_printed_map_draws_every_area_in_the_interactive_maps_colours():
    gdf = tiny_gdf()
    m = maps.choropleth_map(gdf, "value", legend_title="Rate per 1,000")
    svg = printed(maps.map_embed_html(m, "Rate by area"))
    fills = [p.get("fill") for p in group(svg, "th-map-areas").iter(f"{SVG}path")]
    interactive = [f["properties"]["fill"] for f in areas_layer(maps.map_html(m))["features"]]
    assert fills == interactive and len(fills) == len(gdf)
    assert fills[2] == maps.MISSING_FILL  # the area with no value is grey in both
    # and the legend says the same as the interactive legend, counts and missing label included
    assert key_texts(svg) == legend_entries(maps.map_html(m))
    assert "Suppressed or no data (1)" in key_texts(svg)
    texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "Rate per 1,000" in texts


def test_areas_keep_their_places_north_up_inside_the_map_box():
    gdf = tiny_gdf()
    svg = printed(maps.map_embed_html(maps.choropleth_map(gdf, "value"), "Rate by area"))
    boxes = []
    for p in group(svg, "th-map-areas").iter(f"{SVG}path"):
        pts = path_points(p.get("d"))
        boxes.append((pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()))
    boxes = np.array(boxes)
    assert boxes[:, 0].min() >= 0 and boxes[:, 2].max() <= MAP_WIDTH
    # row 0 (squares 0-2) is south of row 1 (squares 3-5): larger y on the picture; columns run west to east
    assert boxes[0, 1] > boxes[3, 1] and boxes[0, 0] < boxes[1, 0] < boxes[2, 0]
    # squares stay square (Web Mercator at this latitude: 0.01° of longitude is 0.62 of 0.01° of latitude)
    w, h = boxes[0, 2] - boxes[0, 0], boxes[0, 3] - boxes[0, 1]
    assert w / h == pytest.approx(np.cos(np.radians(51.515)), rel=0.05)


def test_fit_to_shows_the_same_extent_as_the_interactive_map():
    gdf = tiny_gdf()
    svg = printed(maps.map_embed_html(maps.choropleth_map(gdf, "value", fit_to=list(gdf["area_code"].iloc[:1])),
                                      "Rate by area"))
    paths = list(group(svg, "th-map-areas").iter(f"{SVG}path"))
    first = path_points(paths[0].get("d"))
    others = path_points(paths[5].get("d"))
    # the chosen square fills the map box; the others lie outside it and are clipped away
    assert first[:, 1].max() - first[:, 1].min() > 400
    assert others[:, 0].min() > MAP_WIDTH or others[:, 1].max() < 0
    assert svg.find(f".//{SVG}clipPath") is not None


def test_outlines_labels_and_escaped_names():
    gdf = tiny_gdf()
    outlines = gdf.iloc[:2][["area_code", "area_name", "geometry"]]
    m = maps.choropleth_map(gdf, "value", outlines=outlines, highlight=["E01000001"], attribution="Data <ONS>")
    embed = maps.map_embed_html(m, "Rate by area")
    svg = printed(embed)
    weights = [p.get("stroke-width") for p in group(svg, "th-map-outlines").iter(f"{SVG}path")]
    assert weights.count("4") == 2 and "2" in weights  # the highlighted area: outlined and highlighted, thickly
    labels = [t.text for t in group(svg, "th-map-labels").iter(f"{SVG}text")]
    assert labels == NAMES[:2]  # "Poplar <East>" comes back as written: it was escaped once, not twice
    assert "Poplar &lt;East&gt;" in embed and "&amp;lt;" not in embed
    assert any("Data <ONS>" in (t.text or "") for t in svg.iter(f"{SVG}text"))


def test_named_and_described_like_the_interactive_map_and_nothing_runs():
    m = maps.choropleth_map(tiny_gdf(), "value")
    embed = maps.map_embed_html(m, "Rate by area", "Darker is higher.")
    svg = printed(embed)
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title.text == "Rate by area" and svg.get("aria-labelledby") == title.get("id")
    described = svg.get("aria-describedby")
    assert re.search(rf'<figcaption id="{described}">', embed), "described by the map's text alternative"
    assert embed.count(f'aria-describedby="{described}"') == 2  # the frame and the picture
    assert not re.search(r"<script|\bon\w+=|href=|url\((?!#)", ET.tostring(svg, encoding="unicode"))


def test_same_map_same_picture_and_small():
    one = maps.map_embed_html(maps.choropleth_map(tiny_gdf(), "value"), "Rate by area")
    two = maps.map_embed_html(maps.choropleth_map(tiny_gdf(), "value"), "Rate by area")
    assert printed(one) is not None and one == two
    picture = re.search(r'<div class="th-map-print".*?</div>', one, flags=re.S).group(0)
    assert len(picture) < 5_000


def test_holes_and_multipolygons_are_drawn_as_their_rings():
    outer = box(0.0, 51.0, 0.02, 51.02)
    ring = Polygon(outer.exterior.coords, [box(0.005, 51.005, 0.015, 51.015).exterior.coords])
    pm = PrintMap(areas=[ring, box(0.03, 51.0, 0.04, 51.01).union(box(0.05, 51.0, 0.06, 51.01))],
                  fills=["#111111", "#222222"], line_colour="#6b6b6b", legend_title="T", legend=[("#111111", "a")])
    svg = ET.fromstring(print_map_svg(pm, "Holes"))
    d = [p.get("d") for p in group(svg, "th-map-areas").iter(f"{SVG}path")]
    assert d[0].count("M") == 2 and d[1].count("M") == 2
    assert group(svg, "th-map-areas").get("fill-rule") == "evenodd"  # the hole stays empty
    assert print_map_html(pm, "Holes").startswith('<div class="th-map-print" style="display:none"><svg')
    with pytest.raises(ValueError):
        print_map_svg(PrintMap(areas=[outer], fills=[], line_colour="#000", legend_title="T", legend=[]), "x")


def test_real_tower_hamlets_lsoa_picture_is_smaller_than_the_interactive_map(open_data_root):
    from thanalysis.data.open import open_store

    store = open_store(open_data_root)
    gdf = store.geometries("lsoa21", within="E09000030")
    gdf = gdf.assign(area_name=gdf["area_code"], value=np.linspace(1, 50, len(gdf)))
    m = maps.choropleth_map(gdf, "value")
    embed = maps.map_embed_html(m, "Tower Hamlets LSOAs")
    svg = printed(embed)
    assert len(list(group(svg, "th-map-areas").iter(f"{SVG}path"))) == len(gdf)
    picture = len(re.search(r'<div class="th-map-print".*?</div>', embed, flags=re.S).group(0))
    assert picture < 0.3 * len(maps.map_html(m)), f"printed picture {picture:,} bytes"


def test_points_a_printer_cannot_tell_apart_are_merged_and_lines_stay_open():
    from shapely.geometry import LineString

    wiggly = Polygon([(0.0 + 1e-7 * (k % 2), 51.0 + 0.0001 * k) for k in range(200)] + [(0.02, 51.02), (0.02, 51.0)])
    pm = PrintMap(areas=[wiggly], fills=["#111111"], line_colour="#000", legend_title="T", legend=[],
                  outlines=[(LineString([(0.0, 51.0), (0.01, 51.01)]), 2)])
    svg = ET.fromstring(print_map_svg(pm, "Wiggles"))
    d = next(group(svg, "th-map-areas").iter(f"{SVG}path")).get("d")
    assert len(path_points(d)) < 10 and d.endswith("Z")  # 202 points, two straight edges and a corner
    line = next(group(svg, "th-map-outlines").iter(f"{SVG}path")).get("d")
    assert len(path_points(line)) == 2 and not line.endswith("Z")
