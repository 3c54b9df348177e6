"""Property tests (hypothesis) for the inequality, quantile, funnel, comparison and trend methods."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from thanalysis.stats.compare import compare_with_benchmark
from thanalysis.stats.funnel import funnel_axis, funnel_limits
from thanalysis.stats.inequality import slope_index_of_inequality
from thanalysis.stats.quantiles import assign_deprivation_quantiles
from thanalysis.stats.trend import recent_trend

populations = st.lists(st.integers(100, 100_000), min_size=5, max_size=10)


@settings(max_examples=40, deadline=None)
@given(pops=populations, base=st.floats(10, 90), slope=st.floats(-20, 20))
def test_sii_of_an_exact_linear_gradient_is_its_slope(pops, base, slope):
    """Values lying exactly on base + slope × relative rank give SII = slope and intercept = base."""
    pop = np.array(pops, dtype=float)
    share = pop / pop.sum()
    rank = np.cumsum(share) - share / 2
    data = pd.DataFrame({"quantile": np.arange(1, len(pop) + 1), "population": pop, "value": base + slope * rank, "se": 0.5})
    got = slope_index_of_inequality(data, se="se", repetitions=1000, rii=True, intercept=True)
    assert np.isclose(got["sii"][0], slope, rtol=1e-9, atol=1e-9)
    assert np.isclose(got["intercept"][0], base, rtol=1e-9)
    assert np.isclose(got["rii"][0], (base + slope) / base, rtol=1e-9)
    assert got["sii_lower_ci_95"][0] <= got["sii"][0] + 1e-9 <= got["sii_upper_ci_95"][0] + 2e-9


@settings(max_examples=25, deadline=None)
@given(pops=populations, m=st.sampled_from([100, -1, -100, 1000]), seed=st.integers(0, 1000))
def test_multiplier_scales_sii_and_negative_inverts_rii(pops, m, seed):
    rng = np.random.default_rng(seed)
    k = len(pops)
    data = pd.DataFrame({"quantile": np.arange(1, k + 1), "population": pops,
                         "value": rng.uniform(0.1, 0.3, k), "lower": 0.0, "upper": 0.0})
    data["lower"], data["upper"] = data["value"] * 0.9, data["value"] * 1.1
    args = dict(value_type="proportion", lower_ci="lower", upper_ci="upper", repetitions=2000, rii=True, seed=seed)
    one = slope_index_of_inequality(data, **args)
    scaled = slope_index_of_inequality(data, multiplier=m, **args)
    assert np.isclose(scaled["sii"][0], m * one["sii"][0], rtol=1e-12)
    lo, hi = sorted([m * one["sii_lower_ci_95"][0], m * one["sii_upper_ci_95"][0]])
    assert np.isclose(scaled["sii_lower_ci_95"][0], lo) and np.isclose(scaled["sii_upper_ci_95"][0], hi)
    expected_rii = one["rii"][0] if m > 0 else 1 / one["rii"][0]
    assert np.isclose(scaled["rii"][0], expected_rii, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=10, max_size=300), q=st.integers(2, 10),
       invert=st.booleans())
def test_quantiles_are_monotone_in_value_and_balanced(values, q, invert):
    data = pd.DataFrame({"v": values})
    got = assign_deprivation_quantiles(data, "v", n_quantiles=q, invert=invert)["quantile"].astype(int).to_numpy()
    order = np.argsort(-np.asarray(values) if invert else np.asarray(values), kind="stable")
    assert (np.diff(got[order]) >= 0).all()  # never a lower quantile further from the quantile-1 end
    assert got.min() >= 1 and got.max() <= q
    if len(set(values)) == len(values):
        sizes = np.bincount(got, minlength=q + 1)[1:]
        assert sizes.max() - sizes.min() <= 1


@settings(max_examples=40, deadline=None)
@given(num=st.lists(st.integers(1, 500), min_size=3, max_size=30), extra=st.integers(1, 1000))
def test_proportion_funnel_narrows_as_the_denominator_grows(num, extra):
    data = pd.DataFrame({"x": num, "n": [v + extra for v in num]})
    got = funnel_limits(data, "x", "n", statistic="proportion")
    for level in ("2s", "3s"):
        width = (got[f"upper_{level}_limit"] - got[f"lower_{level}_limit"]).to_numpy()
        assert (np.diff(width) <= 1e-12).all()
    assert (got["lower_3s_limit"] <= got["lower_2s_limit"] + 1e-12).all()
    assert (got["upper_2s_limit"] <= got["upper_3s_limit"] + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(start=st.integers(1, 10_000), span=st.integers(1, 1_000_000))
def test_axis_is_strictly_increasing_and_ends_at_stop(start, span):
    axis = funnel_axis(start, start + span)
    assert axis[0] == start and axis[-1] == start + span
    assert (np.diff(axis) >= 1).all() and len(axis) <= 100


@settings(max_examples=40, deadline=None)
@given(value=st.floats(0, 100), half=st.floats(0.1, 10), bench=st.floats(0, 100))
def test_swapping_polarity_swaps_better_and_worse(value, half, bench):
    data = pd.DataFrame({"value": [value], "lower_ci_95": [value - half], "upper_ci_95": [value + half]})
    up = compare_with_benchmark(data, bench, polarity="higher_is_better", confidence=0.95)["comparison_95"][0]
    down = compare_with_benchmark(data, bench, polarity="lower_is_better", confidence=0.95)["comparison_95"][0]
    swap = {"Better": "Worse", "Worse": "Better", "Similar": "Similar"}
    assert swap[up] == down


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.integers(1, 900), min_size=5, max_size=5), n=st.integers(1000, 5000))
def test_reversing_time_flips_the_gradient_and_keeps_the_statistic(counts, n):
    forward = pd.DataFrame({"t": range(5), "count": np.array(counts, float), "denominator": float(n)})
    backward = forward.assign(t=lambda d: -d["t"])
    a = recent_trend(forward, "t").dropna(subset=["recent_trend"]).iloc[0]
    b = recent_trend(backward, "t").dropna(subset=["recent_trend"]).iloc[0]
    assert np.isclose(a["trend_statistic"], b["trend_statistic"], rtol=1e-9, atol=1e-12)
    assert np.isclose(a["trend_gradient"], -b["trend_gradient"], rtol=1e-9, atol=1e-12)
