"""A raw Fingertips export (``fingertips/suicide_export_london_2015_17/``): the Suicide Prevention Profile for London.

The file is a genuine Fingertips "indicators-CountyUA.data" export as a republisher committed it (see the folder's
SOURCE.md): the official columns with underscores for spaces (``IndicatorID``, ``Timeperiod``,
``Lower_CI_95.0_limit``, ...), values with their 95% limits, counts and denominators, for England, London and the 33
London boroughs, one period per indicator:

- 41001 suicide rate (age-standardised per 100,000, persons aged 10+; the file holds males only), 2015 - 17;
- 91390, 91393, 91430 suicide crude rates per 100,000 at 10-34, 35-64 and 65+ (5-year averages, males), 2013 - 17;
- 91404 years of life lost due to suicide, age-standardised per 10,000 at 15-74 (3-year average, persons), 2012 - 14.

Choices that matter for analysts: ids are Fingertips' own (a core Fingertips export of the same id in
data/sources.yml would win over these, as for every published series); periods are calendar years together
("2015 - 17", 1 January 2015 to 31 December 2017; "2013 - 17" five years); sex and age as published; a value
Fingertips could not calculate is missing with its note; Fingertips' comparison with England is kept in
``value_note`` ("Fingertips: Similar to England") beside any published note. Polarity: lower is better for each
(deaths and years of life lost). ``read(root)`` returns the :class:`~.series.PublishedSeries`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from thanalysis.data.published.fingertips_api import england_comparison_note
from thanalysis.data.published.periods import Period, data_rows, rolling_years, typed_periods
from thanalysis.data.published.series import PublishedSeries, finish, indicator_table, read_table
from thanalysis.errors import DataError

FOLDER = "fingertips/suicide_export_london_2015_17"
FILE = f"{FOLDER}/indicators-CountyUA.data london.csv"
SOURCE = ("Office for Health Improvement and Disparities (Fingertips), Suicide Prevention Profile export, London "
          "(as committed to Jezzaay/Mental-Health-Analysis)")
LICENCE = "Open Government Licence v3.0"
_PER_100K = ("crude_rate", 100000, "per 100,000")

#: Fingertips id → (name, value_type, multiplier, unit, frequency).
INDICATORS = {
    "41001": ("Suicide rate (age-standardised, aged 10 and over)", "dsr", 100000, "per 100,000 (age-standardised)",
              "annual (rolling 3-year periods)"),
    "91390": ("Suicide crude rate, aged 10-34 (5-year average)", *_PER_100K, "annual (rolling 5-year periods)"),
    "91393": ("Suicide crude rate, aged 35-64 (5-year average)", *_PER_100K, "annual (rolling 5-year periods)"),
    "91430": ("Suicide crude rate, aged 65 and over (5-year average)", *_PER_100K, "annual (rolling 5-year periods)"),
    "91404": ("Years of life lost due to suicide, age-standardised rate, aged 15-74 (3-year average)", "dsr", 10000,
              "years per 10,000 (age-standardised)", "annual (rolling 3-year periods)"),
}
AREA_TYPES = {"England": "country", "Region": "region", "County & UA": "la"}
TEXT = ["IndicatorID", "AreaCode", "AreaType", "Sex", "Age", "Category_Type", "Category", "Timeperiod", "Value_note",
        "Compared_to_England_value_or_percentiles"]
NUMERIC = ["Value", "Lower_CI_95.0_limit", "Upper_CI_95.0_limit", "Lower_CI_99.8_limit", "Upper_CI_99.8_limit",
           "Count", "Denominator"]


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    rows = [(i, name, vt, mult, unit, "lower_is_better", freq)
            for i, (name, vt, mult, unit, freq) in INDICATORS.items()]
    return indicator_table(rows, source=SOURCE, licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


def _period(label: str) -> Period | None:
    m = re.fullmatch(r"(\d{4}) - (\d{2})", label)
    if not m:
        return None
    years = (int(m.group(2)) - int(m.group(1)) % 100) % 100 + 1
    return rolling_years(int(m.group(1)), years) if 1 < years <= 5 else None


def read(root: str | os.PathLike) -> PublishedSeries:
    """The export's values with limits, counts and denominators, as validated canonical tables."""
    root = Path(root)
    t = read_table(root, FILE, text=TEXT, numeric=NUMERIC)
    for column, known, expected in (("IndicatorID", INDICATORS, "an indicator of INDICATORS"),
                                    ("AreaType", AREA_TYPES, "England, Region or County & UA")):
        bad = ~t[column].fillna("").str.strip().isin(list(known))
        if bad.any():
            raise DataError(f"Column {column} has values this reader does not know.", file=FILE, column=column,
                            rows=data_rows(t.index, bad), values=list(pd.unique(t.loc[bad, column]))[:5],
                            expected=expected)
    periods = typed_periods(t["Timeperiod"], _period, file=FILE, column="Timeperiod",
                            expected="calendar years together, as Fingertips writes them: 2015 - 17")
    values = pd.DataFrame({
        "indicator_id": t["IndicatorID"].str.strip(), "area_code": t["AreaCode"].str.strip(),
        "area_type": t["AreaType"].str.strip().map(AREA_TYPES), **{c: periods[c] for c in periods.columns},
        "sex": t["Sex"].str.strip(), "age": t["Age"].str.strip(), "category_type": t["Category_Type"].fillna(""),
        "category": t["Category"].fillna(""), "count": t["Count"], "denominator": t["Denominator"],
        "value": t["Value"], "lower_ci_95": t["Lower_CI_95.0_limit"], "upper_ci_95": t["Upper_CI_95.0_limit"],
        "lower_ci_99_8": t["Lower_CI_99.8_limit"], "upper_ci_99_8": t["Upper_CI_99.8_limit"],
        "value_note": england_comparison_note(t["Value_note"], t["Compared_to_England_value_or_percentiles"]),
    }, index=t.index)
    return finish([values], indicators(root), root=root, folder=FOLDER, files=[FILE], source=FILE)


__all__ = ["read", "indicators", "INDICATORS", "FOLDER", "FILE"]
