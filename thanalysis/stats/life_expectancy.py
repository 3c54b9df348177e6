"""Period life expectancy from an abridged life table (Chiang II) with Silcocks et al. confidence limits.

The method is the one OHID/PHE publish in Fingertips and in PHEindicatormethods: Chiang's (1984)
abridged life table with fraction of the last year lived ``aₓ = 0.1`` for infants and ``0.5``
otherwise, and the variance of Chiang with the final open age band handled as in Silcocks, Jenner &
Reza (2001), so that the estimate and its limits are available at every start age.

Every group is laid out as a (groups × age bands) matrix, so a whole table of areas is one set of
numpy operations.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import (as_group_list, ci_columns, confidence_label, confidence_levels, finish_columns,
                                      group_codes, require_columns, z_value)

METHOD = "Chiang, using Silcocks et al for confidence limits"
#: Fingertips does not publish life expectancy for populations of 5,000 or fewer.
MINIMUM_POPULATION = 5000
#: A value whose 95% confidence interval is wider than this many years is not published.
MAXIMUM_CI_WIDTH = 20.0
RADIX = 100_000.0


def standard_start_ages(top_band: int = 90) -> tuple[int, ...]:
    """Start ages of the standard abridged life table: 0, 1, 5, 10, …, ``top_band`` (85 or 90)."""
    if top_band not in (85, 90):
        raise StatsInputError(f"life_expectancy: top_band must be 85 or 90, got {top_band!r}")
    return (0, 1, *range(5, top_band + 1, 5))


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    try:
        return pd.to_numeric(data[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise StatsInputError(f"life_expectancy: column {column!r} must hold numbers ({exc})") from None


def _as_matrix(
    data: pd.DataFrame, groups: list[str], start_age: str, layout: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Row index of each (group, start age) cell, the group keys, and the data rows per cell."""
    codes, keys = group_codes(data, groups)
    ages = _numeric(data, start_age)
    k = layout.size
    position = np.searchsorted(layout, ages)
    position_clipped = np.minimum(position, k - 1)
    unknown = np.isnan(ages) | (layout[position_clipped] != ages)
    if unknown.any():
        bad = np.flatnonzero(unknown)
        values = ", ".join(str(v) for v in pd.unique(data[start_age].to_numpy()[bad])[:5])
        raise StatsInputError(
            f"life_expectancy: start age(s) {values} in column {start_age!r} (data rows "
            f"{', '.join(str(i + 1) for i in bad[:10])}) are not in the life table's start ages "
            f"{', '.join(str(int(a)) for a in layout)}"
        )
    cell = codes * k + position_clipped
    per_cell = np.bincount(cell, minlength=len(keys) * k).reshape(len(keys), k)
    if (per_cell != 1).any():
        group_index, band_index = np.nonzero(per_cell != 1)
        problems = []
        for g, b in list(zip(group_index, band_index))[:5]:
            where = ", ".join(f"{c}={keys.iloc[g][c]!r}" for c in keys.columns) or "the data"
            what = "is missing" if per_cell[g, b] == 0 else f"appears {per_cell[g, b]} times"
            problems.append(f"start age {int(layout[b])} {what} for {where}")
        raise StatsInputError(
            "life_expectancy: every group needs exactly one row for each start age "
            f"({', '.join(str(int(a)) for a in layout)}); " + "; ".join(problems)
        )
    row_of_cell = np.empty(len(keys) * k, dtype=np.intp)
    row_of_cell[cell] = np.arange(len(data))
    return row_of_cell.reshape(len(keys), k), codes, keys


def _reverse_cumsum(a: np.ndarray) -> np.ndarray:
    return np.cumsum(a[:, ::-1], axis=1)[:, ::-1]


def chiang_life_table(deaths: np.ndarray, population: np.ndarray, start_ages: Sequence[float]) -> dict[str, np.ndarray]:
    """Chiang II abridged life table for a (groups × bands) matrix of deaths and populations.

    Returns ``e`` (life expectancy at each start age) and ``variance`` (its Chiang/Silcocks
    variance). Bands run from ``start_ages[i]`` to ``start_ages[i+1]``; the last is open-ended.
    """
    ages = np.asarray(start_ages, dtype=float)
    width = np.append(np.diff(ages), np.nan)
    # Chiang's fraction of the interval lived by those who die in it: 0.1 in the first year of life.
    a = np.where((ages == 0) & (width == 1), 0.1, 0.5)
    D = np.asarray(deaths, dtype=float)
    P = np.asarray(population, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        m = D / P
        q = width * m / (1 + width * (1 - a) * m)
        q[:, -1] = 1.0  # everyone alive at the start of the open band dies in it
        survive = 1 - q
        l = RADIX * np.concatenate([np.ones((D.shape[0], 1)), np.cumprod(survive[:, :-1], axis=1)], axis=1)
        l_next = np.concatenate([l[:, 1:], np.zeros((D.shape[0], 1))], axis=1)
        d = l - l_next
        L = width * (l_next + a * d)
        L[:, -1] = l[:, -1] / m[:, -1]
        e = _reverse_cumsum(L) / l

        # Chiang's variance of q (binomial, with D deaths), zero where there were no deaths.
        var_q = np.where(D > 0, q**2 * (1 - q) / np.where(D > 0, D, 1.0), 0.0)
        e_next = np.concatenate([e[:, 1:], np.zeros((D.shape[0], 1))], axis=1)
        term = l**2 * ((1 - a) * width + e_next) ** 2 * var_q
        term[:, -1] = 0.0
        # Silcocks et al. (2001): the open band contributes l_w² / M_w⁴ · Var(M_w), Var(M_w) = D_w / P_w².
        open_band = l[:, -1] ** 2 / m[:, -1] ** 4 * D[:, -1] / P[:, -1] ** 2
        variance = (_reverse_cumsum(term) + open_band[:, None]) / l**2
    return {"e": e, "variance": variance, "l": l, "q": q}


def life_expectancy(
    data: pd.DataFrame,
    deaths: str = "deaths",
    population: str = "population",
    start_age: str = "start_age",
    *,
    group_by: str | Sequence[str] | None = None,
    confidence: float | Sequence[float] = 0.95,
    top_band: int = 90,
    start_ages: Sequence[float] | None = None,
    report_ages: Sequence[float] | None = None,
    minimum_population: float = MINIMUM_POPULATION,
    maximum_ci_width: float = MAXIMUM_CI_WIDTH,
) -> pd.DataFrame:
    """Life expectancy at each start age, by Chiang's abridged life table (Chiang 1984) with
    confidence limits by Silcocks et al. (2001).

    Input: one row per group and age band, with the band's ``start_age`` (0, 1, 5, 10, …, 90 by
    default; ``top_band=85`` for tables ending 85+, or any layout through ``start_ages``; band
    widths come from the start ages), ``deaths`` and ``population``.

    Output: one row per group and start age (or only ``report_ages``) with the band's deaths and
    population, ``population_used`` and ``deaths_used`` (from that age up), ``value`` and limits per
    confidence level, ``confidence``, ``statistic``, ``method`` and ``value_note``.

    Suppression (as Fingertips): the whole group is missing if any deaths are negative, any band's
    population is zero or less, deaths exceed the population in any band, the total population is
    ``minimum_population`` (5,000) or less, or there are no deaths in the open top band. Then any
    value (not its limits) whose 95% interval is wider than ``maximum_ci_width`` (20) years is
    missing. ``value_note`` says which rule applied.
    """
    groups = as_group_list(group_by)
    require_columns(data, [deaths, population, start_age, *groups], "life_expectancy")
    levels = confidence_levels(confidence)
    layout = np.asarray(standard_start_ages(top_band) if start_ages is None else start_ages, dtype=float)
    if layout.ndim != 1 or layout.size < 2 or np.any(np.diff(layout) <= 0):
        raise StatsInputError("life_expectancy: start_ages must be at least two ages in increasing order")

    cells, _, keys = _as_matrix(data, groups, start_age, layout)
    D = _numeric(data, deaths)[cells]
    P = _numeric(data, population)[cells]
    n_groups, k = D.shape

    table = chiang_life_table(D, P, layout)
    with np.errstate(invalid="ignore"):
        e, se = table["e"], np.sqrt(table["variance"])

    # Whole-group suppression rules, first matching reason wins.
    rules = [
        (np.isnan(D).any(axis=1) | np.isnan(P).any(axis=1), "deaths or population missing in an age band"),
        ((D < 0).any(axis=1), "negative deaths in an age band"),
        ((P <= 0).any(axis=1), "an age band has a population of zero or less"),
        ((D > P).any(axis=1), "deaths exceed the population in an age band"),
        (np.nansum(P, axis=1) <= minimum_population,
         f"total population is {minimum_population:,.0f} or less"),
        (D[:, -1] == 0, "no deaths in the open top age band"),
    ]
    whole_note = np.full(n_groups, "", dtype=object)
    for mask, reason in reversed(rules):
        whole_note[mask] = f"value suppressed: {reason}"
    whole_group = whole_note != ""

    z95 = z_value(0.95)
    too_wide = (2 * z95 * se > maximum_ci_width) & ~whole_group[:, None]
    value = np.where(whole_group[:, None] | too_wide, np.nan, e)
    note = np.where(whole_group[:, None], whole_note[:, None], "")
    note = np.where(too_wide, f"value suppressed: 95% confidence interval wider than {maximum_ci_width:g} years", note)

    out = keys.loc[np.repeat(np.arange(n_groups), k)].reset_index(drop=True)
    out[start_age] = np.tile(layout, n_groups)
    if np.all(np.equal(np.mod(layout, 1), 0)):
        out[start_age] = out[start_age].astype(np.int64)
    out[deaths] = D.ravel()
    out[population] = P.ravel()
    out["population_used"] = _reverse_cumsum(P).ravel()
    out["deaths_used"] = _reverse_cumsum(D).ravel()
    out["value"] = value.ravel()
    for level in levels:
        half = z_value(level) * se
        lo_col, up_col = ci_columns(level)
        out[lo_col] = np.where(whole_group[:, None], np.nan, e - half).ravel()
        out[up_col] = np.where(whole_group[:, None], np.nan, e + half).ravel()
    out["confidence"] = confidence_label(levels)
    out["statistic"] = "life expectancy (years)"
    out["method"] = METHOD
    out["value_note"] = note.ravel()
    if report_ages is not None:
        wanted = np.asarray(report_ages, dtype=float)
        unknown = wanted[~np.isin(wanted, layout)]
        if unknown.size:
            raise StatsInputError(
                f"life_expectancy: report_ages {', '.join(f'{a:g}' for a in unknown)} are not start ages of the table"
            )
        out = out[np.isin(out[start_age].to_numpy(dtype=float), wanted)].reset_index(drop=True)
    out = finish_columns(out, groups, levels, extra=[start_age, deaths, population, "population_used", "deaths_used"])
    return out[[c for c in out.columns if c != "value_note"] + ["value_note"]]

__all__ = ["life_expectancy", ]
