"""Slope index of inequality (SII) and relative index of inequality (RII).

Method: Low & Low (2004), "Measuring the gap: quantifying and comparing local health
inequalities", Journal of Public Health 26:388-395, as used by OHID Fingertips and
PHEindicatormethods ``phe_sii``.

Steps, each a small function below:

1. ``_relative_ranks`` - each quantile (e.g. deprivation decile, 1 = most deprived) gets the
   midpoint of its share of the population in the cumulative distribution (its relative rank).
2. ``_regression_weights`` - weighted least squares of the indicator value on the relative rank,
   weighting each quantile by its population share (the "square root transformation" of the
   method: regress Y*sqrt(a) on sqrt(a) and b*sqrt(a)). Both fitted coefficients are linear in the
   values, so they are dot products of the values with fixed weights.
3. ``_standard_errors`` - the standard error of each quantile's value, supplied or taken from its
   95% confidence limits; for rates on the log scale and for proportions on the logit scale
   (their intervals are not symmetric).
4. ``_simulate`` - Monte Carlo confidence limits: quantile values are redrawn from normal
   distributions with those standard errors, the regression refitted for every draw, and the
   limits read from the percentiles of the simulated SII (and RII).

SII = fitted value at rank 1 minus fitted value at rank 0 (the gradient).
RII = fitted value at rank 1 / fitted value at rank 0 = (intercept + SII) / intercept.
With ``transform=True`` rates are fitted on the log scale and proportions on the logit scale and
the results transformed back to the indicator's units. A negative ``multiplier`` (used to turn a
"higher is worse" indicator round) multiplies the SII and inverts the RII. The intercept is
reported in the indicator's units and is not multiplied.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import (as_group_list, caution, confidence_label, confidence_levels, level_suffix,
                                      require_columns, z_value)

FUNCTION = "slope_index_of_inequality"

#: Value types, in PHEindicatormethods' numbering (0 other, 1 rate, 2 proportion) and in words.
VALUE_TYPE_CODES = {0: 0, 1: 1, 2: 2, "other": 0, "rate": 1, "proportion": 2}

#: The method is defined for between 5 and 100 quantiles; above 10 small numbers make it unstable.
MIN_QUANTILES, MAX_QUANTILES, MANY_QUANTILES = 5, 100, 10

#: Below this many repetitions the percentile limits are too noisy to publish.
MIN_REPETITIONS = 1000

#: The default seed makes a rebuilt report give the same confidence limits (Low & Low, 2004).
DEFAULT_SEED = 2004

#: Simulated values held in memory at once (about 16 MB of float64): draws are made in batches of
#: whole groups, so memory stays modest however many groups and repetitions are asked for.
BATCH_ELEMENTS = 2_000_000

#: Extra simulations run for the reliability statistic (the first run plus nine more).
RELIABILITY_RUNS = 10


class InequalityWarning(UserWarning):
    """Data quality problems that do not stop the SII but that an analyst should see."""


@dataclass(frozen=True)
class _Scale:
    """The scale a value type is simulated on: forward transform and its inverse."""

    forward: Callable[[np.ndarray], np.ndarray]
    inverse: Callable[[np.ndarray], np.ndarray]


def _identity(x):
    return x


def _logit(p):
    return np.log(p / (1 - p))


def _expit(t):
    return 1.0 / (1.0 + np.exp(-t))


_SCALES = {0: _Scale(_identity, _identity), 1: _Scale(np.log, np.exp), 2: _Scale(_logit, _expit)}


def value_type_code(value_type) -> int:
    """0 (other), 1 (rate) or 2 (proportion) from a code or a word."""
    key = value_type.lower() if isinstance(value_type, str) else value_type
    if isinstance(key, (bool, np.bool_)) or key not in VALUE_TYPE_CODES:
        raise StatsInputError(
            f"{FUNCTION}: value_type should be 0, 1 or 2 (or 'other', 'rate', 'proportion'); got {value_type!r}"
        )
    return VALUE_TYPE_CODES[key]


def slope_index_of_inequality(
    data: pd.DataFrame,
    quantile: str = "quantile",
    population: str = "population",
    value: str | None = "value",
    value_type: int | str = 0,
    *,
    count: str | None = None,
    group_by: str | Sequence[str] | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    confidence: float | Sequence[float] = 0.95,
    repetitions: int = 100_000,
    rii: bool = False,
    intercept: bool = False,
    reliability_stat: bool = False,
    multiplier: float = 1,
    transform: bool = False,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Slope index of inequality with Monte Carlo confidence limits, one row per group.

    Low & Low (2004); OHID Fingertips technical guidance; PHEindicatormethods ``phe_sii``.

    Parameters
    ----------
    data : one row per quantile (and per group in ``group_by``); quantile 1 is the most deprived.
    quantile, population, value : column names. ``value`` may be None for proportions when
        ``count`` is given (value = count / population).
    value_type : 0/"other" (e.g. life expectancy), 1/"rate", 2/"proportion" (0-1 scale).
    se : column of standard errors. For rates it is on the log scale and for proportions on the
        logit scale. If not given, ``lower_ci`` and ``upper_ci`` (95% limits) are used.
    confidence : one level or several (0.95, [0.95, 0.998], 95 ...).
    repetitions : Monte Carlo draws (at least 1,000).
    rii, intercept : also return the RII with its limits, and the fitted value at rank 0.
    reliability_stat : repeat the simulation 10 times and report the mean absolute difference
        between the limits of the first run and of the others (``sii_mad``, ``rii_mad``).
    multiplier : scales the SII (100 for percentages; negative to reverse polarity, which also
        inverts the RII).
    transform : fit rates on the log scale, proportions on the logit scale.
    seed : an int or a numpy Generator; the default (None) uses a fixed seed so results repeat.

    Returns
    -------
    DataFrame with the group columns, ``sii``, ``sii_lower_ci_95``, ``sii_upper_ci_95`` (one pair per
    level), then ``rii`` and its limits, ``intercept``, ``sii_mad``/``rii_mad`` when asked, and
    ``confidence``, ``statistic``, ``method``. Groups whose data are incomplete get NaN (with a
    warning).
    """
    vt = value_type_code(value_type)
    levels = confidence_levels(confidence)
    reps = _check_options(vt, levels, repetitions, multiplier, transform, value, count, se, lower_ci, upper_ci)
    groups = as_group_list(group_by)
    require_columns(data, [quantile, population, value, count, se, lower_ci, upper_ci, *groups], FUNCTION)
    _require_numeric(data, [quantile, population, value, count, se, lower_ci, upper_ci])

    work, group_table = _prepare(data, groups, quantile, population, value, count, se, lower_ci, upper_ci)
    required = _required_quantiles(work)
    work = _drop_incomplete_records(work, uses_count=value is None)
    _check_values(work, vt, count_based=value is None, se_given=se is not None)
    work["se"] = _standard_errors(work, vt, se_given=se is not None)

    complete = _complete_groups(work, required, len(group_table))
    if (~complete).any():
        caution(FUNCTION, "some records have been removed due to incomplete or invalid data; "
                f"{int((~complete).sum())} group(s) do not have all {required} quantiles and get no SII",
                InequalityWarning)
    if required > MANY_QUANTILES:
        caution(FUNCTION, "small values can make the SII unstable when using a large number of quantiles "
                f"({required} here; the method is designed for deciles or fewer)", InequalityWarning)

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(DEFAULT_SEED if seed is None else seed)
    good = np.flatnonzero(complete)
    results = _fit_groups(work, good, required, vt, transform, levels, reps, rng, rii, reliability_stat)
    return _assemble(group_table, groups, good, results, levels, rii, intercept, reliability_stat, multiplier, reps, vt, transform)


# --- checks -----------------------------------------------------------------------------------

def _check_options(vt, levels, repetitions, multiplier, transform, value, count, se, lower_ci, upper_ci) -> int:
    if isinstance(repetitions, (bool, np.bool_)) or not isinstance(repetitions, (int, np.integer, float)):
        raise StatsInputError(f"{FUNCTION}: repetitions should be a whole number, got {repetitions!r}")
    if repetitions < MIN_REPETITIONS or int(repetitions) != repetitions:
        raise StatsInputError(
            f"{FUNCTION}: the number of repetitions must be a whole number, {MIN_REPETITIONS:,} or greater "
            f"(default 100,000); got {repetitions!r}"
        )
    if isinstance(multiplier, (bool, np.bool_)) or not isinstance(multiplier, (int, float, np.number)) or multiplier == 0:
        raise StatsInputError(f"{FUNCTION}: multiplier should be a non-zero number, got {multiplier!r}")
    if transform and vt == 0:
        raise StatsInputError(f"{FUNCTION}: value_type should be 1 (rate) or 2 (proportion) when transform is true")
    if transform and se is not None:
        raise StatsInputError(
            f"{FUNCTION}: give lower_ci and upper_ci, not se, when transform is true "
            "(the confidence limits are transformed to get the standard error)"
        )
    if value is None and (count is None or vt != 2):
        raise StatsInputError(
            f"{FUNCTION}: give a value column, or a count column if the indicator is a proportion of the population"
        )
    if se is None and (lower_ci is None or upper_ci is None):
        raise StatsInputError(f"{FUNCTION}: give either both lower_ci and upper_ci columns (95% limits), or an se column")
    return int(repetitions)


def _require_numeric(data: pd.DataFrame, columns) -> None:
    bad = [c for c in columns if c is not None and not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise StatsInputError(
            f"{FUNCTION}: column(s) {', '.join(map(repr, bad))} must be numeric; "
            f"they hold {', '.join(str(data[c].dtype) for c in bad)}"
        )


def _rows(mask: np.ndarray, work: pd.DataFrame) -> str:
    rows = work.loc[mask, "_row"].to_numpy()[:10] + 1
    return ", ".join(str(r) for r in rows)


def _prepare(data, groups, quantile, population, value, count, se, lower_ci, upper_ci):
    """A tidy working table: group number, quantile, population, value, se/limits, original row."""
    if groups:
        keys = data.groupby(groups, sort=False, dropna=False).ngroup().to_numpy()
        first = pd.Series(np.arange(len(data))).groupby(keys).first().to_numpy()
        group_table = data[groups].iloc[first].reset_index(drop=True)
    else:
        keys = np.zeros(len(data), dtype=np.int64)
        group_table = pd.DataFrame(index=range(1))
    work = pd.DataFrame(
        {
            "_group": keys,
            "_row": np.arange(len(data)),
            "quantile": data[quantile].to_numpy(dtype=float),
            "population": data[population].to_numpy(dtype=float),
        }
    )
    if value is not None:
        work["value"] = data[value].to_numpy(dtype=float)
    if count is not None:
        work["count"] = data[count].to_numpy(dtype=float)
    if value is None:
        with np.errstate(divide="ignore", invalid="ignore"):
            work["value"] = work["count"] / work["population"]
    if se is not None:
        work["se_given"] = data[se].to_numpy(dtype=float)
    else:
        work["lower"] = data[lower_ci].to_numpy(dtype=float)
        work["upper"] = data[upper_ci].to_numpy(dtype=float)
    return work, group_table


def _required_quantiles(work: pd.DataFrame) -> int:
    """The number of quantiles every group must have: the most any group has in the input."""
    dup = (work["quantile"].notna() & work.duplicated(["_group", "quantile"])).to_numpy()
    if dup.any():
        raise StatsInputError(f"{FUNCTION}: a quantile appears more than once in a group; row(s) {_rows(dup, work)}")
    required = int(work.groupby("_group")["quantile"].nunique().max()) if len(work) else 0
    if not MIN_QUANTILES <= required <= MAX_QUANTILES:
        raise StatsInputError(
            f"{FUNCTION}: the number of quantiles must be between {MIN_QUANTILES} and {MAX_QUANTILES}; the data have {required}"
        )
    return required


def _drop_incomplete_records(work: pd.DataFrame, uses_count: bool) -> pd.DataFrame:
    """Rows without a quantile, population or value cannot be used (their group is then incomplete)."""
    needed = ["quantile", "population", "value"] + (["count"] if uses_count else [])
    keep = work[needed].notna().all(axis=1).to_numpy()
    return work.loc[keep].reset_index(drop=True)


def _check_values(work: pd.DataFrame, vt: int, count_based: bool, se_given: bool) -> None:
    pop = work["population"].to_numpy()
    bad = pop <= 0
    if bad.any():
        raise StatsInputError(
            f"{FUNCTION}: some groups have a zero or negative population; every quantile needs a population "
            f"above zero (row(s) {_rows(bad, work)})"
        )
    if count_based:
        bad = work["count"].to_numpy() <= 0
        if bad.any():
            raise StatsInputError(f"{FUNCTION}: some groups have a zero or negative count (row(s) {_rows(bad, work)})")
    val = work["value"].to_numpy()
    if vt == 2:
        bad = (val <= 0) | (val >= 1)
        if bad.any():
            raise StatsInputError(
                f"{FUNCTION}: value proportions must be between 0 and 1 (exclusive, for the logit scale); "
                f"row(s) {_rows(bad, work)}"
            )
    if vt == 1:
        bad = val <= 0
        if bad.any():
            raise StatsInputError(f"{FUNCTION}: rates must be above zero (for the log scale); row(s) {_rows(bad, work)}")
    if se_given:
        s = work["se_given"].to_numpy()
        bad = ~(s >= 0)
        if bad.any():
            raise StatsInputError(f"{FUNCTION}: negative or missing standard errors in the input; row(s) {_rows(bad, work)}")
        return
    lo, hi = work["lower"].to_numpy(), work["upper"].to_numpy()
    bad = np.isnan(lo) | np.isnan(hi)
    if bad.any():
        raise StatsInputError(f"{FUNCTION}: missing lower or upper confidence limits in the input; row(s) {_rows(bad, work)}")
    if vt == 2:
        bad = (lo <= 0) | (lo >= 1) | (hi <= 0) | (hi >= 1)
        if bad.any():
            raise StatsInputError(
                f"{FUNCTION}: confidence limit proportions must be between 0 and 1 (exclusive); row(s) {_rows(bad, work)}"
            )
    if vt == 1:
        bad = (lo <= 0) | (hi <= 0)
        if bad.any():
            raise StatsInputError(f"{FUNCTION}: rate confidence limits must be above zero; row(s) {_rows(bad, work)}")
    bad = lo > hi
    if bad.any():
        raise StatsInputError(f"{FUNCTION}: a lower confidence limit is above its upper limit; row(s) {_rows(bad, work)}")


def _standard_errors(work: pd.DataFrame, vt: int, se_given: bool) -> np.ndarray:
    """SE on the simulation scale: from 95% limits, (f(U) - f(L)) / (2 * 1.96), f = log or logit."""
    if se_given:
        return work["se_given"].to_numpy()
    f = _SCALES[vt].forward
    return (f(work["upper"].to_numpy()) - f(work["lower"].to_numpy())) / (2 * z_value(0.95))


def _complete_groups(work: pd.DataFrame, required: int, n_groups: int) -> np.ndarray:
    counts = np.bincount(work["_group"].to_numpy(), minlength=n_groups)
    return counts == required


# --- the regression ---------------------------------------------------------------------------

def _relative_ranks(pop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population shares a and relative ranks b (midpoint of each quantile's cumulative share)."""
    share = pop / pop.sum(axis=1, keepdims=True)
    return share, np.cumsum(share, axis=1) - share / 2


def _regression_weights(share: np.ndarray, rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights c, d with slope = y . c and intercept = y . d for the population-weighted fit."""
    mean_rank = (share * rank).sum(axis=1, keepdims=True)
    centred = rank - mean_rank
    c = share * centred / (share * centred**2).sum(axis=1, keepdims=True)
    d = share - c * mean_rank
    return c, d


def _statistics(a: np.ndarray, b: np.ndarray, scale: _Scale, transform: bool):
    """SII, RII and intercept (indicator units) from fitted intercept a and slope b."""
    if transform:
        bottom, top = scale.inverse(a), scale.inverse(a + b)
        return top - bottom, top / bottom, bottom
    return b, (a + b) / a, a


def _fit_groups(work, good, k, vt, transform, levels, reps, rng, want_rii, reliability):
    n_good = len(good)
    order = work.sort_values(["_group", "quantile"])
    order = order[order["_group"].isin(good)]
    pop = order["population"].to_numpy().reshape(n_good, k)
    val = order["value"].to_numpy().reshape(n_good, k)
    se = order["se"].to_numpy().reshape(n_good, k)

    share, rank = _relative_ranks(pop)
    c, d = _regression_weights(share, rank)
    scale = _SCALES[vt]
    y = scale.forward(val) if transform else val
    sii, rii, icpt = _statistics((y * d).sum(axis=1), (y * c).sum(axis=1), scale, transform)

    probs = np.array([p for level in levels for p in ((1 - level) / 2, 1 - (1 - level) / 2)])
    runs = RELIABILITY_RUNS if reliability else 1
    limits = [_simulate(val, se, c, d, scale, vt, transform, probs, reps, rng) for _ in range(runs)]
    return {"sii": sii, "rii": rii, "intercept": icpt, "limits": limits}


def _simulate(val, se, c, d, scale, vt, transform, probs, reps, rng):
    """Monte Carlo percentiles of SII and RII for every group, in batches of whole groups.

    When the fit is linear in the simulated quantities (value_type 0, or any transformed fit) the
    simulated intercept and slope are exactly bivariate normal, so they are drawn directly from
    that distribution (two normals per repetition instead of one per quantile; the same
    distribution as redrawing every quantile and refitting). Otherwise (rates and proportions fitted
    on their own scale) each quantile value is redrawn on the log/logit scale, transformed back and
    the fit repeated, as a batched matrix product.
    """
    n_groups, k = val.shape
    out_sii = np.empty((len(probs), n_groups))
    out_rii = np.empty((len(probs), n_groups))
    linear = vt == 0 or transform
    centre = scale.forward(val) if vt != 0 else val
    per_group = reps * (2 if linear else k)
    batch = max(1, BATCH_ELEMENTS // per_group)
    for start in range(0, n_groups, batch):
        sl = slice(start, min(start + batch, n_groups))
        if linear:
            a, b = _draw_linear(centre[sl], se[sl], c[sl], d[sl], reps, rng)
        else:
            z = rng.standard_normal((sl.stop - sl.start, k, reps))
            draws = scale.inverse(centre[sl, :, None] + se[sl, :, None] * z)
            a = np.einsum("gkr,gk->gr", draws, d[sl])
            b = np.einsum("gkr,gk->gr", draws, c[sl])
        s_sii, s_rii, _ = _statistics(a, b, scale, transform)
        out_sii[:, sl] = _percentiles(s_sii, probs)
        out_rii[:, sl] = _percentiles(s_rii, probs)
    return out_sii, out_rii


def _percentiles(x: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Percentiles along the last axis, interpolating between order statistics (R's default, type 7).

    One partial sort finds every order statistic needed, which is faster than a full sort or one
    ``np.quantile`` pass per percentile.
    """
    n = x.shape[-1]
    h = (n - 1) * probs
    below = np.floor(h).astype(np.int64)
    above = np.minimum(below + 1, n - 1)
    part = np.partition(x, np.unique(np.concatenate([below, above])), axis=-1)
    frac = (h - below)[:, None]
    return part[..., below].T * (1 - frac) + part[..., above].T * frac


def _draw_linear(centre, se, c, d, reps, rng):
    """Simulated (intercept, slope) pairs: bivariate normal with the fit's sampling covariance."""
    a0 = (centre * d).sum(axis=1)
    b0 = (centre * c).sum(axis=1)
    var = se**2
    v_aa = (d * d * var).sum(axis=1)
    v_bb = (c * c * var).sum(axis=1)
    v_ab = (c * d * var).sum(axis=1)
    l11 = np.sqrt(v_aa)
    with np.errstate(divide="ignore", invalid="ignore"):
        l21 = np.where(l11 > 0, v_ab / l11, 0.0)
    l22 = np.sqrt(np.maximum(v_bb - l21**2, 0.0))
    z = rng.standard_normal((2, len(a0), reps))
    a = a0[:, None] + l11[:, None] * z[0]
    b = b0[:, None] + l21[:, None] * z[0] + l22[:, None] * z[1]
    return a, b


# --- output -----------------------------------------------------------------------------------

def _assemble(group_table, groups, good, results, levels, want_rii, want_intercept, reliability, multiplier, reps, vt, transform):
    n = len(group_table)

    def full(values):
        out = np.full(n, np.nan)
        out[good] = values
        return out

    out = group_table.copy() if groups else pd.DataFrame(index=range(1))
    lim_sii, lim_rii = results["limits"][0]
    m = float(multiplier)
    out["sii"] = full(results["sii"] * m)
    for i, level in enumerate(levels):
        lo, hi = lim_sii[2 * i] * m, lim_sii[2 * i + 1] * m
        if m < 0:
            lo, hi = hi, lo
        sfx = level_suffix(level)
        out[f"sii_lower_ci_{sfx}"] = full(lo)
        out[f"sii_upper_ci_{sfx}"] = full(hi)
    if want_rii:
        out["rii"] = full(results["rii"] if m > 0 else 1 / results["rii"])
        for i, level in enumerate(levels):
            lo, hi = lim_rii[2 * i], lim_rii[2 * i + 1]
            if m < 0:
                lo, hi = 1 / hi, 1 / lo
            sfx = level_suffix(level)
            out[f"rii_lower_ci_{sfx}"] = full(lo)
            out[f"rii_upper_ci_{sfx}"] = full(hi)
    if want_intercept:
        out["intercept"] = full(results["intercept"])
    if reliability:
        first_sii, first_rii = results["limits"][0]
        out["sii_mad"] = full(abs(m) * np.mean([np.abs(s - first_sii).mean(axis=0) for s, _ in results["limits"][1:]], axis=0))
        if want_rii:
            out["rii_mad"] = full(np.mean([np.abs(r - first_rii).mean(axis=0) for _, r in results["limits"][1:]], axis=0))
    out["confidence"] = confidence_label(levels)
    out["statistic"] = "slope index of inequality" + (" and relative index of inequality" if want_rii else "")
    scale = {0: "", 1: ", log scale" if transform else "", 2: ", logit scale" if transform else ""}[vt]
    out["method"] = f"Low & Low (2004) weighted regression{scale}; Monte Carlo limits ({reps:,} repetitions)"
    return out.reset_index(drop=True)

__all__ = ["slope_index_of_inequality", ]
