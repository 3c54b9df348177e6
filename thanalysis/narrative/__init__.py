"""Plain-English, polarity-aware wording shared by every report (never hand-typed numbers).

Every function takes computed results (numbers, labels) and returns text a resident or a committee
member can read: values (:func:`format_value`, :func:`format_difference`), periods (:func:`period_label`),
recent trends (:func:`annual_trend_text`), comparisons with a benchmark, lists of names and counted nouns.
Short sentences, numbers rounded the way Fingertips shows them, "significantly" only when a statistical
test says so. Each report's own sentences live in ``narrative/<report>.py``, which build on these.
Words only: the narrative modules take results already computed and never import the figures.
Layer: beside ``figures``, above ``analyses`` (whose results they word), beneath ``notebook`` and ``publish``.
"""
from __future__ import annotations

import math
from typing import Sequence

import pandas as pd

#: Fingertips comparison labels and how they read in a sentence.
_LABEL_PHRASES = {
    "better": "significantly better than",
    "worse": "significantly worse than",
    "similar": "similar to",
    "higher": "significantly higher than",
    "lower": "significantly lower than",
    "not compared": "not compared with",
}


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """``["a"]`` → ``a``; ``["a", "b"]`` → ``a and b``; ``["a", "b", "c"]`` → ``a, b and c``."""
    items = [str(i) for i in items if str(i)]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """``1 indicator`` / ``3 indicators``."""
    word = singular if n == 1 else (plural_form or singular + "s")
    return f"{n:,} {word}"


def _is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))




def format_value(
    value: float | None,
    value_type: str = "other",
    *,
    multiplier: float = 1,
    unit: str = "",
    decimals: int | None = None,
) -> str:
    """A value as a reader expects it: ``23.4%`` for proportions, ``512.3 per 100,000`` for rates.

    Proportions may be stored as fractions (multiplier 1) or percentages (multiplier 100).
    """
    if _is_missing(value):
        return "no data"
    if value_type == "proportion":
        pct = value * 100 if multiplier in (1, None) else value
        return f"{pct:,.{1 if decimals is None else decimals}f}%"
    if value_type in ("crude_rate", "dsr") and multiplier and multiplier > 1:
        return f"{value:,.{1 if decimals is None else decimals}f} per {int(multiplier):,}"
    if value_type == "count":
        return f"{value:,.0f}"
    if value_type == "life_expectancy":
        return f"{value:,.{1 if decimals is None else decimals}f} years"
    text = f"{value:,.{1 if decimals is None else decimals}f}"
    return f"{text} {unit}".strip() if unit and unit not in ("%",) else (text + unit if unit == "%" else text)


def format_difference(diff: float | None, value_type: str = "other", *, multiplier: float = 1, unit: str = "") -> str:
    """A gap: ``12.3 percentage points`` for proportions, ``45.1 per 100,000`` for rates."""
    if _is_missing(diff):
        return "no data"
    if value_type == "proportion":
        pts = diff * 100 if multiplier in (1, None) else diff
        return f"{abs(pts):,.1f} percentage points"
    return format_value(abs(diff), value_type, multiplier=multiplier, unit=unit)


def comparison_phrase(label: str | None) -> str:
    """``"Worse"`` → ``"significantly worse than"``; unknown or missing → ``"not compared with"``."""
    if not label:
        return _LABEL_PHRASES["not compared"]
    return _LABEL_PHRASES.get(str(label).strip().lower(), _LABEL_PHRASES["not compared"])




def benchmark_summary(area: str, benchmark: str, results: Sequence[tuple[str, str | None]]) -> str:
    """``results``: (indicator name, label) pairs. E.g.

    ``"Tower Hamlets is significantly worse than London on 3 of 9 indicators: A, B and C; significantly
    better on 1: D."``
    """
    total = len(results)
    if total == 0:
        return f"There are no indicators to compare {area} with {benchmark}."
    worse = [name for name, label in results if (label or "").lower() == "worse"]
    better = [name for name, label in results if (label or "").lower() == "better"]
    higher = [name for name, label in results if (label or "").lower() == "higher"]
    lower = [name for name, label in results if (label or "").lower() == "lower"]
    parts = []
    if worse:
        parts.append(f"significantly worse than {benchmark} on {len(worse)} of {plural(total, 'indicator')}: {join_words(worse)}")
    if better:
        lead = "" if worse else f"than {benchmark} "
        parts.append(f"significantly better {lead}on {len(better)}{'' if worse else ' of ' + plural(total, 'indicator')}: {join_words(better)}")
    if higher or lower:
        hl = []
        if higher:
            hl.append(f"higher on {join_words(higher)}")
        if lower:
            hl.append(f"lower on {join_words(lower)}")
        parts.append("significantly " + " and ".join(hl) + " (no better or worse direction)")
    if not parts:
        return f"{area} is not significantly different from {benchmark} on any of the {plural(total, 'indicator')} compared."
    similar = total - len(worse) - len(better) - len(higher) - len(lower)
    tail = f"; similar on {similar}" if similar else ""
    return f"{area} is {'; '.join(parts)}{tail}."






def ordinal(n: int) -> str:
    """1 → 1st, 2 → 2nd, 11 → 11th."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def period_label(period: str) -> str:
    """``2025-03`` → ``Mar 2025``; other labels unchanged."""
    if isinstance(period, str) and len(period) == 7 and period[4] == "-":
        return pd.Timestamp(period + "-01").strftime("%b %Y")
    return str(period)


def annual_trend_text(label, reason) -> str:
    """``Recent trend: increasing and getting better`` or why it cannot be calculated."""
    if not isinstance(label, str) or not label:
        return "No recent trend"
    if label.startswith("Cannot"):
        why = {"Not enough data points": "fewer than the five years needed"}.get(str(reason), str(reason or "").lower())
        return f"Recent trend cannot be calculated ({why})" if why else "Recent trend cannot be calculated"
    return f"Recent trend: {label[0].lower() + label[1:]}"
