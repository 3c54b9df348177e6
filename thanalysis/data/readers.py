"""Readers for the open-data files exactly as they are published.

Each reader takes a path and returns a DataFrame (or GeoDataFrame), fixing only what the file format
gets in the way of: byte-order marks, thousands separators ("29,199"), Latin-1 text, missing or
non-standard coordinate reference systems. Everything else is left as published; the mapping onto the
canonical tables happens in :mod:`thanalysis.data.real` (with the column mappings in ``data/sources.yml``).

Problems reading a file (missing, empty, wrong encoding, cut off in the middle of a row, a number that is not a
number) raise :class:`~thanalysis.errors.DataError` naming the file and, where it applies, the column and rows.
Rows are numbered as in the file (:class:`~thanalysis.errors.DataError` shows them as line numbers): the index of
the table :func:`read_csv` returns is the data row minus one, so row labels survive filtering and label + 2 is
the line a person sees in an editor, even where the file has blank lines or values that span lines.
"""
from __future__ import annotations

import bz2
import codecs
import csv
import difflib
import gzip
import io
import lzma
import os
import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from thanalysis.data.schemas import _row_numbers, validate
from thanalysis.errors import DataError

PathLike = str | os.PathLike

#: How ``read_geo`` stores geometries: longitude/latitude, as folium needs (DESIGN.md).
STORAGE_CRS = "EPSG:4326"
#: British National Grid: the London shapefiles and the GLA MapInfo wards; areas are measured in it.
BNG = "EPSG:27700"


# --- opening files --------------------------------------------------------------------------------------------
def check_file(path: PathLike, *, what: str = "file") -> Path:
    """The path if it is a readable non-empty file; else a DataError saying how to get it."""
    p = Path(path)
    if not p.exists():
        raise DataError(
            f"The {what} is missing.", file=str(path),
            expected="the file named in data/sources.yml under the data root",
            hint="run `thanalysis data fetch` (or `thanalysis data fetch --from MIRROR_DIR`) to fill the data root",
        )
    if p.is_dir():
        raise DataError(f"Expected a file but found a folder.", file=str(path), expected="a data file")
    if p.stat().st_size == 0:
        raise DataError("The file is empty (0 bytes).", file=str(path),
                        expected="a header row and at least one data row",
                        hint="the download may have failed: fetch it again")
    return p


def guess_encoding(raw: bytes) -> str:
    """A likely text encoding for bytes that did not decode as expected (for the error message)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        raw.decode("cp1252")
        return "cp1252"  # Windows Latin-1 (a superset of latin-1 for printable characters)
    except UnicodeDecodeError:
        return "latin-1"


#: Codec names of encodings that decode any bytes at all, so a UTF-8 file read with one of them silently turns
#: into mojibake ("Ã©" for "é", "Â£" for "£").
_ANY_BYTES = ("iso8859-1", "cp1252", "iso8859-15")


def _line_at(raw: bytes, offset: int) -> int:
    """The 1-based line of the file that holds byte ``offset``."""
    return raw.count(b"\n", 0, offset) + 1


def _decode_error(path: PathLike, encoding: str, raw: bytes, exc: UnicodeDecodeError) -> DataError:
    """The error for bytes that are not ``encoding``: ``exc`` comes from decoding the whole file, so its offset
    (and the line named) is counted from the start of the file."""
    line = _line_at(raw, exc.start)
    suggestion = guess_encoding(raw)
    return DataError(
        f"The file is not valid {encoding} text (byte {raw[exc.start:exc.start + 1]!r} on line {line}).",
        file=str(path), rows=[line - 1],
        expected=f"text in the encoding given in data/sources.yml ({encoding})",
        hint=f"it looks like {suggestion}: set `encoding: {suggestion}` for this file"
             + (" (Latin-1 / Windows-1252 is common for files saved from Excel)" if suggestion in ("cp1252", "latin-1")
                else ""),
    )


def _utf8_declared_single_byte(path: PathLike, encoding: str, raw: bytes) -> DataError | None:
    """A DataError when a file declared Latin-1 / Windows-1252 is UTF-8 text with accented letters or symbols
    (read as declared, every one of them would turn into two or three wrong characters)."""
    if raw.isascii() or codecs.lookup(encoding).name not in _ANY_BYTES:
        return None
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return None  # not UTF-8: single-byte text, as declared
    first = re.search(rb"[\x80-\xff]+", raw)
    good = first.group().decode("utf-8", errors="replace")
    bad = first.group().decode(encoding, errors="replace")
    line = _line_at(raw, first.start())
    return DataError(
        f"The file is UTF-8 text, not {encoding}: read as {encoding} it would be garbled (line {line} has "
        f"{good!r}, which would read as {bad!r}).", file=str(path), rows=[line - 1], values=[good],
        expected=f"text in the encoding given in data/sources.yml ({encoding})",
        hint=f"set `encoding: utf-8-sig` for this file in data/sources.yml (or save the file in {encoding})",
    )


#: Compressed files read as the text inside them (as pandas does by their name).
_UNPACK = {".gz": gzip.decompress, ".bz2": bz2.decompress, ".xz": lzma.decompress}


def read_text(path: PathLike, encoding: str = "utf-8-sig") -> str:
    """The whole text of a file (unpacked if it is .gz, .bz2 or .xz) in its declared ``encoding``.

    A byte that does not fit the encoding is a DataError naming its line (counted over the whole file), and a
    file declared Latin-1 / Windows-1252 that is in fact UTF-8 is refused rather than read as mojibake.
    """
    p = check_file(path)
    raw = p.read_bytes()
    unpack = _UNPACK.get(p.suffix.lower())
    if unpack is not None:
        try:
            raw = unpack(raw)
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise DataError(f"The compressed file cannot be unpacked: {exc}.", file=str(path),
                            expected=f"a complete {p.suffix} file", hint="it was probably cut off while it was "
                            "downloaded or copied: fetch it again (`thanalysis data fetch`)") from None
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, raw, exc) from None
    except LookupError:
        raise DataError(f"Unknown text encoding {encoding!r}.", file=str(path),
                        expected="an encoding such as utf-8-sig, latin-1 or cp1252") from None
    error = _utf8_declared_single_byte(path, encoding, raw)
    if error is not None:
        raise error
    return text


def to_number(values: pd.Series, *, file: str | None = None, column: str | None = None) -> pd.Series:
    """Parse published numbers: "29,199" → 29199.0, " 12 " → 12.0, "" → NaN; anything else is a DataError.

    Works on whole columns at once (vectorised); row numbers in errors are 1-based data rows.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    out = pd.to_numeric(values, errors="coerce")  # fast path: most published columns are plain numbers
    present = values.notna().to_numpy()
    retry = present & np.isnan(out.to_numpy(dtype=float))
    if retry.any():
        text = values[retry].astype(str).str.strip().str.replace(",", "", regex=False)
        text = text.mask(text.isin(["", "-", ".."]))  # blanks and the usual "not available" markers
        fixed = pd.to_numeric(text, errors="coerce")
        out = out.astype(float)
        out[retry] = fixed.to_numpy(dtype=float)
        bad = retry & np.isnan(out.to_numpy(dtype=float)) & text.reindex(values.index).notna().to_numpy()
        if bad.any():
            rows = _row_numbers(values.index, values.index[bad])
            raise DataError(
                f"Column {column or values.name} holds values that are not numbers.", file=file,
                column=str(column or values.name), rows=rows, values=values[bad].head(10).tolist(),
                expected="numbers, optionally with thousands separators (e.g. 29,199)",
            )
    return out.astype(float)


def read_csv(path: PathLike, *, encoding: str = "utf-8-sig", numeric: Iterable[str] | None = None,
             usecols: Sequence[str] | None = None, required: Sequence[str] | None = None,
             text: Sequence[str] | None = None) -> pd.DataFrame:
    """Read a published CSV keeping every column as text, then parse the ``numeric`` columns.

    Text first means codes keep their leading zeros and "29,199" is not split or misread; the default
    encoding ``utf-8-sig`` also removes a UTF-8 byte-order mark (several ONS/MHCLG CSVs start with one,
    which would otherwise glue "\\ufeff" onto the first column name). ``numeric`` names the columns to parse
    as numbers (thousands separators allowed); ``required`` names columns that must be present.
    With ``text`` given, only those columns (codes, names) are kept as text and the others are parsed as
    numbers while reading (faster for wide tables such as the Census files; "29,199" still reads as 29199).

    The file is decoded by :func:`read_text` (a wrong encoding is an error naming the line, never mojibake), a
    last row shorter than the header is an error (the file was cut off), and the row labels are the file's data
    rows minus one (:func:`file_row_labels`), so errors about rows name the lines a person sees.
    """
    p = check_file(path)
    content = read_text(p, encoding)
    try:
        if text is not None:
            keep = {str(c) for c in text}
            # The first header cell may carry a byte-order mark when the encoding is not utf-8-sig.
            dtype = {c: str for c in keep} | {"\ufeff" + c: str for c in keep}
            df = pd.read_csv(io.StringIO(content), dtype=dtype, keep_default_na=False, na_values=[""],
                             thousands=",", usecols=(lambda c: c in set(usecols)) if usecols else None,
                             low_memory=False)
        else:
            df = pd.read_csv(io.StringIO(content), dtype=str, keep_default_na=False, na_values=[""],
                             usecols=(lambda c: c in set(usecols)) if usecols else None, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError("The file has no header and no data.", file=str(path),
                        expected="a header row and at least one data row") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"The file is not a well-formed CSV: {exc}", file=str(path),
                        expected="comma-separated values with the same number of fields on every line",
                        hint="a file that ends inside a quoted value was probably cut off: fetch it again") from None
    df.columns = [str(c).lstrip("\ufeff").strip() for c in df.columns]
    if len(df) == 0:
        raise DataError("The file has a header but no data rows.", file=str(path),
                        expected="at least one data row under the header")
    check_last_row(content, file=str(path))
    rows = file_row_labels(content, len(df))
    if rows is not None:
        df.index = rows
    need = list(required or []) + [c for c in (numeric or []) if c not in (required or [])]
    require_columns(df, need, file=str(path))
    for col in numeric or []:
        df[col] = to_number(df[col], file=str(path), column=col)
    return df


def _last_record(content: str) -> tuple[str, int]:
    """The last row of CSV text and the line it starts on (a line end inside quotes does not end a row)."""
    body = content.rstrip("\r\n")
    start = body.rfind("\n")
    while start > 0 and body.count('"', 0, start) % 2:  # that line end is inside a quoted value
        start = body.rfind("\n", 0, start)
    return body[start + 1:], body.count("\n", 0, start + 1) + 1


def check_last_row(content: str, *, file: str | None = None) -> None:
    """A DataError when the last row of CSV text has fewer fields than the header: the file was cut off in the
    middle of a row (an interrupted download or copy), which pandas would read as blank values."""
    header = next(csv.reader(io.StringIO(content)), [])
    record, line = _last_record(content)
    if line == 1:
        return
    fields = next(csv.reader(io.StringIO(record)), [])
    if len(fields) < len(header):
        raise DataError(
            f"The file ends in the middle of a row: its last line, {line}, has {len(fields)} of the header's "
            f"{len(header)} fields, so the rest of the file is missing.", file=file, rows=[line - 1],
            values=[record if len(record) <= 80 else record[:77] + "..."],
            expected=f"a complete file: every row with the header's {len(header)} fields",
            hint="the file was probably cut off while it was downloaded or copied: fetch it again "
                 "(`thanalysis data fetch`)")


def file_row_labels(content: str, n_rows: int) -> pd.Index | None:
    """Row labels for a table of ``n_rows`` read from CSV text such that label + 2 is each row's line in the file.

    ``None`` when every row is one line with no blank lines between (the default labels 0, 1, ... are then
    right); else the lines are counted with the csv module (a blank line is skipped, a value with line breaks
    spans lines). ``None`` too if that count disagrees with the table, rather than a wrong guess.
    """
    lines = content.count("\n") + (0 if content.endswith("\n") else 1)
    if lines == n_rows + 1:
        return None
    reader = csv.reader(io.StringIO(content))
    starts = []
    try:
        while True:
            start = reader.line_num + 1
            record = next(reader, None)
            if record is None:
                break
            if record:
                starts.append(start)
    except csv.Error:
        return None
    if len(starts) != n_rows + 1:
        return None
    return pd.Index(np.asarray(starts[1:], dtype=np.int64) - 2)


def require_columns(df: pd.DataFrame, columns: Iterable[str], *, file: str | None) -> None:
    """Every name in ``columns`` must be a column of ``df``; suggest the closest name if one is misspelt."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        close = difflib.get_close_matches(missing[0], [str(c) for c in df.columns], n=1, cutoff=0.6)
        raise DataError(
            f"The file lacks {len(missing)} expected column(s): {', '.join(missing)}.", file=file,
            column=missing[0], expected=f"columns {', '.join(missing)} (the file has: "
                                        f"{', '.join(map(str, df.columns[:12]))}{', ...' if df.shape[1] > 12 else ''})",
            hint=f"did you mean {close[0]!r}?" if close else "the publisher may have renamed it: update data/sources.yml",
        )


# --- geometries -----------------------------------------------------------------------------------------------
def read_geo(path: PathLike, *, crs: str | None = None, layer: str | None = None, where: str | None = None,
             columns: Sequence[str] | None = None, to_storage: bool = True):
    """Read a shapefile, GeoJSON, TopoJSON or MapInfo TAB with GDAL (pyogrio).

    ``crs`` is the coordinate system the file *is in*; it overrides what the file declares. That is needed
    for TopoJSON (no CRS is declared: the Tower Hamlets files are longitude/latitude, EPSG:4326) and for the
    GLA MapInfo wards (declared as an unnamed Transverse Mercator that is British National Grid, EPSG:27700).
    ``where`` is an OGR SQL filter applied while reading (e.g. ``"LAD22CD = 'E09000030'"``) so only the
    borough's polygons are parsed. With ``to_storage`` the result is reprojected to EPSG:4326.
    """
    import pyogrio  # GDAL: a heavy import, only when boundaries are read

    p = check_file(path, what="boundary file")
    try:
        gdf = pyogrio.read_dataframe(p, layer=layer, where=where, columns=list(columns) if columns else None)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:  # GDAL's errors, for people
        raise DataError(f"GDAL could not read this boundary file: {exc}", file=str(path),
                        expected="a shapefile (with .shx/.dbf/.prj), GeoJSON, TopoJSON or MapInfo .tab/.dat/.map/.id set",
                        hint="check that every companion file was copied") from None
    if crs is not None:
        gdf = gdf.set_crs(crs, allow_override=True)
    elif gdf.crs is None:
        raise DataError("The boundary file does not say which coordinate system it uses.", file=str(path),
                        expected="a CRS in the file, or `crs:` set for it in data/sources.yml (e.g. EPSG:4326)")
    if to_storage and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(STORAGE_CRS)
    return gdf


def read_shapefile(path: PathLike, *, crs: str | None = None, **kw):
    """ESRI shapefile (the .prj gives the CRS; London files are British National Grid)."""
    return read_geo(path, crs=crs, **kw)


def read_geojson(path: PathLike, *, crs: str | None = None, **kw):
    """GeoJSON (RFC 7946 says longitude/latitude; old files may declare another CRS, which GDAL honours)."""
    return read_geo(path, crs=crs, **kw)


def read_topojson(path: PathLike, *, crs: str | None = STORAGE_CRS, **kw):
    """TopoJSON through GDAL's TopoJSON driver: it declares no CRS, so the catalogue's (default 4326) is set."""
    return read_geo(path, crs=crs or STORAGE_CRS, **kw)


def read_mapinfo(path: PathLike, *, crs: str | None = BNG, **kw):
    """MapInfo .tab (with .dat/.map/.id): its British National Grid header is unnamed, so EPSG:27700 is set."""
    return read_geo(path, crs=crs or BNG, **kw)


# --- Fingertips -----------------------------------------------------------------------------------------------
#: The 27 columns of a Fingertips "all data" CSV export. The parent comparison column's name varies
#: ("Compared to England value or percentiles", "Compared to London region value or percentiles",
#: "Compared to parent value or percentiles", ...), so it is matched by pattern, not by name.
FINGERTIPS_COLUMNS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type",
    "Sex", "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit",
    "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note",
    "Recent Trend", "Compared to England value or percentiles", "Compared to <parent> value or percentiles",
    "Time period Sortable", "New data", "Compared to goal", "Time period range",
]
_FT_FIXED = [c for c in FINGERTIPS_COLUMNS if "<parent>" not in c and c != "Compared to England value or percentiles"]
_FT_COMPARED = re.compile(r"^Compared to (?P<what>.+?) value or percentiles$")
_FT_NUMERIC = ["Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
               "Count", "Denominator"]

#: Fingertips "Area Type" labels → canonical area types. Fingertips renames its local authority types when
#: boundaries change ("Counties & UAs (from Apr 2021)", "Districts & UAs (from Apr 2023)", ...); they are matched
#: by their leading words.
FINGERTIPS_AREA_TYPES: list[tuple[str, str]] = [
    (r"^England$", "country"),
    (r"^(?:Region|Government Office Region)", "region"),
    (r"^(?:Counties & UAs|Districts & UAs|County & UA|District & UA|Upper tier|Lower tier|UTLA|LTLA|"
     r"Local authority|London Borough)", "la"),
    (r"^(?:GP practice|GPs)", "practice"),
    (r"^(?:PCN|Primary Care Network)", "pcn"),
    (r"^(?:MSOA|Middle Super Output)", "msoa21"),
    (r"^(?:Ward|Electoral ward)", "ward22"),
]


def fingertips_area_type(labels: pd.Series, *, file: str | None = None) -> pd.Series:
    """Map Fingertips "Area Type" labels onto canonical area types; unknown labels are a DataError."""
    out = pd.Series(pd.NA, index=labels.index, dtype=object)
    for pattern, area_type in FINGERTIPS_AREA_TYPES:
        hit = out.isna() & labels.str.contains(pattern, regex=True, na=False)
        out[hit] = area_type
    bad = out.isna().to_numpy()
    if bad.any():
        raise DataError(
            "Fingertips area types this package has no canonical type for.", file=file, column="Area Type",
            rows=_row_numbers(labels.index, labels.index[bad]), values=list(pd.unique(labels[bad]))[:5],
            expected="England, Region, Counties & UAs / Districts & UAs, GP practice, PCN, MSOA or Ward",
            hint="filter the export to those area types (CCG/ICB geographies are not canonical areas)",
        )
    return out


def fingertips_period_dates(label: pd.Series, sortable: pd.Series, span: pd.Series) -> tuple[pd.Series, pd.Series]:
    """period_start/period_end from Fingertips' "Time period", "Time period Sortable" and "Time period range".

    Sortable is YYYY0000 for a (calendar or financial) year; financial years ("2019/20") start on 1 April.
    The range ("1y", "3y", "3m") gives the length. Quarters and months (whose sortable form Fingertips does
    not document) and anything unreadable stay NaT rather than being guessed.
    """
    label = label.astype("string").fillna("")
    year = pd.to_numeric(sortable.astype("string").str[:4], errors="coerce")
    month = pd.Series(np.where(label.str.contains(r"^\d{4}/\d{2}", regex=True), 4, 1), index=label.index)
    m = span.astype("string").str.extract(r"^(?P<n>\d+)(?P<unit>[ymq])$")
    n = pd.to_numeric(m["n"], errors="coerce")
    months = pd.Series(np.select([m["unit"] == "y", m["unit"] == "q"], [n * 12, n * 3], n), index=label.index)
    ok = label.str.match(r"^\d{4}(/\d{2})?( - \d{2})?$") & year.notna() & months.notna()
    first = (year * 12 + month - 1).where(ok)
    after = (first + months).where(ok)  # first month after the period, counted in months since year 0
    start = pd.to_datetime(pd.DataFrame({"year": first // 12, "month": first % 12 + 1, "day": 1}), errors="coerce")
    end = pd.to_datetime(pd.DataFrame({"year": after // 12, "month": after % 12 + 1, "day": 1}),
                         errors="coerce") - pd.Timedelta(days=1)
    return start, end


def read_fingertips_raw(path: PathLike, *, encoding: str = "utf-8-sig") -> pd.DataFrame:
    """The Fingertips export as published (all 27 columns, numbers parsed), checking its columns are there."""
    df = read_csv(path, encoding=encoding)
    require_columns(df, _FT_FIXED, file=str(path))
    compared = [c for c in df.columns if _FT_COMPARED.match(c) and c != "Compared to goal"]
    if not compared:
        raise DataError("The Fingertips export has no 'Compared to ... value or percentiles' column.",
                        file=str(path), column="Compared to England value or percentiles",
                        expected="the 27 columns of a Fingertips all-data CSV export")
    for col in _FT_NUMERIC:
        df[col] = to_number(df[col], file=str(path), column=col)
    return df


def fingertips_values(raw: pd.DataFrame, *, source: str | None = None, keep_comparisons: bool = False) -> pd.DataFrame:
    """Map a Fingertips export (as read by :func:`read_fingertips_raw`) onto the canonical values table.

    Mapping: Indicator ID → indicator_id (text), Area Code → area_code, Area Type → area_type (England →
    country, Region → region, Counties/Districts & UAs → la, ...), Time period → period (as published),
    Time period Sortable/range → period_start/period_end, Sex → sex ("Not applicable" → "Persons"),
    Age → age ("Not applicable" → "All ages"), Category Type/Category → category_type/category ("" when none),
    Count, Denominator, Value, the four CI limits and Value note as they are.
    With ``keep_comparisons`` the comparison and trend columns are kept after the canonical ones as
    ``compared_to_england``, ``compared_to_parent`` (whatever the parent is called), ``compared_to_goal``,
    ``recent_trend``, plus ``indicator_name``, ``area_name``, ``parent_code``.
    """
    sex = raw["Sex"].fillna("Persons").replace({"Not applicable": "Persons", "All": "Persons"})
    age = raw["Age"].fillna("All ages").replace({"Not applicable": "All ages"})
    start, end = fingertips_period_dates(raw["Time period"], raw["Time period Sortable"], raw["Time period range"])
    out = pd.DataFrame({
        "indicator_id": raw["Indicator ID"].str.strip(),
        "area_code": raw["Area Code"].str.strip(),
        "area_type": fingertips_area_type(raw["Area Type"], file=source),
        "period": raw["Time period"],
        "period_start": start,
        "period_end": end,
        "sex": sex,
        "age": age,
        "category_type": raw["Category Type"].fillna(""),
        "category": raw["Category"].fillna(""),
        "count": raw["Count"],
        "denominator": raw["Denominator"],
        "value": raw["Value"],
        "lower_ci_95": raw["Lower CI 95.0 limit"],
        "upper_ci_95": raw["Upper CI 95.0 limit"],
        "lower_ci_99_8": raw["Lower CI 99.8 limit"],
        "upper_ci_99_8": raw["Upper CI 99.8 limit"],
        "value_note": raw["Value note"].fillna(""),
    }, index=raw.index)
    values = validate("values", out, source=source)
    if keep_comparisons:
        compared = [c for c in raw.columns if _FT_COMPARED.match(c) and c != "Compared to goal"]
        england = "Compared to England value or percentiles"
        parent = [c for c in compared if c != england]
        values["compared_to_england"] = raw[england].fillna("").to_numpy() if england in raw else ""
        values["compared_to_parent"] = raw[parent[0]].fillna("").to_numpy() if parent else ""
        values["compared_to_goal"] = raw["Compared to goal"].fillna("").to_numpy()
        values["recent_trend"] = raw["Recent Trend"].fillna("").to_numpy()
        values["indicator_name"] = raw["Indicator Name"].to_numpy()
        values["area_name"] = raw["Area Name"].to_numpy()
        values["parent_code"] = raw["Parent Code"].fillna("").to_numpy()
    return values


# --- registry -------------------------------------------------------------------------------------------------
#: Reader names used in data/sources.yml.
READERS: dict[str, Callable] = {
    "csv": read_csv,
    "fingertips_csv": read_fingertips_raw,
    "shapefile": read_shapefile,
    "geojson": read_geojson,
    "topojson": read_topojson,
    "mapinfo": read_mapinfo,
}


def reader(name: str) -> Callable:
    """The reader function registered under ``name`` (as written in data/sources.yml)."""
    try:
        return READERS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(READERS), n=1)
        raise DataError(f"There is no reader called {name!r}.", expected="one of " + ", ".join(READERS),
                        hint=f"did you mean {close[0]!r}?" if close else None) from None


__all__ = ["read_csv", "read_geo", "read_shapefile", "read_geojson", "read_topojson", "read_mapinfo",
           "read_fingertips_raw", "fingertips_values", "to_number", "check_file", "read_text", "check_last_row",
           "file_row_labels", "guess_encoding", "reader", "READERS", "FINGERTIPS_COLUMNS", "STORAGE_CRS", "BNG"]
