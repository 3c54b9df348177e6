"""A dashboard metric's series: its values for one area, as the dashboard reads them.

:func:`metric_series` finds a metric's values for the borough, a locality or the trust that serves the
borough (through :func:`thanalysis.data.extracts.metric_values`, which looks in the analyst extracts, the
store and the published extracts) and puts them in the dashboard's series columns, proportions as 0-1
fractions; :func:`latest_window` keeps the last months and :func:`month_gaps` finds months missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.data.extracts import metric_values
from thanalysis.errors import DataError, StatsInputError
from thanalysis.geography.places import area_name
from thanalysis.priorities import Metric, Priorities, load_priorities

#: Columns of a metric's series (values on the metric's own scale: proportions as 0-1 fractions).
SERIES_COLUMNS = ["metric_id", "area_code", "area_name", "level", "period", "date", "value", "count",
                  "denominator", "lower_ci_95", "upper_ci_95", "source"]

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


def _as_series(rows: pd.DataFrame, metric: Metric, *, multiplier: float, source: str, level: str,
               area_name: str) -> pd.DataFrame:
    """Canonical values rows (one area) → the dashboard's series columns, proportions as 0-1 fractions."""
    rows = rows[(rows["sex"].isin(["Persons", ""])) & (rows["age"].isin(["All ages", ""]))
                & (rows["category_type"] == "")]
    if rows["period"].duplicated().any():
        raise DataError(f"Metric {metric.id}: more than one value per period for one area.", column="period",
                        values=rows.loc[rows["period"].duplicated(), "period"].head(5).tolist(),
                        expected="one row per period (sex Persons, age All ages, no category)")
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
        "date": pd.to_datetime(rows["period_start"]).to_numpy(), "value": value, "count": count,
        "denominator": den, "lower_ci_95": lower, "upper_ci_95": upper, "source": source,
    })
    missing_date = out["date"].isna()
    if missing_date.any():
        out.loc[missing_date, "date"] = pd.to_datetime(out.loc[missing_date, "period"].str[:7], format="%Y-%m",
                                                       errors="coerce")
    return out.sort_values("date", kind="mergesort").reset_index(drop=True)[SERIES_COLUMNS]


def metric_series(store, metric: Metric | str, area_code: str, *,
                  priorities: Priorities | None = None) -> pd.DataFrame:
    """The values of ``metric`` for ``area_code`` (a borough or a locality), oldest first.

    The rows come from :func:`thanalysis.data.extracts.metric_values` (analyst extracts, the store's values,
    then the published extracts of data/sources.yml: a trust-level series is returned for the boroughs it
    serves). Proportions are returned as 0-1 fractions (the scale of the targets in data/priorities.yml).
    An empty table (with the same columns) means the metric has no series for this area.
    """
    m = _metric(metric, priorities)
    area_code = str(area_code)
    found = metric_values(store, m, area_code)
    if found is None:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    if found.trust_name is not None:
        level, name = "trust", found.trust_name
    else:
        level = "locality" if _is_locality(store, area_code) else "borough"
        name = area_name(store, area_code, default=area_code)
    return _as_series(found.rows, m, multiplier=found.multiplier, source=found.source, level=level, area_name=name)


def latest_window(series: pd.DataFrame, window_months: int) -> pd.DataFrame:
    """The last ``window_months`` monthly points of a series (all of it if shorter)."""
    if isinstance(window_months, bool) or not isinstance(window_months, (int, np.integer)) or window_months < 2:
        raise StatsInputError(f"window_months must be a whole number of months (2 or more), got {window_months!r}")
    return series.sort_values("date", kind="mergesort").tail(int(window_months)).reset_index(drop=True)


def month_gaps(dates) -> list[dict]:
    """Runs of months missing between the (sorted) dates of a monthly series: ``start``, ``end``, ``months``."""
    d = pd.to_datetime(pd.Series(dates)).reset_index(drop=True)
    step = (d.dt.year * 12 + d.dt.month).diff()
    return [{"start": d[i - 1] + pd.DateOffset(months=1), "end": d[i] - pd.DateOffset(months=1),
             "months": int(step[i]) - 1} for i in np.flatnonzero(step > 1)]


__all__ = ["SERIES_COLUMNS", "metric_series", "latest_window", "month_gaps"]
