"""render_report (thanalysis.publish.html): an executed notebook becomes one self-contained, accessible page with
a provenance section."""
from __future__ import annotations

import base64
import re
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd
import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from shapely.geometry import box

from thanalysis import notebook as report
from thanalysis.config import project_root
from thanalysis.errors import BuildError
from thanalysis.figures import charts, maps
from thanalysis.publish.html import AccessibilityWarning, render_report

from tests.fixtures_render import CODE_MARKER as FIXTURE_CODE_MARKER
from tests.fixtures_render import STDERR_MARKER as FIXTURE_STDERR_MARKER
from tests.fixtures_render import WARNING_MARKER as FIXTURE_WARNING_MARKER
from tests.fixtures_render import build_notebook, grid_gdf, provenance  # noqa: F401 (fixtures)

# pandas' own table HTML has no caption: the page gets one (checked below) and says so with a warning.
pytestmark = pytest.mark.filterwarnings("ignore::thanalysis.publish.html.AccessibilityWarning")

CODE = "code_text_never_published_7d1e"
STDERR = "stderr_text_never_published_41aa"
WARNING = "warning_text_never_published_9c03"
TITLE = "Health of Riverside: a test report"
SECTIONS = [(2, "Who lives here"), (3, "Age and sex"), (2, "Deprivation & income"), (2, "Where people live")]
MAP_TITLE = "Rate per 1,000 people by area"
CHART_ALT = "Bar chart: Bow has the highest rate (12.0) and Wapping the lowest (9.0)"


def tiny_gdf():
    """Four 0.01° squares built in EPSG:4326, one with no value."""
    geoms = [box(-0.06 + 0.01 * i, 51.51, -0.05 + 0.01 * i, 51.52) for i in range(4)]
    return gpd.GeoDataFrame({"area_code": [f"E0100000{i}" for i in range(4)],
                             "area_name": ["Bow", "Poplar", "Wapping", "Mile End"],
                             "value": [12.0, 10.5, 9.0, np.nan]}, geometry=geoms, crs=4326)


def small_notebook(*, extra_cells=()):
    """An executed notebook as papermill leaves it, outputs made with the library's own display helpers."""
    table = pd.DataFrame({"area_name": ["Bow", "Poplar"], "count": [120, 85], "value": [12.0, 10.5]})
    fig, ax = charts.new_figure(5, 3)
    ax.bar(["Bow", "Poplar", "Wapping"], [12.0, 10.5, 9.0])
    chart = charts.show_figure(fig, CHART_ALT, "Figure 1: rates by area.").data
    m = maps.choropleth_map(tiny_gdf(), "value", legend_title="Rate per 1,000")
    map_embed = maps.show_map(m, MAP_TITLE, "Darker areas have higher rates.").data

    def html_out(text):
        return new_output("display_data", data={"text/html": text, "text/plain": "<IPython.core.display.HTML object>"})

    cells = [
        new_code_cell(f"data_root = None  # {CODE}", metadata={"tags": ["parameters"]}, execution_count=1),
        new_markdown_cell(f"# {TITLE}\n\nAn introduction for residents."),
        new_code_cell(f"import thanalysis  # {CODE}", execution_count=2, outputs=[
            new_output("stream", name="stderr", text=f"{STDERR}: a log line\n"),
        ]),
        new_markdown_cell(f"## {SECTIONS[0][1]}\n\nPeople in each area."),
        new_code_cell(f"table  # {CODE}", execution_count=3, outputs=[
            new_output("stream", name="stdout",
                       text=f"/x/site-packages/pandas/core.py:12: FutureWarning: {WARNING}\n  df.groupby(x)\n"
                            "Rows shown: 2\n"),
            new_output("execute_result", execution_count=3,
                       data={"text/html": table._repr_html_(), "text/plain": repr(table)}),
        ]),
        new_markdown_cell(f"### {SECTIONS[1][1]}"),
        new_markdown_cell(f"## {SECTIONS[2][1]}\n\nA chart."),
        new_code_cell(f"charts.show_figure(fig, alt)  # {CODE}", execution_count=4, outputs=[
            html_out(chart),
            new_output("stream", name="stdout", text=f"DeprecationWarning: {WARNING}\n"),
        ]),
        new_markdown_cell(f"## {SECTIONS[3][1]}"),
        new_code_cell(f"maps.show_map(m)  # {CODE}", execution_count=5, outputs=[html_out(map_embed)]),
        *extra_cells,
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    nbformat.validate(nb)
    return nb


def render(nb, out_path: Path, provenance: dict) -> tuple[str, BeautifulSoup]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AccessibilityWarning)
        page = render_report(nb, out_path, provenance=provenance)
    assert out_path.read_text(encoding="utf-8") == page
    return page, BeautifulSoup(page, "html.parser")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("site") / "reports" / "report.html"
    prov = _provenance()
    page, soup = render(small_notebook(), out, prov)
    return page, soup, prov


def _provenance():
    return {
        "data_statement": "This report uses synthetic demonstration data for a fictional borough.",
        "sources": [
            {"dataset": "Demo areas", "path": "areas.csv", "sha256": "a1b2c3d4e5f6" + "0" * 52,
             "publisher": "thanalysis", "licence": "OGL v3", "url": "https://example.org/areas"},
            {"dataset": "Demo values", "path": "values/values.csv", "sha256": "f" * 64, "publisher": "",
             "licence": "", "url": ""},
        ],
        "parameters": {"area_code": "X09000001", "window_months": 24, "data_root": "/somewhere/private/data"},
        "package_version": "9.8.7",
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "built_at": "2025-03-14T09:30:00Z",
        "notebook": "notebooks/borough_profile.ipynb",
    }


# --- what is published ---------------------------------------------------------------------------------------
def test_no_code_stderr_or_warnings(rendered):
    page, soup, _ = rendered
    for marker in (CODE, STDERR, WARNING, "FutureWarning", "DeprecationWarning", "df.groupby"):
        assert marker not in page, marker
    assert "Rows shown: 2" in soup.get_text()  # ordinary printed output stays
    assert not soup.find(class_=re.compile("input|prompt", re.I))


def test_one_h1_the_notebook_title(rendered):
    _, soup, _ = rendered
    h1s = soup.find_all("h1")
    assert len(h1s) == 1
    assert h1s[0].get_text(strip=True) == TITLE
    assert soup.title.get_text() == TITLE
    assert soup.html.get("lang") == "en"


def test_headings_in_order_without_skipped_levels(rendered):
    _, soup, _ = rendered
    main = soup.find("main")
    headings = [(int(h.name[1]), h.get_text(" ", strip=True)) for h in main.find_all(re.compile(r"^h[1-6]$"))]
    assert headings[: len(SECTIONS)] == SECTIONS
    assert headings[len(SECTIONS)] == (2, "Provenance")
    levels = [1] + [level for level, _ in headings]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:]))


def test_contents_list_links_to_every_section(rendered):
    _, soup, _ = rendered
    nav = soup.find("nav")
    links = [(a["href"], a.get_text(strip=True)) for a in nav.find_all("a")]
    h2_texts = [t for level, t in SECTIONS if level == 2] + ["Provenance"]
    assert [text for _, text in links] == h2_texts
    for href, text in links:
        assert href.startswith("#")
        target = soup.find(id=href[1:])
        assert target is not None and target.name == "h2" and target.get_text(strip=True) == text
    ids = [el["id"] for el in soup.find_all(id=True)]
    assert len(ids) == len(set(ids)), "ids must be unique"


def test_images_have_alt_text_and_are_inline(rendered):
    _, soup, _ = rendered
    images = soup.find_all("img")
    assert images
    for img in images:
        assert img.get("alt", "").strip()
        assert img["src"].startswith("data:image/")
    assert any(img["alt"] == CHART_ALT for img in images)
    png = [img for img in images if img["src"].startswith("data:image/png;base64,")]
    assert base64.b64decode(png[0]["src"].split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_map_iframe_is_titled_and_self_contained(rendered):
    page, soup, _ = rendered
    frames = soup.find_all("iframe")
    assert len(frames) == 1
    assert frames[0]["title"] == MAP_TITLE
    assert frames[0].get("srcdoc") and not frames[0].get("src")
    inner = BeautifulSoup(frames[0]["srcdoc"], "html.parser")
    assert "L.geoJSON" in inner.get_text() or "L.geoJSON" in frames[0]["srcdoc"]
    assert not inner.find_all("script", src=True)


def test_nothing_loads_from_the_network(rendered):
    page, soup, _ = rendered
    documents = [soup] + [BeautifulSoup(f["srcdoc"], "html.parser") for f in soup.find_all("iframe")]
    for doc in documents:
        for tag in doc.find_all("script", src=True):
            pytest.fail(f"external script: {tag}")
        for tag in doc.find_all("link", href=True):
            pytest.fail(f"external stylesheet or link: {tag}")
        for tag in doc.find_all(["img", "iframe", "source", "audio", "video", "embed"], src=True):
            assert tag["src"].startswith("data:"), tag["src"][:80]
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", page, flags=re.I)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", page, flags=re.I)
    assert not re.search(r"@import", page)


def test_provenance_lists_sources_parameters_commit_and_time(rendered):
    _, soup, prov = rendered
    section = soup.find("section", class_="th-provenance")
    text = section.get_text(" ", strip=True)
    assert prov["data_statement"] in text
    for source in prov["sources"]:
        assert source["dataset"] in text and source["path"] in text
        assert source["sha256"][:12] in text
    assert "https://example.org/areas" in [a.get("href") for a in section.find_all("a")]
    rows = {tr.find("th").get_text(strip=True): tr.find("td").get_text(strip=True)
            for tr in section.find_all("tr") if tr.find("td") is not None and tr.find("th", scope="row")}
    assert rows["area_code"] == repr("X09000001")
    assert rows["window_months"] == "24"
    # an absolute local path is a parameter value but is never published
    assert "/somewhere/private/data" not in soup.get_text()
    assert "not published" in rows["data_root"]
    assert prov["git_commit"] in text
    assert prov["built_at"] in text
    assert prov["notebook"] in text
    assert "9.8.7" in text
    # the build date is shown in words in the header
    assert "14 March 2025" in soup.find("header").get_text()


def test_same_inputs_give_identical_bytes(tmp_path):
    a, b = tmp_path / "a" / "report.html", tmp_path / "b" / "report.html"
    render(small_notebook(), a, _provenance())
    render(small_notebook(), b, _provenance())
    assert a.read_bytes() == b.read_bytes()


# --- refusals ------------------------------------------------------------------------------------------------
def test_notebook_with_an_error_is_not_published(tmp_path):
    failing = new_code_cell("1/0", execution_count=9, outputs=[
        new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=["Traceback ..."])])
    out = tmp_path / "report.html"
    with pytest.raises(BuildError, match="ZeroDivisionError"):
        render_report(small_notebook(extra_cells=[failing]), out, provenance=_provenance())
    assert not out.exists()


def _with_stdout(text):
    return small_notebook(extra_cells=[new_code_cell("print(path)", execution_count=10, outputs=[
        new_output("stream", name="stdout", text=text)])])


def test_output_folder_path_fails_the_build(tmp_path):
    out = tmp_path / "site" / "report.html"
    nb = _with_stdout(f"Wrote {out.parent / 'results' / 'table.csv'}\n")
    with pytest.raises(BuildError, match="local path") as info:
        render_report(nb, out, provenance=_provenance())
    assert str(out.parent) in str(info.value)
    assert not out.exists()


def test_home_folder_fails_the_build(tmp_path, monkeypatch):
    home = "/home/th-analyst-7f3a"
    monkeypatch.setenv("HOME", home)
    assert str(Path.home()) == home
    out = tmp_path / "report.html"
    with pytest.raises(BuildError, match="local path") as info:
        render_report(_with_stdout(f"Reading {home}/Downloads/deaths.csv\n"), out, provenance=_provenance())
    assert home in str(info.value)
    # the same page without the path builds
    render_report(_with_stdout("Reading Downloads/deaths.csv\n"), out, provenance=_provenance())


def test_project_folder_fails_the_build(tmp_path):
    nb = _with_stdout(f"Loaded {project_root() / 'data' / 'cache' / 'x.csv'}\n")
    with pytest.raises(BuildError, match="local path"):
        render_report(nb, tmp_path / "report.html", provenance=_provenance())


def test_absolute_source_path_fails_the_build(tmp_path):
    prov = _provenance()
    prov["sources"] = [{"dataset": "x", "path": "/data/open/x.csv", "sha256": "0" * 64}]
    with pytest.raises(BuildError, match="absolute"):
        render_report(small_notebook(), tmp_path / "report.html", provenance=prov)


def test_incomplete_provenance_fails_the_build(tmp_path):
    prov = _provenance()
    del prov["git_commit"]
    with pytest.raises(BuildError, match="git_commit"):
        render_report(small_notebook(), tmp_path / "report.html", provenance=prov)


def test_network_resources_in_outputs_are_removed_or_refused(tmp_path):
    cdn = new_code_cell("widget", execution_count=11, outputs=[new_output("display_data", data={
        "text/html": '<script src="https://cdn.example.org/require.min.js"></script>'
                     '<link rel="stylesheet" href="https://cdn.example.org/x.css"><p>Widget text</p>'})])
    page = render_report(small_notebook(extra_cells=[cdn]), tmp_path / "a.html", provenance=_provenance())
    assert "cdn.example.org" not in page and "Widget text" in page
    remote_image = new_code_cell("img", execution_count=12, outputs=[new_output("display_data", data={
        "text/html": '<img alt="logo" src="https://example.org/logo.png">'})])
    with pytest.raises(BuildError, match="logo.png"):
        render_report(small_notebook(extra_cells=[remote_image]), tmp_path / "b.html", provenance=_provenance())


def test_base64_images_that_happen_to_spell_a_path_do_not_fail_the_build(tmp_path, monkeypatch):
    # Base64 uses '/' and letters, so an embedded image can contain "/tmp/..." or a home folder by chance.
    monkeypatch.setenv("HOME", "/home/th")
    spelled = ["/tmp/work", "/home/th/", str(project_root()) + "/", str(tmp_path) + "/"]
    payload = "iVBORw0KGgoAAAA" + "".join(p for p in spelled if re.fullmatch(r"[A-Za-z0-9+/]+", p))
    payload += "A" * (-len(payload) % 4)
    base64.b64decode(payload, validate=True)
    cell = new_code_cell("img", execution_count=13, outputs=[new_output("display_data", data={
        "image/png": payload}, metadata={"image/png": {"alt": "A chart"}})])
    page = render_report(small_notebook(extra_cells=[cell]), tmp_path / "report.html", provenance=_provenance())
    assert payload in page


# --- accessibility fix-ups on an untidy notebook -------------------------------------------------------------
def test_untidy_notebook_is_fixed_up_and_reported(tmp_path, grid_gdf, provenance):
    nb = build_notebook(grid_gdf)
    with pytest.warns(AccessibilityWarning) as caught:
        page = render_report(nb, tmp_path / "report.html", provenance=provenance)
    messages = " | ".join(str(w.message) for w in caught)
    assert "skipped" in messages and "second H1" in messages and "alt text" in messages and "caption" in messages
    soup = BeautifulSoup(page, "html.parser")
    for marker in (FIXTURE_CODE_MARKER, FIXTURE_STDERR_MARKER, FIXTURE_WARNING_MARKER):
        assert marker not in page
    assert len(soup.find_all("h1")) == 1
    assert soup.find(id="a-skipped-level").name == "h3"  # H4 straight after an H2 becomes an H3
    assert soup.find(id="a-second-title").name == "h2"
    for img in soup.find_all("img"):
        assert img.get("alt", "").strip()
    for table in soup.find_all("table"):
        assert table.find("caption") is not None and table.find("caption").get_text(strip=True)
        assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))
    # the banner in the notebook replaces the header's statement (it is said once at the top)
    assert soup.find(class_="th-banner") is not None
    assert soup.find("p", class_="th-statement") is None


def test_report_title_helper_replaces_the_static_h1(tmp_path):
    computed = new_code_cell("report.title(...)", execution_count=2, outputs=[new_output("display_data", data={
        "text/html": report.title("Inequalities in Poplar & Bow").data, "text/plain": "<HTML>"})])
    nb = small_notebook()
    nb.cells.insert(2, computed)
    page = render_report(nb, tmp_path / "report.html", provenance=_provenance())
    soup = BeautifulSoup(page, "html.parser")
    assert [h.get_text(strip=True) for h in soup.find_all("h1")] == ["Inequalities in Poplar & Bow"]
    assert soup.title.get_text() == "Inequalities in Poplar & Bow"
    assert TITLE not in soup.get_text()
