"""MHCLG's original H-CLIC workbooks (``homelessness/hclic/original_xlsx/``) checked against the long extract.

:func:`read_workbook` reads the headline measures of tables A1 and TA1 of one workbook (multi-row headers, merged
cells and pivot-table labels; openpyxl); :func:`check_against_workbooks` compares every such cell with the long
extract that :mod:`.homelessness` reads, and :func:`checks` gives the result to ``thanalysis data check``. Kept apart
from the reader so that reading the series never imports openpyxl.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from thanalysis.data.published.homelessness import EXTRACT, WORKBOOKS
from thanalysis.data.published.series import Check
from thanalysis.data.readers import check_file
from thanalysis.errors import DataError

_SHEETS = {"A1": re.compile(r"^A1(\s|$)"), "TA1": re.compile(r"^TA1(\s|$)")}
_QUARTER = re.compile(r"(?:january|april|july|october) to (march|june|september|december),?\s+(\d{4})", re.I)
_END_MONTH = {"march": "03", "june": "06", "september": "09", "december": "12"}
#: Headline measures in the workbooks: key → (table, words the joined header holds, words it must not hold).
HEADERS = {
    "a1_total_initial_assessments": ("A1", ["total initial assessments"], []),
    "a1_owed_prevention_or_relief_duty": ("A1", ["owed a duty"], ["prevention duty owed", "relief duty owed",
                                                                   "section 21"]),
    "a1_prevention_duty_owed": ("A1", ["prevention duty owed"], ["section 21"]),
    "a1_prevention_duty_section21": ("A1", ["section 21"], []),
    "a1_relief_duty_owed": ("A1", ["relief duty owed"], []),
    "a1_not_homeless_no_duty": ("A1", ["within 56 days", "no duty owed"], ["withdrew", "eligible"]),
    "a1_households_in_area_000s": ("A1", ["households in area", "(000s)"], ["per (000s)"]),
    "a1_threatened_per_1000_households": ("A1", ["threatened with homelessness", "per (000s)"], []),
    "a1_homeless_per_1000_households": ("A1", ["assessed as homeless", "per (000s)"], []),
    "ta1_households_in_ta_total": ("TA1", ["total number of households in ta"], ["per (000s)", "with children"]),
    "ta1_households_in_ta_per_1000": ("TA1", ["households in ta per"], []),
    "ta1_households_in_ta_with_children": ("TA1", ["households in ta with children"], []),
    "ta1_children_in_ta": ("TA1", ["number of children in ta"], []),
}


#: A1 columns that start in 2019 Q2 (absent from earlier workbooks).
RATES_FROM_2019 = ("a1_households_in_area_000s", "a1_threatened_per_1000_households", "a1_homeless_per_1000_households")


def _sheet_rows(wb, table: str, file: str) -> list[tuple]:
    names = [n for n in wb.sheetnames if _SHEETS[table].match(n)]
    if len(names) != 1:
        raise DataError(f"The workbook has {len(names)} sheets for table {table}.", file=file,
                        values=wb.sheetnames[:12], expected=f"one sheet named {table} (or '{table} - <quarter>')")
    return list(wb[names[0]].iter_rows(values_only=True))


def read_workbook(path: Path) -> pd.DataFrame:
    """The headline measures of tables A1 and TA1 of one original workbook, one row per area and measure.

    Headers span several rows (merged cells, and pivot-table labels in recent workbooks): each column's header is
    the text of every header row above the first data row, joined with " | ", and each measure is the one column
    whose header holds its words (:data:`HEADERS`). Data rows are those whose first cell is an ONS code. Columns:
    ``workbook, quarter_end, table, area_code, measure_key, value, row`` (``row``: the sheet row, 1-based).
    """
    path = check_file(path, what="H-CLIC workbook")
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors for a file that is not a workbook
        raise DataError(f"The file cannot be opened as an Excel workbook ({type(exc).__name__}).", file=path.name,
                        expected="an .xlsx workbook of MHCLG's detailed local authority tables") from None
    try:
        tables = {table: _sheet_rows(wb, table, path.name) for table in _SHEETS}
    finally:
        wb.close()
    title = str(tables["A1"][0][0] if tables["A1"] and tables["A1"][0] else "")
    found = _QUARTER.search(title)
    if not found:
        raise DataError("The A1 title does not name the quarter.", file=path.name, column="A1!A1", values=[title[:80]],
                        expected="a title ending like 'England, January to March 2019'")
    quarter_end = f"{found.group(2)}-{_END_MONTH[found.group(1).lower()]}"
    out = []
    for table, rows in tables.items():
        data = [i for i, r in enumerate(rows) if r and isinstance(r[0], str) and re.fullmatch(r"E\d{8}", r[0].strip())]
        if not data:
            raise DataError(f"Table {table} has no rows of areas.", file=path.name, column=f"{table}!A",
                            expected="rows whose first cell is an ONS code such as E09000030")
        width = max(len(r) for r in rows[:data[0]])
        headers = [" | ".join(str(r[c]) for r in rows[1:data[0]] if c < len(r) and r[c] not in (None, ""))
                   for c in range(width)]
        headers = [re.sub(r"\s+", " ", h).lower() for h in headers]
        for key, (tab, words, not_words) in HEADERS.items():
            if tab != table:
                continue
            cols = [c for c, h in enumerate(headers)
                    if all(w in h for w in words) and not any(w in h for w in not_words)]
            if len(cols) > 1 or (not cols and key not in RATES_FROM_2019):
                raise DataError(f"Table {table}: {len(cols)} columns look like {key}.", file=path.name,
                                column=f"{table} header", values=[headers[c] for c in cols][:3],
                                expected=f"one column whose header holds {', '.join(map(repr, words))}")
            for c in cols:
                out += [(path.name, quarter_end, table, rows[i][0].strip(), key,
                         rows[i][c] if c < len(rows[i]) else None, i + 1) for i in data]
    return pd.DataFrame(out, columns=["workbook", "quarter_end", "table", "area_code", "measure_key", "value", "row"])


def _normalised(values: pd.Series) -> pd.Series:
    """Cell values as comparable text: numbers to 10 significant figures (the extract writes floats as text)."""
    def one(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        try:
            return f"{float(v):.10g}"
        except (TypeError, ValueError):
            return str(v).strip()
    return values.map(one)


def check_against_workbooks(root: Path) -> pd.DataFrame:
    """Compare every headline cell of the original workbooks with the long extract, for the quarters both hold.

    One row per workbook quarter, area and measure: ``workbook_value`` and ``extract_value`` (as comparable text;
    an area listed twice gives both values joined by " ; "), and ``agree`` (same values, and the extract took that
    quarter from a file of the same name). Read-only; raises DataError only for unreadable files.
    """
    root = Path(root)
    folder = root / WORKBOOKS
    paths = sorted(folder.glob("*.xlsx")) if folder.is_dir() else []
    if not paths:
        raise DataError("No original workbooks to check against.", file=WORKBOOKS,
                        expected="the MHCLG .xlsx workbooks in original_xlsx/")
    books = pd.concat([read_workbook(p) for p in paths], ignore_index=True)
    extract = pd.read_csv(check_file(root / EXTRACT), dtype=str, keep_default_na=False,
                          usecols=["quarter_end", "source_file", "area_code", "measure_key", "value"])
    extract = extract[extract["quarter_end"].isin(books["quarter_end"]) & (extract["measure_key"] != "")]
    keys = ["quarter_end", "area_code", "measure_key"]

    def collapse(df: pd.DataFrame, what: str) -> pd.Series:
        return df.assign(v=_normalised(df["value"])).groupby(keys)["v"].agg(lambda s: " ; ".join(sorted(set(s)))) \
            .rename(what)

    both = pd.concat([collapse(books, "workbook_value"), collapse(extract, "extract_value")], axis=1).reset_index()
    files = books.groupby("quarter_end")["workbook"].first()
    sources = extract.groupby("quarter_end")["source_file"].agg(lambda s: set(s))
    both["workbook"] = both["quarter_end"].map(files)
    same_file = np.array([w in sources.get(q, set()) for q, w in zip(both["quarter_end"], both["workbook"])], bool)
    both["agree"] = both["workbook_value"].notna() & (both["workbook_value"] == both["extract_value"]) & same_file
    return both[["workbook", "quarter_end", "area_code", "measure_key", "workbook_value", "extract_value", "agree"]]


def checks(root: Path) -> list[Check]:
    """For ``thanalysis data check``: every headline cell of the original workbooks agrees with the long extract."""
    both = check_against_workbooks(root)
    wrong = both[~both["agree"]]
    quarters = ", ".join(sorted(both["quarter_end"].unique()))
    note = (f"tables A1 and TA1 of {both['workbook'].nunique()} workbooks ({quarters}): every cell agrees"
            if wrong.empty else
            f"{len(wrong)} of {len(both)} cells differ, e.g. {wrong.iloc[0]['workbook']} {wrong.iloc[0]['area_code']} "
            f"{wrong.iloc[0]['measure_key']}: workbook {wrong.iloc[0]['workbook_value']!r}, extract "
            f"{wrong.iloc[0]['extract_value']!r}")
    return [Check("hclic: original workbooks vs long extract", len(both), wrong.empty, note)]


__all__ = ["read_workbook", "check_against_workbooks", "checks", "HEADERS"]
