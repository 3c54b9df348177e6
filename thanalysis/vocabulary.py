"""The canonical vocabulary every layer shares: table columns, area types, value types and polarities.

This module imports nothing from the package: it is the bottom of the one-way flow (see the README's
layout section). The canonical tables themselves are described in ``docs/DESIGN.md`` terms: ``areas``,
``lookups``, ``geometries``, ``indicators``, ``values``, ``population`` and ``flows``. It also holds the default
data-currency lag of each frequency (:func:`default_lag_months`): the indicators table's ``published`` (when the
source was published or retrieved) and ``lag_months`` (how long after its latest period a series is current).
"""
from __future__ import annotations

import calendar
import datetime as dt

#: Column order of each canonical table (the contract between all parts).
CANONICAL_COLUMNS: dict[str, list[str]] = {
    "areas": ["area_code", "area_name", "area_type"],
    "lookups": ["child_code", "child_type", "parent_code", "parent_type", "weight"],
    "geometries": ["area_code", "area_type", "geometry"],
    "indicators": [
        "indicator_id", "name", "value_type", "multiplier", "unit", "polarity",
        "source", "licence", "frequency", "published", "lag_months",
    ],
    "values": [
        "indicator_id", "area_code", "area_type", "period", "period_start", "period_end",
        "sex", "age", "category_type", "category", "count", "denominator", "value",
        "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "value_note",
    ],
    "population": ["area_code", "period", "sex", "age_band", "population"],
    "flows": ["origin_code", "origin_type", "destination_code", "destination_type", "period", "count"],
}

#: Area types of the canonical tables. ``trust`` is an NHS provider, which serves more than one borough; ``ccg`` a
#: clinical commissioning group (2013-2022) and ``pct`` a primary care trust (to 2013): NHS commissioners, whose
#: figures are the commissioner's even where its area is one borough's.
AREA_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "locality", "la", "region", "country", "pcn", "practice", "trust",
              "ccg", "pct")
#: How a value was computed; it decides which interval method applies.
VALUE_TYPES = ("proportion", "crude_rate", "dsr", "ratio", "mean", "life_expectancy", "count", "other")
#: Which direction is better; ``no_judgement`` for context measures.
POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")

#: Data currency: how many months after the end of its latest period a series of each frequency is still current
#: (the period it covers plus the usual time to publish it). The first word of an indicator's ``frequency`` picks
#: the row ("annual (rolling 3-year periods)" → annual); "about every N years" gives 12 N + 12. ``lag_months`` in
#: the indicators table holds the lag of each indicator (this default unless its catalogue entry sets one).
DEFAULT_LAG_MONTHS: dict[str, int] = {"monthly": 3, "quarterly": 6, "annual": 24, "biennial": 36, "decennial": 132}


def default_lag_months(frequency: str) -> int | None:
    """The default ``lag_months`` of a frequency (None when it says nothing usable, e.g. "irregular")."""
    text = str(frequency or "").strip().lower()
    first = text.split(" ", 1)[0] if text else ""
    if first in DEFAULT_LAG_MONTHS:
        return DEFAULT_LAG_MONTHS[first]
    words = text.replace("(", " ").replace(")", " ").split()
    if "every" in words:
        after = words[words.index("every") + 1:]
        if len(after) >= 2 and after[0].isdigit() and after[1].startswith("year"):
            return 12 * int(after[0]) + 12
    return None


def current_until(period_end: dt.date, lag_months: int) -> dt.date:
    """The last day a series whose latest period ended on ``period_end`` is current: ``lag_months`` calendar months
    later (the day clamped to the month's length). On any later day the series is **out of date**; the dashboard
    and the site's index both judge currency with this one rule."""
    months = period_end.month - 1 + int(lag_months)
    year, month = period_end.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(period_end.day, calendar.monthrange(year, month)[1]))


#: Marker file at the top of a synthetic demo data root.
DEMO_MARKER = "thanalysis-demo.json"
