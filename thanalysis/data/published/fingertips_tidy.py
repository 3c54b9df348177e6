"""Fingertips values republished in Trafford Data Lab's tidy layout (``fingertips/trafford_*``) as canonical tables.

``read(root)`` returns the :class:`~.series.PublishedSeries` of two vintages of the same layout:
``fingertips/trafford_themes_2026/`` (area_code, area_name, area_type, period, indicator, measure, unit, value,
compared_to_England, inequality) and the older ``fingertips/trafford_dashboard_2020/`` (area_code, area_name, period,
value, indicator, measure, unit, [group], significance). Both hold England and every district/unitary (some files
counties too); values are as published, rounded to 1 decimal place, with no counts, denominators or intervals.

Choices that matter for analysts:
- Indicators are recognised by their published name (``data/fingertips_tidy_indicators.csv``, read by :func:`specs`;
  an unknown name stops the read). Ids:
  the Fingertips id where the mirror's SOURCE.md gives it (``90366`` life expectancy at birth), else ``ft_<slug>``.
  An indicator in both vintages gets one id; for a key both hold (area, period, sex, category) the 2026 value wins,
  and values kept from the 2020 files say "from the 2020 extract" in
  ``value_note`` (Fingertips revised some since: Tower Hamlets' male healthy life expectancy 2015-17 was 61.9
  in 2020 and is 59.6 in 2026, so a series joining the two vintages may step where they meet).
  Routine-and-manual smoking mixes single years and 3-year periods in one file: the 3-year periods are a separate
  indicator (``ft_smoking_routine_manual_3yr``).
- Breakdowns are kept: Male/Female/Persons in ``inequality``/``group`` or ``unit`` become ``sex``; deprivation
  quintiles (``inequality``) become ``category_type`` "Deprivation quintile"; ``unit`` "5 years children" is age
  "5 yrs". Electoral-ward rows (Trafford's 2024 wards) and Greater Manchester combined-authority rows (E47) are left
  out: neither is a canonical area.
- Fingertips' own comparison with England is kept in ``value_note`` ("Fingertips: Worse than England",
  "Fingertips: Higher than England (99.8% limits)", ...), so a report can show it beside its own comparison;
  values not published ("NA") are NaN with "no value published".
- Periods: "2024" is a calendar year (children in care: the count at 31 March); "2022 - 24" (and the 2020 files'
  "2009-11", relabelled "2009 - 11") three calendar years; "2023/24" a financial year (1 April) or, for school-year
  measures (child obesity, dental decay, active children, school readiness), an academic year (1 September);
  "2020/21 - 24/25" five such years combined; "2021/22 Q1" a quarter of a financial year and
  "2021/22 Q1 - 2025/26 Q3" the quarters from the first to the last (NHS Health Checks, cumulative).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.config import project_data_file
from thanalysis.data import readers
from thanalysis.data.published.periods import (
    ACADEMIC_START,
    FINANCIAL_START,
    Period,
    calendar_year,
    data_rows,
    rolling_years,
    snapshot,
    span,
)
from thanalysis.data.published.series import PublishedSeries, finish, source_dates
from thanalysis.data.schemas import SEXES, validate
from thanalysis.errors import DataError

THEMES = "fingertips/trafford_themes_2026"
DASHBOARD = "fingertips/trafford_dashboard_2020"
VINTAGES = (THEMES, DASHBOARD)  # newest first: it wins where both hold a value
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips), as republished by Trafford Data Lab"
#: Vintage (as in the indicator list's ``vintage`` column) → its folder and the source an indicator then names.
VINTAGE_FOLDERS = {"2026": THEMES, "2020": DASHBOARD}
SOURCES = {"2026": f"{PUBLISHER}: {THEMES} (extract of May 2026; {DASHBOARD} only for values it lacks)",
           "2020": f"{PUBLISHER}: {DASHBOARD} (extract of 2020)"}
LICENCE = "Open Government Licence v3.0"
#: The indicators the two vintages hold (project data: one row per indicator, see the file's header).
INDICATORS_FILE = "fingertips_tidy_indicators.csv"

_COMPARISONS = {
    "better": "Better than England", "worse": "Worse than England", "similar": "Similar to England",
    "not compared": "Not compared with England", "higher": "Higher than England", "lower": "Lower than England",
    "higher 99.8": "Higher than England (99.8% limits)", "lower 99.8": "Lower than England (99.8% limits)",
}
_THEMES_AREA_TYPES = {"Country": "country", "UA": "la", "District": "la", "County": "la"}
_DROPPED_AREA_TYPES = {"Electoral Wards (2024)"}
_UNIT_NOT_BREAKDOWN = {"Years", "Deaths"}
_UNIT_AGE = {"5 years children": "5 yrs"}
_START_MONTH = {"financial": FINANCIAL_START, "academic": ACADEMIC_START}
_YEARS = ("calendar", "financial", "academic", "at_31_march")
_SPEC_COLUMNS = ["indicator_id", "name", "published_names", "year", "value_type", "multiplier", "unit", "polarity",
                 "frequency", "vintage", "multi_year_id", "multi_year_name", "multi_year_frequency"]


# --- the indicators -------------------------------------------------------------------------------------------
def specs() -> pd.DataFrame:
    """``data/fingertips_tidy_indicators.csv``: one row per indicator (id, name, the ``published_names`` it appears
    under in either vintage, separated by " | ", how a "YYYY/YY" period is typed (``year``: calendar, financial,
    academic or at_31_march), its metadata and, for a file mixing single years and 3-year periods, the id, name
    suffix and frequency of the multi-year part). A bad row is a DataError naming it."""
    path = readers.check_file(project_data_file(INDICATORS_FILE), what="Fingertips tidy indicator list (project data)")
    return _specs_cached(str(path), path.stat().st_mtime).copy()


@lru_cache(maxsize=2)
def _specs_cached(path: str, mtime: float) -> pd.DataFrame:
    rel = f"data/{INDICATORS_FILE}"
    t = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    readers.require_columns(t, _SPEC_COLUMNS, file=rel)
    t["multiplier"] = readers.to_number(t["multiplier"], file=rel, column="multiplier")
    ids = pd.concat([t["indicator_id"], t.loc[t["multi_year_id"] != "", "multi_year_id"]])
    for bad, column, expected in ((~t["year"].isin(_YEARS), "year", ", ".join(_YEARS)),
                                  (~t["vintage"].isin(list(VINTAGE_FOLDERS)), "vintage", "2026 or 2020"),
                                  (ids.duplicated(keep=False).groupby(level=0).any(), "indicator_id", "each id once")):
        if bad.any():
            raise DataError(f"The Fingertips tidy indicator list has bad values in column {column}.", file=rel,
                            column=column, rows=data_rows(t.index, bad), values=t.loc[bad, column].tolist()[:5],
                            expected=expected)
    return t


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read`, each multi-year part its own (from :func:`specs`; no data file is read).

    ``source`` names the newest extract holding the indicator; with ``root`` given, ``published`` is the date of that
    extract's copy (its SOURCE.md), the rest of the currency columns being left to the store."""
    t = specs()
    keep = ["vintage", "value_type", "multiplier", "unit", "polarity"]
    multi = t[t["multi_year_id"] != ""]
    table = pd.concat([t[["indicator_id", "name", "frequency", *keep]],
                       pd.DataFrame({"indicator_id": multi["multi_year_id"],
                                     "name": multi["name"] + ", " + multi["multi_year_name"],
                                     "frequency": multi["multi_year_frequency"], **{c: multi[c] for c in keep}})],
                      ignore_index=True)
    table["source"] = table["vintage"].map(SOURCES)
    if root is not None:
        dates = {v: source_dates(Path(root), folder)[1] for v, folder in VINTAGE_FOLDERS.items()}
        table["published"] = pd.to_datetime(table["vintage"].map(dates))
    return validate("indicators", table.drop(columns="vintage").assign(licence=LICENCE),
                    source=f"data/{INDICATORS_FILE}")


def _by_name(table: pd.DataFrame) -> dict[str, dict]:
    """Published name → its indicator's row of :func:`specs`."""
    return {name.strip(): row for row in table.to_dict("records") for name in row["published_names"].split(" | ")}


# --- periods --------------------------------------------------------------------------------------------------
def _period(label: str, year: str) -> tuple[str, pd.Timestamp, pd.Timestamp, bool] | None:
    """(label, start, end, several years?) of a Fingertips period label, or None if it cannot be typed."""
    def one(p: Period, several: bool = False) -> tuple[str, pd.Timestamp, pd.Timestamp, bool]:
        return (*p, several)

    if m := re.fullmatch(r"(\d{4})", label):
        y = int(m.group(1))
        if year == "calendar":
            return one(calendar_year(y))
        return one(snapshot(label, y, 3, 31)) if year == "at_31_march" else None
    if m := re.fullmatch(r"(\d{4}) ?- ?(\d{2})", label):
        y, n = int(m.group(1)), (int(m.group(2)) - int(m.group(1)) % 100) % 100 + 1
        return one(rolling_years(y, n), True) if year == "calendar" and 1 < n <= 5 else None
    start_month = _START_MONTH.get(year)
    if start_month is None:
        return None
    if m := re.fullmatch(r"(\d{4})/(\d{2})", label):
        y = int(m.group(1))
        return one((label, *span(y, start_month, 12))) if (y + 1) % 100 == int(m.group(2)) else None
    if m := re.fullmatch(r"(\d{4})/(\d{2}) - (\d{2})/(\d{2})", label):
        y, n = int(m.group(1)), (int(m.group(3)) - int(m.group(1)) % 100) % 100 + 1
        return one((label, *span(y, start_month, 12 * n)), True) if 1 < n <= 5 else None
    if m := re.fullmatch(r"(\d{4})/\d{2} Q([1-4])(?: - (\d{4})/\d{2} Q([1-4]))?", label):
        first = int(m.group(1)) * 12 + 3 + 3 * (int(m.group(2)) - 1)  # months since year 0 (Q1 = April)
        last = int(m.group(3) or m.group(1)) * 12 + 3 + 3 * (int(m.group(4) or m.group(2)) - 1)
        if last < first or year != "financial":
            return None
        return one((label, *span(first // 12, first % 12 + 1, last - first + 3)))
    return None


# --- reading --------------------------------------------------------------------------------------------------
def _files(root: Path, vintage: str) -> list[Path]:
    found = sorted((root / vintage).glob("*/*.csv"))
    if not found:
        raise DataError("No Fingertips CSV files found.", file=vintage,
                        expected="children/*.csv and health/*.csv as in the open-data mirror",
                        hint="run `thanalysis data fetch` to fill the data root")
    return found


def _text(s: pd.Series, blank: tuple[str, ...] = ()) -> pd.Series:
    """Stripped text ("" for blanks and for the ``blank`` spellings such as "NA"), computed once per distinct value."""
    s = s.fillna("")
    return s.map({u: ("" if u.strip() in blank else u.strip()) for u in pd.unique(s)})


def _area_types(t: pd.DataFrame, *, file: str) -> pd.Series:
    """Canonical area type per row; None for rows left out (wards, combined authorities)."""
    if "area_type" in t:
        column, label = "area_type", _text(t["area_type"])
        out = label.map(_THEMES_AREA_TYPES)
        unknown = out.isna() & ~label.isin(_DROPPED_AREA_TYPES)
        expected = "Country, UA, District, County or Electoral Wards (2024)"
    else:
        column, label = "area_code", t["area_code"].str[:3]
        out = label.map({"E92": "country", "E06": "la", "E07": "la", "E08": "la", "E09": "la", "E10": "la"})
        unknown = out.isna() & (label != "E47")
        expected = "England (E92), an LA code (E06-E10) or a combined authority (E47)"
    if unknown.any():
        raise DataError("Areas of a kind this reader does not know.", file=file, column=column,
                        rows=data_rows(t.index, unknown),
                        values=list(pd.unique(t.loc[unknown, column]))[:5], expected=expected)
    return out.astype(object).where(out.notna(), None)


def _breakdowns(t: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """sex, age, category_type, category from ``inequality``/``group`` and ``unit`` (see the module docstring)."""
    split_column = "inequality" if "inequality" in t else "group"
    split = _text(t[split_column], ("NA",)) if split_column in t else pd.Series("", index=t.index, dtype=object)
    unit = _text(t["unit"])
    is_sex, unit_sex = split.isin(SEXES), unit.isin(SEXES)
    quintile = split.map({u: "quintile" in u.lower() for u in pd.unique(split)}).astype(bool) & ~is_sex
    bad_split = (split != "") & ~is_sex & ~quintile
    bad_unit = ~unit_sex & ~unit.isin(list(_UNIT_NOT_BREAKDOWN) + list(_UNIT_AGE))
    for bad, column, text, expected in (
            (bad_split, split_column, split, "Male, Female, Persons or a deprivation quintile"),
            (bad_unit, "unit", unit, "Male, Female, Persons, Years, Deaths or 5 years children")):
        if bad.any():
            raise DataError("Breakdowns this reader does not know (it would have to drop them).", file=file,
                            column=column, rows=data_rows(t.index, bad),
                            values=list(pd.unique(text[bad]))[:5], expected=expected)
    return pd.DataFrame({"sex": split.where(is_sex, unit.where(unit_sex, "Persons")),
                         "age": unit.map(_UNIT_AGE).fillna("All ages"),
                         "category_type": np.where(quintile, "Deprivation quintile", ""),
                         "category": split.where(quintile, "")}, index=t.index)


def _read_file(root: Path, path: Path, by_name: dict[str, dict]) -> pd.DataFrame:
    """One tidy file as canonical values (plus the file name), rows of areas that are not canonical left out."""
    file = path.relative_to(root).as_posix()
    t = readers.read_csv(path, required=["area_code", "period", "indicator", "unit", "value"])
    comparison = "compared_to_England" if "compared_to_England" in t else "significance"
    readers.require_columns(t, [comparison], file=file)
    t["area_code"] = _text(t["area_code"])
    area_type = _area_types(t, file=file)
    keep = area_type.notna().to_numpy()
    t, area_type = t[keep], area_type[keep]
    texts = _text(t["indicator"])
    unknown = ~texts.isin(list(by_name))
    if unknown.any():
        raise DataError("Indicators this reader does not know.", file=file, column="indicator",
                        rows=data_rows(t.index, unknown),
                        values=list(pd.unique(texts[unknown]))[:5],
                        expected=f"a published name listed in data/{INDICATORS_FILE}",
                        hint="add the indicator (id, name, published name, year type, metadata) to "
                             f"data/{INDICATORS_FILE}")
    compared = _text(t[comparison], ("NA",))
    phrase = compared.map({u: _COMPARISONS.get(u.lower()) for u in pd.unique(compared)})
    bad = phrase.isna() & (compared != "")
    if bad.any():
        raise DataError("Comparisons with England this reader does not know.", file=file, column=comparison,
                        rows=data_rows(t.index, bad), values=list(pd.unique(compared[bad]))[:5],
                        expected=", ".join(s.title() for s in _COMPARISONS))
    value = readers.to_number(_text(t["value"], ("NA",)), file=file, column="value")
    note = ("Fingertips: " + phrase).fillna("")
    note = note.where(value.notna(), ("no value published; " + note).str.rstrip("; "))
    # Periods are typed once per distinct (label, indicator) pair.
    pair = _text(t["period"]) + "\x1f" + texts
    typed = {}
    for key in pd.unique(pair):
        label, text = key.split("\x1f")
        spec = by_name[text]
        typed[key] = _period(label, spec["year"])
        if typed[key] is None:
            raise DataError("A period this reader cannot type.", file=file, column="period",
                            rows=data_rows(t.index, pair == key)[:10],
                            values=[f"{label!r} ({spec['year']} year)"],
                            expected="2024; 2022 - 24 or 2009-11; 2023/24; 2020/21 - 24/25; 2021/22 Q1; "
                                     "2021/22 Q1 - 2025/26 Q3")
        several = typed[key][3]
        typed[key] += (spec["multi_year_id"] if several and spec["multi_year_id"] else spec["indicator_id"],)
    return pd.DataFrame({
        "indicator_id": pair.map({k: v[4] for k, v in typed.items()}), "area_code": t["area_code"],
        "area_type": area_type, "period": pair.map({k: v[0] for k, v in typed.items()}),
        "period_start": pair.map({k: v[1] for k, v in typed.items()}),
        "period_end": pair.map({k: v[2] for k, v in typed.items()}),
        **_breakdowns(t, file=file), "value": value, "value_note": note,
        "several_years": pair.map({k: v[3] for k, v in typed.items()}).astype(bool), "file": file,
    }, index=t.index)


def _check_vintages(values: pd.DataFrame, table: pd.DataFrame) -> None:
    """Each indicator's newest values come from the extract its ``vintage`` names (so its source and date are right)."""
    listed = dict(zip(table["indicator_id"], table["vintage"]))
    listed |= dict(zip(table.loc[table["multi_year_id"] != "", "multi_year_id"],
                       table.loc[table["multi_year_id"] != "", "vintage"]))
    newest = values.assign(v=values["file"].str.startswith(THEMES).map({True: "2026", False: "2020"})) \
        .groupby("indicator_id")["v"].max()
    wrong = [f"{i}: values from the {v} extract, listed {listed[i]}" for i, v in newest.items() if listed[i] != v]
    if wrong:
        raise DataError("Indicators whose newest values come from another extract than data/fingertips_tidy_"
                        "indicators.csv says.", file=f"data/{INDICATORS_FILE}", column="vintage", values=wrong[:5],
                        expected="the newest extract that holds values of the indicator",
                        hint="correct the indicator's vintage")


def read(root: str | os.PathLike) -> PublishedSeries:
    """Both Trafford Fingertips vintages under ``root`` as validated canonical tables (see the module docstring)."""
    root = Path(root)
    table = specs()
    by_name = _by_name(table)
    frames, files = [], []
    for vintage in VINTAGES:
        parts = []
        for path in _files(root, vintage):
            parts.append(_read_file(root, path, by_name))
            files.append(path.relative_to(root).as_posix())
        frames.append(pd.concat(parts, ignore_index=True))
    key = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
    newer, older = frames
    seen = pd.MultiIndex.from_frame(newer[key])
    older = older[~pd.MultiIndex.from_frame(older[key]).isin(seen)].copy()
    # Kept older values may differ in method from the newer ones (healthy life expectancy was revised): say so.
    older["value_note"] = (older["value_note"] + "; from the 2020 extract").str.lstrip("; ")
    allv = pd.concat([newer, older], ignore_index=True)
    mixed = allv.groupby("indicator_id")["several_years"].nunique()
    quarterly = set(table.loc[table["frequency"].str.startswith("quarterly"), "indicator_id"])
    mixed = [i for i in mixed[mixed > 1].index if i not in quarterly]
    if mixed:
        raise DataError("Indicators that mix single-year and multi-year periods in one series.",
                        column="period", values=mixed, expected="one kind of period per indicator",
                        hint=f"give the multi-year periods their own id (multi_year_id in data/{INDICATORS_FILE})")
    _check_vintages(allv, table)
    return finish([allv.drop(columns=["several_years", "file"])], indicators(root), root=root, folder=THEMES,
                  files=files, source=f"{THEMES} + {DASHBOARD}")


__all__ = ["read", "indicators", "specs", "SOURCES", "THEMES", "DASHBOARD", "VINTAGE_FOLDERS", "INDICATORS_FILE"]
