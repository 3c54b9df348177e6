"""Age standardisation: directly standardised rates (DSR) and indirectly standardised ratios and rates.

* :func:`directly_standardised_rate` weights age-specific rates by a standard population (the 2013
  European Standard Population by default) with Dobson et al. (1991) confidence limits, optionally
  widened for non-independent events (people counted more than once).
* :func:`indirectly_standardised_ratio` / :func:`indirectly_standardised_rate` compare observed
  events with those expected from reference age-specific rates (Byars or exact Poisson limits).

Formulas follow the OHID/PHE technical guidance behind Fingertips and PHEindicatormethods; the code is
our own. Grouped calculations run on whole arrays (no Python loop per group).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import (as_group_list, ci_columns, confidence_label, confidence_levels, finish_columns,
                                      group_codes, multiplier_text, require_columns)
from thanalysis.stats.intervals import dobson_ci, poisson_limits, poisson_method

#: European Standard Population 2013 (Eurostat), 19 five-year bands 0-4 … 85-89 and 90+.
ESP2013 = (5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
           7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000)
ESP2013_AGE_BANDS = ("0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44",
                     "45-49", "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+")

#: Fingertips does not publish a DSR from fewer than 10 events: the rate is too unstable.
DSR_MINIMUM_COUNT = 10

DOBSON = "Dobson"
DOBSON_NON_INDEPENDENT = "Dobson, with confidence adjusted for non-independent events"


# --------------------------------------------------------------------------------------------
# Shared checks and alignment by age band
# --------------------------------------------------------------------------------------------

def _numeric(data: pd.DataFrame, column: str, function: str) -> np.ndarray:
    try:
        return pd.to_numeric(data[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"{function}: column {column!r} must hold numbers ({exc})") from None


def _rows(mask: np.ndarray) -> str:
    bad = np.flatnonzero(mask)
    shown = ", ".join(str(i + 1) for i in bad[:10])
    return shown + (f" (and {bad.size - 10} more)" if bad.size > 10 else "")


def _require(mask: np.ndarray, function: str, message: str) -> None:
    if mask.any():
        raise StatsInputError(f"{function}: {message}; see data row(s) {_rows(mask)}")


def _group_label(keys: pd.DataFrame, index: np.ndarray) -> str:
    if keys.shape[1] == 0:
        return "the data"
    labels = [", ".join(f"{c}={keys.iloc[i][c]!r}" for c in keys.columns) for i in index[:5]]
    return "; ".join(labels) + (f" (and {len(index) - 5} more)" if len(index) > 5 else "")


def age_order_key(values: pd.Series, function: str) -> np.ndarray:
    """A sortable start age for each age band: the number itself, or the first number in a label
    such as ``"0-4"``, ``"05-09"`` or ``"90+"``."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float)
    start = pd.to_numeric(values.astype(str).str.extract(r"(\d+(?:\.\d+)?)", expand=False), errors="coerce")
    unreadable = start.isna().to_numpy()
    if unreadable.any():
        examples = values[unreadable].astype(str).unique()[:5]
        raise StatsInputError(
            f"{function}: cannot read a starting age from age band(s) {', '.join(map(repr, examples))}; "
            "expected numbers or labels such as '0-4', '5-9', '90+'"
        )
    return start.to_numpy(dtype=float)


def _band_positions(
    codes: np.ndarray, n_groups: int, age_key: np.ndarray | None, *, allow_repeats: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Position of each row's age band within its group (0 = youngest), the number of bands per
    group, and a flag marking the first row of each (group, band).

    Without an age key rows are taken in the order given. With one, rows are ordered by start age;
    ``allow_repeats`` lets several rows share a band (one per event frequency)."""
    n = codes.size
    if age_key is None:
        order = np.argsort(codes, kind="stable")
        sorted_codes = codes[order]
        new_band = np.ones(n, dtype=bool)
    else:
        order = np.lexsort((age_key, codes))
        sorted_codes = codes[order]
        sorted_age = age_key[order]
        new_band = np.ones(n, dtype=bool)
        new_band[1:] = (sorted_codes[1:] != sorted_codes[:-1]) | (sorted_age[1:] != sorted_age[:-1])
    band_id = np.cumsum(new_band) - 1
    group_start = np.ones(n, dtype=bool)
    group_start[1:] = sorted_codes[1:] != sorted_codes[:-1]
    first_band_of_group = np.maximum.accumulate(np.where(group_start, band_id, 0))
    position_sorted = band_id - first_band_of_group
    position = np.empty(n, dtype=np.intp)
    position[order] = position_sorted
    first_row = np.empty(n, dtype=bool)
    first_row[order] = new_band
    bands = np.bincount(codes, weights=first_row.astype(float), minlength=n_groups).astype(np.intp)
    if not allow_repeats and age_key is not None:
        repeated = ~first_row
        if repeated.any():
            raise StatsInputError(
                f"an age band appears more than once in a group; see data row(s) {_rows(repeated)}"
            )
    return position, bands, first_row


def _by_position(
    weights: Sequence[float], what: str, codes, keys, age_key, function: str, *, allow_repeats: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Give each row the entry of ``weights`` for its age band (by position in age order)."""
    w = np.asarray(weights, dtype=float)
    position, bands, first_row = _band_positions(codes, len(keys), age_key, allow_repeats=allow_repeats)
    wrong = np.flatnonzero(bands != w.size)
    if wrong.size:
        raise StatsInputError(
            f"{function}: {what} has {w.size} age bands but {_group_label(keys, wrong)} "
            f"has {bands[wrong[0]]}; every group needs one row per age band of {what}"
        )
    return w[position], first_row


# --------------------------------------------------------------------------------------------
# Directly standardised rates
# --------------------------------------------------------------------------------------------

def directly_standardised_rate(
    data: pd.DataFrame,
    count: str = "count",
    denominator: str = "denominator",
    *,
    group_by: str | Sequence[str] | None = None,
    standard_population: str | Sequence[float] | None = None,
    age_band: str | None = None,
    multiplier: float = 100000,
    confidence: float | Sequence[float] = 0.95,
    independent_events: bool = True,
    event_frequency: str | None = None,
    persons: str | None = None,
    minimum_count: int = DSR_MINIMUM_COUNT,
) -> pd.DataFrame:
    """Directly standardised rates with Dobson et al. (1991) confidence limits.

    ``DSR = Σ wᵢ·xᵢ/nᵢ / Σ wᵢ × multiplier`` with variance ``Σ wᵢ²·xᵢ/nᵢ² / (Σ wᵢ)²``; the limits
    scale the Poisson limits of the total count O (Byars, Breslow & Day 1987) onto the DSR:
    ``DSR + √(var/O)·(O_limit − O)``.

    Input: one row per group and age band (``count`` events, ``denominator`` population).
    ``standard_population``: None for the 2013 European Standard Population (19 bands, 0-4 … 90+,
    matched to the rows in age order: by ``age_band`` if given, else the order of the rows), a
    sequence of weights matched the same way, or the name of a column holding each row's weight.
    Missing counts count as zero.

    Non-independent events (e.g. people admitted more than once): pass
    ``independent_events=False``, ``age_band`` and ``event_frequency`` (a column with how many
    events each person had), with one row per group × age band × frequency. Each row's ``count``
    is its number of events, or give ``persons`` (people with that frequency; events = frequency ×
    persons). The variance then uses Σ f²·persons in place of the count, widening the interval
    (PHE technical guidance on DSRs for non-independent events).

    Returns per group ``total_count``, ``total_pop``, ``value``, limits per confidence level,
    ``confidence``, ``statistic`` ("dsr per 100000"), ``method`` ("Dobson") and ``value_note``.
    Groups with fewer than ``minimum_count`` events get no value or limits and a note saying why.
    """
    function = "directly_standardised_rate"
    groups = as_group_list(group_by)
    weight_column = standard_population if isinstance(standard_population, str) else None
    if not independent_events:
        if event_frequency is None or age_band is None:
            raise StatsInputError(
                f"{function}: for non-independent events give event_frequency= (the column of events per "
                "person) and age_band= (the age band column)"
            )
    elif event_frequency is not None or persons is not None:
        raise StatsInputError(f"{function}: event_frequency/persons are only used with independent_events=False")
    count_column = None if persons is not None else count
    require_columns(
        data, [count_column, denominator, weight_column, age_band, event_frequency, persons, *groups], function
    )
    levels = confidence_levels(confidence)

    pop = _numeric(data, denominator, function)
    _require(np.isnan(pop), function, f"the population ({denominator!r}) is missing")
    _require(pop <= 0, function, f"populations ({denominator!r}) must all be greater than zero")
    if independent_events:
        events = np.nan_to_num(_numeric(data, count, function), nan=0.0)
        _require(events < 0, function, f"counts ({count!r}) must all be zero or more")
        variance_events = events
    else:
        freq = _numeric(data, event_frequency, function)
        _require(np.isnan(freq) | (freq <= 0), function, f"event frequencies ({event_frequency!r}) must be 1 or more")
        if persons is not None:
            people = np.nan_to_num(_numeric(data, persons, function), nan=0.0)
            _require(people < 0, function, f"numbers of persons ({persons!r}) must all be zero or more")
            events = people * freq
        else:
            events = np.nan_to_num(_numeric(data, count, function), nan=0.0)
            _require(events < 0, function, f"counts ({count!r}) must all be zero or more")
        # Each person with f events adds f² (not f) to the variance of the count.
        variance_events = events * freq

    codes, keys = group_codes(data, groups)
    size = len(keys)
    age_key = age_order_key(data[age_band], function) if age_band is not None else None
    if weight_column is not None:
        weights = _numeric(data, weight_column, function)
        if age_key is not None:
            _, _, first_row = _band_positions(codes, size, age_key, allow_repeats=not independent_events)
        else:
            first_row = np.ones(len(data), dtype=bool)
    else:
        standard = ESP2013 if standard_population is None else standard_population
        what = "the European Standard Population 2013" if standard_population is None else "the standard population"
        weights, first_row = _by_position(
            standard, what, codes, keys, age_key, function, allow_repeats=not independent_events
        )
    _require(np.isnan(weights) | (weights < 0), function, "standard populations must all be zero or more")

    # Sums over age bands; the band's population and weight count once even when the band is
    # split over several event-frequency rows.
    band_weight = np.where(first_row, weights, 0.0)
    total_weight = np.bincount(codes, weights=band_weight, minlength=size)
    total_count = np.bincount(codes, weights=events, minlength=size)
    total_pop = np.bincount(codes, weights=np.where(first_row, pop, 0.0), minlength=size)
    rate_sum = np.bincount(codes, weights=weights * events / pop, minlength=size)
    var_sum = np.bincount(codes, weights=weights**2 * variance_events / pop**2, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        dsr = rate_sum / total_weight
        variance = var_sum / total_weight**2

    suppressed = total_count < minimum_count
    out = keys.copy()
    out["total_count"] = total_count
    out["total_pop"] = total_pop
    out["value"] = np.where(suppressed, np.nan, dsr * multiplier)
    for level in levels:
        lower, upper = dobson_ci(dsr, variance, total_count, level)
        lo_col, up_col = ci_columns(level)
        out[lo_col] = np.where(suppressed, np.nan, lower * multiplier)
        out[up_col] = np.where(suppressed, np.nan, upper * multiplier)
    out["confidence"] = confidence_label(levels)
    out["statistic"] = f"dsr per {multiplier_text(multiplier)}"
    out["method"] = DOBSON if independent_events else DOBSON_NON_INDEPENDENT
    out["value_note"] = np.where(suppressed, f"value suppressed: fewer than {minimum_count} events", "")
    out = finish_columns(out, groups, levels, extra=["total_count", "total_pop"])
    return out[[c for c in out.columns if c != "value_note"] + ["value_note"]]


# --------------------------------------------------------------------------------------------
# Indirect standardisation
# --------------------------------------------------------------------------------------------

def _reference_values(
    data: pd.DataFrame,
    spec: str | Sequence[float],
    name: str,
    reference: pd.DataFrame | None,
    age_band: str | None,
    reference_age_band: str | None,
    codes,
    keys,
    age_key,
    function: str,
) -> np.ndarray:
    """Reference counts or populations for each row: a column of ``data``, a column of a reference
    table joined on age band, or a sequence in age-band order."""
    if not isinstance(spec, str):
        values, _ = _by_position(spec, f"the reference {name}", codes, keys, age_key, function, allow_repeats=False)
        return values
    if reference is None:
        return _numeric(data, spec, function)
    if age_band is None:
        raise StatsInputError(f"{function}: give age_band= to join the reference table to the data")
    ref_band = reference_age_band or age_band
    require_columns(reference, [ref_band, spec], f"{function} (reference table)")
    if reference[ref_band].duplicated().any():
        raise StatsInputError(f"{function}: the reference table lists an age band more than once in {ref_band!r}")
    lookup = pd.Series(_numeric(reference, spec, function), index=reference[ref_band].astype(str).to_numpy())
    values = lookup.reindex(data[age_band].astype(str).to_numpy()).to_numpy(dtype=float)
    unmatched = ~data[age_band].astype(str).isin(lookup.index).to_numpy()
    if unmatched.any():
        examples = data.loc[unmatched, age_band].astype(str).unique()[:5]
        raise StatsInputError(
            f"{function}: age band(s) {', '.join(map(repr, examples))} are not in the reference table's {ref_band!r}"
        )
    return values


#: The arguments :func:`indirectly_standardised_rate` passes on to the ratio's calculation.
_INDIRECT_OPTIONS = ("reference_count", "reference_denominator", "reference", "age_band", "reference_age_band",
                     "observed_totals", "group_by", "confidence")


def _indirect(data: pd.DataFrame, count: str, denominator: str, function: str, *, reference_count="reference_count",
              reference_denominator="reference_denominator", reference=None, age_band=None, reference_age_band=None,
              observed_totals=None, group_by=None):
    """Observed and expected events per group, and the reference rate's numerator and denominator."""
    groups = as_group_list(group_by)
    in_data = [denominator, age_band, *groups]
    if observed_totals is None:
        in_data.append(count)
    if reference is None:
        in_data += [c for c in (reference_count, reference_denominator) if isinstance(c, str)]
    require_columns(data, in_data, function)

    pop = _numeric(data, denominator, function)
    _require(pop < 0, function, f"populations ({denominator!r}) must all be zero or more")
    codes, keys = group_codes(data, groups)
    size = len(keys)
    age_key = age_order_key(data[age_band], function) if age_band is not None else None
    ref_x = _reference_values(data, reference_count, "counts", reference, age_band, reference_age_band,
                              codes, keys, age_key, function)
    ref_n = _reference_values(data, reference_denominator, "populations", reference, age_band,
                              reference_age_band, codes, keys, age_key, function)
    _require(ref_x < 0, function, "reference counts must all be zero or more")
    _require(ref_n <= 0, function, "reference populations must all be greater than zero")

    with np.errstate(invalid="ignore", divide="ignore"):
        expected_rows = pop * ref_x / ref_n
    # Missing values (e.g. an age band with no data) contribute nothing, as in the R package.
    expected = np.bincount(codes, weights=np.nan_to_num(expected_rows, nan=0.0), minlength=size)
    ref_rate_num = np.bincount(codes, weights=np.nan_to_num(ref_x, nan=0.0), minlength=size)
    ref_rate_den = np.bincount(codes, weights=np.nan_to_num(ref_n, nan=0.0), minlength=size)

    if observed_totals is None:
        x = _numeric(data, count, function)
        _require(x < 0, function, f"counts ({count!r}) must all be zero or more")
        observed = np.bincount(codes, weights=np.nan_to_num(x, nan=0.0), minlength=size)
    else:
        require_columns(observed_totals, [*groups, count], f"{function} (observed_totals)")
        totals = observed_totals[[*groups, count]]
        if groups and totals.duplicated(groups).any():
            raise StatsInputError(f"{function}: observed_totals has more than one row for a group")
        if groups:
            try:
                merged = keys.merge(totals, on=groups, how="left")
            except (ValueError, TypeError) as exc:
                raise StatsInputError(
                    f"{function}: cannot match observed_totals to the data on {', '.join(map(repr, groups))} ({exc})"
                ) from None
        else:
            if len(totals) != 1:
                raise StatsInputError(f"{function}: without group_by, observed_totals must have exactly one row")
            merged = totals.reset_index(drop=True)
        observed = _numeric(merged, count, function)
        _require(observed < 0, function, f"observed totals ({count!r}) must all be zero or more")

    out = keys.copy()
    out["observed"] = observed
    out["expected"] = expected
    return out, groups, observed, expected, ref_rate_num, ref_rate_den


def _observed_over_expected(out: pd.DataFrame, groups: list[str], levels: list[float], observed: np.ndarray,
                            expected: np.ndarray, scale, statistic: str, extra: list[str]) -> pd.DataFrame:
    """O / E × ``scale`` with the Poisson limits of O over E × ``scale`` (exact below 10 events, Byars from 10)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        out["value"] = observed / expected * scale
    for column, limit in poisson_limits(observed, expected, levels, scale).items():
        out[column] = limit
    out["confidence"] = confidence_label(levels)
    out["statistic"] = statistic
    out["method"] = poisson_method(observed)
    return finish_columns(out, groups, levels, extra=extra)


def indirectly_standardised_ratio(
    data: pd.DataFrame,
    count: str = "count",
    denominator: str = "denominator",
    *,
    reference_count: str | Sequence[float] = "reference_count",
    reference_denominator: str | Sequence[float] = "reference_denominator",
    reference: pd.DataFrame | None = None,
    age_band: str | None = None,
    reference_age_band: str | None = None,
    observed_totals: pd.DataFrame | None = None,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Indirectly standardised ratio (observed / expected × ``multiplier``, e.g. 100 for an SMR).

    Expected events ``E = Σ nᵢ · Xᵢ/Nᵢ`` apply the reference age-specific rates (``Xᵢ``
    reference counts over ``Nᵢ`` reference populations) to the local populations. Limits are the
    Poisson limits of the observed count O divided by E: exact below 10 events, Byars from 10
    (Breslow & Day 1987).

    The reference values may be columns of ``data`` (the default names), columns of a ``reference``
    table joined on ``age_band`` (``reference_age_band`` names the reference's column if it
    differs), or sequences in age-band order (one entry per band, matched as for the DSR).
    ``observed_totals``: optionally a table of ``group_by`` columns and the ``count`` column giving
    each group's observed total when the age-specific counts are not available.
    """
    levels = confidence_levels(confidence)
    out, groups, observed, expected, _, _ = _indirect(
        data, count, denominator, "indirectly_standardised_ratio", reference_count=reference_count,
        reference_denominator=reference_denominator, reference=reference, age_band=age_band,
        reference_age_band=reference_age_band, observed_totals=observed_totals, group_by=group_by)
    return _observed_over_expected(out, groups, levels, observed, expected, multiplier,
                                   f"indirectly standardised ratio x {multiplier_text(multiplier)}",
                                   ["observed", "expected"])


def indirectly_standardised_rate(data: pd.DataFrame, count: str = "count", denominator: str = "denominator", *,
                                 multiplier: float = 100000, **options) -> pd.DataFrame:
    """Indirectly standardised rate: the ratio O/E times the reference crude rate
    (``ref_rate = ΣX / ΣN × multiplier``), with the ratio's Poisson limits (exact below 10 events,
    Byars from 10). The other arguments (``reference_count``, ``reference_denominator``, ``reference``,
    ``age_band``, ``reference_age_band``, ``observed_totals``, ``group_by``, ``confidence``) are those of
    :func:`indirectly_standardised_ratio`.
    """
    function = "indirectly_standardised_rate"
    unknown = sorted(set(options) - set(_INDIRECT_OPTIONS))
    if unknown:
        raise StatsInputError(f"{function}: unknown argument(s) {', '.join(unknown)}; "
                              f"expected {', '.join(_INDIRECT_OPTIONS)} or multiplier")
    levels = confidence_levels(options.pop("confidence", 0.95))
    out, groups, observed, expected, ref_num, ref_den = _indirect(data, count, denominator, function, **options)
    with np.errstate(invalid="ignore", divide="ignore"):
        ref_rate = ref_num / ref_den * multiplier
    out["ref_rate"] = ref_rate
    return _observed_over_expected(out, groups, levels, observed, expected, ref_rate,
                                   f"indirectly standardised rate per {multiplier_text(multiplier)}",
                                   ["observed", "expected", "ref_rate"])


__all__ = ["directly_standardised_rate", "indirectly_standardised_ratio", "indirectly_standardised_rate", ]
