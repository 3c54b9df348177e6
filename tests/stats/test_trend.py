"""Fingertips recent trend against every row of dev_add_trend_markers__testdata_trend_markers.xlsx
(all five sheets), plus hand-worked checks of the two tests and the polarity wording."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from thanalysis.errors import StatsInputError
from thanalysis.stats.trend import DOWN, FLAT, UP, direction_of_travel, recent_trend

from .vectors import PHE, TREND_FILE, sheet

SHEETS = {
    "testdata_prop_trends": dict(value_type="proportion", count="Count", denominator="denominator", value="Value"),
    "testdata_prop_grouped": dict(value_type="proportion", count="Count", denominator="denominator", value="Value", group_by="Ethnicity"),
    "testdata_other_trends": dict(value_type="other", value="Value", lower_ci="LL", upper_ci="UL"),
    "testdata_other_grouped": dict(value_type="other", value="Value", lower_ci="LL", upper_ci="UL", group_by="Ethnicity"),
    "testdata_other_6": dict(value_type="other", value="Value", lower_ci="LL", upper_ci="UL"),
}


@pytest.mark.vectors
@pytest.mark.parametrize("name", list(SHEETS))
def test_every_row_of_the_trend_sheet(testvectors_root, name):
    data = sheet(testvectors_root, PHE, TREND_FILE, name)
    got = recent_trend(data, "Year", **SHEETS[name])
    # labels and reasons on every row (missing on all but the latest row of each series)
    assert got["recent_trend"].fillna("").tolist() == data["recent_trend"].fillna("").tolist()
    assert got["recent_trend_reason"].fillna("").tolist() == data["recent_trend_reason"].fillna("").tolist()
    # statistic and gradient: the sheet holds them rounded to 4 dp
    for ours, theirs in (("trend_statistic", "Significance"), ("trend_gradient", "Gradient")):
        a, e = got[ours].round(4).to_numpy(), data[theirs].to_numpy()
        assert np.array_equal(np.isnan(a), np.isnan(e)), ours
        assert np.allclose(a[~np.isnan(a)], e[~np.isnan(e)], rtol=0, atol=5e-5), (ours, a, e)


def test_cochran_armitage_by_hand():
    """Proportions 10%, 12%, 14%, 16%, 18% of 1,000: the χ² for trend computed term by term."""
    n = np.full(5, 1000.0)
    x = np.array([100, 120, 140, 160, 180.0])
    t = np.arange(1, 6.0)
    p = x.sum() / n.sum()
    num = (x * t).sum() - p * (n * t).sum()
    den = p * (1 - p) * ((n * t * t).sum() - (n * t).sum() ** 2 / n.sum())
    data = pd.DataFrame({"year": range(2015, 2020), "count": x, "denominator": n})
    got = recent_trend(data, "year", polarity="lower_is_better")
    last = got.iloc[-1]
    assert last["trend_statistic"] == pytest.approx(num**2 / den, rel=1e-12)
    slope = np.polyfit(t, np.log(x / (n - x)), 1)[0]
    assert last["trend_gradient"] == pytest.approx(slope, rel=1e-12)
    assert last["recent_trend"] == "Increasing and getting worse"
    assert got["recent_trend"].iloc[:-1].isna().all()


def test_weighted_regression_by_hand_and_polarity_better():
    value = np.array([30.0, 29.0, 27.5, 26.0, 24.0])
    se = np.array([0.5, 0.6, 0.5, 0.4, 0.5])
    z = norm.ppf(0.975)
    data = pd.DataFrame({"period": ["2019", "2020", "2021", "2022", "2023"], "value": value,
                         "lower_ci_95": value - z * se, "upper_ci_95": value + z * se})
    w = 1 / se**2
    t = np.arange(1, 6.0)
    tb, yb = (w * t).sum() / w.sum(), (w * value).sum() / w.sum()
    sxx = (w * (t - tb) ** 2).sum()
    slope = (w * (t - tb) * (value - yb)).sum() / sxx
    got = recent_trend(data, value_type="other", polarity="lower_is_better").iloc[-1]
    assert got["trend_gradient"] == pytest.approx(slope, rel=1e-9)
    assert got["trend_statistic"] == pytest.approx(slope**2 * sxx, rel=1e-9)
    assert got["recent_trend"] == "Decreasing and getting better"


def test_one_outlier_cannot_make_a_trend():
    """Flat series with a huge last point: χ² is large but leaving that point out removes it."""
    data = pd.DataFrame({"year": range(5), "count": [100, 100, 100, 100, 400.0], "denominator": [1000.0] * 5})
    got = recent_trend(data, "year").iloc[-1]
    assert got["trend_statistic"] > 9.55
    assert got["recent_trend"] == "No significant change"
    assert got["recent_trend_reason"].startswith("Significant trend but not")


def test_periods_are_sorted_and_time_is_position():
    data = pd.DataFrame({"year": [2012, 2013, 2014, 2016, 2017, 2023], "count": [50, 10, 20, 30, 40, 50.0],
                         "denominator": [100.0] * 6})
    shuffled = data.sample(frac=1, random_state=1)
    got = recent_trend(shuffled, "year")
    assert got.loc[got["year"] == 2023, "recent_trend"].item() == "Increasing"
    assert got["recent_trend"].notna().sum() == 1


def test_errors():
    data = pd.DataFrame({"year": range(5), "value": np.arange(5.0)})
    with pytest.raises(StatsInputError, match="value_type"):
        recent_trend(data, "year", value_type="dsr")
    with pytest.raises(StatsInputError, match="not found"):
        recent_trend(data, "year", value_type="other")
    with pytest.raises(StatsInputError, match="count or a denominator"):
        recent_trend(data, "year", count="c", denominator="d")


# --- properties (hypothesis) ----------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(1, 900), min_size=5, max_size=5), n=st.integers(1000, 5000))
def test_reversing_time_flips_the_gradient_and_keeps_the_statistic(counts, n):
    forward = pd.DataFrame({"t": range(5), "count": np.array(counts, float), "denominator": float(n)})
    backward = forward.assign(t=lambda d: -d["t"])
    a = recent_trend(forward, "t").dropna(subset=["recent_trend"]).iloc[0]
    b = recent_trend(backward, "t").dropna(subset=["recent_trend"]).iloc[0]
    assert np.isclose(a["trend_statistic"], b["trend_statistic"], rtol=1e-9, atol=1e-12)
    assert np.isclose(a["trend_gradient"], -b["trend_gradient"], rtol=1e-9, atol=1e-12)


# --- direction of travel (no counts, no intervals: no significance) --------------------------------------------
def test_direction_of_travel_uses_the_last_five_values_and_names_its_method():
    d = direction_of_travel([90, 10.0, 11.0, 12.0, 12.5, 13.0], "lower_is_better")
    assert (d["direction"], d["meaning"], d["n"]) == (UP, "worse", 5)
    assert (d["first"], d["previous"], d["latest"]) == (10.0, 12.5, 13.0)  # the 90 is outside the last five
    assert (d["first_position"], d["latest_position"]) == (1, 5)
    assert d["latest_step"] == UP and "no significance test" in d["method"] and "last 5 values" in d["method"]


def test_direction_of_travel_polarity_and_a_latest_step_against_the_direction():
    d = direction_of_travel([20.0, 18.0, 16.0, 17.0], "higher_is_better")
    assert (d["direction"], d["latest_step"], d["meaning"], d["n"]) == (DOWN, UP, "worse", 4)
    assert direction_of_travel([20.0, 18.0], "lower_is_better")["meaning"] == "better"
    assert direction_of_travel([20.0, 25.0], "no_judgement")["meaning"] is None
    assert direction_of_travel([20.0, 25.0])["meaning"] is None


def test_direction_of_travel_little_change_missing_values_and_too_few():
    d = direction_of_travel([100.0, 150.0, 100.5], "higher_is_better", tolerance=0.01)
    assert d["direction"] == FLAT and d["meaning"] is None and d["latest_step"] == DOWN
    gaps = direction_of_travel([5.0, np.nan, 6.0, np.nan])
    assert (gaps["n"], gaps["direction"], gaps["first_position"], gaps["latest_position"]) == (2, UP, 0, 2)
    one = direction_of_travel([np.nan, 3.0])
    assert one["direction"] is None and one["n"] == 1
    with pytest.raises(StatsInputError):
        direction_of_travel([1.0, 2.0], "bigger_is_better")
    with pytest.raises(StatsInputError):
        direction_of_travel([1.0, 2.0], points=1)
