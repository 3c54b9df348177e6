"""One vocabulary for every statistic (after PHEindicatormethods).

Arguments: ``count``, ``denominator``, ``multiplier``, ``confidence`` (a level or a list of levels,
e.g. ``[0.95, 0.998]``), ``group_by`` (columns kept in the output).
Output columns: ``value``, ``lower_ci_95``, ``upper_ci_95`` (and ``lower_ci_99_8``, ``upper_ci_99_8``
etc. for each level asked), ``statistic``, ``method``.
"""
from __future__ import annotations

import warnings
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import norm

from thanalysis.errors import StatsInputError

#: The two levels Fingertips shows: 95% and 99.8%.
FINGERTIPS_LEVELS = (0.95, 0.998)


def confidence_levels(confidence: float | Sequence[float]) -> list[float]:
    """Normalise ``confidence`` to a list of levels in (0, 1); accepts 95 or 0.95 style."""
    levels = [confidence] if np.isscalar(confidence) else list(confidence)
    if not levels:
        raise StatsInputError("confidence: give at least one confidence level, e.g. 0.95 or [0.95, 0.998]")
    out = []
    for level in levels:
        level = float(level)
        if level >= 1:
            level = level / 100.0
        if not 0.5 <= level < 1:
            raise StatsInputError(f"confidence must be between 0.5 and 1 (e.g. 0.95 or 0.998), got {level!r}")
        out.append(level)
    return out


def caution(function: str, message: str, category: type[Warning]) -> None:
    """Warn the caller of the statistic ``function`` (the warning points at the caller's line)."""
    warnings.warn(f"{function}: {message}", category, stacklevel=3)


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile for a confidence level (1.959964 for 95%)."""
    return float(norm.ppf(1 - (1 - confidence) / 2))


def level_suffix(confidence: float) -> str:
    """Column suffix for a level: 0.95 → ``95``, 0.998 → ``99_8``, 0.9 → ``90``."""
    pct = round(confidence * 100, 6)
    text = f"{pct:.6f}".rstrip("0").rstrip(".")
    return text.replace(".", "_")


def ci_columns(confidence: float) -> tuple[str, str]:
    """(lower, upper) output column names for a level, e.g. ``lower_ci_95``, ``upper_ci_95``."""
    suffix = level_suffix(confidence)
    return f"lower_ci_{suffix}", f"upper_ci_{suffix}"


def require_columns(data: pd.DataFrame, columns: Iterable[str | None], function: str) -> None:
    """Raise a clear error naming the function and the missing column(s)."""
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        raise StatsInputError(
            f"{function}: column(s) {', '.join(map(repr, missing))} not found; "
            f"the data has {', '.join(map(repr, data.columns))}"
        )


def as_group_list(group_by: str | Sequence[str] | None) -> list[str]:
    if group_by is None:
        return []
    if isinstance(group_by, str):
        return [group_by]
    return list(group_by)


def check_non_negative(values: pd.Series | np.ndarray, name: str, function: str) -> None:
    arr = np.asarray(values, dtype=float)
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise StatsInputError(
            f"{function}: {name} must not be negative; row(s) {', '.join(str(i + 1) for i in bad[:10])} "
            f"have {', '.join(repr(float(arr[i])) for i in bad[:5])}"
        )


def check_count_within_denominator(count, denominator, function: str) -> None:
    c = np.asarray(count, dtype=float)
    d = np.asarray(denominator, dtype=float)
    bad = np.flatnonzero(c > d)
    if bad.size:
        raise StatsInputError(
            f"{function}: the count must not be greater than the denominator for a proportion; "
            f"row(s) {', '.join(str(i + 1) for i in bad[:10])}"
        )


def finish_columns(out: pd.DataFrame, groups: list[str], levels: list[float], extra: Sequence[str] = ()) -> pd.DataFrame:
    """Order output columns: groups, extra inputs kept, value, CIs in level order, statistic, method."""
    ci = [c for level in levels for c in ci_columns(level)]
    head = [c for c in [*groups, *extra] if c in out.columns]
    tail = [c for c in ["value", *ci, "confidence", "statistic", "method"] if c in out.columns]
    rest = [c for c in out.columns if c not in head and c not in tail]
    return out[head + rest + tail]


def confidence_label(levels: list[float]) -> str:
    """Human label stored in the ``confidence`` column, e.g. ``95%, 99.8%``."""
    return ", ".join(f"{level_suffix(level).replace('_', '.')}%" for level in levels)


def group_codes(data: pd.DataFrame, groups: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group code for every row (groups sorted, missing keys kept) and one row of keys per group.

    Lets grouped statistics work on whole numpy arrays (``np.bincount`` on the codes) instead of a
    Python loop per group. With no groups every row gets code 0 and the keys frame has one empty row.
    """
    if not groups:
        return np.zeros(len(data), dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1))
    codes = data.groupby(groups, sort=True, dropna=False, observed=True).ngroup().to_numpy(dtype=np.intp)
    _, first = np.unique(codes, return_index=True)
    keys = data[groups].iloc[first].reset_index(drop=True)
    return codes, keys


def group_sum(codes: np.ndarray, values, n_groups: int, *, missing_propagates: bool = False) -> np.ndarray:
    """Sum ``values`` per group code. Missing values are skipped unless ``missing_propagates``
    (then any missing value makes the group's sum missing, as R's ``sum()`` without ``na.rm``)."""
    arr = np.asarray(values, dtype=float)
    missing = np.isnan(arr)
    total = np.bincount(codes, weights=np.where(missing, 0.0, arr), minlength=n_groups)
    if missing_propagates and missing.any():
        any_missing = np.bincount(codes, weights=missing.astype(float), minlength=n_groups) > 0
        total[any_missing] = np.nan
    return total


def multiplier_text(multiplier: float) -> str:
    """``100000`` → ``"100000"``, ``0.5`` → ``"0.5"`` (for statistic labels such as "rate per 100000")."""
    m = float(multiplier)
    return str(int(m)) if m.is_integer() else f"{m:g}"
