"""The small words of the priority dashboard: a metric's value, its area, its periods, its currency and its trend.

Shared by the narrative (:mod:`thanalysis.narrative.dashboard`), the published tables and the summary matrix
(:mod:`thanalysis.narrative.dashboard_tables`). Words only: every number comes from a result's ``shown`` figures
(small numbers withheld, :mod:`thanalysis.stats.disclosure`), every judgement from the analysis.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.narrative import annual_trend_text, format_value, join_words, period_label

#: The word a reader sees for a series whose latest figure is older than expected.
OUT_OF_DATE = "Out of date"
_DIRECTION_WORDS = {"up": "higher than in {p}", "down": "lower than in {p}", "little change": "little change since {p}"}


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


def period_name(ts, frequency: str = "monthly", short: bool = False) -> str:
    """A period of a periodic series by its date: ``June 2024`` (``Jun 2024`` short) or the quarter ``2024 Q2``."""
    ts = pd.Timestamp(ts)
    if frequency == "quarterly":
        return f"{ts.year} Q{ts.quarter}"
    return ts.strftime("%b %Y" if short else "%B %Y")


def month(ts) -> str:
    """``2024-06-01`` → ``June 2024``."""
    return period_name(ts)


def area_label(r) -> str:
    """The area a result's figures are for, as every title and sentence names it: a trust's figures are
    ``Barts Health NHS Trust (whole trust)``, never the borough's."""
    return f"{r.area_name} (whole trust)" if r.level == "trust" else r.area_name


def titled(r) -> str:
    """The result's label with its area, unless the title already names it: ``A&E attendances, Barts Health NHS
    Trust (whole trust)``; ``Life expectancy at birth (Female), Tower Hamlets``."""
    return r.label if r.area_name and r.area_name in r.label else f"{r.label}, {area_label(r)}"


def _date(iso) -> str:
    return pd.Timestamp(iso).strftime("%-d %b %Y") if iso else ""


def currency_text(c: dict, short: bool = False) -> str:
    """The currency of a result (:func:`thanalysis.analyses.dashboard_currency.data_currency`) in words:
    ``latest data 2025 Q4 (to 31 Dec 2025), published 6 May 2026`` and, when out of date, ``Out of date: a newer
    figure was due by 30 Jun 2026``. ``short``: ``2025 Q4 · published 6 May 2026``."""
    if not c or not c.get("latest_period"):
        return "no data"
    period = period_label(c["latest_period"])
    published = f"published {_date(c['published'])}" if c.get("published") else "publication date not recorded"
    if short:
        return f"{period} · {published}"
    end = f" (to {_date(c['period_end'])})" if c.get("period_end") else ""
    text = f"latest data {period}{end}, {published}"
    if c.get("out_of_date"):
        text += (f". {OUT_OF_DATE}: a newer figure was expected by {_date(c['due_by'])} "
                 f"({c['expected_lag_months']} months after the period ended)")
    return text


def comparator_items(r) -> list[str]:
    """The latest value of each area a trust is compared with: ``Homerton Healthcare (RQX) 81.1% (Jul 2025)``."""
    return [f"{c['area_name']} {format_metric_value(c['value'], r.metric)} ({period_label(c['period'])})"
            for c in r.comparator_latest]


def comparators_text(r) -> str:
    """The latest values of the areas a trust is compared with: ``Homerton Healthcare (RQX) 81.1%, ... and England
    75.2% (Jul 2025)``; empty when there are none."""
    items = r.comparator_latest
    if not items:
        return ""
    periods = {c["period"] for c in items}
    if len(periods) > 1:
        return join_words(comparator_items(r))
    parts = [f"{c['area_name']} {format_metric_value(c['value'], r.metric)}" for c in items]
    return join_words(parts) + f" ({period_label(next(iter(periods)))})"


def _is_direction(t) -> bool:
    return t is not None and isinstance(t.get("direction"), str) and bool(t.get("direction"))


def trend_text(t, short: bool = False) -> str:
    """An annual result's trend in words, naming its method: the Fingertips recent trend (a significance test), or
    the direction of travel of the values (no test: never "significant"). ``short``: without the method (the
    summary matrix gives it on a line of its own, :func:`trend_method_text`)."""
    if t is None:
        return "No recent trend"
    if _is_direction(t):
        words = _DIRECTION_WORDS[t["direction"]].format(p=t["direction_from"])
        meaning = t.get("direction_meaning")
        if isinstance(meaning, str) and meaning:
            words += f", the {meaning} direction"
        return (words[0].upper() + words[1:]) if short else f"Direction of travel: {words} ({t['method']})"
    return annual_trend_text(t.get("recent_trend"), t.get("reason"))


def trend_method_text(t) -> str:
    """The method of an annual result's trend in a few words: ``direction of travel, last 5 values, no
    significance test`` or ``Fingertips recent trend, tested at 99.8%``."""
    if _is_direction(t):
        return f"Direction of travel over the last {t['direction_points']} values, no significance test"
    return "Fingertips recent trend, tested at 99.8%"


__all__ = ["OUT_OF_DATE", "format_metric_value", "withheld_text", "latest_text", "period_name", "month",
           "area_label", "titled", "currency_text", "comparator_items", "comparators_text", "trend_text",
           "trend_method_text"]
