"""Properties every confidence interval must have, whatever the inputs (hypothesis):
it brackets the estimate, widens as the confidence level rises, and narrows as counts grow
while the proportion or rate stays the same."""
from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from thanalysis.stats.intervals import byars_ci, dobson_ci, exact_poisson_ci, poisson_ci, student_t_mean_ci, wilson_ci

SETTINGS = settings(max_examples=200, deadline=None)
LEVELS = st.sampled_from([0.8, 0.9, 0.95, 0.99, 0.998])
EPS = 1e-9


@st.composite
def count_and_denominator(draw):
    n = draw(st.integers(min_value=1, max_value=10**7))
    x = draw(st.integers(min_value=0, max_value=n))
    return x, n


@SETTINGS
@given(count_and_denominator(), LEVELS)
def test_wilson_brackets_the_proportion_within_0_1(xn, level):
    x, n = xn
    lower, upper = wilson_ci(x, n, level)
    p = x / n
    assert -EPS <= lower <= p + EPS
    assert p - EPS <= upper <= 1 + EPS


@SETTINGS
@given(count_and_denominator(), LEVELS, LEVELS)
def test_wilson_widens_with_confidence(xn, a, b):
    x, n = xn
    low, high = sorted((a, b))
    lo1, up1 = wilson_ci(x, n, low)
    lo2, up2 = wilson_ci(x, n, high)
    assert lo2 <= lo1 + EPS and up2 >= up1 - EPS


@SETTINGS
@given(count_and_denominator(), st.integers(min_value=2, max_value=1000), LEVELS)
def test_wilson_narrows_as_counts_grow(xn, factor, level):
    x, n = xn
    lo1, up1 = wilson_ci(x, n, level)
    lo2, up2 = wilson_ci(x * factor, n * factor, level)
    assert up2 - lo2 < up1 - lo1


COUNTS = st.integers(min_value=0, max_value=10**6)


@SETTINGS
@given(COUNTS, LEVELS)
def test_poisson_limits_bracket_the_count(x, level):
    for interval in (poisson_ci, exact_poisson_ci):
        lower, upper = interval(x, level)
        assert 0 <= lower <= x + EPS * max(x, 1)
        assert upper >= x
    lower, upper = byars_ci(max(x, 1), level)
    assert 0 <= lower <= max(x, 1) <= upper


@SETTINGS
@given(COUNTS, LEVELS, LEVELS)
def test_poisson_limits_widen_with_confidence(x, a, b):
    low, high = sorted((a, b))
    lo1, up1 = poisson_ci(x, low)
    lo2, up2 = poisson_ci(x, high)
    assert lo2 <= lo1 + EPS * max(x, 1) and up2 >= up1 - EPS * max(x, 1)


@SETTINGS
@given(st.integers(min_value=0, max_value=10**5), st.integers(min_value=1, max_value=10**6),
       st.integers(min_value=2, max_value=100), LEVELS)
def test_rate_interval_narrows_as_counts_grow(x, n, factor, level):
    # Same rate from `factor` times the events and population: the interval on the rate scale shrinks.
    lo1, up1 = poisson_ci(x, level)
    lo2, up2 = poisson_ci(x * factor, level)
    assert (up2 - lo2) / (n * factor) < (up1 - lo1) / n


@SETTINGS
@given(st.lists(st.tuples(st.integers(1, 500), st.integers(100, 10**5), st.floats(0.5, 10)), min_size=1, max_size=19),
       LEVELS)
def test_dobson_brackets_the_dsr(bands, level):
    counts = np.array([b[0] for b in bands], dtype=float)
    pops = np.array([b[1] for b in bands], dtype=float)
    weights = np.array([b[2] for b in bands])
    dsr = (weights * counts / pops).sum() / weights.sum()
    variance = (weights**2 * counts / pops**2).sum() / weights.sum() ** 2
    lower, upper = dobson_ci(dsr, variance, counts.sum(), level)
    assert lower <= dsr <= upper


@SETTINGS
@given(st.floats(-1e6, 1e6), st.floats(0.001, 1e4), st.integers(2, 10**5), LEVELS, LEVELS)
def test_t_interval_brackets_and_widens(m, sd, n, a, b):
    low, high = sorted((a, b))
    lo1, up1 = student_t_mean_ci(m, sd, n, low)
    lo2, up2 = student_t_mean_ci(m, sd, n, high)
    assert lo1 <= m <= up1
    assert lo2 <= lo1 + 1e-9 * abs(m) and up2 >= up1 - 1e-9 * abs(m)
