"""The indicators of the borough and locality profiles, each compared with a benchmark.

- A **locality against its borough** (:func:`locality_indicators`): counts for small areas (LSOA 2021, else
  ward, else MSOA 2021) are summed to the locality and the borough and the values recomputed with their intervals
  (:func:`thanalysis.stats.intervals.values_from_counts`: Wilson for proportions, exact/Byars Poisson for
  rates). Localities are groups of wards; an MSOA is counted in the locality holding most of its LSOAs
  (best fit, said in ``small_area_type``: "msoa21 (best fit)").
- **Fingertips indicators fetched on demand** (``thanalysis data fingertips --area-type 8`` for wards, ``3`` for
  MSOAs) join the profile when Fingertips publishes them for the borough's wards or MSOAs: their series (persons;
  the age band Fingertips publishes) is summed like the others where it has counts and denominators (proportions
  and crude rates; standardised rates and life expectancy cannot be summed and are left out of the locality
  table), and the borough's own row is compared with its region and country when the borough has no localities.
- A **borough against its region and country** (:func:`benchmark_indicators`): published values where the
  store has them; otherwise the counts of the region's (country's) local authorities are added up (Census 2021
  shares for London and England).

Both are compared with :func:`thanalysis.stats.compare.compare_with_benchmark` (Fingertips' confidence-interval
method).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.analyses.profiles import check_borough, profile_hierarchy
from thanalysis.data.headline import PERSONS, headline_rows
from thanalysis.data.published.fingertips_api import SOURCE as FINGERTIPS_API
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate
from thanalysis.geography.places import area_name, resolve_locality
from thanalysis.stats.compare import compare_with_benchmark
from thanalysis.stats.intervals import values_from_counts

_COUNT_TYPES = ("proportion", "crude_rate")
#: Small-area types whose counts a locality sums, in order of preference.
SMALL_AREA_TYPES = ("lsoa21", "ward22", "msoa21")
#: Fingertips' small areas that a profile can use (its area types 8, wards, and 3, MSOAs).
_FINGERTIPS_SMALL = ("ward22", "msoa21")


def fingertips_small_area_ids(store) -> list[str]:
    """Fingertips indicators fetched on demand (:mod:`thanalysis.data.published.fingertips_api`) that the store
    holds for wards or MSOAs (their export is read only when the data root has such an indicator)."""
    ind = store.indicators()
    ids = ind.loc[ind["source"].astype(str).str.startswith(FINGERTIPS_API), "indicator_id"].astype(str).tolist()
    if not ids:
        return []
    v = store.values(ids)
    return sorted(set(v.loc[v["area_type"].isin(_FINGERTIPS_SMALL), "indicator_id"]))


def profile_indicator_ids(store) -> list[str]:
    """Indicators a profile shows: Census 2021 shares, fuel poverty and the Fingertips indicators fetched for wards or
    MSOAs (real); the annual indicators (demo)."""
    ind = store.indicators()
    ids = ind["indicator_id"].astype(str)
    if store.kind == "real":
        keep = ids.str.startswith("census21_") | ids.isin(["93759", *fingertips_small_area_ids(store)])
    else:
        keep = (ind["frequency"].astype(str) != "monthly") & ~ids.str.startswith("imd")
    return ids[keep].tolist()


def _profile_rows(store, ids: list[str]) -> pd.DataFrame:
    """The series of ``ids`` a profile sums and compares: persons of all ages; for a Fingertips indicator fetched
    for small areas, persons in the age band it is published for (e.g. "4-5 yrs")."""
    values = store.values(ids)
    fetched = set(fingertips_small_area_ids(store)) if store.kind == "real" else set()
    mine = values["indicator_id"].isin(fetched)
    rows = [headline_rows(values[~mine], persons_only=True)]
    if mine.any():
        ft = headline_rows(values[mine])
        ft = ft[ft["sex"] == PERSONS]
        usual_age = ft.groupby("indicator_id")["age"].transform(lambda a: a.mode().iloc[0])
        rows.append(ft[ft["age"] == usual_age])  # one age band per indicator: never sum two bands together
    return pd.concat(rows, ignore_index=True)


def _with_msoa_localities(hierarchy: AreaHierarchy, area_code: str) -> pd.DataFrame:
    """The hierarchy's lookups plus each of the borough's MSOAs → the locality holding most of its LSOAs (best fit:
    localities are groups of wards, and an MSOA may straddle two)."""
    lk = hierarchy.lookups
    lsoas = set(hierarchy.within(area_code, "lsoa21"))
    msoa = lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "msoa21") & lk["child_code"].isin(lsoas)]
    loc = hierarchy.to_parent_map("lsoa21", "locality")
    pairs = msoa[["child_code", "parent_code"]].merge(loc[["child_code", "parent_code"]], on="child_code",
                                                      suffixes=("_msoa", "_locality"))
    best = (pairs.groupby(["parent_code_msoa", "parent_code_locality"]).size().rename("n").reset_index()
            .sort_values(["n", "parent_code_locality"], ascending=[False, True]).drop_duplicates("parent_code_msoa"))
    edges = pd.DataFrame({"child_code": best["parent_code_msoa"], "child_type": "msoa21",
                          "parent_code": best["parent_code_locality"], "parent_type": "locality", "weight": 1.0})
    return pd.concat([lk, edges[lk.columns.intersection(edges.columns)]], ignore_index=True)


def _recompute(rows: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Value and 95%/99.8% intervals from summed counts (Wilson for proportions, Poisson for rates)."""
    out = []
    for (vt, mult), d in rows.merge(meta, on="indicator_id").groupby(["value_type", "multiplier"], sort=False):
        d = d.drop(columns=[c for c in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
                            if c in d.columns]).reset_index(drop=True)
        out.append(d.assign(**values_from_counts(d["count"], d["denominator"], vt, float(mult))))
    return pd.concat(out, ignore_index=True) if out else rows.iloc[:0]


def locality_indicators(store, area_code: str, locality: str) -> pd.DataFrame:
    """Key indicators for a locality against its borough, from small-area counts summed to both.

    For each profile indicator with counts for small areas (LSOA 2021, else ward), latest period: the
    locality's count, denominator, value and intervals, the borough's value, and ``comparison_95`` /
    ``comparison_99_8`` (Better/Similar/Worse, or Higher/Similar/Lower when there is no judgement).
    """
    code, name = resolve_locality(store, area_code, locality)
    hierarchy = profile_hierarchy(store, area_code)
    meta = store.indicators().set_index("indicator_id")
    ids = [i for i in profile_indicator_ids(store) if meta.loc[i, "value_type"] in _COUNT_TYPES]
    values = _profile_rows(store, ids)
    rows = []
    for ind in ids:
        v = values[values["indicator_id"] == ind]
        for small in SMALL_AREA_TYPES:
            if not (v["area_type"] == small).any():  # ask the lookups only for a type the indicator has
                continue
            inside = set(hierarchy.within(area_code, small))
            s = v[(v["area_type"] == small) & v["area_code"].isin(inside)]
            if len(s) and s["count"].notna().all() and s["denominator"].notna().all():
                break
        else:
            continue
        latest = s["period"].astype(str).max()
        s = s[s["period"].astype(str) == latest][["indicator_id", "area_code", "area_type", "period", "count",
                                                   "denominator"]]
        keep = ["indicator_id", "period"]
        lookups = _with_msoa_localities(hierarchy, area_code) if small == "msoa21" else hierarchy.lookups
        label = "msoa21 (best fit)" if small == "msoa21" else small
        loc_sum = aggregate(s.drop(columns="area_type"), lookups, small, "locality", by=keep, missing="drop")
        bor_sum = aggregate(s.drop(columns="area_type"), hierarchy.lookups, small, "la", by=keep, missing="drop")
        rows.append(loc_sum[loc_sum["area_code"] == code].assign(small_area_type=label))
        rows.append(bor_sum[bor_sum["area_code"] == area_code].assign(small_area_type=label))
    if not rows:
        return pd.DataFrame()
    counts = pd.concat(rows, ignore_index=True)
    m = meta[["value_type", "multiplier"]].reset_index()
    calc = _recompute(counts, m).drop(columns=["value_type", "multiplier"])
    loc_rows = calc[calc["area_code"] == code].copy()
    bor_rows = calc[calc["area_code"] == area_code][["indicator_id", "value", "lower_ci_95", "upper_ci_95",
                                                     "count", "denominator"]]
    bor_rows = bor_rows.rename(columns={"value": "borough_value", "lower_ci_95": "borough_lower_ci_95",
                                        "upper_ci_95": "borough_upper_ci_95", "count": "borough_count",
                                        "denominator": "borough_denominator"})
    out = loc_rows.merge(bor_rows, on="indicator_id")
    out = out.merge(meta[["name", "value_type", "multiplier", "unit", "polarity"]].reset_index(), on="indicator_id")
    out = compare_with_benchmark(out, "borough_value", polarity="polarity")
    out.insert(1, "locality_name", name)
    out = out.rename(columns={"area_code": "locality_code"}).drop(columns=["area_type"])
    order = ["indicator_id", "name", "locality_code", "locality_name", "period", "count", "denominator", "value",
             "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "borough_count", "borough_denominator",
             "borough_value", "borough_lower_ci_95", "borough_upper_ci_95", "comparison_95", "comparison_99_8",
             "value_type", "multiplier", "unit", "polarity", "small_area_type"]
    return out[order].sort_values("name").reset_index(drop=True)


def _benchmark_for(store, values: pd.DataFrame, ind: str, period: str, bench_code: str, bench_type: str,
                   meta: pd.Series, hierarchy: AreaHierarchy):
    """(value, how) for a benchmark area: published if present, else summed from its local authorities."""
    v = values[(values["indicator_id"] == ind) & (values["period"].astype(str) == period)]
    pub = v[(v["area_code"] == bench_code) & (v["area_type"] == bench_type)]
    if len(pub) and pd.notna(pub["value"].iloc[0]):
        return float(pub["value"].iloc[0]), "published"
    if meta["value_type"] not in _COUNT_TYPES:
        return np.nan, ""
    lk = hierarchy.lookups
    if bench_type == "region":
        las = lk.loc[(lk["child_type"] == "la") & (lk["parent_type"] == "region") & (lk["parent_code"] == bench_code),
                     "child_code"]
    else:
        las = lk.loc[(lk["child_type"] == "la") & (lk["parent_type"] == "country") & (lk["parent_code"] == bench_code),
                     "child_code"]
    la_rows = v[(v["area_type"] == "la") & v["area_code"].isin(set(las))].drop_duplicates("area_code")
    if len(la_rows) < 2 or la_rows[["count", "denominator"]].isna().any().any():
        return np.nan, ""
    value = float(meta["multiplier"]) * la_rows["count"].sum() / la_rows["denominator"].sum()
    return value, f"sum of {len(la_rows)} local authorities"


def benchmark_indicators(store, area_code: str) -> pd.DataFrame:
    """The borough's profile indicators (latest period) against its region and country (e.g. London, England).

    Columns: ``indicator_id, name, period, count, denominator, value, lower_ci_95, upper_ci_95, lower_ci_99_8,
    upper_ci_99_8, region_value, region_how, country_value, country_how, comparison_region_95,
    comparison_region_99_8, comparison_country_95, comparison_country_99_8, value_type, multiplier, unit,
    polarity``; benchmark values are published where the store has them, else summed from local authorities.
    """
    check_borough(store, area_code)
    hierarchy = profile_hierarchy(store, area_code)
    lk = hierarchy.lookups
    region = lk.loc[(lk["child_type"] == "la") & (lk["parent_type"] == "region") & (lk["child_code"] == area_code),
                    "parent_code"]
    region = str(region.iloc[0]) if len(region) else None
    country = None
    if region:
        c = lk.loc[(lk["child_type"] == "region") & (lk["parent_type"] == "country") & (lk["child_code"] == region),
                   "parent_code"]
        country = str(c.iloc[0]) if len(c) else None
    meta = store.indicators().set_index("indicator_id")
    ids = profile_indicator_ids(store)
    values = _profile_rows(store, ids)
    rows = []
    for ind in ids:
        mine = values[(values["indicator_id"] == ind) & (values["area_code"] == area_code)
                      & (values["area_type"] == "la")]
        if mine.empty:
            continue
        period = mine["period"].astype(str).max()
        row = mine[mine["period"].astype(str) == period].iloc[0].to_dict()
        for role, code, typ in (("region", region, "region"), ("country", country, "country")):
            value, how = (_benchmark_for(store, values, ind, period, code, typ, meta.loc[ind], hierarchy)
                          if code else (np.nan, ""))
            row[f"{role}_code"], row[f"{role}_value"], row[f"{role}_how"] = code or "", value, how
        rows.append(row)
    if not rows:
        return pd.DataFrame()
    out = pd.DataFrame(rows)
    out = out.merge(meta[["name", "value_type", "multiplier", "unit", "polarity"]].reset_index(), on="indicator_id")
    for role in ("region", "country"):
        compared = compare_with_benchmark(out, f"{role}_value", polarity="polarity")
        out[f"comparison_{role}_95"] = compared["comparison_95"]
        out[f"comparison_{role}_99_8"] = compared["comparison_99_8"]
    names = {c: area_name(store, c) for c in {region, country} if c}
    out["region_name"] = out["region_code"].map(names).fillna("")
    out["country_name"] = out["country_code"].map(names).fillna("")
    cols = ["indicator_id", "name", "period", "count", "denominator", "value", "lower_ci_95", "upper_ci_95",
            "lower_ci_99_8", "upper_ci_99_8", "region_name", "region_value", "region_how", "country_name",
            "country_value", "country_how", "comparison_region_95", "comparison_region_99_8",
            "comparison_country_95", "comparison_country_99_8", "value_type", "multiplier", "unit", "polarity"]
    return out[cols].sort_values("name").reset_index(drop=True)
