"""Ethnic groups of a borough as demographic context (Census 2021 TS021): shares by ward, locality and deprivation.

The inequalities report shows who lives where beside its outcome measures, never among them: ethnic-group shares
have no better or worse direction, so they are compared with the borough as "Higher"/"Similar"/"Lower" and are
never one of the report's largest gaps. :func:`ethnic_groups` builds, for the 5 broad and 19 detailed groups
(``census21_ethnic_group``, Bangladeshi included):

- shares of usual residents by ward and locality with Wilson 95%/99.8% intervals
  (:func:`thanalysis.stats.intervals.values_from_counts`), each compared with the borough share;
- shares by deprivation decile and quintile of the borough's LSOAs, and the slope index of inequality across
  deciles (positive: the group makes up more of the most deprived neighbourhoods' residents);
- a ward check: ward totals built from LSOAs against the published ward table.

**Which ward figures.** LSOAs 2021 straddle ward boundaries; the best-fit lookup gives each LSOA wholly to one ward,
so ward *counts* built from LSOAs differ from the published ward table (measured for Tower Hamlets and Hackney: up
to 22.5% of a ward's residents, :data:`WARD_TOTAL_TOLERANCE`), while ward *shares* agree to within a few percentage
points and borough totals to within ONS's perturbation. So where the store holds the published ward table for every
ward of the borough (Tower Hamlets and Hackney), ward and locality figures come from it (localities are whole
wards); elsewhere they are built from LSOAs and say so. Deprivation groups are always built from LSOAs.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thanalysis.analyses.borough_areas import (CI_COLUMNS, borough_lookups, has_localities, store_indicators,
                                               with_names, with_values)
from thanalysis.analyses.deprivation import SII_TREND_REPETITIONS, sii_by_period
from thanalysis.data.published.census import BOROUGH_TOLERANCE
from thanalysis.geography.hierarchy import aggregate
from thanalysis.stats import compare_with_benchmark

ETHNIC_ID = "census21_ethnic_group"
GROUP_TYPES = ("ethnic_group_broad", "ethnic_group_detailed")
MULTIPLIER = 100.0
#: Ward totals built from LSOAs (best fit) against the published ward table: each ward within this share of its
#: published residents. Measured on the 41 wards: Tower Hamlets median 3.8%, largest 17.7%; Hackney median 7.1%,
#: largest 22.5%. A ward
#: of about 15,000 residents holds about ten LSOAs of about 1,500; best fit moves whole LSOAs, so one or two
#: boundary LSOAs given to a neighbour move 10-20% of a ward: 25% is that, with a margin.
WARD_TOTAL_TOLERANCE = 0.25
PUBLISHED, FROM_LSOAS = "published ward table", "built from LSOAs (best fit)"


@dataclass
class EthnicGroups:
    """The ethnic-group context of one borough (see :func:`ethnic_groups`); every table empty without TS021."""

    by_ward: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_locality: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_deprivation: pd.DataFrame = field(default_factory=pd.DataFrame)
    sii: pd.DataFrame = field(default_factory=pd.DataFrame)
    ward_check: pd.DataFrame = field(default_factory=pd.DataFrame)
    ward_source: str = ""     # PUBLISHED or FROM_LSOAS
    period: str = ""

    @property
    def empty(self) -> bool:
        return self.by_ward.empty

    @property
    def borough(self) -> pd.DataFrame:
        """The borough's share of each group (from the ward table's source), largest first within each type."""
        b = self.by_ward[self.by_ward["area_type"] == "la"]
        return b.sort_values(["category_type", "value"], ascending=[True, False]).reset_index(drop=True)

    @property
    def mapped(self) -> list[str]:
        """The groups the report maps and charts: :meth:`largest_groups`."""
        return self.largest_groups() if not self.empty else []

    def largest_groups(self, n: int = 3, min_share: float = 10.0) -> list[str]:
        """The detailed groups making up at least ``min_share`` % of the borough's residents (at most ``n``,
        largest first; at least the largest one)."""
        b = self.borough
        b = b[b["category_type"] == "ethnic_group_detailed"]
        big = b.loc[b["value"] >= min_share, "category"].head(n).tolist()
        return big or b["category"].head(1).tolist()


def _rows(store, area_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(LSOA rows, published ward rows) of TS021 inside the borough: area_code, category_type, category, counts."""
    lk = borough_lookups(store, area_code)
    lsoas = set(lk.loc[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "la"), "child_code"])
    wards = set(lk.loc[(lk["child_type"] == "ward22") & (lk["parent_type"] == "la"), "child_code"])
    v = store.values([ETHNIC_ID])
    v = v[v["category_type"].isin(GROUP_TYPES) & (v["sex"] == "Persons")]
    keep = ["area_code", "period", "category_type", "category", "count", "denominator"]
    code = v["area_code"].astype(str)
    lsoa = v[(v["area_type"] == "lsoa21") & code.isin(lsoas)][keep]
    ward = v[(v["area_type"] == "ward22") & code.isin(wards)][keep]
    if ward["area_code"].nunique() < len(wards):  # the published table must cover every ward, or none is used
        ward = ward.iloc[:0]
    return lsoa.astype({"area_code": str}), ward.astype({"area_code": str})


def _compared(table: pd.DataFrame) -> pd.DataFrame:
    """Each area's share against the borough's for the same group: Higher/Similar/Lower at 95% and 99.8%."""
    borough = table[table["area_type"] == "la"].set_index(["category_type", "category"])["value"]
    areas = table[table["area_type"] != "la"].copy()
    areas["benchmark_value"] = [borough.get(k, np.nan) for k in zip(areas["category_type"], areas["category"])]
    areas = compare_with_benchmark(areas.reset_index(drop=True), "benchmark_value", polarity="no_judgement")
    top = table[table["area_type"] == "la"].assign(benchmark_value=np.nan, comparison_95="", comparison_99_8="")
    return pd.concat([areas, top], ignore_index=True)


def _by_area(counts: pd.DataFrame, lk: pd.DataFrame, from_type: str, to_type: str, store, area_code: str,
             source: str) -> pd.DataFrame:
    by = ["period", "category_type", "category"]
    parts = [counts.assign(area_type=from_type)] if from_type == to_type else \
        [aggregate(counts, lk, from_type, to_type, by=by)]
    parts.append(aggregate(counts, lk, from_type, "la", by=by))
    out = pd.concat(parts, ignore_index=True)
    out = with_values(out, "proportion", MULTIPLIER).assign(indicator_id=ETHNIC_ID, source=source)
    out = with_names(_compared(out), store, area_code)
    order = out["area_type"].map({"ward22": 0, "locality": 1, "la": 2})
    cols = ["indicator_id", "area_code", "area_type", "area_name", "period", "category_type", "category", "count",
            "denominator", "value", *CI_COLUMNS, "benchmark_value", "comparison_95", "comparison_99_8", "source"]
    return out.assign(_o=order).sort_values(["category_type", "category", "_o", "area_code"])[cols] \
        .reset_index(drop=True)


def ward_total_check(lsoa: pd.DataFrame, ward: pd.DataFrame, lk: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """Residents per ward built from LSOAs (best fit) against the published ward table, and the borough row.

    Columns: ``area_code, area_type ("ward22"/"la"), published, from_lsoas, difference, relative_difference,
    tolerance, within_tolerance``. Wards: within :data:`WARD_TOTAL_TOLERANCE` of the published residents. The
    borough: the LSOA-built wards add up to the borough's LSOAs exactly (each LSOA in one ward), and the published
    wards to within :data:`thanalysis.data.published.census.BOROUGH_TOLERANCE` of its residents (ONS perturbs the
    ward and LSOA tables separately: Tower Hamlets and Hackney differ by 28 and 35 people). Empty without a
    published ward table."""
    if ward.empty:
        return pd.DataFrame()
    totals = lambda t: t.drop_duplicates("area_code").set_index("area_code")["denominator"]  # noqa: E731
    pub = totals(ward)
    fit = lsoa.drop_duplicates("area_code").merge(
        lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "ward22")], left_on="area_code",
        right_on="child_code").groupby("parent_code")["denominator"].sum()
    w = pd.DataFrame({"area_code": pub.index, "area_type": "ward22", "published": pub.to_numpy(),
                      "from_lsoas": fit.reindex(pub.index).to_numpy(), "tolerance": WARD_TOTAL_TOLERANCE})
    lsoa_total = float(totals(lsoa).sum())
    b = pd.DataFrame({"area_code": [area_code], "area_type": "la", "published": [float(pub.sum())],
                      "from_lsoas": [float(fit.sum())], "tolerance": BOROUGH_TOLERANCE})
    out = pd.concat([w, b], ignore_index=True)
    out["difference"] = out["from_lsoas"] - out["published"]
    out["relative_difference"] = out["difference"] / out["published"]
    out["within_tolerance"] = out["relative_difference"].abs() <= out["tolerance"]
    # Every LSOA of the borough is in exactly one ward: the best-fit wards add up to the borough's LSOAs.
    out.loc[out["area_type"] == "la", "within_tolerance"] &= bool(float(fit.sum()) == lsoa_total)
    return out[["area_code", "area_type", "published", "from_lsoas", "difference", "relative_difference",
                "tolerance", "within_tolerance"]]


def _by_deprivation(lsoa: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    frames = []
    for group_type in ("decile", "quintile"):
        g = groups[["area_code", group_type]].rename(columns={group_type: "quantile"}).dropna()
        m = lsoa.merge(g, on="area_code")
        s = m.groupby(["period", "category_type", "category", "quantile"], as_index=False).agg(
            n_areas=("area_code", "nunique"), count=("count", "sum"), denominator=("denominator", "sum"))
        frames.append(s.assign(group_type=group_type))
    out = pd.concat(frames, ignore_index=True).astype({"quantile": int})
    return with_values(out, "proportion", MULTIPLIER)


def _sii(by_dep: pd.DataFrame, repetitions: int) -> pd.DataFrame:
    """SII across deciles of each group (the group name stands in for the indicator id while it is computed)."""
    d = by_dep.assign(indicator_id=by_dep["category"], period_start=pd.Timestamp("2021-03-21"))
    s = sii_by_period(d, "proportion", MULTIPLIER, repetitions=repetitions)
    kind = by_dep.drop_duplicates("category").set_index("category")["category_type"]
    s = s.rename(columns={"indicator_id": "category"})
    s.insert(0, "category_type", s["category"].map(kind))
    s.insert(0, "indicator_id", ETHNIC_ID)
    return s


def ethnic_groups(store, area_code: str, groups: pd.DataFrame,
                  repetitions: int = SII_TREND_REPETITIONS) -> EthnicGroups:
    """The borough's ethnic-group context (module docstring); empty when the store has no TS021 (the demo).
    ``groups``: the LSOA deprivation groups of :func:`thanalysis.analyses.deprivation.deprivation_groups`. The SII
    of 24 groups uses 10,000 Monte Carlo repetitions by default (a limit's Monte Carlo error is then about 1% of
    the interval's width): context, not a gap to track."""
    if ETHNIC_ID not in set(store_indicators(store)["indicator_id"].astype(str)):
        return EthnicGroups()
    lsoa, ward = _rows(store, area_code)
    if lsoa.empty:
        return EthnicGroups()
    lk = borough_lookups(store, area_code)
    source = PUBLISHED if len(ward) else FROM_LSOAS
    base, level = (ward, "ward22") if len(ward) else (lsoa, "lsoa21")
    by_ward = _by_area(base, lk, level, "ward22", store, area_code, source)
    by_loc = (_by_area(base, lk, level, "locality", store, area_code, source) if has_localities(store, area_code)
              else pd.DataFrame())
    lsoa_groups = groups[groups["area_type"] == "lsoa21"]
    by_dep = _by_deprivation(lsoa, lsoa_groups) if len(lsoa_groups) else pd.DataFrame()
    return EthnicGroups(by_ward=by_ward, by_locality=by_loc, by_deprivation=by_dep,
                        sii=_sii(by_dep, repetitions) if len(by_dep) else pd.DataFrame(),
                        ward_check=ward_total_check(lsoa, ward, lk, area_code), ward_source=source,
                        period=str(lsoa["period"].iloc[0]))


__all__ = ["EthnicGroups", "ethnic_groups", "ward_total_check", "ETHNIC_ID", "WARD_TOTAL_TOLERANCE",
           "PUBLISHED", "FROM_LSOAS"]
