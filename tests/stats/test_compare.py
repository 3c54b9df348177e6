"""Benchmark comparison (Fingertips): hand-worked cases for each method, both levels, polarity words."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2, norm

from thanalysis.errors import StatsInputError
from thanalysis.stats.compare import compare_with_benchmark


def areas():
    # value with 95% and 99.8% limits; benchmark 50
    return pd.DataFrame(
        {
            "area": ["A", "B", "C", "D", "E"],
            "value": [60.0, 55.0, 40.0, 50.0, np.nan],
            "lower_ci_95": [55.0, 51.0, 35.0, 45.0, np.nan],
            "upper_ci_95": [65.0, 59.0, 45.0, 55.0, np.nan],
            "lower_ci_99_8": [52.0, 48.0, 32.0, 42.0, np.nan],
            "upper_ci_99_8": [68.0, 62.0, 48.5, 58.0, np.nan],
        }
    )


def test_ci_overlap_both_levels_higher_is_better():
    got = compare_with_benchmark(areas(), 50, polarity="higher_is_better")
    # A: whole interval above 50 at both levels; B: above at 95% only; C: below at both; D: straddles
    assert got["comparison_95"].tolist() == ["Better", "Better", "Worse", "Similar", "Not compared"]
    assert got["comparison_99_8"].tolist() == ["Better", "Similar", "Worse", "Similar", "Not compared"]


def test_ci_overlap_lower_is_better_and_no_judgement():
    low = compare_with_benchmark(areas(), 50, polarity="lower_is_better", confidence=0.95)
    assert low["comparison_95"].tolist() == ["Worse", "Worse", "Better", "Similar", "Not compared"]
    plain = compare_with_benchmark(areas(), 50, confidence=0.95)
    assert plain["comparison_95"].tolist() == ["Higher", "Higher", "Lower", "Similar", "Not compared"]


def test_benchmark_and_polarity_from_columns():
    data = areas()
    data["england"] = [70.0, 50.0, 50.0, np.nan, 50.0]
    data["polarity"] = ["higher_is_better", "lower_is_better", "no_judgement", "higher_is_better", "higher_is_better"]
    got = compare_with_benchmark(data, "england", polarity="polarity", confidence=0.95)
    assert got["comparison_95"].tolist() == ["Worse", "Worse", "Lower", "Not compared", "Not compared"]


def test_spc_proportion_by_hand():
    """Benchmark 20%: limits 0.2 ± z·√(0.2·0.8/n), worked out independently with scipy."""
    data = pd.DataFrame({"count": [33, 29, 10, 20], "denominator": [100, 100, 100, 100]})
    se = np.sqrt(0.2 * 0.8 / 100)
    up95, up998 = 0.2 + norm.ppf(0.975) * se, 0.2 + norm.ppf(0.999) * se
    lo95, lo998 = 0.2 - norm.ppf(0.975) * se, 0.2 - norm.ppf(0.999) * se
    # the cases below rest on these: 0.33 above both, 0.29 between, 0.10 below 95% only
    assert 0.33 > up998 > 0.29 > up95 and lo998 < 0.10 < lo95
    got = compare_with_benchmark(data, 20, method="spc_proportion", multiplier=100, polarity="lower_is_better")
    assert got["comparison_95"].tolist() == ["Worse", "Worse", "Better", "Similar"]
    assert got["comparison_99_8"].tolist() == ["Worse", "Similar", "Similar", "Similar"]


def test_exact_poisson_dsr_by_hand():
    """A DSR of 150 from 100 events: the population behind it is 100/150 (per unit rate), so the
    expected count at a benchmark of 120 is 80; 80 is below the exact lower 95% limit of 100
    events (χ²(0.025; 200)/2 = 81.4) but not below the 99.8% limit: higher at 95% only."""
    lower95 = chi2.ppf(0.025, 200) / 2
    lower998 = chi2.ppf(0.001, 200) / 2
    assert lower998 < 80 < lower95
    data = pd.DataFrame({"count": [100, 100, 9], "value": [150.0, 120.0, 300.0]})
    got = compare_with_benchmark(data, 120, method="exact_poisson_dsr", polarity="higher_is_better")
    assert got["comparison_95"].tolist() == ["Better", "Similar", "Not compared"]
    assert got["comparison_99_8"].tolist() == ["Similar", "Similar", "Not compared"]


def test_named_limit_columns_for_one_level():
    data = areas().rename(columns={"lower_ci_95": "lo", "upper_ci_95": "hi"})
    got = compare_with_benchmark(data, 50, lower_ci="lo", upper_ci="hi", confidence=0.95)
    assert got["comparison_95"].iloc[0] == "Higher"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(method="t_test"), "method should be one of"),
        (dict(polarity="good"), "polarity should be one of"),
        (dict(lower_ci="lo", upper_ci="hi"), "several levels"),
    ],
)
def test_errors(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        compare_with_benchmark(areas(), 50, **kwargs)


def test_missing_limit_columns_are_named():
    with pytest.raises(StatsInputError, match="lower_ci_99_8"):
        compare_with_benchmark(areas().drop(columns=["lower_ci_99_8"]), 50)


# --- properties (hypothesis) ----------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(value=st.floats(0, 100), half=st.floats(0.1, 10), bench=st.floats(0, 100))
def test_swapping_polarity_swaps_better_and_worse(value, half, bench):
    data = pd.DataFrame({"value": [value], "lower_ci_95": [value - half], "upper_ci_95": [value + half]})
    up = compare_with_benchmark(data, bench, polarity="higher_is_better", confidence=0.95)["comparison_95"][0]
    down = compare_with_benchmark(data, bench, polarity="lower_is_better", confidence=0.95)["comparison_95"][0]
    swap = {"Better": "Worse", "Worse": "Better", "Similar": "Similar"}
    assert swap[up] == down
