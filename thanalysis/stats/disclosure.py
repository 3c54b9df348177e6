"""Small-number suppression for published tables and series (statistical disclosure control).

The project's rule: counts of 1 to ``threshold - 1`` (1–4 with :data:`DEFAULT_THRESHOLD` = 5) could identify
people, so they are removed before anything is published, together with the rates and intervals built on them
(*primary* suppression). Zero is not disclosive by default (ONS and NHS Digital practice) and stays, unless
``suppress_zero=True``.

Removing one cell is not enough when the cells of a group add up to a total that is published (a row in the
same table, or a figure published elsewhere): subtracting the other cells from the total would give it back.
So within each such group a further cell is removed (*secondary* suppression, the next smallest count) until
no removed cell can be worked out exactly. A reader who knows the rules knows that every removed cell is at
least 1 (zero is published), so a group is also protected further when its removed cells could only all be 1.

:func:`suppress_small_numbers` handles one level of grouping (the cells of ``group_by`` that add up to a
total). :func:`withheld_cells` takes several groupings of the same cells (e.g. areas within a month, and
months within an area) and repeats the secondary step over all of them until none needs another cell.

Monthly series (the priority dashboard, :func:`series_withheld`)
----------------------------------------------------------------
Every number a dashboard publishes (series and summary tables, ``summary.json``, narrative, chart, alt text)
follows these rules; the SPC analysis itself uses the true numbers.

1. **Primary.** A month whose count is 1 to ``threshold - 1`` is withheld (for a count metric the value is
   the count). A withheld month publishes no count, no value, no interval and **no denominator**: a
   denominator beside a percentage, or beside a mean of percentages, gives the count back.
2. **Secondary, between areas.** In each month the localities of a borough add up to the borough, which
   another pack publishes: within a month, the borough is the total of its localities' cells.
3. **Secondary, over time.** The mean of a series' window (of each phase, when the limits are recalculated)
   is published, so the window's months add up to a published total: each area's window is a group whose
   total is published elsewhere. Rules 2 and 3 are applied together until neither needs another cell; every
   pack computes the same pattern from the borough and all its localities, so two packs never leave a
   different cell to subtract.
4. **Order.** A published trend (``trend_length`` points each higher, or lower, than the one before) tells a
   reader the order of its months; when that order pins a withheld count (1, 2, 3, 4 between a published
   0 and 5, or above the reader's floor of 1), every month of that run is withheld.
5. **Derived figures.** The mean and process limits of a phase with withheld months are published rounded
   (:func:`round_derived`): counts to whole numbers, percentages to whole percentage points, other values
   to two significant figures. Exact figures would give back the sum of the withheld months, and the process
   limits the sum of their moving ranges. When a withheld count lies inside a published trend, the phase's
   mean and limits are not published at all (:func:`trend_withheld`): the order of the run puts a floor under
   the sum of its months (1 + 2 + ... from the reader's floor of 1), and a total known even to a few counts
   either way can then pin them.
6. **Charts and words.** A withheld month is drawn without its value (a hollow marker at the foot of the
   chart, no line through it); the words say "a small number (fewer than N)" instead of the number. The
   chart's mean and limit lines stay those of the analysis: a picture, not figures (reading them off the image
   to a fraction of a count is the one channel these rules leave to the image's resolution).
"""
from __future__ import annotations

import warnings
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence

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


# ==============================================================================================================
# Several groupings of the same cells, and monthly series
# ==============================================================================================================
class Grouping(NamedTuple):
    """One way the cells add up: ``groups`` (an integer id per cell), ``totals`` (the cell is its group's total)
    and whether a group without a total row has its total published elsewhere."""

    groups: np.ndarray
    totals: np.ndarray
    published_elsewhere: bool = True


def _count_values(counts, column: str) -> np.ndarray:
    values = pd.to_numeric(pd.Series(counts), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.flatnonzero(values < 0)
    if bad.size:
        raise DataError("Counts cannot be negative.", column=column, rows=(bad + 1).tolist(),
                        values=values[bad][:10].tolist(), expected="counts of 0 or more")
    return values


def withheld_cells(counts, groupings: Sequence[Grouping] = (), *, threshold: int = DEFAULT_THRESHOLD,
                   suppress_zero: bool = False, hidden=None, column: str = "count") -> np.ndarray:
    """Which cells to withhold: counts of 1 to ``threshold - 1`` (primary), cells already ``hidden``, and the
    further cells each grouping needs (secondary, as in :func:`suppress_small_numbers`), repeated over all
    the groupings until none needs another. Missing counts are unknown to every reader and count as hidden
    (they protect their group), so they are ``True`` in the result too."""
    if not isinstance(threshold, (int, np.integer)) or isinstance(threshold, bool) or threshold < 1:
        raise DataError("The small-number threshold must be a whole number of at least 1.", values=[threshold],
                        expected="e.g. 5 (suppress 1-4) or 10 (suppress 1-9)")
    values = _count_values(counts, column)
    smallest = (values >= 0) if suppress_zero else (values > 0)
    mask = (smallest & (values < threshold)) | np.isnan(values)
    if hidden is not None:
        mask |= np.asarray(hidden, dtype=bool)
    while True:
        before = mask.copy()
        for g in groupings:
            mask = _secondary(values, mask, np.asarray(g.groups, dtype=np.int64), np.asarray(g.totals, dtype=bool),
                              g.published_elsewhere, suppress_zero, column)
        if (mask == before).all():
            return mask


def strict_runs(values, min_length: int) -> list[tuple[int, int, int]]:
    """``(start, stop, direction)`` of every run of at least ``min_length`` points each higher (``+1``) or
    lower (``-1``) than the one before (an equal or missing value ends a run), as SPC's trend rule reads them."""
    v = np.asarray(values, dtype=float)
    steps = np.sign(np.diff(v)) if v.size > 1 else np.zeros(0)
    steps = np.where(np.isnan(steps), 0, steps)
    runs, i = [], 0
    while i < steps.size:
        j = i
        while j < steps.size and steps[j] == steps[i] and steps[i] != 0:
            j += 1
        if steps[i] != 0 and j - i + 1 >= min_length:
            runs.append((i, j + 1, int(steps[i])))
        i = max(j, i + 1)
    return runs


def pinned_by_order(values, hidden, runs: Iterable[tuple[int, int, int]], *, lowest: int = 1) -> np.ndarray:
    """Hidden whole-number cells whose value the strict order of a published run fixes: between the published
    cells of the run (or above the reader's floor ``lowest``) there is room for one value only."""
    v = np.asarray(values, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    pinned = np.zeros(v.size, dtype=bool)
    for start, stop, direction in runs:
        idx = np.arange(start, stop)[::1 if direction > 0 else -1]  # in rising order
        lo, hi = np.empty(idx.size), np.empty(idx.size)
        previous = lowest - 1.0
        for j, i in enumerate(idx):
            lo[j] = max(float(lowest), previous + 1) if h[i] else v[i]
            previous = lo[j]
        following = np.inf
        for j in range(idx.size - 1, -1, -1):
            hi[j] = following - 1 if h[idx[j]] else v[idx[j]]
            following = hi[j]
        pinned[idx] |= h[idx] & (lo == hi) & np.isfinite(v[idx])
    return pinned


def series_withheld(table: pd.DataFrame, *, count: str = "count", area: str = "area_code", period: str = "period",
                    phase: str | None = None, total_area: str | None = None, trend_length: int | None = None,
                    threshold: int = DEFAULT_THRESHOLD, suppress_zero: bool = False) -> np.ndarray:
    """Which rows of a long table of monthly series (one row per ``area`` and ``period``) to withhold, by rules
    1-4 of this module's docstring: primary; ``total_area`` (the borough) as the total of the other areas'
    cells in each month; each area's window (and ``phase``) as a group whose total is published elsewhere;
    and every month of a run of ``trend_length`` whose order pins a withheld count. Cells with a missing count
    are never in the result (there is nothing to withhold)."""
    df = table.reset_index(drop=True)
    values = _count_values(df[count], count)
    areas = df[area].astype(str).to_numpy()
    keys = [area] + ([phase] if phase else [])
    window = df.groupby(keys, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)
    groupings = [Grouping(window, np.zeros(len(df), dtype=bool), True)]
    if total_area is not None and (areas == total_area).any() and (areas != total_area).any():
        months = df[period].astype(str).to_numpy()
        shared = np.isin(months, np.unique(months[areas != total_area]))
        ids = pd.factorize(months)[0].astype(np.int64)
        ids = np.where(shared, ids, ids.max() + 1 + np.arange(len(df)))  # a month without localities: alone
        groupings.append(Grouping(ids, shared & (areas == total_area), False))
    hidden = withheld_cells(values, groupings, threshold=threshold, suppress_zero=suppress_zero, column=count)
    if trend_length:
        order = [np.asarray(idx)[np.argsort(df[period].astype(str).to_numpy()[idx], kind="stable")]
                 for idx in df.groupby(keys, sort=False, dropna=False).indices.values()]
        while True:
            grown = hidden.copy()
            for idx in order:
                for start, stop, direction in strict_runs(values[idx], trend_length):
                    run = idx[start:stop]
                    if pinned_by_order(values[run], hidden[run], [(0, run.size, direction)]).any():
                        grown[run] = True
            if (grown == hidden).all():
                break
            hidden = withheld_cells(values, groupings, threshold=threshold, suppress_zero=suppress_zero,
                                    hidden=grown, column=count)
    return hidden & np.isfinite(values)


def trend_withheld(values, hidden, trend_length: int, phases=None) -> np.ndarray:
    """Rows whose phase has a withheld month inside a run of ``trend_length`` points each higher (or lower)
    than the one before: their phase's mean and limits are not published (rule 5). Rows in date order."""
    v = np.asarray(values, dtype=float)
    h = np.asarray(hidden, dtype=bool)
    ph = np.zeros(v.size, dtype=np.int64) if phases is None else np.asarray(phases)
    out = np.zeros(v.size, dtype=bool)
    for phase in pd.unique(ph):
        idx = np.flatnonzero(ph == phase)
        if any(h[idx[start:stop]].any() for start, stop, _ in strict_runs(v[idx], trend_length)):
            out[idx] = True
    return out


def round_derived(values, value_type: str) -> np.ndarray:
    """Figures derived from a series with withheld months, as published (rule 5): counts to whole numbers,
    proportions (0-1 fractions) to whole percentage points, anything else to two significant figures."""
    v = np.asarray(values, dtype=float)
    if value_type == "count":
        return np.round(v) + 0.0
    if value_type == "proportion":
        return np.round(v, 2) + 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(np.isfinite(v) & (v != 0), 10.0 ** (np.floor(np.log10(np.abs(v))) - 1), 1.0)
    return np.round(v / step) * step + 0.0
