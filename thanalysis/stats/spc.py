"""Statistical process control the NHS England "Making Data Count" way (XmR charts and four rules).

Method (NHS England & Improvement, *Making Data Count*, 2019; Wheeler, *Understanding Variation*;
the steps follow NHSRplotthedots, NHS-R Community):

1. **Limits** (per group and per phase): the mean of the values, and the mean moving range
   (mean |x_i − x_{i−1}|). Process limits are mean ± 2.66 × mean moving range, i.e. ±3 sigma with
   sigma = mean moving range / 1.128. By default moving ranges above 3.267 × their mean (the upper
   limit of the moving-range chart) are screened out of the mean moving range, as NHSRplotthedots
   does; ``screen_outliers=False`` gives the Making Data Count Excel tool's limits.
   ``fix_after_n_points`` computes both from the first n points of each phase only (a baseline).
2. **Rules**, each marking the points that are part of the pattern:
   outside the process limits; a *trend* of ``trend_length`` points each higher (or lower) than the
   one before (ties break a trend); *two of three* consecutive points beyond two sigma (2/3 of the way
   to a limit, inside it) with all three on the same side of the mean; a *shift* (run) of
   ``run_length`` points on one side of the mean.
3. **Point type**: where rules overlap the highest wins (outside limits > trend > two-in-three >
   shift); its direction (high/low) and the improvement direction give special cause improvement,
   concern, or neutral (when no direction is better).
4. **Summary**: the variation type of the latest point and **assurance** against a target: if the
   target lies outside the process limits, the process will consistently pass (or fail) it; if
   inside, it will be hit and miss (``inconsistent``).

Each step adds named columns to one table; :func:`spc` chains them. Drawing lives in
``thanalysis.figures.spc_chart``, icons in ``thanalysis.figures.spc_icons``.
"""
from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import DataError, StatsInputError, first_rows
from thanalysis.stats._common import as_group_list

# --- Constants of the method (named where they are used) -------------------------------------------
#: Process limits sit at mean ± 2.66 × mean moving range: 3 sigma with sigma = mean MR / d2, d2 = 1.128.
LIMIT_MULTIPLIER = 2.66
#: Two sigma out of three: "close to the limits" starts 2/3 of the way from the mean to a limit.
NEAR_LIMIT_FRACTION = 2 / 3
#: Upper limit of the moving-range chart (D4 for subgroups of 2): larger moving ranges are screened out.
MOVING_RANGE_SCREEN_MULTIPLIER = 3.267
#: Making Data Count recommends 15-20 points; fewer than 12 gives unreliable limits (NHSRplotthedots warns).
MIN_POINTS_FOR_RELIABLE_LIMITS = 12
#: The two run lengths in use: 7 (NHSRplotthedots and the original Making Data Count tool) or 6.
ALLOWED_RUN_LENGTHS = (6, 7)
IMPROVEMENT_DIRECTIONS = ("increase", "decrease", "neutral")

#: Point types, as NHSRplotthedots names them.
COMMON_CAUSE = "common_cause"
SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
SPECIAL_CAUSE_CONCERN = "special_cause_concern"
SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"
POINT_TYPES = (
    COMMON_CAUSE,
    SPECIAL_CAUSE_IMPROVEMENT,
    SPECIAL_CAUSE_CONCERN,
    SPECIAL_CAUSE_NEUTRAL_HIGH,
    SPECIAL_CAUSE_NEUTRAL_LOW,
)
#: Assurance types (the target against the process limits).
ASSURANCE_TYPES = ("consistent_pass", "consistent_fail", "inconsistent", "no_target", "not_applicable")

#: Columns spc() adds, in order.
RESULT_COLUMNS = (
    "improvement_direction",
    "target",
    "trajectory",
    "rebase_group",
    "fix_value",
    "moving_range",
    "mean_moving_range",
    "mean",
    "lpl",
    "upl",
    "near_lpl",
    "near_upl",
    "too_few_points",
    "outside_limits",
    "relative_to_mean",
    "close_to_limits",
    "run",
    "trend",
    "two_in_three",
    "special_cause_flag",
    "special_cause_rule",
    "special_cause_side",
    "special_cause_label",
    "point_type",
)


class SpcWarning(UserWarning):
    """A caution about an SPC chart (too few points, rebase dates that match nothing, ...)."""


@dataclass(frozen=True)
class SpcOptions:
    """Validated options; kept on the result as ``result.attrs["spc_options"]``."""

    value: str
    date: str
    group_by: tuple[str, ...]
    improvement_direction: str
    target: float | str | None
    trajectory: str | None
    rebase: Any
    fix_after_n_points: int | None
    screen_outliers: bool
    run_length: int
    trend_length: int


# =====================================================================================================
# Public entry
# =====================================================================================================


def spc(
    data: pd.DataFrame,
    value: str = "value",
    date: str = "date",
    *,
    group_by: str | Sequence[str] | None = None,
    improvement_direction: str = "increase",
    target: float | str | None = None,
    trajectory: str | None = None,
    rebase: Sequence[Any] | Mapping[Any, Sequence[Any]] | None = None,
    fix_after_n_points: int | None = None,
    screen_outliers: bool = True,
    run_length: int = 7,
    trend_length: int | None = None,
) -> pd.DataFrame:
    """An XmR (individuals) SPC table, one row per point, with limits, rule flags and point types.

    ``data`` has one row per date (per group). ``target`` is a number or a column name;
    ``trajectory`` a column name (carried through for charts). ``rebase`` lists the dates where a new
    phase starts (limits are recalculated from there); a mapping ``{group value: [dates]}`` rebases
    groups separately (use a tuple key for several ``group_by`` columns). Rows whose value is missing
    are left out of the chart with a warning.

    Returns the input columns used, sorted by group and date, plus :data:`RESULT_COLUMNS`.
    """
    options = _validate_options(
        data, value, date, group_by, improvement_direction, target, trajectory, rebase,
        fix_after_n_points, screen_outliers, run_length, trend_length,
    )
    table = _prepare_table(data, options)
    table = add_limits(table, options)
    table = add_rule_flags(table, options)
    table = add_point_type(table, options)
    table.attrs["spc_options"] = asdict(options)
    return table


# =====================================================================================================
# Step 0: validate options (all argument checks in one place) and prepare the table
# =====================================================================================================


def _validate_options(
    data, value, date, group_by, improvement_direction, target, trajectory, rebase,
    fix_after_n_points, screen_outliers, run_length, trend_length,
) -> SpcOptions:
    if not isinstance(data, pd.DataFrame):
        raise StatsInputError(f"spc: data must be a pandas DataFrame, got {type(data).__name__}")
    groups = as_group_list(group_by)
    for role, column in [("value", value), ("date", date), *[("group_by", g) for g in groups]]:
        if not isinstance(column, str) or column not in data.columns:
            raise StatsInputError(
                f"spc: the {role} column {column!r} is not in the data; "
                f"the data has columns {', '.join(map(repr, data.columns))}"
            )
    if len({value, date, *groups}) != 2 + len(groups):
        raise StatsInputError("spc: value, date and group_by must name different columns")
    if improvement_direction not in IMPROVEMENT_DIRECTIONS:
        raise StatsInputError(
            f"spc: improvement_direction is {improvement_direction!r}; "
            f"expected one of {', '.join(IMPROVEMENT_DIRECTIONS)}"
        )
    if isinstance(target, str):
        if target not in data.columns:
            raise StatsInputError(f"spc: target column {target!r} is not in the data")
    elif target is not None:
        if isinstance(target, bool) or not isinstance(target, (int, float, np.number)) or not np.isfinite(target):
            raise StatsInputError(f"spc: target must be a number or a column name, got {target!r}")
        target = float(target)
    if trajectory is not None and (not isinstance(trajectory, str) or trajectory not in data.columns):
        raise StatsInputError(f"spc: trajectory must name a column of the data, got {trajectory!r}")
    if not isinstance(screen_outliers, (bool, np.bool_)):
        raise StatsInputError(f"spc: screen_outliers must be True or False, got {screen_outliers!r}")
    if run_length not in ALLOWED_RUN_LENGTHS or isinstance(run_length, bool):
        raise StatsInputError(f"spc: run_length must be 6 or 7 points, got {run_length!r}")
    trend_length = run_length if trend_length is None else trend_length
    if trend_length not in ALLOWED_RUN_LENGTHS or isinstance(trend_length, bool):
        raise StatsInputError(f"spc: trend_length must be 6 or 7 points, got {trend_length!r}")
    if fix_after_n_points is not None:
        if isinstance(fix_after_n_points, bool) or not isinstance(fix_after_n_points, (int, np.integer)):
            raise StatsInputError(f"spc: fix_after_n_points must be a whole number, got {fix_after_n_points!r}")
        if fix_after_n_points < 2:
            raise StatsInputError("spc: fix_after_n_points must be at least 2 (a moving range needs two points)")
        if fix_after_n_points < MIN_POINTS_FOR_RELIABLE_LIMITS:
            warnings.warn(
                f"spc: fix_after_n_points={fix_after_n_points} is below {MIN_POINTS_FOR_RELIABLE_LIMITS}; "
                "limits from so few points are unreliable",
                SpcWarning,
                stacklevel=3,
            )
        fix_after_n_points = int(fix_after_n_points)
    return SpcOptions(
        value=value,
        date=date,
        group_by=tuple(groups),
        improvement_direction=improvement_direction,
        target=target,
        trajectory=trajectory,
        rebase=_parse_rebase(rebase),
        fix_after_n_points=fix_after_n_points,
        screen_outliers=bool(screen_outliers),
        run_length=int(run_length),
        trend_length=int(trend_length),
    )


def _to_dates(values: Any, what: str) -> pd.DatetimeIndex:
    try:
        return pd.DatetimeIndex(pd.to_datetime(list(values))).unique().sort_values()
    except (ValueError, TypeError) as exc:
        raise StatsInputError(f"spc: {what} must be dates (e.g. '2024-04-01'): {exc}") from None


def _parse_rebase(rebase: Any) -> Any:
    if rebase is None:
        return None
    if isinstance(rebase, Mapping):
        return {key: _to_dates(_as_list(dates), f"rebase dates for group {key!r}") for key, dates in rebase.items()}
    return _to_dates(_as_list(rebase), "rebase")


def _as_list(values: Any) -> list:
    if isinstance(values, (str, pd.Timestamp, np.datetime64)) or np.isscalar(values):
        return [values]
    return list(values)


def _prepare_table(data: pd.DataFrame, options: SpcOptions) -> pd.DataFrame:
    """Check the data, keep the columns used, sort by group and date, and number the phases."""
    groups, value, date = list(options.group_by), options.value, options.date
    keep = [*groups, date, value]
    for extra in (options.target, options.trajectory):
        if isinstance(extra, str) and extra not in keep:
            keep.append(extra)
    table = data[keep].copy()
    clash = [c for c in RESULT_COLUMNS if c in keep and c not in (options.target, options.trajectory)]
    if clash:
        raise StatsInputError(
            f"spc: input column(s) {clash} would be overwritten by the SPC result; rename them first"
        )

    # Dates: parse and report the rows that are not dates.
    parsed = pd.to_datetime(table[date], errors="coerce")
    bad = parsed.isna()
    if bad.any():
        raise _bad_rows("spc: some dates are missing or not dates", table, date, bad,
                        "a date for every row, e.g. 2024-04-01")
    table[date] = parsed

    # Values: numbers; missing values are dropped (with a warning), text is an error.
    numeric = pd.to_numeric(table[value], errors="coerce")
    not_numeric = numeric.isna() & table[value].notna()
    if not_numeric.any():
        raise _bad_rows("spc: some values are not numbers", table, value, not_numeric,
                        "numbers (use NaN / empty for a missing month)")
    if np.isinf(numeric).any():
        raise DataError("spc: some values are infinite", column=value, rows=first_rows(np.isinf(numeric)))
    table[value] = numeric.astype(float)
    missing = table[value].isna()
    if missing.any():
        warnings.warn(
            f"spc: {int(missing.sum())} row(s) with no value in column {value!r} are left out of the chart "
            f"(rows {', '.join(map(str, first_rows(missing)[:10]))})",
            SpcWarning,
            stacklevel=3,
        )

    for g in groups:
        if table[g].isna().any():
            raise DataError("spc: group column has missing values", column=g, rows=first_rows(table[g].isna()))

    dup = table.duplicated([*groups, date], keep=False)
    if dup.any():
        where = f" within a {' × '.join(groups)} group" if groups else ""
        raise DataError(
            f"spc: the same date appears more than once{where}; SPC needs one value per date",
            column=date,
            rows=first_rows(dup),
            values=table.loc[dup, date].dt.strftime("%Y-%m-%d").head(5).tolist(),
            expected="one row per date" + (f" per {', '.join(groups)}" if groups else ""),
        )

    # Target and trajectory become columns of numbers, named "target" and "trajectory".
    if isinstance(options.target, str):
        table[options.target] = _numeric_column(table, options.target, "target")
    if options.trajectory:
        table[options.trajectory] = _numeric_column(table, options.trajectory, "trajectory")

    table = table.loc[~missing].sort_values([*groups, date], kind="mergesort").reset_index(drop=True)
    table["improvement_direction"] = options.improvement_direction
    if isinstance(options.target, str):
        table["target"] = table[options.target]
    else:
        table["target"] = np.nan if options.target is None else options.target
    table["trajectory"] = table[options.trajectory] if options.trajectory else np.nan
    drop = [c for c in (options.target, options.trajectory) if isinstance(c, str) and c not in ("target", "trajectory")]
    table = table.drop(columns=list(dict.fromkeys(drop)))
    table["rebase_group"] = _rebase_groups(table, options)
    return table


def _bad_rows(problem: str, table: pd.DataFrame, column: str, bad: pd.Series, expected: str) -> DataError:
    """The error for the rows of ``column`` flagged in ``bad``: the first rows and values, and what was expected."""
    return DataError(problem, column=column, rows=first_rows(bad), values=table.loc[bad, column].head(5).tolist(),
                     expected=expected)


def _numeric_column(table: pd.DataFrame, column: str, role: str) -> pd.Series:
    numeric = pd.to_numeric(table[column], errors="coerce")
    bad = numeric.isna() & table[column].notna()
    if bad.any():
        raise _bad_rows(f"spc: the {role} column has values that are not numbers", table, column, bad,
                        "numbers or empty")
    return numeric.astype(float)


def _rebase_groups(table: pd.DataFrame, options: SpcOptions) -> np.ndarray:
    """Phase number (0, 1, ...) within each group: a new phase starts at the first point on or after
    each rebase date. A date on or before a group's first point starts nothing (as in NHSRplotthedots,
    where a rebase date before the data leaves one phase)."""
    n = len(table)
    if options.rebase is None or n == 0:
        return np.zeros(n, dtype=int)
    groups, date = list(options.group_by), options.date
    dates = table[date].to_numpy()
    group_ids = _segment_ids(table, groups)
    group_start = _segment_starts(group_ids)
    if isinstance(options.rebase, Mapping):
        if not groups:
            raise StatsInputError("spc: rebase is a mapping by group but no group_by was given")
        per_group = [(_group_mask(table, groups, key), rebase_dates) for key, rebase_dates in options.rebase.items()]
        unknown = [key for (mask, _), key in zip(per_group, options.rebase) if not mask.any()]
        if unknown:
            raise StatsInputError(f"spc: rebase names group(s) not in the data: {unknown}")
    else:
        per_group = [(np.ones(n, dtype=bool), options.rebase)]
    starts = np.zeros(n, dtype=int)
    for rows, rebase_dates in per_group:
        for rebase_date in rebase_dates:
            on_or_after = dates >= np.datetime64(rebase_date)
            before = np.roll(on_or_after, 1)
            before[group_start] = True  # never start a phase at a group's first point
            starts += (rows & on_or_after & ~before).astype(int)
    return pd.Series(starts).groupby(group_ids).cumsum().to_numpy()


def _group_mask(table: pd.DataFrame, groups: list[str], key: Any) -> np.ndarray:
    """Rows of one group; ``key`` is a value (one group_by column) or a tuple (several)."""
    key = key if isinstance(key, tuple) else (key,)
    if len(key) != len(groups):
        raise StatsInputError(
            f"spc: rebase key {key!r} should give one value for each group_by column ({', '.join(groups)})"
        )
    return np.logical_and.reduce([table[g].to_numpy() == k for g, k in zip(groups, key)])


def _segment_ids(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Integer id of each row's (group, phase) segment; the table is sorted so segments are contiguous."""
    if not columns:
        return np.zeros(len(table), dtype=int)
    return table.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()


def _phase_ids(table: pd.DataFrame, options: SpcOptions) -> np.ndarray:
    return _segment_ids(table, [*options.group_by, "rebase_group"])


# =====================================================================================================
# Step 1: limits
# =====================================================================================================


def add_limits(table: pd.DataFrame, options: SpcOptions) -> pd.DataFrame:
    """Add ``fix_value``, ``moving_range``, ``mean_moving_range``, ``mean``, ``lpl``, ``upl``,
    ``near_lpl``, ``near_upl`` and ``too_few_points`` for each group × phase."""
    phase = _phase_ids(table, options)
    y = table[options.value].to_numpy(dtype=float)
    position = pd.Series(np.ones(len(y))).groupby(phase).cumsum().to_numpy()

    # A fixed baseline uses only the first n points of each phase for the limits.
    fix = y.copy()
    if options.fix_after_n_points is not None:
        fix[position > options.fix_after_n_points] = np.nan
    table["fix_value"] = fix

    first_in_phase = position == 1
    mr = np.abs(np.diff(fix, prepend=np.nan))
    mr[first_in_phase] = np.nan
    table["moving_range"] = mr

    by_phase = pd.Series(mr).groupby(phase)
    amr = by_phase.transform("mean").to_numpy()
    if options.screen_outliers:
        # Moving ranges above the moving-range chart's upper limit come from one-off jumps, which
        # would inflate the limits; leave them out of the mean moving range (NHSRplotthedots default).
        screened = np.where(mr > MOVING_RANGE_SCREEN_MULTIPLIER * amr, np.nan, mr)
        amr = pd.Series(screened).groupby(phase).transform("mean").to_numpy()
    table["mean_moving_range"] = amr

    mean = pd.Series(fix).groupby(phase).transform("mean").to_numpy()
    table["mean"] = mean
    table["lpl"] = mean - LIMIT_MULTIPLIER * amr
    table["upl"] = mean + LIMIT_MULTIPLIER * amr
    table["near_lpl"] = mean - NEAR_LIMIT_FRACTION * LIMIT_MULTIPLIER * amr
    table["near_upl"] = mean + NEAR_LIMIT_FRACTION * LIMIT_MULTIPLIER * amr

    n_for_limits = pd.Series(~np.isnan(fix)).groupby(phase).transform("sum").to_numpy()
    table["too_few_points"] = n_for_limits < MIN_POINTS_FOR_RELIABLE_LIMITS
    if table["too_few_points"].any():
        warnings.warn(
            f"spc: some charts have fewer than {MIN_POINTS_FOR_RELIABLE_LIMITS} points to set their limits "
            "(see the too_few_points column); treat their signals with caution",
            SpcWarning,
            stacklevel=3,
        )
    return table


# =====================================================================================================
# Step 2: the rules. Each works on arrays in date order with a segment id (group × phase); a pattern
# never runs across a segment boundary.
# =====================================================================================================


def _segment_starts(segment: np.ndarray) -> np.ndarray:
    n = len(segment)
    start = np.ones(n, dtype=bool)
    if n > 1:
        start[1:] = segment[1:] != segment[:-1]
    return start


def _streak(codes: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Length of the run of equal ``codes`` ending at each point, within its segment."""
    n = len(codes)
    idx = np.arange(n)
    if n == 0:
        return idx
    breaks = _segment_starts(segment)
    breaks[1:] |= codes[1:] != codes[:-1]
    run_start = np.maximum.accumulate(np.where(breaks, idx, 0))
    return idx - run_start + 1


def _default_segment(n: int, segment: np.ndarray | None) -> np.ndarray:
    return np.zeros(n, dtype=int) if segment is None else np.asarray(segment)


def shift_flags(relative_to_mean, run_length: int = 7, segment=None) -> np.ndarray:
    """+1/−1 at each point that completes ``run_length`` (or more) points in a row above/below the mean."""
    side = np.sign(np.asarray(relative_to_mean, dtype=float)).astype(int)
    seg = _default_segment(len(side), segment)
    streak = _streak(side, seg)
    return np.where((streak >= run_length) & (side != 0), side, 0)


def trend_flags(values, trend_length: int = 7, segment=None) -> np.ndarray:
    """+1/−1 at each point that completes ``trend_length`` points each higher/lower than the one
    before (``trend_length − 1`` rises or falls in a row; an equal value breaks the trend)."""
    y = np.asarray(values, dtype=float)
    seg = _default_segment(len(y), segment)
    step = np.zeros(len(y), dtype=int)
    if len(y) > 1:
        step[1:] = np.sign(np.diff(y)).astype(int)
    step[_segment_starts(seg)] = 0
    streak = _streak(step, seg)
    return np.where((streak >= trend_length - 1) & (step != 0), step, 0)


def two_in_three_flags(close_to_limits, relative_to_mean, segment=None) -> np.ndarray:
    """True for every point of a window of three consecutive points where at least two are close to
    the limits and all three are on the same side of the mean."""
    close = np.asarray(close_to_limits, dtype=bool).astype(int)
    side = np.sign(np.asarray(relative_to_mean, dtype=float)).astype(int)
    seg = _default_segment(len(close), segment)
    same_side_three = (_streak(side, seg) >= 3) & (side != 0)
    window_sum = np.convolve(close, np.ones(3, dtype=int))[: len(close)]
    window_end = same_side_three & (window_sum >= 2)
    return part_of(window_end, 3)


def part_of(flags, length: int) -> np.ndarray:
    """Expand a flag at point i (the last point of a pattern) back over the ``length`` points
    i−length+1 … i that make up the pattern. Any non-zero flag counts."""
    flagged = np.asarray(flags) != 0
    n = len(flagged)
    idx = np.arange(n)
    if n == 0:
        return flagged
    big = n + length
    next_flag = np.minimum.accumulate(np.where(flagged, idx, big)[::-1])[::-1]
    return (next_flag - idx) < length


def part_of_two_in_three(close_to_limits, relative_to_mean, segment=None) -> np.ndarray:
    """Of the two-in-three windows, only the close-to-limit points themselves are special cause."""
    return two_in_three_flags(close_to_limits, relative_to_mean, segment) & np.asarray(close_to_limits, dtype=bool)


def add_rule_flags(table: pd.DataFrame, options: SpcOptions) -> pd.DataFrame:
    """Add ``outside_limits``, ``relative_to_mean``, ``close_to_limits``, ``run``, ``trend``,
    ``two_in_three`` and ``special_cause_flag``."""
    phase = _phase_ids(table, options)
    y = table[options.value].to_numpy(dtype=float)
    mean, lpl, upl = (table[c].to_numpy() for c in ("mean", "lpl", "upl"))
    near_lpl, near_upl = table["near_lpl"].to_numpy(), table["near_upl"].to_numpy()

    outside = (y > upl) | (y < lpl)
    table["outside_limits"] = outside
    relative = np.sign(y - mean)
    relative[np.isnan(relative)] = 0.0
    table["relative_to_mean"] = relative
    close = ~outside & ((y > near_upl) | (y < near_lpl))
    table["close_to_limits"] = close

    shift = shift_flags(relative, options.run_length, phase)
    table["run"] = part_of(shift, options.run_length)
    trend = trend_flags(y, options.trend_length, phase)
    trend_up = part_of(trend > 0, options.trend_length)
    trend_down = part_of(trend < 0, options.trend_length)
    table["trend"] = trend_up | trend_down
    table["two_in_three"] = part_of_two_in_three(close, relative, phase)
    table["special_cause_flag"] = outside | table["trend"].to_numpy() | table["two_in_three"].to_numpy() | table["run"].to_numpy()
    # the trend's own direction (a point can sit inside a rising trend while below the mean)
    table["_trend_direction"] = np.where(trend_up, 1, np.where(trend_down, -1, 0))
    return table


# =====================================================================================================
# Step 3: point type (rule precedence, direction, improvement or concern)
# =====================================================================================================


def add_point_type(table: pd.DataFrame, options: SpcOptions) -> pd.DataFrame:
    """Add ``special_cause_rule``, ``special_cause_side``, ``special_cause_label`` and ``point_type``.

    Precedence (NHSRplotthedots / nhspy-plotthedots): outside limits > trend > two-in-three > shift.
    """
    relative = table["relative_to_mean"].to_numpy()
    trend_dir = table.pop("_trend_direction").to_numpy()
    rules = [
        ("outside_limits", table["outside_limits"].to_numpy(), relative),
        ("trend", table["trend"].to_numpy(), trend_dir),
        ("two_in_three", table["two_in_three"].to_numpy(), relative),
        ("shift", table["run"].to_numpy(), relative),
    ]
    rule = np.select([r[1] for r in rules], [r[0] for r in rules], default="")
    direction = np.select([r[1] for r in rules], [r[2] for r in rules], default=0).astype(int)
    table["special_cause_rule"] = rule
    table["special_cause_side"] = np.where(direction > 0, "high", np.where(direction < 0, "low", ""))

    run_n, trend_n = options.run_length, options.trend_length
    labels = {
        ("outside_limits", 1): "Above the upper process limit",
        ("outside_limits", -1): "Below the lower process limit",
        ("trend", 1): f"{trend_n}-point trend (increasing)",
        ("trend", -1): f"{trend_n}-point trend (decreasing)",
        ("two_in_three", 1): "2 of 3 points close to the upper limit",
        ("two_in_three", -1): "2 of 3 points close to the lower limit",
        ("shift", 1): f"{run_n} points in a row above the mean",
        ("shift", -1): f"{run_n} points in a row below the mean",
    }
    table["special_cause_label"] = [labels.get((r, d), "Common cause") for r, d in zip(rule, direction)]

    special = rule != ""
    if options.improvement_direction == "neutral":
        point_type = np.where(direction > 0, SPECIAL_CAUSE_NEUTRAL_HIGH, SPECIAL_CAUSE_NEUTRAL_LOW)
    else:
        better = 1 if options.improvement_direction == "increase" else -1
        point_type = np.where(direction * better > 0, SPECIAL_CAUSE_IMPROVEMENT, SPECIAL_CAUSE_CONCERN)
    table["point_type"] = np.where(special, point_type, COMMON_CAUSE)
    return table


# =====================================================================================================
# Step 4: summary (variation of the latest point, assurance against the target)
# =====================================================================================================


def assurance_type(target: float, lpl: float, upl: float, improvement_direction: str) -> str:
    """Will the process meet the target? (Making Data Count assurance icons.)

    A target beyond the upper limit is never reached by common-cause variation (fail if higher is
    better); a target below the lower limit is always beaten (pass if higher is better); a target
    between the limits is hit and miss.
    """
    if target is None or (isinstance(target, float) and np.isnan(target)):
        return "no_target"
    if improvement_direction == "neutral":
        return "not_applicable"
    if np.isnan(lpl) or np.isnan(upl):
        return "not_applicable"
    increase = improvement_direction == "increase"
    if target > upl:
        return "consistent_fail" if increase else "consistent_pass"
    if target < lpl:
        return "consistent_pass" if increase else "consistent_fail"
    return "inconsistent"


def spc_summary(result: pd.DataFrame) -> pd.DataFrame:
    """One row per group and phase: limits, counts of point types, the latest point's variation
    type and the assurance type. ``is_latest_phase`` marks the row a dashboard shows."""
    options = result.attrs.get("spc_options", {})
    groups = [g for g in options.get("group_by", ()) if g in result.columns]
    date = options.get("date", "date")
    value = options.get("value", "value")
    missing = [c for c in ("rebase_group", "mean", "lpl", "upl", "point_type", "target") if c not in result.columns]
    if missing:
        raise StatsInputError(f"spc_summary: expected the table returned by spc(); columns {missing} are missing")
    keys = [*groups, "rebase_group"]
    grouped = result.groupby(keys, sort=True)
    last = grouped.tail(1).set_index(keys)
    counts = pd.crosstab([result[k] for k in keys], result["point_type"])
    for pt in POINT_TYPES:
        if pt not in counts.columns:
            counts[pt] = 0
    summary = pd.DataFrame(index=last.index)
    summary["start_date"] = grouped[date].min() if date in result.columns else pd.NaT
    summary["latest_date"] = last[date] if date in last.columns else pd.NaT
    summary["latest_value"] = last[value] if value in last.columns else np.nan
    summary["mean"] = last["mean"]
    summary["lpl"] = last["lpl"]
    summary["upl"] = last["upl"]
    summary["n"] = grouped.size()
    summary["common_cause"] = counts[COMMON_CAUSE]
    summary["special_cause_improvement"] = counts[SPECIAL_CAUSE_IMPROVEMENT]
    summary["special_cause_concern"] = counts[SPECIAL_CAUSE_CONCERN]
    summary["special_cause_neutral"] = counts[SPECIAL_CAUSE_NEUTRAL_HIGH] + counts[SPECIAL_CAUSE_NEUTRAL_LOW]
    summary["variation_type"] = last["point_type"]
    summary["variation_side"] = last["special_cause_side"] if "special_cause_side" in last.columns else ""
    summary["improvement_direction"] = last["improvement_direction"] if "improvement_direction" in last.columns else options.get("improvement_direction", "increase")
    summary["target"] = last["target"]
    summary["assurance_type"] = [
        assurance_type(t, lo, hi, d)
        for t, lo, hi, d in zip(summary["target"], summary["lpl"], summary["upl"], summary["improvement_direction"])
    ]
    summary["too_few_points"] = last["too_few_points"] if "too_few_points" in last.columns else False
    summary = summary.reset_index()
    latest_phase = summary.groupby(groups)["rebase_group"].transform("max") if groups else summary["rebase_group"].max()
    summary["is_latest_phase"] = summary["rebase_group"] == latest_phase
    return summary

__all__ = ["spc", "spc_summary", "assurance_type", ]
