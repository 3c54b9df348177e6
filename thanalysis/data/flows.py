"""Flows tables outside the store: a user's own flows CSV, and the check every table of flows passes.

The store's own flows come through :meth:`thanalysis.data.store.Store.flows`. A report may also be given a
CSV of resident area → provider flows in the canonical layout (``origin_code, origin_type, destination_code,
destination_type, period, count``): :func:`read_flows_csv` reads and validates it. :func:`flow_counts` is the
one check of a derived flows table (a source column, a target column and non-negative counts), used both by
the cross-borough shares and by the Sankey chart.
"""
from __future__ import annotations

import os

import pandas as pd

from thanalysis.data.schemas import validate
from thanalysis.errors import DataError

#: How the columns of a user's flows CSV are read (counts are parsed by the flows schema).
_TEXT_COLUMNS = {"origin_code": str, "origin_type": str, "destination_code": str, "destination_type": str,
                 "period": str}


def read_flows_csv(path: str | os.PathLike) -> pd.DataFrame:
    """A user's own flows table in the canonical layout, checked with the flows schema."""
    try:
        df = pd.read_csv(path, dtype=_TEXT_COLUMNS, encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError("The flows file was not found.", file=str(path),
                        expected="a CSV with origin_code, origin_type, destination_code, destination_type, period, "
                                 "count") from None
    return validate("flows", df, source=str(path))


def flow_counts(flows: pd.DataFrame, source: str, target: str, count: str, *,
                table: str = "flows table") -> pd.DataFrame:
    """``flows[[source, target, count]]`` with the counts as numbers, after checking that the three columns
    exist and that every count is a number of zero or more (a :class:`DataError` names the ``table``, the
    column and the first offending rows otherwise)."""
    for col in (source, target, count):
        if col not in flows.columns:
            raise DataError(f"The {table} is missing a column.", column=col,
                            expected=f"columns {source}, {target}, {count}")
    f = flows[[source, target, count]].copy()
    f[count] = pd.to_numeric(f[count], errors="coerce")
    bad = f[count].isna() | (f[count] < 0)
    if bad.any():
        raise DataError("Flow counts must be numbers of zero or more.", column=count,
                        rows=[i + 1 for i in range(len(f)) if bad.iloc[i]][:10], expected="non-negative numbers")
    return f


__all__ = ["read_flows_csv", "flow_counts"]
