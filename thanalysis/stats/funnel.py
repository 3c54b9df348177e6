"""Funnel plots: control limits around a baseline and the significance of each point.

Method: Spiegelhalter DJ (2005), "Funnel plots for comparing institutional performance",
Statistics in Medicine 24:1185-1202, as set out in the OHID Fingertips technical guidance and
implemented by PHEindicatormethods (``calculate_funnel_limits``, ``assign_funnel_significance``,
``calculate_funnel_points``).

Limits are drawn at two levels: "2 sigma" (two-sided 95%, each tail 0.025) and "3 sigma"
(two-sided 99.8%, each tail 0.001).

* Proportions: normal approximation to the binomial around the baseline p (total numerator over
  total denominator): p ± z·√(p(1−p)/n), kept inside [0, 1], for a range of denominators n.
* Ratios (observed / expected, e.g. an indirectly standardised ratio): exact Poisson limits. For
  each observed count O the funnel passes through the expected count E at which O sits on the
  limit: the lower limit at E = upper exact limit of O, the upper limit at E = lower exact limit.
  The limit is O/E (``ratio_type="isr"``, times the multiplier) or O/E − 1 (``"count"``).
* Rates (crude or directly standardised): as ratios, with the expected count E = baseline rate ×
  population; the x axis is the population per year and the limit the rate O / population.
  For DSRs the population is derived as count / rate × multiplier; DSRs from fewer than 10
  events are not plotted.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import require_columns, z_value
from thanalysis.stats.intervals import exact_poisson_ci

#: The two funnel levels: name, two-sided confidence, one-tail probability shown in labels.
LEVELS = (("2s", 0.95, "0.025"), ("3s", 0.998, "0.001"))

#: Points on the default x axis, and the headroom above the largest observed denominator.
AXIS_POINTS = 100
AXIS_HEADROOM = 1.05

#: Fingertips does not plot or test DSRs from fewer than 10 events.
DSR_MIN_EVENTS = 10

NOT_SIGNIFICANT = "Not significant"
DSR_TOO_FEW = "Not applicable for events less than 10 for dsrs"

STATISTICS = ("proportion", "ratio", "rate")
RATIO_TYPES = ("count", "isr")
RATE_TYPES = ("dsr", "crude")


# --- public functions -------------------------------------------------------------------------

def funnel_limits(data: pd.DataFrame, numerator: str, denominator: str | None = None, *, statistic: str,
                  rate: str | None = None, multiplier: float | None = None, ratio_type: str | None = None,
                  rate_type: str | None = None, years_of_data: float | None = None,
                  axis: Sequence[float] | None = None) -> pd.DataFrame:
    """Funnel control limits at 2 and 3 sigma (95% and 99.8%) along an x axis, one row per point.

    Spiegelhalter (2005); Fingertips technical guidance; PHEindicatormethods ``calculate_funnel_limits``.

    ``statistic="proportion"``: ``numerator``/``denominator`` counts; columns ``denominator``,
    ``lower_2s_limit``, ``upper_2s_limit``, ``lower_3s_limit``, ``upper_3s_limit``, ``baseline``
    (all times ``multiplier``, e.g. 100 for per cent).

    ``statistic="ratio"``: ``numerator`` observed and ``denominator`` expected counts, with
    ``ratio_type`` "isr" (limits as O/E × multiplier) or "count" (O/E − 1); columns ``observed``,
    then for each limit the expected count where it is crossed (``lower_2s_expected`` ...) and the
    limit (``lower_2s_limit`` ...).

    ``statistic="rate"``: ``numerator`` events, ``rate`` (per ``multiplier``), ``rate_type`` "dsr"
    or "crude", ``years_of_data`` the years the counts cover, ``denominator`` optional
    (used for zero-event areas); columns ``events``, ``lower_2s_population_1_year``,
    ``lower_2s_limit``, ... ``baseline``.

    ``axis``: the x-axis points to use (denominators for proportions, observed counts for ratios,
    events for rates). By default 100 points span the data, from a round number below the smallest
    to about 5% above the largest, closer together at the small end where the funnel curves.
    """
    statistic = _choice(statistic, STATISTICS, "statistic")
    require_columns(data, [numerator, denominator, rate], "funnel_limits")
    if statistic == "proportion":
        out = _proportion_limits(data, numerator, denominator, _multiplier(multiplier, 1), axis)
        out["statistic"] = "proportion"
        out["method"] = "Normal approximation to the binomial (Spiegelhalter 2005)"
    elif statistic == "ratio":
        ratio_type = _choice(ratio_type, RATIO_TYPES, "ratio_type")
        out = _ratio_limits(data, numerator, denominator, ratio_type, _multiplier(multiplier, 1), axis)
        out["statistic"] = f"ratio ({ratio_type})"
        out["method"] = "Poisson"
    else:
        rate_type = _choice(rate_type, RATE_TYPES, "rate_type")
        mult = _multiplier(multiplier, None)
        years = _years(years_of_data)
        out = _rate_limits(data, numerator, denominator, rate, rate_type, mult, years, axis)
        out["statistic"] = f"rate ({rate_type} per {mult:,.0f})"
        out["method"] = "Poisson"
    return out


def funnel_significance(data: pd.DataFrame, numerator: str, denominator: str | None = None, *, statistic: str,
                        rate: str | None = None, rate_type: str | None = None, multiplier: float | None = None,
                        column: str = "significance") -> pd.DataFrame:
    """``data`` with a column saying whether each point lies outside the funnel.

    Labels: "High (0.001)" / "Low (0.001)" outside the 3-sigma (99.8%) limits, "High (0.025)" /
    "Low (0.025)" outside only the 2-sigma (95%) limits, else "Not significant". DSRs from fewer
    than 10 events are "Not applicable for events less than 10 for dsrs".
    Spiegelhalter (2005); PHEindicatormethods ``assign_funnel_significance``.
    """
    statistic = _choice(statistic, STATISTICS, "statistic")
    require_columns(data, [numerator, denominator, rate], "funnel_significance")
    out = data.copy()
    if statistic == "proportion":
        x, n = _proportion_inputs(data, numerator, denominator, "funnel_significance")
        p0 = x.sum() / n.sum()
        p = x / n
        high, low = {}, {}
        for name, conf, _ in LEVELS:
            spread = z_value(conf) * np.sqrt(p0 * (1 - p0) / n)
            high[name], low[name] = p > p0 + spread, p < p0 - spread
        out[column] = _labels(high, low, np.zeros(len(data), dtype=bool))
        return out
    if statistic == "ratio":
        observed = _counts(data, numerator, "funnel_significance")
        expected = _positive(data, denominator, "funnel_significance", "expected counts")
        out[column] = _poisson_labels(observed, expected, np.zeros(len(data), dtype=bool))
        return out
    rate_type = _choice(rate_type, RATE_TYPES, "rate_type")
    mult = _multiplier(multiplier, None)
    events, population, excluded = _rate_inputs(data, numerator, denominator, rate, rate_type, mult, "funnel_significance")
    baseline = events[~excluded].sum() / population[~excluded].sum()
    out[column] = _poisson_labels(events, baseline * population, excluded, excluded_label=DSR_TOO_FEW)
    return out


def funnel_points(
    data: pd.DataFrame,
    numerator: str,
    rate: str,
    *,
    rate_type: str,
    years_of_data: float,
    multiplier: float,
    denominator: str | None = None,
) -> pd.DataFrame:
    """Points to draw on a rate funnel: ``<rate>_chart`` and ``denominator_derived`` (population per year).

    The population is derived as events / rate × multiplier / years; where there are no events it
    is the supplied denominator / years. DSRs from fewer than 10 events are left out (missing).
    PHEindicatormethods ``calculate_funnel_points``.
    """
    rate_type = _choice(rate_type, RATE_TYPES, "rate_type")
    require_columns(data, [numerator, rate, denominator], "funnel_points")
    mult = _multiplier(multiplier, None)
    years = _years(years_of_data)
    events, population, excluded = _rate_inputs(data, numerator, denominator, rate, rate_type, mult, "funnel_points")
    out = data.copy()
    rates = data[rate].to_numpy(dtype=float)
    out[f"{rate}_chart"] = np.where(excluded, np.nan, rates)
    out["denominator_derived"] = np.where(excluded, np.nan, population / years)
    return out


# --- the limits for each statistic --------------------------------------------------------------

def _proportion_limits(data, numerator, denominator, mult, axis):
    x, n = _proportion_inputs(data, numerator, denominator, "funnel_limits")
    p0 = x.sum() / n.sum()
    if axis is None:
        low, high = _axis_range(n.min(), n.max())
        axis = funnel_axis(low, high)
    pop = np.asarray(axis, dtype=float)
    out = {"denominator": pop}
    for name, conf, _ in LEVELS:
        spread = z_value(conf) * np.sqrt(p0 * (1 - p0) / pop)
        out[f"lower_{name}_limit"] = np.clip(p0 - spread, 0, 1) * mult
        out[f"upper_{name}_limit"] = np.clip(p0 + spread, 0, 1) * mult
    out["baseline"] = np.full(len(pop), p0 * mult)
    return pd.DataFrame(out)


def _ratio_limits(data, numerator, denominator, ratio_type, mult, axis):
    observed = _counts(data, numerator, "funnel_limits")
    expected = _positive(data, denominator, "funnel_limits", "expected counts")
    if axis is None:
        low, high = _axis_range(expected.min(), expected.max())
        axis = funnel_axis(max(1.0, low), high)
    o = np.asarray(axis, dtype=float)
    out = {"observed": o}
    for name, conf, _ in LEVELS:
        lower_o, upper_o = exact_poisson_ci(o, conf)
        # The lower funnel line reaches O where E is the upper exact limit of O, and vice versa.
        for side, e in (("lower", upper_o), ("upper", lower_o)):
            out[f"{side}_{name}_expected"] = e
            ratio = o / e
            out[f"{side}_{name}_limit"] = ratio - 1 if ratio_type == "count" else ratio * mult
    return pd.DataFrame(out)


def _rate_limits(data, numerator, denominator, rate, rate_type, mult, years, axis):
    events, population, excluded = _rate_inputs(data, numerator, denominator, rate, rate_type, mult, "funnel_limits")
    keep = ~excluded
    baseline = events[keep].sum() / population[keep].sum()  # per person over all the years
    if axis is None:
        per_year = population[keep] / years
        low, high = _axis_range(per_year.min(), per_year.max())
        to_events = baseline * years
        axis = funnel_axis(max(1.0, math.floor(low * to_events)), math.ceil(high * to_events))
    o = np.asarray(axis, dtype=float)
    out = {"events": o}
    for name, conf, _ in LEVELS:
        lower_o, upper_o = exact_poisson_ci(o, conf)
        for side, e in (("lower", upper_o), ("upper", lower_o)):
            pop = e / baseline / years
            out[f"{side}_{name}_population_1_year"] = pop
            out[f"{side}_{name}_limit"] = o / (pop * years) * mult
    out["baseline"] = np.full(len(o), baseline * mult)
    return pd.DataFrame(out)


# --- the x axis -------------------------------------------------------------------------------

def _axis_range(smallest: float, largest: float) -> tuple[float, float]:
    """Round ends for the x axis: 5% above the largest value rounded up to 2 significant figures,
    and the power of ten below the smallest value when that is in the same decade as the top
    (otherwise the axis starts at 1 so that the narrow end of the funnel shows)."""
    top = _ceil_significant(largest * AXIS_HEADROOM, 2)
    decade = 10.0 ** math.floor(math.log10(smallest)) if smallest > 0 else 1.0
    bottom = decade if math.floor(math.log10(decade)) == math.floor(math.log10(top)) else 1.0
    return bottom, top


def _ceil_significant(x: float, figures: int) -> float:
    if x <= 0:
        return 0.0
    step = 10.0 ** (math.floor(math.log10(x)) - figures + 1)
    return math.ceil(round(x / step, 9)) * step


def funnel_axis(start: float, stop: float, points: int = AXIS_POINTS) -> np.ndarray:
    """Whole-number axis from ``start`` to ``stop``, spaced geometrically so that the steep small end
    of the funnel gets as many points as the flat large end.

    Each point is the previous one times (stop / previous) ** (1 / points left), rounded, and at
    least one more than the previous; re-aiming at ``stop`` from every point means the rounding
    never drifts and the last point is exactly ``stop``. (A loop over at most ``points`` values.)
    """
    start, stop = float(start), float(stop)
    if not 0 < start <= stop:
        raise StatsInputError(f"funnel_axis: need 0 < start <= stop, got {start} and {stop}")
    out = [round(start)]
    for i in range(1, points):
        prev = out[-1]
        if prev >= stop:
            break
        step = (stop / prev) ** (1.0 / (points - i))
        out.append(max(prev + 1, int(math.floor(prev * step + 0.5))))
    return np.asarray(out, dtype=float)


# --- inputs and labels ------------------------------------------------------------------------

def _choice(value, allowed, name):
    if value not in allowed:
        raise StatsInputError(f"{name} should be one of {', '.join(map(repr, allowed))}; got {value!r}")
    return value


def _multiplier(multiplier, default):
    if multiplier is None:
        if default is None:
            raise StatsInputError("multiplier is required for rate funnels (e.g. 100000 for a rate per 100,000)")
        return float(default)
    if isinstance(multiplier, (bool, np.bool_)) or not isinstance(multiplier, (int, float, np.number)) or multiplier <= 0:
        raise StatsInputError(f"multiplier should be a positive number, got {multiplier!r}")
    return float(multiplier)


def _years(years_of_data):
    if years_of_data is None or isinstance(years_of_data, (bool, np.bool_)) or not isinstance(years_of_data, (int, float, np.number)) or years_of_data <= 0:
        raise StatsInputError(f"years_of_data is required for rate funnels and must be a positive number; got {years_of_data!r}")
    return float(years_of_data)


def _numeric(data, column, function):
    if not pd.api.types.is_numeric_dtype(data[column]):
        raise StatsInputError(f"{function}: column {column!r} must be numeric; it holds {data[column].dtype}")
    return data[column].to_numpy(dtype=float)


def _counts(data, column, function):
    x = _numeric(data, column, function)
    bad = np.flatnonzero(x < 0)
    if bad.size:
        raise StatsInputError(f"{function}: numerators must be greater than or equal to zero; row(s) {', '.join(str(i + 1) for i in bad[:10])}")
    return x


def _positive(data, column, function, what):
    if column is None:
        raise StatsInputError(f"{function}: a denominator column ({what}) is required")
    x = _numeric(data, column, function)
    bad = np.flatnonzero(~(x > 0))
    if bad.size:
        raise StatsInputError(f"{function}: {what} (denominators) must be greater than zero; row(s) {', '.join(str(i + 1) for i in bad[:10])}")
    return x


def _proportion_inputs(data, numerator, denominator, function):
    x = _counts(data, numerator, function)
    n = _positive(data, denominator, function, "denominators")
    bad = np.flatnonzero(x > n)
    if bad.size:
        raise StatsInputError(
            f"{function}: numerators must be less than or equal to the denominator for a proportion; "
            f"row(s) {', '.join(str(i + 1) for i in bad[:10])}"
        )
    return x, n


def _rate_inputs(data, numerator, denominator, rate, rate_type, mult, function):
    """Events, population (all years) behind each rate, and which rows the method leaves out."""
    if rate is None:
        raise StatsInputError(f"{function}: a rate column is required for rate funnels")
    events = _counts(data, numerator, function)
    rates = _numeric(data, rate, function)
    with np.errstate(divide="ignore", invalid="ignore"):
        population = np.where(events > 0, events / rates * mult, np.nan)
    if denominator is not None:
        supplied = _numeric(data, denominator, function)
        population = np.where(events > 0, population, supplied)
    excluded = np.isnan(population)
    if rate_type == "dsr":
        excluded |= events < DSR_MIN_EVENTS
    return events, population, excluded


def _labels(high: dict, low: dict, excluded: np.ndarray, excluded_label: str | None = None) -> np.ndarray:
    out = np.full(len(excluded), NOT_SIGNIFICANT, dtype=object)
    # Test the wider (3-sigma) limits last so that they win.
    for name, _, tail in LEVELS:
        out[high[name]] = f"High ({tail})"
        out[low[name]] = f"Low ({tail})"
    if excluded_label is not None:
        out[excluded] = excluded_label
    return out


def _poisson_labels(observed, expected, excluded, excluded_label=None):
    """Observed count O against expected E: high when E is below the exact lower limit of O."""
    high, low = {}, {}
    for name, conf, _ in LEVELS:
        lower_o, upper_o = exact_poisson_ci(observed, conf)
        with np.errstate(invalid="ignore"):
            high[name] = (expected < lower_o) & ~excluded
            low[name] = (expected > upper_o) & ~excluded
    return _labels(high, low, excluded, excluded_label)

__all__ = ["funnel_limits", "funnel_significance", "funnel_points", "funnel_axis", ]
