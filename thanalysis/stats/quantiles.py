"""Assigning deprivation categories: split small areas into quantiles by a numeric value.

Method: OHID Fingertips technical guidance, "Assigning deprivation categories" (the method of
PHEindicatormethods ``phe_quantile``). Within each group the ``n`` areas with a value are ranked
from the quantile-1 end (rank 1), ties sharing the lowest rank, and an area of rank ``r`` goes into

    quantile = Q + 1 - ceil((n + 1 - r) * Q / n)

for ``Q`` quantiles: the counting is done from the far end, so when ``n`` is not a multiple of
``Q`` the spare areas fall into the lowest-numbered quantiles. By default the highest value gets
quantile 1 (for the Index of Multiple Deprivation score, decile 1 = most deprived); with
``polarity="higher_is_better"`` the lowest value gets quantile 1 instead (quantile 1 is always
the worst end).

The guidance notes that areas with equal values that straddle a boundary may need a manual look;
this function applies the rule strictly.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import as_group_list, caution, require_columns

FUNCTION = "assign_deprivation_quantiles"

#: Polarity words (and the boolean strings Fingertips exports use) -> invert (highest value first).
_INVERT_FROM_POLARITY = {
    "lower_is_better": True,
    "higher_is_better": False,
    "rag - low is good": True,
    "rag - high is good": False,
    "true": True,
    "false": False,
}


class QuantileWarning(UserWarning):
    """Groups too small to be split into the number of quantiles asked for."""


def assign_deprivation_quantiles(
    data: pd.DataFrame,
    value: str = "value",
    *,
    n_quantiles: int = 10,
    group_by: str | Sequence[str] | None = None,
    invert: bool | str = True,
    polarity: str | None = None,
    quantile_column: str = "quantile",
) -> pd.DataFrame:
    """Return ``data`` with a ``quantile`` column (1..n_quantiles; missing where it cannot be assigned).

    OHID technical guidance, "Assigning deprivation categories"; PHEindicatormethods ``phe_quantile``.

    Parameters
    ----------
    value : numeric column to rank by (e.g. ``imd_score``).
    n_quantiles : 10 for deciles, 5 for quintiles, 4 for quartiles, ...
    group_by : quantiles are assigned separately within each group (e.g. region).
    invert : True (default) puts the highest values in quantile 1; False the lowest. May be the
        name of a column of booleans that is constant within each group.
    polarity : alternative to ``invert`` in the analysts' words: ``"lower_is_better"`` (the highest
        value is worst, so it gets quantile 1) or ``"higher_is_better"``, or the name of a column
        holding such words (or "RAG - Low is good" / "RAG - High is good", "True"/"False").
    """
    if isinstance(n_quantiles, (bool, np.bool_)) or not isinstance(n_quantiles, (int, np.integer)) or n_quantiles < 2:
        raise StatsInputError(f"{FUNCTION}: n_quantiles must be a whole number of 2 or more, got {n_quantiles!r}")
    groups = as_group_list(group_by)
    require_columns(data, [value, *groups], FUNCTION)
    if not pd.api.types.is_numeric_dtype(data[value]):
        raise StatsInputError(f"{FUNCTION}: the value column {value!r} must be numeric; it holds {data[value].dtype}")

    keys = (
        data.groupby(groups, sort=False, dropna=False).ngroup().to_numpy()
        if groups
        else np.zeros(len(data), dtype=np.int64)
    )
    highest_first = _invert_per_row(data, keys, invert, polarity)

    values = data[value].to_numpy(dtype=float)
    # Rank from the quantile-1 end: negate the values when the highest value comes first, so that
    # "ties take the lowest rank" holds in the direction of counting.
    key = np.where(highest_first, -values, values)
    rank = pd.Series(key).groupby(keys).rank(method="min", na_option="keep").to_numpy()
    n = pd.Series(values).notna().groupby(keys).transform("sum").to_numpy()

    q = n_quantiles
    enough = n >= q
    usable = enough & ~np.isnan(rank)
    quantile = np.full(len(data), np.nan)
    r = rank[usable].astype(np.int64)
    nn = n[usable].astype(np.int64)
    # ceil(a / b) for positive integers, in exact integer arithmetic
    a = (nn + 1 - r) * q
    quantile[usable] = q + 1 - (-(-a // nn))
    if (~enough).any():
        caution(FUNCTION, f"one or more groups had too few areas to assign {q} quantiles "
                "(fewer areas with a value than quantiles); their quantile is left missing", QuantileWarning)
    out = data.copy()
    out[quantile_column] = pd.array(quantile, dtype="Int64")
    return out


def _invert_per_row(data, keys, invert, polarity) -> np.ndarray:
    """Whether the highest value gets quantile 1, row by row (constant within each group)."""
    n = len(data)
    if polarity is not None:
        if polarity in data.columns:
            words = data[polarity].astype(str).str.strip().str.lower()
            unknown = sorted(set(words) - set(_INVERT_FROM_POLARITY))
            if unknown:
                raise StatsInputError(
                    f"{FUNCTION}: polarity column {polarity!r} has values {unknown[:5]}; expected "
                    "lower_is_better or higher_is_better"
                )
            flags = words.map(_INVERT_FROM_POLARITY).to_numpy(dtype=bool)
            source = f"polarity column {polarity!r}"
        else:
            word = str(polarity).strip().lower()
            if word not in ("lower_is_better", "higher_is_better"):
                raise StatsInputError(
                    f"{FUNCTION}: polarity must be 'lower_is_better', 'higher_is_better' or a column name; got {polarity!r}"
                )
            return np.full(n, _INVERT_FROM_POLARITY[word])
    elif isinstance(invert, (bool, np.bool_)):
        return np.full(n, bool(invert))
    elif isinstance(invert, str):
        if invert not in data.columns:
            raise StatsInputError(f"{FUNCTION}: invert {invert!r} is not a column of the data")
        col = data[invert]
        if col.dtype == bool:
            flags = col.to_numpy()
        else:
            words = col.astype(str).str.strip().str.lower()
            if not words.isin(["true", "false"]).all():
                raise StatsInputError(f"{FUNCTION}: the invert column {invert!r} must hold True/False values")
            flags = (words == "true").to_numpy()
        source = f"invert column {invert!r}"
    else:
        raise StatsInputError(f"{FUNCTION}: invert must be True, False or a column name; got {invert!r}")
    varies = pd.Series(flags).groupby(keys).nunique().to_numpy() > 1
    if varies.any():
        raise StatsInputError(
            f"{FUNCTION}: the {source} must take the same value within each group; "
            f"{int(varies.sum())} group(s) mix both directions"
        )
    return flags

__all__ = ["assign_deprivation_quantiles", ]
