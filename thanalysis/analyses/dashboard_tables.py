"""The tables and counts the priority dashboard publishes, from its metric results.

:func:`summary_matrix` is the summary matrix (one row per metric and sex: latest value and the period it covers,
its currency, SPC variation and assurance for periodic metrics, recent trend or direction of travel for annual
ones); :func:`overview_counts` counts it; :func:`series_table` is every charted period as published (small numbers
withheld); :func:`metric_summaries` is the per-metric part of ``summary.json`` (currency and area). In a locality
pack a metric published only for the whole borough or trust is *context*: it keeps its own area in every table
and is never counted as the locality's.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.analyses.dashboard_disclosure import derived
from thanalysis.stats.disclosure import SUPPRESSED_NOTE

#: Columns of the summary matrix, one row per metric and sex (numbers and codes; the narrative adds the words).
MATRIX_COLUMNS = [
    "priority_id", "priority", "metric_id", "metric", "sex", "frequency", "area_code", "area_name", "level",
    "context", "latest_period", "period_end", "published", "expected_lag_months", "out_of_date",
    "latest_value", "value_type", "unit", "n_points", "first_period",
    "mean", "lpl", "upl", "target", "variation_type", "variation_side", "assurance_type",
    "special_cause", "special_cause_points", "trend_method", "recent_trend", "recent_trend_reason",
    "direction", "direction_meaning", "direction_from", "status", "note",
]


def summary_matrix(results: Sequence) -> pd.DataFrame:
    """One row per result: latest value and currency, variation and assurance (periodic), trend (annual)."""
    rows = []
    for r in results:
        m = r.metric
        row = dict.fromkeys(MATRIX_COLUMNS)
        row.update(priority_id=m.priority, priority=r.priority_title, metric_id=m.id, metric=m.title, sex=r.sex,
                   frequency=m.frequency, area_code=r.area_code, area_name=r.area_name, level=r.level,
                   context=r.context, value_type=m.value_type, unit=m.unit, status=r.status,
                   note="; ".join(r.notes), target=m.target.value if m.target else np.nan, special_cause=False,
                   special_cause_points=0, expected_lag_months=m.expected_lag_months, out_of_date=False)
        if r.status != "no data":
            c = r.currency
            row.update(latest_period=c["latest_period"], period_end=c["period_end"], published=c["published"],
                       out_of_date=c["out_of_date"], latest_value=r.shown["latest_value"], n_points=len(r.series),
                       first_period=r.series["period"].iloc[0])
        if r.summary is not None:
            s = r.summary
            row.update(mean=r.shown["mean"], lpl=r.shown["lpl"], upl=r.shown["upl"], variation_type=s["variation_type"],
                       variation_side=s["variation_side"] or "", assurance_type=s["assurance_type"],
                       special_cause=r.is_special_cause,
                       special_cause_points=int((r.spc["point_type"] != "common_cause").sum()))
        if r.trend is not None:
            t = r.trend
            row.update(trend_method=t["method"], recent_trend=t["recent_trend"], recent_trend_reason=t["reason"],
                       direction=t["direction"], direction_meaning=t["direction_meaning"],
                       direction_from=t["direction_from"])
        rows.append(row)
    return pd.DataFrame(rows, columns=MATRIX_COLUMNS)


def overview_counts(table: pd.DataFrame) -> dict[str, int]:
    """From the summary matrix (its rows for the pack's own area): how many periodic (monthly or quarterly)
    metrics show each kind of latest-point variation, how many have any signal, how many annual indicators are
    shown, how many metrics have no data, how many are out of date, and how many are context only."""
    own = table[~table["context"].astype(bool)]
    periodic = own[own["variation_type"].notna()]
    shown = own["status"] != "no data"
    return {
        "monthly_metrics": int((periodic["frequency"] == "monthly").sum()),
        "quarterly_metrics": int((periodic["frequency"] == "quarterly").sum()),
        "spc_metrics": int(len(periodic)),
        "latest_concern": int((periodic["variation_type"] == "special_cause_concern").sum()),
        "latest_improvement": int((periodic["variation_type"] == "special_cause_improvement").sum()),
        "latest_common_cause": int((periodic["variation_type"] == "common_cause").sum()),
        "any_special_cause": int(periodic["special_cause"].astype(bool).sum()),
        "annual_indicators": int(((own["frequency"] == "annual") & shown).sum()),
        "not_available": int((table["status"] == "no data").sum()),
        "out_of_date": int((own["out_of_date"].astype(bool) & shown).sum()),
        "context_metrics": int((table["context"].astype(bool) & (table["status"] != "no data")).sum()),
    }


def series_table(results: Sequence) -> pd.DataFrame:
    """Every charted period with its limits and point type, as published: a withheld period without its value,
    count and denominator (``value_note`` says so), the mean and limits of its phase rounded."""
    frames = []
    for r in results:
        if r.spc is None or r.context:
            continue
        s, w = r.spc, r.withheld
        shown = {c: np.where(w, np.nan, np.asarray(v, dtype=float)) for c, v in (
            ("value", s["value"]), ("count", r.series["count"]), ("denominator", r.series["denominator"]))}
        shown.update({c: derived(r, k) for c, k in (("mean", "mean"), ("lower_process_limit", "lpl"),
                                                    ("upper_process_limit", "upl"))})
        frames.append(pd.DataFrame({
            "metric_id": r.metric.id, "sex": r.sex, "area_code": r.area_code, "period": r.series["period"].to_numpy(),
            **{c: shown[c] for c in ("value", "count", "denominator", "mean", "lower_process_limit",
                                     "upper_process_limit")},
            "target": s["target"].to_numpy(), "point_type": s["point_type"].to_numpy(),
            "special_cause_rule": s["special_cause_rule"].to_numpy(),
            "value_note": np.where(w, SUPPRESSED_NOTE, None)}))
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["value_note"])
    table.attrs["suppressed_cells"] = int(table["value_note"].notna().sum())
    return table if table["value_note"].notna().any() else table.drop(columns="value_note")


def metric_summaries(results: Sequence) -> list[dict]:
    """Per result shown, what ``summary.json`` says of it: the metric, its sex, its frequency, whether it is the
    pack's own figure or context (a borough-wide or trust-wide figure in a locality pack), and its currency."""
    return [{"metric_id": r.metric.id, "metric": r.label, "sex": r.sex, "priority_id": r.metric.priority,
             "frequency": r.metric.frequency, "context": bool(r.context), "currency": dict(r.currency)}
            for r in results if r.status != "no data"]


__all__ = ["MATRIX_COLUMNS", "summary_matrix", "overview_counts", "series_table", "metric_summaries"]
