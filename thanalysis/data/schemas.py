"""One pandera schema per canonical table, and ``validate`` that turns their failures into errors for people.

Every place where data enters the package (a reader, the demo, a local extract) passes its table through
:func:`validate`. It coerces dtypes (codes are strings, counts floats, dates datetime64) and raises a
:class:`~thanalysis.errors.DataError` naming the file, the column, the first offending rows and what was expected.

Rows: an integer index is taken to be the one the table was read with (``pd.read_csv`` and
:func:`thanalysis.data.readers.read_csv` label data rows 0, 1, ...; filters keep those labels, as does a table
built with ``index=`` the file's index, even stacked), so row numbers are label + 1, the file's data row (shown as
line label + 2). Producers that rebuild rows (``.to_numpy()``, ``melt``) must pass the file's index on.
"""
from __future__ import annotations

import difflib
from typing import Callable, Iterable

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from thanalysis.errors import DataError
from thanalysis.vocabulary import AREA_TYPES, CANONICAL_COLUMNS, POLARITIES, VALUE_TYPES, default_lag_months

SEXES = ("Persons", "Male", "Female")

#: Columns a table may omit: they are added with these fill values before validation.
#: (A Fingertips-style extract with no CIs or no breakdown is still a valid values table.)
OPTIONAL_COLUMNS: dict[str, dict[str, object]] = {
    "areas": {},
    "lookups": {"weight": 1.0},
    "geometries": {},
    "indicators": {"multiplier": 1.0, "unit": "", "polarity": "no_judgement", "source": "", "licence": "",
                   "frequency": "", "published": pd.NaT, "lag_months": np.nan},
    "values": {"period_start": pd.NaT, "period_end": pd.NaT, "sex": "Persons", "age": "All ages",
               "category_type": "", "category": "", "count": np.nan, "denominator": np.nan,
               "lower_ci_95": np.nan, "upper_ci_95": np.nan, "lower_ci_99_8": np.nan, "upper_ci_99_8": np.nan,
               "value_note": ""},
    "population": {},
    "flows": {},
}

#: Columns that identify one row of each table (no two rows may share them).
KEYS: dict[str, list[str]] = {
    "areas": ["area_code", "area_type"],
    "lookups": ["child_code", "child_type", "parent_code", "parent_type"],
    "geometries": ["area_code", "area_type"],
    "indicators": ["indicator_id"],
    "values": ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"],
    "population": ["area_code", "period", "sex", "age_band"],
    "flows": ["origin_code", "origin_type", "destination_code", "destination_type", "period"],
}

#: Text columns where a blank means "none" (filled with ""), rather than a missing value.
BLANK_IS_EMPTY: dict[str, tuple[str, ...]] = {
    "indicators": ("unit", "source", "licence", "frequency"),
    "values": ("category_type", "category", "value_note"),
}

CI_PAIRS = (("lower_ci_95", "upper_ci_95"), ("lower_ci_99_8", "upper_ci_99_8"))
#: Tolerance for "lower ≤ value ≤ upper" (published values and CIs are rounded independently).
CI_TOLERANCE = 1e-6
#: Tolerance for "the weights of each child sum to 1" (published apportionment weights are rounded).
WEIGHT_TOLERANCE = 1e-3


# --- schemas --------------------------------------------------------------------------------------------------
def _text(nullable: bool = False, checks=None) -> pa.Column:
    return pa.Column(object, nullable=nullable, checks=checks, coerce=False)


def _one_of(options: Iterable[str], what: str) -> pa.Check:
    options = list(options)
    return pa.Check.isin(options, error=f"{what}: one of {', '.join(options)}")


def _number(nullable: bool = True, non_negative: bool = False, what: str = "numbers") -> pa.Column:
    checks = [pa.Check.ge(0, error=f"{what} of zero or more (no negative numbers)")] if non_negative else None
    return pa.Column("float64", nullable=nullable, checks=checks, coerce=True)


def _date() -> pa.Column:
    return pa.Column("datetime64[ns]", nullable=True, coerce=True)


_SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "areas": pa.DataFrameSchema({
        "area_code": _text(),
        "area_name": _text(),
        "area_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
    }),
    "lookups": pa.DataFrameSchema({
        "child_code": _text(),
        "child_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
        "parent_code": _text(),
        "parent_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
        "weight": pa.Column("float64", nullable=False, coerce=True, checks=pa.Check.in_range(
            0, 1, include_min=False, error="a weight above 0 and at most 1")),
    }),
    "geometries": pa.DataFrameSchema({
        "area_code": _text(),
        "area_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
    }),
    "indicators": pa.DataFrameSchema({
        "indicator_id": _text(),
        "name": _text(),
        "value_type": _text(checks=_one_of(VALUE_TYPES, "a value type")),
        "multiplier": pa.Column("float64", nullable=False, coerce=True,
                                checks=pa.Check.gt(0, error="a multiplier above 0 (e.g. 100 for a percentage)")),
        "unit": _text(),
        "polarity": _text(checks=_one_of(POLARITIES, "a polarity")),
        "source": _text(),
        "licence": _text(),
        "frequency": _text(),
        "published": _date(),
        "lag_months": pa.Column("float64", nullable=True, coerce=True,
                                checks=pa.Check.gt(0, error="a number of months above 0")),
    }),
    "values": pa.DataFrameSchema({
        "indicator_id": _text(),
        "area_code": _text(),
        "area_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
        "period": _text(),
        "period_start": _date(),
        "period_end": _date(),
        "sex": _text(checks=_one_of(SEXES, "a sex")),
        "age": _text(),
        "category_type": _text(),
        "category": _text(),
        "count": _number(non_negative=True, what="counts"),
        "denominator": _number(non_negative=True, what="denominators"),
        "value": _number(),
        "lower_ci_95": _number(),
        "upper_ci_95": _number(),
        "lower_ci_99_8": _number(),
        "upper_ci_99_8": _number(),
        "value_note": _text(),
    }),
    "population": pa.DataFrameSchema({
        "area_code": _text(),
        "period": _text(),
        "sex": _text(checks=_one_of(SEXES, "a sex")),
        "age_band": _text(),
        "population": _number(nullable=False, non_negative=True, what="populations"),
    }),
    "flows": pa.DataFrameSchema({
        "origin_code": _text(),
        "origin_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
        "destination_code": _text(),
        "destination_type": _text(checks=_one_of(AREA_TYPES, "an area type")),
        "period": _text(),
        "count": _number(nullable=False, non_negative=True, what="counts"),
    }),
}

_TEXT_COLUMNS: dict[str, list[str]] = {
    name: [c for c, col in schema.columns.items() if str(col.dtype) in ("object", "str")]
    for name, schema in _SCHEMAS.items()
}


def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a canonical table (types, nulls, allowed values, non-negative counts)."""
    _check_table_name(table)
    return _SCHEMAS[table]


# --- helpers --------------------------------------------------------------------------------------------------
def _check_table_name(table: str) -> None:
    if table not in CANONICAL_COLUMNS:
        close = difflib.get_close_matches(table, list(CANONICAL_COLUMNS), n=1)
        hint = f"did you mean {close[0]!r}?" if close else None
        raise DataError(f"There is no canonical table called {table!r}.",
                        expected="one of " + ", ".join(CANONICAL_COLUMNS), hint=hint)


def _row_numbers(index: pd.Index, labels: Iterable) -> list[int]:
    """1-based data rows for index ``labels`` (see the module docstring), each once, in file order."""
    labels = list(labels)
    if pd.api.types.is_integer_dtype(index):
        return sorted({int(lab) + 1 for lab in labels})
    pos = index.get_indexer(labels)
    return sorted(int(p) + 1 for p in pos if p >= 0)


def _mask_rows(df: pd.DataFrame, mask) -> list[int]:
    mask = np.asarray(mask, dtype=bool)
    return _row_numbers(df.index, df.index[mask])


def _rows_error(problem: str, df: pd.DataFrame, bad, *, source: str | None, column: str,
                values: list | Callable[[int], str], expected: str) -> DataError:
    """A DataError about the rows of ``df`` where ``bad`` is true (their numbers as a person counts them);
    ``values`` may be a function giving the example shown for the first bad row (by position)."""
    if callable(values):
        values = [values(int(np.flatnonzero(bad)[0]))]
    return DataError(problem, file=source, column=column, rows=_mask_rows(df, bad), values=values, expected=expected)


def _as_text(s: pd.Series) -> pd.Series:
    """Strings stay strings; numbers become their text (codes such as 123 → "123"); blanks stay missing."""
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty"):
        return s
    out = s.astype(object)
    present = out.notna().to_numpy()
    if pd.api.types.is_float_dtype(s):
        # Floats that are whole numbers came from a CSV column with blanks: 123.0 should read "123".
        v = s.to_numpy(dtype=float)
        whole = present & (np.mod(np.where(present, v, 0), 1) == 0)
        out[whole] = pd.Series(v[whole]).astype(np.int64).astype(str).to_numpy()
        rest = present & ~whole
        out[rest] = pd.Series(v[rest]).astype(str).to_numpy()
    else:
        out[present] = out[present].astype(str)
    return out


def _missing_columns(table: str, df: pd.DataFrame, source: str | None) -> None:
    optional = OPTIONAL_COLUMNS[table]
    required = [c for c in CANONICAL_COLUMNS[table] if c not in optional]
    missing = [c for c in required if c not in df.columns]
    if not missing:
        return
    extra = [str(c) for c in df.columns if c not in CANONICAL_COLUMNS[table]]
    hints = []
    for col in missing:
        close = difflib.get_close_matches(col, extra, n=1, cutoff=0.6)
        if close:
            hints.append(f"did you mean {close[0]!r} for {col!r}?")
    raise DataError(
        f"The {table} table is missing {len(missing)} required column(s): {', '.join(missing)}.",
        file=source, column=missing[0],
        expected=f"columns {', '.join(required)} (found: {', '.join(map(str, df.columns)) or 'none'})",
        hint=" ".join(hints) or None,
    )


def _describe_check(check: str, column: str) -> str:
    if check.startswith("coerce_dtype") or check.startswith("dtype("):
        if "datetime" in check:
            return "dates (e.g. 2021-03-21)"
        if "float" in check or "int" in check:
            return "numbers (e.g. 12 or 0.5; no text, no thousands separators left unparsed)"
        return "text"
    if check == "not_nullable":
        return f"a value in every row of {column} (no blanks)"
    return check


def _raise_pandera(table: str, exc: SchemaErrors, df: pd.DataFrame, source: str | None) -> None:
    fc = exc.failure_cases.copy()
    order = {c: i for i, c in enumerate(CANONICAL_COLUMNS[table])}
    fc["_col_order"] = fc["column"].map(lambda c: order.get(c, len(order)))
    # Type problems first (a column that is not numbers makes its other checks meaningless), then blanks, then rules.
    fc["_kind"] = np.select(
        [fc["check"].astype(str).str.startswith("coerce_dtype"), fc["check"].astype(str).str.startswith("dtype("),
         fc["check"].astype(str).eq("not_nullable")], [0, 1, 2], 3)
    fc = fc[fc["index"].notna()] if fc["index"].notna().any() else fc
    fc = fc[fc["_kind"] != 1] if (fc["_kind"] != 1).any() else fc  # "dtype(...)" repeats a failed coercion
    fc = fc.sort_values(["_kind", "_col_order"], kind="stable")
    first = fc.iloc[0]
    column, check = first["column"], str(first["check"])
    group = fc[(fc["column"] == column) & (fc["check"].astype(str) == check)]
    rows = _row_numbers(df.index, group["index"].dropna().tolist())
    values = [v for v in group["failure_case"].tolist()[:10]]
    others = (fc[(fc["column"] != column)].drop_duplicates(["column"])
              [["column", "check"]].head(5))
    hint = None
    if len(others):
        hint = "also: " + "; ".join(f"{c} ({_describe_check(str(k), c)})" for c, k in others.itertuples(index=False))
    expected = _describe_check(check, str(column))
    if check.startswith(("coerce_dtype", "dtype(")):
        problem = f"Column {column} of the {table} table holds values that are not {expected.split(' (')[0]}."
    elif check == "not_nullable":
        problem = f"Column {column} of the {table} table has blank values."
    else:
        problem = f"Column {column} of the {table} table has values outside what is allowed."
    raise DataError(problem, file=source, column=str(column), rows=rows, values=values, expected=expected, hint=hint)


# --- cross-column rules ---------------------------------------------------------------------------------------
def _check_unique(table: str, df: pd.DataFrame, source: str | None) -> None:
    """No two rows share a key; the error lists the rows of the first repeated key only (with those of other keys
    the rows would look unrelated to the key shown) and says how many other keys repeat."""
    keys = KEYS[table]
    dup = df.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        group = df.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
        same = group == group[dup][0]
        first, others = df.loc[same, keys].iloc[0], len(set(group[dup])) - 1
        raise DataError(
            f"The {table} table has {int(dup.sum())} rows that repeat a key: {int(same.sum())} share the key shown"
            + (f"; {others} other key(s) repeat too." if others else "."),
            file=source, column="+".join(keys), rows=_mask_rows(df, same),
            values=[", ".join(f"{k}={first[k]!r}" for k in keys)],
            expected=f"one row per {' + '.join(keys)}",
        )


def _check_ci(df: pd.DataFrame, source: str | None) -> None:
    v = df["value"].to_numpy(dtype=float)
    for lo_col, hi_col in CI_PAIRS:
        lo, hi = df[lo_col].to_numpy(dtype=float), df[hi_col].to_numpy(dtype=float)
        tol = CI_TOLERANCE * np.maximum(1.0, np.abs(v))
        with np.errstate(invalid="ignore"):
            bad = ~np.isnan(v) & ~np.isnan(lo) & ~np.isnan(hi) & ((lo > v + tol) | (v > hi + tol))
        if bad.any():
            raise _rows_error(f"The confidence interval {lo_col}–{hi_col} does not bracket the value in "
                              f"{int(bad.sum())} rows.", df, bad, source=source, column=f"{lo_col}, value, {hi_col}",
                              values=lambda i: f"{lo[i]} ≤ {v[i]} ≤ {hi[i]} is false",
                              expected=f"{lo_col} ≤ value ≤ {hi_col} wherever all three are given")


def _check_count_within_denominator(df: pd.DataFrame, indicators: pd.DataFrame | None, source: str | None) -> None:
    if indicators is None or not len(df):
        return
    vt = df["indicator_id"].map(indicators.drop_duplicates("indicator_id").set_index("indicator_id")["value_type"])
    c, d = df["count"].to_numpy(dtype=float), df["denominator"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = (vt == "proportion").to_numpy() & (c > d)
    if bad.any():
        raise _rows_error(f"{int(bad.sum())} rows of a proportion indicator have a count above the denominator.",
                          df, bad, source=source, column="count", expected="count ≤ denominator for value_type "
                          "proportion (a part cannot exceed the whole)",
                          values=lambda i: f"{df['area_code'].iloc[i]}: count {c[i]:g} > denominator {d[i]:g} "
                                           f"({df['indicator_id'].iloc[i]})")


#: Value types whose values cannot be negative (a share, a rate, a ratio of counts, years of life). Not ``count``:
#: a published count may be a net change (net migration); its ``count`` column is checked, and so are extracts.
NON_NEGATIVE_VALUE_TYPES = ("proportion", "crude_rate", "dsr", "ratio", "life_expectancy")


def _check_value_range(df: pd.DataFrame, indicators: pd.DataFrame | None, source: str | None) -> None:
    """No negative shares, rates, ratios or life expectancies (a proportion may pass 100%: bed occupancy)."""
    if indicators is None or not len(df):
        return
    vt = df["indicator_id"].map(indicators.drop_duplicates("indicator_id").set_index("indicator_id")["value_type"])
    v = df["value"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        bad = vt.isin(NON_NEGATIVE_VALUE_TYPES).to_numpy() & (v < 0)
    if bad.any():
        raise _rows_error(f"{int(bad.sum())} rows have values below zero.", df, bad, source=source, column="value",
                          values=lambda i: f"{df['area_code'].iloc[i]} {df['period'].iloc[i]}: {v[i]:g} "
                                           f"({df['indicator_id'].iloc[i]}, a {vt.iloc[i]})",
                          expected="zero or more for value types " + ", ".join(NON_NEGATIVE_VALUE_TYPES))


def _check_weights(df: pd.DataFrame, source: str | None) -> None:
    sums = df.groupby(["child_code", "child_type", "parent_type"], sort=False)["weight"].transform("sum")
    bad = (sums - 1).abs().to_numpy() > WEIGHT_TOLERANCE
    if bad.any():
        problem = f"The weights of {df.loc[bad, 'child_code'].nunique()} child areas do not add up to 1."
        raise _rows_error(problem, df, bad, source=source, column="weight",
                          values=lambda i: f"{df['child_code'].iloc[i]} → {df['parent_type'].iloc[i]}: "
                                           f"sum {sums.iloc[i]:.4f}",
                          expected="the weights of each child area to each parent type add up to 1 (±0.001)")


def _check_geometry(df, source: str | None) -> None:
    if "geometry" not in df.columns:
        raise DataError("The geometries table has no geometry column.", file=source, column="geometry",
                        expected="a GeoDataFrame with area_code, area_type, geometry")
    missing = df.geometry.isna().to_numpy() | df.geometry.is_empty.to_numpy()
    if missing.any():
        raise _rows_error(f"{int(missing.sum())} areas have no geometry.", df, missing, source=source,
                          column="geometry", values=df.loc[missing, "area_code"].head(5).tolist(),
                          expected="a polygon for every area")
    crs = getattr(df, "crs", None)
    if crs is None or crs.to_epsg() != 4326:
        raise DataError("Geometries must be stored in longitude/latitude (EPSG:4326).", file=source,
                        column="geometry", values=[str(crs)], expected="CRS EPSG:4326 (reproject with to_crs(4326))")


# --- public ---------------------------------------------------------------------------------------------------
def validate(table: str, df: pd.DataFrame, *, source: str | None = None,
             indicators: pd.DataFrame | None = None, areas: pd.DataFrame | None = None) -> pd.DataFrame:
    """Validate and coerce a canonical table; return it with the canonical columns in order.

    ``source`` names the file (or producer) for error messages. With ``indicators`` given, proportions must
    have count ≤ denominator, and no share, rate, ratio or life expectancy may be negative; with ``areas`` given,
    every area code must be known.
    Raises :class:`DataError` on the first kind of problem found.
    """
    _check_table_name(table)
    if df is None or not isinstance(df, pd.DataFrame):
        raise DataError(f"Expected a table (DataFrame) for {table}, got {type(df).__name__}.", file=source,
                        expected=f"a DataFrame with columns {', '.join(CANONICAL_COLUMNS[table])}")
    _missing_columns(table, df, source)
    if len(df) == 0 and table not in ("flows",):
        raise DataError(f"The {table} table has no rows.", file=source,
                        expected=f"at least one data row under the header ({', '.join(CANONICAL_COLUMNS[table])})")
    work = df.copy()
    for col, fill in OPTIONAL_COLUMNS[table].items():
        if col not in work.columns:
            work[col] = fill
    for col in _TEXT_COLUMNS[table]:
        work[col] = _as_text(work[col])
    for col in BLANK_IS_EMPTY.get(table, ()):
        work[col] = work[col].where(work[col].notna(), "")
    if table == "indicators":  # data currency: a lag not given is the default of the indicator's frequency
        missing = work["lag_months"].isna()
        if missing.any():
            work["lag_months"] = work["lag_months"].astype(object).where(
                ~missing, work["frequency"].map(default_lag_months))
    geometry = work["geometry"] if table == "geometries" and "geometry" in work.columns else None
    if table == "geometries":
        _check_geometry(work, source)
    cols = [c for c in CANONICAL_COLUMNS[table] if c != "geometry"]
    try:
        checked = _SCHEMAS[table].validate(work[cols], lazy=True)
    except SchemaErrors as exc:
        _raise_pandera(table, exc, work, source)
        raise  # pragma: no cover - _raise_pandera always raises
    if table == "values":
        _check_ci(checked, source)
        _check_count_within_denominator(checked, indicators, source)
        _check_value_range(checked, indicators, source)
    if table == "lookups":
        _check_weights(checked, source)
    _check_unique(table, checked, source)
    if areas is not None:
        for col, type_col in _CODE_COLUMNS[table]:
            validate_area_codes(checked, areas, column=col, type_column=type_col, source=source)
    if table == "geometries":
        import geopandas as gpd

        out = gpd.GeoDataFrame(checked.assign(geometry=geometry.values), geometry="geometry", crs=df.crs)
        return out[CANONICAL_COLUMNS[table]].reset_index(drop=True)
    return checked[CANONICAL_COLUMNS[table]].reset_index(drop=True)


#: The area code columns of each table (with the column of their area type, if any).
_CODE_COLUMNS: dict[str, list[tuple[str, str | None]]] = {
    "areas": [], "indicators": [], "geometries": [("area_code", "area_type")], "values": [("area_code", "area_type")],
    "population": [("area_code", None)], "lookups": [("child_code", "child_type"), ("parent_code", "parent_type")],
    "flows": [("origin_code", "origin_type"), ("destination_code", "destination_type")]}


def validate_area_codes(df: pd.DataFrame, areas: pd.DataFrame, *, column: str = "area_code",
                        type_column: str | None = None, source: str | None = None) -> None:
    """Every code in ``df[column]`` must be in the areas table (of the same type, if ``type_column`` is given)."""
    if column not in df.columns:
        raise DataError(f"No column {column} to check area codes in.", file=source, column=column,
                        expected="a column of area codes")
    codes = df[column].astype(str)
    if type_column and type_column in df.columns:
        # One isin per area type (vectorised; a MultiIndex over both columns is much slower on big tables).
        types = df[type_column].astype(str).to_numpy()
        known = areas.groupby(areas["area_type"].astype(str))["area_code"].agg(lambda s: set(s.astype(str)))
        ok = np.zeros(len(df), dtype=bool)
        for area_type in pd.unique(types):
            sel = types == area_type
            if area_type in known.index:
                ok[sel] = codes[sel].isin(known[area_type]).to_numpy()
    else:
        ok = codes.isin(set(areas["area_code"].astype(str))).to_numpy()
    bad = ~np.asarray(ok, dtype=bool)
    if bad.any():
        unknown = pd.unique(codes[bad])
        raise _rows_error(f"{len(unknown)} area codes in column {column} are not in the areas table.", df, bad,
                          source=source, column=column, values=list(unknown[:10]),
                          expected="codes listed in the areas table"
                          + (f" with the same {type_column}" if type_column else ""))


def lsoa_vintages(lookup: pd.DataFrame) -> tuple[set[str], set[str]]:
    """(codes only in LSOA 2011, codes only in LSOA 2021) from a lookup between the two vintages.

    Accepts the canonical lookups table (child_type lsoa11 → parent_type lsoa21) or the ONS
    LSOA11→LSOA21 file (columns LSOA11CD, LSOA21CD).
    """
    if {"child_code", "parent_code", "child_type", "parent_type"} <= set(lookup.columns):
        sel = lookup[(lookup["child_type"] == "lsoa11") & (lookup["parent_type"] == "lsoa21")]
        c11, c21 = sel["child_code"], sel["parent_code"]
    elif {"LSOA11CD", "LSOA21CD"} <= set(lookup.columns):
        c11, c21 = lookup["LSOA11CD"], lookup["LSOA21CD"]
    else:
        raise DataError("This table is not a lookup between LSOA 2011 and LSOA 2021 codes.",
                        column=", ".join(map(str, lookup.columns[:6])),
                        expected="child_code/parent_code with child_type lsoa11 and parent_type lsoa21, "
                                 "or the ONS columns LSOA11CD and LSOA21CD")
    s11, s21 = set(c11.astype(str)), set(c21.astype(str))
    return s11 - s21, s21 - s11


def check_lsoa_vintage(df: pd.DataFrame, lookup: pd.DataFrame, *, column: str = "area_code",
                       source: str | None = None) -> str | None:
    """Refuse a table that mixes LSOA 2011 and LSOA 2021 codes; return the vintage found ("lsoa11"/"lsoa21"/None).

    Most LSOA codes are the same in both vintages; only codes that exist in one vintage alone (from the
    lookup) tell them apart. A table holding both kinds would silently double count or drop areas when joined.
    A row whose ``area_type`` says the other vintage is refused too.
    """
    only11, only21 = lsoa_vintages(lookup)
    codes = df[column].astype(str)
    is11, is21 = codes.isin(only11).to_numpy(), codes.isin(only21).to_numpy()
    if is11.any() and is21.any():
        minority, name, other = (is11, "2011", "2021") if is11.sum() <= is21.sum() else (is21, "2021", "2011")
        raise _rows_error(f"Column {column} mixes LSOA 2011 and LSOA 2021 codes ({int(is11.sum())} only in 2011, "
                          f"{int(is21.sum())} only in 2021).", df, minority, source=source, column=column,
                          values=list(pd.unique(codes[minority])[:10]),
                          expected=f"codes of one LSOA vintage only (most rows are LSOA {other}; convert the LSOA "
                                   f"{name} rows with the LSOA 2011→2021 lookup first)")
    if "area_type" in df.columns:
        at = df["area_type"].astype(str).to_numpy()
        bad = (is11 & (at == "lsoa21")) | (is21 & (at == "lsoa11"))
        if bad.any():
            raise _rows_error(f"{int(bad.sum())} rows have an LSOA code of the other vintage than their area_type "
                              "says.", df, bad, source=source, column=column, values=list(pd.unique(codes[bad])[:10]),
                              expected="area_type lsoa11 for codes that exist only in 2011 and lsoa21 for codes only "
                                       "in 2021")
    return "lsoa11" if is11.any() else "lsoa21" if is21.any() else None


__all__ = ["validate", "validate_area_codes", "check_lsoa_vintage", "lsoa_vintages", "schema", "KEYS",
           "OPTIONAL_COLUMNS", "SEXES"]
