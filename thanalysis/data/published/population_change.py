"""ONS mid-year population estimates and components of change by local authority, mid-2001 to mid-2020.

``population/ons_mye_components_2001_2020/populations.csv`` (republished in tom-tj/London-Healthcare-Dashboard): one
row per local authority of the UK on 2020 codes (379 rows: England, Wales, Scotland, Northern Ireland), wide, one
column per component and year (``births_2002`` ... ``population_2020``). The vintage is before the 2021 Census, so
these estimates are not rebased to it (Tower Hamlets mid-2020: 331,969; Census 2021: 310,306).

Long canonical values, area type ``la``, value type ``count``:

- ``ons_mye_population``: the estimate at mid-year (period ``"mid-2020"``, start = end = 30 June);
- the components over each year to mid-year (period ``"mid-2019 to mid-2020"``, 1 July to 30 June): births,
  deaths, natural change, internal and international migration in, out and net, and other change.

Net flows and other change can be negative: they are in ``value`` only (``count`` holds non-negative counts).
Checks: each year's accounts balance, population = last year's + natural change + net internal + net international +
other change; natural change = births - deaths; net = in - out. Scottish figures come from National Records of
Scotland, which rounds migration to the nearest 10, so Scottish identities are allowed :data:`ACCOUNT_TOLERANCE`;
elsewhere (England, Wales, Northern Ireland) they must hold exactly, as they do in this file. Blanks or markers
are not expected: any is a DataError naming the cell.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows
from thanalysis.data.published.series import PublishedSeries, finish, indicator_table, read_table, require_codes
from thanalysis.errors import DataError

FOLDER = "population/ons_mye_components_2001_2020"
FILE = f"{FOLDER}/populations.csv"
SOURCE = ("Office for National Statistics, mid-year population estimates: detailed time series of components of "
          "change by local authority, mid-2001 to mid-2020 (2020 boundaries); republished by "
          "tom-tj/London-Healthcare-Dashboard")
LICENCE = "Open Government Licence v3.0"
CODE, NAME, COUNTRY = "lacode20", "laname20", "country"
#: Largest allowed gap (people) in an identity of a Scottish authority's accounts: NRS rounds flows to tens.
ACCOUNT_TOLERANCE = 20
FREQUENCY = "annual (mid-year, 30 June)"
#: File component → (indicator_id, name, can be negative).
COMPONENTS = {
    "population": ("ons_mye_population", "Mid-year population estimate (ONS, pre-2021-Census vintage)", False),
    "births": ("ons_mye_births", "Live births in the year to mid-year (ONS components of change)", False),
    "deaths": ("ons_mye_deaths", "Deaths in the year to mid-year (ONS components of change)", False),
    "natchange": ("ons_mye_natural_change", "Natural change, births minus deaths, in the year to mid-year", True),
    "internal_in": ("ons_mye_internal_in", "Internal migration into the area (moves within the UK)", False),
    "internal_out": ("ons_mye_internal_out", "Internal migration out of the area (moves within the UK)", False),
    "internal_net": ("ons_mye_internal_net", "Net internal migration (in minus out, moves within the UK)", True),
    "international_in": ("ons_mye_international_in", "International migration into the area", False),
    "international_out": ("ons_mye_international_out", "International migration out of the area", False),
    "international_net": ("ons_mye_international_net", "Net international migration (in minus out)", True),
    "other_change": ("ons_mye_other_change", "Other change (armed forces, prisoners, adjustments)", True),
}
UNITS = {"population": "people", "births": "births", "deaths": "deaths"}
#: (indicator_id, name, value_type, multiplier, unit, polarity, frequency): counts without a judgement.
INDICATORS = tuple((ind, name, "count", 1, UNITS.get(comp, "people"), "no_judgement", FREQUENCY)
                   for comp, (ind, name, _) in COMPONENTS.items())
_COLUMN = re.compile(r"^(" + "|".join(sorted(COMPONENTS, key=len, reverse=True)) + r")_(\d{4})$")
SCOTLAND_NOTE = "National Records of Scotland rounds migration to the nearest 10"


def _columns(header: list[str]) -> dict[str, tuple[str, int]]:
    """Component-year columns of the header: ``{"births_2002": ("births", 2002), ...}``; others are an error."""
    out, unknown = {}, []
    for col in header:
        if col in (CODE, NAME, COUNTRY):
            continue
        m = _COLUMN.match(col)
        if m:
            out[col] = (m.group(1), int(m.group(2)))
        else:
            unknown.append(col)
    if unknown:
        raise DataError("The file has columns that are not a component and a year.", file=FILE, column=unknown[0],
                        values=unknown[:5], expected="names such as births_2002 or population_2020 with components "
                                                     + ", ".join(COMPONENTS))
    years = sorted({y for c, y in out.values() if c != "population"})
    missing = [f"{c}_{y}" for y in years for c in COMPONENTS if f"{c}_{y}" not in out]
    missing += [f"population_{y}" for y in [years[0] - 1] if years and f"population_{y}" not in out]
    if missing or not years:
        raise DataError("The file lacks component columns for some years.", file=FILE, column=(missing or [""])[0],
                        values=missing[:5], expected="every component for every year, and the population the "
                                                     "year before the first")
    return out


def _check_accounts(t: pd.DataFrame, years: list[int]) -> None:
    tolerance = np.where(t[CODE].str.startswith("S").to_numpy(), ACCOUNT_TOLERANCE, 0)

    def check(lhs: pd.Series, rhs: pd.Series, column: str, rule: str) -> None:
        gap = (lhs - rhs).abs()
        bad = gap.to_numpy() > tolerance
        if bad.any():
            raise DataError(f"Column {column} does not balance the accounts: {rule}.", file=FILE, column=column,
                            rows=data_rows(t.index[bad]),
                            values=[f"{c}: off by {g:g}" for c, g in zip(t.loc[bad, CODE].head(5), gap[bad].head(5))],
                            expected=f"{rule} (exactly; to within {ACCOUNT_TOLERANCE} in Scotland, for NRS's rounding)")

    for y in years:
        c = {k: t[f"{k}_{y}"] for k in COMPONENTS}
        check(c["natchange"], c["births"] - c["deaths"], f"natchange_{y}", "natural change = births - deaths")
        for flow in ("internal", "international"):
            check(c[f"{flow}_net"], c[f"{flow}_in"] - c[f"{flow}_out"], f"{flow}_net_{y}", "net = in - out")
        check(c["population"], t[f"population_{y - 1}"] + c["natchange"] + c["internal_net"] + c["international_net"]
              + c["other_change"], f"population_{y}",
              "population = last year's + natural change + net internal + net international + other change")


def read(root: Path) -> PublishedSeries:
    """Population and components of change for every authority and year, as validated canonical tables."""
    root = Path(root)
    read_table(root, FILE, text=[CODE, NAME, COUNTRY])  # the file, its encoding and its shape, checked first
    header = [str(c).strip() for c in pd.read_csv(root / FILE, nrows=0, encoding="utf-8-sig").columns]
    cols = _columns(header)
    t = read_table(root, FILE, text=[CODE, NAME, COUNTRY], numeric=list(cols))
    missing = t[list(cols)].isna().to_numpy()
    if missing.any():
        j = np.argwhere(missing)[0][1]
        col = list(cols)[j]
        raise DataError(f"Column {col} has blank cells.", file=FILE, column=col,
                        rows=data_rows(t.index[missing[:, j]]), expected="a number in every cell")
    require_codes(t, CODE, r"[ENSW]\d{8}", file=FILE, what="local authority", example="E09000030")
    never_negative = [c for c, (comp, _) in cols.items() if not COMPONENTS[comp][2]]
    neg = t[never_negative].lt(0).to_numpy()
    if neg.any():
        j = np.argwhere(neg)[0][1]
        raise DataError(f"Column {never_negative[j]} has negative numbers.", file=FILE, column=never_negative[j],
                        rows=data_rows(t.index[neg[:, j]]), expected="counts of zero or more")
    _check_accounts(t, sorted({y for comp, y in cols.values() if comp != "population"}))

    codes = t[CODE].to_numpy(dtype=object)
    note = np.where(t[CODE].str.startswith("S").to_numpy(), SCOTLAND_NOTE, "")
    frames = []
    for col, (comp, year) in cols.items():
        if comp == "population":
            period, start = f"mid-{year}", pd.Timestamp(year, 6, 30)
        else:
            period, start = f"mid-{year - 1} to mid-{year}", pd.Timestamp(year - 1, 7, 1)
        value = t[col].to_numpy(dtype=float)
        flow = comp.startswith(("internal", "international", "other"))
        frames.append(pd.DataFrame({
            "indicator_id": COMPONENTS[comp][0], "area_code": codes, "area_type": "la", "period": period,
            "period_start": start, "period_end": pd.Timestamp(year, 6, 30),
            "count": np.nan if COMPONENTS[comp][2] else value, "value": value,
            "value_note": note if flow else ""}))
    return finish(frames, indicators(root), root=root, folder=FOLDER, files=[FILE], source=FILE)


def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`COMPONENTS`; no file is read)."""
    return indicator_table(INDICATORS, source=SOURCE, licence=LICENCE, file=f"{FILE} (indicator definitions)")


def area_names(root: Path) -> pd.DataFrame:
    """``area_code, area_name, country`` of the authorities in the file (2020 codes and names)."""
    t = read_table(Path(root), FILE, text=[CODE, NAME, COUNTRY])
    return pd.DataFrame({"area_code": t[CODE].to_numpy(), "area_name": t[NAME].to_numpy(),
                         "country": t[COUNTRY].to_numpy()})


__all__ = ["read", "indicators", "area_names", "COMPONENTS", "INDICATORS", "ACCOUNT_TOLERANCE", "FILE", "FOLDER"]
