"""Inequalities within a borough: differences between wards, localities and deprivation groups, and over time.

The analysis behind ``notebooks/inequalities.ipynb`` (issue 5). :func:`run_inequalities` computes every table
and number the report shows and returns them in an :class:`InequalityResults`; the charts and maps are drawn
from it by :mod:`thanalysis.figures.inequalities` and the sentences written by
:mod:`thanalysis.narrative.inequalities`. The steps:

1. :mod:`thanalysis.analyses.borough_areas` - counts of each indicator summed from the smallest areas that
   publish them (2021 LSOAs, else wards) up to wards, localities and the borough, with Wilson (proportions) or
   Byars/exact Poisson (rates) 95% and 99.8% intervals recomputed from the sums; borough totals checked.
2. :func:`compare_areas_with_borough` - each area better/similar/worse than the borough (95% interval against
   the borough value; Fingertips), and inside/outside the funnel limits (Spiegelhalter 2005).
3. :mod:`thanalysis.analyses.deprivation` - deprivation deciles and quintiles of the small areas, the gap
   between the most and least deprived, the slope and relative index of inequality and its trend.
4. :func:`ethnic_breakdown` - outcome values by ethnic group (where the data has them) against the borough value.
5. :mod:`thanalysis.analyses.inequalities_ethnic` - the ethnic-group make-up of wards, localities and deprivation
   deciles (Census 2021 TS021, published ward table where it exists): demographic context, not an outcome.
6. :func:`largest_gaps` - the outcome measures with the widest gaps (|SII| relative to the borough value), and
   which wards, localities and groups are significantly worse than the borough. Each measure has a role
   (:func:`thanalysis.analyses.borough_areas.measure_role`): health outcome, housing, wider determinant or
   demographic context; context (age and ethnic-group shares) is never a gap.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis import stats
from thanalysis.analyses.borough_areas import (
    CI_COLUMNS,
    PUBLISHED_SMALL_AREA_MEASURES,
    area_geometries,
    borough_lookups,
    borough_total_check,
    check_geography,
    has_localities,
    indicator_by_area,
    indicator_meta,
    measure_role,
    small_area_counts,
    store_indicators,
    suitable_indicators,
    with_names,
)
from thanalysis.analyses.deprivation import (
    SII_REPETITIONS,
    SII_TREND_REPETITIONS,
    check_measure,
    counts_by_deprivation,
    decile_summary,
    deprivation_groups,
    deprivation_measure_label,
    quantile_gaps,
    sii_by_period,
    sii_trend,
)
from thanalysis.analyses.inequalities_ethnic import EthnicGroups, ethnic_groups
from thanalysis.errors import DataError
from thanalysis.geography.places import area_name

JUDGED = ("lower_is_better", "higher_is_better")


def short_name(name: str) -> str:
    """The indicator name without a trailing source in brackets: "Residents aged 65 and over"."""
    text = str(name)
    if text.endswith(")") and " (" in text:
        head, tail = text.rsplit(" (", 1)
        if any(word in tail for word in ("Census", "synthetic", "IMD")):
            return head
    return text


def latest(df: pd.DataFrame, by: str = "indicator_id") -> pd.DataFrame:
    """The rows of each ``by`` group's latest period."""
    if df.empty:
        return df
    last = df.groupby(by)["period"].transform("max")
    return df[df["period"] == last].reset_index(drop=True)


# ==============================================================================================================
# Comparison with the borough
# ==============================================================================================================
def compare_areas_with_borough(by_area: pd.DataFrame, polarity: str, value_type: str = "proportion") -> pd.DataFrame:
    """Areas of ``by_area`` (not the borough row) with the borough's value per period and:

    - ``comparison_95``/``comparison_99_8``: Better/Similar/Worse (Higher/Lower when there is no better
      direction) - the area's interval against the borough value (Fingertips' method);
    - ``funnel``: "High (0.025)"/"Low (0.001)"/... against funnel limits around the borough proportion
      (Spiegelhalter 2005), proportions only (rates: empty).
    """
    cols = ["benchmark_value", "comparison_95", "comparison_99_8", "funnel"]
    if by_area.empty:
        return by_area.assign(**{c: pd.Series(dtype=object) for c in cols})
    borough = by_area[by_area["area_type"] == "la"].set_index("period")["value"]
    areas = by_area[by_area["area_type"] != "la"].copy().reset_index(drop=True)
    areas["benchmark_value"] = areas["period"].map(borough).astype(float)
    out = stats.compare_with_benchmark(areas, "benchmark_value", polarity=polarity)
    out["funnel"] = ""
    if value_type == "proportion":
        parts = []
        for _, part in out.groupby("period", sort=True):
            ok = part["denominator"] > 0
            sig = part.copy()
            if ok.sum() >= 2:
                res = stats.funnel_significance(part[ok], "count", "denominator", statistic="proportion")
                sig.loc[ok, "funnel"] = res["significance"].to_numpy()
            parts.append(sig)
        out = pd.concat(parts).sort_index()
    return out.reset_index(drop=True)


def funnel_for(by_area: pd.DataFrame, period: str, multiplier: float = 100) -> pd.DataFrame:
    """Funnel limits (95% and 99.8%) around the borough proportion for one period's areas (proportions only)."""
    part = by_area[(by_area["area_type"] != "la") & (by_area["period"] == period) & (by_area["denominator"] > 0)]
    return stats.funnel_limits(part, "count", "denominator", statistic="proportion", multiplier=multiplier)


def _compared(store, indicator_id, area_code, geography, meta) -> pd.DataFrame:
    by = indicator_by_area(store, indicator_id, area_code, geography)
    if by.empty:
        return by
    cmp = compare_areas_with_borough(by, meta["polarity"], meta["value_type"])
    borough = by[by["area_type"] == "la"].assign(benchmark_value=np.nan, comparison_95="", comparison_99_8="",
                                                 funnel="")
    out = pd.concat([cmp, borough], ignore_index=True)
    out.attrs.update(by.attrs)
    return out


# ==============================================================================================================
# Ethnic groups
# ==============================================================================================================
def ethnic_breakdown(store, indicator_ids: Sequence[str], area_code: str) -> pd.DataFrame:
    """Values by ethnic group for the borough and its localities (where the data has them), latest period, each
    compared with the borough's overall value in the same period (Better/Similar/Worse at 95%).

    Columns: ``indicator_id, area_code, area_type, area_name, period, category, count, denominator, value, CIs,
    benchmark_value, comparison_95, comparison_99_8``. Empty when the data has no such breakdown (the real open
    data has no ethnic breakdown at small-area level)."""
    ids = [str(i) for i in indicator_ids]
    if not ids:
        return pd.DataFrame()
    keep = ["indicator_id", "area_code", "area_type", "area_name", "period", "category", "count", "denominator",
            "value", *CI_COLUMNS, "benchmark_value", "comparison_95", "comparison_99_8"]
    v = store.values(ids)
    lk = borough_lookups(store, area_code)
    localities = set(lk.loc[lk["parent_type"] == "locality", "parent_code"])
    here = (((v["area_type"] == "la") & (v["area_code"].astype(str) == area_code))
            | ((v["area_type"] == "locality") & v["area_code"].astype(str).isin(localities)))
    eth = v[here & (v["category_type"].fillna("") == "Ethnic group") & (v["sex"] == "Persons")].copy()
    if eth.empty:
        return pd.DataFrame(columns=keep)
    overall = v[(v["area_type"] == "la") & (v["area_code"].astype(str) == area_code)
                & (v["category_type"].fillna("") == "") & (v["sex"] == "Persons")]
    bench = overall.set_index(["indicator_id", "period"])["value"]
    eth["benchmark_value"] = [bench.get((i, p), np.nan) for i, p in zip(eth["indicator_id"], eth["period"])]
    last = eth.groupby("indicator_id")["period"].transform("max")
    eth = eth[eth["period"] == last]
    meta = store_indicators(store).set_index("indicator_id")
    eth["polarity"] = eth["indicator_id"].map(meta["polarity"]).fillna("no_judgement")
    eth = stats.compare_with_benchmark(eth.reset_index(drop=True), "benchmark_value", polarity="polarity")
    eth = with_names(eth, store, area_code)
    order = eth["area_type"].map({"la": 0, "locality": 1})
    return eth.assign(_o=order).sort_values(["indicator_id", "_o", "area_code", "category"])[keep].reset_index(drop=True)


# ==============================================================================================================
# Everything together
# ==============================================================================================================
@dataclass
class InequalityResults:
    """All tables, numbers and shapes of the inequalities report for one borough (see :func:`run_inequalities`)."""

    area_code: str
    area_name: str
    geography: str
    measure: str
    deciles: str
    indicators: pd.DataFrame          # indicator_id, name, value_type, multiplier, unit, polarity, source_level, role
    deprivation: pd.DataFrame         # small areas with score, decile, quintile (LSOA level)
    deprivation_deciles: pd.DataFrame  # per decile: neighbourhoods, residents, lowest and highest score
    by_area: pd.DataFrame             # chosen geography + borough, every period, with comparisons
    by_ward: pd.DataFrame
    by_locality: pd.DataFrame
    by_deprivation: pd.DataFrame      # deciles and quintiles, every period
    gaps: pd.DataFrame                # most vs least deprived, every period
    sii: pd.DataFrame                 # every period
    trend: pd.DataFrame               # one row per indicator with a time series
    ethnic: pd.DataFrame
    checks: pd.DataFrame              # borough totals: summed vs published
    largest: pd.DataFrame
    has_localities: bool
    funnels: dict = field(default_factory=dict)      # indicator id -> ward funnel limits, latest period (proportions)
    geometries: dict = field(default_factory=dict)   # area type -> GeoDataFrame of the areas mapped (None: no shapes)
    deprivation_label: str = ""       # the deprivation measure, e.g. "Index of Multiple Deprivation 2019"
    deprivation_method: str = ""      # how the deprivation groups were made, in sentences
    trend_method: str = ""            # how the trend in the SII was tested, in a sentence ("" without one)
    borough_totals_agree: bool = True  # small-area counts add up to every published borough total
    wards_add_up: bool = True         # ward counts add up to the borough, every indicator and period
    notes: list[str] = field(default_factory=list)
    ethnic_groups: EthnicGroups = field(default_factory=EthnicGroups)  # ethnic make-up (context), Census 2021

    @property
    def indicator_ids(self) -> list[str]:
        return list(self.indicators["indicator_id"])

    @property
    def outcome_ids(self) -> list[str]:
        """Measures of health and its causes (every role but context), in the report's order."""
        return list(self.indicators.loc[self.indicators["role"] != "context", "indicator_id"])

    @property
    def outcome_groups(self) -> list[tuple[str, list[str]]]:
        """The measures of health and its causes by role, in the report's order: [(role, [ids]), ...]."""
        table = self.indicators[self.indicators["role"] != "context"]
        return [(role, list(part["indicator_id"])) for role, part in table.groupby("role", sort=False)]

    @property
    def context_ids(self) -> list[str]:
        """Demographic context measures (age shares): shown in their own section, never as gaps."""
        return list(self.indicators.loc[self.indicators["role"] == "context", "indicator_id"])

    @property
    def latest_sii(self) -> pd.DataFrame:
        return latest(self.sii)

    @property
    def widest_gap(self) -> str:
        """The indicator with the widest gap (the report's first map)."""
        return self.largest["indicator_id"].iloc[0]

    @property
    def largest_total_check(self) -> pd.Series:
        """The borough-total check of the indicator counting the most people or households."""
        return self.checks.sort_values("summed_denominator").iloc[-1]

    def indicator_name(self, indicator_id: str) -> str:
        hit = self.indicators[self.indicators["indicator_id"] == indicator_id]
        return str(hit["name"].iloc[0]) if len(hit) else str(indicator_id)

    def short_name(self, indicator_id: str) -> str:
        return short_name(self.indicator_name(indicator_id))

    def meta(self, indicator_id: str) -> dict:
        return self.indicators.set_index("indicator_id").loc[indicator_id].to_dict()

    def summary(self) -> dict:
        """The key figures written to ``summary.json`` (the narrative adds the summary sentences)."""
        return {
            "area_code": self.area_code, "area_name": self.area_name, "geography": self.geography,
            "deprivation_measure": self.measure, "deprivation_deciles": self.deciles,
            "indicators": self.indicator_ids, "has_localities": self.has_localities,
            "has_ethnic_breakdown": not self.ethnic.empty,
            "outcome_measures": self.outcome_ids, "context_measures": self.context_ids,
            "ethnic_groups": {"ward_figures": self.ethnic_groups.ward_source,
                              "borough_shares": {r.category: r.value for r in self.ethnic_groups.borough.itertuples()}
                              if not self.ethnic_groups.empty else {}},
            "largest_gaps": list(self.largest["indicator_id"]),
            "latest_sii": {r.indicator_id: r.sii for r in self.latest_sii.itertuples()},
            "gap_directions": dict(zip(self.trend.get("indicator_id", []), self.trend.get("gap_direction", []))),
            "borough_totals_agree": self.borough_totals_agree,
        }


def _unfavourable(polarity: str) -> list[str]:
    """The comparison labels that mean "a concern" for this polarity (Higher for no-judgement indicators)."""
    if polarity in JUDGED:
        return ["Worse"]
    return ["Higher"]


def largest_gaps(results: InequalityResults, n: int = 3) -> pd.DataFrame:
    """The ``n`` outcome measures with the widest gaps in the latest period (measures with a better/worse
    direction that are not demographic context: age or ethnic-group shares are never listed): |SII| relative to the
    borough value
    (or, without an SII, the most-vs-least deprived quintile gap relative to it), with the wards, localities
    and ethnic groups significantly worse (or, with no better direction, significantly higher/lower) than the
    borough. Columns: ``rank, indicator_id, name, polarity, value_type, multiplier, period, borough_value,
    sii, sii_lower_ci_95, sii_upper_ci_95, relative_gap, gap_measure, quintile_gap, worse_wards, worse_localities,
    worse_groups, n_wards, role``."""
    rows = []
    latest_sii = latest(results.sii)
    gaps = results.gaps[results.gaps["group_type"] == "quintile"] if not results.gaps.empty else results.gaps
    latest_gaps = latest(gaps)
    for ind in results.outcome_ids:
        meta = results.meta(ind)
        if meta["polarity"] not in JUDGED:
            continue
        ward = latest(results.by_ward[results.by_ward["indicator_id"] == ind]) if not results.by_ward.empty else results.by_ward
        if ward.empty:
            continue
        period = ward["period"].iloc[0]
        borough_value = float(ward.loc[ward["area_type"] == "la", "value"].iloc[0])
        s = latest_sii[latest_sii["indicator_id"] == ind] if not latest_sii.empty else latest_sii
        g = latest_gaps[latest_gaps["indicator_id"] == ind] if not latest_gaps.empty else latest_gaps
        row = {"indicator_id": ind, "name": meta["name"], "polarity": meta["polarity"],
               "value_type": meta["value_type"], "multiplier": meta["multiplier"], "period": period,
               "borough_value": borough_value, "sii": np.nan, "sii_lower_ci_95": np.nan, "sii_upper_ci_95": np.nan,
               "quintile_gap": float(g["gap"].iloc[0]) if len(g) else np.nan, "role": meta["role"]}
        if len(s) and np.isfinite(s["sii"].iloc[0]):
            row.update(sii=float(s["sii"].iloc[0]), sii_lower_ci_95=float(s["sii_lower_ci_95"].iloc[0]),
                       sii_upper_ci_95=float(s["sii_upper_ci_95"].iloc[0]), gap_measure="sii")
            base = row["sii"]
        else:
            row["gap_measure"] = "quintile_gap"
            base = row["quintile_gap"]
        row["relative_gap"] = abs(base) / abs(borough_value) if borough_value else np.nan
        want = _unfavourable(meta["polarity"])
        wards = ward[(ward["area_type"] != "la") & ward["comparison_95"].isin(want)]
        row["worse_wards"] = "; ".join(wards.sort_values("value", ascending=meta["polarity"] == "higher_is_better")
                                       ["area_name"].astype(str))
        row["n_wards"] = int((ward["area_type"] != "la").sum())
        loc = results.by_locality
        loc = latest(loc[loc["indicator_id"] == ind]) if not loc.empty else loc
        row["worse_localities"] = ("; ".join(loc.loc[(loc["area_type"] != "la") & loc["comparison_95"].isin(want),
                                                     "area_name"].astype(str)) if len(loc) else "")
        eth = results.ethnic
        eth = eth[(eth["indicator_id"] == ind) & (eth["area_type"] == "la")] if not eth.empty else eth
        row["worse_groups"] = "; ".join(eth.loc[eth["comparison_95"].isin(want), "category"].astype(str)) if len(eth) else ""
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    out = out.sort_values(["relative_gap", "indicator_id"], ascending=[False, True], na_position="last").head(n)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def _chosen_indicators(store, area_code: str, indicator_ids: Sequence[str] | None) -> list[str]:
    available = suitable_indicators(store, area_code)
    if indicator_ids is None:
        ids = available
    else:
        ids = [str(i) for i in indicator_ids]
        unusable = [i for i in ids if i not in available]
        if unusable:
            raise DataError("Some indicators have no small-area counts for this borough, so their inequalities "
                            "cannot be measured.", column="indicator_ids", values=unusable,
                            expected="ids among: " + ", ".join(available))
    if not ids:
        raise DataError(f"No indicator has small-area counts for {area_code}.", column="indicator_ids",
                        expected="proportions or rates published by LSOA or ward")
    return ids


def _wards_add_up(by_ward: pd.DataFrame) -> bool:
    """Ward counts add up to the borough row in every indicator and period (to half a person)."""
    totals = by_ward.groupby(["indicator_id", "period", by_ward["area_type"].eq("la")])["count"].sum().unstack()
    return bool((totals[True] - totals[False]).abs().max() < 0.5)


def run_inequalities(store, area_code: str | None = None, *, geography: str = "ward22",
                     indicator_ids: Sequence[str] | None = None, measure: str = "imd2019", deciles: str = "local",
                     breakdowns: Sequence[str] = ("ethnic_group",), repetitions: int = SII_REPETITIONS,
                     n_largest: int = 3) -> InequalityResults:
    """Run the whole inequalities analysis for one borough (the notebook's one heavy call)."""
    area_code = str(area_code or store.home_area_code)
    check_geography(geography)
    check_measure(measure)
    ids = _chosen_indicators(store, area_code, indicator_ids)
    localities = has_localities(store, area_code)
    if geography == "locality" and not localities:
        raise DataError(f"{area_name(store, area_code, default=area_code)} has no localities (no file "
                        f"data/localities/{area_code}.csv), so its figures cannot be shown by locality.",
                        column="geography", values=[geography], expected="'ward22' or 'lsoa21' for this borough")
    notes: list[str] = []
    lacking = [i for i in PUBLISHED_SMALL_AREA_MEASURES if i not in set(store_indicators(store)["indicator_id"])]
    if lacking:
        notes.append("This data has no Census 2021 figures by neighbourhood for: " + ", ".join(lacking) + " (general "
                     "health, disability, overcrowding and household size; the synthetic demo has none), so they are "
                     "not shown.")
    meta_rows, by_area, by_ward, by_loc, by_dep, gaps, sii_parts, checks = [], [], [], [], [], [], [], []
    funnels: dict[str, pd.DataFrame] = {}
    group_cache: dict[str, pd.DataFrame] = {}
    for ind in ids:
        meta = indicator_meta(store, ind)
        level, _ = small_area_counts(store, ind, area_code)
        meta_rows.append({k: meta.get(k) for k in ("indicator_id", "name", "value_type", "multiplier", "unit",
                                                    "polarity")}
                         | {"source_level": level, "role": measure_role(ind)})
        ward = _compared(store, ind, area_code, "ward22", meta)
        by_ward.append(ward)
        if meta["value_type"] == "proportion":
            last = latest(ward)
            funnels[ind] = funnel_for(last, last["period"].iloc[0], meta["multiplier"])
        if localities:
            by_loc.append(_compared(store, ind, area_code, "locality", meta))
        chosen = {"ward22": ward, "locality": by_loc[-1] if localities else None}.get(geography)
        if chosen is None:
            chosen = _compared(store, ind, area_code, geography, meta)
        if chosen.attrs.get("note"):
            notes.append(chosen.attrs["note"])
        by_area.append(chosen)
        if level not in group_cache:
            group_cache[level] = deprivation_groups(store, area_code, measure, deciles, level=level)
        dep = counts_by_deprivation(store, ind, area_code, group_cache[level])
        by_dep.append(dep)
        gaps.append(quantile_gaps(dep, meta["polarity"]))
        sii_parts.append(sii_by_period(dep, meta["value_type"], meta["multiplier"], repetitions=repetitions))
        checks.append(borough_total_check(store, ind, area_code))
    if "ward22" in group_cache and "lsoa21" in group_cache:
        notes.append("Indicators published only for wards are grouped by ward deprivation (wards ranked within the "
                     "borough by the population-weighted deprivation of their LSOAs).")
    indicators = pd.DataFrame(meta_rows)
    polarity = indicators.set_index("indicator_id")["polarity"]
    sii = pd.concat(sii_parts, ignore_index=True)
    if not sii.empty:  # a readable name beside each id (result tables are read without the notebook)
        sii.insert(1, "indicator_name", sii["indicator_id"].map(indicators.set_index("indicator_id")["name"]))
    trend = pd.concat([sii_trend(sii[sii["indicator_id"] == i], polarity[i]) for i in ids], ignore_index=True) \
        if not sii.empty else sii_trend(sii)
    trend = trend.dropna(axis=1, how="all") if trend.empty else trend
    with_ethnic = "ethnic_group" in (breakdowns or ())
    ethnic = ethnic_breakdown(store, ids, area_code) if with_ethnic else pd.DataFrame()
    if with_ethnic and "lsoa21" not in group_cache:
        group_cache["lsoa21"] = deprivation_groups(store, area_code, measure, deciles, level="lsoa21")
    make_up = (ethnic_groups(store, area_code, group_cache["lsoa21"], min(repetitions, SII_TREND_REPETITIONS))
               if with_ethnic else EthnicGroups())
    if make_up.ward_source and not make_up.empty:
        notes.append(f"Ethnic groups by ward and locality are from the {make_up.ward_source}.")
    deprivation = group_cache.get("lsoa21", next(iter(group_cache.values())))
    by_area = pd.concat(by_area, ignore_index=True)
    by_ward = pd.concat(by_ward, ignore_index=True)
    check_table = pd.DataFrame(checks)
    # The shapes the report maps: its areas, the wards (ethnic groups) and the localities drawn as outlines.
    mapped = [t for t in dict.fromkeys(by_area["area_type"]) if t != "la"] + ["ward22"] + \
        (["locality"] if localities else [])
    results = InequalityResults(
        area_code=area_code, area_name=area_name(store, area_code, default=area_code), geography=geography, measure=measure,
        deciles=deciles, indicators=indicators, deprivation=deprivation,
        deprivation_deciles=decile_summary(deprivation), by_area=by_area, by_ward=by_ward,
        by_locality=pd.concat(by_loc, ignore_index=True) if by_loc else pd.DataFrame(),
        by_deprivation=pd.concat(by_dep, ignore_index=True), gaps=pd.concat(gaps, ignore_index=True),
        sii=sii, trend=trend, ethnic=ethnic, checks=check_table, largest=pd.DataFrame(),
        has_localities=localities, funnels=funnels,
        geometries={t: area_geometries(store, area_code, t) for t in dict.fromkeys(mapped)},
        deprivation_label=deprivation_measure_label(measure), deprivation_method=deprivation.attrs["method"],
        trend_method=trend.attrs.get("method", ""),
        borough_totals_agree=bool(check_table["agrees"].dropna().all()), wards_add_up=_wards_add_up(by_ward),
        notes=list(dict.fromkeys(notes)), ethnic_groups=make_up)
    results.largest = largest_gaps(results, n_largest)
    return results
