"""Oflog adult social care measures by upper-tier local authority (``social_care/oflog_asc/ASC_data.csv``).

Seven measures (Oflog codes ASC1–ASC7) from ASCOF's surveys of service users and carers, SALT and Skills for Care,
for 152 upper-tier authorities by financial year, 2015-16 to 2022-23 (the carers' survey measures ASC1 and ASC4
every other year). Periods are financial years ``"2022/23"`` (1 April to 31 March); area type ``la``.

Only ``Value`` is read into the values table: Oflog's ``MEDIAN``, ``MADs_from_median`` and ranks compare authorities
and are not values. Polarity comes from the file's ``rank_order`` of each measure (``desc``: Oflog ranks the highest
value first, so higher is better; ``asc``: lower is better; ``None``: Oflog makes no judgement, as for requests
resulting in a service and workforce turnover); :data:`MEASURES` states each polarity and :func:`read` checks it
against the file. A blank ``Value`` (most years of workforce turnover) is a missing
value with a note. The file gives no counts, so there are no intervals.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows, financial_year_periods
from thanalysis.data.published.series import PublishedSeries, finish, indicator_table, read_table
from thanalysis.errors import DataError

FOLDER = "social_care/oflog_asc"
FILE = f"{FOLDER}/ASC_data.csv"
SOURCE = ("Office for Local Government (Oflog) Local Authority Data Explorer, adult social care measures (from "
          "NHS England ASCOF surveys, SALT and Skills for Care); copy in communitiesuk/oflog-automated-text")
LICENCE = "Open Government Licence v3.0 (not stated in the copy; the underlying statistics are OGL)"
YEAR, CODE, MEASURE, VALUE, RANK = "Financial year", "Local authority code", "Code", "Value", "rank_order"

#: Oflog code → (indicator_id, name, value_type, multiplier, unit, polarity, frequency). The polarity is the one
#: Oflog's ranking implies; :func:`read` checks it against the file's ``rank_order``.
MEASURES = {
    "ASC1": ("oflog_asc_carer_qol", "Carer-reported quality of life, mean score out of 12 (Oflog ASC1)", "mean",
             1, "score (0-12)", "higher_is_better", "biennial (financial year)"),
    "ASC2": ("oflog_asc_qol_impact", "Social care-related quality of life: impact of adult social care services, "
             "adjusted score (Oflog ASC2)", "other", 1, "score", "higher_is_better", "annual (financial year)"),
    "ASC3": ("oflog_asc_info_users", "Service users who find it easy to find information about services (Oflog "
             "ASC3)", "proportion", 100, "%", "higher_is_better", "annual (financial year)"),
    "ASC4": ("oflog_asc_info_carers", "Carers who find it easy to find information about support (Oflog ASC4)",
             "proportion", 100, "%", "higher_is_better", "biennial (financial year)"),
    "ASC5": ("oflog_asc_short_term_outcome", "Short-term support with no further request for support, sequel to "
             "service (Oflog ASC5)", "proportion", 100, "%", "higher_is_better", "annual (financial year)"),
    "ASC6": ("oflog_asc_requests_service", "Requests for support from new clients that resulted in a service, per "
             "100,000 adults (Oflog ASC6)", "crude_rate", 100000, "per 100,000 adults", "no_judgement",
             "annual (financial year)"),
    "ASC7": ("oflog_asc_workforce_turnover", "Adult social care workforce turnover rate (Skills for Care; Oflog "
             "ASC7)", "proportion", 100, "%", "no_judgement", "annual (financial year)"),
}
POLARITY = {"desc": "higher_is_better", "asc": "lower_is_better", "none": "no_judgement"}


def _check_polarities(t: pd.DataFrame) -> None:
    """Each measure's rank_order (desc, asc or None/blank) must give the polarity :data:`MEASURES` states."""
    order = t[RANK].fillna("").str.strip().str.lower()
    unknown = (order != "") & ~order.isin(list(POLARITY))
    if unknown.any():
        raise DataError("Column rank_order has values that are not a ranking direction.", file=FILE, column=RANK,
                        rows=data_rows(t.index[unknown]), values=t.loc[unknown, RANK].head(5).tolist(),
                        expected="desc, asc or None (blank where the value is blank)")
    stated = t[MEASURE].map({code: spec[5] for code, spec in MEASURES.items()})
    found = order.map(POLARITY)
    wrong = (order != "") & (found != stated)
    if wrong.any():
        code = t.loc[wrong, MEASURE].iloc[0]
        raise DataError(f"Measure {code} is ranked {t.loc[wrong, RANK].iloc[0]!r}, which is not the polarity this "
                        f"reader gives it ({MEASURES[code][5]}).", file=FILE, column=RANK,
                        rows=data_rows(t.index[wrong & (t[MEASURE] == code)]),
                        expected="desc for higher_is_better, asc for lower_is_better, None for no_judgement",
                        hint="if Oflog changed the direction, change the measure's polarity in MEASURES "
                             "(thanalysis/data/published/social_care.py)")


def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`MEASURES`; no file is read)."""
    rows = [(ind, name, value_type, multiplier, unit, polarity, frequency)
            for ind, name, value_type, multiplier, unit, polarity, frequency in MEASURES.values()]
    return indicator_table(rows, source=SOURCE, licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


def read(root: Path) -> PublishedSeries:
    """The seven Oflog adult social care measures for every authority and year, as validated canonical tables."""
    root = Path(root)
    t = read_table(root, FILE, text=[YEAR, CODE, MEASURE, RANK], numeric=[VALUE])
    unknown = ~t[MEASURE].isin(list(MEASURES))
    if unknown.any():
        raise DataError("Column Code has measures this reader does not know.", file=FILE, column=MEASURE,
                        rows=data_rows(t.index[unknown]), values=sorted(set(t.loc[unknown, MEASURE].astype(str)))[:5],
                        expected=", ".join(MEASURES))
    bad = ~t[CODE].fillna("").str.fullmatch(r"E\d{8}")
    if bad.any():
        raise DataError("Column Local authority code has values that are not ONS codes.", file=FILE, column=CODE,
                        rows=data_rows(t.index[bad]), values=t.loc[bad, CODE].head(5).tolist(),
                        expected="codes such as E09000030")
    dup = t.duplicated([YEAR, CODE, MEASURE], keep=False)
    if dup.any():
        raise DataError(f"{int(dup.sum())} rows repeat a year, authority and measure.", file=FILE,
                        column=f"{YEAR}, {CODE}, {MEASURE}", rows=data_rows(t.index[dup]),
                        expected="one row per financial year, authority and measure")
    periods = financial_year_periods(t[YEAR], file=FILE, column=YEAR)
    _check_polarities(t)
    values = pd.DataFrame({
        "indicator_id": t[MEASURE].map({code: spec[0] for code, spec in MEASURES.items()}).to_numpy(),
        "area_code": t[CODE].to_numpy(), "area_type": "la", "period": periods["period"].to_numpy(),
        "period_start": periods["period_start"].to_numpy(), "period_end": periods["period_end"].to_numpy(),
        "value": t[VALUE].to_numpy(),
        "value_note": np.where(t[VALUE].isna(), "not published (blank in Oflog's file)", ""),
    })
    return finish([values], indicators(root), root=root, folder=FOLDER, source=FILE, files=[FILE])


__all__ = ["read", "indicators", "MEASURES", "FOLDER"]
