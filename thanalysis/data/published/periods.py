"""Typed periods of published series: the one home of every period rule the published readers share.

A period is ``(label, first day, last day)``; the canonical values table keeps them as ``period``,
``period_start`` and ``period_end``. The kinds published statistics use:

- a month ``"2025-04"`` (1 to 30 April 2025): :func:`month_starts`, :func:`month_periods`;
- a calendar quarter ``"2025 Q4"`` (1 October to 31 December 2025): :func:`quarter_periods`;
- a calendar year ``"2021"``: :func:`calendar_year`;
- a financial year ``"2024/25"`` (1 April 2024 to 31 March 2025): :func:`financial_year`,
  :func:`financial_year_periods`; an academic year ``"2024/25"`` (1 September 2024 to 31 August 2025):
  :func:`academic_year`; several of them together (``"2020/21 - 24/25"``) with :func:`year_span`;
- a rolling 3-year period ``"2022 - 24"`` (1 January 2022 to 31 December 2024), as Fingertips writes it:
  :func:`rolling_years`;
- a count on one day (children looked after "at 31 March"): :func:`snapshot`, start = end = that day.

:func:`typed_periods` turns a column of labels into the three columns, parsing each distinct label once and
naming the rows of a label that cannot be typed. Row numbers in errors follow
:class:`thanalysis.errors.DataError`: data rows as a person counts them under the header.
"""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd

from thanalysis.errors import DataError

#: ``(label, first day, last day)`` of one period.
Period = tuple[str, pd.Timestamp, pd.Timestamp]
PERIOD_COLUMNS = ["period", "period_start", "period_end"]
#: First month of a financial (April) and an academic (September) year.
FINANCIAL_START, ACADEMIC_START = 4, 9


def data_rows(labels: Iterable, mask=None) -> list[int]:
    """Data row numbers (1 = first row under the header) of index labels from ``pd.read_csv`` (of the labels where
    ``mask`` is true, when given)."""
    if mask is not None:
        labels = pd.Index(labels)[np.asarray(mask, dtype=bool)]
    return sorted(int(label) + 1 for label in labels)


# --- one period -----------------------------------------------------------------------------------------------
def span(first_year: int, first_month: int, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of ``months`` months starting in ``first_month`` of ``first_year``."""
    start = pd.Timestamp(year=first_year, month=first_month, day=1)
    return start, start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def year_span(label: str, first_year: int, first_month: int, months: int) -> Period:
    """``(label, first day, last day)`` of ``months`` months starting in ``first_month`` of ``first_year``."""
    return (label, *span(first_year, first_month, months))


def snapshot(label: str, year: int, month: int, day: int) -> Period:
    """A count taken on one day (e.g. at 31 March): start = end = that day."""
    day_ = pd.Timestamp(year=year, month=month, day=day)
    return label, day_, day_


def year_label(first_year: int) -> str:
    """The label of a financial or academic year starting in ``first_year``: 2024 → ``"2024/25"``."""
    return f"{first_year}/{(first_year + 1) % 100:02d}"


def calendar_year(year: int) -> Period:
    """``"2021"``: 1 January to 31 December 2021."""
    return year_span(str(year), year, 1, 12)


def financial_year(first_year: int) -> Period:
    """``"2024/25"``: 1 April 2024 to 31 March 2025."""
    return year_span(year_label(first_year), first_year, FINANCIAL_START, 12)


def academic_year(first_year: int) -> Period:
    """``"2024/25"``: 1 September 2024 to 31 August 2025."""
    return year_span(year_label(first_year), first_year, ACADEMIC_START, 12)


def rolling_years(first_year: int, years: int = 3) -> Period:
    """``years`` calendar years together, labelled as Fingertips does: (2022, 3) → ``"2022 - 24"``."""
    last = first_year + years - 1
    return year_span(f"{first_year} - {last % 100:02d}", first_year, 1, 12 * years)


# --- columns of labels ----------------------------------------------------------------------------------------
def typed_periods(labels: pd.Series, parse: Callable[[str], Period | None], *, file: str, column: str,
                  expected: str) -> pd.DataFrame:
    """``period, period_start, period_end`` of every label (``parse`` runs once per distinct label).

    A label ``parse`` cannot type (it returns None) is a DataError naming the file, the column, its data rows and
    ``expected``. The result keeps the index of ``labels``."""
    codes, uniques = pd.factorize(labels.astype(str).str.strip())
    typed = [parse(u) for u in uniques]
    bad_unique = np.array([t is None for t in typed], dtype=bool)
    if bad_unique.any():
        bad = bad_unique[codes]
        raise DataError(f"Column {column} has periods this reader cannot type.", file=file, column=column,
                        rows=data_rows(labels.index[bad]), values=list(uniques[bad_unique])[:5], expected=expected)
    return pd.DataFrame({"period": np.array([t[0] for t in typed], dtype=object)[codes],
                         "period_start": pd.DatetimeIndex([t[1] for t in typed]).to_numpy()[codes],
                         "period_end": pd.DatetimeIndex([t[2] for t in typed]).to_numpy()[codes]},
                        index=labels.index)


def month_starts(labels: pd.Series, fmt: str, *, file: str, column: str) -> pd.Series:
    """The first day of the month of each label: ``"April 2021"`` (``%B %Y``), ``"2022-04-03"`` (``%Y-%m-%d``)."""
    codes, uniques = pd.factorize(labels)  # a few hundred distinct labels in 150,000 rows: parse each once
    parsed = pd.to_datetime(pd.Series(uniques, dtype=object), format=fmt, errors="coerce")
    bad_unique = parsed.isna().to_numpy()
    bad = (codes < 0) | bad_unique[np.maximum(codes, 0)]
    if bad.any():
        example = pd.Timestamp("2021-04-01").strftime(fmt)
        raise DataError(f"Column {column} has values that are not dates.", file=file, column=column,
                        rows=data_rows(labels.index[bad]), values=labels[bad].head(5).tolist(),
                        expected=f"dates written like {example!r}")
    firsts = parsed.dt.to_period("M").dt.start_time.to_numpy()
    return pd.Series(firsts[codes], index=labels.index)


def month_periods(starts: pd.Series | pd.DatetimeIndex) -> pd.DataFrame:
    """``period`` (``YYYY-MM``), ``period_start`` (1st) and ``period_end`` (last day) of each month start."""
    codes, uniques = pd.factorize(pd.DatetimeIndex(starts))
    uniques = pd.DatetimeIndex(uniques)
    return pd.DataFrame({"period": np.asarray(uniques.strftime("%Y-%m"), dtype=object)[codes],
                         "period_start": uniques.to_numpy()[codes],
                         "period_end": (uniques + pd.offsets.MonthEnd(0)).to_numpy()[codes]})


def quarter_periods(quarter_end: pd.Series, *, file: str, column: str) -> pd.DataFrame:
    """Calendar quarters from their last month ``YYYY-MM`` (03, 06, 09 or 12): ``"2025 Q4"``, 1 Oct – 31 Dec 2025."""
    codes, uniques = pd.factorize(quarter_end)
    uniques = pd.Series(np.asarray(uniques, dtype=object)).astype(str).str.strip()
    ok = uniques.str.fullmatch(r"\d{4}-(03|06|09|12)").to_numpy()[codes]
    if not ok.all():
        raise DataError(f"Column {column} has values that are not the last month of a calendar quarter.",
                        file=file, column=column, rows=data_rows(quarter_end.index[~ok]),
                        values=quarter_end[~ok].head(5).tolist(),
                        expected="YYYY-MM with month 03, 06, 09 or 12, e.g. 2025-12")
    last = pd.DatetimeIndex(pd.to_datetime(uniques, format="%Y-%m"))
    labels = (last.year.astype(str) + " Q" + (last.month // 3).astype(str)).to_numpy(dtype=object)
    return pd.DataFrame({"period": labels[codes], "period_start": (last - pd.offsets.MonthBegin(2)).to_numpy()[codes],
                         "period_end": (last + pd.offsets.MonthEnd(0)).to_numpy()[codes]}, index=quarter_end.index)


def financial_year_periods(labels: pd.Series, *, file: str, column: str) -> pd.DataFrame:
    """Financial years ``"2022-23"`` (or ``"2022/23"``) → ``"2022/23"``, 1 April 2022 – 31 March 2023."""
    def parse(label: str) -> Period | None:
        first, sep, second = label.partition("-") if "-" in label else label.partition("/")
        if not (sep and first.isdigit() and len(first) == 4 and second.isdigit() and len(second) == 2):
            return None
        return financial_year(int(first)) if (int(first) + 1) % 100 == int(second) else None

    return typed_periods(labels, parse, file=file, column=column,
                         expected="a financial year written like 2022-23 (April to March)")


__all__ = ["Period", "PERIOD_COLUMNS", "data_rows", "span", "year_span", "snapshot", "year_label", "calendar_year",
           "financial_year", "academic_year", "rolling_years", "typed_periods", "month_starts", "month_periods",
           "quarter_periods", "financial_year_periods"]
