"""Small numbers on the priority dashboard: what of each metric's figures may be published.

The rules are :mod:`thanalysis.stats.disclosure`'s; this module applies them to one
:class:`~thanalysis.analyses.dashboard.MetricResult`: a lone value by the first rule, a chart's periods by every
rule, across every pack of the borough (its own, each locality's) so that no pack can be subtracted from another
to give back a small count. The SPC itself uses the true numbers; only what is published is withheld
(``withheld``), rounded or left out (``derived``: the mean and limits of a phase), and ``shown`` holds the
latest value, mean and limits as published.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.analyses.dashboard_series import metric_series, periodic_window
from thanalysis.data.extracts import metric_values
from thanalysis.geography.places import locality_names
from thanalysis.priorities import Metric, Priorities
from thanalysis.stats.disclosure import round_derived, series_withheld, trend_withheld, withheld_cells


def period_counts(series: pd.DataFrame, metric: Metric) -> np.ndarray:
    """The count behind each period (a count metric's value is its count)."""
    count = series["count"].to_numpy(dtype=float)
    if metric.value_type != "count":
        return count
    return np.where(np.isnan(count), series["value"].to_numpy(dtype=float), count)


def _family(store, r, priorities: Priorities, area_code: str, window_months: int,
            rebase: Sequence | None) -> pd.DataFrame | None:
    """The windows of this metric in every pack of the borough (the borough's, each locality's), with phases;
    ``None`` when no pack has a small or missing count of it (nothing to withhold: a quick look first)."""
    codes = [area_code, *locality_names(store, area_code)] if r.level in ("borough", "locality") else [r.area_code]
    found = [metric_values(store, r.metric, c) for c in dict.fromkeys(codes) if c != r.area_code]
    raw = [period_counts(r.series, r.metric), *(period_counts(f.rows, r.metric) for f in found if f is not None)]
    if not any((np.isnan(c) | ((c > 0) & (c < r.threshold))).any() for c in raw):
        return None
    frames, starts = [], np.sort(pd.to_datetime(list(rebase or [])).to_numpy())
    for code in dict.fromkeys(codes):
        s = r.series if code == r.area_code else periodic_window(
            metric_series(store, r.metric, code, priorities=priorities, sex=r.sex), r.metric, window_months)
        frames.append(pd.DataFrame({"area_code": code, "period": s["period"].to_numpy(),
                                    "count": period_counts(s, r.metric),
                                    "phase": np.searchsorted(starts, pd.to_datetime(s["date"]).to_numpy(), "right")}))
    return pd.concat(frames, ignore_index=True)


def withhold(store, r, priorities: Priorities, area_code: str, window_months: int, rebase: Sequence | None) -> None:
    """Set ``r.withheld``, ``r.derived``, ``r.shown``: a chart's periods by every rule, a lone value by the first."""
    counts = period_counts(r.series, r.metric)
    r.withheld = withheld_cells(counts, threshold=r.threshold) & np.isfinite(counts)
    r.derived = np.zeros(len(r.series), dtype=int)
    family = _family(store, r, priorities, area_code, window_months, rebase) \
        if r.spc is not None and np.isfinite(counts).any() else None
    if family is not None:
        trend = r.spc.attrs["spc_options"]["trend_length"] if r.metric.value_type == "count" else None
        mask = series_withheld(family, phase="phase", total_area=area_code, trend_length=trend, threshold=r.threshold)
        mine = (family["area_code"] == r.area_code).to_numpy()
        by_period = dict(zip(family.loc[mine, "period"], mask[mine], strict=True))
        r.withheld = r.series["period"].map(by_period).fillna(False).to_numpy(bool)
        phases = r.spc["rebase_group"].to_numpy()
        r.derived = pd.Series(r.withheld).groupby(phases).transform("any").to_numpy(dtype=int)
        if trend:
            r.derived[trend_withheld(counts, r.withheld, trend, phases)] = 2
    r.shown = {"latest_value": np.nan if r.latest_withheld else float(r.series["value"].iloc[-1])}
    if r.summary is not None:
        r.shown.update({k: float(derived(r, k)[-1]) for k in ("mean", "lpl", "upl")})


def derived(r, column: str) -> np.ndarray:
    """A phase mean or limit of each period as published: exact, rounded, or not at all (rule 5)."""
    exact = r.spc[column].to_numpy(dtype=float)
    return np.select([r.derived == 2, r.derived == 1], [np.nan, round_derived(exact, r.metric.value_type)], exact)


__all__ = ["period_counts", "withhold", "derived"]
