"""Plain-English, polarity-aware sentences generated from results (never hand-typed numbers).

Every function takes computed results (numbers, labels) and returns text a resident or a committee
member can read: short sentences, numbers rounded the way Fingertips shows them, "significantly"
only when a statistical test says so.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

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


def format_number(value: float | None, decimals: int = 1) -> str:
    """Thousands separators, fixed decimals; "no data" when missing."""
    if _is_missing(value):
        return "no data"
    return f"{value:,.{decimals}f}"


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


def comparison_sentence(area: str, indicator: str, value_text: str, label: str | None, benchmark: str,
                        benchmark_text: str | None = None, confidence: str = "95%") -> str:
    """One area against a benchmark, e.g.

    ``"Bow East: 31.2% for social renting, significantly worse than the borough (24.0%, 95% confidence)."``
    """
    phrase = comparison_phrase(label)
    bench = f"{benchmark} ({benchmark_text}" if benchmark_text else benchmark
    if benchmark_text:
        bench += f", {confidence} confidence)" if phrase.startswith("significantly") else ")"
    return f"{area}: {value_text} for {indicator}, {phrase} {bench}."


def count_labels(labels: Iterable[str | None]) -> dict[str, int]:
    """How many of each comparison label (case-insensitive)."""
    out: dict[str, int] = {}
    for label in labels:
        key = (label or "not compared").strip().lower()
        out[key] = out.get(key, 0) + 1
    return out


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


def gap_sentence(indicator: str, most_deprived_text: str, least_deprived_text: str, gap_text: str,
                 groups: str = "fifth of neighbourhoods", worse_in_most_deprived: bool | None = None) -> str:
    """The gap between the most and least deprived groups, e.g.

    ``"Social renting: 48.1% in the most deprived fifth of neighbourhoods against 12.3% in the least deprived
    (a gap of 35.8 percentage points); outcomes are worse in the most deprived areas."``
    """
    text = (f"{indicator}: {most_deprived_text} in the most deprived {groups} against "
            f"{least_deprived_text} in the least deprived (a gap of {gap_text})")
    if worse_in_most_deprived is True:
        text += "; outcomes are worse in the most deprived areas"
    elif worse_in_most_deprived is False:
        text += "; outcomes are better in the most deprived areas"
    return text + "."


def sii_sentence(indicator: str, sii_text: str, lower_text: str, upper_text: str, significant: bool) -> str:
    """Slope index of inequality in words."""
    if significant:
        return (f"{indicator}: across the whole range of deprivation the modelled gap (slope index of inequality) "
                f"is {sii_text} (95% CI {lower_text} to {upper_text}), a statistically significant gradient.")
    return (f"{indicator}: the modelled gap across deprivation (slope index of inequality) is {sii_text} "
            f"(95% CI {lower_text} to {upper_text}); the interval includes zero, so there is no clear gradient.")


def trend_direction_sentence(subject: str, label: str | None) -> str:
    """Fingertips recent-trend label in a sentence."""
    if not label:
        return f"{subject}: no recent trend could be calculated."
    return f"{subject}: {label[0].lower() + label[1:]} over the last five periods."


def ordinal(n: int) -> str:
    """1 → 1st, 2 → 2nd, 11 → 11th."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
