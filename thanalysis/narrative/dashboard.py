"""Plain-English words for the priority dashboard, from its results (:class:`~thanalysis.analyses.dashboard.DashboardResults`).

For each priority: which metrics changed, whether each change is special cause *improvement* or
*concern* and by which Making Data Count rule ("above the mean for 8 consecutive months since
March 2024: a shift, concern"; "a run of 7 falling points: a trend, improvement"; "a single point
below the lower limit in June 2024"), whether the target will reliably be met (assurance), and what
to look at. Every metric with a special-cause point is described as such; a metric with only
common-cause variation is never called special (its sentence says "no unusual change").

Also the words of the published tables (a metric's value as text, its signals in short) and of the
summary matrix, which :mod:`thanalysis.figures.dashboard` lays out with the icons. Words only: which
signals matter, and which are still running, was decided by the analysis (:mod:`thanalysis.stats.episodes`),
and which numbers may be published too (:mod:`thanalysis.stats.disclosure`): every number here comes from a
result's ``shown`` figures, and a withheld month reads "a small number (fewer than 5)", never its value.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.narrative import annual_trend_text, format_value, join_words, period_label, plural

#: Columns of the published summary matrix (``results/dashboard_summary.csv``), one row per metric.
TABLE_COLUMNS = [
    "priority_id", "priority", "metric_id", "metric", "frequency", "area_code", "area_name", "level",
    "latest_period", "latest_value", "latest_text", "value_type", "unit", "n_points", "first_period",
    "mean", "lpl", "upl", "target", "variation_type", "variation_side", "assurance_type",
    "special_cause", "special_cause_points", "signals", "recent_trend", "recent_trend_reason", "status",
]
_MEANING_WORDS = {"improvement": "improvement", "concern": "concern", "neutral": "unusual, but neither good nor bad"}
_RULE_SHORT = {"outside_limits": "outside limits", "shift": "shift", "trend": "trend", "two_in_three": "2 of 3 near limit"}
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


# ==============================================================================================================
# Values and signals
# ==============================================================================================================
def format_metric_value(value, metric) -> str:
    """A value as the dashboard shows it: 81.4% for proportions, 1,234 for counts, 9.1 µg/m³ ..."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "no data"
    if metric.value_type == "proportion":
        return format_value(float(value), "proportion", multiplier=1)
    if metric.value_type == "count":
        return f"{float(value):,.0f}"
    unit = {"micrograms per cubic metre": "µg/m³"}.get(metric.unit, metric.unit)
    return format_value(float(value), metric.value_type, unit=unit)


def withheld_text(r) -> str:
    """What is said in place of a withheld latest value: ``a small number (fewer than 5)`` for a count,
    ``not shown (a small number, fewer than 5)`` for a rate or percentage built on one."""
    if r.metric.value_type == "count":
        return f"a small number (fewer than {r.threshold})"
    return f"not shown (a small number, fewer than {r.threshold})"


def latest_text(r) -> str:
    """A result's latest value as published (:func:`withheld_text` when it is withheld)."""
    return withheld_text(r) if r.latest_withheld else format_metric_value(r.shown["latest_value"], r.metric)


def withheld_sentence(r) -> str:
    """How many months of a chart are not shown, and why (empty when none is)."""
    k = int(r.withheld.sum()) if r.spc is not None and r.withheld is not None else 0
    if not k:
        return ""
    return (f"{k} of the {len(r.series)} months {'is' if k == 1 else 'are'} not shown, to protect small numbers "
            f"(fewer than {r.threshold}).")


def month(ts) -> str:
    """``2024-06-01`` → ``June 2024``."""
    return pd.Timestamp(ts).strftime("%B %Y")


def signal_summary(headline: pd.DataFrame) -> str:
    """``shift (concern) Jul 2023-Mar 2025; outside limits (concern) Sep 2022``: the headline signals of a
    metric (:attr:`MetricResult.headline <thanalysis.analyses.dashboard.MetricResult.headline>`) in short."""
    parts = []
    for ep in headline.itertuples(index=False):
        span = f"{ep.start:%b %Y}" if ep.n_points == 1 or ep.start == ep.end else f"{ep.start:%b %Y}-{ep.end:%b %Y}"
        parts.append(f"{_RULE_SHORT[ep.rule]} ({ep.meaning}) {span}")
    return "; ".join(parts)


def describe_episode(ep, last_date) -> str:
    """One special-cause signal as a phrase naming the rule, the months and what it means."""
    high = ep.side == "high"
    meaning = _MEANING_WORDS.get(ep.meaning, ep.meaning)
    n = int(ep.n_points)
    ongoing = pd.Timestamp(ep.end) == pd.Timestamp(last_date)
    since = "since" if ongoing else "from"
    until = "" if ongoing else f" to {month(ep.end)}"
    if ep.rule == "shift":
        return (f"{'above' if high else 'below'} the mean for {n} consecutive months {since} {month(ep.start)}"
                f"{until}: a shift, {meaning}")
    if ep.rule == "trend":
        return (f"a run of {n} {'rising' if high else 'falling'} points {since} {month(ep.start)}{until}: "
                f"a trend, {meaning}")
    if ep.rule == "outside_limits":
        limit = "above the upper" if high else "below the lower"
        if n == 1:
            return f"a single point {limit} process limit in {month(ep.start)}: {meaning}"
        return f"{n} points in a row {limit} process limit {since} {month(ep.start)}{until}: {meaning}"
    if ep.rule == "two_in_three":
        return (f"two of three points close to the {'upper' if high else 'lower'} limit around "
                f"{month(ep.start)}: {meaning}")
    return f"{ep.rule} in {month(ep.start)}: {meaning}"


# ==============================================================================================================
# One metric
# ==============================================================================================================
@dataclass
class MetricNarrative:
    metric_id: str
    title: str
    special_cause: bool
    text: str


def _value_sentence(r) -> str:
    latest = r.series.iloc[-1]
    where = {"trust": f" at {r.area_name}", "borough": f" for {r.area_name}", "locality": f" for {r.area_name}"}.get(r.level, "")
    text = f"{latest_text(r)} in {period_label(latest['period'])}{where}"
    if r.summary is not None:
        s = r.shown
        if np.isnan(s["mean"]):
            return text + f" (average and usual range over {len(r.series)} months not shown, to protect small numbers)"
        text += (f" (average {format_metric_value(s['mean'], r.metric)} over {len(r.series)} months; usual range "
                 f"{format_metric_value(max(s['lpl'], 0.0), r.metric)} to {format_metric_value(s['upl'], r.metric)})")
    return text


def _assurance_sentence(r) -> str:
    if r.summary is None or r.metric.target is None:
        return ""
    target = format_metric_value(r.metric.target.value, r.metric)
    kind = r.summary["assurance_type"]
    if kind == "consistent_pass":
        return f"The target of {target} is reliably met: it lies outside the usual range, on the good side."
    if kind == "consistent_fail":
        return (f"The target of {target} will not be met without a change to how the service works: "
                "it lies outside the usual range, on the wrong side.")
    if kind == "inconsistent":
        return f"Meeting the target of {target} is hit and miss: it lies inside the usual range."
    return ""


def look_at(r) -> str:
    """What a committee should ask about, from the most recent signal and the assurance."""
    if r.spc is None:
        return ""
    if r.summary is not None and r.summary.get("too_few_points"):
        return "What to look at: too few months to judge yet; keep collecting."
    if r.is_special_cause and len(r.changes):
        eps = r.changes
        latest = eps[eps["end"] == eps["end"].max()].sort_values("start", kind="mergesort").iloc[0]
        ongoing = latest["end"] == r.latest_date
        if latest["meaning"] == "concern":
            return (f"What to look at: what changed around {month(latest['start'])}"
                    + (", and what would bring the measure back." if ongoing else
                       ", and whether its cause has been dealt with."))
        if latest["meaning"] == "improvement":
            return (f"What to look at: what drove the improvement from {month(latest['start'])}, so that it "
                    "can be kept up and shared.")
        return f"What to look at: why the values changed around {month(latest['start'])}."
    if r.summary is not None and r.summary["assurance_type"] == "consistent_fail":
        return "What to look at: meeting the target needs a change to the process, not more of the same."
    return ""


def _join(phrases: list[str]) -> str:
    return "; and ".join(phrases)


def gap_sentence(gaps: list[dict]) -> str:
    """Months missing from a monthly series (:attr:`MetricResult.gaps`), said plainly: the chart leaves a gap."""
    spans = [month(g["start"]) if g["months"] == 1 else f"{month(g['start'])} to {month(g['end'])} ({g['months']} "
             "months)" for g in gaps]
    return f"No figures for {join_words(spans)}: the chart leaves a gap rather than joining the months either side."


def metric_narrative(r) -> MetricNarrative:
    """The narrative of one metric result (:class:`thanalysis.analyses.dashboard.MetricResult`)."""
    m = r.metric
    parts = [f"{m.title}: {_value_sentence(r)}."] + ([gap_sentence(r.gaps)] if r.gaps else [])
    if r.trend is not None:
        label = r.trend.get("recent_trend") or "Cannot be calculated"
        if label.startswith("Cannot"):
            parts.append(annual_trend_text(label, r.trend.get("reason")) + ".")
        else:
            parts.append(f"Recent trend over the last five periods: {label[0].lower() + label[1:]}.")
        return MetricNarrative(m.id, m.title, False, " ".join(parts))
    if r.spc is None:
        return MetricNarrative(m.id, m.title, False, parts[0] + " Too few months to draw a chart.")
    last = r.latest_date
    if not r.is_special_cause:
        parts.append(f"Common cause variation only: no unusual change in the last {len(r.series)} months.")
    else:
        eps, before = r.changes, r.before_change
        ongoing = eps[eps["end"] == last]
        earlier = eps[eps["end"] != last]
        if len(ongoing):
            parts.append("Special cause variation: "
                         + _join([describe_episode(ep, last) for ep in ongoing.itertuples(index=False)]) + ".")
        if len(earlier):
            lead = "Earlier special cause variation: " if len(ongoing) else "Special cause variation: "
            parts.append(lead + _join([describe_episode(ep, last) for ep in earlier.itertuples(index=False)]) + ".")
        if len(before):
            parts.append(f"The months before that change ({month(before['start'].min())} to "
                         f"{month(before['end'].max())}) sit on the other side of the average: the same change "
                         "seen from before it, not a separate one.")
    for extra in (withheld_sentence(r), _assurance_sentence(r), look_at(r)):
        if extra:
            parts.append(extra)
    return MetricNarrative(m.id, m.title, r.is_special_cause, " ".join(parts))


# ==============================================================================================================
# Priorities and the whole pack
# ==============================================================================================================
def priority_narrative(dash, priority_id: str) -> tuple[str, list[MetricNarrative]]:
    """The lead sentence of one priority and one narrative per metric shown."""
    results = dash.for_priority(priority_id)
    items = [metric_narrative(r) for r in results]
    monthly = [r for r in results if r.spc is not None]
    concern = [r.metric.title for r in monthly if r.is_special_cause and r.ongoing == "concern"]
    improve = [r.metric.title for r in monthly if r.is_special_cause and r.ongoing == "improvement"]
    other_special = [r.metric.title for r in monthly if r.is_special_cause
                     and r.metric.title not in concern + improve]
    quiet = [r for r in monthly if not r.is_special_cause]
    bits = []
    if concern:
        bits.append(f"a concern now in {join_words(concern)}")
    if improve:
        bits.append(f"an improvement now in {join_words(improve)}")
    if other_special:
        bits.append(f"unusual months earlier in the period in {join_words(other_special)}")
    if monthly:
        lead = f"Of {plural(len(monthly), 'monthly metric')}, " + (
            "the charts show " + _join(bits) + "; " if bits else "")
        lead += (f"{plural(len(quiet), 'metric')} {'shows' if len(quiet) == 1 else 'show'} only common cause "
                 "variation (no unusual change)." if quiet else "none shows only common cause variation.")
        if not bits:
            lead = ("The monthly metric shows" if len(monthly) == 1 else f"All {len(monthly)} monthly metrics show") \
                + " only common cause variation (no unusual change)."
    else:
        lead = "This priority has annual indicators only."
    annual = [r for r in results if r.trend is not None]
    if annual:
        lead += (f" {plural(len(annual), 'annual indicator')} {'is' if len(annual) == 1 else 'are'} judged by "
                 f"{'its' if len(annual) == 1 else 'their'} recent trend.")
    return lead, items


def priority_narrative_html(dash, priority_id: str) -> str:
    """The narrative of one priority as HTML: a lead paragraph and one bullet per metric."""
    lead, items = priority_narrative(dash, priority_id)
    bullets = "".join(f"<li>{html.escape(i.text)}</li>" for i in items)
    return f'<div class="dash-narrative"><p>{html.escape(lead)}</p><ul>{bullets}</ul></div>'


def narrative_html(dash) -> str:
    """Every priority shown: its title as a heading, then its narrative."""
    return "".join(f"<h3>{html.escape(dash.priorities.priority(p).title)}</h3>{priority_narrative_html(dash, p)}"
                   for p in dash.priority_ids())


def dashboard_overview(dash) -> str:
    """One paragraph for the top of the pack: how many metrics, how many special cause, where to look."""
    monthly = dash.monthly()
    concern = [r.metric.title for r in monthly if r.ongoing == "concern"]
    improve = [r.metric.title for r in monthly if r.ongoing == "improvement"]
    special = [r for r in monthly if r.is_special_cause]
    text = (f"This pack covers {plural(len(monthly), 'monthly metric')} and "
            f"{plural(len([r for r in dash.results if r.trend is not None]), 'annual indicator')} for "
            f"{dash.title_area}, across {plural(len(dash.priority_ids()), 'priority', 'priorities')}. ")
    text += (f"{plural(len(special), 'monthly metric')} {'shows' if len(special) == 1 else 'show'} special cause "
             f"variation in the last {dash.window_months} months. ")
    if concern:
        text += f"Look first at {join_words(concern)}: {'it shows' if len(concern) == 1 else 'they show'} a concern that is still running. "
    if improve:
        text += f"{join_words(improve)} {'shows' if len(improve) == 1 else 'show'} an improvement that is still running. "
    if not concern and not improve:
        text += "None shows a change that is still running. "
    return text.strip()


def overview_html(dash) -> str:
    """The "at a glance" block: the area, any note about the figures shown, and :func:`dashboard_overview`."""
    notes = "".join(f"<p><strong>Please note:</strong> {html.escape(n)}</p>" for n in dash.notes)
    return f"<h3>{html.escape(dash.title_area)}</h3>{notes}<p>{html.escape(dashboard_overview(dash))}</p>"


# ==============================================================================================================
# Tables
# ==============================================================================================================
def summary_table(dash) -> pd.DataFrame:
    """The published summary matrix (:data:`TABLE_COLUMNS`): the analysis's matrix with each metric's latest
    value as text and its headline signals in short."""
    table = dash.table.copy()
    latest = [latest_text(r) if r.status != "no data" else None for r in dash.results]
    signals = [signal_summary(r.headline) if r.summary is not None else None for r in dash.results]
    table.insert(table.columns.get_loc("latest_value") + 1, "latest_text", latest)
    table.insert(table.columns.get_loc("special_cause_points") + 1, "signals", signals)
    return table[TABLE_COLUMNS]


def annual_table(dash) -> pd.DataFrame:
    """The annual indicators shown: priority, metric, area, latest period and value, recent trend."""
    table = summary_table(dash)
    annual = table[(table["frequency"] != "monthly") & (table["status"] != "no data")]
    return annual[["priority", "metric", "area_name", "latest_period", "latest_text", "recent_trend"]]


def monthly_table(dash) -> pd.DataFrame:
    """The monthly metrics with a chart: priority, metric, latest value, variation and assurance."""
    table = summary_table(dash)
    return table.loc[table["variation_type"].notna(),
                     ["priority", "metric", "latest_text", "variation_type", "assurance_type"]]


@dataclass
class MatrixText:
    """The words of one priority's summary matrix: its caption and one dict of texts (and icon codes) per row."""

    priority_id: str
    caption: str
    rows: list[dict]


def _matrix_row(dash, row) -> dict:
    # the metric titles already name a trust; a locality pack flags borough-wide figures
    out = {"metric": row.metric, "where": " (whole-borough figure)" if dash.locality and row.level == "borough" else "",
           "latest": row.latest_text or "", "period": period_label(row.latest_period or ""),
           "monthly": row.frequency == "monthly" and isinstance(row.variation_type, str)}
    n = int(row.n_points)
    if out["monthly"]:
        m = dash.priorities.metric(row.metric_id)
        out.update(variation_type=row.variation_type, improvement_direction=m.improvement_direction,
                   variation_side=row.variation_side or None, assurance_type=row.assurance_type,
                   variation_text=_VARIATION_SHORT.get(row.variation_type, ""),
                   assurance_text=_ASSURANCE_SHORT.get(row.assurance_type, ""),
                   target=format_metric_value(row.target, m) if np.isfinite(row.target) else "–",
                   signals=row.signals or "None",
                   window=f"{period_label(row.first_period)} to {period_label(row.latest_period)}, {n} months")
    else:
        out.update(trend=annual_trend_text(row.recent_trend, row.recent_trend_reason), target="–",
                   context=f"Annual indicator: {n} {'year' if n == 1 else 'years'} of data")
    return out


def matrix_text(dash) -> list[MatrixText]:
    """The words of the summary matrix of every priority shown, in file order."""
    table = summary_table(dash)
    out = []
    for pid in dash.priority_ids():
        rows = table[(table["priority_id"] == pid) & (table["status"] != "no data")]
        caption = (f"{dash.priorities.priority(pid).title}: latest value, variation and assurance of each metric "
                   f"({dash.title_area})")
        out.append(MatrixText(pid, caption, [_matrix_row(dash, row) for row in rows.itertuples(index=False)]))
    return out


__all__ = ["TABLE_COLUMNS", "format_metric_value", "withheld_text", "latest_text", "withheld_sentence", "month",
           "signal_summary", "describe_episode", "MetricNarrative", "metric_narrative", "look_at", "priority_narrative", "priority_narrative_html",
           "narrative_html", "dashboard_overview", "overview_html", "summary_table", "annual_table",
           "monthly_table", "MatrixText", "matrix_text"]
