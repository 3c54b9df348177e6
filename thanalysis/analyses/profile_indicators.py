"""The indicators of the borough and locality profiles, each compared with a benchmark.

- A **locality against its borough** (:func:`locality_indicators`): counts for small areas (LSOA 2021, else
  ward) are summed to the locality and the borough and the values recomputed with their intervals
  (:func:`thanalysis.stats.intervals.values_from_counts`: Wilson for proportions, exact/Byars Poisson for
  rates).
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
from thanalysis.data.headline import headline_rows
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate
from thanalysis.geography.places import area_name, resolve_locality
from thanalysis.stats.compare import compare_with_benchmark
from thanalysis.stats.intervals import values_from_counts

_COUNT_TYPES = ("proportion", "crude_rate")


def profile_indicator_ids(store) -> list[str]:
    """Indicators a profile shows: Census 2021 shares and fuel poverty (real); the annual indicators (demo)."""
    ind = store.indicators()
    ids = ind["indicator_id"].astype(str)
    if store.kind == "real":
        keep = ids.str.startswith("census21_") | ids.isin(["93759"])
    else:
        keep = (ind["frequency"].astype(str) != "monthly") & ~ids.str.startswith("imd")
    return ids[keep].tolist()


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
    values = headline_rows(store.values(ids), persons_only=True)
    rows = []
    for ind in ids:
        v = values[values["indicator_id"] == ind]
        for small in ("lsoa21", "ward22"):
            inside = set(hierarchy.within(area_code, small))
            s = v[(v["area_type"] == small) & v["area_code"].isin(inside)]
            if len(s) and s["count"].notna().all():
                break
        else:
            continue
        latest = s["period"].astype(str).max()
        s = s[s["period"].astype(str) == latest][["indicator_id", "area_code", "area_type", "period", "count",
                                                   "denominator"]]
        keep = ["indicator_id", "period"]
        loc_sum = aggregate(s.drop(columns="area_type"), hierarchy.lookups, small, "locality", by=keep,
                            missing="drop")
        bor_sum = aggregate(s.drop(columns="area_type"), hierarchy.lookups, small, "la", by=keep, missing="drop")
        rows.append(loc_sum[loc_sum["area_code"] == code].assign(small_area_type=small))
        rows.append(bor_sum[bor_sum["area_code"] == area_code].assign(small_area_type=small))
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
    values = headline_rows(store.values(ids), persons_only=True)
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
