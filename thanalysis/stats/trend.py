"""Fingertips "recent trend": is an indicator getting better or worse over its last five points?

Method (OHID Fingertips technical guidance, "Recent trends"; the trend markers being added to
PHEindicatormethods):

* Take the last five rows of each series (ordered by period). Time is their position, 1 to 5,
  not the calendar year, so gaps between periods do not matter. A series with fewer than five
  points, a repeated period, or a missing value among those five rows cannot be assessed.
* Proportions: chi-squared test for trend in the form of Cochran and Armitage (Armitage, Berry &
  Matthews 2002): with counts x_t, denominators n_t and overall proportion p,
  χ² = [Σ x_t·t − p·Σ n_t·t]² / (p(1−p)·[Σ n_t·t² − (Σ n_t·t)²/N]). The gradient reported is the
  ordinary least-squares slope of logit(x_t / n_t) on t.
* Other values: weighted linear regression of the value on t with weights 1/SE², the standard
  errors from the 95% limits, SE = (upper − lower) / (2 × 1.96); χ² = slope² / var(slope). The
  gradient is that slope.
* The trend is significant when χ² exceeds the 99.8% point of χ² with 1 degree of freedom
  (3 sigma), and it must stay significant (at 95%) when each of the five points is left out in
  turn, so that one unusual point cannot make a trend.

Labels: "Increasing" / "Decreasing" (with ", getting better/worse" wording when a polarity is
given: "Increasing and getting worse" ...), "No significant change", or "Cannot be calculated"
with the reason.

Where a series gives neither counts nor confidence intervals there is nothing to test:
:func:`direction_of_travel` only says which way the values moved (the latest value against the one before
and against the first of the last five), with no claim of significance.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import as_group_list, confidence_levels, require_columns, z_value

FUNCTION = "recent_trend"

#: Fingertips uses the last five points and a 99.8% (3 sigma) significance level.
TREND_POINTS = 5
TREND_CONFIDENCE = 0.998
#: The leave-one-out check asks that each four-point series still shows the trend at 95%
#: (the stricter 99.8% would reject the reference series in the peer test data, χ² 6.4 with one
#: point left out).
LEAVE_ONE_OUT_CONFIDENCE = 0.95

INCREASING, DECREASING = "Increasing", "Decreasing"
NO_CHANGE = "No significant change"
CANNOT = "Cannot be calculated"

REASON_SIGNIFICANT = "No outliers and significant trend"
REASON_OUTLIER = "Significant trend but not when one point is left out"
REASON_NOT_SIGNIFICANT = "No significant trend"
REASON_TOO_FEW = "Not enough data points"
REASON_DUPLICATES = "Duplicate years in group"
REASON_MISSING = "Missing values"
REASON_MISSING_CI = "Missing at least one confidence interval value"

_POLARITY_WORDING = {
    "higher_is_better": {INCREASING: "Increasing and getting better", DECREASING: "Decreasing and getting worse"},
    "lower_is_better": {INCREASING: "Increasing and getting worse", DECREASING: "Decreasing and getting better"},
}


def recent_trend(data: pd.DataFrame, period: str = "period", *, value_type: str = "proportion",
                 count: str | None = "count", denominator: str | None = "denominator", value: str | None = "value",
                 lower_ci: str | None = "lower_ci_95", upper_ci: str | None = "upper_ci_95",
                 polarity: str | None = None, group_by: str | Sequence[str] | None = None, multiplier: float = 1,
                 limits_confidence: float = 0.95) -> pd.DataFrame:
    """``data`` with ``recent_trend``, ``recent_trend_reason``, ``trend_statistic`` (χ²) and
    ``trend_gradient`` filled on the latest row of each series (missing on earlier rows).

    Fingertips technical guidance, "Recent trends".

    Parameters
    ----------
    period : column to order the series by (one row per period in each group).
    value_type : "proportion" (uses ``count`` and ``denominator``; either may be derived from
        ``value`` / ``multiplier``) or "other" (uses ``value`` and its limits).
    lower_ci, upper_ci : for "other", the limits (at ``limits_confidence``, 95% by default).
    polarity : None or "no_judgement" for plain Increasing/Decreasing; "higher_is_better" or
        "lower_is_better" to say whether the change is getting better or worse; or a column name.
    group_by : one trend per group (e.g. area, indicator, sex, ethnic group).
    """
    if value_type not in ("proportion", "other"):
        raise StatsInputError(f'{FUNCTION}: value_type should be "proportion" or "other"; got {value_type!r}')
    groups = as_group_list(group_by)
    level = confidence_levels(limits_confidence)[0]
    if value_type == "proportion":
        if count is not None and count not in data.columns:
            count = None
        if denominator is not None and denominator not in data.columns:
            denominator = None
        if count is None and denominator is None:
            raise StatsInputError(f"{FUNCTION}: proportions need a count or a denominator column (and value for the other)")
        if (count is None or denominator is None) and (value is None or value not in data.columns):
            raise StatsInputError(f"{FUNCTION}: give value when either the count or the denominator is missing")
        needed = [period, count, denominator, *( [value] if count is None or denominator is None else [])]
    else:
        if value is None or lower_ci is None or upper_ci is None:
            raise StatsInputError(f'{FUNCTION}: value, lower_ci and upper_ci are required when value_type is "other"')
        needed = [period, value, lower_ci, upper_ci]
    require_columns(data, [*needed, *groups], FUNCTION)
    for column in needed[1:]:
        if column is not None and not pd.api.types.is_numeric_dtype(data[column]):
            raise StatsInputError(f"{FUNCTION}: column {column!r} must be numeric; it holds {data[column].dtype}")

    keys = (
        data.groupby(groups, sort=False, dropna=False).ngroup().to_numpy()
        if groups
        else np.zeros(len(data), dtype=np.int64)
    )
    order = pd.DataFrame({"_g": keys, "_p": data[period].to_numpy(), "_i": np.arange(len(data))})
    order = order.sort_values(["_g", "_p"], kind="stable")
    n_groups = int(keys.max()) + 1 if len(keys) else 0

    duplicated = order.duplicated(["_g", "_p"], keep=False).groupby(order["_g"]).any().reindex(range(n_groups), fill_value=False).to_numpy()
    sizes = np.bincount(keys, minlength=n_groups)
    last_rows = order.groupby("_g").tail(TREND_POINTS)
    enough = sizes >= TREND_POINTS
    latest = order.groupby("_g")["_i"].last().reindex(range(n_groups)).to_numpy()

    reason = np.full(n_groups, None, dtype=object)
    reason[~enough] = REASON_TOO_FEW
    reason[duplicated & enough] = REASON_DUPLICATES

    # The last five rows of every group that has five, as (groups x 5) arrays.
    take = last_rows[np.isin(last_rows["_g"].to_numpy(), np.flatnonzero(enough))]
    idx = take["_i"].to_numpy()
    full = np.flatnonzero(enough)
    stat = np.full(n_groups, np.nan)
    grad = np.full(n_groups, np.nan)
    robust = np.zeros(n_groups, dtype=bool)

    def arr(column):
        return data[column].to_numpy(dtype=float)[idx].reshape(len(full), TREND_POINTS)

    if value_type == "proportion":
        x, n = _proportion_parts(data, idx, count, denominator, value, multiplier, len(full))
        missing = np.isnan(x).any(axis=1) | np.isnan(n).any(axis=1)
        _set_reason(reason, full, missing, REASON_MISSING)
        ok = ~missing
        stat[full[ok]], grad[full[ok]], robust[full[ok]] = _trend_test(_cochran_armitage, x[ok], n[ok], _logit_gradient)
    else:
        y, lo, hi = arr(value), arr(lower_ci), arr(upper_ci)
        missing = np.isnan(y).any(axis=1)
        missing_ci = ~missing & (np.isnan(lo).any(axis=1) | np.isnan(hi).any(axis=1))
        _set_reason(reason, full, missing, REASON_MISSING)
        _set_reason(reason, full, missing_ci, REASON_MISSING_CI)
        ok = ~(missing | missing_ci)
        se = (hi[ok] - lo[ok]) / (2 * z_value(level))
        stat[full[ok]], grad[full[ok]], robust[full[ok]] = _trend_test(_weighted_regression, y[ok], 1 / se**2, None)

    assessed = np.array([r is None for r in reason])
    threshold = chi2.ppf(TREND_CONFIDENCE, 1)
    significant = assessed & (stat > threshold) & robust
    outlier = assessed & (stat > threshold) & ~robust
    label = np.full(n_groups, CANNOT, dtype=object)
    label[assessed] = NO_CHANGE
    label[significant] = np.where(grad[significant] > 0, INCREASING, DECREASING)
    reason[significant] = REASON_SIGNIFICANT
    reason[outlier] = REASON_OUTLIER
    reason[assessed & ~(stat > threshold)] = REASON_NOT_SIGNIFICANT
    label = _polarity_wording(label, polarity, data, latest)
    stat[~assessed] = np.nan
    grad[~assessed] = np.nan

    out = data.copy()
    for name, values, dtype in (
        ("recent_trend", label, object),
        ("recent_trend_reason", reason, object),
        ("trend_statistic", stat, float),
        ("trend_gradient", grad, float),
    ):
        column = np.full(len(data), None if dtype is object else np.nan, dtype=dtype)
        column[latest] = values
        out[name] = column
    return out


def _set_reason(reason, full, mask, text):
    rows = full[mask]
    reason[rows] = np.where(pd.isna(reason[rows]), text, reason[rows])


def _proportion_parts(data, idx, count, denominator, value, multiplier, n_full):
    shape = (n_full, TREND_POINTS)
    get = lambda c: data[c].to_numpy(dtype=float)[idx].reshape(shape)  # noqa: E731
    if count is not None and denominator is not None:
        return get(count), get(denominator)
    p = get(value) / multiplier
    if count is None:
        n = get(denominator)
        return p * n, n
    x = get(count)
    return x, x / p


# --- the tests, vectorised over series (rows) -------------------------------------------------

def _trend_test(statistic, a, b, gradient):
    """χ² and gradient for every series, and whether χ² stays significant leaving out each point."""
    t = np.arange(1, TREND_POINTS + 1, dtype=float)
    weights = np.ones_like(a)
    stat, slope = statistic(a, b, t, weights)
    if gradient is not None:
        slope = gradient(a, b, t)
    threshold = chi2.ppf(LEAVE_ONE_OUT_CONFIDENCE, 1)
    robust = np.ones(len(a), dtype=bool)
    for left_out in range(TREND_POINTS):
        w = weights.copy()
        w[:, left_out] = 0.0
        loo, _ = statistic(a, b, t, w)
        robust &= loo > threshold
    return stat, slope, robust


def _cochran_armitage(x, n, t, keep):
    """Chi-squared test for trend in proportions (Cochran-Armitage), points with keep=0 left out."""
    x, n = x * keep, n * keep
    total_n = n.sum(axis=1)
    p = x.sum(axis=1) / total_n
    nt = (n * t).sum(axis=1)
    numerator = (x * t).sum(axis=1) - p * nt
    variance = p * (1 - p) * ((n * t * t).sum(axis=1) - nt**2 / total_n)
    with np.errstate(divide="ignore", invalid="ignore"):
        return numerator**2 / variance, None


def _logit_gradient(x, n, t):
    """Ordinary least-squares slope of logit(proportion) on time."""
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(x / (n - x))
    tc = t - t.mean()
    return (y * tc).sum(axis=1) / (tc**2).sum()


def _weighted_regression(y, w, t, keep):
    """Slope of y on t weighted by 1/SE², and its Wald χ² (slope² / variance)."""
    w = w * keep
    sw = w.sum(axis=1, keepdims=True)
    t_bar = (w * t).sum(axis=1, keepdims=True) / sw
    y_bar = (w * y).sum(axis=1, keepdims=True) / sw
    sxx = (w * (t - t_bar) ** 2).sum(axis=1)
    slope = (w * (t - t_bar) * (y - y_bar)).sum(axis=1) / sxx
    return slope**2 * sxx, slope


def _polarity_wording(label, polarity, data, latest):
    if polarity is None or polarity == "no_judgement":
        return label
    if polarity in _POLARITY_WORDING:
        words = np.full(len(label), polarity, dtype=object)
    elif isinstance(polarity, str) and polarity in data.columns:
        words = data[polarity].to_numpy(dtype=object)[latest]
    else:
        raise StatsInputError(
            f"{FUNCTION}: polarity should be higher_is_better, lower_is_better, no_judgement or a column name; got {polarity!r}"
        )
    out = label.copy()
    for i, (text, word) in enumerate(zip(label, words)):  # one entry per series, not per row
        out[i] = _POLARITY_WORDING.get(word, {}).get(text, text)
    return out

#: How :func:`direction_of_travel` works, in words a report can print beside its label.
DIRECTION_METHOD = ("direction of travel from the last {n} values, no significance test: the source gives no "
                    "counts or confidence intervals")
#: Directions of travel: the latest value against the first of the last values.
UP, DOWN, FLAT = "up", "down", "little change"


def _direction(change: float, reference: float, tolerance: float) -> str:
    if not np.isfinite(change):
        return FLAT
    return FLAT if abs(change) <= tolerance * abs(reference) else (UP if change > 0 else DOWN)


def direction_of_travel(values, polarity: str | None = None, *, points: int = TREND_POINTS,
                        tolerance: float = 0.01) -> dict:
    """Which way a series without counts or intervals moved over its last ``points`` values (missing values
    skipped): ``direction`` (``up``, ``down``, ``little change``: the latest value against the first of those
    values, a change within ``tolerance`` of the first value's size being little change), ``latest_step``
    (the same against the value before), ``meaning`` (``better``/``worse`` from ``polarity``, else ``None``),
    ``n`` (the values used), ``first``, ``previous``, ``latest``, the positions of the first and latest value
    used in ``values``, and ``method`` (:data:`DIRECTION_METHOD`). With fewer than two values the direction is
    ``None``. No significance is claimed: nothing here says whether the change is more than chance."""
    if points < 2:
        raise StatsInputError(f"direction_of_travel: points must be 2 or more, got {points!r}")
    if polarity not in (None, "no_judgement", *_POLARITY_WORDING):
        raise StatsInputError("direction_of_travel: polarity should be higher_is_better, lower_is_better or "
                              f"no_judgement; got {polarity!r}")
    y = np.asarray(values, dtype=float)
    used = np.flatnonzero(np.isfinite(y))[-points:]
    out = {"direction": None, "latest_step": None, "meaning": None, "n": int(len(used)), "first": np.nan,
           "previous": np.nan, "latest": np.nan, "first_position": None, "latest_position": None,
           "method": DIRECTION_METHOD.format(n=len(used))}
    if len(used) < 2:
        return out
    first, previous, latest = y[used[0]], y[used[-2]], y[used[-1]]
    direction = _direction(latest - first, first, tolerance)
    better = {"higher_is_better": UP, "lower_is_better": DOWN}.get(polarity)
    meaning = None if better is None or direction == FLAT else ("better" if direction == better else "worse")
    out.update(direction=direction, latest_step=_direction(latest - previous, previous, tolerance), meaning=meaning,
               first=float(first), previous=float(previous), latest=float(latest),
               first_position=int(used[0]), latest_position=int(used[-1]))
    return out


__all__ = ["recent_trend", "direction_of_travel", "DIRECTION_METHOD", "UP", "DOWN", "FLAT"]
