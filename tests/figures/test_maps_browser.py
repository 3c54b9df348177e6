"""Maps in a rendered report, in a real browser (headless Debian Chromium, network blocked): each map draws,
answers hovers, and the page carries Leaflet once.

Outside CI the test is skipped (with the reason) when Chromium is not installed; in CI it fails instead.
"""
from __future__ import annotations

import os
import warnings

import geopandas as gpd
import matplotlib
import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from shapely.geometry import box

from tests.browser_util import chromium_path, launch_browser, open_offline, screenshot
from thanalysis.figures import charts, leaflet, maps
from thanalysis.publish.html import render_report

matplotlib.use("Agg")

pytestmark = pytest.mark.browser
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

AREA_NAMES = ["Bow & Bromley", "Poplar <East>", "Wapping", "Mile End", "Spitalfields", "Stepney"]
MAP_TITLE = "Test rate by area"


def _need_chromium() -> None:
    if chromium_path() is None:
        reason = "Chromium not found (install chromium or set $THANALYSIS_CHROMIUM)"
        if IN_CI:
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)


def _grid_gdf():
    """Six 0.01° squares built in EPSG:4326 (two rows of three); one has no value."""
    geoms = [box(-0.06 + 0.01 * (i % 3), 51.51 + 0.01 * (i // 3), -0.05 + 0.01 * (i % 3), 51.52 + 0.01 * (i // 3))
             for i in range(6)]
    values = np.array([10.0, 20.0, np.nan, 40.0, 55.0, 60.0])
    return gpd.GeoDataFrame({"area_code": [f"E0100000{i}" for i in range(6)], "area_name": AREA_NAMES,
                             "value": values, "lower_ci_95": values - 1, "upper_ci_95": values + 1},
                            geometry=geoms, crs=4326)


def _notebook(gdf, extra_maps: int = 0):
    fig, ax = charts.new_figure(5, 3)
    ax.bar(["A", "B"], [1, 2])
    chart = charts.show_figure(fig, "Bar chart: B is twice A", "Figure 1").data
    m = maps.choropleth_map(gdf, "value", legend_title="Rate per 1,000")
    shown = maps.show_map(m, MAP_TITLE, "Darker areas have higher rates.").data
    html_mime = "<IPython.core.display.HTML object>"
    long_text = "\n\n".join(f"Paragraph {i} of background text, so the map sits below the first screen." for i in range(12))
    cells = [
        new_markdown_cell("# Browser test report\n\nIntroduction."),
        new_markdown_cell(f"## Background\n\n{long_text}"),
        new_code_cell("charts.show_figure(fig)", execution_count=1, outputs=[
            new_output("display_data", data={"text/html": chart, "text/plain": html_mime})]),
        new_markdown_cell("## Map"),
        new_code_cell("maps.show_map(m)", execution_count=2, outputs=[
            new_output("display_data", data={"text/html": shown, "text/plain": html_mime})]),
    ]
    for i in range(1, extra_maps + 1):
        other = maps.choropleth_map(gdf.assign(value=gdf["value"] * (i + 1)), "value", legend_title=f"Rate {i}",
                                    name=f"extra-map-{i}")
        cells += [new_markdown_cell(f"## Map {i + 1}"),
                  new_code_cell("maps.show_map(other)", execution_count=2 + i, outputs=[new_output(
                      "display_data", data={"text/html": maps.show_map(other, f"{MAP_TITLE} {i + 1}").data,
                                            "text/plain": html_mime})])]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.validate(nb)
    return nb


def _provenance():
    return {"data_statement": "Synthetic test data.", "sources": [], "parameters": {}, "package_version": "test",
            "git_commit": "test", "built_at": "2025-01-01T00:00:00Z", "notebook": "notebooks/browser_test.ipynb"}


def _render(nb, page_file):
    """The page for ``nb`` (accessibility notes about the test notebook are not what these tests check)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return render_report(nb, page_file, provenance=_provenance())


def test_report_map_draws_polygons_and_tooltips_offline(tmp_path, test_output_dir):
    _need_chromium()
    gdf = _grid_gdf()
    page_file = tmp_path / "site" / "report.html"
    _render(_notebook(gdf), page_file)

    with launch_browser() as browser:
        with open_offline(browser, page_file, viewport=(1200, 900)) as (page, record):
            frame_el = page.locator("iframe.th-map-frame")
            assert frame_el.count() == 1
            assert frame_el.get_attribute("title") == MAP_TITLE
            frame_el.scroll_into_view_if_needed()
            frame = frame_el.content_frame
            areas = frame.locator("path.leaflet-interactive")
            # every area (including the one with no value) is drawn as one interactive path with a shape
            areas.nth(len(gdf) - 1).wait_for(state="attached", timeout=10_000)
            page.wait_for_timeout(300)
            assert areas.count() == len(gdf)
            lengths = areas.evaluate_all("els => els.map(e => (e.getAttribute('d') || '').length)")
            assert all(n > 10 for n in lengths), lengths
            # the squares were fitted into view: each has a visible box inside the frame
            frame_box = frame_el.bounding_box()
            for k in range(len(gdf)):
                box = areas.nth(k).bounding_box()
                assert box is not None and box["width"] > 5 and box["height"] > 5
                assert frame_box["x"] - 1 <= box["x"] and box["x"] + box["width"] <= frame_box["x"] + frame_box["width"] + 1
            # the legend with the missing-value entry is shown
            legend = frame.locator(".th-legend").inner_text()
            assert "Rate per 1,000" in legend and "Suppressed or no data (1)" in legend

            # paths are in row order until something is hovered (hovering brings a path to the front),
            # so take the boxes first; row 1 has an escaped name, row 2 no value
            boxes = {k: areas.nth(k).bounding_box() for k in (1, 2)}
            for k, box in boxes.items():
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=4)
                tip = frame.locator(".leaflet-tooltip", has_text=AREA_NAMES[k])
                tip.wait_for(state="visible", timeout=5_000)
                text = tip.inner_text()
                if k == 1:
                    assert "Rate per 1,000: 20.0" in text and "95% confidence interval: 19.0 to 21.0" in text
                else:
                    assert "Suppressed or no data" in text
            page.wait_for_timeout(500)  # closed tooltips fade out for 200 ms before they are removed
            # one tooltip at a time: the first area's closed when the mouse moved on
            assert frame.locator(".leaflet-tooltip").count() == 1
            screenshot(page, test_output_dir, "render_report_map", full_page=False)
            assert record.problems() == []


def test_report_with_several_maps_carries_leaflet_once_and_every_map_draws(tmp_path, test_output_dir):
    _need_chromium()
    gdf = _grid_gdf()
    page_file = tmp_path / "site" / "report.html"
    page = _render(_notebook(gdf, extra_maps=2), page_file)
    js, _ = leaflet.leaflet_assets()
    marker = js.strip()[:200]  # Leaflet's licence banner and first statements
    assert page.count(marker) == 1, "Leaflet should be in the page once, not once per map"
    one_map = _render(_notebook(gdf), tmp_path / "single.html")
    # three maps cost far less than three copies of Leaflet more than one map
    assert len(page) - len(one_map) < len(js)

    with launch_browser() as browser:
        with open_offline(browser, page_file, viewport=(1200, 900)) as (tab, record):
            frames = tab.locator("iframe.th-map-frame")
            assert frames.count() == 3
            for k in range(3):
                el = frames.nth(k)
                el.scroll_into_view_if_needed()
                areas = el.content_frame.locator("path.leaflet-interactive")
                areas.nth(len(gdf) - 1).wait_for(state="attached", timeout=10_000)
                assert areas.count() == len(gdf)
                box = areas.nth(0).bounding_box()
                assert box is not None and box["width"] > 5 and box["height"] > 5
            screenshot(tab, test_output_dir, "render_report_three_maps", full_page=False)
            assert record.problems() == []
