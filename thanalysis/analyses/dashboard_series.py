"""A dashboard metric's series: its values for one area, as the dashboard reads them.

:func:`metric_series` finds a metric's values for the borough, a locality or the trust that serves the
borough (through :func:`thanalysis.data.extracts.metric_values`, which looks in the analyst extracts, the
store and the published extracts) and puts them in the dashboard's series columns, proportions as 0-1
fractions, one sex at a time (``Persons`` unless the metric lists ``sexes``); :func:`metric_found` adds the
series of the areas a trust is compared with and the store's indicator behind it. A *periodic* metric (monthly
or quarterly) is charted with SPC: :func:`periodic_window` keeps its last periods, :func:`period_gaps` finds
periods missing. A quarter ``2025 Q4`` is dated by its first month (October 2025).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.data.extracts import metric_values
from thanalysis.data.headline import headline_rows
from thanalysis.errors import DataError, StatsInputError
from thanalysis.geography.places import area_name
from thanalysis.priorities import Metric, Priorities, load_priorities

#: Columns of a metric's series (values on the metric's own scale: proportions as 0-1 fractions).
SERIES_COLUMNS = ["metric_id", "area_code", "area_name", "level", "period", "date", "period_end", "value", "count",
                  "denominator", "lower_ci_95", "upper_ci_95", "source"]
#: Frequencies charted with SPC, and the months one period spans.
PERIOD_MONTHS = {"monthly": 1, "quarterly": 3}
#: The labels of a periodic series' periods (other rows, e.g. a financial-year total, are left out of its chart).
PERIOD_PATTERNS = {"monthly": r"\d{4}-(0[1-9]|1[0-2])", "quarterly": r"\d{4} Q[1-4]"}
#: The fewest quarters a quarterly chart spans (Making Data Count: 12 points at least for reliable limits).
MIN_QUARTERS = 12


@dataclass(frozen=True)
class FoundSeries:
    """A metric's series for one area and sex, the series of the areas it is compared with (same columns; empty
    when none) and the id of the store's indicator it comes from (``None`` for an analyst extract)."""

    series: pd.DataFrame
    comparators: pd.DataFrame
    indicator_id: str | None = None

# ==============================================================================================================
# A metric's series
# ==============================================================================================================
def _metric(metric: Metric | str, priorities: Priorities | None = None) -> Metric:
    if isinstance(metric, Metric):
        return metric
    return (priorities if priorities is not None else load_priorities()).metric(metric)


def _is_locality(store, area_code: str) -> bool:
    areas = store.areas()
    types = set(areas.loc[areas["area_code"].astype(str) == area_code, "area_type"])
    return "locality" in types or not types and "-" in area_code


def _quarter_start(period: pd.Series) -> pd.Series:
    """``2025 Q4`` → 2025-10-01 (NaT for other labels)."""
    parts = period.str.extract(r"^(\d{4}) Q([1-4])$")
    month = (parts[1].astype(float) - 1) * 3 + 1
    return pd.to_datetime(dict(year=parts[0].astype(float), month=month, day=1), errors="coerce")


def _as_series(rows: pd.DataFrame, metric: Metric, *, multiplier: float, source: str, level: str,
               area_name: str, sex: str = "Persons") -> pd.DataFrame:
    """Canonical values rows (one area) → the dashboard's series columns, proportions as 0-1 fractions."""
    sexes = ["Persons", ""] if sex == "Persons" else [sex]
    # the sex asked for, then the headline age (all ages, or the one age band an indicator is published for)
    rows = headline_rows(rows[rows["sex"].isin(sexes)])
    if rows["period"].duplicated().any():
        raise DataError(f"Metric {metric.id}: more than one value per period for one area.", column="period",
                        values=rows.loc[rows["period"].duplicated(), "period"].head(5).tolist(),
                        expected=f"one row per period (sex {sex}, age All ages or a single age band, no category)")
    value = rows["value"].to_numpy(dtype=float)
    lower, upper = rows["lower_ci_95"].to_numpy(dtype=float), rows["upper_ci_95"].to_numpy(dtype=float)
    count, den = rows["count"].to_numpy(dtype=float), rows["denominator"].to_numpy(dtype=float)
    if metric.value_type == "proportion":
        scale = multiplier if multiplier and multiplier != 1 else 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            from_counts = np.where(den > 0, count / den, np.nan)
        value = np.where(np.isfinite(from_counts), from_counts, value / scale)
        lower, upper = lower / scale, upper / scale
    out = pd.DataFrame({
        "metric_id": metric.id, "area_code": rows["area_code"].astype(str).to_numpy(), "area_name": area_name,
        "level": level, "period": rows["period"].astype(str).to_numpy(),
        "date": pd.to_datetime(rows["period_start"]).to_numpy(),
        "period_end": pd.to_datetime(rows["period_end"]).to_numpy(), "value": value, "count": count,
        "denominator": den, "lower_ci_95": lower, "upper_ci_95": upper, "source": source,
    })
    if metric.frequency == "quarterly":  # some publishers date a quarter by its last day: the chart wants its start
        quarter = _quarter_start(out["period"])
        out["date"] = quarter.where(quarter.notna(), out["date"])
    missing_date = out["date"].isna()
    if missing_date.any():
        out.loc[missing_date, "date"] = pd.to_datetime(out.loc[missing_date, "period"].str[:7], format="%Y-%m",
                                                       errors="coerce")
    return out.sort_values("date", kind="mergesort").reset_index(drop=True)[SERIES_COLUMNS]


def metric_found(store, metric: Metric | str, area_code: str, *, priorities: Priorities | None = None,
                 sex: str = "Persons") -> FoundSeries:
    """The series of ``metric`` for ``area_code`` and ``sex`` (:func:`metric_series`), with the series of the areas
    it is compared with (a trust's: ``options.compare`` of its published extract, each ``level`` ``trust`` or
    ``country``) and the store's indicator behind it."""
    m = _metric(metric, priorities)
    area_code = str(area_code)
    found = metric_values(store, m, area_code)
    empty = pd.DataFrame(columns=SERIES_COLUMNS)
    if found is None:
        return FoundSeries(empty, empty)
    if found.trust_name is not None:
        level, name = "trust", found.trust_name
    else:
        level = "locality" if _is_locality(store, area_code) else "borough"
        name = area_name(store, area_code, default=area_code)
    series = _as_series(found.rows, m, multiplier=found.multiplier, source=found.source, level=level, area_name=name,
                        sex=sex)
    others = [_as_series(rows, m, multiplier=found.multiplier, source=found.source, sex=sex,
                         area_name=str(rows["area_name"].iloc[0]),
                         level="country" if str(code).startswith("E92") else "trust")
              for code, rows in (found.comparators.groupby("area_code", sort=False)
                                 if found.comparators is not None else ())]
    comparators = pd.concat(others, ignore_index=True) if others else empty
    return FoundSeries(series, comparators, found.indicator_id)


def metric_series(store, metric: Metric | str, area_code: str, *,
                  priorities: Priorities | None = None, sex: str = "Persons") -> pd.DataFrame:
    """The values of ``metric`` for ``area_code`` (a borough or a locality) and ``sex``, oldest first.

    The rows come from :func:`thanalysis.data.extracts.metric_values` (analyst extracts, the store's values,
    then the published extracts of data/sources.yml: a trust-level series is returned for the boroughs it
    serves). Proportions are returned as 0-1 fractions (the scale of the targets in data/priorities.yml).
    An empty table (with the same columns) means the metric has no series for this area.
    """
    return metric_found(store, metric, area_code, priorities=priorities, sex=sex).series


def latest_window(series: pd.DataFrame, window_months: int, months_per_period: int = 1) -> pd.DataFrame:
    """The points of a series in its last ``window_months`` periods of ``months_per_period`` months (a calendar
    span ending at its latest point: periods missing inside it are gaps, not replaced by older ones)."""
    if isinstance(window_months, bool) or not isinstance(window_months, (int, np.integer)) or window_months < 2:
        raise StatsInputError(f"window_months must be a whole number of months (2 or more), got {window_months!r}")
    ordered = series.sort_values("date", kind="mergesort")
    if ordered.empty:
        return ordered.reset_index(drop=True)
    d = pd.to_datetime(ordered["date"])
    index = (d.dt.year * 12 + d.dt.month - 1) // months_per_period
    return ordered[(index > index.max() - int(window_months)).to_numpy()].reset_index(drop=True)


def window_points(metric: Metric, window_months: int) -> int:
    """How many periods of a periodic metric a chart of ``window_months`` months spans: as many months, or the
    quarters of those months (at least :data:`MIN_QUARTERS`)."""
    if metric.frequency == "quarterly":
        return max(MIN_QUARTERS, -(-int(window_months) // 3))
    return int(window_months)


def periodic_window(series: pd.DataFrame, metric: Metric, window_months: int) -> pd.DataFrame:
    """The chart's window of a periodic metric's series (:func:`window_points` periods with a label of its
    frequency and a value: a period the source left blank, e.g. suppressed, is a gap in the chart); the series
    unchanged for an annual metric."""
    if metric.frequency not in PERIOD_MONTHS or series.empty:
        return series
    shown = series[series["period"].astype(str).str.fullmatch(PERIOD_PATTERNS[metric.frequency])
                   & series["value"].notna()]
    return latest_window(shown, window_points(metric, window_months), PERIOD_MONTHS[metric.frequency])


def period_gaps(dates, months_per_period: int = 1) -> list[dict]:
    """Runs of periods missing between the (sorted) dates of a periodic series, each period ``months_per_period``
    months long (1: months, 3: quarters): ``start`` and ``end`` (the first and last missing period's date) and
    ``months`` (how many months are missing: a multiple of ``months_per_period``)."""
    d = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    step = (d.dt.year * 12 + d.dt.month).diff()
    return [{"start": d[i - 1] + pd.DateOffset(months=months_per_period),
             "end": d[i] - pd.DateOffset(months=months_per_period), "months": int(step[i]) - months_per_period}
            for i in np.flatnonzero(step > months_per_period)]


__all__ = ["SERIES_COLUMNS", "PERIOD_MONTHS", "PERIOD_PATTERNS", "MIN_QUARTERS", "FoundSeries", "metric_found",
           "metric_series", "latest_window", "window_points", "periodic_window", "period_gaps"]
