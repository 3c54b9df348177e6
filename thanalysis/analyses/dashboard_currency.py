"""How current each dashboard metric is, and what a trust's figure is compared with.

:func:`data_currency` says which period a metric's latest value covers (its label and last day), when the source
was published or the copy retrieved (the store's indicators table, ``published``), the area it is for, and whether
it is **out of date**: its latest period ended more than the metric's expected lag
(:attr:`thanalysis.priorities.Metric.expected_lag_months`: monthly 3, quarterly 6, annual 24 unless
``lag_months`` says otherwise) before the build date (``today``, a parameter so that tests can pin it).
:func:`comparator_latest` gives the latest value of each area a trust is compared with (other trusts, England).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from thanalysis.analyses.dashboard_series import PERIOD_MONTHS
from thanalysis.priorities import Metric
from thanalysis.vocabulary import current_until

#: The keys of a metric's currency (also its ``currency`` entry in ``summary.json``).
CURRENCY_KEYS = ["latest_period", "period_end", "published", "expected_lag_months", "due_by", "out_of_date",
                 "area_level", "area_code", "area_name"]


def build_date(today=None, store=None) -> pd.Timestamp:
    """The date currency is judged on: ``today`` if given (a date or ISO text), else the store's ``as_of`` (the
    synthetic demo is set at a fixed date), else the current date."""
    if today is None and store is not None:
        today = getattr(store, "as_of", None)
    return pd.Timestamp(today if today is not None else dt.date.today()).normalize()


def _period_end(latest: pd.Series, metric: Metric) -> pd.Timestamp | None:
    end = pd.Timestamp(latest["period_end"]) if pd.notna(latest.get("period_end")) else None
    if end is None and pd.notna(latest.get("date")):  # a period without its end: its start plus its length
        months = PERIOD_MONTHS.get(metric.frequency, 12)
        end = pd.Timestamp(latest["date"]) + pd.DateOffset(months=months) - pd.DateOffset(days=1)
    return end


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def data_currency(series: pd.DataFrame, metric: Metric, *, published=None, today=None, level: str = "",
                  area_code: str = "", area_name: str = "") -> dict:
    """The currency of a metric's series (:data:`CURRENCY_KEYS`): its latest period and that period's last day,
    the source's ``published`` (or retrieved) date, the expected lag, the date by which a newer period was due
    (``due_by``), ``out_of_date`` (that date has passed on ``today``) and the area (level, code, name).
    Dates are ISO text; an empty series gives ``None`` for its period and is not called out of date."""
    lag = metric.expected_lag_months
    out = dict.fromkeys(CURRENCY_KEYS)
    out.update(published=_iso(published), expected_lag_months=int(lag), out_of_date=False, area_level=level,
               area_code=area_code, area_name=area_name)
    if series.empty:
        return out
    latest = series.sort_values("date", kind="mergesort").iloc[-1]
    end = _period_end(latest, metric)
    out["latest_period"] = str(latest["period"])
    if end is not None:
        due = current_until(end.date(), int(lag))
        out.update(period_end=_iso(end), due_by=due.isoformat(), out_of_date=bool(due < build_date(today).date()))
    return out


def indicator_published(store, indicator_id: str | None):
    """The ``published`` (or retrieved) date of a store indicator, else ``None``."""
    if not indicator_id:
        return None
    ind = store.indicators()
    if "published" not in ind.columns:
        return None
    rows = ind.loc[ind["indicator_id"].astype(str) == str(indicator_id), "published"]
    return rows.iloc[0] if len(rows) and pd.notna(rows.iloc[0]) else None


def comparator_latest(comparators: pd.DataFrame) -> list[dict]:
    """The latest value of each comparator area (in the order given): ``area_code``, ``area_name``, ``level``,
    ``period`` and ``value`` (on the metric's scale)."""
    out = []
    for code, rows in comparators.groupby("area_code", sort=False):
        rows = rows[np.isfinite(rows["value"].to_numpy(dtype=float))].sort_values("date", kind="mergesort")
        if len(rows):
            last = rows.iloc[-1]
            out.append({"area_code": str(code), "area_name": str(last["area_name"]), "level": str(last["level"]),
                        "period": str(last["period"]), "value": float(last["value"])})
    return out


__all__ = ["CURRENCY_KEYS", "build_date", "data_currency", "indicator_published", "comparator_latest"]
