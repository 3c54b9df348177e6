"""Leaflet for offline pages (thanalysis.figures.leaflet): the network check, and one copy of Leaflet per page."""
from __future__ import annotations

import re

import geopandas as gpd
from shapely.geometry import box

from thanalysis.figures import leaflet, maps


def _squares():
    """Three 0.01° squares in EPSG:4326 with values."""
    return gpd.GeoDataFrame({"area_code": ["E1", "E2", "E3"], "area_name": ["A", "B", "C"], "value": [1.0, 2.0, 3.0]},
                            geometry=[box(-0.06 + 0.01 * i, 51.51, -0.05 + 0.01 * i, 51.52) for i in range(3)],
                            crs=4326)


def test_external_resources_detector_finds_cdn_tags():
    found = leaflet.external_resources('<script src="https://cdn.example/x.js"></script><link rel="stylesheet" '
                                       'href="//cdn.example/x.css"><style>@import url("https://f.example/a.css");</style>'
                                       '<img src="http://tiles.example/1.png">')
    assert len(found) >= 4
    harmless = '<script>var a = "https://example.org";</script><a href="https://x.org">x</a>'
    assert leaflet.external_resources(harmless) == []


def test_shared_leaflet_leaves_the_map_script_for_after_leaflet_loads():
    document = maps.map_html(maps.choropleth_map(_squares(), "value"), title="Shared")
    js, css = leaflet.leaflet_assets()
    lighter, got_css, got_js = leaflet.share_leaflet(document)

    def norm(text):  # map_html drops trailing spaces on each line
        return re.sub(r"[ \t]+\n", "\n", text).strip()

    assert norm(got_js) == norm(js) and norm(got_css) == norm(css)
    assert js.strip()[:200] not in lighter and len(lighter) < len(document) - len(js)
    # the map's own scripts wait for Leaflet (they would fail with "L is not defined" otherwise) ...
    deferred = re.findall(r'<script type="text/x-th-map">(.*?)</script>', lighter, flags=re.DOTALL)
    assert deferred and any("L.geoJSON" in d for d in deferred)
    # ... and every plain script left is the loader, which asks the parent page
    plain = re.findall(r"<script>(.*?)</script>", lighter, flags=re.DOTALL)
    assert len(plain) == 1 and "postMessage" in plain[0]
    host = leaflet.leaflet_host_html(got_css, got_js)
    assert host.count(js.strip()[:200]) == 1 and "addEventListener(\"message\"" in host
    # a document without inlined Leaflet is left alone
    assert leaflet.share_leaflet("<html><body><script>var x = 1;</script></body></html>") is None


def test_leaflet_head_holds_the_assets_where_share_leaflet_finds_them():
    js, css = leaflet.leaflet_assets()
    document = f"<html><head>{leaflet.leaflet_head()}</head><body><script>var x = 1;</script></body></html>"
    lighter, got_css, got_js = leaflet.share_leaflet(document)
    assert (got_js, got_css) == (js, css)
    assert '<script type="text/x-th-map">var x = 1;</script>' in lighter
