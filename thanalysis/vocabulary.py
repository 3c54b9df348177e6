"""The canonical vocabulary every layer shares: table columns, area types, value types and polarities.

This module imports nothing from the package: it is the bottom of the one-way flow (see the README's
layout section). The canonical tables themselves are described in ``docs/DESIGN.md`` terms: ``areas``,
``lookups``, ``geometries``, ``indicators``, ``values``, ``population`` and ``flows``.
"""
from __future__ import annotations

#: Column order of each canonical table (the contract between all parts).
CANONICAL_COLUMNS: dict[str, list[str]] = {
    "areas": ["area_code", "area_name", "area_type"],
    "lookups": ["child_code", "child_type", "parent_code", "parent_type", "weight"],
    "geometries": ["area_code", "area_type", "geometry"],
    "indicators": [
        "indicator_id", "name", "value_type", "multiplier", "unit", "polarity",
        "source", "licence", "frequency",
    ],
    "values": [
        "indicator_id", "area_code", "area_type", "period", "period_start", "period_end",
        "sex", "age", "category_type", "category", "count", "denominator", "value",
        "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "value_note",
    ],
    "population": ["area_code", "period", "sex", "age_band", "population"],
    "flows": ["origin_code", "origin_type", "destination_code", "destination_type", "period", "count"],
}

#: Area types of the canonical tables. ``trust`` is an NHS provider, which serves more than one borough.
AREA_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "locality", "la", "region", "country", "pcn", "practice", "trust")
#: How a value was computed; it decides which interval method applies.
VALUE_TYPES = ("proportion", "crude_rate", "dsr", "ratio", "mean", "life_expectancy", "count", "other")
#: Which direction is better; ``no_judgement`` for context measures.
POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")

#: Marker file at the top of a synthetic demo data root.
DEMO_MARKER = "thanalysis-demo.json"
