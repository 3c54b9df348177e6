"""What every published-series reader returns (:class:`PublishedSeries`) and the steps the readers share.

The shared steps: reading a published CSV (every cell as text first, then the number columns, with errors naming
the file, column and rows), typing periods (months ``YYYY-MM``, calendar quarters ``YYYY Qn``, financial years
``YYYY/YY``, each with its first and last day), value and confidence limits from counts
(:func:`thanalysis.stats.intervals.values_from_counts`), the dates a folder's ``SOURCE.md`` states, and
validating both canonical tables.

Row numbers in errors follow :class:`thanalysis.errors.DataError`: data rows as a person counts them under the
header (row 1 is the first line after the header line).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from thanalysis.data.readers import check_file, require_columns, to_number
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.stats.intervals import values_from_counts

#: Text a republisher wrote for a missing number (R's NA, or an empty cell).
MISSING_TEXT = ("", "NA")
#: England, for rows that add up every trust or authority in a file.
ENGLAND = "E92000001"


@dataclass(frozen=True)
class PublishedSeries:
    """Canonical values and indicators of one published series, and where they came from.

    ``files`` are the paths read, relative to the data root; ``published`` is the publisher's release date and
    ``retrieved`` the date of the copy the data root holds (the republishing repository's commit date), each
    when the folder's ``SOURCE.md`` states it, else None.
    """

    values: pd.DataFrame
    indicators: pd.DataFrame
    files: list[str] = field(default_factory=list)
    published: date | None = None
    retrieved: date | None = None


# --- reading --------------------------------------------------------------------------------------------------
def data_rows(labels: Iterable) -> list[int]:
    """Data row numbers (1 = first row under the header) of index labels from ``pd.read_csv``."""
    return sorted(int(label) + 1 for label in labels)


def read_table(root: Path, rel: str, *, text: Sequence[str], numeric: Sequence[str] = ()) -> pd.DataFrame:
    """Only the named columns of a published CSV (plain or .gz): ``text`` kept as text, ``numeric`` parsed.

    ``NA`` and empty cells are missing numbers; anything else that is not a number is a DataError naming the file,
    the column and the data rows. The index is the data row in the file minus one (as ``pd.read_csv`` numbers it).
    """
    path = check_file(Path(root) / rel, what=f"file {rel}")
    wanted = list(text) + list(numeric)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
        require_columns(pd.DataFrame(columns=[str(c).strip() for c in header]), wanted, file=rel)
        df = pd.read_csv(path, usecols=lambda c: str(c).strip() in wanted, encoding="utf-8-sig",
                         dtype={c: str for c in text}, keep_default_na=False, na_values=list(MISSING_TEXT),
                         low_memory=False)
    except UnicodeDecodeError as exc:
        raise DataError(f"The file is not UTF-8 text ({exc.reason}).", file=rel, expected="a UTF-8 CSV") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"The file is not a well-formed CSV ({exc}).", file=rel,
                        expected="a header line and comma-separated rows with the same number of fields") from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.empty:
        raise DataError("The file has a header but no data rows.", file=rel, expected="at least one data row")
    for col in numeric:
        if not pd.api.types.is_numeric_dtype(df[col]):  # text in a number column: say where
            df[col] = to_number(df[col], file=rel, column=col)
        df[col] = df[col].astype(float)
    return df


def require_non_negative(df: pd.DataFrame, columns: Sequence[str], *, file: str) -> None:
    """Counts cannot be negative: a DataError names the first column and rows that are."""
    for col in columns:
        bad = (df[col] < 0).to_numpy()
        if bad.any():
            raise DataError(f"Column {col} has negative numbers.", file=file, column=col,
                            rows=data_rows(df.index[bad]), values=df.loc[bad, col].head(5).tolist(),
                            expected="counts of zero or more")


# --- periods --------------------------------------------------------------------------------------------------
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
    """Financial years ``"2022-23"`` → ``"2022/23"``, 1 April 2022 – 31 March 2023."""
    text = labels.astype(str).str.strip()
    parts = text.str.extract(r"^(\d{4})[-/](\d{2})$")
    first = pd.to_numeric(parts[0], errors="coerce")
    second = pd.to_numeric(parts[1], errors="coerce")
    ok = (first.notna() & ((first + 1) % 100 == second)).to_numpy()
    if not ok.all():
        raise DataError(f"Column {column} has values that are not financial years.", file=file, column=column,
                        rows=data_rows(labels.index[~ok]), values=text[~ok].head(5).tolist(),
                        expected="a financial year written like 2022-23 (April to March)")
    year = first.astype(int)
    return pd.DataFrame({"period": (year.astype(str) + "/" + parts[1]).to_numpy(),
                         "period_start": pd.to_datetime(year.astype(str) + "-04-01").to_numpy(),
                         "period_end": pd.to_datetime((year + 1).astype(str) + "-03-31").to_numpy()},
                        index=labels.index)


# --- values and tables ----------------------------------------------------------------------------------------
def limits(count, denominator, value_type: str, multiplier: float) -> dict[str, np.ndarray]:
    """``value`` and the 95% and 99.8% limits from counts (Wilson for proportions, Poisson for rates)."""
    return values_from_counts(count, denominator, value_type, multiplier)


def indicator_table(rows: Sequence[tuple], *, source: str, licence: str, file: str) -> pd.DataFrame:
    """The indicators table from ``(indicator_id, name, value_type, multiplier, unit, polarity, frequency)`` rows."""
    cols = ["indicator_id", "name", "value_type", "multiplier", "unit", "polarity", "frequency"]
    table = pd.DataFrame(list(rows), columns=cols).assign(source=source, licence=licence)
    return validate("indicators", table, source=file)


def source_dates(root: Path, folder: str) -> tuple[date | None, date | None, list[str]]:
    """(published, retrieved, [SOURCE.md path]) from a folder's ``SOURCE.md``; (None, None, []) without one.

    ``retrieved`` is the date in the ``**Commit:** <sha> (HEAD, YYYY-MM-DD)`` line; ``published`` a
    ``**Published:** YYYY-MM-DD`` line if the file has one.
    """
    rel = f"{folder}/SOURCE.md"
    path = Path(root) / rel
    if not path.is_file():
        return None, None, []
    text = path.read_text(encoding="utf-8", errors="replace")

    def find(pattern: str) -> date | None:
        m = re.search(pattern, text)
        return date.fromisoformat(m.group(1)) if m else None

    return (find(r"\*\*Published:\*\*\s*(\d{4}-\d{2}-\d{2})"),
            find(r"\*\*Commit:\*\*[^\n]*?(\d{4}-\d{2}-\d{2})"), [rel])


def finish(frames: Sequence[pd.DataFrame], indicators: pd.DataFrame, *, root: Path, folder: str,
           files: Sequence[str], source: str) -> PublishedSeries:
    """Validate the values (against ``indicators``: a proportion's count cannot exceed its denominator)."""
    values = pd.concat(frames, ignore_index=True)
    unknown = sorted(set(values["indicator_id"]) - set(indicators["indicator_id"]))
    if unknown:  # a reader bug, not bad data, but said plainly all the same
        raise DataError("Values of indicators that are not in the indicators table.", file=source,
                        column="indicator_id", values=unknown, expected="every indicator described")
    values = validate("values", values, source=source, indicators=indicators)
    published, retrieved, notes = source_dates(root, folder)
    return PublishedSeries(values=values, indicators=indicators, files=[*files, *notes], published=published,
                           retrieved=retrieved)


__all__ = ["PublishedSeries", "ENGLAND", "MISSING_TEXT", "data_rows", "read_table", "require_non_negative",
           "month_starts", "month_periods", "quarter_periods", "financial_year_periods", "limits",
           "indicator_table", "source_dates", "finish"]
