"""GLA London borough profiles (2016 edition) and immunisation coverage at age 5 by PCT, 2004/05 to 2012/13.

Both files are in ``indicators/gla_borough_profiles_immunisations/`` (London Datastore copies kept in count/hackathons;
see the folder's ``SOURCE.md``). Old vintages: useful as history and for cross-borough context, not as current data.

**Borough profiles** (:func:`read_profiles`): 33 London boroughs, one column per measure, each measure with its own
year. A chosen set of measures (:func:`profile_measures`) becomes canonical values (area type ``la``) with typed
periods: calendar years ("2015"), months ("2015-12"), financial or school years ("2014/15"), mid-year estimates
("mid-2015"), rolling three-year periods ("2012 - 14"); measures published by sex (employment rate, life
expectancy) carry ``sex``. ``.`` marks a missing figure: NaN with the reason in ``value_note``. Numbers with
thousands separators or a pound sign ("£34,930") are read as numbers. The diabetes prevalence column states no
year: its period is "year not stated" and the rows say so.

**Immunisations at age 5** (:func:`read_immunisations`): coverage (%) by Primary Care Trust. Quirks handled:

- The header's ``Area`` and ``Code`` are swapped (codes sit under "Area", names under "Code"). The reader looks
  at the values, not the header: whichever column holds PCT codes (``5C4``, ``E16000011``) is the code. A file
  with the header corrected reads the same; a column holding neither is a DataError.
- ``Year`` 2004 is the financial year 2004/05 (the London Datastore footnotes match: nine PCTs without data in
  2005/06, seven in 2006/07, eight in 2007/08, Brent's missing five-year boosters in 2006/07).
- The vaccine columns shift by year and only 2004/05 and 2005/06 follow the header. From the values (booster and
  second-dose columns are never above their primary and first-dose columns; Brent's missing boosters) the reader
  takes four measures for every year: DTP primary course, DTP primary and booster, MMR first dose, MMR first and
  second dose (:data:`LAYOUTS`). The other columns (pertussis, Hib, MenC) cannot be placed after 2005/06 and are
  not read. Every row is checked against those two orderings.
- ``..`` = not available (the PCT could not give reliable data): NaN with the reason; blank cells likewise.
- PCTs are not local authorities. Values are given on the borough (area type ``la``) only where the PCT covered
  one borough; "City and Hackney Teaching" and "Sutton and Merton" covered two and are left out of the values
  (:func:`read_immunisations_by_pct` has every PCT row). No counts: values as published, without intervals.
"""
from __future__ import annotations

import functools

from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.config import project_data_file
from thanalysis.data.published.periods import data_rows, financial_year_periods
from thanalysis.data.published.series import PublishedSeries, finish, indicator_table, read_table
from thanalysis.data.readers import to_number
from thanalysis.errors import DataError

FOLDER = "indicators/gla_borough_profiles_immunisations"
PROFILES = f"{FOLDER}/london_borough_profiles_2016_DEM_BoroughDemograpics_latest.csv"
IMMUNISATIONS = f"{FOLDER}/london_immunisations_age5_2004_2012.csv"
SOURCE_PROFILES = "Greater London Authority, London Borough Profiles 2016 (London Datastore)"
SOURCE_IMMUNISATIONS = ("NHS Information Centre immunisation statistics (COVER), immunisation rates at 5th birthday "
                        "by London PCT, via the London Datastore")
LICENCE = "Open Government Licence v3.0"
CODE, NAME = "Code", "Area_name"
MISSING = {".": "not available ('.' in the GLA profiles)", "..": "not available ('..': the PCT could not give "
           "reliable data that year)", "": "blank in the file"}

# --- borough profiles -----------------------------------------------------------------------------------------
#: period label → (period_start, period_end)
PERIODS = {
    "mid-2015": ("2015-06-30", "2015-06-30"), "2014": ("2014-01-01", "2014-12-31"),
    "2015": ("2015-01-01", "2015-12-31"), "2016": ("2016-01-01", "2016-12-31"), "2015-12": ("2015-12-01", "2015-12-31"),
    "2016-05": ("2016-05-01", "2016-05-31"), "2012/13": ("2012-04-01", "2013-03-31"),
    "2014/15": ("2014-04-01", "2015-03-31"), "2013/14 (school year)": ("2013-09-01", "2014-08-31"),
    "2015/16 (school year)": ("2015-09-01", "2016-08-31"), "31 March 2016": ("2016-03-31", "2016-03-31"),
    "2012 - 14": ("2012-01-01", "2014-12-31"), "2011/12 - 2013/14": ("2011-04-01", "2014-03-31"),
    "year not stated": (None, None),
}
@functools.cache
def profile_measures() -> dict[str, tuple]:
    """The measures read from the profiles (``data/gla_profile_measures.csv``): indicator_id → (name, value_type,
    multiplier, unit, polarity, frequency, period, {column: sex})."""
    table = pd.read_csv(project_data_file("gla_profile_measures.csv"), comment="#", dtype=str, keep_default_na=False)
    measures: dict[str, tuple] = {}
    for row in table.itertuples(index=False):
        if row.indicator_id not in measures:
            measures[row.indicator_id] = (row.name, row.value_type, int(row.multiplier), row.unit, row.polarity,
                                          row.frequency, row.period, {})
        measures[row.indicator_id][7][row.column] = row.sex
    return measures


#: indicator_id → (name, value_type, multiplier, unit, polarity, frequency, period, {column: sex}).


def _numbers(t: pd.DataFrame, col: str, rel: str) -> tuple[np.ndarray, np.ndarray]:
    """(values, notes): missing markers → NaN with a reason; "£34,930" and "1,978" → numbers; else a DataError."""
    text = t[col].fillna("").astype(str).str.strip()
    marker = text.isin(list(MISSING))
    cleaned = text.str.replace(r"^£", "", regex=True).where(~marker)
    values = to_number(cleaned, file=rel, column=col).to_numpy(dtype=float)
    notes = text.map(MISSING).where(marker, "").to_numpy(dtype=object)
    return values, notes


def _day(day: str | None, n: int) -> np.ndarray:
    return np.full(n, np.datetime64(day or "NaT", "ns"), dtype="datetime64[ns]")


def _profile_frames(root: Path) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    columns = [c for spec in profile_measures().values() for c in spec[7]]
    t = read_table(root, PROFILES, text=[CODE, NAME, *columns])
    bad = ~t[CODE].fillna("").str.fullmatch(r"E09\d{6}")
    if bad.any():
        raise DataError(f"Column {CODE} has values that are not London borough codes.", file=PROFILES, column=CODE,
                        rows=data_rows(t.index[bad]), values=t.loc[bad, CODE].head(5).tolist(),
                        expected="codes such as E09000030")
    frames = []
    for ind, (*_, period, by_sex) in profile_measures().items():
        start, end = PERIODS[period]
        for col, sex in by_sex.items():
            values, notes = _numbers(t, col, PROFILES)
            if period == "year not stated":
                notes = np.where(notes == "", "the GLA profile does not state the year", notes)
            frames.append(pd.DataFrame({"indicator_id": ind, "area_code": t[CODE].to_numpy(), "area_type": "la",
                                        "period": period, "period_start": _day(start, len(t)),
                                        "period_end": _day(end, len(t)), "sex": sex,
                                        "value": values, "value_note": notes}))
    return frames, _profile_indicators()


def _profile_indicators() -> pd.DataFrame:
    rows = [(ind, *spec[:6]) for ind, spec in profile_measures().items()]
    return indicator_table(rows, source=SOURCE_PROFILES, licence=LICENCE, file=f"{PROFILES} (definitions)")


def read_profiles(root: Path) -> PublishedSeries:
    """The measures of :func:`profile_measures` for the 33 boroughs, as validated canonical tables."""
    frames, indicators = _profile_frames(Path(root))
    return finish(frames, indicators, root=Path(root), folder=FOLDER, files=[PROFILES], source=PROFILES)


# --- immunisations at age 5 -----------------------------------------------------------------------------------
YEAR, AREA, PCT_CODE, CHILDREN = "Year", "Area", "Code", "Number of children aged 5 (thousands) (=100%)"
PCT_CODE_PATTERN = r"(?:[0-9A-Z]{3}|E1[67]\d{6})"
VACCINE_COLUMNS = ["Diptheria, Tetanus, Polio: Primary", "Diptheria, Tetanus, Polio: Primary and boost",
                   "Pertussis:Primary", "Hib: Primary", "MMR: first dose", "MMR: first and second dose", "MenC"]
VACCINES = {"gla_imm5_dtp_primary": "Children with a complete primary course of diphtheria, tetanus and polio "
                                    "vaccine by their 5th birthday (by PCT)",
            "gla_imm5_dtp_booster": "Children with the primary course and booster of diphtheria, tetanus and polio "
                                    "vaccine by their 5th birthday (by PCT)",
            "gla_imm5_mmr1": "Children with a first dose of MMR vaccine by their 5th birthday (by PCT)",
            "gla_imm5_mmr2": "Children with first and second doses of MMR vaccine by their 5th birthday (by PCT)"}
#: First and last financial year (by its first calendar year) → position of each measure among the seven vaccine
#: columns (0 = the first column after the number of children), inferred from the values as the docstring says.
LAYOUTS = {(2004, 2005): {"gla_imm5_dtp_primary": 0, "gla_imm5_dtp_booster": 1, "gla_imm5_mmr1": 4,
                          "gla_imm5_mmr2": 5},
           (2006, 2006): {"gla_imm5_dtp_primary": 0, "gla_imm5_dtp_booster": 3, "gla_imm5_mmr1": 4,
                          "gla_imm5_mmr2": 5},
           (2007, 2012): {"gla_imm5_dtp_primary": 0, "gla_imm5_dtp_booster": 2, "gla_imm5_mmr1": 3,
                          "gla_imm5_mmr2": 4}}
#: PCT names (as in the file, without "Teaching") that differ from the borough's; None: covered two boroughs.
PCT_BOROUGH = {"Kingston": "Kingston upon Thames", "Richmond and Twickenham": "Richmond upon Thames",
               "City and Hackney": None, "Sutton and Merton": None}


def name_and_code_columns(t: pd.DataFrame, rel: str = IMMUNISATIONS) -> tuple[str, str, bool]:
    """(name column, code column, swapped?) of the immunisations file, decided by the values, not the header."""
    codes = {col: t[col].fillna("").str.strip().str.fullmatch(PCT_CODE_PATTERN) for col in (AREA, PCT_CODE)}
    if codes[AREA].all() and not codes[PCT_CODE].any():
        return PCT_CODE, AREA, True
    if codes[PCT_CODE].all() and not codes[AREA].any():
        return AREA, PCT_CODE, False
    col = AREA if codes[AREA].mean() >= 0.5 else PCT_CODE
    bad = ~codes[col]
    raise DataError(f"Column {col} mixes PCT codes and names, so the code column cannot be told apart.", file=rel,
                    column=col, rows=data_rows(t.index[bad]), values=t.loc[bad, col].head(5).tolist(),
                    expected=f"one of {AREA!r} and {PCT_CODE!r} holding only PCT codes (5C4, E16000011), the "
                             "other only names (the published file has them swapped: codes under 'Area')")


def read_immunisations_by_pct(root: Path) -> pd.DataFrame:
    """Every PCT row: ``pct_code, pct_name, la_code, year, period, indicator_id, value, value_note, header_swapped``.

    ``la_code`` is the borough a PCT covered alone (None for the two PCTs that covered two boroughs).
    """
    root = Path(root)
    t = read_table(root, IMMUNISATIONS, text=[YEAR, AREA, PCT_CODE, CHILDREN, *VACCINE_COLUMNS])
    name_col, code_col, swapped = name_and_code_columns(t)
    year = pd.to_numeric(t[YEAR].str.strip(), errors="coerce")
    layout_of = {y: layout for (first, last), layout in LAYOUTS.items() for y in range(first, last + 1)}
    bad = ~year.isin(list(layout_of))
    if bad.any():
        raise DataError("Column Year has years this reader has no column layout for.", file=IMMUNISATIONS,
                        column=YEAR, rows=data_rows(t.index[bad]), values=t.loc[bad, YEAR].head(5).tolist(),
                        expected="2004 to 2012 (financial years 2004/05 to 2012/13)")
    periods = financial_year_periods(year.astype(int).astype(str) + "-" + ((year + 1) % 100).astype(int).astype(str)
                                     .str.zfill(2), file=IMMUNISATIONS, column=YEAR)
    parsed = [_numbers(t, c, IMMUNISATIONS) for c in VACCINE_COLUMNS]
    names = t[name_col].str.strip().str.replace(r"\s+Teaching$", "", regex=True)
    borough = {n: PCT_BOROUGH.get(n, n) for n in names.unique()}
    la = _borough_codes(root, borough)
    out = []
    for (first, last), layout in LAYOUTS.items():
        rows = ((year >= first) & (year <= last)).to_numpy()
        got = {ind: (parsed[pos][0][rows], parsed[pos][1][rows]) for ind, pos in layout.items()}
        for low, high in (("gla_imm5_dtp_booster", "gla_imm5_dtp_primary"), ("gla_imm5_mmr2", "gla_imm5_mmr1")):
            with np.errstate(invalid="ignore"):
                above = got[low][0] > got[high][0]
            if above.any():
                col = VACCINE_COLUMNS[layout[low]]
                raise DataError(f"In {first}-{last} column {col!r} ({low}) is above the {high} column, so the "
                                "column layout is not the one this reader expects.", file=IMMUNISATIONS, column=col,
                                rows=data_rows(t.index[rows][above]), expected=f"{low} ≤ {high} in every row")
        for ind, (values, notes) in got.items():
            out.append(pd.DataFrame({
                "pct_code": t.loc[rows, code_col].str.strip().to_numpy(), "pct_name": t.loc[rows, name_col].to_numpy(),
                "la_code": names[rows].map(borough).map(la).to_numpy(), "year": year[rows].astype(int).to_numpy(),
                "period": periods.loc[rows, "period"].to_numpy(), "period_start": periods.loc[rows, "period_start"],
                "period_end": periods.loc[rows, "period_end"], "indicator_id": ind, "value": values,
                "value_note": notes, "header_swapped": swapped}))
    return pd.concat(out, ignore_index=True)


def _borough_codes(root: Path, borough: dict[str, str | None]) -> dict[str, str]:
    """Borough name → code from the profiles file (same folder); a PCT naming no borough there is a DataError."""
    t = read_table(root, PROFILES, text=[CODE, NAME])
    codes = dict(zip(t[NAME].str.strip(), t[CODE].str.strip()))
    unknown = sorted(n for n, b in borough.items() if b is not None and b not in codes)
    if unknown:
        raise DataError("Some PCTs name no London borough of the profiles file.", file=IMMUNISATIONS, column=AREA,
                        values=unknown, expected="PCT names matching a borough (add the others to PCT_BOROUGH)")
    return codes


def _immunisation_frame(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    pct = read_immunisations_by_pct(root)
    one = pct[pct["la_code"].notna()]
    note = "PCT " + one["pct_name"] + " (" + one["pct_code"] + "), which covered the borough alone"
    values = pd.DataFrame({
        "indicator_id": one["indicator_id"], "area_code": one["la_code"], "area_type": "la", "period": one["period"],
        "period_start": one["period_start"], "period_end": one["period_end"], "sex": "Persons", "value": one["value"],
        "value_note": np.where(one["value_note"] != "", one["value_note"] + "; " + note, note)})
    return values, _immunisation_indicators()


def _immunisation_indicators() -> pd.DataFrame:
    rows = [(ind, name, "proportion", 100, "%", "higher_is_better", "annual (financial year)")
            for ind, name in VACCINES.items()]
    return indicator_table(rows, source=SOURCE_IMMUNISATIONS, licence=LICENCE, file=f"{IMMUNISATIONS} (definitions)")


def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read`: the profile measures, then the immunisations (no data file is read)."""
    return pd.concat([_profile_indicators(), _immunisation_indicators()], ignore_index=True)


def read_immunisations(root: Path) -> PublishedSeries:
    """Coverage at age 5 on the borough (``la``) where the PCT covered one borough, as validated canonical tables."""
    values, indicators = _immunisation_frame(Path(root))
    return finish([values], indicators, root=Path(root), folder=FOLDER, files=[IMMUNISATIONS, PROFILES],
                  source=IMMUNISATIONS)


def read(root: Path) -> PublishedSeries:
    """Borough profiles and immunisations together."""
    frames, _ = _profile_frames(Path(root))
    values, _ = _immunisation_frame(Path(root))
    return finish([*frames, values], indicators(root), root=Path(root), folder=FOLDER, files=[PROFILES, IMMUNISATIONS],
                  source=f"{PROFILES}, {IMMUNISATIONS}")


__all__ = ["read", "indicators", "read_profiles", "read_immunisations", "read_immunisations_by_pct", "name_and_code_columns",
           "PROFILE_MEASURES", "VACCINES", "LAYOUTS", "FOLDER", "PROFILES", "IMMUNISATIONS"]
