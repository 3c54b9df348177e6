"""Plain-English narrative for the priority dashboard, generated from the SPC and trend results.

For each priority: which metrics changed, whether each change is special cause *improvement* or
*concern* and by which Making Data Count rule ("above the mean for 8 consecutive months since
March 2024: a shift, concern"; "a run of 7 falling points: a trend, improvement"; "a single point
below the lower limit in June 2024"), whether the target will reliably be met (assurance), and what
to look at. Every metric with a special-cause point is described as such; a metric with only
common-cause variation is never called special (its sentence says "no unusual change").
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.narrative import join_words, plural

_MEANING_WORDS = {"improvement": "improvement", "concern": "concern", "neutral": "unusual, but neither good nor bad"}


def month(ts) -> str:
    """``2024-06-01`` → ``June 2024``."""
    return pd.Timestamp(ts).strftime("%B %Y")


def _is_ongoing(ep, last) -> bool:
    return pd.Timestamp(ep.end) == pd.Timestamp(last)


def describe_episode(ep, last_date) -> str:
    """One special-cause signal as a phrase naming the rule, the months and what it means."""
    high = ep.side == "high"
    meaning = _MEANING_WORDS.get(ep.meaning, ep.meaning)
    n = int(ep.n_points)
    since = "since" if _is_ongoing(ep, last_date) else "from"
    until = "" if _is_ongoing(ep, last_date) else f" to {month(ep.end)}"
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


def headline_episodes(episodes: pd.DataFrame) -> pd.DataFrame:
    """The signals worth a sentence: shifts and trends, plus points outside the limits or near them
    that are *not* part of a shift or trend with the same meaning (those only restate the same change)."""
    if episodes is None or episodes.empty:
        return episodes
    big = episodes[episodes["rule"].isin(["shift", "trend"])]
    keep = []
    for ep in episodes.itertuples(index=False):
        if ep.rule in ("shift", "trend"):
            keep.append(True)
            continue
        inside = big[(big["meaning"] == ep.meaning) & (big["start"] <= ep.start) & (big["end"] >= ep.end)]
        if ep.rule == "two_in_three":
            # near-limit points beside a bigger signal of the same meaning add nothing for a reader
            inside = pd.concat([inside, episodes[(episodes["rule"] == "outside_limits")
                                                 & (episodes["meaning"] == ep.meaning)]])
        keep.append(inside.empty)
    return episodes[keep].reset_index(drop=True)


@dataclass
class MetricNarrative:
    metric_id: str
    title: str
    special_cause: bool
    text: str


def _value_sentence(r, format_value, period_label) -> str:
    latest = r.series.iloc[-1]
    where = {"trust": f" at {r.area_name}", "borough": f" for {r.area_name}", "locality": f" for {r.area_name}"}.get(r.level, "")
    text = f"{format_value(float(latest['value']), r.metric)} in {period_label(latest['period'])}{where}"
    if r.summary is not None:
        s = r.summary
        text += (f" (average {format_value(s['mean'], r.metric)} over {len(r.series)} months; usual range "
                 f"{format_value(max(s['lpl'], 0.0), r.metric)} to {format_value(s['upl'], r.metric)})")
    return text


def _assurance_sentence(r, format_value) -> str:
    if r.summary is None or r.metric.target is None:
        return ""
    target = format_value(r.metric.target.value, r.metric)
    kind = r.summary["assurance_type"]
    if kind == "consistent_pass":
        return f"The target of {target} is reliably met: it lies outside the usual range, on the good side."
    if kind == "consistent_fail":
        return (f"The target of {target} will not be met without a change to how the service works: "
                "it lies outside the usual range, on the wrong side.")
    if kind == "inconsistent":
        return f"Meeting the target of {target} is hit and miss: it lies inside the usual range."
    return ""


def split_step_changes(episodes: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Separate the signals that are only "the other side" of a later shift or trend.

    When the level of a series changes inside the window, the months before the change sit on the
    other side of the (whole-window) average and form a shift of the opposite meaning. That is the
    same change seen from before it; the narrative says so rather than reporting two changes.
    Returns (signals to describe, signals that are the before-side of a change)."""
    if episodes is None or episodes.empty:
        return episodes, episodes
    steps = episodes[episodes["rule"].isin(["shift", "trend"])]
    before = np.zeros(len(episodes), dtype=bool)
    for i, ep in enumerate(episodes.itertuples(index=False)):
        later = steps[(steps["meaning"] != ep.meaning) & (steps["start"] > ep.end)
                      & (steps["start"] <= pd.Timestamp(ep.end) + pd.DateOffset(months=6))]
        before[i] = ep.rule in ("shift", "outside_limits", "two_in_three") and len(later) > 0
    return episodes[~before].reset_index(drop=True), episodes[before].reset_index(drop=True)


def look_at(r) -> str:
    """What a committee should ask about, from the most recent signal and the assurance."""
    if r.spc is None:
        return ""
    if r.summary is not None and r.summary.get("too_few_points"):
        return "What to look at: too few months to judge yet; keep collecting."
    if r.is_special_cause:
        eps, _ = split_step_changes(headline_episodes(r.episodes))
        if len(eps):
            last_end = eps["end"].max()
            latest = eps[eps["end"] == last_end].sort_values("start", kind="mergesort").iloc[0]
            ongoing = latest["end"] == r.spc["date"].max()
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


def metric_narrative(r, format_value, period_label) -> MetricNarrative:
    """The narrative of one metric result (:class:`thanalysis.analyses.dashboard.MetricResult`)."""
    m = r.metric
    parts = [f"{m.title}: {_value_sentence(r, format_value, period_label)}."]
    if r.trend is not None:
        label = r.trend.get("recent_trend") or "Cannot be calculated"
        if label.startswith("Cannot"):
            from thanalysis.analyses.dashboard import annual_trend_text

            parts.append(annual_trend_text(label, r.trend.get("reason")) + ".")
        else:
            parts.append(f"Recent trend over the last five periods: {label[0].lower() + label[1:]}.")
        return MetricNarrative(m.id, m.title, False, " ".join(parts))
    if r.spc is None:
        return MetricNarrative(m.id, m.title, False, parts[0] + " Too few months to draw a chart.")
    last = r.spc["date"].max()
    if not r.is_special_cause:
        parts.append(f"Common cause variation only: no unusual change in the last {len(r.series)} months.")
    else:
        eps, before = split_step_changes(headline_episodes(r.episodes))
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
    assurance = _assurance_sentence(r, format_value)
    if assurance:
        parts.append(assurance)
    look = look_at(r)
    if look:
        parts.append(look)
    return MetricNarrative(m.id, m.title, r.is_special_cause, " ".join(parts))


def priority_narrative(dash, priority_id: str) -> tuple[str, list[MetricNarrative]]:
    """The lead sentence of one priority and one narrative per metric shown."""
    from thanalysis.analyses.dashboard import format_metric_value, period_label

    results = dash.for_priority(priority_id)
    items = [metric_narrative(r, format_metric_value, period_label) for r in results]
    monthly = [r for r in results if r.spc is not None]
    concern = [r.metric.title for r in monthly if r.is_special_cause and _latest_meaning(r) == "concern"]
    improve = [r.metric.title for r in monthly if r.is_special_cause and _latest_meaning(r) == "improvement"]
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


def _latest_meaning(r) -> str | None:
    """improvement/concern of the signals still running at the latest month (None if none)."""
    eps, _ = split_step_changes(headline_episodes(r.episodes))
    if eps is None or eps.empty:
        return None
    ongoing = eps[eps["end"] == r.spc["date"].max()]
    if ongoing.empty:
        return None
    meanings = set(ongoing["meaning"])
    if "concern" in meanings:
        return "concern"
    return "improvement" if "improvement" in meanings else None


def priority_narrative_html(dash, priority_id: str) -> str:
    """The narrative of one priority as HTML: a lead paragraph and one bullet per metric."""
    lead, items = priority_narrative(dash, priority_id)
    bullets = "".join(f"<li>{html.escape(i.text)}</li>" for i in items)
    return f'<div class="dash-narrative"><p>{html.escape(lead)}</p><ul>{bullets}</ul></div>'


def dashboard_overview(dash) -> str:
    """One paragraph for the top of the pack: how many metrics, how many special cause, where to look."""
    monthly = dash.monthly()
    concern = [r.metric.title for r in monthly if _latest_meaning(r) == "concern"]
    improve = [r.metric.title for r in monthly if _latest_meaning(r) == "improvement"]
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


__all__ = ["describe_episode", "headline_episodes", "metric_narrative", "priority_narrative",
           "priority_narrative_html", "dashboard_overview", "MetricNarrative", "month"]
