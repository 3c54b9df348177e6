"""DfE children's social care series (``children/dfe_csc/``) as canonical tables, and what the DfE readers share.

``read(root)`` returns the :class:`~.series.PublishedSeries` of the children's social care files of the open-data
mirror:
DfE's "children's social care outcomes and enablers" dashboard data (SSDA903 children looked after, the CIN census,
the social work workforce census, LA expenditure, OHID injury admissions), converted from R to CSV by the mirror.

Choices that matter for analysts:
- Areas: ``National`` rows are England (E92000001), ``Regional`` rows the nine regions and Inner/Outer London
  (E13000001/E13000002, area type ``region``), ``Local authority`` rows are mapped from the DfE LA number
  (``old_la_code``) through ``data/dfe_la_codes.csv``, so an authority keeps one code across years (North Yorkshire,
  Buckinghamshire and Somerset are E06 unitaries throughout; Barnsley and Sheffield keep their 2021 codes).
  ``Statistical neighbours (median)`` rows are not areas and are left out, and so are the workforce rows of two
  authorities reported together (``314 / 318`` Kingston and Richmond, ``940 / 941`` North and West Northamptonshire).
- Periods: a count "at 31 March" is a snapshot (``"2025"``, start = end = 31 March 2025); a count "during the year"
  (starts, ceasing, referrals, plans starting) is the year ending 31 March (``"2024/25"``, 1 April 2024 to
  31 March 2025); the workforce census is at 30 September (``"2025"``, start = end = 30 September 2025).
- Suppression: the text columns are read (``c``, ``x``, ``z``, ``u``, ``low``/``k``); the dashboard's numeric copies
  code them as -100 (c), -200 (low), -250 (u), -300 (x), -400 (z) (e.g. ``CIN_rate``, ``CPP_2_years_or_more_percent``):
  both become NaN with the reason in ``value_note``. Values are as published (rates per 10,000 rounded to whole
  numbers by DfE; percentages on a 0-100 scale with multiplier 100).
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
from thanalysis.data.published.periods import Period, data_rows, financial_year, snapshot, typed_periods
from thanalysis.data.published.series import ENGLAND, PublishedSeries, finish, join_notes, parse_published
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError

FOLDER = "children/dfe_csc"
LICENCE = "Open Government Licence v3.0"
LA_CODES_FILE = "dfe_la_codes.csv"

#: Suppression and "no value" markers of DfE and GSS tables → what they mean (the value becomes NaN).
MARKERS: dict[str, str] = {
    "c": "suppressed to protect confidentiality (c)",
    "[c]": "suppressed to protect confidentiality ([c])",
    "x": "not available (x)",
    "[x]": "not available ([x])",
    "z": "not applicable (z)",
    "[z]": "not applicable ([z])",
    "u": "low reliability, not shown (u)",
    "[u]": "low reliability, not shown ([u])",
    "low": "a positive number too small to show (low)",
    "[low]": "a positive number too small to show ([low])",
    "k": "a positive number too small to show (k)",
    "..": "not available (..)",
    "-": "not available or suppressed (-)",
    "*": "suppressed: small number (*)",
}
#: The CSC dashboard's numeric copies of the markers (negative numbers that are never real values there).
SENTINELS: dict[float, str] = {-100.0: "c", -200.0: "low", -250.0: "u", -300.0: "x", -400.0: "z"}
_GEO_LEVELS = {"National": "country", "Regional": "region", "Local authority": "la"}
_DROPPED_LEVELS = {"Statistical neighbours (median)"}
_CODE = re.compile(r"^[EWSN]\d{8}$")


# --- shared with the LAIT reader ------------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _la_codes_cached(path: str, mtime: float) -> pd.DataFrame:
    t = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    readers.require_columns(t, ["dfe_la_number", "la_name", "ons_code", "area_type", "current", "other_codes"],
                            file=path)
    t = t.apply(lambda s: s.str.strip())
    checks = [
        (~t["dfe_la_number"].str.fullmatch(r"\d{3}"), "dfe_la_number", "a three-digit DfE LA number"),
        (t["dfe_la_number"].duplicated(keep=False), "dfe_la_number", "each DfE LA number once"),
        (~t["ons_code"].str.fullmatch(_CODE.pattern), "ons_code", "a nine-character ONS code (e.g. E09000030)"),
        (~t["area_type"].isin(["la", "region", "country"]), "area_type", "la, region or country"),
        (~t["current"].isin(["yes", "no"]), "current", "yes or no"),
    ]
    for bad, column, expected in checks:
        if bad.any():
            raise DataError(f"The DfE LA code table has bad values in column {column}.", file=path, column=column,
                            rows=data_rows(t.index, bad), values=t.loc[bad, column].tolist()[:10], expected=expected)
    return t


def la_codes(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """``data/dfe_la_codes.csv``: DfE LA number → ONS code, name (as LAIT spells it), area type, current, other
    codes; ``path`` reads another table of that layout (tests)."""
    p = Path(path) if path else project_data_file(LA_CODES_FILE)
    readers.check_file(p, what="DfE LA code table (project config)")
    return _la_codes_cached(str(p), p.stat().st_mtime).copy()


def code_aliases(table: pd.DataFrame) -> dict[str, str]:
    """Every ONS code a DfE file may use for an authority (its code and ``other_codes``) → the code the tables use."""
    out = dict(zip(table["ons_code"], table["ons_code"]))
    for code, others in zip(table["ons_code"], table["other_codes"]):
        for other in filter(None, (o.strip() for o in others.split(";"))):
            out[other] = code
    return out


def map_la_numbers(numbers: pd.Series, table: pd.DataFrame, *, file: str, column: str) -> tuple[pd.Series, pd.Series]:
    """(ONS code, area type) for DfE LA numbers ("211" or "211.0"); numbers not in the table are a DataError."""
    n = numbers.astype("string").str.strip().str.replace(r"\.0+$", "", regex=True)
    known = table.set_index("dfe_la_number")
    code = n.map(known["ons_code"])
    bad = code.isna().to_numpy() & n.notna().to_numpy() & (n != "").to_numpy()
    if bad.any():
        raise DataError("DfE LA numbers that data/dfe_la_codes.csv does not know.", file=file, column=column,
                        rows=data_rows(numbers.index, bad), values=list(pd.unique(n[bad]))[:10],
                        expected="a DfE LA number listed in data/dfe_la_codes.csv",
                        hint="add the authority (number, name, ONS code) to data/dfe_la_codes.csv")
    return code.astype(object), n.map(known["area_type"]).astype(object)


def _region_key(name: str) -> str:
    """Region names as DfE files spell them, made comparable: "London (Inner)" and "Inner London" → "inner london"."""
    key = re.sub(r"\s+", " ", str(name).strip().lower())
    return re.sub(r"^london \((inner|outer)\)$", r"\1 london", key)


def region_codes(table: pd.DataFrame) -> dict[str, str]:
    """Region (and England) name keys → ONS codes, from the region rows of the DfE LA code table."""
    rows = table[table["area_type"].isin(["region", "country"])]
    return dict(zip(rows["la_name"].map(_region_key), rows["ons_code"]))


# --- children's social care -----------------------------------------------------------------------------------
_PUBLISHER = "Department for Education (children's social care outcomes and enablers dashboard data"


def _meta(name, value_type, multiplier, unit, polarity, frequency="annual"):
    return {"name": name, "value_type": value_type, "multiplier": multiplier, "unit": unit, "polarity": polarity,
            "frequency": frequency}


#: One entry per indicator: the file, the rows (``where``: column and label), the value/count/denominator columns
#: (the text columns, whose markers are kept), how the period is typed, and the indicator metadata.
CSC_INDICATORS: list[dict] = [
    {"id": "dfe_cla_rate", "file": "cla_rates.csv", "where": ("population_count",
                                                              "Children looked after on 31 March each year"),
     "value": "rate_per_10000", "count": "number", "denominator": "population_estimate", "period": "at_31_march",
     "origin": "SSDA903",
     **_meta("Children looked after at 31 March (rate per 10,000 children aged under 18)", "crude_rate", 10000,
             "per 10,000 children aged under 18", "no_judgement")},
    {"id": "dfe_cla_starting_rate", "file": "cla_rates.csv",
     "where": ("population_count", "Children starting to be looked after each year"),
     "value": "rate_per_10000", "count": "number", "denominator": "population_estimate",
     "period": "year_to_31_march", "origin": "SSDA903",
     **_meta("Children starting to be looked after during the year (rate per 10,000 children aged under 18)",
             "crude_rate", 10000, "per 10,000 children aged under 18", "no_judgement")},
    {"id": "dfe_cla_ceasing_rate", "file": "cla_rates.csv",
     "where": ("population_count", "Children ceasing to be looked after each year"),
     "value": "rate_per_10000", "count": "number", "denominator": "population_estimate",
     "period": "year_to_31_march", "origin": "SSDA903",
     **_meta("Children ceasing to be looked after during the year (rate per 10,000 children aged under 18)",
             "crude_rate", 10000, "per 10,000 children aged under 18", "no_judgement")},
    {"id": "dfe_cin_rate", "file": "cin_rates.csv", "value": "At31_episodes_rate", "count": "At31_episodes",
     "period": "at_31_march", "origin": "children in need census",
     **_meta("Children in need at 31 March (rate per 10,000 children aged under 18)", "crude_rate", 10000,
             "per 10,000 children aged under 18", "no_judgement")},
    {"id": "dfe_cin_referrals", "file": "cin_referrals.csv", "value": "Referrals", "period": "year_to_31_march",
     "origin": "children in need census",
     **_meta("Referrals to children's social care during the year", "count", 1, "referrals", "no_judgement")},
    {"id": "dfe_cin_rereferrals", "file": "cin_referrals.csv", "value": "Re_referrals_percent",
     "count": "Re_referrals", "denominator": "Referrals", "period": "year_to_31_march",
     "origin": "children in need census",
     **_meta("Re-referrals within 12 months of a previous referral (% of referrals)", "proportion", 100, "%",
             "lower_is_better")},
    {"id": "dfe_cpp_repeat", "file": "repeat_cpp.csv", "value": "CPP_subsequent_percent", "count": "CPP_subsequent",
     "denominator": "CPP_start", "period": "year_to_31_march", "origin": "children in need census",
     **_meta("Child protection plans starting during the year that were a second or later plan (%)", "proportion",
             100, "%", "lower_is_better")},
    {"id": "dfe_cpp_2_years_plus", "file": "duration_cpp.csv", "value": "X2_years_or_more_percent",
     "count": "X2_years_or_more", "denominator": "CPP_At31", "period": "at_31_march",
     "origin": "children in need census",
     **_meta("Child protection plans at 31 March that had lasted 2 years or more (%)", "proportion", 100, "%",
             "lower_is_better")},
    {"id": "dfe_injury_admissions_0_14", "file": "hospital_admissions.csv", "value": "rate_per_10000",
     "count": "Count", "denominator": "Denominator", "period": "year_to_31_march",
     "origin": "OHID hospital episode statistics",
     **_meta("Hospital admissions caused by unintentional and deliberate injuries in children aged 0 to 14 "
             "(crude rate per 10,000)", "crude_rate", 10000, "per 10,000 children aged 0 to 14", "lower_is_better")},
    {"id": "dfe_sw_turnover_rate", "file": "workforce_data.csv", "value": "turnover_rate_fte",
     "period": "at_30_september", "origin": "children's social work workforce census",
     **_meta("Children and family social worker turnover rate (FTE, year to 30 September, %)", "proportion", 100,
             "%", "lower_is_better")},
    {"id": "dfe_sw_agency_rate", "file": "workforce_data.csv", "value": "agency_rate_fte",
     "period": "at_30_september", "origin": "children's social work workforce census",
     **_meta("Agency children and family social workers at 30 September (% of FTE)", "proportion", 100, "%",
             "lower_is_better")},
    {"id": "dfe_sw_vacancy_rate", "file": "workforce_data.csv", "value": "vacancy_rate_fte",
     "period": "at_30_september", "origin": "children's social work workforce census",
     **_meta("Children and family social worker vacancy rate at 30 September (% of FTE)", "proportion", 100, "%",
             "lower_is_better")},
    {"id": "dfe_sw_caseload", "file": "workforce_data.csv", "value": "caseload_fte", "period": "at_30_september",
     "origin": "children's social work workforce census",
     **_meta("Average caseload of children and family social workers at 30 September (cases per FTE)", "mean", 1,
             "cases per FTE social worker", "lower_is_better")},
    {"id": "dfe_csc_spend_per_child", "file": "spending_per_capita.csv", "value": "Cost per child",
     "period": "year_to_31_march", "origin": "LA expenditure returns (RO3/RSX)",
     **_meta("Children's services expenditure per child aged under 18", "other", 1, "£ per child aged under 18",
             "no_judgement")},
]


def _csc_periods(labels: pd.Series, kind: str, *, file: str) -> pd.DataFrame:
    """period, period_start, period_end for ``time_period`` labels ("2025" or "2024/25") of one kind."""
    def parse(label: str) -> Period | None:
        m = re.fullmatch(r"(\d{4})(?:/(\d{2}))?", label)
        if not m or (m.group(2) and (kind != "year_to_31_march" or int(m.group(2)) != (int(m.group(1)) + 1) % 100)):
            return None
        year = int(m.group(1))
        if kind == "at_31_march":
            return snapshot(str(year), year, 3, 31)
        if kind == "at_30_september":
            return snapshot(str(year), year, 9, 30)
        return financial_year(year if m.group(2) else year - 1)

    return typed_periods(labels, parse, file=file, column="time_period",
                         expected="a year (2025), or a financial year (2024/25) for counts during the year")


def _csc_areas(t: pd.DataFrame, table: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Rows of areas only (national, regional, LA), with area_code and area_type; other levels are a DataError."""
    level = t["geographic_level"].str.strip()
    unknown = ~level.isin(list(_GEO_LEVELS) + list(_DROPPED_LEVELS))
    if unknown.any():
        raise DataError("Geographic levels this reader does not know.", file=file, column="geographic_level",
                        rows=data_rows(t.index, unknown), values=list(pd.unique(level[unknown]))[:5],
                        expected="National, Regional, Local authority or Statistical neighbours (median)")
    # Joint services reported for two authorities together ("314 / 318": Kingston and Richmond) are no one area.
    joint = t["old_la_code"].fillna("").str.contains("/", regex=False) if "old_la_code" in t else False
    t = t[level.isin(list(_GEO_LEVELS)) & ~joint].copy()
    level = t["geographic_level"].str.strip()
    t["area_type"] = level.map(_GEO_LEVELS)
    code = pd.Series(ENGLAND, index=t.index, dtype=object)
    new = t["new_la_code"].fillna("").str.strip() if "new_la_code" in t else pd.Series("", index=t.index)
    regional = (level == "Regional").to_numpy()
    if regional.any():
        reg = t["region_code"].fillna("").str.strip() if "region_code" in t else new
        reg = reg.where(reg != "", new)
        reg = reg.where(reg != "", t["geo_breakdown"].map(_region_key).map(region_codes(table)).fillna(""))
        code[regional] = reg[regional]
        bad = regional & ~reg.str.fullmatch(r"E1[23]\d{6}").to_numpy()
        if bad.any():
            raise DataError("Regional rows without a region code.", file=file, column="region_code",
                            rows=data_rows(t.index, bad), values=t.loc[bad, "geo_breakdown"].tolist()[:5],
                            expected="an E12 (region) or E13 (Inner/Outer London) code")
    la = (level == "Local authority").to_numpy()
    if la.any():
        aliases = code_aliases(table)
        number = t["old_la_code"].fillna("").astype(str)
        by_number, _ = map_la_numbers(number[la], table, file=file, column="old_la_code")
        by_code = new[la].map(aliases)
        mapped = by_number.where(by_number.notna(), by_code)
        missing = mapped.isna().to_numpy()
        if missing.any():
            raise DataError("Local authority rows with neither a known DfE LA number nor a known ONS code.",
                            file=file, column="old_la_code", rows=data_rows(mapped.index, missing),
                            values=t.loc[la, "geo_breakdown"][missing].tolist()[:5],
                            expected="an old_la_code or new_la_code listed in data/dfe_la_codes.csv")
        clash = (by_number.notna() & by_code.notna() & (by_number != by_code)).to_numpy()
        if clash.any():
            raise DataError("The ONS code of some rows disagrees with their DfE LA number.", file=file,
                            column="new_la_code", rows=data_rows(mapped.index, clash),
                            values=[f"{a} (LA {b})" for a, b in zip(new[la][clash], number[la][clash])][:5],
                            expected="the code data/dfe_la_codes.csv gives for the LA number (or one of its "
                                     "other_codes)")
        code[la] = mapped.to_numpy()
    t["area_code"] = code
    return t


def _csc_frame(t: pd.DataFrame, spec: dict, *, file: str) -> pd.DataFrame:
    """The canonical values of one indicator of ``CSC_INDICATORS`` from its file's rows of areas."""
    if "where" in spec:
        column, label = spec["where"]
        t = t[t[column].str.strip() == label]
    value, note = parse_published(t[spec["value"]], file=file, column=spec["value"], markers=MARKERS,
                                  sentinels=SENTINELS)
    notes = [note]
    extra = {}
    for role in ("count", "denominator"):
        if spec.get(role):
            extra[role], n = parse_published(t[spec[role]], file=file, column=spec[role], markers=MARKERS,
                                             sentinels=SENTINELS)
            # A value's own note says why it is missing; a count missing beside a published value is said too.
            notes.append((f"{role} not shown: " + n).where((n != "") & value.notna(), ""))
    periods = _csc_periods(t["time_period"].str.strip(), spec["period"], file=file)
    return pd.DataFrame({
        "indicator_id": spec["id"], "area_code": t["area_code"], "area_type": t["area_type"], **periods,
        "sex": "Persons", "age": "All ages", "category_type": "", "category": "",
        "count": extra.get("count", np.nan), "denominator": extra.get("denominator", np.nan), "value": value,
        "value_note": join_notes(*notes),
    }, index=t.index)


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`CSC_INDICATORS`; no file is read)."""
    table = pd.DataFrame([{
        "indicator_id": s["id"], **{k: s[k] for k in ("name", "value_type", "multiplier", "unit", "polarity",
                                                      "frequency")},
        "source": f"{_PUBLISHER}, from the {s['origin']}): {FOLDER}/{s['file']}", "licence": LICENCE,
    } for s in CSC_INDICATORS])
    return validate("indicators", table, source=f"{FOLDER} (indicator definitions)")


def read(root: str | os.PathLike, la_code_table: str | os.PathLike | None = None) -> PublishedSeries:
    """The DfE children's social care files under ``root`` as validated canonical tables."""
    root = Path(root)
    table = la_codes(la_code_table)
    frames, files = [], []
    by_file: dict[str, list[dict]] = {}
    for spec in CSC_INDICATORS:
        by_file.setdefault(spec["file"], []).append(spec)
    for name, specs in by_file.items():
        path = root / FOLDER / name
        file = f"{FOLDER}/{name}"
        columns = {"time_period", "geographic_level", "geo_breakdown", "old_la_code", "new_la_code", "region_code"}
        columns |= {s[k] for s in specs for k in ("value", "count", "denominator") if s.get(k)}
        columns |= {s["where"][0] for s in specs if "where" in s}
        t = readers.read_csv(path, usecols=sorted(columns),
                             required=sorted(columns - {"old_la_code", "new_la_code", "region_code"}))
        known = {s["where"][1] for s in specs if "where" in s}
        if known:
            col = specs[0]["where"][0]
            other = ~t[col].str.strip().isin(known)
            if other.any():
                raise DataError(f"Measures in column {col} that this reader does not know.", file=file, column=col,
                                rows=data_rows(t.index, other), values=list(pd.unique(t.loc[other, col]))[:5],
                                expected=", ".join(sorted(known)))
        t = _csc_areas(t, table, file=file)
        frames.extend(_csc_frame(t, s, file=file) for s in specs)
        files.append(file)
    # One validation for all files (pandera's cost is mostly per call); the rows were checked file by file above.
    return finish(frames, indicators(root), root=root, folder=FOLDER, files=files, source=f"{FOLDER}/*.csv")


__all__ = ["read", "indicators", "la_codes", "code_aliases", "map_la_numbers", "region_codes", "MARKERS", "SENTINELS",
           "CSC_INDICATORS", "FOLDER"]
