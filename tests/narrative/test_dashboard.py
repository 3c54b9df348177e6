"""The dashboard's words: honest about special and common cause, episodes named by rule and meaning, the
published summary matrix with its value texts and signals."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses.dashboard import MATRIX_COLUMNS, run_dashboard
from thanalysis.data.open import open_store
from thanalysis.geography.places import localities_for
from thanalysis.narrative import dashboard as words


@pytest.fixture(scope="module")
def borough(demo):
    return run_dashboard(demo)


@pytest.mark.parametrize("locality", [None, "XL000001", "XL000003"])
def test_narrative_names_every_special_cause_metric_and_no_common_cause_one(demo, locality):
    dash = run_dashboard(demo, locality=locality)
    special_seen = 0
    for pid in dash.priority_ids():
        lead, items = words.priority_narrative(dash, pid)
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


def test_overview_points_at_the_running_concern(borough):
    text = words.dashboard_overview(borough)
    concern = [r.metric.title for r in borough.monthly() if r.ongoing == "concern"]
    assert concern and f"Look first at {concern[0]}" in text
    assert f"{borough.counts['any_special_cause']} monthly metrics show special cause" in text
    html = words.overview_html(borough)
    assert html.startswith(f"<h3>{borough.title_area}</h3>") and "Please note" not in html


def test_episode_phrases_name_the_rule_and_meaning():
    last = pd.Timestamp("2024-10-01")
    shift = pd.Series({"rule": "shift", "side": "high", "meaning": "concern", "start": pd.Timestamp("2024-03-01"),
                       "end": last, "n_points": 8})
    assert words.describe_episode(shift, last) == ("above the mean for 8 consecutive months since March 2024: "
                                                   "a shift, concern")
    trend = shift.copy()
    trend.update({"rule": "trend", "side": "low", "meaning": "improvement", "n_points": 7,
                  "end": pd.Timestamp("2024-09-01")})
    assert words.describe_episode(trend, last) == ("a run of 7 falling points from March 2024 to September 2024: "
                                                   "a trend, improvement")
    single = shift.copy()
    single.update({"rule": "outside_limits", "start": pd.Timestamp("2024-06-01"), "end": pd.Timestamp("2024-06-01"),
                   "n_points": 1})
    assert words.describe_episode(single, last) == "a single point above the upper process limit in June 2024: concern"


def test_signal_summary_in_short():
    eps = pd.DataFrame({"rule": ["outside_limits", "shift"], "side": ["high", "high"], "meaning": ["concern"] * 2,
                        "start": pd.to_datetime(["2022-09-01", "2023-07-01"]),
                        "end": pd.to_datetime(["2022-09-01", "2025-03-01"]), "n_points": [1, 21]})
    assert words.signal_summary(eps) == "outside limits (concern) Sep 2022; shift (concern) Jul 2023-Mar 2025"
    assert words.signal_summary(eps.iloc[:0]) == ""


@pytest.mark.parametrize("value, value_type, unit, text", [
    (0.8137, "proportion", "%", "81.4%"), (1234.4, "count", "attendances", "1,234"),
    (9.14, "other", "micrograms per cubic metre", "9.1 µg/m³"), (float("nan"), "count", "", "no data"),
    (None, "proportion", "%", "no data")])
def test_format_metric_value(value, value_type, unit, text):
    assert words.format_metric_value(value, SimpleNamespace(value_type=value_type, unit=unit)) == text


def test_summary_table_adds_the_words_to_the_matrix(borough):
    table = words.summary_table(borough)
    assert list(table.columns) == words.TABLE_COLUMNS
    assert set(words.TABLE_COLUMNS) - set(MATRIX_COLUMNS) == {"latest_text", "signals"}
    assert set(MATRIX_COLUMNS) - set(words.TABLE_COLUMNS) == {"note"}  # notes are not published
    row = table.set_index("metric_id").loc["dash_emergency_admissions"]
    result = next(r for r in borough.results if r.metric.id == "dash_emergency_admissions")
    assert row["latest_text"] == words.format_metric_value(row["latest_value"], result.metric)
    assert row["signals"] == words.signal_summary(result.headline) and "concern" in row["signals"]
    assert table.loc[table["status"] == "no data", "latest_text"].isna().all()
    monthly = words.monthly_table(borough)
    assert len(monthly) == borough.counts["monthly_metrics"]
    assert list(monthly.columns) == ["priority", "metric", "latest_text", "variation_type", "assurance_type"]
    annual = words.annual_table(borough)
    assert len(annual) == borough.counts["annual_indicators"] and annual["recent_trend"].notna().all()


def test_matrix_text_per_priority(demo):
    dash = run_dashboard(demo, locality="XL000001")
    texts = words.matrix_text(dash)
    assert [t.priority_id for t in texts] == dash.priority_ids()
    rows = [row for t in texts for row in t.rows]
    assert len(rows) == sum(len(dash.for_priority(p)) for p in dash.priority_ids())
    monthly = [row for row in rows if row["monthly"]]
    assert monthly and all(row["window"].endswith(" months") and row["signals"] for row in monthly)
    assert all(row["trend"].startswith(("Recent trend", "No recent trend")) for row in rows if not row["monthly"])
    assert all(row["where"] == "" for row in rows)  # the demo has every metric for its localities
    assert texts[0].caption.endswith(f"({dash.title_area})")


def test_matrix_text_flags_borough_figures_in_a_locality_pack(open_data_root):
    store = open_store(open_data_root)
    dash = run_dashboard(store, locality=localities_for(store.home_area_code)["locality_code"].iloc[0])
    rows = [row for t in words.matrix_text(dash) for row in t.rows]
    shown = [r for p in dash.priority_ids() for r in dash.for_priority(p)]
    assert [row["where"] for row in rows] == [" (whole-borough figure)" if r.level == "borough" else ""
                                              for r in shown]
    assert {r.level for r in shown} == {"borough", "trust"}  # a trust's figures name the trust already


def test_withheld_values_are_said_as_small_numbers():
    count = SimpleNamespace(metric=SimpleNamespace(value_type="count", unit="people"), threshold=5,
                            latest_withheld=True, shown={"latest_value": float("nan")}, spc=object(),
                            withheld=np.array([True, False, True]), series=pd.DataFrame({"value": [1, 2, 3]}))
    assert words.withheld_text(count) == "a small number (fewer than 5)" == words.latest_text(count)
    assert words.withheld_sentence(count) == "2 of the 3 months are not shown, to protect small numbers (fewer than 5)."
    share = SimpleNamespace(**{**vars(count), "metric": SimpleNamespace(value_type="proportion", unit="%"),
                               "latest_withheld": False, "shown": {"latest_value": 0.4286}, "threshold": 10})
    assert words.withheld_text(share) == "not shown (a small number, fewer than 10)"
    assert words.latest_text(share) == "42.9%"
    none = SimpleNamespace(**{**vars(count), "withheld": np.zeros(3, bool)})
    assert words.withheld_sentence(none) == ""


def test_narrative_of_a_locality_with_small_numbers(demo):
    dash = run_dashboard(demo, locality="XL000003")
    r = next(r for r in dash.monthly() if r.metric.id == "dash_rough_sleepers_new")
    text = words.metric_narrative(r).text
    k = int(r.withheld.sum())
    assert k and f"{k} of the 36 months are not shown, to protect small numbers (fewer than 5)." in text
    assert f"average {r.shown['mean']:.0f} over 36 months" in text and r.shown["mean"] == round(r.summary["mean"])
    row = words.summary_table(dash).set_index("metric_id").loc["dash_rough_sleepers_new"]
    assert row["mean"] == r.shown["mean"] and row["latest_text"] == words.latest_text(r)
    # a metric without small numbers reads as before: exact figures, no sentence about them
    quiet = next(r for r in dash.monthly() if not r.withheld.any())
    assert "not shown" not in words.metric_narrative(quiet).text and quiet.shown["mean"] == quiet.summary["mean"]
