"""DfE Local Authority Interactive Tool (LAIT, ``children/dfe_lait/``) as canonical tables.

``read(root)`` returns the :class:`~.series.PublishedSeries` of every one of LAIT's ~430 measures ("Short Desc")
for every upper-tier authority, region and England. Indicator ids are ``lait_<slug of Short Desc>`` (``LAC`` →
``lait_lac``, ``16-17 NEET`` → ``lait_16_17_neet``, ``LAC_ceased_SGO%`` → ``lait_lac_ceased_sgo_pct``; see
:func:`slug`); ``DASHBOARD_IDS`` names
the ones the children's dashboard needs.

Choices that matter for analysts:
- Areas: LAIT has no ONS codes. Its DfE LA numbers are mapped through ``data/dfe_la_codes.csv`` (153 current
  authorities, 5 former ones LAIT still lists, the regions, Inner/Outer London as ``region`` and England); every
  LAIT name must match the name in that table, so a renumbered authority stops the read instead of being mislabelled.
- Periods, typed from the label and the measure's ``Year_Type`` in the data dictionary: a bare year is the year
  the period ends ("2025" of a financial-year measure is "2024/25", 1 April 2024 to 31 March 2025; of an academic-year
  measure 1 September 2024 to 31 August 2025; of a calendar-year measure the calendar year). "Annual" measures are
  counts at 31 March ("2025", start = end = 31 March 2025), "Annual (end of Sept)" at 30 September, "Annual -
  January" the January school census (1 to 31 January). "2014-16" of a calendar-year measure is a rolling 3-year
  period, labelled "2014 - 16" as Fingertips does; "2023-24" and "2023/24" are one financial or academic year
  ("2023/24"); "2013/14-15/16" is three financial years ("2013/14 - 15/16"). "(Rev)", "(Final)", "(prov)" and "(OT)"
  (outturn) are dropped from the label and said in ``value_note``. The 170 rows whose year is "0" (one measure,
  every value "-") are a blank column of the tool and are left out.
- Values: "-" (and the other markers of :data:`~thanalysis.data.published.children.MARKERS`) become NaN with the
  reason in ``value_note``. Percentages stay on LAIT's 0-100 scale (multiplier 100); rates per 1,000/10,000/100,000
  keep that multiplier; LAIT publishes no counts, denominators or intervals.
- Metadata: name = the dictionary's chart title, polarity from ``Polarity`` (High/Low; "-" and NA → no_judgement),
  value type and unit from ``y_axis_name`` (a "%" axis is a proportion on a 0-100 scale unless some value exceeds 100:
  then ``other``); source names LAIT, the topic and the data owner.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data import readers
from thanalysis.data.published.children import LICENCE, MARKERS, la_codes, map_la_numbers
from thanalysis.data.published.periods import (
    ACADEMIC_START,
    FINANCIAL_START,
    calendar_year,
    data_rows,
    rolling_years,
    snapshot,
    year_label,
    year_span,
)
from thanalysis.data.published.series import Check, PublishedSeries, finish, join_notes, parse_published
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError

FOLDER = "children/dfe_lait"
LONG_FILE = "lait_bds_long.csv.gz"
DICTIONARY_FILE = "lait_data_dictionary.csv"
MEASURES_FILE = "lait_measure_list.csv"

#: Measures with rolling multi-year periods ("2014-16") and "%" measures with values above 100 (take-up against
#: population estimates, repeat exclusions per 100 pupils: not a share of a whole, so typed ``other``). Both are
#: facts about the values, stated here so that :func:`indicators` needs no pass over the long file; :func:`read`
#: stops with a DataError naming any other measure that would need to be listed.
ROLLING_IDS = frozenset({"lait_hosp_adm_alc_under_18yrs", "lait_rta"})
PERCENT_ABOVE_100_IDS = frozenset({"lait_pct_2yr_olds", "lait_pct_3_and_4yr_olds", "lait_prechilddea",
                                   "lait_sept_guarantee", "lait_specfixedex"})

#: The LAIT measures the children's dashboard needs (Short Desc → indicator id).
DASHBOARD_IDS: dict[str, str] = {
    "LAC": "lait_lac",                                    # children looked after rate per 10,000
    "CIN": "lait_cin",                                    # children in need rate per 10,000
    "CPP_rate": "lait_cpp_rate",                          # child protection plans rate per 10,000
    "InfMort": "lait_infmort",                            # infant mortality per 1,000 live births
    "6wksBreast": "lait_6wksbreast",                      # breastfeeding at 6-8 weeks
    "Under18concep": "lait_under18concep",                # under-18 conceptions per 1,000 girls aged 15-17
    "16-17 NEET": "lait_16_17_neet",                      # 16-17 year olds NEET
    "16-17_not known": "lait_16_17_not_known",            # 16-17 year olds whose activity is not known
    "16-17_not known_NEET": "lait_16_17_not_known_neet",  # NEET or not known
}

_POLARITY = {"high": "higher_is_better", "low": "lower_is_better", "-": "no_judgement", "na": "no_judgement",
             "": "no_judgement"}
_STATUS = {"rev": "revised", "final": "final", "prov": "provisional"}
_START_MONTH = {"Financial Year": FINANCIAL_START, "Academic Year": ACADEMIC_START}
_COUNT_AXES = {"entries", "total cases", "social workers", "starters fte", "leavers fte"}
_MEAN_AXES = {"average score", "score per pupil", "average point score", "average scaled score", "average",
              "case load"}


_SYMBOLS = {"%": " pct ", "&": " and ", "<": " under ", ">": " over ", "+": " plus "}


def slug(short_desc: str) -> str:
    """``lait_`` + the Short Desc in lower case, symbols spelt out (% → pct, & → and, < → under, > → over,
    + → plus) and every other run of characters that are not letters or digits as one "_"."""
    text = short_desc.lower()
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    return "lait_" + re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def _value_type(axis: str) -> tuple[str, float, str]:
    """(value_type, multiplier, unit) from the dictionary's ``y_axis_name``."""
    y = re.sub(r"\s+", " ", axis.strip())
    low = y.lower()
    m = re.match(r"(?i)^rates? per ([\d,]+)\s*(.*)$", y)
    if m:
        n = int(m.group(1).replace(",", ""))
        return "crude_rate", float(n), f"per {n:,} {m.group(2)}".strip()
    if low == "% gap":
        return "other", 1.0, "percentage points"
    if y.startswith("%") or low in ("turnover rate", "absence rate"):
        return "proportion", 100.0, "%"
    if low.startswith("number") or low in _COUNT_AXES:
        return "count", 1.0, y
    if low in _MEAN_AXES:
        return "mean", 1.0, y
    return "other", 1.0, y or "as published"


def _measures(root: Path) -> pd.DataFrame:
    """One row per Short Desc: id, name, value type, multiplier, unit, polarity, year type, source."""
    ml_file, dd_file = f"{FOLDER}/{MEASURES_FILE}", f"{FOLDER}/{DICTIONARY_FILE}"
    ml = readers.read_csv(root / ml_file, required=["Short Desc", "Measure_short", "Topic", "Measure"])
    owner = "Data Owner (DO) /Supplier and Contact Details"
    need = ["Measure_short", "Measure", "Chart_title", "Polarity", "y_axis_name", "Year_Type", owner]
    dd = readers.read_csv(root / dd_file, usecols=need, required=need).fillna("")
    for col in need:
        dd[col] = dd[col].str.strip()
    typed = [_value_type(a) for a in dd["y_axis_name"]]
    dd["value_type"], dd["multiplier"], dd["unit"] = [t[0] for t in typed], [t[1] for t in typed], [t[2] for t in typed]
    # The dictionary repeats 14 measures (reworded titles and axes, e.g. "% of Looked After Children" and "% of
    # Children Looked After"): they must agree on polarity, year type and what the value is; the first is kept.
    keyed = dd.drop_duplicates(["Measure_short", "Polarity", "Year_Type", "value_type", "multiplier"])
    clash = keyed["Measure_short"].duplicated(keep=False).to_numpy()
    if clash.any():
        raise DataError("The LAIT data dictionary gives one measure two polarities, value types or year types.",
                        file=dd_file, column="Measure_short", rows=data_rows(keyed.index, clash),
                        values=list(pd.unique(keyed.loc[clash, "Measure_short"]))[:5],
                        expected="each Measure_short with one Polarity, kind of y_axis_name and Year_Type")
    keyed = keyed.drop_duplicates("Measure_short").set_index("Measure_short")
    ml = ml.drop_duplicates("Short Desc")
    missing = ~ml["Measure_short"].isin(keyed.index)
    if missing.any():
        raise DataError("Measures of the LAIT measure list that the data dictionary does not describe.", file=ml_file,
                        column="Measure_short", rows=data_rows(ml.index, missing),
                        values=ml.loc[missing, "Measure_short"].tolist()[:5],
                        expected=f"a Measure_short of {dd_file}")
    d = keyed.loc[ml["Measure_short"]].reset_index(drop=True)
    polarity = d["Polarity"].str.lower().map(_POLARITY)
    bad = polarity.isna().to_numpy()
    if bad.any():
        raise DataError("Polarities this reader does not know.", file=dd_file, column="Polarity",
                        values=list(pd.unique(d.loc[bad, "Polarity"]))[:5], expected="High, Low, - or NA")
    owners = d[owner].str.split(r"[\r\n]").str[0].str.strip()
    owners = owners.where(~owners.isin(["", "0"]), "DfE")
    out = pd.DataFrame({
        "short_desc": ml["Short Desc"].to_numpy(),
        "indicator_id": [slug(s) for s in ml["Short Desc"]],
        "name": d["Chart_title"].where(d["Chart_title"] != "", ml["Measure"].to_numpy()).to_numpy(),
        "value_type": d["value_type"].to_numpy(), "multiplier": d["multiplier"].to_numpy(),
        "unit": d["unit"].to_numpy(),
        "polarity": polarity.to_numpy(), "year_type": d["Year_Type"].to_numpy(),
        "source": [f"Department for Education, Local Authority Interactive Tool (LAIT), {topic}; data owner: {o}: "
                   f"{FOLDER}/{LONG_FILE}" for topic, o in zip(ml["Topic"], owners)],
    })
    dup = out["indicator_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataError("Two LAIT measures give the same indicator id.", file=ml_file, column="Short Desc",
                        values=out.loc[dup, "short_desc"].tolist()[:6], expected="Short Desc values that differ in "
                                                                                  "more than punctuation or case")
    return out


def _period(label: str, year_type: str) -> tuple[str, pd.Timestamp, pd.Timestamp, str] | None:
    """(period, start, end, note) for a LAIT year label of a measure of ``year_type``; None if it cannot be typed."""
    m = re.fullmatch(r"(\d{4})(?: \((Rev|Final|prov)\))?", label)
    if m:
        y, note = int(m.group(1)), _STATUS.get((m.group(2) or "").lower(), "")
        if year_type == "Calendar Year":
            return (*calendar_year(y), note)
        if year_type in _START_MONTH:
            return (*year_span(year_label(y - 1), y - 1, _START_MONTH[year_type], 12), note)
        if year_type == "Annual":
            return (*snapshot(str(y), y, 3, 31), note)
        if year_type == "Annual (end of Sept)":
            return (*snapshot(str(y), y, 9, 30), note)
        if year_type == "Annual - January":
            return (*year_span(str(y), y, 1, 1), note)
        return None
    m = re.fullmatch(r"(\d{4})[-/](\d{2})( \(OT\))?", label)
    if m:
        y, end2, note = int(m.group(1)), int(m.group(2)), "outturn" if m.group(3) else ""
        if year_type == "Calendar Year" and "/" not in label and not note and (y + 2) % 100 == end2:
            return (*rolling_years(y, 3), note)
        if year_type in _START_MONTH and (y + 1) % 100 == end2:
            return (*year_span(year_label(y), y, _START_MONTH[year_type], 12), note)
        return None
    m = re.fullmatch(r"(\d{4})/(\d{2})-(\d{2})/(\d{2})", label)
    if m and year_type in _START_MONTH:
        y, last = int(m.group(1)), int(m.group(3))
        years = (last - y % 100) % 100 + 1
        if (y + 1) % 100 == int(m.group(2)) and (last + 1) % 100 == int(m.group(4)) and 1 < years <= 5:
            label = f"{year_label(y)} - {m.group(3)}/{m.group(4)}"
            return (*year_span(label, y, _START_MONTH[year_type], 12 * years), "")
    return None


def _periods(keys: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """period, period_start, period_end, year_note for the distinct (short_desc, Years, year_type) rows of ``keys``."""
    typed = [_period(label, yt) for label, yt in zip(keys["Years"], keys["year_type"])]
    bad = np.array([t is None for t in typed])
    if bad.any():
        k = keys[bad]
        raise DataError("LAIT year labels this reader cannot type.", file=file, column="Years",
                        values=[f"{y!r} ({s}, {yt})"
                                for s, y, yt in zip(k["short_desc"], k["Years"], k["year_type"])][:6],
                        expected="2025; 2025 (Rev|Final|prov); 2023-24 or 2023/24 (financial or academic year); "
                                 "2023-24 (OT); 2014-16 (3 calendar years); 2013/14-15/16 (financial years)")
    return pd.DataFrame({"period": [t[0] for t in typed], "period_start": pd.to_datetime([t[1] for t in typed]),
                         "period_end": pd.to_datetime([t[2] for t in typed]), "year_note": [t[3] for t in typed]})


def _areas(long: pd.DataFrame, table: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """area_code and area_type of every LAIT LA number, checking LAIT's names against the code table."""
    pairs = long[["LA Number", "LA and Regions"]].drop_duplicates()
    code, area_type = map_la_numbers(pairs["LA Number"], table, file=file, column="LA Number")
    number = pairs["LA Number"].str.strip().str.replace(r"\.0+$", "", regex=True)
    expected = number.map(table.set_index("dfe_la_number")["la_name"])
    wrong = (expected != pairs["LA and Regions"].str.strip()).to_numpy()
    if wrong.any():
        raise DataError("LAIT names some LA numbers differently from data/dfe_la_codes.csv.", file=file,
                        column="LA and Regions", rows=data_rows(pairs.index, wrong),
                        values=[f"{n}: {a!r} (table: {b!r})" for n, a, b in
                                zip(number[wrong], pairs["LA and Regions"][wrong], expected[wrong])][:5],
                        expected="the same authority under the same number",
                        hint="check the authority's number and ONS code, then update data/dfe_la_codes.csv")
    return pd.DataFrame({"LA Number": pairs["LA Number"].to_numpy(), "area_code": code.to_numpy(),
                         "area_type": area_type.to_numpy()})


def indicators(root: str | os.PathLike) -> pd.DataFrame:
    """The indicators of :func:`read`, from LAIT's measure list and data dictionary only (two small files)."""
    return _indicator_table(_measures(Path(root)))


def _indicator_table(measures: pd.DataFrame) -> pd.DataFrame:
    ids = measures["indicator_id"]
    value_type = measures["value_type"].where(~((measures["value_type"] == "proportion")
                                                & ids.isin(PERCENT_ABOVE_100_IDS)), "other")
    table = measures.drop(columns=["short_desc", "year_type"]).assign(
        value_type=value_type, licence=LICENCE,
        frequency=np.where(ids.isin(ROLLING_IDS), "annual (rolling multi-year periods)", "annual"))
    return validate("indicators", table, source=f"{FOLDER}/{DICTIONARY_FILE}")


def _check_listed(values: pd.DataFrame, measures: pd.DataFrame, *, file: str) -> None:
    """Measures with rolling periods, or "%" values above 100, must be in ROLLING_IDS or PERCENT_ABOVE_100_IDS."""
    rolling = set(values.loc[values["period"].str.contains(" - ", regex=False), "indicator_id"]) - ROLLING_IDS
    percent = set(measures.loc[measures["value_type"] == "proportion", "indicator_id"]) - PERCENT_ABOVE_100_IDS
    above = set(values.loc[(values["value"] > 100) & values["indicator_id"].isin(percent), "indicator_id"])
    for found, name, what in ((rolling, "ROLLING_IDS", "rolling multi-year periods"),
                              (above, "PERCENT_ABOVE_100_IDS", "a '%' axis and values above 100")):
        if found:
            raise DataError(f"LAIT measures with {what} that the reader does not list.", file=file,
                            column="Values" if "100" in name else "Years", values=sorted(found)[:5],
                            expected=f"every such measure in {name}",
                            hint=f"add them to {name} in thanalysis/data/published/lait.py")


def read(root: str | os.PathLike, la_code_table: str | os.PathLike | None = None) -> PublishedSeries:
    """The LAIT long file under ``root`` as validated canonical tables (see the module docstring)."""
    root = Path(root)
    file = f"{FOLDER}/{LONG_FILE}"
    measures = _measures(root)
    cols = ["Short Desc", "Years", "LA and Regions", "Values", "LA Number"]
    long = readers.read_csv(root / file, usecols=cols, required=cols)
    # Everything per row is looked up by integer codes of the few distinct measures, years and areas (fast).
    measure_code = pd.Index(measures["short_desc"]).get_indexer(long["Short Desc"])
    unknown = measure_code < 0
    if unknown.any():
        raise DataError("Measures in the LAIT file that its measure list does not describe.", file=file,
                        column="Short Desc", rows=data_rows(long.index, unknown),
                        values=list(pd.unique(long.loc[unknown, "Short Desc"]))[:5],
                        expected=f"a Short Desc of {FOLDER}/{MEASURES_FILE}")
    blank_year = (long["Years"].str.strip() == "0").to_numpy()
    if blank_year.any():
        numbers, _ = parse_published(long.loc[blank_year, "Values"], file=file, column="Values", markers=MARKERS)
        if numbers.notna().any():
            raise DataError("LAIT rows with year '0' hold values.", file=file, column="Years",
                            rows=data_rows(numbers.index, numbers.notna()), expected="a year for every value")
        long, measure_code = long[~blank_year], measure_code[~blank_year]
    value, note = parse_published(long["Values"], file=file, column="Values", markers=MARKERS)
    year_code, years = pd.factorize(long["Years"])
    key_code, keys = pd.factorize(measure_code.astype(np.int64) * len(years) + year_code)
    m_of_key, y_of_key = keys // len(years), keys % len(years)
    periods = _periods(pd.DataFrame({"short_desc": measures["short_desc"].to_numpy()[m_of_key],
                                     "Years": np.asarray(years)[y_of_key],
                                     "year_type": measures["year_type"].to_numpy()[m_of_key]}), file=file)
    area_code, numbers_ = pd.factorize(long["LA Number"])
    areas = _areas(long, la_codes(la_code_table), file=file).set_index("LA Number").loc[numbers_]
    values = pd.DataFrame({
        "indicator_id": measures["indicator_id"].to_numpy()[measure_code],
        "area_code": areas["area_code"].to_numpy()[area_code], "area_type": areas["area_type"].to_numpy()[area_code],
        "period": periods["period"].to_numpy()[key_code],
        "period_start": periods["period_start"].to_numpy()[key_code],
        "period_end": periods["period_end"].to_numpy()[key_code], "sex": "Persons", "age": "All ages",
        "category_type": "", "category": "", "count": np.nan, "denominator": np.nan, "value": value.to_numpy(),
        "value_note": join_notes(pd.Series(periods["year_note"].to_numpy()[key_code], index=long.index), note),
    }, index=long.index)
    _check_listed(values, measures, file=file)
    files = [f"{FOLDER}/{MEASURES_FILE}", f"{FOLDER}/{DICTIONARY_FILE}", file]
    return finish([values], _indicator_table(measures), root=root, folder=FOLDER, files=files, source=file)


def checks(root: str | os.PathLike, la_code_table: str | os.PathLike | None = None) -> list[Check]:
    """For ``thanalysis data check``: every LA number in LAIT maps to an ONS code under the name LAIT gives it, and
    every current upper-tier authority of data/dfe_la_codes.csv (153) is in LAIT."""
    file = f"{FOLDER}/{LONG_FILE}"
    table = la_codes(la_code_table)
    long = readers.read_csv(Path(root) / file, usecols=["LA Number", "LA and Regions"],
                            required=["LA Number", "LA and Regions"])
    try:
        areas = _areas(long, table, file=file)
    except DataError as exc:
        return [Check("lait: DfE LA numbers to ONS codes", None, False, str(exc).splitlines()[0])]
    current = table[(table["area_type"] == "la") & (table["current"] == "yes")]
    missing = sorted(set(current["ons_code"]) - set(areas["area_code"]))
    note = (f"{len(areas)} LA numbers mapped; {len(current) - len(missing)} of {len(current)} current upper-tier "
            "authorities in LAIT" + (f" (missing: {', '.join(missing[:5])})" if missing else ""))
    return [Check("lait: DfE LA numbers to ONS codes", len(areas), not missing, note)]


__all__ = ["read", "indicators", "checks", "slug", "DASHBOARD_IDS", "ROLLING_IDS", "PERCENT_ABOVE_100_IDS", "FOLDER"]
