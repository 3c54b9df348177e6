"""Run notebooks/inequalities.ipynb with papermill on the demo and on the real open data (Tower Hamlets and
Hackney) and check its published tables against values computed here from the raw source files."""
from __future__ import annotations

import ast
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.analyses.inequality_fixtures import wilson
from tests.notebook_runner import execute_notebook
from thanalysis.analyses.inequalities import short_name
from thanalysis.config import project_root

NOTEBOOK = project_root() / "notebooks" / "inequalities.ipynb"
pytestmark = pytest.mark.slow


def run_notebook(out: Path, **parameters) -> tuple[Path, float]:
    return out, execute_notebook(NOTEBOOK, out, **parameters)


def notebook_text_of(cell: dict) -> str:
    parts = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        parts.append("".join(data.get("text/markdown", [])) + "".join(data.get("text/html", [])))
    return "\n".join(parts)


def notebook_text(out: Path) -> str:
    nb = json.loads((out / "executed.ipynb").read_text())
    return "\n".join(notebook_text_of(cell) for cell in nb["cells"])


# --- structure -------------------------------------------------------------------------------------------
#: What the notebook's cells may call: the run, figures, narrative, notebook helpers and the display functions.
ALLOWED_CALLS = {"open_store", "run_inequalities", "figures", "say", "notebook", "show_figure", "show_map", "display",
                 "Markdown"}


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            root = node.func
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in ALLOWED_CALLS:
                yield None
            else:
                yield ast.unparse(node.func)


def test_cells_only_call_run_figures_narrative_and_notebook_helpers():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and "parameters" not in c["metadata"].get("tags", [])]
    assert len(cells) == 13
    for cell in cells:
        tree = ast.parse("".join(cell["source"]))
        others = sorted({c for c in _calls(tree) if c is not None})
        assert not others, f"a cell computes with {others}"
        indexing = [ast.unparse(n) for n in ast.walk(tree) if isinstance(n, ast.Subscript)]
        assert not indexing, f"a cell picks rows or columns itself: {indexing}"


# --- demo ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from thanalysis.data.demo import write_demo

    root = tmp_path_factory.mktemp("ineq-demo-data")
    write_demo(root)
    out, seconds = run_notebook(tmp_path_factory.mktemp("ineq-demo-out"), data_root=str(root))
    print(f"demo notebook: {seconds:.1f} s")
    return root, out


def test_demo_ward_values_match_raw_lsoa_counts(demo_run):
    root, out = demo_run
    values = pd.read_csv(root / "values.csv", dtype={"area_code": str, "period": str})
    lookups = pd.read_csv(root / "lookups.csv", dtype=str)
    ward_of = lookups[(lookups.child_type == "lsoa21") & (lookups.parent_type == "ward22")].set_index("child_code")["parent_code"]
    lsoa = values[(values.indicator_id == "no_qualifications") & (values.area_type == "lsoa21")]
    sums = lsoa.assign(ward=lsoa.area_code.map(ward_of)).groupby(["ward", "period"])[["count", "denominator"]].sum()
    table = pd.read_csv(out / "results" / "values_by_ward.csv", dtype={"area_code": str, "period": str})
    got = table[(table.indicator_id == "no_qualifications") & (table.area_type == "ward22")]
    assert len(got) == 200
    for row in got.itertuples():
        c, n = sums.loc[(row.area_code, row.period)]
        assert row.value == pytest.approx(100 * c / n, rel=1e-8)
        lo, hi = wilson(c, n)
        assert row.lower_ci_95 == pytest.approx(100 * lo, rel=1e-8)
        assert row.upper_ci_95 == pytest.approx(100 * hi, rel=1e-8)


def test_demo_summary_mentions_largest_gaps_and_narrowing(demo_run):
    root, out = demo_run
    summary = json.loads((out / "summary.json").read_text())
    largest = pd.read_csv(out / "results" / "largest_gaps.csv")
    text = " ".join(summary["summary"])
    assert len(largest) == 3
    for name in largest["name"]:
        assert re.sub(r" \((Census 2021|synthetic)\)$", "", name) in text
    assert summary["largest_gaps"] == list(largest["indicator_id"])
    marker = json.loads((root / "thanalysis-demo.json").read_text())
    planted = [i for i in marker["narrowing_gaps"] if i in summary["gap_directions"]]
    assert "narrowing" in {summary["gap_directions"][i] for i in planted}
    assert summary["has_ethnic_breakdown"] and summary["has_localities"]
    assert (out / "results" / "values_by_ethnic_group.csv").is_file()
    assert (out / "results" / "sii_trend.csv").is_file()
    sources = json.loads((out / "sources.json").read_text())
    assert sources["kind"] == "demo" and sources["sources"]


def test_demo_deprivation_gaps_match_raw_quintile_sums(demo_run):
    root, out = demo_run
    values = pd.read_csv(root / "values.csv", dtype={"area_code": str, "period": str})
    score = values[(values.indicator_id == "imd_score") & (values.area_type == "lsoa21")].set_index("area_code")["value"]
    n = len(score)
    quintile = 6 - (((n + 1 - (-score).rank(method="min")) * 5 / n).apply(math.ceil))
    lsoa = values[(values.indicator_id == "overcrowding") & (values.area_type == "lsoa21") & (values.period == "2023")]
    q = lsoa.assign(q=lsoa.area_code.map(quintile)).groupby("q")[["count", "denominator"]].sum()
    gaps = pd.read_csv(out / "results" / "deprivation_gaps.csv", dtype={"period": str})
    row = gaps[(gaps.indicator_id == "overcrowding") & (gaps.group_type == "quintile") & (gaps.period == "2023")].iloc[0]
    assert row.most_deprived_value == pytest.approx(100 * q.loc[1, "count"] / q.loc[1, "denominator"], rel=1e-8)
    assert row.least_deprived_value == pytest.approx(100 * q.loc[5, "count"] / q.loc[5, "denominator"], rel=1e-8)


# --- real data -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def th_run(open_data_root, tmp_path_factory):
    out, seconds = run_notebook(tmp_path_factory.mktemp("ineq-th"), data_root=str(open_data_root))
    print(f"Tower Hamlets notebook: {seconds:.1f} s")
    return out, seconds


def _raw_census(open_data_root, table, level):
    return pd.read_csv(open_data_root / "population" / "census2021" / f"census2021-{table}-{level}.csv")


def test_th_ward_social_renting_from_raw_census(open_data_root, th_run):
    out, _ = th_run
    raw = _raw_census(open_data_root, "ts054", "lsoa")
    raw = raw[raw["geography"].str.startswith("Tower Hamlets ")]
    assert len(raw) == 169
    gla = pd.read_csv(open_data_root / "lookups" / "lsoa21_ward22_best_fit_EW_gla.csv")
    ward_of = gla.set_index("lsoa21cd")["ward22cd"]
    raw = raw.assign(ward=raw["geography code"].map(ward_of))
    sums = raw.groupby("ward")[["Tenure of household: Social rented", "Tenure of household: Total: All households"]].sum()
    table = pd.read_csv(out / "results" / "values_by_ward.csv", dtype={"area_code": str})
    got = table[(table.indicator_id == "census21_social_rented") & (table.area_type == "ward22")].set_index("area_code")
    assert len(got) == 20 and set(got.index) == set(sums.index)
    for code, row in got.iterrows():
        c, n = sums.loc[code]
        assert row["value"] == pytest.approx(100 * c / n, rel=1e-9)
        lo, hi = wilson(c, n)
        assert row["lower_ci_95"] == pytest.approx(100 * lo, rel=1e-8)


def test_th_borough_total_against_ltla_table(open_data_root, th_run):
    out, seconds = th_run
    lsoa = _raw_census(open_data_root, "ts007a", "lsoa")
    ltla = _raw_census(open_data_root, "ts007a", "ltla")
    total = next(c for c in lsoa.columns if c.startswith("Age: Total"))
    summed = lsoa.loc[lsoa["geography"].str.startswith("Tower Hamlets "), total].sum()
    published = ltla.loc[ltla["geography code"] == "E09000030", total].iloc[0]
    assert (summed, published) == (310303, 310306)  # the known LSOA-vs-LTLA rounding
    checks = pd.read_csv(out / "results" / "borough_total_checks.csv")
    row = checks[checks.indicator_id == "census21_aged_65_plus"].iloc[0]
    assert row.summed_denominator == summed and row.published_denominator == published and row.agrees
    assert checks["agrees"].all()
    # about 17 s alone; the limit leaves room for a busy shared machine
    assert seconds < 90, f"the notebook took {seconds:.0f} s on real data"


def test_th_deprivation_and_narrative(open_data_root, th_run):
    out, _ = th_run
    deciles = pd.read_csv(out / "results" / "deprivation_deciles.csv")
    assert deciles["neighbourhoods"].sum() == 169
    assert deciles["neighbourhoods"].between(15, 19).all()  # 169 / 10; LSOAs split from one 2011 LSOA tie
    summary = json.loads((out / "summary.json").read_text())
    largest = pd.read_csv(out / "results" / "largest_gaps.csv")
    text = " ".join(summary["summary"])
    for name in largest["name"]:
        assert short_name(name) in text
    # the largest gaps are outcomes with a direction, never demographic context (age or ethnic-group shares)
    assert (largest["polarity"] != "no_judgement").all() and (largest["role"] != "context").all()
    assert not set(largest["indicator_id"]) & {*summary["context_measures"], "census21_ethnic_group"}
    assert {"census21_aged_65_plus", "census21_aged_0_14"} <= set(summary["context_measures"])
    assert not summary["has_ethnic_breakdown"]  # no table crosses ethnic group with an outcome by small area
    page = notebook_text(out)
    assert "cannot show health outcomes by ethnic group" in page
    # context has its own section, after the outcomes and not under "health and its causes"
    nb = json.loads((out / "executed.ipynb").read_text())
    whole = "\n".join("".join(c["source"]) if c["cell_type"] == "markdown" else notebook_text_of(c)
                       for c in nb["cells"])
    context = whole.index("## Who lives here: demographic context")
    assert whole.index("## Health and its causes by ward and locality") < whole.index("### Health outcomes") < context
    assert "Residents aged 65 and over" not in whole[:context].split("## Health and its causes")[1].split("## Gap")[0]
    assert (out / "results" / "values_by_locality.csv").is_file()
    sii = pd.read_csv(out / "results" / "sii_by_period.csv")
    assert (sii["sii"] > 0).all()  # every Census measure is higher in the most deprived neighbourhoods


def test_th_result_tables_have_ethnic_groups_health_and_disability_by_ward_and_locality(open_data_root, th_run):
    out, _ = th_run
    results = out / "results"
    for level, name in (("ward22", "ward"), ("locality", "locality")):
        values = pd.read_csv(results / f"values_by_{name}.csv", dtype={"area_code": str})
        here = values[values.area_type == level]
        for ind in ("census21_bad_health", "census21_disabled", "census21_overcrowded", "census21_mean_household_size"):
            assert here.loc[here.indicator_id == ind, "area_code"].nunique() == (20 if level == "ward22" else 4), ind
        ethnic = pd.read_csv(results / f"ethnic_groups_by_{name}.csv", dtype={"area_code": str})
        rows = ethnic[ethnic.area_type == level]
        assert rows["area_code"].nunique() == (20 if level == "ward22" else 4)
        assert rows.groupby("category_type")["category"].nunique().to_dict() == \
            {"ethnic_group_broad": 5, "ethnic_group_detailed": 19}
        assert (ethnic["source"] == "published ward table").all()
        shown = rows.dropna(subset=["value"])  # small counts (Roma or Gypsy and Irish Traveller in a ward) suppressed
        assert (shown["lower_ci_95"] <= shown["value"]).all() and (shown["value"] <= shown["upper_ci_95"]).all()
        assert len(shown) >= 0.9 * len(rows)
    # The published ward table's Bethnal Green row (SOURCE.md of population/census2021_ward): 7,315 of 21,092.
    wards = pd.read_csv(results / "ethnic_groups_by_ward.csv", dtype={"area_code": str})
    bg = wards[(wards.area_code == "E05009317") & (wards.category == "Bangladeshi")].iloc[0]
    assert (bg["count"], bg["denominator"]) == (7315, 21092)
    lo, hi = wilson(7315, 21092)
    assert (bg["lower_ci_95"], bg["upper_ci_95"]) == (pytest.approx(100 * lo), pytest.approx(100 * hi))
    # Localities are whole wards: a locality's count is the sum of its published wards'.
    loc = pd.read_csv(results / "ethnic_groups_by_locality.csv", dtype={"area_code": str})
    b_loc = loc[(loc.category == "Bangladeshi") & (loc.area_type == "locality")]["count"].sum()
    b_ward = wards[(wards.category == "Bangladeshi") & (wards.area_type == "ward22")]["count"].sum()
    assert b_loc == b_ward
    sii = pd.read_csv(results / "ethnic_groups_sii.csv")
    assert sii.loc[sii.category == "Bangladeshi", "sii"].iloc[0] > 0  # more of the most deprived areas' residents
    check = pd.read_csv(results / "ethnic_ward_total_check.csv", dtype={"area_code": str})
    assert check["within_tolerance"].all() and len(check) == 21


def test_hackney_runs_without_localities(open_data_root, tmp_path_factory):
    out, seconds = run_notebook(tmp_path_factory.mktemp("ineq-hackney"), data_root=str(open_data_root),
                                area_code="E09000012")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["area_name"] == "Hackney" and not summary["has_localities"]
    assert not (out / "results" / "values_by_locality.csv").exists()
    assert "has no locality file" in notebook_text(out)
    wards = pd.read_csv(out / "results" / "values_by_ward.csv", dtype={"area_code": str})
    gla = pd.read_csv(open_data_root / "lookups" / "lsoa21_ward22_best_fit_EW_gla.csv")
    raw = _raw_census(open_data_root, "ts054", "lsoa")
    hackney_wards = set(gla.loc[gla.lsoa21cd.isin(raw.loc[raw["geography"].str.startswith("Hackney "), "geography code"]),
                                "ward22cd"])
    assert set(wards.loc[wards.area_type == "ward22", "area_code"]) == hackney_wards
    ethnic = pd.read_csv(out / "results" / "ethnic_groups_by_ward.csv", dtype={"area_code": str})
    assert set(ethnic.loc[ethnic.area_type == "ward22", "area_code"]) == hackney_wards
    assert (ethnic["source"] == "published ward table").all()
    assert seconds < 90


# --- browser ---------------------------------------------------------------------------------------------
def _provenance(out: Path) -> dict:
    src = json.loads((out / "sources.json").read_text())
    return {"data_statement": src["data_statement"], "sources": src["sources"], "parameters": {},
            "package_version": "test", "git_commit": "test", "built_at": "2025-01-01T00:00:00Z",
            "notebook": "notebooks/inequalities.ipynb"}


def _map_state(frame):
    paths = frame.locator("path.leaflet-interactive")
    lengths = paths.evaluate_all("els => els.map(e => (e.getAttribute('d') || '').length)")
    return len(lengths), sum(n > 10 for n in lengths)


def test_map_renders_with_tooltips_in_browser(open_data_root, th_run, test_output_dir):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from browser_util import chromium_path, launch_browser, open_offline, screenshot

    from thanalysis.analyses.inequalities import run_inequalities
    from thanalysis.data.open import open_store
    from thanalysis.figures.inequalities import choropleth
    from thanalysis.figures.maps import map_html

    if chromium_path() is None:
        pytest.skip("Chromium not installed")
    results = run_inequalities(open_store(open_data_root), repetitions=1000)
    m = choropleth(results, results.widest_gap)
    page_file = test_output_dir / "inequalities_map.html"
    page_file.write_text(map_html(m), encoding="utf-8")
    with launch_browser() as browser:
        with open_offline(browser, page_file, viewport=(1000, 700)) as (page, record):
            page.wait_for_timeout(500)
            n, drawn = _map_state(page)
            assert n >= 20 and drawn >= 20  # 20 wards (+ locality outlines are not interactive)
            box = page.locator("path.leaflet-interactive").nth(3).bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_timeout(300)
            tip = " ".join(page.locator(".leaflet-tooltip").all_inner_texts())
            assert "95% confidence interval" in tip and "Count" in tip
            legend = page.locator(".leaflet-control, .th-legend, body").first.inner_text()
            assert results.short_name(results.widest_gap) in legend  # the legend names the measure mapped
            screenshot(page, test_output_dir, "inequalities_map", full_page=False)
            assert record.problems() == []


def test_rendered_report_map_in_browser(th_run, test_output_dir):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import nbformat
    from browser_util import chromium_path, launch_browser, open_offline, screenshot

    from thanalysis.publish.html import render_report

    if chromium_path() is None:
        pytest.skip("Chromium not installed")
    out, _ = th_run
    nb = nbformat.read(out / "executed.ipynb", as_version=4)
    page_file = test_output_dir / "inequalities_report.html"
    render_report(nb, page_file, provenance=_provenance(out))
    with launch_browser() as browser:
        with open_offline(browser, page_file, viewport=(1200, 900)) as (page, record):
            page.wait_for_timeout(1000)
            screenshot(page, test_output_dir, "inequalities_report_first_screen", full_page=False)
            assert "Summary" in page.inner_text("body")
            frame = page.locator("iframe.th-map-frame").first.content_frame
            n, drawn = _map_state(frame)
            assert n >= 20 and drawn == n
            assert record.problems() == []
