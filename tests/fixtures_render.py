"""Fixtures for the page-rendering tests (tests/publish/test_html.py): a small grid of areas, an executed
notebook built in memory with the library's own display helpers, and a provenance record."""
from __future__ import annotations

import base64

import geopandas as gpd
import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from shapely.geometry import box

from thanalysis.figures import charts, maps
from thanalysis.notebook import data_banner_html, key_figure_html, table_html

matplotlib.use("Agg")


def make_grid(nx: int = 6, ny: int = 5, size_m: float = 250.0, *, missing=(3, 17)):
    """``nx × ny`` square areas near Tower Hamlets (EPSG:27700 squares returned in EPSG:4326) with values."""
    x0, y0 = 533500.0, 180500.0
    rows = []
    for j in range(ny):
        for i in range(nx):
            k = j * nx + i
            rows.append({
                "area_code": f"E0100{k:04d}",
                "area_name": f"Area {k + 1} & <Co>",
                "geometry": box(x0 + i * size_m, y0 + j * size_m, x0 + (i + 1) * size_m, y0 + (j + 1) * size_m),
            })
    gdf = gpd.GeoDataFrame(rows, crs=27700).to_crs(4326)
    values = 10.0 + np.arange(len(gdf)) * 1.5
    values[list(missing)] = np.nan
    gdf["value"] = values
    gdf["lower_ci_95"] = values - 2.0
    gdf["upper_ci_95"] = values + 2.0
    gdf["count"] = pd.array(np.arange(len(gdf)) + 5, dtype="Int64")
    return gdf


@pytest.fixture
def grid_gdf():
    return make_grid()


@pytest.fixture
def provenance():
    return {
        "data_statement": "This report uses synthetic demonstration data for a fictional borough.",
        "sources": [
            {"dataset": "Demo areas", "path": "areas.csv", "sha256": "a" * 64, "publisher": "thanalysis",
             "licence": "OGL v3", "url": "https://example.org/areas"},
            {"dataset": "Demo values", "path": "values/values.csv", "sha256": "b" * 64, "publisher": "",
             "licence": "", "url": ""},
        ],
        "parameters": {"area_code": "E09000030", "indicator_ids": ["90366", "93014"], "data_root": None},
        "package_version": "0.1.0",
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "built_at": "2025-03-14T09:30:00Z",
        "notebook": "notebooks/borough_profile.ipynb",
    }


CODE_MARKER = "secret_code_marker_do_not_publish"
STDERR_MARKER = "stderr_marker_do_not_publish"
WARNING_MARKER = "warning_marker_do_not_publish"


def build_notebook(gdf=None):
    """An executed notebook as papermill would leave it: markdown, a table, a chart, a map, stderr and warnings."""
    gdf = make_grid() if gdf is None else gdf
    table = pd.DataFrame({"area_name": ["North West", "South East"], "count": [120, 85], "value": [12.345, 8.1]})
    fig, ax = charts.new_figure(6, 3)
    ax.plot([1, 2, 3], [2, 1, 3])
    chart = charts.figure_html(fig, "Line rising from 1 to 3 between 2019 and 2021", "Figure 1: a test line.")
    m = maps.choropleth_map(gdf, "value", legend_title="Rate per 1,000", outlines=gdf.dissolve().assign(
        area_code="E09999999", area_name="Test borough"), highlight=["E01000001"])
    map_html = maps.map_embed_html(m, "Rate per 1,000 by area", "Darker areas have higher rates.")
    raw_png = charts.figure_png(fig)
    cells = [
        new_code_cell(f"# parameters\narea_code = None  # {CODE_MARKER}", metadata={"tags": ["parameters"]},
                      execution_count=1),
        new_markdown_cell("# Borough profile: test\n\nA sentence with a [link](https://www.gov.uk/)."),
        new_code_cell(f"report.data_banner(store)  # {CODE_MARKER}", execution_count=2, outputs=[
            new_output("display_data", data={"text/html": data_banner_html(
                "This report uses synthetic demonstration data."), "text/plain": "<IPython.core.display.HTML object>"}),
        ]),
        new_markdown_cell("## Who lives here\n\nSome words."),
        new_code_cell(f"df  # {CODE_MARKER}", execution_count=3, outputs=[
            new_output("stream", name="stderr", text=f"{STDERR_MARKER}: something went to stderr\n"),
            new_output("stream", name="stdout",
                       text=f"/site-packages/x.py:12: FutureWarning: {WARNING_MARKER}\n  df.groupby(x)\nRows: 2\n"),
            new_output("execute_result", execution_count=3, data={
                "text/html": table._repr_html_(), "text/plain": repr(table)}),
            new_output("display_data", data={"text/html": table_html(table, "Counts and rates by locality"),
                                             "text/plain": "<IPython.core.display.HTML object>"}),
            new_output("display_data", data={"text/html": key_figure_html("Residents", 310306, "Census 2021")}),
        ]),
        new_markdown_cell("#### A skipped level\n\nThis heading jumps from H2 to H4."),
        new_markdown_cell("## Charts\n\n### Trend"),
        new_code_cell(f"charts.show_figure(fig)  # {CODE_MARKER}", execution_count=4, outputs=[
            new_output("display_data", data={"text/html": chart, "text/plain": "<IPython.core.display.HTML object>"}),
            new_output("stream", name="stdout", text=f"UserWarning: {WARNING_MARKER}\n"),
            new_output("display_data", data={"image/png": base64.b64encode(raw_png).decode("ascii"),
                                             "text/plain": "<Figure size 600x300 with 1 Axes>"}),
        ]),
        new_markdown_cell("## Map"),
        new_code_cell(f"maps.show_map(m)  # {CODE_MARKER}", execution_count=5, outputs=[
            new_output("display_data", data={"text/html": map_html, "text/plain": "<IPython.core.display.HTML object>"}),
        ]),
        new_markdown_cell("# A second title\n\nShould become an H2."),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.validate(nb)
    return nb
