"""One open file's rows as canonical rows, for :class:`~thanalysis.data.real.RealStore`.

Each function turns the rows of one catalogue dataset (already read, and limited to the areas wanted) into rows
of a canonical table; the store validates them and caches the tables:
- :func:`census_shares`: a Census 2021 indicator as counts, denominators, shares and Wilson 95%/99.8% limits
  (by the one rule, :func:`~thanalysis.stats.intervals.values_from_counts`);
- :func:`indicator_columns`: columns mapped to ``indicator:<id>`` (e.g. IMD 2019) as published values;
- :func:`qof_values`: modelled QOF prevalence by local authority;
- :func:`census_population`, :func:`population_columns`: Census 5-year bands and columns mapped to
  ``population:<sex>:<age band>``.
"""
from __future__ import annotations

import re

import pandas as pd

from thanalysis.data import readers
from thanalysis.data.catalogue import Dataset
from thanalysis.errors import DataError
from thanalysis.stats.intervals import values_from_counts

CENSUS_DAY = pd.Timestamp("2021-03-21")
CENSUS_PERIOD = "2021"
QOF_NOTE = "Modelled: practice registers apportioned to residents' local authority (House of Commons Library)"
#: The other columns of a values row that has no breakdown.
NO_BREAKDOWN = {"sex": "Persons", "age": "All ages", "category_type": "", "category": "", "value_note": ""}


def census_shares(ind: dict, ds: Dataset, t: pd.DataFrame) -> pd.DataFrame:
    """Values rows of Census indicator ``ind`` (``numerator`` columns summed over the ``denominator`` column)."""
    readers.require_columns(t, list(ind["numerator"]) + [ind["denominator"]], file=ds.file)
    num = sum(readers.to_number(t[c], file=ds.file, column=c) for c in ind["numerator"])
    den = readers.to_number(t[ind["denominator"]], file=ds.file, column=ind["denominator"])
    frame = pd.DataFrame({
        "indicator_id": ind["indicator_id"], "area_code": t[ds.column_for("area_code")].to_numpy(),
        "area_type": ds.area_type, "period": CENSUS_PERIOD, "period_start": CENSUS_DAY, "period_end": CENSUS_DAY,
        "count": num.to_numpy(), "denominator": den.to_numpy(), **NO_BREAKDOWN,
    }, index=t.index)  # the file's row labels, so errors name its lines
    for column, values in values_from_counts(num.to_numpy(), den.to_numpy(), "proportion",
                                             float(ind["multiplier"])).items():
        frame[column] = values
    return frame


def indicator_columns(ds: Dataset, t: pd.DataFrame, period: str) -> pd.DataFrame:
    """Values rows from the columns ``ds`` maps to ``indicator:<id>``, as published (no counts, no limits)."""
    code_col = ds.column_for("area_code")
    cols = {src: tgt.split(":", 1)[1] for src, tgt in ds.columns.items() if tgt.startswith("indicator:")}
    frames = []
    for src, ind_id in cols.items():
        v = readers.to_number(t[src], file=ds.file, column=src)
        frames.append(pd.DataFrame({"indicator_id": ind_id, "area_code": t[code_col].to_numpy(),
                                    "area_type": ds.area_type, "period": period, "value": v.to_numpy(),
                                    **NO_BREAKDOWN}, index=t.index))
    return pd.concat(frames)  # each indicator's rows keep the file's row labels


def qof_values(ds: Dataset, t: pd.DataFrame, indicators: list[dict]) -> pd.DataFrame:
    """Values rows of modelled QOF prevalence: one indicator per condition ``group`` (the ``indicators`` of ``ds``)."""
    group_col = ds.column_for("indicator_id")
    ids = {i["group"]: i for i in indicators if "group" in i}
    unknown = sorted(set(t[group_col]) - set(ids))
    if unknown:
        raise DataError("QOF condition groups without an indicator in data/sources.yml.", file=ds.file,
                        column=group_col, values=unknown, expected=", ".join(sorted(ids)))
    mult = t[group_col].map({g: float(i["multiplier"]) for g, i in ids.items()})
    frame = pd.DataFrame({
        "indicator_id": t[group_col].map({g: i["indicator_id"] for g, i in ids.items()}),
        "area_code": t[ds.column_for("area_code")], "area_type": ds.area_type, "period": ds.options["period"],
        "period_start": pd.Timestamp("2019-04-01"), "period_end": pd.Timestamp("2020-03-31"),
        "count": t[ds.column_for("count")], "denominator": t[ds.column_for("denominator")],
        "value": t[ds.column_for("value")] * mult,
        **NO_BREAKDOWN,
    })
    frame["value_note"] = QOF_NOTE
    return frame


def census_age_band(column: str) -> str | None:
    """TS007A column → age band label: "Age: Aged 4 years and under" → "0-4", "... 85 years and over" → "85+"."""
    m = re.match(r"^Age: Aged (\d+) to (\d+) years$", column)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    m = re.match(r"^Age: Aged (\d+) years and under$", column)
    if m:
        return f"0-{m.group(1)}"
    m = re.match(r"^Age: Aged (\d+) years and over$", column)
    if m:
        return f"{m.group(1)}+"
    return None


def census_population(ds: Dataset, t: pd.DataFrame) -> pd.DataFrame:
    """Population rows (Persons) from a Census 2021 TS007A table: one row per area and 5-year band."""
    bands = {c: census_age_band(c) for c in t.columns if census_age_band(c)}
    long = t.melt(id_vars=[ds.column_for("area_code")], value_vars=list(bands), var_name="col",
                  value_name="population", ignore_index=False)
    return pd.DataFrame({
        "area_code": long[ds.column_for("area_code")], "period": CENSUS_PERIOD, "sex": "Persons",
        "age_band": long["col"].map(bands),
        "population": readers.to_number(long["population"], file=ds.file, column="population")})


def population_columns(ds: Dataset, t: pd.DataFrame, period: str | None = None) -> pd.DataFrame:
    """Population rows from the columns ``ds`` maps to ``population:<sex>:<age band>`` (period: ``period``, else
    the dataset's ``options.period``)."""
    cols = {src: tgt.split(":")[1:] for src, tgt in ds.columns.items() if tgt.startswith("population:")}
    long = t.melt(id_vars=[ds.column_for("area_code")], value_vars=list(cols), var_name="col",
                  value_name="population", ignore_index=False)
    return pd.DataFrame({
        "area_code": long[ds.column_for("area_code")], "period": period or ds.options["period"],
        "sex": long["col"].map({k: v[0] for k, v in cols.items()}),
        "age_band": long["col"].map({k: v[1] for k, v in cols.items()}),
        "population": readers.to_number(long["population"], file=ds.file, column="population")})
