"""The priority dashboard's analysis: planted demo events found, null series quiet, A&E limits checked
independently, locality packs, series found through the store, and the results the report publishes."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses import dashboard as db
from thanalysis.data.extracts import EXTRACTS_ENV
from thanalysis.data.open import open_store
from thanalysis.errors import DataError, StatsInputError
from thanalysis.geography.places import localities_for
from thanalysis.priorities import load_priorities
from thanalysis.stats.episodes import special_cause_episodes

RULE_OF_EVENT = {"shift": "shift", "trend": "trend", "outlier": "outside_limits"}


@pytest.fixture(scope="module")
def marker(demo_root):
    return json.loads((Path(demo_root) / "thanalysis-demo.json").read_text())


@pytest.fixture(scope="module")
def priorities():
    return load_priorities()


@pytest.fixture(scope="module")
def borough(demo):
    return db.run_dashboard(demo)


def _spc_for(store, metric_id, area, priorities, window=48):
    metric = priorities.metric(metric_id)
    series = db.latest_window(db.metric_series(store, metric, area, priorities=priorities), window)
    result, _ = db.metric_spc(series, metric)
    return result


# --- the planted events of the demo --------------------------------------------------------------------------
def test_every_planted_event_is_found_with_its_rule_months_and_meaning(demo, marker, priorities):
    events = [e for e in marker["planted"] if e["event"] != "none"]
    assert len(events) >= 3
    for event in events:
        for area in event["areas"]:
            result = _spc_for(demo, event["metric_id"], area, priorities)
            eps = special_cause_episodes(result)
            start, end = pd.Timestamp(event["start"] + "-01"), pd.Timestamp(event["end"] + "-01")
            side = "high" if event["direction"] == "up" else "low"
            found = eps[(eps["rule"] == RULE_OF_EVENT[event["event"]]) & (eps["side"] == side)
                        & (eps["end"] >= start) & (eps["start"] <= end)]
            assert len(found), (event["metric_id"], area, eps)
            assert set(found["meaning"]) == {event["meaning"]}, (event["metric_id"], area)


def test_null_series_and_quiet_areas_show_nothing(demo, marker, priorities):
    checked = 0
    for event in marker["planted"]:
        for area in event["quiet_areas"]:
            result = _spc_for(demo, event["metric_id"], area, priorities)
            assert (result["point_type"] == "common_cause").all(), (event["metric_id"], area)
            assert special_cause_episodes(result).empty
            checked += 1
    assert checked >= 50


# --- the results object --------------------------------------------------------------------------------------
def test_dashboard_table_rows(demo, priorities):
    table = db.run_dashboard(demo, window_months=48).table
    assert list(table.columns) == db.MATRIX_COLUMNS
    monthly = table[table["frequency"] == "monthly"]
    assert set(priorities.monthly_metric_ids(demo_only=True)) <= set(monthly.loc[monthly["status"] == "ok", "metric_id"])
    # the A&E series: the demo's fictional trust's, through the demo's own extract entries (as the real trust's)
    assert {"ae_attendances_r1h", "ae_4hr_performance_r1h"} <= set(monthly.loc[monthly["status"] == "ok", "metric_id"])
    row = monthly.set_index("metric_id").loc["dash_emergency_admissions"]
    assert row["variation_type"] == "special_cause_concern" and row["variation_side"] == "high"
    assert table.set_index("metric_id").loc["dash_rtt_18_weeks", "assurance_type"] in {"consistent_fail", "inconsistent"}


def test_results_hold_what_the_report_publishes(borough):
    table = borough.table
    assert borough.area_code == "X09000001" and borough.locality is None and borough.title_area == borough.area_name
    # counts agree with the matrix, and with the results they come from
    monthly = borough.charted()
    assert borough.counts["spc_metrics"] == len(monthly) == table["variation_type"].notna().sum()
    assert borough.counts["monthly_metrics"] + borough.counts["quarterly_metrics"] == len(monthly)
    assert borough.counts["latest_concern"] == sum(r.summary["variation_type"] == "special_cause_concern"
                                                   for r in monthly)
    assert borough.counts["any_special_cause"] == sum(r.is_special_cause for r in monthly)
    assert borough.counts["not_available"] == len(borough.missing_table) == (table["status"] == "no data").sum()
    assert borough.variation_counts_agree
    assert list(borough.missing_table.columns) == ["priority", "metric", "frequency"]
    metrics = borough.summary.pop("metrics")
    try:
        assert borough.summary == {
            "area_code": "X09000001", "locality": None, "window_months": 36, **borough.counts,
            "build_date": borough.today.date().isoformat(), "priorities_shown": borough.priority_ids(),
            "special_cause_metrics": sorted(r.metric.id for r in monthly if r.is_special_cause)}
    finally:
        borough.summary["metrics"] = metrics
    shown = [r for r in borough.results if r.status != "no data"]
    assert [(m["metric_id"], m["sex"]) for m in metrics] == [(r.metric.id, r.sex) for r in shown]
    assert all(m["currency"] == r.currency and set(m["currency"]) == set(db.CURRENCY_KEYS) and not m["context"]
               for m, r in zip(metrics, shown, strict=True))
    # one series row per month shown, for every monthly metric with a chart
    assert borough.series.groupby("metric_id").size().to_dict() == {r.metric.id: len(r.series) for r in monthly}
    assert borough.priority_ids() and all(borough.for_priority(p) for p in borough.priority_ids())


def test_folded_signals_are_held_per_metric(borough):
    special = [r for r in borough.charted() if r.is_special_cause]
    assert special
    for r in special:
        assert len(r.headline) <= len(r.episodes) and len(r.changes) + len(r.before_change) == len(r.headline)
        running = set(r.changes.loc[r.changes["end"] == r.latest_date, "meaning"])
        assert r.ongoing == ("concern" if "concern" in running else "improvement" if "improvement" in running else None)
    assert {r.ongoing for r in special} >= {"concern", "improvement"}  # the demo plants both, still running
    for r in borough.charted():
        if not r.is_special_cause:
            assert r.episodes.empty and r.ongoing is None


def test_locality_pack_uses_locality_series(demo):
    dash = db.run_dashboard(demo, locality="XL000003")
    monthly = dash.charted()
    assert monthly and all(r.level == "locality" and r.area_code == "XL000003" for r in monthly)
    assert dash.locality == "XL000003" and dash.summary["locality"] == "XL000003"
    assert dash.title_area == dash.locality_name != dash.area_name
    # the metrics published only for the borough or the trust are context, said once, never the locality's figures
    context = [r for r in dash.results if r.context]
    assert context and all(r.level in ("borough", "trust") and r.area_code != "XL000003" for r in context)
    assert len(dash.notes) == 1 and "not this locality's figures" in dash.notes[0]


def test_unknown_locality_is_a_data_error(demo):
    with pytest.raises(DataError, match="XL999999"):
        db.run_dashboard(demo, locality="XL999999")


def test_window_must_be_months():
    with pytest.raises(StatsInputError):
        db.latest_window(pd.DataFrame({"date": []}), 1)


# --- series reach the analysis through the store -------------------------------------------------------------
def test_analyst_extract_feeds_a_metric(demo_root, tmp_path, monkeypatch, priorities):
    folder = tmp_path / "extracts"
    folder.mkdir()
    months = pd.period_range("2023-01", periods=20, freq="M").strftime("%Y-%m")
    rng = np.random.default_rng(1)
    den = rng.integers(400, 500, len(months))
    count = np.round(den * 0.95).astype(int)
    pd.DataFrame({"indicator_id": "dash_talking_therapies_recovery", "area_code": "XL000002",
                  "area_type": "locality", "period": months, "value": 100 * count / den, "count": count,
                  "denominator": den}).to_csv(folder / "recovery.csv", index=False)
    monkeypatch.setenv(EXTRACTS_ENV, str(folder))
    store = open_store(demo_root)
    series = db.metric_series(store, "dash_talking_therapies_recovery", "XL000002", priorities=priorities)
    assert series["source"].eq("analyst extract").all() and len(series) == 20
    assert series["level"].eq("locality").all()
    np.testing.assert_allclose(series["value"], count / den)
    assert any(s.path == "extracts/recovery.csv" for s in store.sources_used())
    # another area still comes from the store
    other = db.metric_series(store, "dash_talking_therapies_recovery", "XL000001", priorities=priorities)
    assert other["source"].eq("demo").all()


def test_no_series_is_an_empty_table(demo, priorities):
    series = db.metric_series(demo, "ae_4hr_performance_r1h", "X09000002", priorities=priorities)  # not served
    assert series.empty and list(series.columns) == db.SERIES_COLUMNS


# --- real data -----------------------------------------------------------------------------------------------
def test_r1h_four_hour_limits_match_an_independent_calculation(open_data_root):
    """The A&E series is NHS England's trust series in the data root (nhs/trust_monthly_2019_2025), all department
    types: the limits are worked out here from the file itself."""
    raw = pd.read_csv(open_data_root / "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv")
    r1h = raw[raw["nhs_trust22_code"] == "R1H"].assign(month=lambda d: pd.to_datetime(d["date"], format="%B %Y"))
    r1h = r1h.sort_values("month").tail(36)
    y = 1 - r1h["attendances_over_4hours"].to_numpy(float) / r1h["total_attendances"].to_numpy(float)
    mean = y.mean()
    mr = np.abs(np.diff(y))
    amr = mr.mean()
    amr = mr[mr <= 3.267 * amr].mean()  # NHSRplotthedots screening of large moving ranges
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr

    store = open_store(open_data_root)
    dash = db.run_dashboard(store, window_months=36)
    result = next(r for r in dash.results if r.metric.id == "ae_4hr_performance_r1h")
    assert result.level == "trust" and len(result.series) == len(y)
    np.testing.assert_allclose(result.series["value"], y, rtol=1e-12)
    assert result.summary["mean"] == pytest.approx(mean, rel=1e-9)
    assert result.summary["lpl"] == pytest.approx(lpl, rel=1e-9)
    assert result.summary["upl"] == pytest.approx(upl, rel=1e-9)
    assert result.summary["assurance_type"] == ("consistent_fail" if 0.95 > upl else "inconsistent")
    attendances = next(r for r in dash.results if r.metric.id == "ae_attendances_r1h")
    np.testing.assert_array_equal(attendances.series["value"], r1h["total_attendances"].to_numpy(float))
    paths = [s.path for s in store.sources_used()]
    assert "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv" in paths
    assert not any(p.startswith(("/", "..")) for p in paths)  # every input inside the data root


def test_real_locality_pack_says_borough_figures_are_shown(open_data_root):
    code = localities_for("E09000030")["locality_code"].iloc[0]
    dash = db.run_dashboard(open_store(open_data_root), locality=code)
    assert dash.notes and "whole of Tower Hamlets" in dash.notes[0]
    assert {r.level for r in dash.results if r.status == "ok"} <= {"borough", "trust"}


# --- what may be published (small numbers: tests/analyses/test_dashboard_disclosure.py) ------------------------
def test_every_result_marks_what_may_be_published(borough, demo):
    for dash in (borough, db.run_dashboard(demo, locality="XL000001")):
        for r in dash.results:
            if r.status == "no data":
                continue
            assert r.withheld is not None and r.withheld.dtype == bool and len(r.withheld) == len(r.series)
            assert r.shown["latest_value"] == r.series["value"].iloc[-1] or r.latest_withheld
            if r.spc is not None:
                assert set(np.unique(r.derived)) <= {0, 1, 2} and ((r.derived > 0) >= r.withheld).all()
    # the borough's own counts are large: its published figures are the analysis's, to the last digit
    assert not any(r.withheld.any() for r in borough.results if r.withheld is not None)
    assert "value_note" not in borough.series.columns and borough.series.attrs["suppressed_cells"] == 0
    for r in borough.charted():
        assert {k: r.shown[k] for k in ("mean", "lpl", "upl")} == {k: r.summary[k] for k in ("mean", "lpl", "upl")}
    locality = db.run_dashboard(demo, locality="XL000001")
    assert locality.series.attrs["suppressed_cells"] == int(locality.series["value_note"].notna().sum()) > 0
