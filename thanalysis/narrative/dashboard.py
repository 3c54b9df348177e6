"""Plain-English words for the priority dashboard, from its results
(:class:`~thanalysis.analyses.dashboard.DashboardResults`).

For each priority: which metrics changed, whether each change is special cause *improvement* or
*concern* and by which Making Data Count rule ("above the mean for 8 consecutive months since
March 2024: a shift, concern"; "a run of 7 falling points: a trend, improvement"; "a single point
below the lower limit in 2024 Q2"), whether the target will reliably be met (assurance), and what
to look at. Every metric with a special-cause point is described as such; a metric with only
common-cause variation is never called special (its sentence says "no unusual change").

Every sentence names the area a figure is for (a trust's figures are the whole trust's), the period its latest
value covers and, when that is older than expected, says **out of date**: a signal of an out-of-date series is
never "still running" but "at the latest data (Feb 2025, out of date)". Annual indicators say which method judged
them: the Fingertips recent trend, or a direction of travel that claims no significance.

Words only: which signals matter was decided by the analysis (:mod:`thanalysis.stats.episodes`), and which numbers
may be published too (:mod:`thanalysis.stats.disclosure`): every number here comes from a result's ``shown``
figures, and a withheld period reads "a small number (fewer than 5)", never its value. The words of the tables and
the summary matrix are in :mod:`thanalysis.narrative.dashboard_tables` (re-exported here for the notebook).
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.narrative import join_words, period_label, plural
from thanalysis.narrative.dashboard_tables import (
    TABLE_COLUMNS,
    ChartText,
    MatrixText,
    annual_table,
    chart_text,
    charted_table,
    context_table,
    matrix_text,
    signal_summary,
    summary_table,
)
from thanalysis.narrative.dashboard_values import (OUT_OF_DATE, area_label, comparators_text, currency_text,
                                                   format_metric_value, latest_text, month, period_name, trend_text,
                                                   withheld_text)

_MEANING_WORDS = {"improvement": "improvement", "concern": "concern", "neutral": "unusual, but neither good nor bad"}


# ==============================================================================================================
# Signals
# ==============================================================================================================
def withheld_sentence(r) -> str:
    """How many periods of a chart are not shown, and why (empty when none is)."""
    k = int(r.withheld.sum()) if r.spc is not None and r.withheld is not None else 0
    if not k:
        return ""
    word = getattr(r, "period_word", "month")
    return (f"{k} of the {plural(len(r.series), word)} {'is' if k == 1 else 'are'} not shown, to protect small "
            f"numbers (fewer than {r.threshold}).")


def describe_episode(ep, last_date, *, frequency: str = "monthly", current: bool = True) -> str:
    """One special-cause signal as a phrase naming the rule, the periods and what it means. A signal that reaches
    the latest period runs "since" its start when the series is ``current``; otherwise it runs "to the latest data
    (..., out of date)", never "since"."""
    high = ep.side == "high"
    meaning = _MEANING_WORDS.get(ep.meaning, ep.meaning)
    n = int(ep.n_points)
    word = "quarter" if frequency == "quarterly" else "month"

    def name(ts):
        return period_name(ts, frequency)

    reaches_latest = pd.Timestamp(ep.end) == pd.Timestamp(last_date)
    since = "since" if reaches_latest and current else "from"
    until = "" if reaches_latest and current else (
        f" to the latest data ({name(ep.end)}, out of date)" if reaches_latest else f" to {name(ep.end)}")
    if ep.rule == "shift":
        return (f"{'above' if high else 'below'} the mean for {n} consecutive {word}s {since} {name(ep.start)}"
                f"{until}: a shift, {meaning}")
    if ep.rule == "trend":
        return (f"a run of {n} {'rising' if high else 'falling'} points {since} {name(ep.start)}{until}: "
                f"a trend, {meaning}")
    if ep.rule == "outside_limits":
        limit = "above the upper" if high else "below the lower"
        if n == 1:
            late = " (the latest data, out of date)" if reaches_latest and not current else ""
            return f"a single point {limit} process limit in {name(ep.start)}{late}: {meaning}"
        return f"{n} points in a row {limit} process limit {since} {name(ep.start)}{until}: {meaning}"
    if ep.rule == "two_in_three":
        return (f"two of three points close to the {'upper' if high else 'lower'} limit around "
                f"{name(ep.start)}: {meaning}")
    return f"{ep.rule} in {name(ep.start)}: {meaning}"


# ==============================================================================================================
# One metric
# ==============================================================================================================
@dataclass
class MetricNarrative:
    metric_id: str
    title: str
    special_cause: bool
    text: str
    sex: str = "Persons"


def _value_sentence(r) -> str:
    latest = r.series.iloc[-1]
    where = {"trust": " at ", "borough": " for ", "locality": " for "}.get(r.level, "")
    named = r.area_name and r.area_name in r.label  # the title names the trust already
    text = f"{latest_text(r)} in {period_label(latest['period'])}" + (f"{where}{area_label(r)}" if where and not named
                                                                      else "")
    if r.summary is not None:
        s, span = r.shown, plural(len(r.series), r.period_word)
        if np.isnan(s["mean"]):
            return text + f" (average and usual range over {span} not shown, to protect small numbers)"
        text += (f" (average {format_metric_value(s['mean'], r.metric)} over {span}; usual range "
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
        return f"What to look at: too few {r.period_word}s to judge yet; keep collecting."
    if r.out_of_date:
        return "What to look at: newer figures than these, before drawing conclusions."
    if r.is_special_cause and len(r.changes):
        eps = r.changes
        latest = eps[eps["end"] == eps["end"].max()].sort_values("start", kind="mergesort").iloc[0]
        ongoing = latest["end"] == r.latest_date
        start = period_name(latest["start"], r.metric.frequency)
        if latest["meaning"] == "concern":
            return (f"What to look at: what changed around {start}"
                    + (", and what would bring the measure back." if ongoing else
                       ", and whether its cause has been dealt with."))
        if latest["meaning"] == "improvement":
            return f"What to look at: what drove the improvement from {start}, so that it can be kept up and shared."
        return f"What to look at: why the values changed around {start}."
    if r.summary is not None and r.summary["assurance_type"] == "consistent_fail":
        return "What to look at: meeting the target needs a change to the process, not more of the same."
    return ""


def _join(phrases: list[str]) -> str:
    return "; and ".join(phrases)


def gap_sentence(gaps: list[dict], frequency: str = "monthly") -> str:
    """Periods missing from a periodic series (:attr:`MetricResult.gaps`), said plainly: the chart leaves a gap."""
    step, word = (3, "quarter") if frequency == "quarterly" else (1, "month")
    spans = []
    for g in gaps:
        n = g["months"] // step
        spans.append(period_name(g["start"], frequency) if n == 1 else
                     f"{period_name(g['start'], frequency)} to {period_name(g['end'], frequency)} ({n} {word}s)")
    return (f"No figures for {join_words(spans)}: the chart leaves a gap rather than joining the {word}s either "
            "side.")


def currency_sentence(r) -> str:
    """``Latest data Jul 2025 (to 31 Jul 2025), published 13 Jan 2026.`` and, when out of date, why."""
    text = currency_text(r.currency)
    return text[0].upper() + text[1:] + "."


def _signal_sentences(r) -> list[str]:
    last, current = r.latest_date, not r.out_of_date
    freq = r.metric.frequency
    if not r.is_special_cause:
        return [f"Common cause variation only: no unusual change in the last {plural(len(r.series), r.period_word)}."]
    parts = []
    eps, before = r.changes, r.before_change
    reaching = eps[eps["end"] == last]
    earlier = eps[eps["end"] != last]
    if len(reaching):
        parts.append("Special cause variation: " + _join(
            [describe_episode(ep, last, frequency=freq, current=current) for ep in reaching.itertuples(index=False)])
            + ".")
    if len(earlier):
        lead = "Earlier special cause variation: " if len(reaching) else "Special cause variation: "
        parts.append(lead + _join([describe_episode(ep, last, frequency=freq, current=current)
                                   for ep in earlier.itertuples(index=False)]) + ".")
    if len(before):
        parts.append(f"The {r.period_word}s before that change ({period_name(before['start'].min(), freq)} to "
                     f"{period_name(before['end'].max(), freq)}) sit on the other side of the average: the same "
                     "change seen from before it, not a separate one.")
    return parts


def metric_narrative(r) -> MetricNarrative:
    """The narrative of one metric result (:class:`thanalysis.analyses.dashboard.MetricResult`)."""
    m = r.metric
    parts = [f"{r.label}: {_value_sentence(r)}."]
    if r.comparator_latest:
        parts.append(f"For comparison, the latest figures elsewhere: {comparators_text(r)}.")
    parts.append(currency_sentence(r))
    if r.gaps:
        parts.append(gap_sentence(r.gaps, m.frequency))
    if r.trend is not None:
        parts.append(trend_text(r.trend) + ".")
        return MetricNarrative(m.id, r.label, False, " ".join(parts), r.sex)
    if r.spc is None:
        return MetricNarrative(m.id, r.label, False, " ".join(parts) + f" Too few {r.period_word}s to draw a chart.",
                               r.sex)
    parts += _signal_sentences(r)
    for extra in (withheld_sentence(r), _assurance_sentence(r), look_at(r)):
        if extra:
            parts.append(extra)
    return MetricNarrative(m.id, r.label, r.is_special_cause, " ".join(parts), r.sex)


# ==============================================================================================================
# Priorities and the whole pack
# ==============================================================================================================
def _kind(results) -> str:
    freqs = {r.metric.frequency for r in results}
    return "monthly metric" if freqs == {"monthly"} else "quarterly metric" if freqs == {"quarterly"} else \
        "monthly or quarterly metric"


def _at_latest(results, meaning: str) -> tuple[list[str], list[str]]:
    """Titles of the results whose signals reaching the latest period mean ``meaning``: current, out of date."""
    hits = [r for r in results if r.is_special_cause and r.ongoing == meaning]
    return [r.label for r in hits if not r.out_of_date], [r.label for r in hits if r.out_of_date]


def priority_narrative(dash, priority_id: str) -> tuple[str, list[MetricNarrative]]:
    """The lead sentence of one priority and one narrative per metric shown."""
    results = dash.for_priority(priority_id)
    items = [metric_narrative(r) for r in results]
    charted = [r for r in results if r.spc is not None]
    concern, stale_concern = _at_latest(charted, "concern")
    improve, stale_improve = _at_latest(charted, "improvement")
    other_special = [r.label for r in charted if r.is_special_cause
                     and r.label not in concern + improve + stale_concern + stale_improve]
    quiet = [r for r in charted if not r.is_special_cause]
    bits = []
    if concern:
        bits.append(f"a concern now in {join_words(concern)}")
    if improve:
        bits.append(f"an improvement now in {join_words(improve)}")
    if stale_concern:
        bits.append(f"a concern at the latest (out-of-date) data in {join_words(stale_concern)}")
    if stale_improve:
        bits.append(f"an improvement at the latest (out-of-date) data in {join_words(stale_improve)}")
    if other_special:
        bits.append(f"unusual {charted[0].period_word}s earlier in the period in {join_words(other_special)}")
    if charted:
        kind = _kind(charted)
        lead = f"Of {plural(len(charted), kind)}, " + ("the charts show " + _join(bits) + "; " if bits else "")
        lead += (f"{plural(len(quiet), 'metric')} {'shows' if len(quiet) == 1 else 'show'} only common cause "
                 "variation (no unusual change)." if quiet else "none shows only common cause variation.")
        if not bits:
            lead = (f"The {kind} shows" if len(charted) == 1 else f"All {len(charted)} {kind}s show") \
                + " only common cause variation (no unusual change)."
    else:
        lead = "This priority has annual indicators only."
    annual = [r for r in results if r.trend is not None]
    if annual:
        lead += (f" {plural(len(annual), 'annual indicator')} {'is' if len(annual) == 1 else 'are'} judged by "
                 f"{'its' if len(annual) == 1 else 'their'} recent trend or direction of travel.")
    stale = [r for r in results if r.out_of_date]
    if stale:
        lead += f" {OUT_OF_DATE}: {join_words([r.label for r in stale])}."
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


def overview_points(dash) -> list[str]:
    """The "at a glance" sentences: what the pack covers, what is still changing in up-to-date data (look there
    first), what changed at the latest data of out-of-date series, how many are out of date, and whose figures the
    trust's are."""
    charted = dash.charted()
    c = dash.counts
    concern, stale_concern = _at_latest(charted, "concern")
    improve, stale_improve = _at_latest(charted, "improvement")
    special = [r for r in charted if r.is_special_cause]
    if not dash.own():
        return [f"No metric on this dashboard is published for {dash.title_area} on its own: the figures in this "
                f"pack are the whole borough's or the hospital trust's, listed once as context (below), not as "
                f"{dash.title_area}'s figures."]
    points = [f"This pack covers {plural(c['monthly_metrics'], 'monthly metric')}, "
              f"{plural(c['quarterly_metrics'], 'quarterly metric')} and "
              f"{plural(c['annual_indicators'], 'annual indicator')} for {dash.title_area}, across "
              f"{plural(len(dash.priority_ids()), 'priority', 'priorities')}; "
              f"{plural(len(special), 'monthly or quarterly metric')} {'shows' if len(special) == 1 else 'show'} "
              f"special cause variation in {'its chart' if len(special) == 1 else 'their charts'}."]
    if concern:
        points.append(f"Look first at {join_words(concern)}: {'it shows' if len(concern) == 1 else 'they show'} a "
                      "concern that is still running.")
    if improve:
        points.append(f"{join_words(improve)} {'shows' if len(improve) == 1 else 'show'} an improvement that is "
                      "still running.")
    if not concern and not improve:
        points.append("No up-to-date metric shows an unusual change at its latest point.")
    for titles, what in ((stale_concern, "a concern"), (stale_improve, "an improvement")):
        if titles:
            points.append(f"{what[0].upper() + what[1:]} at the latest data, but that data is out of date: "
                          f"{join_words(titles)}.")
    stale = dash.out_of_date()
    if stale:
        verb = "is" if len(stale) == 1 else "are"
        on = f" on {dash.today:%-d %B %Y}" if dash.today is not None else ""
        points.append(f"{plural(len(stale), 'metric')} of the {len(dash.own())} shown {verb}"
                      f" out of date{on} (the latest figure is older than expected): each is marked \"{OUT_OF_DATE}\" "
                      "in the matrix, on its chart and below.")
    trusts = sorted({area_label(r) for r in dash.own() if r.level == "trust"})
    if trusts:
        points.append(f"Figures for {join_words(trusts)} are the whole trust's: the trust serves more than "
                      f"{dash.area_name}, so they are not the borough's own figures.")
    return points


def dashboard_overview(dash) -> str:
    """One paragraph for the top of the pack (:func:`overview_points` as running text)."""
    return " ".join(overview_points(dash))


def overview_html(dash) -> str:
    """The "at a glance" block: the area, any note about the figures shown, and :func:`overview_points` (the first
    as a paragraph, the others as a list)."""
    notes = "".join(f"<p><strong>Please note:</strong> {html.escape(n)}</p>" for n in dash.notes)
    first, *rest = overview_points(dash)
    items = "".join(f"<li>{html.escape(p)}</li>" for p in rest)
    return f"<h3>{html.escape(dash.title_area)}</h3>{notes}<p>{html.escape(first)}</p><ul>{items}</ul>"


def context_sentence(dash) -> str:
    """In a locality pack, said once: how many metrics are published only for the whole borough, and how many only
    for the trust, and that the list below gives the area each figure is for (empty when there are none)."""
    groups: dict[str, set[str]] = {}
    for r in dash.context():
        groups.setdefault(area_label(r), set()).add(r.metric.id)
    if not groups:
        return ""
    parts = []
    for k, (area, ids) in enumerate(groups.items()):
        verb = "" if k else ("is published " if len(ids) == 1 else "are published ")
        where = area if area.endswith("(whole trust)") else f"the whole of {area}"
        parts.append(f"{plural(len(ids), 'metric')} {verb}only for {where}")
    return (f"These metrics are not published for {dash.title_area}: " + ", and ".join(parts) + ". They are listed "
            f"below with the area each figure is for, not as figures for {dash.title_area}; their charts are in the "
            f"{dash.area_name} dashboard.")


__all__ = ["TABLE_COLUMNS", "OUT_OF_DATE", "format_metric_value", "withheld_text", "latest_text", "withheld_sentence",
           "month", "signal_summary", "describe_episode", "MetricNarrative", "metric_narrative", "look_at",
           "gap_sentence", "currency_sentence", "priority_narrative", "priority_narrative_html", "narrative_html",
           "overview_points", "dashboard_overview", "overview_html", "context_sentence", "summary_table",
           "annual_table", "charted_table", "context_table", "MatrixText", "matrix_text", "ChartText", "chart_text"]
