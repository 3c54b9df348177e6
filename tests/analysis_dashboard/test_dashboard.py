"""The priority dashboard: planted demo events found, null series quiet, A&E limits checked independently,
narrative honest about special and common cause, extracts read and checked."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses import dashboard as db
from thanalysis.data.extracts import EXTRACTS_ENV, ae_attendances_values, load_extract_sources, read_extract
from thanalysis.data.open import open_store
from thanalysis.errors import ConfigError, DataError, StatsInputError
from thanalysis.narrative.dashboard import describe_episode, metric_narrative, priority_narrative
from thanalysis.priorities import load_priorities

RULE_OF_EVENT = {"shift": "shift", "trend": "trend", "outlier": "outside_limits"}


@pytest.fixture(scope="module")
def demo(demo_root):
    return open_store(demo_root)


@pytest.fixture(scope="module")
def marker(demo_root):
    return json.loads((Path(demo_root) / "thanalysis-demo.json").read_text())


@pytest.fixture(scope="module")
def priorities():
    return load_priorities()


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
            eps = db.special_cause_episodes(result)
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
            assert db.special_cause_episodes(result).empty
            checked += 1
    assert checked >= 50


def test_dashboard_table_rows_and_icons(demo, priorities):
    table = db.dashboard_table(demo, window_months=48)
    assert list(table.columns) == db.TABLE_COLUMNS
    monthly = table[table["frequency"] == "monthly"]
    assert set(priorities.monthly_metric_ids(demo_only=True)) <= set(monthly.loc[monthly["status"] == "ok", "metric_id"])
    # the A&E series is real data only: listed as having no data on the demo
    assert set(table.loc[table["status"] == "no data", "metric_id"]) >= {"ae_attendances_r1h", "ae_4hr_performance_r1h"}
    row = monthly.set_index("metric_id").loc["dash_emergency_admissions"]
    assert row["variation_type"] == "special_cause_concern" and row["variation_side"] == "high"
    assert table.set_index("metric_id").loc["dash_rtt_18_weeks", "assurance_type"] in {"consistent_fail", "inconsistent"}
    html = db.matrix_html(db.build_dashboard(demo), "inel_urgent_care")
    assert 'role="img"' in html and "Special cause variation: concern" in html


def test_locality_pack_uses_locality_series(demo):
    dash = db.build_dashboard(demo, locality="XL000003")
    monthly = [r for r in dash.monthly()]
    assert monthly and all(r.level == "locality" and r.area_code == "XL000003" for r in monthly)
    assert not dash.notes


# --- A&E four-hour performance for Barts Health (R1H), against a plain numpy calculation ---------------------
def test_r1h_four_hour_limits_match_an_independent_calculation(open_data_root, testvectors_root):
    raw = pd.read_csv(testvectors_root / "NHSRplotthedots" / "ae_attendances_NHSRdatasets.csv", dtype={"type": str})
    r1h = raw[(raw["org_code"] == "R1H") & (raw["type"] == "1")].sort_values("period").tail(36)
    y = 1 - r1h["breaches"].to_numpy(float) / r1h["attendances"].to_numpy(float)
    mean = y.mean()
    mr = np.abs(np.diff(y))
    amr = mr.mean()
    amr = mr[mr <= 3.267 * amr].mean()  # NHSRplotthedots screening of large moving ranges
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr

    store = open_store(open_data_root)
    dash = db.build_dashboard(store, window_months=36)
    result = next(r for r in dash.results if r.metric.id == "ae_4hr_performance_r1h")
    assert result.level == "trust" and len(result.series) == len(y)
    np.testing.assert_allclose(result.series["value"], y, rtol=1e-12)
    assert result.summary["mean"] == pytest.approx(mean, rel=1e-9)
    assert result.summary["lpl"] == pytest.approx(lpl, rel=1e-9)
    assert result.summary["upl"] == pytest.approx(upl, rel=1e-9)
    assert result.summary["assurance_type"] == ("consistent_fail" if 0.95 > upl else "inconsistent")
    attendances = next(r for r in dash.results if r.metric.id == "ae_attendances_r1h")
    np.testing.assert_array_equal(attendances.series["value"], r1h["attendances"].to_numpy(float))
    assert any(s.path.endswith("ae_attendances_NHSRdatasets.csv") and not s.path.startswith("/")
               for s in store.sources_used())


def test_real_locality_pack_says_borough_figures_are_shown(open_data_root):
    from thanalysis.geography.places import localities_for

    code = localities_for("E09000030")["locality_code"].iloc[0]
    dash = db.build_dashboard(open_store(open_data_root), locality=code)
    assert dash.notes and "whole of Tower Hamlets" in dash.notes[0]
    assert {r.level for r in dash.results if r.status == "ok"} <= {"borough", "trust"}


# --- the narrative -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("locality", [None, "XL000001", "XL000003"])
def test_narrative_names_every_special_cause_metric_and_no_common_cause_one(demo, locality):
    dash = db.build_dashboard(demo, locality=locality)
    special_seen = 0
    for pid in dash.priority_ids():
        lead, items = priority_narrative(dash, pid)
        by_id = {i.metric_id: i for i in items}
        for r in dash.for_priority(pid):
            text = by_id[r.metric.id].text
            if r.spc is not None and r.is_special_cause:
                special_seen += 1
                assert "Special cause variation" in text and r.metric.title in lead, text
            else:
                assert "special cause" not in text.lower(), text
                if r.spc is not None:
                    assert "Common cause variation only" in text
                    assert r.metric.title not in lead
    assert special_seen >= 3


def test_episode_phrases_name_the_rule_and_meaning():
    last = pd.Timestamp("2024-10-01")
    shift = pd.Series({"rule": "shift", "side": "high", "meaning": "concern", "start": pd.Timestamp("2024-03-01"),
                       "end": last, "n_points": 8})
    assert describe_episode(shift, last) == "above the mean for 8 consecutive months since March 2024: a shift, concern"
    trend = shift.copy()
    trend.update({"rule": "trend", "side": "low", "meaning": "improvement", "n_points": 7,
                  "end": pd.Timestamp("2024-09-01")})
    assert describe_episode(trend, last) == ("a run of 7 falling points from March 2024 to September 2024: "
                                             "a trend, improvement")
    single = shift.copy()
    single.update({"rule": "outside_limits", "start": pd.Timestamp("2024-06-01"), "end": pd.Timestamp("2024-06-01"),
                   "n_points": 1})
    assert describe_episode(single, last) == "a single point above the upper process limit in June 2024: concern"


# --- small units ---------------------------------------------------------------------------------------------
def test_episodes_of_a_hand_made_series():
    dates = pd.date_range("2022-01-01", periods=24, freq="MS")
    y = np.array([10, 11, 9, 10, 12, 9, 11, 10, 9, 11, 10, 12, 9, 10, 11, 10, 9, 11, 10, 30, 10, 11, 9, 10], float)
    from thanalysis.stats.spc import spc

    eps = db.special_cause_episodes(spc(pd.DataFrame({"date": dates, "value": y}), improvement_direction="decrease"))
    assert eps[["rule", "side", "meaning", "n_points"]].values.tolist() == [["outside_limits", "high", "concern", 1]]
    assert eps["start"].iloc[0] == pd.Timestamp("2023-08-01")


def test_segments_split_on_key_and_gaps():
    mask = np.array([1, 1, 0, 1, 1, 1, 0, 1], bool)
    key = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    assert db._segments(mask, key) == [(0, 1), (3, 3), (4, 5), (7, 7)]


def test_window_must_be_months():
    with pytest.raises(StatsInputError):
        db.latest_window(pd.DataFrame({"date": []}), 1)


def test_ae_reader_by_hand():
    raw = pd.DataFrame({"period": ["2019-01-01", "2019-02-01", "2019-01-01"], "org_code": ["R1H", "R1H", "RF4"],
                        "type": ["1", "1", "1"], "attendances": [1000, 800, 5], "breaches": [100, 200, 1],
                        "admissions": [1, 1, 1]})
    out = ae_attendances_values(raw, org_code="R1H", department_type="1",
                                metrics={"a": "attendances", "p": "four_hour_performance"})
    p = out[out["indicator_id"] == "p"]
    assert p["value"].tolist() == [0.9, 0.75] and p["count"].tolist() == [900, 600]
    assert (p["lower_ci_95"] < p["value"]).all() and (p["upper_ci_95"] > p["value"]).all()
    assert out.loc[out["indicator_id"] == "a", "value"].tolist() == [1000, 800]
    bad = raw.assign(breaches=[2000, 1, 1])
    with pytest.raises(DataError):
        ae_attendances_values(bad, org_code="R1H", department_type="1", metrics={"a": "attendances"})


def test_extract_sources_in_sources_yml_and_bad_entries(tmp_path):
    sources = load_extract_sources()
    ae = next(s for s in sources if "ae_4hr_performance_r1h" in s.metrics)
    assert ae.alternates and not ae.file.startswith("/")
    bad = tmp_path / "s.yml"
    bad.write_text("extracts:\n  - {id: x, title: t, publisher: p, licence: l, url: u, file: /abs.csv, "
                   "reader: nhs_ae_attendances, metrics: {m: attendances}}\n")
    with pytest.raises(ConfigError, match="relative to the data root"):
        load_extract_sources(bad)
    bad.write_text("extracts:\n  - {id: x, title: t, publisher: p, licence: l, url: u, file: a.csv, "
                   "reader: excel, metrics: {m: attendances}}\n")
    with pytest.raises(ConfigError, match="reader"):
        load_extract_sources(bad)


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
    np.testing.assert_allclose(series["value"], count / den)
    assert any(s.path == "extracts/recovery.csv" for s in store.sources_used())
    # another area still comes from the store
    other = db.metric_series(store, "dash_talking_therapies_recovery", "XL000001", priorities=priorities)
    assert other["source"].eq("demo").all()


def test_bad_extract_is_a_data_error(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"indicator_id": ["m"], "area_code": ["X"], "area_type": ["la"], "period": ["2024-13"],
                  "value": [1.0]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="not months"):
        read_extract(path)
    pd.DataFrame({"indicator_id": ["m"], "area_code": ["X"], "period": ["2024-01"]}).to_csv(path, index=False)
    with pytest.raises(DataError, match="missing required columns"):
        read_extract(path)
