"""Run notebooks/cross_borough.ipynb on the synthetic demo and the real open data (Tower Hamlets and Newham) and
check its published tables against independent calculations from the source files."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.analyses.cross_borough_expected import NEWHAM, TH, Z95, Z998, wilson
from tests.notebook_runner import execute_notebook
from thanalysis.config import project_root

NOTEBOOK = project_root() / "notebooks" / "cross_borough.ipynb"

pytestmark = pytest.mark.slow


def run(out_dir: Path, **parameters) -> tuple[Path, float]:
    took = execute_notebook(NOTEBOOK, out_dir, **parameters)
    (out_dir / "runtime.txt").write_text(f"{took:.1f}\n")
    return out_dir, took


def result(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "results" / f"{name}.csv", dtype={"area_code": str, "indicator_id": str,
                                                               "period": str, "origin": str, "destination": str})


@pytest.fixture(scope="module")
def demo_run(demo_root, tmp_path_factory):
    return run(tmp_path_factory.mktemp("cross-demo"), data_root=str(demo_root))


@pytest.fixture(scope="module")
def real_run(open_data_root, tmp_path_factory):
    return run(tmp_path_factory.mktemp("cross-real"), data_root=str(open_data_root))


# ---------------------------------------------------------------------------------------------------------------
# demo
# ---------------------------------------------------------------------------------------------------------------
def test_demo_benchmark_labels_match_a_hand_calculation(demo_run, demo_root):
    out, _ = demo_run
    comps = result(out, "benchmark_comparisons")
    values = pd.read_csv(demo_root / "values.csv", dtype={"period": str, "area_code": str, "category": str,
                                                          "category_type": str}, keep_default_na=False,
                         na_values={"value": [""], "lower_ci_95": [""], "upper_ci_95": [""],
                                    "lower_ci_99_8": [""], "upper_ci_99_8": [""]})
    ind = pd.read_csv(demo_root / "indicators.csv").set_index("indicator_id")
    head = values[(values["category"] == "") & (values["sex"] == "Persons")]
    checked = 0
    for row in comps.itertuples():  # sex-specific series have no Persons row and are skipped below
        bench = "X92000001" if row.benchmark == "Country" else "X12000001"
        me = head[(head["indicator_id"] == row.indicator_id) & (head["area_code"] == "X09000001")
                  & (head["period"] == row.period)]
        b = head[(head["indicator_id"] == row.indicator_id) & (head["area_code"] == bench)
                 & (head["period"] == row.period)]
        if me.empty or b.empty:
            continue
        me, bv = me.iloc[0], b["value"].iloc[0]
        pol = ind.loc[row.indicator_id, "polarity"]
        for suffix, col in (("95", "comparison_95"), ("99_8", "comparison_99_8")):
            lo, hi = me[f"lower_ci_{suffix}"], me[f"upper_ci_{suffix}"]
            if pd.isna(lo):
                expected = "Not compared"
            else:
                direction = 1 if lo > bv else (-1 if hi < bv else 0)
                up, down = {"higher_is_better": ("Better", "Worse"), "lower_is_better": ("Worse", "Better"),
                            "no_judgement": ("Higher", "Lower")}[pol]
                expected = up if direction > 0 else (down if direction < 0 else "Similar")
            assert getattr(row, col) == expected, (row.indicator_id, row.benchmark, suffix)
            checked += 1
    assert checked >= 40


def test_demo_flow_tables_add_up(demo_run, demo_root):
    out, _ = demo_run
    flows = pd.read_csv(demo_root / "flows.csv", dtype=str)
    flows["count"] = flows["count"].astype(float)
    latest = flows[flows["period"] == sorted(flows["period"].unique())[-1]]
    long = result(out, "flows_between_boroughs")
    assert long["count"].sum() == pytest.approx(latest["count"].sum())
    assert np.allclose(long.groupby("origin")["share_of_origin"].sum(), 1.0)
    matrix = result(out, "flow_matrix").set_index("Residents of (rows) / served in (columns)")
    assert matrix.loc["Total", "Total"] == pytest.approx(latest["count"].sum())
    assert matrix.drop(index="Total").drop(columns="Total").to_numpy().sum() == pytest.approx(latest["count"].sum())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["area_code"] == "X09000001" and 0 < summary["share_served_elsewhere"] < 1
    assert summary["summary"] and all(isinstance(s, str) for s in summary["summary"])


def test_demo_trends_and_ranks(demo_run, demo_root):
    out, took = demo_run
    labels = result(out, "trend_labels")
    # every period with a value: ten years for most series, more quarters for the quarterly ones
    values = pd.read_csv(demo_root / "values.csv", dtype={"area_code": str, "indicator_id": str, "period": str})
    periods = values[values["value"].notna()].groupby(["indicator_id", "area_code"])["period"].nunique()
    expected = pd.MultiIndex.from_frame(labels[["indicator_id", "area_code"]]).map(periods)
    assert len(labels) > 0 and (labels["periods"] == expected).all() and labels["periods"].max() > 10
    ranks = result(out, "ranks")
    assert (ranks["rank"] >= 1).all() and (ranks["rank"] <= ranks["of"]).all()
    assert took < 120


# ---------------------------------------------------------------------------------------------------------------
# real data
# ---------------------------------------------------------------------------------------------------------------
def test_real_values_and_intervals_match_the_fingertips_export(real_run, open_data_root):
    out, took = real_run
    table = result(out, "comparator_values")
    raw = pd.read_csv(open_data_root / "indicators/fingertips_93759_fuel_poverty_london_LAs.csv",
                      encoding="utf-8-sig", dtype={"Time period": str})
    raw = raw[raw["Category Type"].isna()]
    fuel = table[table["indicator_id"] == "93759"]
    assert len(fuel) == 10
    for row in fuel.itertuples():
        src = raw[(raw["Area Code"] == row.area_code) & (raw["Time period"] == row.period)].iloc[0]
        assert row.value == pytest.approx(src["Value"], rel=1e-9)
        assert row.value == pytest.approx(100 * src["Count"] / src["Denominator"], rel=1e-9)
        assert (row.count, row.denominator) == (src["Count"], src["Denominator"])
        lo, hi = wilson(src["Count"], src["Denominator"], Z95)
        assert row.lower_ci_95 == pytest.approx(100 * lo, rel=1e-8)
        assert row.upper_ci_95 == pytest.approx(100 * hi, rel=1e-8)
        lo, hi = wilson(src["Count"], src["Denominator"], Z998)
        assert row.lower_ci_99_8 == pytest.approx(100 * lo, rel=1e-8)
    pm = pd.read_csv(open_data_root / "indicators/fingertips_93867_pm25_london_LAs.csv", encoding="utf-8-sig",
                     dtype={"Time period": str})
    pm_th = table[(table["indicator_id"] == "93867") & (table["area_code"] == TH)].iloc[0]
    assert pm_th["value"] == pytest.approx(pm[(pm["Area Code"] == TH) & (pm["Time period"] == "2020")]["Value"].iloc[0])
    labels = result(out, "trend_labels")
    assert (labels.loc[labels["indicator_id"] == "93867", "trend"] == "Cannot be calculated: fewer than 5 periods").all()
    assert took < 60, f"real-data notebook took {took:.0f} s"


def test_real_registered_population_and_pcns(real_run, open_data_root):
    out, _ = real_run
    gp = pd.read_csv(open_data_root / "gp/hoc_gp_practice_demographics_apr2020.csv")
    mapping = pd.read_csv(open_data_root / "gp/gp-reg-pat-prac-map_sep2020.csv")
    th = mapping[mapping["CCG_CODE"] == "08V"]
    pcns = result(out, "pcn_list_sizes")
    assert len(pcns) == 8 and pcns["practices"].sum() == len(th) == 35
    assert pcns["registered"].sum() == gp[gp["PRACTICE_CODE"].isin(th["PRACTICE_CODE"])]["Total"].sum()
    reg = result(out, "registered_vs_resident").set_index("area_code")
    assert reg.loc[TH, "registered"] == 343398 and reg.loc[TH, "residents"] == 310306
    summary = json.loads((out / "summary.json").read_text())
    assert summary["comparator_group"] == "nel" and summary["indicators"] >= 28
    sources = json.loads((out / "sources.json").read_text())
    paths = {s["path"] for s in sources["sources"]}
    assert "indicators/fingertips_93759_fuel_poverty_london_LAs.csv" in paths


def test_real_themes_currency_caveat_and_fingertips(real_run, open_data_root):
    out, _ = real_run
    series = result(out, "series_summary")
    for prefix in ("ft_", "hclic_", "dfe_", "oflog_asc_", "hi_"):
        assert series["indicator_id"].str.startswith(prefix).any(), prefix
    assert series["currency"].notna().all() and series["out_of_date"].isin([True, False]).all()
    assert (series.loc[series["source_comparison"].fillna("") != "", "source_method"].str.contains("Fingertips")).all()
    older = result(out, "older_shares").set_index("area_code")
    assert older.loc[TH, "percent"] == pytest.approx(5.6, abs=0.05)
    assert older.loc["E92000001", "percent"] == pytest.approx(18.4, abs=0.05)
    ft = result(out, "fingertips_recomputed")
    raw = pd.read_csv(open_data_root / "fingertips/suicide_export_london_2015_17/indicators-CountyUA.data london.csv",
                      dtype={"IndicatorID": str})
    src = raw[(raw["IndicatorID"] == "91390") & (raw["AreaCode"] == TH)].iloc[0]
    mine = ft[(ft["indicator_id"] == "91390") & (ft["area_code"] == TH)].iloc[0]
    assert mine["our_lower_ci_95"] == pytest.approx(src["Lower_CI_95.0_limit"], rel=1e-6)
    assert mine["our_upper_ci_95"] == pytest.approx(src["Upper_CI_95.0_limit"], rel=1e-6)
    assert mine["fingertips_comparison"] == "Similar to England"
    assert (out / "results" / "fingertips_spine.csv").is_file()


def test_second_borough_newham(open_data_root, tmp_path):
    out, took = run(tmp_path / "newham", data_root=str(open_data_root), area_code=NEWHAM, comparator_group="INEL")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["area_code"] == NEWHAM and summary["area_name"] == "Newham"
    assert set(summary["comparators"]) == {"E09000001", "E09000012", NEWHAM, TH}
    reg = result(out, "registered_vs_resident").set_index("area_code")
    gp = pd.read_csv(open_data_root / "gp/hoc_gp_practice_demographics_apr2020.csv")
    mapping = pd.read_csv(open_data_root / "gp/gp-reg-pat-prac-map_sep2020.csv")
    newham = mapping[mapping["CCG_CODE"] == "08M"]
    assert reg.loc[NEWHAM, "registered"] == gp[gp["PRACTICE_CODE"].isin(newham["PRACTICE_CODE"])]["Total"].sum()
    comps = result(out, "benchmark_comparisons")
    assert set(comps["area_name"]) == {"Newham"}
    assert took < 60


# ---------------------------------------------------------------------------------------------------------------
# in the browser
# ---------------------------------------------------------------------------------------------------------------
def _render(out: Path, name: str) -> Path:
    import nbformat

    from thanalysis.publish.html import render_report

    nb = nbformat.read(out / "executed.ipynb", as_version=4)
    sources = json.loads((out / "sources.json").read_text())
    page = out / f"{name}.html"
    render_report(nb, page, provenance={
        "data_statement": sources["data_statement"], "sources": sources["sources"], "parameters": {},
        "package_version": "test", "git_commit": "test", "built_at": "2024-01-01T00:00:00Z",
        "notebook": "notebooks/cross_borough.ipynb"})
    return page


@pytest.mark.parametrize("which", ["demo", "real"])
def test_report_renders_offline_with_map_and_flow_chart(which, request, test_output_dir):
    from tests.browser_util import chromium_path, launch_browser, open_offline, screenshot

    if chromium_path() is None:
        pytest.skip("Chromium is not installed")
    out, _ = request.getfixturevalue(f"{which}_run")
    page_file = _render(out, f"cross_borough_{which}")
    with launch_browser() as browser, open_offline(browser, page_file, viewport=(1200, 900)) as (page, record):
        page.wait_for_timeout(1500)
        assert page.locator("h1").first.inner_text().startswith("Cross-borough comparison")
        frame = page.frame_locator("iframe.th-map-frame").first
        assert frame.locator("path.leaflet-interactive").count() >= 8
        if which == "demo":
            assert page.locator("svg.th-sankey").count() == 1
            assert page.locator("svg.th-sankey > title").first.text_content().startswith("Where residents are served")
        screenshot(page, test_output_dir, f"cross_borough_{which}_first_screen", full_page=False)
        spine = page.locator("figure.th-figure img[alt^='Spine chart']").first
        spine.scroll_into_view_if_needed()
        spine.screenshot(path=str(test_output_dir / f"cross_borough_{which}_spine.png"))
        if which == "demo":
            page.locator("svg.th-sankey").first.screenshot(path=str(test_output_dir / "cross_borough_demo_sankey.png"))
        assert record.problems() == []
