"""The priority dashboard notebook runs on the demo (borough and every locality) and on the real mirror;
its published tables agree with values computed here from the source files; the page renders offline
with the icons' text alternatives."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from tests.notebook_runner import execute_notebook
from thanalysis.config import project_root

NOTEBOOK = project_root() / "notebooks" / "priority_dashboard.ipynb"
pytestmark = pytest.mark.slow


def _run(tmp_path: Path, name: str, **parameters) -> tuple[Path, nbformat.NotebookNode]:
    out = tmp_path / name
    out.mkdir()
    execute_notebook(NOTEBOOK, out, **parameters)
    return out, nbformat.read(out / "executed.ipynb", as_version=4)


def _demo_values(demo_root: Path) -> pd.DataFrame:
    return pd.read_csv(demo_root / "values.csv", dtype={"period": str, "area_code": str})


def test_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    assert "parameters" in nb.cells[1].metadata.get("tags", [])
    assert "window_months: int = 36" in nb.cells[1].source


@pytest.mark.parametrize("locality", [None, "XL000001", "XL000002", "XL000003", "XL000004"])
def test_demo_pack(tmp_path, demo_root, locality):
    out, nb = _run(tmp_path, f"demo-{locality}", data_root=str(demo_root), locality=locality)
    table = pd.read_csv(out / "results" / "dashboard_summary.csv", dtype={"latest_period": str})
    summary = json.loads((out / "summary.json").read_text())
    area = locality or "X09000001"
    values = _demo_values(demo_root)
    ok = table[(table["status"] == "ok") & table["frequency"].isin(["monthly", "quarterly"])]
    monthly = ok[(ok["frequency"] == "monthly") & (ok["area_code"] == area)]
    assert len(monthly) >= 12
    # the other monthly rows are the trust's (labelled as the whole trust's), never another borough's or locality's
    assert (ok.loc[ok["area_code"] != area, "level"].isin(["trust", "borough"])).all()
    assert (ok.loc[ok["level"] == "trust", "area_name"].str.endswith("(synthetic)")).all()
    # latest value of each monthly metric recomputed from values.csv (percentages back to fractions)
    for row in monthly.itertuples():
        v = values[(values["indicator_id"] == row.metric_id) & (values["area_code"] == area)].sort_values("period")
        last = v.iloc[-1]
        expected = last["count"] / last["denominator"] if row.value_type == "proportion" else last["value"]
        assert row.latest_period == last["period"]
        assert row.latest_value == pytest.approx(expected, rel=1e-9), row.metric_id
    # the planted events that reach this area are special cause in the published table
    marker = json.loads((demo_root / "thanalysis-demo.json").read_text())
    planted = {e["metric_id"] for e in marker["planted"] if e["event"] != "none" and area in e["areas"]}
    flagged = set(monthly.loc[monthly["special_cause"], "metric_id"])
    assert planted <= flagged
    charted = ok[~ok["context"].astype(bool)]
    assert set(summary["special_cause_metrics"]) == set(charted.loc[charted["special_cause"], "metric_id"])
    series = pd.read_csv(out / "results" / "dashboard_series.csv")
    assert set(series["metric_id"]) == set(charted["metric_id"])
    own = series[series["metric_id"].isin(monthly["metric_id"])]
    assert (own.groupby("metric_id").size() == 36).all()
    text = "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "How to read the icons" in text and 'role="img"' in text
    assert json.loads((out / "sources.json").read_text())["kind"] == "demo"
    # no figure of another area is presented as this pack's: in a locality pack the borough's and the trust's are
    # context, listed with their area; the borough's own pack shows the trust's figures labelled as the trust's
    shown = table[table["status"] != "no data"]
    expected = (shown["area_code"] != area) & ~((shown["level"] == "trust") & (locality is None))
    assert (shown["context"].astype(bool) == expected).all()
    assert all(m["currency"]["latest_period"] and "out_of_date" in m["currency"] for m in summary["metrics"])


def test_real_pack_renders_offline_with_icon_text(tmp_path, open_data_root, test_output_dir):
    from tests.browser_util import chromium_path, launch_browser, open_offline, screenshot
    from thanalysis.publish.html import render_report

    out, nb = _run(tmp_path, "real", data_root=str(open_data_root))
    table = pd.read_csv(out / "results" / "dashboard_summary.csv")
    perf = table.set_index("metric_id").loc["ae_4hr_performance_r1h"]
    raw = pd.read_csv(Path(open_data_root) / "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv")
    r1h = raw[raw["nhs_trust22_code"] == "R1H"].assign(month=lambda d: pd.to_datetime(d["date"], format="%B %Y"))
    last = r1h.sort_values("month").iloc[-1]
    assert perf["latest_value"] == pytest.approx(1 - last["attendances_over_4hours"] / last["total_attendances"])
    assert perf["target"] == 0.95 and perf["level"] == "trust"
    assert perf["area_name"] == "Barts Health NHS Trust" and "England" in perf["compared_with"]
    # summary.json: every priority, at least 15 metrics with data, each with its currency
    summary = json.loads((out / "summary.json").read_text())
    assert len(summary["priorities_shown"]) == 9
    metrics = {(m["metric_id"], m["sex"]): m for m in summary["metrics"]}
    assert len({m for m, _ in metrics}) >= 15
    assert all({"latest_period", "period_end", "published", "out_of_date", "area_level"} <= set(m["currency"])
               for m in metrics.values())
    low_income = metrics["children_low_income_families", "Persons"]["currency"]
    assert low_income["latest_period"] == "2016" and low_income["out_of_date"] is True
    assert {("life_expectancy_at_birth", "Male"), ("life_expectancy_at_birth", "Female")} <= set(metrics)
    assert metrics["ae_4hr_performance_r1h", "Persons"]["currency"]["area_level"] == "trust"
    assert summary["quarterly_metrics"] == 2 and summary["out_of_date"] >= 2
    pm25 = table[table["metric_id"] == "air_quality_pm25"]
    assert len(pm25) == 1 and pm25["area_code"].iloc[0] == "E09000030"
    sources = json.loads((out / "sources.json").read_text())
    assert any(s["path"] == "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv"
               for s in sources["sources"])

    html_path = tmp_path / "dashboard.html"
    provenance = {"data_statement": sources["data_statement"], "sources": sources["sources"],
                  "parameters": {"data_root": None}, "package_version": "test", "git_commit": "test",
                  "built_at": "2025-01-01T00:00:00Z", "notebook": "notebooks/priority_dashboard.ipynb"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        render_report(nb, html_path, provenance=provenance)
    if chromium_path() is None:
        pytest.skip("Chromium not installed")
    with launch_browser() as browser, open_offline(browser, html_path) as (page, record):
        icons = page.locator("svg.spc-icon")
        assert icons.count() >= 4
        labels = icons.evaluate_all("els => els.map(e => e.getAttribute('aria-label') + '|' + "
                                    "(e.querySelector('title') || {}).textContent)")
        assert all(a.split("|")[0] and a.split("|")[0] == a.split("|")[1] for a in labels)
        assert any("concern" in a for a in labels) and any("consistently be missed" in a for a in labels)
        assert page.locator("img[alt^='SPC chart of']").count() == summary["spc_metrics"] >= 7
        assert page.locator("span.dash-badge").count() == sum(bool(m["currency"]["out_of_date"])
                                                             for m in summary["metrics"])
        screenshot(page, test_output_dir, "priority_dashboard_real", full_page=False)
        assert record.problems() == []


def test_real_locality_pack_says_so(tmp_path, open_data_root):
    from thanalysis.geography.places import localities_for

    code = localities_for("E09000030")["locality_code"].iloc[-1]
    out, nb = _run(tmp_path, "real-locality", data_root=str(open_data_root), locality=code)
    text = "\n".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells for o in c.get("outputs", []))
    said = "\n".join(str(o.get("data", {}).get(kind, "")) for c in nb.cells for o in c.get("outputs", [])
                     for kind in ("text/html", "text/markdown"))
    assert "whole of Tower Hamlets" in text and "are not this locality" in said
    assert said.count("These metrics are not published for") == 1  # said once
    assert "published only for the whole of Tower Hamlets" in said
    table = pd.read_csv(out / "results" / "dashboard_summary.csv")
    shown = table[table["status"] != "no data"]
    assert not (shown["level"] == "locality").any() and shown["context"].all()  # every figure here is context
    summary = json.loads((out / "summary.json").read_text())
    assert summary["metrics"] and all(m["context"] and m["currency"]["area_code"] != code for m in summary["metrics"])
    assert summary["spc_metrics"] == 0 and "SPC chart of" not in said  # no chart titled with the locality
