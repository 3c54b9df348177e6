"""The dashboard beyond monthly series, on hand-made series added to the demo store: quarterly series get SPC
(window, gaps, disclosure, quarter words), annual series by sex, annual series that stop early (out of date),
the direction of travel where there are no counts or intervals, and locality packs that list borough-only
figures once as context, never as the locality's."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses import dashboard as db
from thanalysis.analyses.dashboard_currency import build_date, data_currency
from thanalysis.narrative import dashboard as words
from thanalysis.priorities import parse_priorities
from thanalysis.vocabulary import CANONICAL_COLUMNS

BOROUGH, LOCALITIES = "X09000001", ["XL000001", "XL000002", "XL000003", "XL000004"]
QUARTERS = [f"{y} Q{q}" for y in range(2020, 2025) for q in range(1, 5)]  # 20 quarters, 2020 Q1 to 2024 Q4
BUILT = "2025-03-01"  # the quarterly series (to 31 Dec 2024) are current on this date, the stale one is not

PRIORITIES = {
    "priorities": [{"id": "homes", "title": "Homes", "kind": "call_to_action", "description": "Homes."}],
    "metrics": [
        {"id": "q_count", "title": "Households made homeless", "priority": "homes", "service_area": "housing",
         "source": "test", "indicator_id": None, "frequency": "quarterly", "polarity": "lower_is_better",
         "value_type": "count", "unit": "households", "description": "A quarterly count."},
        {"id": "q_rate", "title": "Households in temporary accommodation", "priority": "homes",
         "service_area": "housing", "source": "test", "indicator_id": None, "frequency": "quarterly",
         "polarity": "lower_is_better", "value_type": "crude_rate", "unit": "per 1,000 households",
         "description": "A quarterly rate, published for the borough only."},
        {"id": "a_sex", "title": "Life expectancy at birth", "priority": "homes", "service_area": "public_health",
         "source": "test", "indicator_id": None, "frequency": "annual", "polarity": "higher_is_better",
         "value_type": "life_expectancy", "unit": "years", "sexes": ["Male", "Female"],
         "description": "By sex."},
        {"id": "a_stale", "title": "Children in low-income families", "priority": "homes", "service_area": "economy",
         "source": "test", "indicator_id": None, "frequency": "annual", "polarity": "lower_is_better",
         "value_type": "proportion", "unit": "%", "description": "Stops in 2016, no counts, no intervals."},
        {"id": "a_counts", "title": "Year 6 obesity", "priority": "homes", "service_area": "public_health",
         "source": "test", "indicator_id": None, "frequency": "annual", "polarity": "lower_is_better",
         "value_type": "proportion", "unit": "%", "description": "With counts and denominators."},
    ],
}


def _rows(indicator: str, area: str, area_type: str, periods, starts, ends, values, *, count=None, den=None,
          sex="Persons") -> pd.DataFrame:
    n = len(periods)
    out = pd.DataFrame({c: [np.nan] * n for c in CANONICAL_COLUMNS["values"]})
    out = out.assign(indicator_id=indicator, area_code=area, area_type=area_type, period=list(periods),
                     period_start=pd.to_datetime(list(starts)), period_end=pd.to_datetime(list(ends)), sex=sex,
                     age="All ages", category_type="", category="", value=np.asarray(values, dtype=float),
                     count=np.nan if count is None else np.asarray(count, dtype=float),
                     denominator=np.nan if den is None else np.asarray(den, dtype=float), value_note="")
    return out


def _quarterly(indicator: str, area: str, area_type: str, values, **kw) -> pd.DataFrame:
    ends = [pd.Period(q.replace(" ", ""), freq="Q").end_time.normalize() for q in QUARTERS]
    return _rows(indicator, area, area_type, QUARTERS, ends, ends, values, **kw)  # dated by the quarter's end


def _annual(indicator: str, years, values, **kw) -> pd.DataFrame:
    return _rows(indicator, BOROUGH, "la", [str(y) for y in years], [f"{y}-01-01" for y in years],
                 [f"{y}-12-31" for y in years], values, **kw)


class WithSeries:
    """The demo store, with more values and indicators (everything else is the demo's)."""

    def __init__(self, store, values: pd.DataFrame):
        self._store, self._values = store, values
        ids = pd.unique(values["indicator_id"])
        self._indicators = pd.DataFrame({"indicator_id": ids, "name": ids, "value_type": "other", "multiplier": 1.0,
                                         "unit": "", "polarity": "no_judgement", "source": "test", "licence": "test",
                                         "frequency": "", "published": pd.Timestamp("2025-02-01"), "lag_months": 0})

    def __getattr__(self, name):
        return getattr(self._store, name)

    def indicators(self) -> pd.DataFrame:
        return pd.concat([self._store.indicators(), self._indicators], ignore_index=True)

    def values(self, indicator_ids=None) -> pd.DataFrame:
        if indicator_ids is None:
            return pd.concat([self._store.values(), self._values], ignore_index=True)
        ours = set(self._values["indicator_id"])
        theirs = [i for i in indicator_ids if i not in ours]
        mine = self._values[self._values["indicator_id"].isin(indicator_ids)]
        return pd.concat([self._store.values(theirs), mine], ignore_index=True) if theirs else mine


@pytest.fixture(scope="module")
def priorities():
    return parse_priorities(PRIORITIES)


@pytest.fixture(scope="module")
def store(demo):
    rng = np.random.default_rng(7)
    level = np.r_[np.full(12, 40.0), np.full(8, 60.0)]  # a step up in 2023 Q1: a shift, concern
    borough = np.round(level + rng.normal(0, 2, 20))
    rate = 20 + rng.normal(0, 0.3, 20)
    rate[13] = np.nan  # 2023 Q2 not published: a gap
    frames = [_quarterly("q_count", BOROUGH, "la", borough), _quarterly("q_rate", BOROUGH, "la", rate)]
    small = np.array([13.0, 12, 11, 12, 14, 15, 13, 12, 11, 16, 14, 13, 15, 17, 3, 15, 18, 2, 17, 15])
    for code in LOCALITIES:  # a locality with small counts: published only as the disclosure rules allow
        frames.append(_quarterly("q_count", code, "locality", small if code == "XL000001" else borough / 4))
    years = range(2012, 2024)
    frames += [_annual("a_sex", years, np.linspace(78, 80, 12), sex="Male"),
               _annual("a_sex", years, np.linspace(82, 83, 12), sex="Female"),
               _annual("a_stale", range(2006, 2017), np.linspace(35, 30, 11)),
               _annual("a_counts", years, np.linspace(20, 24, 12), count=np.linspace(400, 480, 12),
                       den=np.full(12, 2000))]
    return WithSeries(demo, pd.concat(frames, ignore_index=True))


@pytest.fixture(scope="module")
def dash(store, priorities):
    return db.run_dashboard(store, priorities=priorities, today=BUILT)


def _result(dash, metric_id, sex="Persons"):
    return next(r for r in dash.results if r.metric.id == metric_id and r.sex == sex)


def test_quarterly_series_get_spc_over_the_window_in_quarters(dash):
    r = _result(dash, "q_count")
    assert r.spc is not None and r.is_periodic and r.period_word == "quarter" and r.trend is None
    assert len(r.series) == 12 and r.series["period"].iloc[0] == "2022 Q1"  # 36 months = 12 quarters
    assert r.series["date"].iloc[-1] == pd.Timestamp("2024-10-01")  # dated by the quarter's first month
    assert r.summary["variation_type"] == "special_cause_concern" and r.is_special_cause
    assert dash.counts["quarterly_metrics"] == 2 and dash.counts["spc_metrics"] == 2
    text = words.metric_narrative(r).text
    assert "quarters" in text and "2023 Q" in text and " months" not in text
    assert r in dash.charted() and set(dash.series["metric_id"]) == {"q_count", "q_rate"}


def test_a_missing_quarter_is_a_gap(dash):
    r = _result(dash, "q_rate")
    assert r.gaps == [{"start": pd.Timestamp("2023-04-01"), "end": pd.Timestamp("2023-04-01"), "months": 3}]
    # the window is the last 12 quarters of the calendar: the missing one is not replaced by an older one
    assert r.spc["gap_before"].sum() == 1 and len(r.series) == 11 and r.series["period"].iloc[0] == "2022 Q1"
    assert "No figures for 2023 Q2: the chart leaves a gap" in words.metric_narrative(r).text


def test_disclosure_applies_to_quarterly_counts(store, priorities):
    local = db.run_dashboard(store, priorities=priorities, locality="XL000001", today=BUILT)
    r = _result(local, "q_count")
    assert r.level == "locality" and not r.context and r.withheld.any()
    table = local.series[local.series["metric_id"] == "q_count"]
    assert table["value"].isna().sum() == int(r.withheld.sum()) and table["value_note"].notna().any()
    assert not (table["value"].dropna() < 5).any()


def test_one_result_per_sex(dash):
    male, female = _result(dash, "a_sex", "Male"), _result(dash, "a_sex", "Female")
    assert (male.label, female.label) == ("Life expectancy at birth (Male)", "Life expectancy at birth (Female)")
    assert male.shown["latest_value"] == pytest.approx(80) and female.shown["latest_value"] == pytest.approx(83)
    rows = dash.table[dash.table["metric_id"] == "a_sex"]
    assert rows["sex"].tolist() == ["Male", "Female"] and (rows["status"] == "ok").all()


def test_a_series_that_stops_early_is_out_of_date(dash, store, priorities):
    r = _result(dash, "a_stale")
    c = r.currency
    assert (c["latest_period"], c["period_end"], c["due_by"]) == ("2016", "2016-12-31", "2018-12-31")
    assert c["out_of_date"] and c["published"] == "2025-02-01" and c["area_level"] == "borough"
    assert not _result(dash, "a_sex", "Male").out_of_date  # 2023, due by the end of 2025
    row = dash.table.set_index("metric_id").loc["a_stale"]
    assert bool(row["out_of_date"]) and row["expected_lag_months"] == 24
    entry = next(m for m in dash.summary["metrics"] if m["metric_id"] == "a_stale")
    assert entry["currency"]["out_of_date"] is True
    then = db.run_dashboard(store, priorities=priorities, today="2018-06-01")
    assert not _result(then, "a_stale").out_of_date


def test_direction_of_travel_without_counts_recent_trend_with_them(dash):
    stale = _result(dash, "a_stale").trend
    assert stale["recent_trend"] is None and (stale["direction"], stale["direction_meaning"]) == ("down", "better")
    assert stale["direction_from"] == "2012" and "no significance test" in stale["method"]
    counted = _result(dash, "a_counts").trend
    assert counted["method"] == db.RECENT_TREND_METHOD and counted["direction"] is None
    assert counted["recent_trend"] in ("Increasing and getting worse", "No significant change")


def test_a_locality_pack_lists_borough_only_figures_once_as_context(store, priorities):
    local = db.run_dashboard(store, priorities=priorities, locality="XL000002", today=BUILT)
    context = local.context()
    assert {r.metric.id for r in context} == {"q_rate", "a_sex", "a_stale", "a_counts"}
    assert all(r.area_code == BOROUGH and r.spc is None and r.trend is None for r in context)
    own = local.own()
    assert [r.metric.id for r in own] == ["q_count"] and own[0].area_code == "XL000002"
    shown = [row["metric"] for t in words.matrix_text(local) for row in t.rows]
    assert shown == ["Households made homeless"]
    assert local.counts["context_metrics"] == 5 and local.counts["quarterly_metrics"] == 1
    table = local.table[local.table["status"] != "no data"]
    assert (table["context"] == (table["area_code"] != "XL000002")).all()
    for m in local.summary["metrics"]:
        assert m["context"] == (m["currency"]["area_code"] != "XL000002")
    sentence = words.context_sentence(local)
    assert sentence.count("published only for") == 1 and "Riverside" in sentence
    assert "not as figures for" in sentence and "4 metrics are published only" in sentence and local.notes and "not this locality's figures" in local.notes[0]
    listed = words.context_table(local)
    assert len(listed) == 5 and not listed["figure_for"].str.contains(local.locality_name, regex=False).any()


def test_currency_pieces():
    assert build_date("2025-03-01 13:00") == pd.Timestamp("2025-03-01")
    assert build_date() == pd.Timestamp.today().normalize()
    metric = parse_priorities(PRIORITIES).metric("q_count")
    series = pd.DataFrame({"period": ["2024 Q4"], "date": [pd.Timestamp("2024-10-01")], "period_end": [pd.NaT]})
    c = data_currency(series, metric, today="2025-07-01")  # a quarter's end from its start; lag 6 months
    assert (c["period_end"], c["due_by"], c["out_of_date"]) == ("2024-12-31", "2025-06-30", True)
    assert data_currency(series.iloc[:0], metric, today="2025-07-01")["out_of_date"] is False
