"""NHS England monthly activity (``nhs/monthly_activity_2008_2023/``): two series in their official monthly layouts.

- ``ae_sitrep_provider_2020_2023/<Month><Year>.csv``: the A&E attendances and emergency admissions monthly SitRep by
  provider, January 2020 to January 2023 (37 files in four header layouts: "Number of A&E attendances Type 1" or "A&E
  attendances Type 1", booked appointments from April 2021). Per provider (area type ``trust``: whole-trust figures)
  and for England (the file's TOTAL row, which counts every provider): attendances (all department types, with
  booked appointments, and by department type as ``category_type`` ``department_type``), the share seen within
  four hours (1 - attendances over four hours / attendances, Wilson limits), emergency admissions (via A&E and
  other) and patients waiting over 12 hours from the decision to admit. Ids ``nhse_sitrep_*``, apart from
  :mod:`.nhs_trusts`' ``nhse_ae_*`` (April 2021 onwards, from another publication of the same return): for the
  months both cover they agree (the tests check Barts Health).
- ``mar_commissioner_2008_2013/<Month><Year>.csv``: the Monthly Activity Return by commissioner, April 2008 to March
  2013: elective and non-elective general and acute admissions, GP referrals made and first outpatient attendances,
  for England and every primary care trust (area type ``pct``: Tower Hamlets PCT is 5C4; a commissioner's figures).
  Files of April 2012 to March 2013 give strategic health authorities only, which are not canonical areas: they
  give England alone. Numbers carry thousands separators and tabs ("\t1,541"); "-" becomes a missing value with
  the reason kept.

Periods are months (``"2021-01"``), from the file names, checked against the month each file states.
``read(root)`` returns the :class:`~.series.PublishedSeries`.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import month_periods
from thanalysis.data.published.series import ENGLAND, PublishedSeries, finish, indicator_table, limits, parse_published
from thanalysis.data.readers import check_file
from thanalysis.errors import DataError

FOLDER = "nhs/monthly_activity_2008_2023"
AE, MAR = f"{FOLDER}/ae_sitrep_provider_2020_2023", f"{FOLDER}/mar_commissioner_2008_2013"  # one file a month each
SOURCE = ("NHS England / Department of Health (Unify2): A&E attendances and emergency admissions monthly SitRep by "
          "provider, and the Monthly Activity Return by commissioner; copies in tom-tj/London-Healthcare-Dashboard")
LICENCE = "Open Government Licence v3.0 (not stated in the copy)"
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
DEPARTMENTS = {"type 1": "Type 1", "type 2": "Type 2", "other": "Other A&E department"}
#: What the Monthly Activity Return writes instead of a number ("- 0" in some cells).
MAR_MARKERS = {"-": "shown as '-' in the table", "- 0": "shown as '- 0' in the table"}
#: MAR column (lower case, spaces squeezed, "attendnces" spelt right) → indicator id.
MAR_MEASURES = {"elective g&a total admissions (ffces)": "nhse_mar_elective_admissions",
                "total non-elective g&a admissions (ffces)": "nhse_mar_non_elective_admissions",
                "gp referrals made (all specialties)": "nhse_mar_gp_referrals",
                "all 1st outpatient attendances (g&a)": "nhse_mar_first_outpatient_attendances"}
_WHOLE = " (whole trust; A&E SitRep)"
INDICATORS = (
    ("nhse_sitrep_ae_attendances", "A&E attendances, all department types, booked appointments included" + _WHOLE,
     "count", 1, "attendances", "no_judgement", "monthly"),
    ("nhse_sitrep_ae_4hr", "A&E attendances seen within 4 hours, all department types" + _WHOLE, "proportion", 100,
     "%", "higher_is_better", "monthly"),
    ("nhse_sitrep_emergency_admissions", "Emergency admissions, via A&E and other" + _WHOLE, "count", 1,
     "admissions", "no_judgement", "monthly"),
    ("nhse_sitrep_12hr_waits_from_dta", "Patients waiting over 12 hours in A&E from the decision to admit" + _WHOLE,
     "count", 1, "patients", "lower_is_better", "monthly"),
    ("nhse_mar_elective_admissions", "Elective general and acute admissions (FFCEs), by commissioner (MAR)", "count",
     1, "admissions", "no_judgement", "monthly"),
    ("nhse_mar_non_elective_admissions", "Non-elective general and acute admissions (FFCEs), by commissioner (MAR)",
     "count", 1, "admissions", "no_judgement", "monthly"),
    ("nhse_mar_gp_referrals", "GP referrals made, all specialties, by commissioner (MAR)", "count", 1, "referrals",
     "no_judgement", "monthly"),
    ("nhse_mar_first_outpatient_attendances", "First consultant outpatient attendances (G&A), by commissioner (MAR)",
     "count", 1, "attendances", "no_judgement", "monthly"),
)


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    return indicator_table(INDICATORS, source=SOURCE, licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


def _monthly_files(root: Path, folder: str) -> list[tuple[str, pd.Timestamp]]:
    """(relative path, first day of its month) of every ``<Month><Year>.csv`` of ``folder``, oldest first."""
    found = []
    for path in (root / folder).glob("*.csv"):
        m = re.fullmatch(r"([A-Za-z]+)(\d{4})\.csv", path.name)
        if not m or m.group(1).lower() not in MONTHS:
            raise DataError("A file whose name is not a month.", file=f"{folder}/{path.name}",
                            expected="files named <Month><Year>.csv, e.g. January2021.csv")
        found.append((f"{folder}/{path.name}", pd.Timestamp(int(m.group(2)), MONTHS.index(m.group(1).lower()) + 1, 1)))
    if not found:
        raise DataError("No monthly files found.", file=folder,
                        hint="run `thanalysis data fetch` to fill the data root")
    return sorted(found, key=lambda f: f[1])


# --- A&E SitRep -----------------------------------------------------------------------------------------------
def _ae_columns(header: list[str]) -> dict[str, list[int]]:
    """Positions of the attendance, over-4-hour, admission and 12-hour columns, by what they hold."""
    norm = [re.sub(r"\s+", " ", h).strip().lower().removeprefix("number of ") for h in header]
    out: dict[str, list[int]] = {"attend": [], "over4": [], "admit": [], "wait12": []}
    for i, h in enumerate(norm):
        if h.startswith("a&e attendances"):
            out["attend"].append(i)
        elif h.startswith("attendances over 4hrs"):
            out["over4"].append(i)
        elif h.startswith(("emergency admissions via a&e", "other emergency admissions")):
            out["admit"].append(i)
        elif h.startswith("patients who have waited 12+ hrs"):
            out["wait12"].append(i)
    if not all(out.values()) or len(out["attend"]) != len(out["over4"]):
        raise DataError("The A&E SitRep header lacks columns this reader reads.", column="header",
                        values=header[4:8], expected="A&E attendances, attendances over 4hrs (each by department "
                        "type), emergency admissions and 12-hour waits from the decision to admit")
    return out


def _ae_file(root: Path, rel: str, month: pd.Timestamp) -> list[pd.DataFrame]:
    t = pd.read_csv(check_file(root / rel), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    t.columns = [str(c).lstrip("\ufeff") for c in t.columns]
    cols = _ae_columns(list(t.columns))
    stated = t["Period"].str.upper().str.extract(r"MSITAE-([A-Z]+)-(\d{4})").dropna().drop_duplicates()
    if len(stated) != 1 or (stated.iloc[0, 0].lower(), int(stated.iloc[0, 1])) != (MONTHS[month.month - 1],
                                                                                    month.year):
        raise DataError("The file's Period is not the month of its name.", file=rel, column="Period",
                        values=t["Period"].head(2).tolist(), expected=f"MSitAE-{MONTHS[month.month - 1].upper()}-"
                        f"{month.year}")
    total = t["Org name"].str.strip().str.upper().eq("TOTAL")
    t = t[total | t["Org Code"].str.fullmatch(r"[A-Z0-9]{3,5}")]
    codes = np.where(total[t.index], ENGLAND, t["Org Code"].str.strip())
    areas = np.where(total[t.index], "country", "trust")
    num = {k: [parse_published(t.iloc[:, i], file=rel, column=t.columns[i], markers={})[0].fillna(0) for i in v]
           for k, v in cols.items()}
    attend, over4 = sum(num["attend"]), sum(num["over4"])
    base = dict(area_code=codes, area_type=areas, month=month,
                value_note=np.where(total[t.index], "the file's TOTAL row (every provider)", ""))
    frames = [pd.DataFrame({**base, "indicator_id": "nhse_sitrep_ae_attendances", "count": attend, "value": attend}),
              pd.DataFrame({**base, "indicator_id": "nhse_sitrep_ae_4hr", "count": attend - over4,
                            "denominator": attend, **limits(attend - over4, attend, "proportion", 100)}),
              pd.DataFrame({**base, "indicator_id": "nhse_sitrep_emergency_admissions", "count": sum(num["admit"]),
                            "value": sum(num["admit"])}),
              pd.DataFrame({**base, "indicator_id": "nhse_sitrep_12hr_waits_from_dta", "count": num["wait12"][0],
                            "value": num["wait12"][0]})]
    by_type: dict[str, pd.Series] = {}
    for i, series in zip(cols["attend"], num["attend"]):
        kind = next(v for k, v in DEPARTMENTS.items() if k in t.columns[i].lower())
        by_type[kind] = by_type.get(kind, 0) + series
    frames += [pd.DataFrame({**base, "indicator_id": "nhse_sitrep_ae_attendances", "count": v, "value": v,
                             "category_type": "department_type", "category": kind}) for kind, v in by_type.items()]
    return frames


# --- Monthly Activity Return ----------------------------------------------------------------------------------
def _mar_file(root: Path, rel: str, month: pd.Timestamp) -> list[pd.DataFrame]:
    lines = pd.read_csv(check_file(root / rel), dtype=str, keep_default_na=False, header=None, encoding="utf-8-sig")
    head = np.flatnonzero(lines.apply(lambda r: "Year" in set(r.str.strip()) and "Period" in set(r.str.strip()),
                                      axis=1))
    if not len(head):
        raise DataError("The file has no header line.", file=rel, expected="a line with Year, Period and the measures")
    header = [re.sub(r"\s+", " ", h).strip().lower().replace("attendnces", "attendances") for h in lines.iloc[head[0]]]
    missing = [m for m in MAR_MEASURES if m not in header]
    if missing:
        raise DataError("The file lacks measures this reader reads.", file=rel, column=", ".join(missing),
                        expected="the Monthly Activity Return's columns")
    t = lines.iloc[head[0] + 1:]
    t = t[t.iloc[:, header.index("year")].str.fullmatch(r"\d{4}-\d{2}")]
    stated = set(t.iloc[:, header.index("period")].str.strip().str.lower())
    if stated != {MONTHS[month.month - 1]}:
        raise DataError("The file's Period is not the month of its name.", file=rel, column="Period",
                        values=sorted(stated)[:3], expected=MONTHS[month.month - 1].upper())
    name = t.iloc[:, header.index("org name")] if "org name" in header else t.iloc[:, header.index("sha name")]
    code = t.iloc[:, header.index("org code")] if "org code" in header else pd.Series("", index=t.index)
    sha = t.iloc[:, header.index("sha code")].str.strip()
    england = name.str.strip().str.lower().eq("england")
    pct = (sha != "") & code.str.strip().str.fullmatch(r"[0-9A-Z]{3}") & ("org code" in header)
    t, codes = t[england | pct], np.where(england[england | pct], ENGLAND, code[england | pct].str.strip())
    t.index = t.index - head[0] - 1  # data rows as a person counts them under the header line
    frames = []
    for column, indicator_id in MAR_MEASURES.items():
        number, note = parse_published(t.iloc[:, header.index(column)], file=rel, column=column, markers=MAR_MARKERS)
        frames.append(pd.DataFrame({"indicator_id": indicator_id, "area_code": codes,
                                    "area_type": np.where(codes == ENGLAND, "country", "pct"), "month": month,
                                    "count": number, "value": number, "value_note": note}))
    return frames


def read(root: str | os.PathLike) -> PublishedSeries:
    """Both monthly series of the folder as validated canonical tables (see the module docstring)."""
    root = Path(root)
    ae, mar = _monthly_files(root, AE), _monthly_files(root, MAR)
    frames = [f for rel, month in ae for f in _ae_file(root, rel, month)]
    frames += [f for rel, month in mar for f in _mar_file(root, rel, month)]
    values = pd.concat(frames, ignore_index=True)
    periods = month_periods(values.pop("month"))
    values = pd.concat([values, periods], axis=1)
    return finish([values], indicators(root), root=root, folder=FOLDER, source=FOLDER,
                  files=[rel for rel, _ in ae + mar])


__all__ = ["read", "indicators", "INDICATORS", "MAR_MEASURES", "FOLDER", "AE", "MAR"]
