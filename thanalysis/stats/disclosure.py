"""Small-number suppression for published tables (statistical disclosure control).

Counts of 1 to ``threshold - 1`` (1–4 by default) could identify people, so they are removed before a table
is published, together with the rates and intervals built on them (*primary* suppression). Zero is not
disclosive by default (ONS and NHS Digital practice) and stays, unless ``suppress_zero=True``.

Removing one cell is not enough when the cells of a group add up to a total that is published (a row in the
same table, or a figure published elsewhere): subtracting the other cells from the total would give it back.
So within each such group a further cell is removed (*secondary* suppression, the next smallest count) until
no removed cell can be worked out exactly. A reader who knows the rules knows that every removed cell is at
least 1 (zero is published), so a group is also protected further when its removed cells could only all be 1.

One level of grouping is handled (the cells of ``group_by`` that add up to a total). Tables with totals in
two directions (e.g. areas × sex with both margins) need each margin checked: call the function once per
grouping on the published table.
"""
from __future__ import annotations

import warnings
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import DataError

#: The note written into suppressed rows (same words for primary and secondary, so the note reveals nothing).
SUPPRESSED_NOTE = "Suppressed: small number"
#: Columns whose values are built on a row's count and are removed with it (canonical "values" table names).
DEFAULT_DEPENDENT_COLUMNS = ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
#: Counts below this are suppressed (so 1–4 are removed).
DEFAULT_THRESHOLD = 5


class DisclosureWarning(UserWarning):
    """A cell could not be protected (e.g. a group of one cell whose total is published elsewhere)."""


def _total_mask(df: pd.DataFrame, total_rows) -> np.ndarray:
    if total_rows is None:
        return np.zeros(len(df), dtype=bool)
    if callable(total_rows):
        mask = total_rows(df)
    elif isinstance(total_rows, Mapping):
        missing = [c for c in total_rows if c not in df.columns]
        if missing:
            raise DataError("The column that marks total rows is not in the table.", column=", ".join(missing),
                            expected=f"one of: {', '.join(map(str, df.columns))}")
        mask = np.ones(len(df), dtype=bool)
        for column, value in total_rows.items():
            mask &= (df[column] == value).to_numpy()
    else:
        mask = total_rows
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (len(df),):
        raise DataError("total_rows must mark each row of the table as a total or not.",
                        expected=f"{len(df)} true/false values (or a {{column: value}} mapping)")
    return mask


def _group_ids(df: pd.DataFrame, group_by: str | Sequence[str] | None) -> np.ndarray:
    if group_by is None:
        return np.zeros(len(df), dtype=np.int64)
    columns = [group_by] if isinstance(group_by, str) else list(group_by)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError("A group_by column is not in the table.", column=", ".join(missing),
                        expected=f"one of: {', '.join(map(str, df.columns))}")
    if not columns:
        return np.zeros(len(df), dtype=np.int64)
    return df.groupby(columns, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)


def _secondary(values: np.ndarray, hidden: np.ndarray, gid: np.ndarray, is_total: np.ndarray,
               totals_published_elsewhere: bool, zeros_suppressed: bool, column: str) -> np.ndarray:
    """Extend ``hidden`` until, in every group with a known total, no hidden cell can be worked out exactly."""
    hidden = hidden.copy()
    n_groups = int(gid.max()) + 1 if gid.size else 0
    cell = ~is_total
    finite = np.isfinite(values)
    unresolved = np.zeros(n_groups, dtype=bool)

    def per_group(mask, weights=None):
        w = mask.astype(float) if weights is None else np.where(mask, weights, 0.0)
        return np.bincount(gid, weights=w, minlength=n_groups)

    while True:
        hidden_cells = hidden & cell
        k = per_group(hidden_cells)
        # A count missing in the input is unknown to everyone: it protects its group like a large number.
        s = per_group(hidden_cells, np.where(finite, values, np.inf))
        has_total = per_group(is_total) > 0
        total_published = per_group(is_total & ~hidden) > 0
        total_known = total_published | (~has_total & totals_published_elsewhere)
        zero_hidden = per_group(hidden_cells & finite & (values == 0)) > 0
        # What a reader knows each hidden cell is at least: 1 when zeros are published, else 0.
        lowest = np.where(zero_hidden | zeros_suppressed, 0.0, 1.0)
        # One unknown in "total = sum of cells" is solved by subtraction; several unknowns are pinned when
        # their sum leaves each no room above its lowest possible value.
        exposed_cell = total_known & ((k == 1) | ((k >= 2) & (s <= k * lowest)))
        # A hidden total with every cell published is just their sum.
        exposed_total = has_total & ~total_published & (k == 0)
        need = (exposed_cell | exposed_total) & ~unresolved
        if not need.any():
            return hidden
        candidates = cell & ~hidden & finite & need[gid]
        idx = np.flatnonzero(candidates)
        # Next smallest count first; a zero only when nothing else is left (zero carries little protection).
        order = np.lexsort((idx, values[idx], values[idx] == 0, gid[idx]))
        idx = idx[order]
        first = idx[np.r_[True, gid[idx][1:] != gid[idx][:-1]]] if idx.size else idx
        hidden[first] = True
        stuck = need.copy()
        stuck[gid[first]] = False
        if stuck.any():
            # No cell left to remove: remove the total row if it is in this table, else warn.
            total_in_table = is_total & ~hidden & stuck[gid]
            hidden |= total_in_table
            stuck[gid[total_in_table]] = False
            if stuck.any():
                unresolved |= stuck
                warnings.warn(
                    f"{int(stuck.sum())} group(s) in column {column!r} cannot be protected: the only cell of the "
                    "group equals a total published elsewhere. Publish the group at a coarser level.",
                    DisclosureWarning, stacklevel=4)


def suppress_small_numbers(
    df: pd.DataFrame,
    count_columns: str | Sequence[str] = ("count",),
    *,
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
    dependent_columns: Iterable[str] | None = None,
    group_by: str | Sequence[str] | None = None,
    total_rows: Mapping[str, object] | Sequence[bool] | np.ndarray | Callable | None = None,
    totals_published_elsewhere: bool = True,
    note_column: str = "value_note",
    note: str = SUPPRESSED_NOTE,
) -> pd.DataFrame:
    """A copy of ``df`` safe to publish: small counts and what is built on them removed, totals protected.

    - ``count_columns``: the counts checked; a count ``c`` with ``0 < c < threshold`` is removed
      (``0 <= c`` with ``suppress_zero``).
    - ``dependent_columns``: removed in every row where a count is removed (default: those of
      ``value, lower_ci_95, upper_ci_95, lower_ci_99_8, upper_ci_99_8`` present in ``df``).
    - ``group_by``: columns whose rows add up to a total (e.g. ``"area_code"`` for the categories of an area).
      Without it there is no secondary suppression.
    - ``total_rows``: which rows are the totals of their group (``{"category": "All"}``, a boolean mask or a
      function of ``df``). Groups without a total row are treated as having their total published elsewhere
      unless ``totals_published_elsewhere=False``.
    - ``note_column`` gets ``note`` in every suppressed row (appended to an existing note).

    The result keeps the column order; removed counts are missing (``<NA>``); ``result.attrs["suppressed_cells"]``
    counts the counts removed. ``df`` itself is not changed.
    """
    columns = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError("A count column to check for small numbers is not in the table.", column=", ".join(missing),
                        expected=f"one of: {', '.join(map(str, df.columns))}")
    if not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise DataError("The small-number threshold must be a whole number of at least 1.", values=[threshold],
                        expected="e.g. 5 (suppress 1-4) or 10 (suppress 1-9)")
    dependents = [c for c in (DEFAULT_DEPENDENT_COLUMNS if dependent_columns is None else dependent_columns)
                  if c in df.columns and c not in columns]
    if dependent_columns is not None:
        absent = [c for c in dependent_columns if c not in df.columns]
        if absent:
            raise DataError("A dependent column is not in the table.", column=", ".join(absent),
                            expected=f"one of: {', '.join(map(str, df.columns))}")

    counts = {}
    for c in columns:
        values = pd.to_numeric(df[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(values < 0)
        if bad.size:
            raise DataError("Counts cannot be negative.", column=c, rows=(bad + 1).tolist(),
                            values=values[bad][:10].tolist(), expected="counts of 0 or more")
        counts[c] = values

    gid = _group_ids(df, group_by)
    is_total = _total_mask(df, total_rows)
    out = df.copy()
    any_removed = np.zeros(len(df), dtype=bool)
    n_removed = 0
    for c, values in counts.items():
        smallest = (values >= 0) if suppress_zero else (values > 0)
        primary = smallest & (values < threshold)
        hidden = primary | np.isnan(values)
        if group_by is not None:
            hidden = _secondary(values, hidden, gid, is_total, totals_published_elsewhere, suppress_zero, c)
        removed = hidden & ~np.isnan(values)
        n_removed += int(removed.sum())
        any_removed |= removed
        whole = np.isnan(values) | (np.mod(values, 1) == 0)
        if pd.api.types.is_integer_dtype(df[c]) or (pd.api.types.is_float_dtype(df[c]) and whole.all()):
            out[c] = pd.array(np.where(hidden, np.nan, values), dtype="Float64").astype("Int64")
        else:
            out[c] = np.where(hidden, np.nan, values)
    for d in dependents:
        if any_removed.any():
            column = out[d].copy()
            if not pd.api.types.is_float_dtype(column) and not pd.api.types.is_object_dtype(column):
                column = column.astype("float64")
            column[any_removed] = np.nan
            out[d] = column
    if any_removed.any():
        existing = out[note_column].astype("string").fillna("") if note_column in out.columns else pd.Series(
            "", index=out.index, dtype="string")
        joined = existing.where(existing == "", existing + "; ") + note
        notes = existing.where(~any_removed, joined.where(existing.str.find(note) < 0, existing))
        out[note_column] = notes.astype(object)
    out.attrs["suppressed_cells"] = n_removed
    return out
