"""Confidence intervals for counts, proportions, rates and means (the Fingertips methods).

Two layers:

* low-level, vectorised interval functions on arrays, used by every other statistics module:
  :func:`wilson_ci`, :func:`byars_ci`, :func:`exact_poisson_ci`, :func:`poisson_ci`,
  :func:`dobson_ci`, :func:`student_t_mean_ci`. Each returns ``(lower, upper)`` numpy arrays;
* DataFrame statistics with one vocabulary (see ``_common``): :func:`proportion`,
  :func:`crude_rate` and :func:`mean`.

Methods follow the OHID/PHE "Technical Guide: Confidence Intervals" used by Fingertips and by the
R package PHEindicatormethods. They were written here from the published formulas.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2
from scipy.stats import t as student_t

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import (as_group_list, check_count_within_denominator, check_non_negative, ci_columns,
                                      confidence_label, confidence_levels, finish_columns, group_codes, group_sum,
                                      multiplier_text, require_columns, z_value)

#: Below this many events Fingertips uses exact Poisson limits; from it upwards, Byars' approximation.
EXACT_POISSON_BELOW = 10

WILSON = "Wilson"
BYARS = "Byars"
EXACT = "Exact"
STUDENT_T = "Student's t-distribution"


def _level(confidence: float) -> float:
    levels = confidence_levels(confidence)
    if len(levels) != 1:
        raise StatsInputError("this interval function takes one confidence level at a time, e.g. 0.95")
    return levels[0]


def _floats(*arrays) -> list[np.ndarray]:
    return list(np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in arrays)))


# --------------------------------------------------------------------------------------------
# Low-level intervals on arrays
# --------------------------------------------------------------------------------------------

def wilson_ci(count, denominator, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for the proportion ``count / denominator`` (on the 0-1 scale).

    Wilson (1927), in the form given by Newcombe (1998, method 3) and the PHE technical guide:
    ``(2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²))``. It behaves well at 0 and at n, unlike the
    normal approximation. Missing inputs give missing limits.
    """
    x, n = _floats(count, denominator)
    z = z_value(_level(confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = 2 * x + z * z
        spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        scale = 2 * (n + z * z)
        return (centre - spread) / scale, (centre + spread) / scale


def byars_ci(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byars' approximation to the exact Poisson limits for an observed count (Breslow & Day 1987).

    ``lower = x(1 − 1/(9x) − z/(3√x))³``, ``upper = (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³``.
    Accurate from about 10 events; :func:`poisson_ci` switches to exact limits below that.
    The lower limit is set to 0 where the formula falls below zero (small counts at high confidence,
    e.g. x = 1 at 99.8%) or is undefined (x = 0): a count cannot be negative.
    """
    (x,) = _floats(count)
    z = z_value(_level(confidence))
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        x1 = x + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    lower = np.where((x == 0) | (lower < 0), 0.0, lower)
    return lower, upper


def exact_poisson_ci(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact Poisson limits for an observed count from the chi-squared distribution.

    ``lower = χ²(α/2; 2x) / 2`` (0 when x = 0), ``upper = χ²(1 − α/2; 2x + 2) / 2``
    (Armitage, Berry & Matthews; the PHE technical guide's "exact" method).
    """
    (x,) = _floats(count)
    alpha = 1 - _level(confidence)
    with np.errstate(invalid="ignore"):
        lower = np.where(x > 0, chi2.ppf(alpha / 2, np.where(x > 0, 2 * x, 1.0)) / 2, 0.0)
        upper = chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    lower = np.where(np.isnan(x), np.nan, lower)
    return lower, upper


def poisson_ci(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Poisson limits for a count by the Fingertips rule: exact below 10 events, Byars from 10."""
    (x,) = _floats(count)
    shape = x.shape
    x = x.reshape(-1)
    lower, upper = (np.array(limit, dtype=float).reshape(-1) for limit in byars_ci(x, confidence))
    small = x < EXACT_POISSON_BELOW
    if small.any():
        # Only evaluate the (slower) chi-squared quantiles where they are needed.
        exact_lower, exact_upper = exact_poisson_ci(x[small], confidence)
        lower[small] = exact_lower
        upper[small] = exact_upper
    return lower.reshape(shape), upper.reshape(shape)


def poisson_method(count) -> np.ndarray:
    """The method :func:`poisson_ci` uses for each count: ``"Exact"``, ``"Byars"`` or None if missing."""
    (x,) = _floats(count)
    return np.where(np.isnan(x), None, np.where(x < EXACT_POISSON_BELOW, EXACT, BYARS)).astype(object)


def values_from_counts(count, denominator, value_type: str, multiplier: float = 1.0,
                       confidence: Sequence[float] = (0.95, 0.998)) -> dict[str, np.ndarray]:
    """Value and confidence limits from counts and denominators, array in, arrays out: the one rule.

    - ``proportion``: ``count / denominator × multiplier`` with Wilson score limits × multiplier;
    - ``crude_rate``: the same value with Poisson limits of the count (exact below 10 events, Byars from 10)
      / denominator × multiplier;
    - anything else: the value where a denominator exists, and no limits (they would need another method).

    Returns ``value`` and ``lower_ci_95``/``upper_ci_95`` (one pair per level: ``_99_8`` for 99.8%).
    A zero or missing denominator gives a missing value and missing limits, never an error.
    """
    x, n = _floats(count, denominator)
    levels = confidence_levels(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        n = np.where(n > 0, n, np.nan)
        out = {"value": x / n * multiplier}
    if value_type == "proportion":
        out.update(wilson_limits(x, n, levels, multiplier))
    elif value_type == "crude_rate":
        missing = np.isnan(x) | np.isnan(n)
        limits = poisson_limits(np.where(np.isnan(x), 0.0, x), n, levels, multiplier)
        out.update({column: np.where(missing, np.nan, limit) for column, limit in limits.items()})
    else:
        for level in levels:
            lo_col, up_col = ci_columns(level)
            out[lo_col] = out[up_col] = np.full(np.shape(x), np.nan)
    return out


def wilson_limits(count, denominator, levels: Sequence[float], multiplier: float = 1.0) -> dict[str, np.ndarray]:
    """Wilson score limits × ``multiplier`` at each confidence level, keyed by column (``lower_ci_95``, ...)."""
    out = {}
    for level in levels:
        lower, upper = wilson_ci(count, denominator, level)
        lo_col, up_col = ci_columns(level)
        out[lo_col], out[up_col] = lower * multiplier, upper * multiplier
    return out


def poisson_limits(count, denominator, levels: Sequence[float], scale=1.0) -> dict[str, np.ndarray]:
    """Poisson limits of ``count`` (exact below 10 events, Byars from 10) / ``denominator`` × ``scale`` at each
    confidence level, keyed by column: the limits of a crude rate (count / population × multiplier) and of an
    indirectly standardised ratio or rate (observed / expected × multiplier or the reference rate)."""
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for level in levels:
            lower, upper = poisson_ci(count, level)
            lo_col, up_col = ci_columns(level)
            out[lo_col], out[up_col] = lower / denominator * scale, upper / denominator * scale
    return out


def dobson_ci(value, variance, total_count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Dobson et al. (1991) limits for a weighted sum of Poisson counts (e.g. a DSR).

    ``limit = value + √(variance / O) · (O_limit − O)``, where ``O`` is the total count and
    ``O_limit`` its Poisson limit (:func:`poisson_ci`: Byars from 10 events, as Fingertips does).
    ``value`` and ``variance`` must be on the same scale (e.g. both per person, or both per 100,000²).
    """
    v, var, o = _floats(value, variance, total_count)
    o_lower, o_upper = poisson_ci(o, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        step = np.sqrt(var / o)
        return v + step * (o_lower - o), v + step * (o_upper - o)


def student_t_mean_ci(mean, standard_deviation, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Student's t interval for a mean: ``mean ± t(1 − α/2, n − 1) · sd / √n``."""
    m, sd, size = _floats(mean, standard_deviation, n)
    alpha = 1 - _level(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        half = student_t.ppf(1 - alpha / 2, size - 1) * sd / np.sqrt(size)
    return m - half, m + half


# --------------------------------------------------------------------------------------------
# DataFrame statistics
# --------------------------------------------------------------------------------------------

def _aggregate(data: pd.DataFrame, groups: list[str], columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Group keys and the sums of ``columns`` per group; a missing value makes the group total
    missing (as the R package, whose sums do not drop missing values)."""
    codes, keys = group_codes(data, groups)
    out = {g: keys[g].to_numpy() for g in groups}
    for name, values in columns.items():
        out[name] = group_sum(codes, values, len(keys), missing_propagates=True)
    return out


def _output(columns: dict[str, np.ndarray], labels: dict[str, object], index=None) -> pd.DataFrame:
    """Build the result table in its final column order without copying the numeric columns twice
    (this matters for 100,000-row tables); ``labels`` are text columns, scalar or per row."""
    out = pd.DataFrame(columns, index=index, copy=False)
    for name, value in labels.items():
        out[name] = value
    return out


def _check_positive_denominator(values, name: str, function: str) -> None:
    arr = np.asarray(values, dtype=float)
    bad = np.flatnonzero(arr <= 0)
    if bad.size:
        raise StatsInputError(
            f"{function}: {name} must be greater than zero; row(s) "
            f"{', '.join(str(i + 1) for i in bad[:10])} have {', '.join(repr(float(arr[i])) for i in bad[:5])}"
        )


def _numeric(data: pd.DataFrame, column: str, function: str) -> np.ndarray:
    try:
        return pd.to_numeric(data[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{function}: column {column!r} must hold numbers ({exc})") from None


def _counts_and_denominators(data, count, denominator, groups, function):
    """The count and denominator columns as float arrays (after checking the columns exist)."""
    require_columns(data, [count, denominator, *groups], function)
    x = _numeric(data, count, function)
    n = _numeric(data, denominator, function)
    return x, n


def _leading_columns(data, count, denominator, groups, x, n):
    """The first output columns and the counts and denominators to use: every input column
    (ungrouped), or the group keys with summed counts and denominators (grouped)."""
    if groups:
        head = _aggregate(data, groups, {count: x, denominator: n})
        return head, head[count], head[denominator]
    head = {c: data[c].to_numpy() for c in data.columns}
    return head, x, n


def _from_counts(data: pd.DataFrame, count: str, denominator: str, group_by, confidence, multiplier: float,
                 function: str) -> tuple[dict, list[float], np.ndarray, pd.Index | None]:
    """What :func:`proportion` and :func:`crude_rate` share: check the counts and denominators (a proportion's
    count may not exceed its denominator), sum them per group, and add the value and its limits (Wilson for a
    proportion, Poisson for a rate). Returns the output columns, the levels, the counts and the output index."""
    groups = as_group_list(group_by)
    levels = confidence_levels(confidence)
    is_proportion = function == "proportion"
    x_in, n_in = _counts_and_denominators(data, count, denominator, groups, function)
    check_non_negative(x_in, f"the count ({count!r})", function)
    if is_proportion:
        check_non_negative(n_in, f"the denominator ({denominator!r})", function)
    _check_positive_denominator(n_in, f"the denominator ({denominator!r})", function)
    if is_proportion:
        check_count_within_denominator(x_in, n_in, function)

    columns, x, n = _leading_columns(data, count, denominator, groups, x_in, n_in)
    with np.errstate(invalid="ignore", divide="ignore"):
        columns["value"] = x / n * multiplier
    limits = wilson_limits if is_proportion else poisson_limits
    columns.update(limits(x, n, levels, multiplier))
    return columns, levels, x, None if groups else data.index


def proportion(data: pd.DataFrame, count: str = "count", denominator: str = "denominator", *,
               group_by: str | Sequence[str] | None = None, confidence: float | Sequence[float] = 0.95,
               multiplier: float = 1) -> pd.DataFrame:
    """Proportions with Wilson score confidence intervals (Wilson 1927; Newcombe 1998).

    Without ``group_by`` each row is one proportion and every input column is kept. With
    ``group_by`` the counts and denominators are summed per group first (a missing value makes
    the group missing). ``multiplier=100`` gives percentages.

    Returns the inputs plus ``value``, ``lower_ci_95``/``upper_ci_95`` (one pair per confidence
    level), ``confidence``, ``statistic`` and ``method`` ("Wilson").
    """
    columns, levels, _, index = _from_counts(data, count, denominator, group_by, confidence, multiplier,
                                             "proportion")
    if float(multiplier) == 1:
        statistic = "proportion"
    elif float(multiplier) == 100:
        statistic = "percentage"
    else:
        statistic = f"proportion per {multiplier_text(multiplier)}"
    return _output(columns, {"confidence": confidence_label(levels), "statistic": statistic, "method": WILSON},
                   index=index)


def crude_rate(data: pd.DataFrame, count: str = "count", denominator: str = "denominator", *,
               group_by: str | Sequence[str] | None = None, confidence: float | Sequence[float] = 0.95,
               multiplier: float = 100000) -> pd.DataFrame:
    """Crude rates with Poisson confidence intervals: exact below 10 events, Byars from 10
    (Breslow & Day 1987; the Fingertips rule).

    The count may exceed the denominator (several events per person). ``method`` is "Exact" or
    "Byars" per row (missing when the count is missing). Output columns as :func:`proportion`.
    """
    columns, levels, x, index = _from_counts(data, count, denominator, group_by, confidence, multiplier,
                                             "crude_rate")
    return _output(columns, {"confidence": confidence_label(levels),
                             "statistic": f"rate per {multiplier_text(multiplier)}",
                             "method": poisson_method(x)},
                   index=index)


def mean(
    data: pd.DataFrame,
    value: str = "value",
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
) -> pd.DataFrame:
    """Means with Student's t confidence intervals, one row per group (or one row for all data).

    Output: ``value_sum``, ``value_count`` (values present), ``stdev`` (sample standard deviation),
    ``value`` (the mean) and its limits. A group holding a missing value gets a missing sum, mean
    and limits (as the PHStatsMethods test data); its ``value_count`` counts the values present.
    """
    function = "mean"
    groups = as_group_list(group_by)
    require_columns(data, [value, *groups], function)
    levels = confidence_levels(confidence)
    v = _numeric(data, value, function)
    codes, keys = group_codes(data, groups)
    size = len(keys)
    present = ~np.isnan(v)
    filled = np.where(present, v, 0.0)
    n = np.bincount(codes, weights=present.astype(float), minlength=size)
    total = np.bincount(codes, weights=filled, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = total / n
        # Two-pass variance (deviations from the group mean) keeps precision for large values.
        squares = np.bincount(codes, weights=np.where(present, (v - centre[codes]) ** 2, 0.0), minlength=size)
        sd = np.sqrt(squares / (n - 1))
    has_missing = np.bincount(codes, weights=(~present).astype(float), minlength=size) > 0
    total[has_missing] = np.nan
    centre[has_missing] = np.nan
    sd[has_missing] = np.nan

    out = keys.copy()
    out["value_sum"] = total
    out["value_count"] = n.astype(np.int64)
    out["stdev"] = sd
    out["value"] = centre
    for level in levels:
        lower, upper = student_t_mean_ci(centre, sd, n, level)
        lo_col, up_col = ci_columns(level)
        out[lo_col] = lower
        out[up_col] = upper
    out["confidence"] = confidence_label(levels)
    out["statistic"] = "mean"
    out["method"] = STUDENT_T
    return finish_columns(out, groups, levels, extra=["value_sum", "value_count", "stdev"])

__all__ = ["wilson_ci", "byars_ci", "exact_poisson_ci", "poisson_ci", "values_from_counts", "dobson_ci", "student_t_mean_ci",
           "proportion", "crude_rate", "mean"]
