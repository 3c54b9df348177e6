"""Small helpers to read the peer test vectors (xlsx / csv / rda) and compare results with them.

The files are read from the folder the ``testvectors_root`` fixture gives (never copied into the repo).
Tolerances are those in testvectors/README.md.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

PHE = "PHEindicatormethods"
PHS = "PHStatsMethods"

#: R testthat's default tolerance, sqrt(.Machine$double.eps), used as a relative tolerance.
R_RTOL = 1.5e-8
#: pandas.testing.assert_frame_equal defaults, as PHStatsMethods' own tests use.
PHS_RTOL = 1e-5
PHS_ATOL = 1e-8


@lru_cache(maxsize=None)
def _excel(path: str) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None)


def sheet(root: Path, package: str, file: str, name: str) -> pd.DataFrame:
    """One sheet of a test-vector workbook (a fresh copy each call)."""
    return _excel(str(Path(root) / package / file))[name].copy()


def csv(root: Path, package: str, file: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(Path(root) / package / file, **kwargs)


def rda(root: Path, package: str, file: str) -> dict[str, pd.DataFrame]:
    import pyreadr

    return dict(pyreadr.read_r(str(Path(root) / package / file)))


def assert_close(actual, expected, *, rtol: float, atol: float = 0.0, what: str = "") -> None:
    """Element-wise ``|a − e| <= atol + rtol·|e|``; missing must be missing in both."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    a_nan, e_nan = np.isnan(a), np.isnan(e)
    assert (a_nan == e_nan).all(), f"{what}: missing values differ: got {a.tolist()}, expected {e.tolist()}"
    ok = np.abs(a[~a_nan] - e[~e_nan]) <= atol + rtol * np.abs(e[~e_nan])
    assert ok.all(), f"{what}: got {a.tolist()}, expected {e.tolist()} (rtol={rtol}, atol={atol})"


def assert_row(actual: pd.Series, expected: pd.Series, pairs: dict[str, str], *, rtol: float, atol: float = 0.0) -> None:
    """Compare ``actual[ours]`` with ``expected[theirs]`` for each ``{ours: theirs}`` pair."""
    for ours, theirs in pairs.items():
        assert_close(actual[ours], expected[theirs], rtol=rtol, atol=atol, what=f"{ours} (vector column {theirs!r})")


def same_text(actual, expected) -> bool:
    """Strings equal, treating every kind of missing (None, NaN) as the same."""
    if pd.isna(expected):
        return actual is None or (isinstance(actual, float) and np.isnan(actual))
    return actual == expected
