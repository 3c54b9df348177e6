"""MHCLG statutory homelessness (H-CLIC) tables A1 and TA1 by local authority (``homelessness/hclic/``).

:func:`read` reads the long extract of all 31 quarterly workbooks (2018 Q2 – 2025 Q4; England, regions and every
local authority). Headline measures are found by ``measure_key`` (the workbooks' header wording changes from quarter
to quarter); the TA1 breakdown by type of accommodation, households in area and households placed in another
district have no key and are found by column position, each checked against its header wording every quarter.

- Counts: initial assessments, duties owed (prevention, of which section 21, relief), no duty owed (A1, flows over
  the calendar quarter); households in temporary accommodation (TA), with children, children in TA, by type of TA
  (``category_type`` ``ta_type``) and in another district (TA1, a snapshot on the last day of the quarter, so their
  ``period_start`` is that day too). England and regional totals are rounded to the nearest 10 by MHCLG.
- Rates per 1,000 households: as published (prevention duty = "threatened", relief duty = "homeless", TA), with
  Poisson 95%/99.8% limits from the count and households in area; before 2019 Q2 A1 published no rates, so they
  are computed from the count and the households in area of table TA1 (the note says so). Where a published rate
  does not match its count and households (by more than 1% plus the rounding of totals to 10: England 2020 Q2
  relief, 0.619 for 1.616), or London's two rows in a workbook give two
  different rates (2020 Q2, 2021 Q3), the computed rate is given and the note keeps the published one.
  ``hclic_duty_owed_per_1000`` is never published: always computed.
- Markers (``..``, ``-``, ``[x]``, ``[c]``, ``*``, ``c``, ``z``) become missing values with the reason in
  ``value_note`` (e.g. ``not available [..]: no or incomplete data from the authority``).

:mod:`.homelessness_workbooks` reads the original workbooks in ``original_xlsx/`` (tables A1 and TA1 with their
multi-row headers) and compares them cell by cell with the extract.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows, quarter_periods
from thanalysis.data.published.series import ENGLAND, PublishedSeries, finish, indicator_table, limits
from thanalysis.data.readers import check_file, require_columns
from thanalysis.errors import DataError

FOLDER = "homelessness/hclic"
EXTRACT = f"{FOLDER}/hclic_A1_TA1_long_all_LAs_2018Q2_2025Q4.csv.gz"
WORKBOOKS = f"{FOLDER}/original_xlsx"
SOURCE = ("Ministry of Housing, Communities and Local Government: statutory homelessness, detailed local "
          "authority-level tables A1 and TA1 (H-CLIC); long extract of the quarterly workbooks")
LICENCE = "Open Government Licence v3.0"
COLUMNS = ["quarter_end", "table", "area_code", "col_index", "measure_key", "measure", "value"]

#: Markers for a missing figure → the reason kept in value_note.
MARKERS = {"..": "not available [..]: no or incomplete data from the authority",
           "-": "suppressed [-]", "[x]": "not available [x]", "x": "not available [x]", "[c]": "suppressed [c]",
           "c": "suppressed [c]", "*": "suppressed [*]", "[z]": "not applicable [z]", "z": "not applicable [z]"}
#: Counts: measure → indicator.
COUNTS = {"a1_total_initial_assessments": "hclic_assessments",
          "a1_owed_prevention_or_relief_duty": "hclic_duty_owed",
          "a1_prevention_duty_owed": "hclic_prevention_duty",
          "a1_prevention_duty_section21": "hclic_prevention_section21",
          "a1_relief_duty_owed": "hclic_relief_duty",
          "a1_not_homeless_no_duty": "hclic_no_duty",
          "ta1_households_in_ta_total": "hclic_ta_households",
          "ta1_households_in_ta_with_children": "hclic_ta_with_children",
          "ta1_children_in_ta": "hclic_ta_children",
          "ta1_col31": "hclic_ta_out_of_district"}
#: Rates: indicator → (count measure, published rate measure or None, households measure).
RATES = {"hclic_duty_owed_per_1000": ("a1_owed_prevention_or_relief_duty", None, "hh_a1"),
         "hclic_prevention_per_1000": ("a1_prevention_duty_owed", "a1_threatened_per_1000_households", "hh_a1"),
         "hclic_relief_per_1000": ("a1_relief_duty_owed", "a1_homeless_per_1000_households", "hh_a1"),
         "hclic_ta_per_1000": ("ta1_households_in_ta_total", "ta1_households_in_ta_per_1000", "ta1_col5")}
#: Unkeyed TA1 columns: position → (category or measure, words its header must hold).
TA1_COLUMNS = {5: ("households in area", "(000s)"), 10: ("Bed and breakfast hotels", "bed and breakfast"),
               16: ("Nightly paid, privately managed, self-contained", "nightly paid"),
               19: ("Hostels and refuges", "hostels"),
               22: ("Private sector leased", "private sector accommodation leased"),
               25: ("Local authority or housing association stock", "la/ha"),
               28: ("Other (including private landlord and not known)", "any other type"),
               31: ("In another local authority district", "another local authority district")}
SNAPSHOT = "ta1_"  # measures of table TA1 are counted on the last day of the quarter

INDICATORS = (
    ("hclic_assessments", "Households assessed for a homelessness duty (initial assessments)", "count", 1,
     "households", "no_judgement", "quarterly"),
    ("hclic_duty_owed", "Households owed a prevention or relief duty", "count", 1, "households", "lower_is_better",
     "quarterly"),
    ("hclic_prevention_duty", "Households threatened with homelessness: prevention duty owed", "count", 1,
     "households", "lower_is_better", "quarterly"),
    ("hclic_prevention_section21", "Prevention duties owed because of a section 21 notice (end of an assured "
     "shorthold tenancy)", "count", 1, "households", "lower_is_better", "quarterly"),
    ("hclic_relief_duty", "Households homeless: relief duty owed", "count", 1, "households", "lower_is_better",
     "quarterly"),
    ("hclic_no_duty", "Households assessed as neither homeless nor threatened within 56 days (no duty owed)",
     "count", 1, "households", "no_judgement", "quarterly"),
    ("hclic_duty_owed_per_1000", "Households owed a prevention or relief duty per 1,000 households (computed from "
     "counts)", "crude_rate", 1000, "per 1,000 households", "lower_is_better", "quarterly"),
    ("hclic_prevention_per_1000", "Households owed a prevention duty (threatened with homelessness) per 1,000 "
     "households", "crude_rate", 1000, "per 1,000 households", "lower_is_better", "quarterly"),
    ("hclic_relief_per_1000", "Households owed a relief duty (homeless) per 1,000 households", "crude_rate", 1000,
     "per 1,000 households", "lower_is_better", "quarterly"),
    ("hclic_ta_households", "Households in temporary accommodation at the end of the quarter (by type)", "count", 1,
     "households", "lower_is_better", "quarterly"),
    ("hclic_ta_per_1000", "Households in temporary accommodation per 1,000 households (end of quarter)",
     "crude_rate", 1000, "per 1,000 households", "lower_is_better", "quarterly"),
    ("hclic_ta_with_children", "Households with children in temporary accommodation (end of quarter)", "count", 1,
     "households", "lower_is_better", "quarterly"),
    ("hclic_ta_children", "Children in temporary accommodation (end of quarter)", "count", 1, "children",
     "lower_is_better", "quarterly"),
    ("hclic_ta_out_of_district", "Households in temporary accommodation in another local authority district (end of "
     "quarter; may include duty owed, no accommodation secured)", "count", 1, "households", "lower_is_better",
     "quarterly"),
)


# --- the long extract -----------------------------------------------------------------------------------------
def _read_extract(root: Path, rel: str, wanted: set[str]) -> pd.DataFrame:
    """The extract rows of the ``wanted`` measures (a key, or ``ta1_col<n>`` for unkeyed TA1 columns), checked.

    Adds ``measure`` (that harmonised name) and keeps the header wording as ``measure_text``. Columns with few
    distinct values are read as categories: the file has 318,800 rows.
    """
    path = check_file(Path(root) / rel, what=f"file {rel}")
    try:
        require_columns(pd.read_csv(path, nrows=0, encoding="utf-8-sig"), COLUMNS, file=rel)
        t = pd.read_csv(path, usecols=COLUMNS, dtype={c: "category" for c in COLUMNS if c != "value"} | {"value": str},
                        keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"The extract cannot be read as CSV ({exc}).", file=rel,
                        expected="the long H-CLIC extract (UTF-8 CSV, gzip)") from None
    if t.empty:
        raise DataError("The extract has a header but no data rows.", file=rel, expected="at least one data row")
    positions = pd.to_numeric(pd.Series(t["col_index"].cat.categories), errors="coerce")
    bad = t["col_index"].isin(t["col_index"].cat.categories[positions.isna().to_numpy()]).to_numpy()
    if bad.any():
        raise DataError("Column col_index has values that are not column numbers.", file=rel, column="col_index",
                        rows=data_rows(t.index[bad]), values=t.loc[bad, "col_index"].head(5).tolist(),
                        expected="whole numbers (the workbook column, A = 0)")
    quarter_periods(t["quarter_end"], file=rel, column="quarter_end")  # every quarter label must be one
    column_names = {c: f"ta1_col{int(p)}" for c, p in zip(t["col_index"].cat.categories, positions)}
    keyed = t["measure_key"].isin(wanted).to_numpy()
    unkeyed = ((t["measure_key"] == "") & (t["table"] == "TA1")).to_numpy()
    by_position = t["col_index"].map(column_names).astype(object)
    unkeyed &= by_position.isin(wanted).to_numpy()
    t = t[keyed | unkeyed].rename(columns={"measure": "measure_text"})
    t["measure"] = np.where(keyed[keyed | unkeyed], t["measure_key"].astype(object), by_position[t.index])
    for col in ("quarter_end", "area_code"):
        t[col] = t[col].astype(object)
    return t


def _check_ta1_headers(t: pd.DataFrame, rel: str) -> None:
    """Unkeyed TA1 columns are taken by position: their header must say what they hold, every quarter."""
    for position, (what, words) in TA1_COLUMNS.items():
        part = t[t["measure"] == f"ta1_col{position}"]
        codes, headers = pd.factorize(part["measure_text"].astype(object))
        headers = pd.Series(headers, dtype=object).str.lower()
        wrong = (~headers.str.contains(words, regex=False) | headers.str.contains("with children")).to_numpy()
        bad = wrong[codes] if len(codes) else np.zeros(0, bool)
        if bad.any():
            raise DataError(f"TA1 column {position} does not hold {what} in some quarters.", file=rel,
                            column="measure", rows=data_rows(part.index[bad]),
                            values=part.loc[bad, "measure_text"].astype(str).head(3).tolist(),
                            expected=f"a header containing {words!r}")


def _parse(t: pd.DataFrame, rel: str) -> pd.DataFrame:
    """Numbers from the ``value`` text; markers become missing numbers with their reason."""
    number = pd.to_numeric(t["value"], errors="coerce")
    missing = number.isna().to_numpy()
    reason = pd.Series("", index=t.index, dtype=object)
    text = t.loc[missing, "value"].str.strip()
    reason[missing] = text.map(MARKERS).where(text != "", "blank in the extract")
    bad = missing & reason.isna().to_numpy()
    if bad.any():
        raise DataError("Column value holds text that is neither a number nor a known marker.", file=rel,
                        column="value", rows=data_rows(t.index[bad]), values=t.loc[bad, "value"].head(5).tolist(),
                        expected="numbers or one of the markers " + ", ".join(MARKERS))
    negative = (number < 0).to_numpy()
    if negative.any():
        raise DataError("Column value has negative numbers.", file=rel, column="value",
                        rows=data_rows(t.index[negative]), expected="counts and rates of zero or more")
    return t.assign(number=number, reason=reason)


def _one_per_key(t: pd.DataFrame, rel: str) -> tuple[pd.DataFrame, pd.Series]:
    """Areas a workbook lists twice (London) must agree; published rates that do not are set aside with a note."""
    keys = ["quarter_end", "area_code", "measure"]
    dup = t[t.duplicated(keys, keep=False)]
    values = dup.groupby(keys)["value"].agg(lambda s: " and ".join(sorted(set(s))))
    differ = values[values.str.contains(" and ")]
    rates = {r for _, r, _ in RATES.values() if r}
    wrong = differ[~differ.index.get_level_values(2).isin(rates)]
    if len(wrong):
        rows = dup.set_index(keys).index.isin(wrong.index)
        raise DataError("An area is listed twice in a quarter with different figures.", file=rel, column="value",
                        rows=data_rows(dup.index[rows]), values=[f"{k}: {v}" for k, v in wrong.head(3).items()],
                        expected="the same figures wherever an area is repeated")
    t = t.drop_duplicates(keys, keep="first")
    conflict = t.set_index(keys).index.isin(differ.index)
    t.loc[conflict, ["number", "reason"]] = [np.nan, ""]
    return t, differ


def _bases(wide: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Area and period columns of every row of ``wide``: A1 (flows over the quarter) and TA1 (last day) periods."""
    codes = pd.Series(np.asarray(wide.index.get_level_values(1), dtype=object))
    periods = quarter_periods(pd.Series(np.asarray(wide.index.get_level_values(0), dtype=object)), file=EXTRACT,
                              column="quarter_end")
    flow = pd.DataFrame({"area_code": codes.to_numpy(), "area_type": np.select(
        [codes.eq(ENGLAND), codes.str.startswith("E12")], ["country", "region"], "la"),
        "period": periods["period"].to_numpy(), "period_start": periods["period_start"].to_numpy(),
        "period_end": periods["period_end"].to_numpy()})
    return flow, flow.assign(period_start=flow["period_end"])


def _frame(indicator_id: str, base: pd.DataFrame, **columns) -> pd.DataFrame:
    out = base.assign(indicator_id=indicator_id)
    for name, col in columns.items():
        out[name] = col.to_numpy() if isinstance(col, pd.Series) else col
    return out


def _rate(indicator_id: str, wide: pd.DataFrame, reasons: pd.DataFrame, base: pd.DataFrame,
          conflicts: pd.Series) -> pd.DataFrame:
    """A rate per 1,000 households: published where it is (checked against its count), else computed."""
    count_key, rate_key, hh_key = RATES[indicator_id]
    count = wide[count_key]
    thousands = wide["hh_a1"].fillna(wide["ta1_col5"]) if hh_key == "hh_a1" else wide["ta1_col5"]
    households = (thousands * 1000).round(0)  # published in thousands to 3 decimals: whole households
    lim = limits(count, households, "crude_rate", 1000)
    computed = pd.Series(lim["value"], index=wide.index)
    note = reasons[count_key].fillna("")
    note = note.mask((note == "") & count.notna() & households.isna(), "no households in area figure")
    value = computed
    if rate_key is not None:
        published, why = wide[rate_key], reasons[rate_key]  # why: NaN = not in this quarter's table
        # Totals are rounded to the nearest 10 and some workbooks round households in area: allow both, plus 1%.
        agree = (published - computed).abs() <= 0.01 * computed + 5.5 * 1000 / households
        use = published.notna() & (computed.isna() | agree)
        value = published.where(use, computed)
        own = computed.notna() & ~use
        mine = conflicts[conflicts.index.get_level_values(2) == rate_key].droplevel(2)
        twice = mine.reindex(wide.index).fillna("")
        source = np.where(wide["hh_a1"].isna() & (hh_key == "hh_a1"), " (table TA1)", "")
        for mask, text in (
                (own & why.isna(), "rate not published this quarter: computed from the count and households in area"
                 + pd.Series(source, index=wide.index)),
                (own & why.fillna("").ne(""), "published rate " + why.fillna("")
                 + ": computed from the count and households in area"),
                (own & published.isna() & (twice != ""), "the workbook lists this area twice with different rates ("
                 + twice + "): computed from the count and households in area"),
                (own & published.notna(), "published rate " + published.map("{:.3f}".format)
                 + " does not match the count and households in area: computed value given"),
                (use & computed.isna(), "as published (no count or households in area for an interval)")):
            note = note.mask(mask, text)
    present = count.notna() & households.notna()
    return _frame(indicator_id, base, count=count.where(present), denominator=households.where(present),
                  value=value, value_note=note, lower_ci_95=lim["lower_ci_95"], upper_ci_95=lim["upper_ci_95"],
                  lower_ci_99_8=lim["lower_ci_99_8"], upper_ci_99_8=lim["upper_ci_99_8"])


def read(root: Path) -> PublishedSeries:
    """Tables A1 and TA1 for every quarter and area of the long extract, as validated canonical tables."""
    root = Path(root)
    wanted = (set(COUNTS) | {r for spec in RATES.values() for r in spec[:2] if r} | {"a1_households_in_area_000s"}
              | {f"ta1_col{p}" for p in TA1_COLUMNS})
    t = _read_extract(root, EXTRACT, wanted)
    _check_ta1_headers(t, EXTRACT)
    t, conflicts = _one_per_key(_parse(t, EXTRACT), EXTRACT)
    index = ["quarter_end", "area_code"]
    names = {"a1_households_in_area_000s": "hh_a1"}
    wide, reasons = (t.pivot(index=index, columns="measure", values=col).reindex(columns=sorted(wanted))
                     .rename(columns=names) for col in ("number", "reason"))
    flow, snapshot = _bases(wide)
    frames = []
    for key, indicator_id in COUNTS.items():
        frames.append(_frame(indicator_id, snapshot if key.startswith(SNAPSHOT) else flow, count=wide[key],
                             value=wide[key], value_note=reasons[key].fillna("not in this quarter's table")))
    for position, (category, _) in TA1_COLUMNS.items():
        if position in (5, 31):
            continue
        key = f"ta1_col{position}"
        frames.append(_frame("hclic_ta_households", snapshot, count=wide[key], value=wide[key],
                             value_note=reasons[key].fillna("not in this quarter's table"), category_type="ta_type",
                             category=category))
    for indicator_id, (count_key, _, _) in RATES.items():
        frames.append(_rate(indicator_id, wide, reasons, snapshot if count_key.startswith(SNAPSHOT) else flow,
                            conflicts))
    return finish(frames, indicators(root), root=root, folder=FOLDER, source=EXTRACT, files=[EXTRACT])


def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    return indicator_table(INDICATORS, source=SOURCE, licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


__all__ = ["read", "indicators", "INDICATORS", "MARKERS", "FOLDER", "EXTRACT", "WORKBOOKS"]
