"""The dashboard's words: honest about special and common cause, episodes named by rule and meaning, the
published summary matrix with its value texts and signals."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses.dashboard import MATRIX_COLUMNS, run_dashboard
from thanalysis.narrative import dashboard as words
from thanalysis.narrative.dashboard_values import currency_text, trend_method_text, trend_text

#: the demo's monthly series end in March 2025: a build date soon after keeps them current
CURRENT = "2025-05-01"


@pytest.fixture(scope="module")
def borough(demo):
    return run_dashboard(demo, today=CURRENT)


def _planted_stale(demo) -> set[str]:
    """The metrics the demo plants as stopping early (out of date on any build date)."""
    return {p["metric_id"] for p in demo.planted if p.get("event") == "stops_early"}


@pytest.mark.parametrize("locality", [None, "XL000001", "XL000003"])
def test_narrative_names_every_special_cause_metric_and_no_common_cause_one(demo, locality):
    dash = run_dashboard(demo, locality=locality, today=CURRENT)
    special_seen = 0
    for pid in dash.priority_ids():
        lead, items = words.priority_narrative(dash, pid)
        by_id = {(i.metric_id, i.sex): i for i in items}
        for r in dash.for_priority(pid):
            text = by_id[r.metric.id, r.sex].text
            if r.spc is not None and r.is_special_cause:
                special_seen += 1
                assert "Special cause variation" in text and r.metric.title in lead, text
            else:
                assert "special cause" not in text.lower(), text
                if r.spc is not None:
                    assert "Common cause variation only" in text
                    # a common-cause metric is named in the lead only as out of date, never as a signal
                    assert r.metric.title not in lead or (r.out_of_date and "out of date" in lead.lower())
    assert special_seen >= 3


def test_overview_points_at_the_running_concern(borough, demo):
    text = words.dashboard_overview(borough)
    concern = [r.metric.title for r in borough.charted() if r.ongoing == "concern"]
    assert concern and f"Look first at {concern[0]}" in text
    assert f"{borough.counts['any_special_cause']} monthly or quarterly metrics show special cause" in text
    stale = {r.metric.title for r in borough.out_of_date()}
    # only the series the demo plants as stopping early are out of date soon after its last month
    assert {r.metric.id for r in borough.out_of_date()} == _planted_stale(demo)
    assert f"{len(stale)} metrics of the {len(borough.own())} shown are out of date on 1 May 2025" in text
    html = words.overview_html(borough)
    assert html.startswith(f"<h3>{borough.title_area}</h3>") and "Please note" not in html
    assert html.count("<li>") == len(words.overview_points(borough)) - 1


def test_out_of_date_signals_are_never_still_running(demo):
    stale = run_dashboard(demo, today="2027-01-01")
    text = words.dashboard_overview(stale)
    assert "still running" not in text and "Look first" not in text
    n = len(stale.out_of_date())
    assert 0 < n <= len(stale.own())
    assert f"{n} metrics of the {len(stale.own())} shown are out of date on 1 January 2027" in text
    assert "a concern at the latest data, but that data is out of date: " in text.lower()
    for pid in stale.priority_ids():
        lead, items = words.priority_narrative(stale, pid)
        assert "now in" not in lead and "Out of date:" in lead
        for item in items:
            r = next(r for r in stale.for_priority(pid) if (r.metric.id, r.sex) == (item.metric_id, item.sex))
            assert "still running" not in item.text
            assert ("Out of date: a newer figure was expected by" in item.text) == r.out_of_date
            if r.spc is not None:  # a signal: "from ... to the latest data (..., out of date)", never "since"
                assert " since " not in item.text
    r = next(r for r in stale.charted() if r.ongoing == "concern")
    assert "to the latest data (March 2025, out of date)" in words.metric_narrative(r).text


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
    assert words.describe_episode(shift, last, current=False) == (
        "above the mean for 8 consecutive months from March 2024 to the latest data (October 2024, out of date): "
        "a shift, concern")
    quarters = shift.copy()
    quarters.update({"start": pd.Timestamp("2024-01-01"), "end": pd.Timestamp("2025-10-01"), "n_points": 8})
    assert words.describe_episode(quarters, pd.Timestamp("2025-10-01"), frequency="quarterly") == (
        "above the mean for 8 consecutive quarters since 2024 Q1: a shift, concern")
    assert words.gap_sentence([{"start": pd.Timestamp("2023-04-01"), "end": pd.Timestamp("2023-09-01"), "months": 6}],
                              "quarterly").startswith("No figures for 2023 Q2 to 2023 Q3 (2 quarters)")


def test_signal_summary_in_short():
    eps = pd.DataFrame({"rule": ["outside_limits", "shift"], "side": ["high", "high"], "meaning": ["concern"] * 2,
                        "start": pd.to_datetime(["2022-09-01", "2023-07-01"]),
                        "end": pd.to_datetime(["2022-09-01", "2025-03-01"]), "n_points": [1, 21]})
    assert words.signal_summary(eps) == "outside limits (concern) Sep 2022; shift (concern) Jul 2023-Mar 2025"
    assert words.signal_summary(eps.iloc[:0]) == ""
    assert words.signal_summary(eps, "quarterly") == "outside limits (concern) 2022 Q3; shift (concern) 2023 Q3-2025 Q1"


@pytest.mark.parametrize("value, value_type, unit, text", [
    (0.8137, "proportion", "%", "81.4%"), (1234.4, "count", "attendances", "1,234"),
    (9.14, "other", "micrograms per cubic metre", "9.1 µg/m³"), (float("nan"), "count", "", "no data"),
    (None, "proportion", "%", "no data")])
def test_format_metric_value(value, value_type, unit, text):
    assert words.format_metric_value(value, SimpleNamespace(value_type=value_type, unit=unit)) == text


def test_summary_table_adds_the_words_to_the_matrix(borough):
    table = words.summary_table(borough)
    assert list(table.columns) == words.TABLE_COLUMNS
    assert set(words.TABLE_COLUMNS) - set(MATRIX_COLUMNS) == {"latest_text", "signals", "trend_text", "compared_with"}
    assert set(MATRIX_COLUMNS) - set(words.TABLE_COLUMNS) == {"note"}  # notes are not published
    row = table.set_index("metric_id").loc["dash_emergency_admissions"]
    result = next(r for r in borough.results if r.metric.id == "dash_emergency_admissions")
    assert row["latest_text"] == words.format_metric_value(row["latest_value"], result.metric)
    assert row["signals"] == words.signal_summary(result.headline) and "concern" in row["signals"]
    assert table.loc[table["status"] == "no data", "latest_text"].isna().all()
    charted = words.charted_table(borough)
    assert len(charted) == borough.counts["spc_metrics"]
    stale = {r.metric.title for r in borough.charted() if r.out_of_date}
    assert stale and set(charted.loc[charted["metric"].isin(stale), "currency"]) == {"Out of date"}
    assert set(charted.loc[~charted["metric"].isin(stale), "currency"]) == {"Up to date"}
    assert list(charted.columns) == ["priority", "metric", "area_name", "latest_text", "variation_type",
                                     "assurance_type", "currency"]
    annual = words.annual_table(borough)
    assert len(annual) == borough.counts["annual_indicators"] and annual["trend"].notna().all()
    assert table.loc[table["trend_method"].notna(), "trend_text"].notna().all()


def test_matrix_text_per_priority(demo):
    dash = run_dashboard(demo, locality="XL000001", today=CURRENT)
    texts = words.matrix_text(dash)
    assert [t.priority_id for t in texts] == dash.priority_ids()
    rows = [row for t in texts for row in t.rows]
    assert len(rows) == sum(len(dash.for_priority(p)) for p in dash.priority_ids())
    monthly = [row for row in rows if row["charted"]]
    assert monthly and all(row["window"].endswith(" months") and row["signals"] for row in monthly)
    assert all(row["trend"] and row["context"].endswith(" of data") for row in rows if not row["charted"])
    assert all(row["where"] == dash.locality_name for row in rows)  # the demo has every metric for its localities
    assert all(row["badge"] == "" and " · published " in row["currency"] for row in rows)
    assert texts[0].caption.endswith(f"({dash.title_area})")


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
    dash = run_dashboard(demo, locality="XL000003", today=CURRENT)
    r = next(r for r in dash.charted() if r.metric.id == "dash_rough_sleepers_new")
    assert r.period_word == "month"
    text = words.metric_narrative(r).text
    k = int(r.withheld.sum())
    assert k and f"{k} of the 36 months are not shown, to protect small numbers (fewer than 5)." in text
    assert f"average {r.shown['mean']:.0f} over 36 months" in text and r.shown["mean"] == round(r.summary["mean"])
    row = words.summary_table(dash).set_index("metric_id").loc["dash_rough_sleepers_new"]
    assert row["mean"] == r.shown["mean"] and row["latest_text"] == words.latest_text(r)
    # a metric without small numbers reads as before: exact figures, no sentence about them
    quiet = next(r for r in dash.charted() if not r.withheld.any())
    assert "not shown" not in words.metric_narrative(quiet).text and quiet.shown["mean"] == quiet.summary["mean"]


def test_annual_trend_words_name_the_method_and_never_claim_significance():
    direction = {"method": "direction of travel from the last 5 values, no significance test: the source gives no "
                           "counts or confidence intervals", "recent_trend": None, "reason": None, "direction": "down",
                 "direction_meaning": "better", "direction_from": "2019/20", "direction_points": 5}
    text = trend_text(direction)
    assert text == ("Direction of travel: lower than in 2019/20, the better direction (direction of travel from the "
                    "last 5 values, no significance test: the source gives no counts or confidence intervals)")
    assert "significant " not in text and "significantly" not in text
    assert trend_text(direction, short=True) == "Lower than in 2019/20, the better direction"
    assert trend_method_text(direction) == "Direction of travel over the last 5 values, no significance test"
    flat = {**direction, "direction": "little change", "direction_meaning": None}
    assert trend_text(flat, short=True) == "Little change since 2019/20"
    tested = {**direction, "method": "Fingertips", "recent_trend": "Decreasing and getting better",
              "reason": "No outliers and significant trend", "direction": None}
    assert trend_text(tested) == "Recent trend: decreasing and getting better"
    assert trend_method_text(tested) == "Fingertips recent trend, tested at 99.8%"


def test_sex_specific_metrics_are_labelled_by_sex(borough):
    le = [r for r in borough.results if r.metric.id == "life_expectancy_at_birth"]
    assert [r.sex for r in le] == ["Male", "Female"] and all(r.status == "ok" for r in le)
    texts = [words.metric_narrative(r) for r in le]
    assert [t.text.split(":")[0] for t in texts] == [f"Life expectancy at birth ({s})" for s in ("Male", "Female")]
    table = words.summary_table(borough)
    assert table.loc[table["metric_id"] == "life_expectancy_at_birth", "sex"].tolist() == ["Male", "Female"]


def test_currency_words():
    c = {"latest_period": "2025-02", "period_end": "2025-02-28", "published": "2026-01-13", "expected_lag_months": 3,
         "due_by": "2025-05-28", "out_of_date": True}
    assert currency_text(c) == ("latest data Feb 2025 (to 28 Feb 2025), published 13 Jan 2026. Out of date: a "
                                      "newer figure was expected by 28 May 2025 (3 months after the period ended)")
    assert currency_text({**c, "published": None}, short=True) == "Feb 2025 · publication date not recorded"
