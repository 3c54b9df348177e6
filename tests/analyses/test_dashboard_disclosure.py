"""Small numbers on the priority dashboard: nothing it publishes gives back a count of 1-4.

Checked on the synthetic demo (whose localities add up to the borough, so every pack is one table a reader
can subtract across) and on hand-made analyst extracts in a temporary data root: a count metric with values
1-4, a percentage with counts 1-4 and their denominators, and one small count beside a distinctive
denominator. The attacker (:func:`tests.stats.test_disclosure.worked_out`) uses everything the packs publish
at once: the borough as the sum of its localities, each window's published mean, and the order of every
published trend. The notebook runs end to end on both, and the published CSVs, ``summary.json``, the page's
text and the charts' alt text are searched for the numbers.
"""
from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from tests.notebook_runner import execute_notebook
from tests.stats.test_disclosure import worked_out
from thanalysis.analyses.dashboard import run_dashboard
from thanalysis.config import project_root
from thanalysis.data.open import open_store
from thanalysis.figures.dashboard import metric_charts
from thanalysis.narrative import dashboard as words
from thanalysis.publish.html import render_report
from thanalysis.stats.disclosure import SUPPRESSED_NOTE, strict_runs

BOROUGH = "X09000001"
LOCALITIES = ["XL000001", "XL000002", "XL000003", "XL000004"]
MONTHS = pd.period_range("2022-04", "2025-03", freq="M").strftime("%Y-%m").tolist()
COUNT_ID, SHARE_ID, BESIDE_ID = "dash_rough_sleepers_new", "dash_ehcp_within_20_weeks", "dash_talking_therapies_recovery"
#: the one small count of the "denominator beside a suppressed count" series, and its denominator
BESIDE_MONTH, BESIDE_COUNT, BESIDE_DEN = "2024-06", 3, 1237
NOTEBOOK = project_root() / "notebooks" / "priority_dashboard.ipynb"


def _true_counts(r) -> np.ndarray:
    count = r.series["count"].to_numpy(dtype=float)
    return np.where(np.isnan(count), r.series["value"].to_numpy(dtype=float), count) \
        if r.metric.value_type == "count" else count


# ==============================================================================================================
# The demo: every pack of the borough together
# ==============================================================================================================
@pytest.fixture(scope="module")
def packs(demo_root):
    store = open_store(demo_root)
    return {code: run_dashboard(store, locality=None if code == BOROUGH else code) for code in [BOROUGH, *LOCALITIES]}


def _published(packs, metric_id):
    """Per area: the result, and its rows of the published series table."""
    out = {}
    for code, dash in packs.items():
        r = next(r for r in dash.charted() if r.metric.id == metric_id)
        out[code] = (r, dash.series[dash.series["metric_id"] == metric_id].reset_index(drop=True))
    return out


def _facts(published, *, exact_means: bool = False, hidden_of=None):
    """Cells (area × month) with their true counts, which are hidden, and what a reader knows about them."""
    codes = list(published)
    values, hidden, facts, orders, index = [], [], [], [], {}
    for code in codes:
        r, rows = published[code]
        counts = _true_counts(r)
        shown = rows["count"].to_numpy(dtype=float) if r.metric.value_type != "count" else rows["value"].to_numpy(float)
        mask = np.isnan(shown) if hidden_of is None else hidden_of(counts)
        start = len(values)
        for i, period in enumerate(rows["period"]):
            index[(code, period)] = start + i
        values += counts.tolist()
        hidden += mask.tolist()
        cells = list(range(start, len(values)))
        if r.metric.value_type == "count":
            mean = float(r.spc["mean"].iloc[-1]) if exact_means else float(rows["mean"].iloc[-1])
            n = len(cells)
            if np.isfinite(mean):  # rounded to a whole number when the window has withheld months (rule 5)
                slack = 0.5 * n if (mask.any() and not exact_means) else 1e-6
                facts.append((cells, [1] * n, n * mean - slack, n * mean + slack))
            for run_start, run_stop, direction in strict_runs(counts, r.spc.attrs["spc_options"]["trend_length"]):
                steps = range(start + run_start, start + run_stop - 1)
                orders += [(i, i + 1) if direction > 0 else (i + 1, i) for i in steps]
    for period in published[BOROUGH][1]["period"]:
        cells = [index[(c, period)] for c in codes if (c, period) in index]
        facts.append((cells, [1] + [-1] * (len(cells) - 1), 0, 0))  # the borough is the sum of its localities
    return np.array(values), np.array(hidden), facts, orders


def test_demo_localities_add_up_to_the_borough(packs):
    for metric_id in (COUNT_ID, SHARE_ID, "dash_no_criteria_to_reside"):
        published = _published(packs, metric_id)
        total = _true_counts(published[BOROUGH][0])
        parts = sum(_true_counts(published[c][0]) for c in LOCALITIES)
        np.testing.assert_array_equal(total, parts)


def test_every_small_count_of_the_demo_is_withheld_with_its_value_and_denominator(packs):
    seen = 0
    for code, dash in packs.items():
        for r in dash.charted():
            counts = _true_counts(r)
            rows = dash.series[dash.series["metric_id"] == r.metric.id].reset_index(drop=True)
            small = (counts >= 1) & (counts <= 4)
            seen += int(small.sum())
            assert r.withheld[small].all(), (code, r.metric.id)
            for column in ("value", "count", "denominator"):
                assert rows.loc[r.withheld, column].isna().all(), (code, r.metric.id, column)
            if r.withheld.any():
                assert (rows.loc[r.withheld, "value_note"] == SUPPRESSED_NOTE).all()
            assert rows.loc[~r.withheld, "value"].notna().all()  # what is not withheld is published as it was
    assert seen >= 30  # the demo's localities have small counts (rough sleepers, EHCPs, delayed discharges)
    assert not any(r.withheld.any() for r in packs[BOROUGH].charted())  # the borough's own counts are large


@pytest.mark.parametrize("metric_id", [COUNT_ID, "dash_no_criteria_to_reside", SHARE_ID])
def test_nothing_published_across_the_packs_gives_a_small_count_back(packs, metric_id):
    published = _published(packs, metric_id)
    values, hidden, facts, orders = _facts(published)
    assert hidden.any()
    assert worked_out(values, hidden, facts, orders) == {}


def test_primary_suppression_alone_would_give_counts_back(packs):
    # the attacker is not blind: with only the counts of 1-4 removed and the exact means, it finds them
    found = {}
    for metric_id in (COUNT_ID, "dash_no_criteria_to_reside"):
        values, hidden, facts, orders = _facts(_published(packs, metric_id), exact_means=True,
                                               hidden_of=lambda c: (c >= 1) & (c <= 4))
        found.update({(metric_id, i): v for i, v in worked_out(values, hidden, facts, orders).items()})
    assert found and all(1 <= v <= 4 for v in found.values())


def test_figures_of_a_phase_with_withheld_months_are_rounded(packs):
    dash = packs["XL000003"]
    r = next(r for r in dash.charted() if r.metric.id == COUNT_ID)
    assert r.withheld.any() and (r.derived == 1).all()
    assert r.shown["mean"] == round(r.summary["mean"]) and r.shown["upl"] == round(r.summary["upl"])
    row = dash.table.set_index("metric_id").loc[COUNT_ID]
    assert row["mean"] == r.shown["mean"] and row["lpl"] == r.shown["lpl"]
    share = next(r for r in dash.charted() if r.metric.id == SHARE_ID)
    assert share.withheld.any() and share.shown["mean"] == round(share.summary["mean"], 2)
    untouched = next(r for r in dash.charted() if not r.withheld.any())
    assert untouched.shown["mean"] == untouched.summary["mean"] and (untouched.derived == 0).all()


# ==============================================================================================================
# Hand-made extracts in a temporary data root
# ==============================================================================================================
def _extract_rows() -> pd.DataFrame:
    rng = np.random.default_rng(14)
    n = len(MONTHS)
    # a count metric whose every month is 1-4 (the latest 3)
    small = rng.integers(1, 5, n)
    small[-1] = 3
    count = pd.DataFrame({"indicator_id": COUNT_ID, "period": MONTHS, "value": small.astype(float)})
    # a percentage with counts 1-4 on alternate months, beside their denominators (the latest 3 of 7)
    num = np.where(np.arange(n) % 2 == 0, rng.integers(1, 5, n), rng.integers(5, 9, n))
    den = np.where(np.arange(n) % 2 == 0, rng.integers(6, 10, n), num + rng.integers(3, 7, n))
    num[-1], den[-1] = 3, 7
    share = pd.DataFrame({"indicator_id": SHARE_ID, "period": MONTHS, "count": num, "denominator": den,
                          "value": 100 * num / den})
    # one small count beside a denominator no other month has
    den2 = 1100 + 2 * np.arange(n)
    num2 = np.round(den2 * 0.5).astype(int)
    at = MONTHS.index(BESIDE_MONTH)
    num2[at], den2[at] = BESIDE_COUNT, BESIDE_DEN
    beside = pd.DataFrame({"indicator_id": BESIDE_ID, "period": MONTHS, "count": num2, "denominator": den2,
                           "value": 100 * num2 / den2})
    rows = pd.concat([count, share, beside], ignore_index=True)
    return rows.assign(area_code=BOROUGH, area_type="la")[
        ["indicator_id", "area_code", "area_type", "period", "value", "count", "denominator"]]


@pytest.fixture(scope="module")
def extract_root(demo_root, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("extract-root") / "data"
    shutil.copytree(demo_root, root)
    (root / "extracts").mkdir()
    _extract_rows().to_csv(root / "extracts" / "small_numbers.csv", index=False)
    return root


@pytest.fixture(scope="module")
def extract_dash(extract_root):
    return run_dashboard(open_store(extract_root))


def _result(dash, metric_id):
    return next(r for r in dash.results if r.metric.id == metric_id)


def test_the_extracts_reach_the_dashboard(extract_dash):
    for metric_id in (COUNT_ID, SHARE_ID, BESIDE_ID):
        r = _result(extract_dash, metric_id)
        assert r.series["source"].eq("analyst extract").all() and len(r.series) == 36 and r.spc is not None


def test_count_metric_of_small_numbers_publishes_none(extract_dash):
    r = _result(extract_dash, COUNT_ID)
    assert r.withheld.all() and r.latest_withheld and np.isnan(r.shown["latest_value"])
    rows = extract_dash.series[extract_dash.series["metric_id"] == COUNT_ID]
    assert rows[["value", "count", "denominator"]].isna().all().all()
    row = words.summary_table(extract_dash).set_index("metric_id").loc[COUNT_ID]
    assert np.isnan(row["latest_value"]) and row["latest_text"] == "a small number (fewer than 5)"
    text = words.metric_narrative(r).text
    assert "a small number (fewer than 5) in Mar 2025" in text and "3 in Mar 2025" not in text
    assert "36 months are not shown, to protect small numbers (fewer than 5)" in text
    charts = metric_charts(extract_dash, words.chart_text(extract_dash))
    fig, alt, caption = next(c for c, m in zip(charts, extract_dash.charted(), strict=True) if m.metric.id == COUNT_ID)
    assert "the latest value (a small number, fewer than 5)" in alt and "36 not shown" in alt
    assert "Hollow circles" in caption
    # the chart plots no point at any withheld month's height
    ax = fig.axes[0]
    heights = [y for line in ax.get_lines() if line.get_color() == "#7F7F7F" for y in line.get_ydata()]
    assert np.isnan(heights).all()
    assert all(len(c.get_offsets()) == 0 for c in ax.collections)


def test_percentage_with_small_counts_publishes_neither_count_nor_value_nor_denominator(extract_dash):
    r = _result(extract_dash, SHARE_ID)
    counts = _true_counts(r)
    small = (counts >= 1) & (counts <= 4)
    assert small.sum() >= 18 and r.withheld[small].all() and r.latest_withheld
    rows = extract_dash.series[extract_dash.series["metric_id"] == SHARE_ID].reset_index(drop=True)
    assert rows.loc[r.withheld, ["value", "count", "denominator"]].isna().all().all()
    row = words.summary_table(extract_dash).set_index("metric_id").loc[SHARE_ID]
    assert np.isnan(row["latest_value"]) and row["latest_text"] == "not shown (a small number, fewer than 5)"
    text = words.metric_narrative(r).text
    assert "42.9%" not in text and "not shown (a small number, fewer than 5) in Mar 2025" in text


def test_a_denominator_beside_a_suppressed_count_gives_nothing_back(extract_dash):
    r = _result(extract_dash, BESIDE_ID)
    at = MONTHS.index(BESIDE_MONTH)
    assert r.withheld[at] and r.withheld.sum() >= 2  # a second month protects it from the published mean
    rows = extract_dash.series[extract_dash.series["metric_id"] == BESIDE_ID].reset_index(drop=True)
    assert rows.loc[r.withheld, ["value", "count", "denominator"]].isna().all().all()
    assert not (rows["denominator"] == BESIDE_DEN).any()
    assert r.shown["mean"] == round(r.summary["mean"], 2)
    # what the old publication allowed: the exact mean and the other months give the percentage, and the
    # denominator beside it the count
    exact = r.spc["value"].to_numpy()
    p = len(exact) * r.summary["mean"] - np.delete(exact, at).sum()
    assert round(p * BESIDE_DEN) == BESIDE_COUNT
    # with what is published now: two unknown percentages share what the rounded mean leaves
    published = rows["value"].to_numpy(dtype=float)
    room = len(exact) * (r.shown["mean"] + np.array([-0.005, 0.005])) - np.nansum(published)
    assert room[1] - room[0] > 0.3  # more than 0.3 of a percentage to share: hundreds of possible counts


# ==============================================================================================================
# The notebook end to end: CSVs, summary.json, the page and its alt text
# ==============================================================================================================
def _render(out: Path) -> str:
    nb = nbformat.read(out / "executed.ipynb", as_version=4)
    sources = json.loads((out / "sources.json").read_text())
    provenance = {"data_statement": sources["data_statement"], "sources": sources["sources"],
                  "parameters": {"data_root": None}, "package_version": "test", "git_commit": "test",
                  "built_at": "2025-01-01T00:00:00Z", "notebook": "notebooks/priority_dashboard.ipynb"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return render_report(nb, out / "index.html", provenance=provenance)


def _page_text(page: str) -> tuple[str, dict[str, str]]:
    """The page's visible text with every alt text, and the alt text of each chart by metric title."""
    soup = BeautifulSoup(page, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    alts = {img["alt"]: img["alt"] for img in soup.find_all("img") if img.get("alt")}
    return soup.get_text(" ") + "\n" + "\n".join(alts), alts


@pytest.mark.slow
def test_notebook_on_extracts_publishes_no_small_number(extract_root, extract_dash, tmp_path):
    out = tmp_path / "extracts"
    execute_notebook(NOTEBOOK, out, data_root=str(extract_root))
    page = _render(out)
    text, alts = _page_text(page)
    series = (out / "results" / "dashboard_series.csv").read_text()
    summary_csv = (out / "results" / "dashboard_summary.csv").read_text()
    summary_json = (out / "summary.json").read_text()
    published = {"series": series, "summary": summary_csv, "summary.json": summary_json, "page": text}
    # the distinctive denominator, and the small count's percentage in every form, appear nowhere
    share = BESIDE_COUNT / BESIDE_DEN
    forms = [str(BESIDE_DEN), f"{BESIDE_DEN:,}", f"{share:.10g}", f"{100 * share:.10g}", f"{100 * share:.1f}%",
             f"{100 * share:.2f}%"]
    for name, content in published.items():
        assert not [f for f in forms if re.search(rf"(?<![\d.,]){re.escape(f)}(?!\d)", content)], name
    table = pd.read_csv(out / "results" / "dashboard_series.csv")
    for metric_id in (COUNT_ID, SHARE_ID, BESIDE_ID):
        r = _result(extract_dash, metric_id)
        rows = table[table["metric_id"] == metric_id].reset_index(drop=True)
        assert rows.loc[r.withheld, ["value", "count", "denominator"]].isna().all().all(), metric_id
        assert (rows.loc[r.withheld, "value_note"] == SUPPRESSED_NOTE).all()
    summary = pd.read_csv(out / "results" / "dashboard_summary.csv").set_index("metric_id")
    assert summary.loc[[COUNT_ID, SHARE_ID], "latest_value"].isna().all()
    # the page: the count metric's latest 3 and the percentage's latest 42.9% are said as small numbers
    assert not re.search(r"\b3 in Mar 2025", text) and "42.9%" not in text
    assert "People seen sleeping rough for the first time: a small number (fewer than 5) in Mar 2025" in text
    count_alt = next(a for a in alts if a.startswith("SPC chart of People seen sleeping rough"))
    assert "latest value (a small number, fewer than 5)" in count_alt
    assert not re.search(r"latest value \([0-4]\)", count_alt)
    share_alt = next(a for a in alts if a.startswith("SPC chart of Education, health and care plans"))
    assert "latest value (not shown, a small number, fewer than 5)" in share_alt
    matrix = [th.find_parent("tr").get_text(" ") for th in BeautifulSoup(page, "html.parser").select("table.dash-matrix th")
              if th.get_text().startswith("People seen sleeping rough")]
    assert len(matrix) == 1 and "a small number (fewer than 5)" in matrix[0]


@pytest.mark.slow
def test_notebook_on_a_demo_locality_withholds_its_small_counts(demo_root, packs, tmp_path):
    out = tmp_path / "south-west"
    execute_notebook(NOTEBOOK, out, data_root=str(demo_root), locality="XL000003")
    table = pd.read_csv(out / "results" / "dashboard_series.csv", dtype={"period": str})
    values = pd.read_csv(Path(demo_root) / "values.csv", dtype={"period": str})
    small = values[(values["area_code"] == "XL000003") & values["count"].between(1, 4)
                   & values["indicator_id"].isin(set(table["metric_id"])) & values["period"].isin(set(table["period"]))]
    merged = table.merge(small[["indicator_id", "period"]].rename(columns={"indicator_id": "metric_id"}),
                         on=["metric_id", "period"])
    assert len(merged) == len(small) >= 10
    assert merged[["value", "count", "denominator"]].isna().all().all()
    text, alts = _page_text(_render(out))
    withheld = [r for r in packs["XL000003"].charted() if r.withheld.any()]
    for r in withheld:
        alt = next(a for a in alts if a.startswith(f"SPC chart of {r.metric.title}"))
        assert f"{int(r.withheld.sum())} not shown, to protect small numbers (fewer than 5)" in alt
    assert "Hollow circles at the foot of the chart" in text
