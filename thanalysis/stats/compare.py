"""Benchmark comparison as OHID Fingertips does it: better, similar or worse than a benchmark.

Fingertips technical guidance ("Comparing with a benchmark") colours each area by whether its value
differs significantly from a benchmark (England, the region, a comparator group), at 95% and at
99.8% confidence. Methods here:

* ``"ci_overlap"`` - the area's confidence interval against the benchmark *value*: significantly
  higher if the lower limit is above the benchmark, lower if the upper limit is below it. Used for
  most indicators (Wilson intervals for proportions, Byars/Dobson for rates and DSRs, ...).
* ``"spc_proportion"`` - control limits around the benchmark proportion p0 for the area's
  denominator n: p0 ± z·√(p0(1−p0)/n) (Spiegelhalter 2005; the funnel-plot method).
* ``"exact_poisson_dsr"`` - for a directly standardised rate with its count: the population behind
  the rate is count / value, so the expected count at the benchmark rate is E = count × benchmark /
  value; the area is significantly high if E is below the exact Poisson lower limit of the count
  and low if above the upper limit (the Fingertips funnel method for DSRs). Fewer than 10 events
  are not compared.

The direction becomes words through the indicator's polarity: "Better"/"Similar"/"Worse" when
higher or lower is better, "Higher"/"Similar"/"Lower" when there is no judgement. Rows with a
missing value, limit, count or benchmark are "Not compared".
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import (FINGERTIPS_LEVELS, ci_columns, confidence_levels, level_suffix, require_columns,
                                      z_value)
from thanalysis.stats.intervals import exact_poisson_ci

FUNCTION = "compare_with_benchmark"
METHODS = ("ci_overlap", "spc_proportion", "exact_poisson_dsr")
POLARITY_WORDS = ("higher_is_better", "lower_is_better", "no_judgement")

#: Fingertips does not compare DSRs from fewer than 10 events.
DSR_MIN_EVENTS = 10

BETTER, SIMILAR, WORSE = "Better", "Similar", "Worse"
HIGHER, LOWER = "Higher", "Lower"
NOT_COMPARED = "Not compared"


def compare_with_benchmark(
    data: pd.DataFrame,
    benchmark: float | str,
    *,
    method: str = "ci_overlap",
    value: str = "value",
    count: str = "count",
    denominator: str = "denominator",
    lower_ci: str | Mapping[float, str] | None = None,
    upper_ci: str | Mapping[float, str] | None = None,
    confidence: float | Sequence[float] = FINGERTIPS_LEVELS,
    polarity: str = "no_judgement",
    multiplier: float = 1,
) -> pd.DataFrame:
    """``data`` with one ``comparison_<level>`` column per confidence level (``comparison_95``,
    ``comparison_99_8`` by default) holding Better/Similar/Worse (or Higher/Similar/Lower).

    Parameters
    ----------
    benchmark : the benchmark value (same units as ``value``) or the name of a column holding it
        per row (e.g. after joining England's values on indicator and period).
    method : "ci_overlap", "spc_proportion" or "exact_poisson_dsr" (see the module notes).
    lower_ci, upper_ci : for "ci_overlap", the limit columns; by default ``lower_ci_95`` /
        ``upper_ci_95`` and ``lower_ci_99_8`` / ``upper_ci_99_8``. A dict {level: column} for
        several levels, or one column name when one level is asked.
    polarity : "higher_is_better", "lower_is_better", "no_judgement", or a column of those words.
    multiplier : the scale of ``value`` and ``benchmark`` (100 for per cent) for "spc_proportion".
    """
    if method not in METHODS:
        raise StatsInputError(f"{FUNCTION}: method should be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    levels = confidence_levels(confidence)
    bench = _benchmark(data, benchmark)
    pol = _polarity(data, polarity)
    out = data.copy()
    for level in levels:
        if method == "ci_overlap":
            lo_col, hi_col = _limit_columns(level, levels, lower_ci, upper_ci)
            require_columns(data, [lo_col, hi_col], FUNCTION)
            direction = _ci_overlap(_num(data, lo_col), _num(data, hi_col), bench)
        elif method == "spc_proportion":
            require_columns(data, [count, denominator], FUNCTION)
            direction = _spc_proportion(_num(data, count), _num(data, denominator), bench / multiplier, level)
        else:
            require_columns(data, [count, value], FUNCTION)
            direction = _exact_poisson_dsr(_num(data, count), _num(data, value), bench, level)
        out[f"comparison_{level_suffix(level)}"] = _words(direction, pol)
    return out


# --- significance tests: each returns +1 (significantly higher), -1 (lower), 0 (similar), NaN ---

def _ci_overlap(lower, upper, bench):
    direction = np.where(lower > bench, 1.0, np.where(upper < bench, -1.0, 0.0))
    return np.where(np.isnan(lower) | np.isnan(upper) | np.isnan(bench), np.nan, direction)


def _spc_proportion(count, denominator, p0, level):
    with np.errstate(divide="ignore", invalid="ignore"):
        p = count / denominator
        spread = z_value(level) * np.sqrt(p0 * (1 - p0) / denominator)
    direction = np.where(p > p0 + spread, 1.0, np.where(p < p0 - spread, -1.0, 0.0))
    bad = np.isnan(p) | np.isnan(p0) | ~(denominator > 0) | (p0 < 0) | (p0 > 1)
    return np.where(bad, np.nan, direction)


def _exact_poisson_dsr(count, value, bench, level):
    lower, upper = exact_poisson_ci(count, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = count * bench / value
    direction = np.where(expected < lower, 1.0, np.where(expected > upper, -1.0, 0.0))
    bad = np.isnan(expected) | ~(value > 0) | ~(count >= DSR_MIN_EVENTS)
    return np.where(bad, np.nan, direction)


# --- inputs and words -------------------------------------------------------------------------

def _num(data, column):
    if not pd.api.types.is_numeric_dtype(data[column]):
        raise StatsInputError(f"{FUNCTION}: column {column!r} must be numeric; it holds {data[column].dtype}")
    return data[column].to_numpy(dtype=float)


def _benchmark(data, benchmark):
    if isinstance(benchmark, str):
        require_columns(data, [benchmark], FUNCTION)
        return _num(data, benchmark)
    if isinstance(benchmark, (bool, np.bool_)) or not isinstance(benchmark, (int, float, np.number)):
        raise StatsInputError(f"{FUNCTION}: benchmark should be a number or a column name; got {benchmark!r}")
    return np.full(len(data), float(benchmark))


def _polarity(data, polarity):
    if polarity in POLARITY_WORDS:
        return np.full(len(data), polarity, dtype=object)
    if isinstance(polarity, str) and polarity in data.columns:
        words = data[polarity].astype(object).to_numpy()
        unknown = sorted({str(w) for w in words if w not in POLARITY_WORDS and not pd.isna(w)})
        if unknown:
            raise StatsInputError(
                f"{FUNCTION}: polarity column {polarity!r} holds {unknown[:5]}; expected {', '.join(POLARITY_WORDS)}"
            )
        return words
    raise StatsInputError(
        f"{FUNCTION}: polarity should be one of {', '.join(POLARITY_WORDS)} or a column name; got {polarity!r}"
    )


def _limit_columns(level, levels, lower_ci, upper_ci):
    default_lo, default_hi = ci_columns(level)

    def pick(given, default):
        if given is None:
            return default
        if isinstance(given, str):
            if len(levels) > 1:
                raise StatsInputError(
                    f"{FUNCTION}: give lower_ci/upper_ci as {{level: column}} when comparing at several levels"
                )
            return given
        if level not in given:
            raise StatsInputError(f"{FUNCTION}: no limit column given for the {level:.1%} level")
        return given[level]

    return pick(lower_ci, default_lo), pick(upper_ci, default_hi)


def _words(direction, polarity):
    judged_up = polarity == "higher_is_better"
    judged_down = polarity == "lower_is_better"
    up = np.where(judged_up, BETTER, np.where(judged_down, WORSE, HIGHER))
    down = np.where(judged_up, WORSE, np.where(judged_down, BETTER, LOWER))
    unknown = np.array([pd.isna(p) for p in polarity], dtype=bool) if polarity.dtype == object else np.zeros(len(polarity), bool)
    words = np.where(direction > 0, up, np.where(direction < 0, down, SIMILAR)).astype(object)
    words[np.isnan(direction) | unknown] = NOT_COMPARED
    return words

__all__ = ["compare_with_benchmark", ]
