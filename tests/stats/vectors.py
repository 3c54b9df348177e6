"""Read the peer test vectors (xlsx / csv / rda) and compare results with them: the one helper for every
statistics test (intervals, standardisation, life expectancy, inequality, quantiles, funnels, trends).

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
#: Monte Carlo confidence limits of the SII: 5% relative, as upstream.
MC_RTOL = 0.05
#: The funnel CSVs store values to 7-10 significant figures and upstream found the exact Poisson
#: limits by iteration: our chi-squared values agree to about 2e-7 relative, and to 5e-5 for the
#: tiniest expected counts (e.g. 0.0010005 against 0.00100050 for one event at 99.8%).
FUNNEL_POISSON_RTOL = 5e-5
#: Proportion funnel limits in the CSVs carry 7 significant figures.
FUNNEL_PROPORTION_RTOL = 1e-6

SII_FILE = "testdata_SII.xlsx"
QUANTILES_FILE = "testdata_Quantiles.xlsx"
TREND_FILE = "dev_add_trend_markers__testdata_trend_markers.xlsx"


@lru_cache(maxsize=None)
def _workbook(path: str, keep_default_na: bool = True) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, keep_default_na=keep_default_na)


def sheet(root: Path, package: str, file: str, name: str | None = None, *, keep_default_na: bool = True) -> pd.DataFrame:
    """One sheet (the first if no name) of a test-vector workbook, as a fresh copy."""
    book = _workbook(str(Path(root) / package / file), keep_default_na)
    return (book[name] if name else next(iter(book.values()))).copy()


def csv(root: Path, package: str, file: str, **kwargs) -> pd.DataFrame:
    """A test-vector CSV (a byte-order mark, if any, is dropped)."""
    kwargs.setdefault("encoding", "utf-8-sig")
    return pd.read_csv(Path(root) / package / file, **kwargs)


def rda(root: Path, package: str, file: str) -> dict[str, pd.DataFrame]:
    """The data frames of an R data file (.rda), by name."""
    import pyreadr  # read only by the tests that use .rda vectors

    return dict(pyreadr.read_r(str(Path(root) / package / file)))


def sii_blocks(root: Path) -> dict[int, pd.DataFrame]:
    """The 29 test blocks of testdata_SII.xlsx, numbered from 1 in file order."""
    data = sheet(root, PHE, SII_FILE)
    block = (data["TestDescription"] != data["TestDescription"].shift()).cumsum()
    return {int(b): g.reset_index(drop=True) for b, g in data.groupby(block)}


def quantile_vectors(root: Path) -> pd.DataFrame:
    """testdata_Quantiles.xlsx as upstream prepares it: Rank, RevValue, Sex, RowsInGrp dropped,
    GroupSet read as text ("None" is a label), values numeric, expected quantile as a float."""
    data = sheet(root, PHE, QUANTILES_FILE, keep_default_na=False).drop(columns=["Rank", "RevValue", "Sex", "RowsInGrp"])
    for column, name in (("Value", "Value"), ("QuantileInGrp", "expected")):
        text = data[column].astype(str).str.strip()
        blank = text.isin(["", "NA"])
        data[name] = pd.to_numeric(text.where(~blank, None), errors="raise")
    return data


def assert_close(actual, expected, *, rtol: float, atol: float = 0.0, what: str = "") -> None:
    """Element-wise ``|a − e| <= atol + rtol·|e|``; missing must be missing in both."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    assert a.shape == e.shape, f"{what}: shape {a.shape} != expected {e.shape}"
    a_nan, e_nan = np.isnan(a), np.isnan(e)
    assert (a_nan == e_nan).all(), f"{what}: missing values differ: got {a.tolist()}, expected {e.tolist()}"
    diff = np.abs(a[~a_nan] - e[~e_nan])
    ok = diff <= atol + rtol * np.abs(e[~e_nan])
    if not ok.all():
        worst = int(np.argmax(diff - rtol * np.abs(e[~e_nan])))
        raise AssertionError(
            f"{what}: {int((~ok).sum())} of {ok.size} differ (rtol={rtol}, atol={atol}); "
            f"e.g. got {a[~a_nan][worst]!r}, expected {e[~e_nan][worst]!r}"
        )


def assert_row(actual: pd.Series, expected: pd.Series, pairs: dict[str, str], *, rtol: float, atol: float = 0.0) -> None:
    """Compare ``actual[ours]`` with ``expected[theirs]`` for each ``{ours: theirs}`` pair."""
    for ours, theirs in pairs.items():
        assert_close(actual[ours], expected[theirs], rtol=rtol, atol=atol, what=f"{ours} (vector column {theirs!r})")


def same_text(actual, expected) -> bool:
    """Strings equal, treating every kind of missing (None, NaN) as the same."""
    if pd.isna(expected):
        return actual is None or (isinstance(actual, float) and np.isnan(actual))
    return actual == expected
