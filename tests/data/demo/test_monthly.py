"""The demo's monthly metrics (``thanalysis.data.demo.monthly``): planted special causes that the project's SPC
function finds, and null series it finds quiet."""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.data.demo.common import HOME_CODE
from thanalysis.data.demo.monthly import detected, quiet
from thanalysis.priorities import load_priorities
from thanalysis.stats.spc import spc


# --- monthly dashboard metrics and planted special causes -------------------------------------------------------
def test_monthly_metrics(store, values, meta):
    ids = meta["monthly_metric_ids"]
    assert ids == load_priorities().monthly_metric_ids(demo_only=True)
    assert len(ids) >= 8
    m = values[values["indicator_id"].isin(ids)]
    per_area = m.groupby(["indicator_id", "area_code"])["period"].nunique()
    assert (per_area == 48).all()
    areas = m.groupby("indicator_id")["area_code"].apply(set)
    assert (areas == {HOME_CODE, "XL000001", "XL000002", "XL000003", "XL000004"}).all()
    assert set(store.indicators().set_index("indicator_id").loc[ids, "frequency"]) == {"monthly"}


def test_planted_events_recorded(meta):
    events = {p["event"] for p in meta["planted"]}
    assert {"shift", "trend", "outlier", "none", "stops_early"} == events
    spc_events = [p for p in meta["planted"] if p["event"] != "stops_early"]
    assert [p["metric_id"] for p in spc_events] == meta["monthly_metric_ids"]
    for p in spc_events:
        if p["event"] != "none":
            assert p["start"] <= p["end"] and p["direction"] in ("up", "down") and p["areas"]


def _spc_table(values, metric, area, polarity):
    s = values[(values["indicator_id"] == metric) & (values["area_code"] == area)].sort_values("period")
    direction = {"higher_is_better": "increase", "lower_is_better": "decrease"}.get(polarity, "neutral")
    return spc(s.assign(date=s["period_start"]), "value", "date", improvement_direction=direction)


def test_planted_events_are_found_by_spc_and_null_series_are_quiet(store, values, meta):
    """Independent check with the project's SPC implementation (thanalysis.stats.spc), not the generator's."""
    polarity = store.indicators().set_index("indicator_id")["polarity"]
    for p in meta["planted"]:
        for area in p["quiet_areas"]:
            table = _spc_table(values, p["metric_id"], area, polarity[p["metric_id"]])
            assert not table["special_cause_flag"].any(), (p["metric_id"], area)
        if p["event"] == "none":
            continue
        for area in p["areas"]:
            table = _spc_table(values, p["metric_id"], area, polarity[p["metric_id"]])
            period = table["date"].dt.strftime("%Y-%m")
            inside = (period >= p["start"]) & (period <= p["end"])
            rule = {"shift": "run", "trend": "trend", "outlier": "outside_limits"}[p["event"]]
            assert table.loc[inside, rule].any(), (p["metric_id"], area, p["event"])
            if p["event"] == "outlier":
                assert table.loc[inside, "outside_limits"].all() and not table.loc[~inside, "outside_limits"].any()
            side = table.loc[inside, "value"].mean() - table.loc[~inside, "value"].mean()
            assert np.sign(side) == (1 if p["direction"] == "up" else -1), (p["metric_id"], area)


def test_the_generator_checks_agree_with_the_spc_function():
    """The generator checks series on arrays (too often to build an SPC table each time); what it decides must be
    what :func:`thanalysis.stats.spc.spc` decides on the same series: quiet under screened and unscreened limits
    with runs and trends of 6, and a planted event found by the rules of 7 inside its window."""
    rng = np.random.default_rng(12)
    dates = pd.date_range("2021-04-01", periods=48, freq="MS")
    outcomes = {"quiet": set(), "shift": set(), "trend": set(), "outlier": set()}
    for i in range(80):
        y = rng.normal(size=48)
        if i % 4 == 1:
            y[27:] += rng.uniform(0, 2.5)
        elif i % 4 == 2:
            y[36:] = np.sort(y[36:]) + np.linspace(0, rng.uniform(0, 3), 12)
        elif i % 4 == 3:
            y[17] += rng.uniform(1, 6)

        def table(screen, length, y=y):
            return spc(pd.DataFrame({"date": dates, "value": y}), screen_outliers=screen, run_length=length)

        is_quiet = not any(table(screen, 6)["special_cause_flag"].any() for screen in (True, False))
        assert quiet(y) == is_quiet, i
        wide = table(False, 7)
        checks = {
            "shift": (27, 47, wide["run"].to_numpy()[27:].sum() >= 7),
            "trend": (36, 47, wide["trend"].to_numpy()[36:].sum() >= 7),
            "outlier": (17, 17, bool(wide["outside_limits"].iloc[17])
                        and not table(True, 7)["outside_limits"].drop(index=17).any()),
        }
        for event, (start, end, expected) in checks.items():
            assert detected(y, event, start, end) == expected, (i, event)
            outcomes[event].add(expected)
        outcomes["quiet"].add(is_quiet)
    assert all(found == {True, False} for found in outcomes.values()), outcomes
