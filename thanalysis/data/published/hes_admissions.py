"""Hospital admissions in London from HES (``nhs/hes_admissions_london/``), two series the folder's SOURCE.md describes:

- ``borough_emergency_admissions_2003_2015/<yyyy-yy>-Table 1.csv``: emergency hospital admissions (all conditions,
  all ages) by London borough, London's sub-regions, the English regions and England, 2003/04 to 2014/15 (London
  Datastore, from HSCIC): continuous inpatient spells, resident population, the indirectly age and sex standardised
  rate per 100,000 and its 95% and 99.8% limits, as published (``hes_emergency_admissions_isr``; count = spells,
  denominator = residents). The 2009/10 and 2010/11 tables add banding columns (not read) and put each row's
  figures far to the right of their headers: the reader takes the eight figures of each row in the header's order.
  The workbook ``hospital-admissions-rates-borough.xls`` beside them is the original the CSVs were exported from.
  Use with care: Tower Hamlets' rate falls from about 10,400 (2007/08) to 3,400 (2008/09) and stays between 2,900
  and 4,500 to 2014/15, far below London's (about 7,800), because its recorded spells fall while the expected ones
  do not: a change in how admissions were recorded, shown as published, not a change in health.
- ``hes_ccg_of_responsibility_2015_2021/EmergencyAdmissions<yyyy-yy>.csv``: NHS Digital's HES Admitted Patient Care
  table by CCG of responsibility, 2015/16 to 2020/21, for every English CCG and England (the "Total" row): finished
  consultant episodes, admissions, emergency, waiting-list and planned admissions, mean and median length of stay.
  Area type ``ccg`` (Tower Hamlets CCG 08V is E38000186): a commissioner's figures, attributed by GP practice, not
  the residents of a borough. Twelve title and note lines stand above the header; numbers carry thousands separators
  and tabs; ``*`` (figures of 1 to 5, suppressed) becomes a missing value with the reason kept.

Periods are financial years (``"2014/15"``, 1 April 2014 to 31 March 2015), from the file names.
``read(root)`` returns the :class:`~.series.PublishedSeries`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows, financial_year_periods
from thanalysis.data.published.series import ENGLAND, PublishedSeries, finish, indicator_table, parse_published
from thanalysis.data.readers import check_file
from thanalysis.errors import DataError

FOLDER = "nhs/hes_admissions_london"
BOROUGHS = f"{FOLDER}/borough_emergency_admissions_2003_2015"
CCGS = f"{FOLDER}/hes_ccg_of_responsibility_2015_2021"
SOURCE = ("NHS Digital (HSCIC) Hospital Episode Statistics: emergency admissions by London borough (London Datastore) "
          "and Admitted Patient Care by CCG of responsibility; copies in tom-tj/London-Healthcare-Dashboard")
LICENCE = "Open Government Licence v3.0 (not stated in the copy)"
ISR = "hes_emergency_admissions_isr"
#: Columns of a borough table by position → (canonical column, words its header holds).
BOROUGH_COLUMNS = {0: ("area_code", "code"), 2: ("denominator", "population"), 3: ("count", "spells"),
                   5: ("value", "standardised rate"), 6: ("lower_ci_95", "lower limit of 95%"),
                   7: ("upper_ci_95", "upper limit of 95%"), 8: ("lower_ci_99_8", "lower limit of 99.8%"),
                   9: ("upper_ci_99_8", "upper limit of 99.8%")}
#: CCG table column → (indicator id, name, value_type, unit).
CCG_MEASURES = {
    "Finished consultant episodes": ("hes_ccg_episodes", "Finished consultant episodes", "count", "episodes"),
    "Admissions": ("hes_ccg_admissions", "Admissions (all methods)", "count", "admissions"),
    "Emergency": ("hes_ccg_emergency_admissions", "Emergency admissions", "count", "admissions"),
    "Waiting list": ("hes_ccg_waiting_list_admissions", "Waiting-list (elective) admissions", "count", "admissions"),
    "Planned": ("hes_ccg_planned_admissions", "Planned admissions", "count", "admissions"),
    "Mean length of stay": ("hes_ccg_mean_length_of_stay", "Mean length of stay", "mean", "days"),
    "Median length of stay": ("hes_ccg_median_length_of_stay", "Median length of stay", "other", "days"),
}
MARKERS = {"*": "suppressed: a figure from 1 to 5 (*)", "-": "shown as '-' in the table"}


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (no file is read)."""
    rows = [(ISR, "Emergency hospital admissions, all conditions, all ages: indirectly age and sex standardised rate "
             "per 100,000 residents", "other", 100000, "per 100,000 (indirectly age and sex standardised)",
             "lower_is_better", "annual (financial year)")]
    rows += [(i, f"{name}, by CCG of responsibility (HES Admitted Patient Care)", vt, 1, unit, "no_judgement",
              "annual (financial year)") for i, name, vt, unit in CCG_MEASURES.values()]
    return indicator_table(rows, source=SOURCE, licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


def _files(root: Path, folder: str, pattern: str) -> list[tuple[str, str]]:
    """(relative path, financial year "2014-15") of each file of ``folder`` whose name matches ``pattern``."""
    found = []
    for path in sorted((root / folder).glob("*.csv")):
        m = re.fullmatch(pattern, path.name)
        if m:
            found.append((f"{folder}/{path.name}", m.group(1)))
    if not found:
        raise DataError("No tables found.", file=folder, expected=f"CSV files named like {pattern}",
                        hint="run `thanalysis data fetch` to fill the data root")
    return found


def _area_types(codes: pd.Series) -> np.ndarray:
    return np.select([codes == ENGLAND, codes.str.match(r"E1[23]"), codes.str.startswith("E38")],
                     ["country", "region", "ccg"], "la")


def _boroughs(root: Path) -> list[pd.DataFrame]:
    frames = []
    for rel, year in _files(root, BOROUGHS, r"(\d{4}-\d{2})-Table 1\.csv"):
        t = pd.read_csv(check_file(root / rel), dtype=str, keep_default_na=False, encoding="utf-8-sig")
        headers = [re.sub(r"\s+", " ", str(c)).lower() for c in t.columns]
        for pos, (_, words) in BOROUGH_COLUMNS.items():
            if pos >= len(headers) or words not in headers[pos]:
                raise DataError(f"Column {pos + 1} of the table is not the one this reader expects.", file=rel,
                                column=t.columns[pos] if pos < len(headers) else f"column {pos + 1}",
                                expected=f"a header holding {words!r}")
        t = t[t.iloc[:, 0].str.fullmatch(r"E\d{8}")]
        # The figures are the row's eight filled cells after the area's name, in the header's order: in the 2009/10
        # and 2010/11 tables they stand far to the right of their headers (the rows carry ~240 empty cells).
        cells = [[c for c in row[2:] if str(c).strip()] for row in t.itertuples(index=False)]
        wrong = np.array([len(c) != 8 for c in cells], dtype=bool)
        if wrong.any():
            raise DataError("Rows without the eight figures of the table.", file=rel, column=t.columns[2],
                            rows=data_rows(t.index, wrong), expected="population, spells, expected spells, the "
                            "rate and its four limits")
        figures = pd.DataFrame([c[:2] + c[3:] for c in cells], index=t.index,
                               columns=[column for pos, (column, _) in BOROUGH_COLUMNS.items() if pos > 0])
        out = {"area_code": t.iloc[:, 0].to_numpy()}
        for column in figures.columns:
            out[column] = parse_published(figures[column], file=rel, column=column, markers=MARKERS)[0].to_numpy()
        frame = pd.DataFrame(out, index=t.index)
        frame["area_type"] = _area_types(frame["area_code"])
        frame["year"] = year
        frames.append(frame.assign(indicator_id=ISR, value_note=""))
    return frames


def _ccgs(root: Path) -> list[pd.DataFrame]:
    frames = []
    for rel, year in _files(root, CCGS, r"EmergencyAdmissions(\d{4}-\d{2})\.csv"):
        lines = pd.read_csv(check_file(root / rel), dtype=str, keep_default_na=False, header=None,
                            encoding="utf-8-sig")
        first = lines[0].str.contains("CCG of responsibility code", regex=False)
        if not first.any():
            raise DataError("The table has no header line.", file=rel, column="CCG of responsibility code",
                            expected="a header line starting 'CCG of responsibility code and description'")
        head = int(np.flatnonzero(first)[0])
        header = [str(c).strip() for c in lines.iloc[head]]
        missing = [m for m in ["ONS Geography Code", *CCG_MEASURES] if m not in header]
        if missing:
            raise DataError("The table lacks columns this reader reads.", file=rel, column=", ".join(missing),
                            expected="the columns of HES's CCG of responsibility table")
        t = lines.iloc[head + 1:].copy()
        # The first column of each name ("Emergency" is also a column of zero bed day cases further right).
        position = {name: header.index(name) for name in ["ONS Geography Code", *CCG_MEASURES]}
        code = t.iloc[:, position["ONS Geography Code"]].str.strip()
        total = t.iloc[:, 1].str.strip().eq("Total") & ~code.str.match(r"E38\d{6}")
        keep = code.str.match(r"E38\d{6}") | total
        t, codes = t[keep], np.where(total[keep], ENGLAND, code[keep])
        t.index = t.index - head - 1  # data rows as a person counts them under the header line
        for column, (indicator_id, _, value_type, _) in CCG_MEASURES.items():
            number, note = parse_published(t.iloc[:, position[column]], file=rel, column=column,
                                           markers=MARKERS)
            frames.append(pd.DataFrame({"indicator_id": indicator_id, "area_code": codes,
                                        "area_type": _area_types(pd.Series(codes)), "value": number,
                                        "count": number if value_type == "count" else np.nan, "value_note": note,
                                        "year": year}, index=t.index))
    return frames


def read(root: str | os.PathLike) -> PublishedSeries:
    """Both HES series of the folder as validated canonical tables (see the module docstring)."""
    root = Path(root)
    frames = _boroughs(root) + _ccgs(root)
    values = pd.concat(frames, ignore_index=True)
    periods = financial_year_periods(values.pop("year"), file=FOLDER, column="file name")
    values = pd.concat([values, periods], axis=1)
    files = sorted({*(rel for rel, _ in _files(root, BOROUGHS, r"(\d{4}-\d{2})-Table 1\.csv")),
                    *(rel for rel, _ in _files(root, CCGS, r"EmergencyAdmissions(\d{4}-\d{2})\.csv"))})
    return finish([values], indicators(root), root=root, folder=FOLDER, files=files, source=FOLDER)


__all__ = ["read", "indicators", "CCG_MEASURES", "ISR", "FOLDER", "BOROUGHS", "CCGS"]
