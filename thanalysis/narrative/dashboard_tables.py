"""The words of the priority dashboard's tables: the published summary matrix, the annual and charted tables, the
context table of a locality pack, and the texts of the summary matrix that :mod:`thanalysis.figures.dashboard` lays
out with the Making Data Count icons.

Every row names the area its figure is for (a trust's figures are ``... (whole trust)``), the period its latest
value covers and when it was published, and says "Out of date" in words (not colour alone) when it is.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thanalysis.analyses.dashboard_tables import MATRIX_COLUMNS
from thanalysis.narrative import period_label, plural
from thanalysis.narrative.dashboard_values import (
    OUT_OF_DATE,
    area_label,
    comparators_text,
    currency_text,
    format_metric_value,
    latest_text,
    period_name,
    titled,
    trend_method_text,
    trend_text,
)

#: Columns of the published summary matrix (``results/dashboard_summary.csv``), one row per metric and sex.
TABLE_COLUMNS = [c for c in MATRIX_COLUMNS if c != "note"]
for _after, _new in (("latest_value", "latest_text"), ("special_cause_points", "signals"),
                     ("direction_from", "trend_text"), ("trend_text", "compared_with")):
    TABLE_COLUMNS.insert(TABLE_COLUMNS.index(_after) + 1, _new)
_RULE_SHORT = {"outside_limits": "outside limits", "shift": "shift", "trend": "trend",
               "two_in_three": "2 of 3 near limit"}
_VARIATION_SHORT = {
    "common_cause": "No unusual change",
    "special_cause_improvement": "Improvement",
    "special_cause_concern": "Concern",
    "special_cause_neutral_high": "Unusually high",
    "special_cause_neutral_low": "Unusually low",
}
_ASSURANCE_SHORT = {
    "consistent_pass": "Target reliably met",
    "consistent_fail": "Target reliably missed",
    "inconsistent": "Hit and miss",
    "no_target": "No target",
    "not_applicable": "No target",
}


def signal_summary(headline: pd.DataFrame, frequency: str = "monthly") -> str:
    """``shift (concern) Jul 2023-Mar 2025; outside limits (concern) Sep 2022``: the headline signals of a
    metric (:attr:`MetricResult.headline <thanalysis.analyses.dashboard.MetricResult.headline>`) in short."""
    parts = []
    for ep in headline.itertuples(index=False):
        start, end = period_name(ep.start, frequency, short=True), period_name(ep.end, frequency, short=True)
        span = start if ep.n_points == 1 or ep.start == ep.end else f"{start}-{end}"
        parts.append(f"{_RULE_SHORT[ep.rule]} ({ep.meaning}) {span}")
    return "; ".join(parts)


def summary_table(dash) -> pd.DataFrame:
    """The published summary matrix (:data:`TABLE_COLUMNS`): the analysis's matrix with each metric's latest
    value as text, its headline signals in short, its trend in words (naming the method) and the latest values of
    the areas a trust is compared with."""
    table = dash.table.copy()
    shown = [r.status != "no data" for r in dash.results]
    table["latest_text"] = [latest_text(r) if s else None for r, s in zip(dash.results, shown, strict=True)]
    table["signals"] = [signal_summary(r.headline, r.metric.frequency) if r.summary is not None else None
                        for r in dash.results]
    table["trend_text"] = [trend_text(r.trend) if r.trend is not None else None for r in dash.results]
    table["compared_with"] = [comparators_text(r) or None for r in dash.results]
    return table[TABLE_COLUMNS]


def annual_table(dash) -> pd.DataFrame:
    """The annual indicators shown as the pack's own: priority, metric, area, latest period and value, currency,
    and the trend with its method."""
    rows = [{"priority": r.priority_title, "metric": r.label, "area_name": area_label(r),
             "latest_period": period_label(r.currency["latest_period"]), "latest_text": latest_text(r),
             "currency": OUT_OF_DATE if r.out_of_date else "Up to date", "trend": trend_text(r.trend)}
            for r in dash.own() if r.trend is not None]
    return pd.DataFrame(rows, columns=["priority", "metric", "area_name", "latest_period", "latest_text", "currency",
                                       "trend"])


def charted_table(dash) -> pd.DataFrame:
    """The monthly and quarterly metrics with a chart: priority, metric, area, latest value, variation, assurance
    and whether the data are out of date."""
    rows = [{"priority": r.priority_title, "metric": r.label, "area_name": area_label(r), "latest_text": latest_text(r),
             "variation_type": r.summary["variation_type"], "assurance_type": r.summary["assurance_type"],
             "currency": OUT_OF_DATE if r.out_of_date else "Up to date"} for r in dash.charted()]
    return pd.DataFrame(rows, columns=["priority", "metric", "area_name", "latest_text", "variation_type",
                                       "assurance_type", "currency"])


def context_table(dash) -> pd.DataFrame:
    """In a locality pack, the metrics published only for the whole borough or the trust, each with the area its
    figure is for (never the locality), its latest value and period, and its currency."""
    rows = [{"metric": r.label, "figure_for": f"{area_label(r)}" + (" (whole borough)" if r.level == "borough" else ""),
             "latest_text": latest_text(r), "latest_period": period_label(r.currency["latest_period"]),
             "currency": OUT_OF_DATE if r.out_of_date else "Up to date"} for r in dash.context()]
    return pd.DataFrame(rows, columns=["metric", "figure_for", "latest_text", "latest_period", "currency"])


@dataclass
class MatrixText:
    """The words of one priority's summary matrix: its caption and one dict of texts (and icon codes) per row."""

    priority_id: str
    caption: str
    rows: list[dict]


def _matrix_row(dash, r) -> dict:
    m = r.metric
    out = {"metric": r.label, "where": "" if r.area_name and r.area_name in r.label else area_label(r),
           "latest": latest_text(r), "period": period_label(r.currency["latest_period"]),
           "currency": currency_text(r.currency, short=True), "badge": OUT_OF_DATE if r.out_of_date else "",
           "compared": comparators_text(r), "charted": r.summary is not None}
    n = len(r.series)
    if out["charted"]:
        row = r.summary
        out.update(variation_type=row["variation_type"], improvement_direction=m.improvement_direction,
                   variation_side=row["variation_side"] or None, assurance_type=row["assurance_type"],
                   variation_text=_VARIATION_SHORT.get(row["variation_type"], ""),
                   assurance_text=_ASSURANCE_SHORT.get(row["assurance_type"], ""),
                   target=format_metric_value(m.target.value, m) if m.target else "–",
                   signals=signal_summary(r.headline, m.frequency) or "None",
                   window=f"{period_label(r.series['period'].iloc[0])} to {period_label(r.series['period'].iloc[-1])}, "
                          f"{n} {r.period_word}s")
    else:
        out.update(trend=trend_text(r.trend, short=True) if r.trend is not None
                   else f"Too few {r.period_word}s for a chart",
                   target=format_metric_value(m.target.value, m) if m.target else "–",
                   context=(f"{trend_method_text(r.trend)}; " if r.trend is not None else "")
                   + f"{plural(n, r.period_word)} of data")
    return out


@dataclass
class ChartText:
    """The words of one SPC chart: title (metric and area), subtitle (data currency), badge ("OUT OF DATE" or
    empty), caption, and what the alt text adds to the chart's own description."""

    title: str
    subtitle: str
    badge: str
    caption: str
    alt_extra: str


def chart_text(dash) -> list[ChartText]:
    """The words of every chart (``dash.charted()``, in order)."""
    out = []
    for r in dash.charted():
        currency = currency_text(r.currency)
        sentence = currency[0].upper() + currency[1:]
        caption = r.metric.description
        if r.comparator_latest:
            caption += f" Latest figures elsewhere, for comparison: {comparators_text(r)}."
        if r.out_of_date:
            caption += f" {sentence}."
        if r.withheld is not None and r.withheld.any():
            caption += (f" Hollow circles at the foot of the chart mark {r.period_word}s not shown, to protect small "
                        f"numbers (fewer than {r.threshold}).")
        out.append(ChartText(title=titled(r), subtitle=sentence.split(". ")[0] + (f". {OUT_OF_DATE}" if r.out_of_date
                                                                                   else ""),
                             badge=OUT_OF_DATE.upper() if r.out_of_date else "", caption=caption,
                             alt_extra=f"Data currency: {currency}."))
    return out


def matrix_text(dash) -> list[MatrixText]:
    """The words of the summary matrix of every priority shown, in file order (the pack's own figures only: a
    locality pack's borough-wide and trust-wide figures are in :func:`context_table`)."""
    out = []
    for pid in dash.priority_ids():
        caption = (f"{dash.priorities.priority(pid).title}: latest value, data currency, variation and assurance of "
                   f"each metric ({dash.title_area})")
        out.append(MatrixText(pid, caption, [_matrix_row(dash, r) for r in dash.for_priority(pid)]))
    return out


__all__ = ["TABLE_COLUMNS", "signal_summary", "summary_table", "annual_table", "charted_table", "context_table",
           "MatrixText", "matrix_text", "ChartText", "chart_text"]
