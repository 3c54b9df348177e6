"""What every published-series reader returns (:class:`PublishedSeries`) and the steps the readers share.

Every module of :mod:`thanalysis.data.published` exposes ``read(root) -> PublishedSeries`` (its values, indicators
and the files read) and ``indicators(root) -> DataFrame`` (the same indicators table without reading the data files,
so a store can list indicators fast); a module may also expose ``checks(root) -> list[Check]`` (cross-checks that
``thanalysis data check`` prints, such as H-CLIC's workbooks against its long extract).

The shared steps: reading a published CSV (every cell as text first, then the number columns, with errors naming
the file, column and rows), value and confidence limits from counts
(:func:`thanalysis.stats.intervals.values_from_counts`), the dates a folder's ``SOURCE.md`` states, and
validating both canonical tables. Periods are typed in :mod:`.periods`.

Row numbers in errors follow :class:`thanalysis.errors.DataError`: data rows as a person counts them under the
header (row 1 is the first line after the header line).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows
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


def require_codes(df: pd.DataFrame, column: str, pattern: str, *, file: str, what: str, example: str) -> None:
    """One row per area with a well-formed code: a DataError names the rows whose code does not match ``pattern``
    (a regular expression) or repeats another row's; ``what`` names the areas ("LSOA 2011", "local authority")."""
    bad = ~df[column].fillna("").str.strip().str.fullmatch(pattern)
    if bad.any():
        raise DataError(f"Column {column} has values that are not {what} codes.", file=file, column=column,
                        rows=data_rows(df.index[bad]), values=df.loc[bad, column].head(5).tolist(),
                        expected=f"{what} codes such as {example}")
    dup = df[column].duplicated(keep=False)
    if dup.any():
        raise DataError(f"{int(dup.sum())} rows repeat a {what}.", file=file, column=column,
                        rows=data_rows(df.index[dup]), values=df.loc[dup, column].head(5).tolist(),
                        expected=f"one row per {what}")


# --- published text as numbers --------------------------------------------------------------------------------
def _parse_unique(text: pd.Series, markers: dict[str, str], sentinels: dict[float, str] | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, notes) for distinct published texts; a note of None marks text that is not understood."""
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    clean = text.str.strip().str.replace(",", "", regex=False)
    retry = np.isnan(numbers)
    numbers[retry] = pd.to_numeric(clean[retry], errors="coerce").to_numpy(dtype=float)
    notes = np.full(len(text), "", dtype=object)
    missing = np.isnan(numbers)
    marker = clean[missing].str.lower()
    notes[missing] = marker.map(markers).where(marker != "", "no value in the source (blank)").to_numpy()
    if sentinels:
        hit = pd.Series(numbers).isin(list(sentinels)).to_numpy()
        notes[hit] = [f"{markers[sentinels[v]]}; coded {v:g} in the source" for v in numbers[hit]]
        numbers[hit] = np.nan
    return numbers, notes


def parse_published(values: pd.Series, *, file: str, column: str, markers: dict[str, str],
                    sentinels: dict[float, str] | None = None) -> tuple[pd.Series, pd.Series]:
    """(numbers, notes): published text → floats ("29,199" and " \t1,541 " read as numbers); the source's
    ``markers`` (lower-case text → what it means, e.g. ``{"*": "suppressed: 1 to 5"}``) and blanks → NaN with the
    reason as a note.

    ``sentinels`` maps numbers a source uses as codes (the DfE dashboard's -100, ...) to the marker each stands for.
    Anything else that is not a number is a DataError naming the rows. Each distinct text is parsed once.
    """
    codes, uniques = pd.factorize(values.fillna("").astype(str), sort=False)
    numbers, notes = _parse_unique(pd.Series(uniques, dtype=object), markers, sentinels)
    bad = pd.isna(notes)
    if bad.any():
        raise DataError(f"Column {column} holds values that are neither numbers nor known suppression markers.",
                        file=file, column=column, rows=data_rows(values.index, bad[codes]),
                        values=list(uniques[bad])[:10],
                        expected="numbers, a blank, or one of the markers " + ", ".join(markers))
    return (pd.Series(numbers[codes], index=values.index, dtype=float),
            pd.Series(notes[codes], index=values.index, dtype=object))


def join_notes(*notes: pd.Series) -> pd.Series:
    """Join note columns row by row with "; ", skipping empty ones."""
    out = notes[0].to_numpy(dtype=object).copy()
    for more in notes[1:]:
        more = more.to_numpy(dtype=object)
        take = out == ""
        out[take] = more[take]
        both = ~take & (more != "")
        out[both] = out[both] + "; " + more[both]
    return pd.Series(out, index=notes[0].index, dtype=object)


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
    """One PublishedSeries: the values validated against ``indicators`` (every value of a described indicator; a
    proportion's count cannot exceed its denominator), with the dates of ``folder``'s SOURCE.md."""
    values = pd.concat(frames, ignore_index=True)
    unknown = sorted(set(values["indicator_id"]) - set(indicators["indicator_id"]))
    if unknown:  # a reader bug, not bad data, but said plainly all the same
        raise DataError("Values of indicators that are not in the indicators table.", file=source,
                        column="indicator_id", values=unknown, expected="every indicator described")
    values = validate("values", values, source=source, indicators=indicators)
    published, retrieved, notes = source_dates(root, folder)
    return PublishedSeries(values=values, indicators=indicators, files=[*files, *notes], published=published,
                           retrieved=retrieved)


@dataclass(frozen=True)
class Check:
    """One cross-check of a published source (a row of ``thanalysis data check``): what was compared, how many
    rows or cells, whether it passed, and a note saying what was found."""

    name: str
    rows: int | None
    ok: bool
    note: str = ""


__all__ = ["PublishedSeries", "Check", "ENGLAND", "MISSING_TEXT", "read_table", "require_non_negative",
           "parse_published", "join_notes", "limits", "indicator_table", "source_dates", "finish"]
