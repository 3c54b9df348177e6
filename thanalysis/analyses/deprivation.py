"""Deprivation groups of a borough's small areas, and the gaps between the most and least deprived.

Steps, each a function below (the inequalities report, :mod:`thanalysis.analyses.inequalities`, runs them):

1. :func:`deprivation_groups` - each small area of the borough gets a deprivation score, a decile and a
   quintile (1 = most deprived). "local" deciles rank the areas within the borough (OHID's "assigning
   deprivation categories", :func:`thanalysis.stats.assign_deprivation_quantiles`); "national" deciles are the
   published IMD deciles. IMD 2019 is published for 2011 LSOAs: a 2021 LSOA gets the population-weighted mean
   score of the 2011 LSOAs it was made from (weights: mid-2019 population of each 2011 LSOA times its share in
   the 2021 LSOA, from the lsoa11→lsoa21 lookup), and the national decile of the 2011 LSOA that gives it most
   people (its best fit).
2. :func:`counts_by_deprivation` - counts summed by deprivation decile and quintile, with values and intervals.
3. :func:`quantile_gaps` - the gap between the most and least deprived group with a 95% interval for the
   difference (Newcombe's MOVER method from the two intervals) and the ratio.
4. :func:`sii_by_period` - slope and relative index of inequality across deprivation deciles (Low & Low 2004,
   Monte Carlo limits, fixed seed), reported as *most deprived minus least deprived* so a positive SII means
   the indicator is higher in the most deprived areas.
5. :func:`sii_trend` - whether the SII is narrowing: weighted least squares of the SII on time (weights 1/SE²,
   SE from the Monte Carlo 95% interval), plus the Fingertips 5-point recent-trend label on the SII series.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis import stats
from thanalysis.analyses.borough_areas import (
    CI_COLUMNS,
    SMALL_AREA_LEVELS,
    borough_lookups,
    indicator_meta,
    period_table,
    small_area_counts,
    store_indicators,
    with_names,
    with_values,
)
from thanalysis.errors import ConfigError, DataError

DECILE_CHOICES = ("local", "national")

#: Monte Carlo repetitions for the SII (Fingertips uses 100,000; the seed makes rebuilds identical).
SII_REPETITIONS = 100_000
#: Repetitions for the SII of periods before the latest, which feed the trend test and the trend chart: at 10,000
#: the Monte Carlo error of a 95% limit is about 1% of the interval's width, far below its sampling error.
SII_TREND_REPETITIONS = 10_000
SII_SEED = 2004

#: Deprivation measures: the indicator giving each small area's score (higher = more deprived unless the id is
#: a rank) and the published national decile, for the real IMD 2019 files and for the synthetic demo.
DEPRIVATION_MEASURES: dict[str, dict] = {
    "imd2019": {"label": "Index of Multiple Deprivation 2019",
                "score": ["imd2019_score", "imd_score"], "decile": ["imd2019_decile", "imd_decile_national"]},
    "income": {"label": "IMD 2019 income deprivation domain",
               "score": ["imd2019_income_score", "imd2019_income_rank"], "decile": ["imd2019_income_decile"]},
    "employment": {"label": "IMD 2019 employment deprivation domain",
                   "score": ["imd2019_employment_score", "imd2019_employment_rank"],
                   "decile": ["imd2019_employment_decile"]},
    "education": {"label": "IMD 2019 education, skills and training domain",
                  "score": ["imd2019_education_rank"], "decile": ["imd2019_education_decile"]},
    "health": {"label": "IMD 2019 health deprivation and disability domain",
               "score": ["imd2019_health_rank"], "decile": ["imd2019_health_decile"]},
    "crime": {"label": "IMD 2019 crime domain", "score": ["imd2019_crime_rank"], "decile": ["imd2019_crime_decile"]},
    "barriers": {"label": "IMD 2019 barriers to housing and services domain",
                 "score": ["imd2019_barriers_rank"], "decile": ["imd2019_barriers_decile"]},
    "living_environment": {"label": "IMD 2019 living environment domain",
                           "score": ["imd2019_living_environment_rank"],
                           "decile": ["imd2019_living_environment_decile"]},
    # The supplementary indices (IoD2019 File 3: ranks and deciles, no scores).
    "idaci": {"label": "Income Deprivation Affecting Children Index (IDACI) 2019",
              "score": ["imd2019_idaci_rank"], "decile": ["imd2019_idaci_decile"]},
    "idaopi": {"label": "Income Deprivation Affecting Older People Index (IDAOPI) 2019",
               "score": ["imd2019_idaopi_rank"], "decile": ["imd2019_idaopi_decile"]},
}


# ==============================================================================================================
# Deprivation groups
# ==============================================================================================================
def _first_available(candidates: Sequence[str], known: set[str]) -> str | None:
    return next((c for c in candidates if c in known), None)


def _area_population(store, area_type: str) -> pd.Series:
    """Residents per area of ``area_type`` in the latest period the store holds for that type (all sexes)."""
    pop = store.population()
    pop = pop[pop["area_code"].astype(str).isin(set(store.areas().query("area_type == @area_type")["area_code"]))]
    if pop.empty:
        return pd.Series(dtype=float)
    latest = pop[pop["period"] == sorted(pop["period"].astype(str).unique())[-1]]
    persons = latest[latest["sex"] == "Persons"]
    # Some tables hold Persons and Male/Female rows: count Persons where an area has them, else add the sexes.
    have_persons = set(persons["area_code"])
    rest = latest[(latest["sex"] != "Persons") & ~latest["area_code"].isin(have_persons)]
    both = pd.concat([persons, rest])
    return both.groupby(both["area_code"].astype(str))["population"].sum()


def deprivation_measure_label(measure: str) -> str:
    check_measure(measure)
    return DEPRIVATION_MEASURES[measure]["label"]


def check_measure(measure: str) -> None:
    """A ConfigError (the report's ``deprivation_measure`` parameter) unless ``measure`` is one of
    :data:`DEPRIVATION_MEASURES`: "imd2019", a domain ("income", ...), "idaci" or "idaopi"."""
    if measure not in DEPRIVATION_MEASURES:
        choices = "; ".join(f"{k} ({v['label']})" for k, v in DEPRIVATION_MEASURES.items())
        raise ConfigError(f"Unknown deprivation_measure {measure!r}: choose one of {choices}.")


def deprivation_groups(store, area_code: str, measure: str = "imd2019", deciles: str = "local",
                       level: str = "lsoa21") -> pd.DataFrame:
    """Each small area of the borough with its deprivation ``score``, ``decile`` and ``quintile`` (1 = most deprived).

    Columns: ``area_code, area_type, area_name, score, more_deprived_is_higher, population, decile, quintile``.
    ``level`` is "lsoa21" or "ward22" (a ward's score is the population-weighted mean of its LSOAs' scores; wards
    are always ranked within the borough). ``attrs["method"]`` says in a sentence how the groups were made.
    """
    check_measure(measure)
    if deciles not in DECILE_CHOICES:
        raise DataError(f"deprivation_deciles must be 'local' or 'national', not {deciles!r}.",
                        column="deprivation_deciles", values=[deciles], expected="local or national")
    if level not in SMALL_AREA_LEVELS:
        raise DataError(f"Deprivation groups are made of small areas, not {level!r}.", column="level",
                        values=[level], expected=" or ".join(SMALL_AREA_LEVELS))
    return store.cached(("inequalities", "deprivation", area_code, measure, deciles, level),
                        lambda: _build_deprivation_groups(store, area_code, measure, deciles, level))


def _lsoa21_scores(store, area_code: str, measure: str) -> tuple[pd.DataFrame, str]:
    """Score, more-deprived direction and national decile per 2021 LSOA of the borough, and a method sentence."""
    spec = DEPRIVATION_MEASURES[measure]
    known = set(store_indicators(store)["indicator_id"].astype(str))
    score_id = _first_available(spec["score"], known)
    if score_id is None:
        raise DataError(f"This data has no {spec['label']} values.", column="indicator_id",
                        values=spec["score"], expected="a store holding IMD 2019 (real data) or the demo's imd_score; "
                        "on the demo only deprivation_measure='imd2019' is available")
    decile_id = _first_available(spec["decile"], known)
    higher = not score_id.endswith("_rank")  # a rank of 1 is the most deprived
    lk = borough_lookups(store, area_code)
    lsoas = sorted(set(lk.loc[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "la"), "child_code"]))
    ids = [score_id] + ([decile_id] if decile_id else [])
    vals = store.values(ids)
    vals = vals[(vals["category_type"].fillna("") == "") & (vals["sex"] == "Persons")]
    types = set(vals.loc[vals["indicator_id"] == score_id, "area_type"])
    word = "score" if higher else "rank"
    if "lsoa21" in types:
        v = vals[vals["area_type"] == "lsoa21"]
        score = v[v["indicator_id"] == score_id].set_index("area_code")["value"]
        out = pd.DataFrame({"area_code": lsoas})
        out["score"] = out["area_code"].map(score).astype(float)
        out["national_decile"] = (out["area_code"].map(v[v["indicator_id"] == decile_id].set_index("area_code")["value"])
                                  if decile_id else np.nan)
        method = f"Each 2021 LSOA has its own {spec['label']} {word}."
        return out, method
    if "lsoa11" not in types:
        raise DataError(f"{spec['label']} is published for neither 2021 nor 2011 LSOAs in this data.",
                        column="area_type", values=sorted(types), expected="lsoa21 or lsoa11 rows")
    # IMD 2019 is for 2011 LSOAs: carry it to 2021 LSOAs through the lookup, weighting each 2011 LSOA by the
    # people it contributes (mid-2019 population x its share in the 2021 LSOA).
    all_lk = store.lookups()
    l11 = all_lk[(all_lk["child_type"] == "lsoa11") & (all_lk["parent_type"] == "lsoa21")
                 & all_lk["parent_code"].astype(str).isin(lsoas)][["child_code", "parent_code", "weight"]]
    l11 = l11.rename(columns={"child_code": "lsoa11", "parent_code": "area_code"}).astype({"lsoa11": str})
    v11 = vals[vals["area_type"] == "lsoa11"]
    l11["score"] = l11["lsoa11"].map(v11[v11["indicator_id"] == score_id].set_index("area_code")["value"])
    l11["decile"] = (l11["lsoa11"].map(v11[v11["indicator_id"] == decile_id].set_index("area_code")["value"])
                     if decile_id else np.nan)
    pop11 = _area_population(store, "lsoa11")
    l11["people"] = l11["weight"] * l11["lsoa11"].map(pop11).fillna(0.0)
    # Without populations every 2011 LSOA counts by its lookup weight alone.
    l11.loc[l11["people"] <= 0, "people"] = l11["weight"]
    l11 = l11.dropna(subset=["score"])
    l11["weighted"] = l11["score"] * l11["people"]
    grouped = l11.groupby("area_code")
    out = pd.DataFrame({"area_code": lsoas})
    out["score"] = out["area_code"].map(grouped["weighted"].sum() / grouped["people"].sum())
    best = l11.sort_values(["area_code", "people", "lsoa11"], ascending=[True, False, True]).drop_duplicates("area_code")
    out["national_decile"] = out["area_code"].map(best.set_index("area_code")["decile"])
    method = (f"{spec['label']} is published for 2011 LSOAs, so each 2021 LSOA takes the population-weighted "
              f"average {word} of the 2011 LSOAs it was made from (weighted by their mid-2019 residents and the "
              "share of each in the 2021 LSOA), and the published national decile of the 2011 LSOA that gives "
              "it the most residents.")
    return out, method


def _build_deprivation_groups(store, area_code, measure, deciles, level) -> pd.DataFrame:
    lsoa, method = _lsoa21_scores(store, area_code, measure)
    higher = not _first_available(DEPRIVATION_MEASURES[measure]["score"],
                                  set(store_indicators(store)["indicator_id"].astype(str))).endswith("_rank")
    pop21 = _area_population(store, "lsoa21")
    lsoa["population"] = lsoa["area_code"].map(pop21).astype(float)
    lsoa["area_type"] = "lsoa21"
    if level == "ward22":
        lk = borough_lookups(store, area_code)
        w = lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "ward22")][["child_code", "parent_code"]]
        m = lsoa.merge(w, left_on="area_code", right_on="child_code")
        people = m["population"].fillna(1.0)
        m = m.assign(_w=people, _ws=people * m["score"])
        g = m.groupby("parent_code")
        frame = pd.DataFrame({"area_code": g["_w"].sum().index, "score": (g["_ws"].sum() / g["_w"].sum()).to_numpy(),
                              "population": g["population"].sum(min_count=1).to_numpy(), "national_decile": np.nan})
        frame["area_type"] = "ward22"
        method += (" A ward's score is the population-weighted average of its LSOAs' (best-fit lookup), and wards "
                   "are ranked within the borough.")
        deciles = "local"
    else:
        frame = lsoa
    frame = frame.dropna(subset=["score"]).reset_index(drop=True)
    if len(frame) < 10 and deciles == "local" and level == "lsoa21" and frame["national_decile"].notna().all():
        # Too few neighbourhoods to split into tenths within the borough (the City of London has 6):
        # fall back to the published national deciles, and say so.
        deciles = "national"
        method += (f" This area has only {len(frame)} neighbourhoods (LSOAs), too few to split into tenths within "
                   "it, so the published national deciles are used instead.")
    if len(frame) < 10 and deciles == "local":
        raise DataError(f"Only {len(frame)} {level} areas in {area_code} have a deprivation score; at least 10 are "
                        "needed to make deciles.", column="score", expected="10 or more small areas with a score")
    invert = bool(higher)  # the most deprived end (highest score, or lowest rank) gets group 1
    if deciles == "local":
        frame = stats.assign_deprivation_quantiles(frame, "score", n_quantiles=10, invert=invert,
                                                   quantile_column="decile")
        frame = stats.assign_deprivation_quantiles(frame, "score", n_quantiles=5, invert=invert,
                                                   quantile_column="quintile")
        method += (" Areas are split into tenths (deciles) and fifths (quintiles) within the borough, "
                   "1 = most deprived (OHID's method for assigning deprivation categories).")
    else:
        if frame["national_decile"].isna().any():
            missing = frame.loc[frame["national_decile"].isna(), "area_code"].head(5).tolist()
            raise DataError("Some small areas have no published national deprivation decile.",
                            column="national_decile", values=missing, expected="a national decile for every LSOA")
        frame["decile"] = pd.array(frame["national_decile"].round().astype(int), dtype="Int64")
        frame["quintile"] = pd.array((frame["national_decile"].round().astype(int) + 1) // 2, dtype="Int64")
        method += (" Areas keep their published national deciles (1 = among the most deprived 10% in England); "
                   "quintiles pair deciles 1-2, 3-4 and so on, so some groups may be empty in this borough.")
    frame["more_deprived_is_higher"] = bool(higher)
    frame = with_names(frame, store, area_code)
    out = frame[["area_code", "area_type", "area_name", "score", "more_deprived_is_higher", "population",
                 "decile", "quintile"]].sort_values(["decile", "area_code"]).reset_index(drop=True)
    out.attrs["method"] = method
    out.attrs["measure"] = measure
    out.attrs["deciles"] = deciles
    return out


def decile_summary(groups: pd.DataFrame) -> pd.DataFrame:
    """Per deprivation decile: ``neighbourhoods`` (small areas), ``residents``, ``lowest_score``, ``highest_score``."""
    return groups.groupby("decile", as_index=False).agg(
        neighbourhoods=("area_code", "size"), residents=("population", "sum"), lowest_score=("score", "min"),
        highest_score=("score", "max"))


# ==============================================================================================================
# Deprivation gaps and the slope index of inequality
# ==============================================================================================================
def counts_by_deprivation(store, indicator_id: str, area_code: str, groups: pd.DataFrame) -> pd.DataFrame:
    """Counts and denominators summed by deprivation decile and by quintile, every period, with values and
    95%/99.8% intervals; ``groups`` are the :func:`deprivation_groups` of the level the indicator's counts are
    published for (:func:`thanalysis.analyses.borough_areas.small_area_counts`). Columns: ``indicator_id, period, period_start, group_type ("decile"/"quintile"),
    quantile, n_areas, count, denominator, value, CIs``."""
    meta = indicator_meta(store, indicator_id)
    level, rows = small_area_counts(store, indicator_id, area_code)
    cols = ["indicator_id", "period", "period_start", "group_type", "quantile", "n_areas", "count", "denominator",
            "value", *CI_COLUMNS]
    if level is None:
        return pd.DataFrame(columns=cols)
    frames = []
    for group_type in ("decile", "quintile"):
        g = groups[["area_code", group_type]].rename(columns={group_type: "quantile"}).dropna()
        m = rows[["area_code", "period", "count", "denominator"]].astype({"area_code": str}).merge(g, on="area_code")
        s = m.groupby(["period", "quantile"], as_index=False).agg(
            n_areas=("area_code", "nunique"), count=("count", "sum"), denominator=("denominator", "sum"))
        frames.append(s.assign(group_type=group_type))
    out = pd.concat(frames, ignore_index=True)
    out["quantile"] = out["quantile"].astype(int)
    out = out.merge(period_table(rows), on="period", how="left")
    out.insert(0, "indicator_id", str(indicator_id))
    out = with_values(out, meta["value_type"], meta["multiplier"])
    return out[cols].sort_values(["group_type", "period", "quantile"]).reset_index(drop=True)


def quantile_gaps(by_deprivation: pd.DataFrame, polarity: str = "no_judgement") -> pd.DataFrame:
    """The most deprived group (1) against the least deprived (the highest group present) for deciles and
    quintiles, every period: values with 95% intervals, ``gap`` = most − least with a 95% interval (Newcombe's
    MOVER: the two groups' intervals combined, as for a difference of independent proportions), ``ratio``
    = most / least, and ``worse_in_most_deprived`` (True/False; None when there is no better direction or the
    interval for the gap includes zero)."""
    rows = []
    for (ind, group_type, period), part in by_deprivation.groupby(["indicator_id", "group_type", "period"], sort=True):
        part = part.dropna(subset=["value"]).sort_values("quantile")
        if len(part) < 2:
            continue
        most, least = part.iloc[0], part.iloc[-1]
        d = most["value"] - least["value"]
        lo = d - math.sqrt((most["value"] - most["lower_ci_95"]) ** 2 + (least["upper_ci_95"] - least["value"]) ** 2)
        hi = d + math.sqrt((most["upper_ci_95"] - most["value"]) ** 2 + (least["value"] - least["lower_ci_95"]) ** 2)
        significant = lo > 0 or hi < 0
        worse = None
        if significant and polarity in ("lower_is_better", "higher_is_better"):
            worse = bool((d > 0) == (polarity == "lower_is_better"))
        rows.append({"indicator_id": ind, "group_type": group_type, "period": period,
                     "period_start": most["period_start"], "most_deprived_group": int(most["quantile"]),
                     "least_deprived_group": int(least["quantile"]), "most_deprived_value": most["value"],
                     "most_deprived_lower_ci_95": most["lower_ci_95"], "most_deprived_upper_ci_95": most["upper_ci_95"],
                     "most_deprived_count": most["count"], "least_deprived_value": least["value"],
                     "least_deprived_lower_ci_95": least["lower_ci_95"],
                     "least_deprived_upper_ci_95": least["upper_ci_95"], "least_deprived_count": least["count"],
                     "gap": d, "gap_lower_ci_95": lo, "gap_upper_ci_95": hi, "gap_significant": bool(significant),
                     "ratio": most["value"] / least["value"] if least["value"] > 0 else np.nan,
                     "worse_in_most_deprived": worse})
    return pd.DataFrame(rows)


def sii_by_period(by_deprivation: pd.DataFrame, value_type: str = "proportion", multiplier: float = 100, *,
                  group_type: str = "decile", repetitions: int = SII_REPETITIONS,
                  trend_repetitions: int | None = SII_TREND_REPETITIONS, seed: int = SII_SEED) -> pd.DataFrame:
    """Slope and relative index of inequality per indicator and period across deprivation ``group_type`` groups.

    Low & Low (2004) with Monte Carlo 95% limits (:func:`thanalysis.stats.slope_index_of_inequality`, seeded so
    rebuilds match). Reported as **most deprived minus least deprived** in the indicator's units (percentage
    points for percentages): a positive SII means the value is higher in the most deprived areas; the RII is
    most / least. Proportions are simulated on their own scale with logit-scale errors; a period in which a
    group has 0% or 100% falls back to the plain normal model (value type "other") so it still gets an SII.
    Columns: ``indicator_id, period, period_start, sii, sii_lower_ci_95, sii_upper_ci_95, rii, rii_lower_ci_95,
    rii_upper_ci_95, fitted_most_deprived, fitted_least_deprived, n_groups, sii_method, sii_repetitions``.

    Each indicator's latest period uses ``repetitions`` (100,000, as Fingertips); earlier periods, which serve the
    trend, use ``trend_repetitions`` when it is smaller (None: all periods use ``repetitions``).
    """
    d = by_deprivation[by_deprivation["group_type"] == group_type].dropna(subset=["value"]).copy()
    cols = ["indicator_id", "period", "period_start", "sii", "sii_lower_ci_95", "sii_upper_ci_95", "rii",
            "rii_lower_ci_95", "rii_upper_ci_95", "fitted_most_deprived", "fitted_least_deprived", "n_groups",
            "sii_method", "sii_repetitions"]
    if d.empty:
        return pd.DataFrame(columns=cols)
    scale = multiplier if multiplier else 1.0
    for c in ["value", "lower_ci_95", "upper_ci_95"]:
        d[c] = d[c] / scale
    vt = "proportion" if value_type == "proportion" else "rate"
    if vt == "proportion":
        bad = (d["value"] <= 0) | (d["value"] >= 1) | (d["lower_ci_95"] <= 0) | (d["upper_ci_95"] >= 1)
    else:
        bad = (d["value"] <= 0) | (d["lower_ci_95"] <= 0)
    keys = ["indicator_id", "period"]
    bad_groups = d.loc[bad, keys].drop_duplicates()
    flagged = set(map(tuple, bad_groups.to_numpy()))
    d["_fallback"] = [k in flagged for k in zip(d["indicator_id"], d["period"])]
    d["_population"] = d["denominator"].astype(float)
    n_groups = d.groupby(keys)["quantile"].nunique().rename("n_groups")
    latest = d.groupby("indicator_id")["period"].transform("max")
    d["_reps"] = repetitions
    if trend_repetitions is not None and trend_repetitions < repetitions:
        d.loc[d["period"] != latest, "_reps"] = trend_repetitions
    results = []
    for (fallback, reps), part in d.groupby(["_fallback", "_reps"]):
        part = part[part.groupby(keys)["quantile"].transform("nunique") >= 5]
        if part.empty:
            continue
        res = stats.slope_index_of_inequality(
            part, quantile="quantile", population="_population", value="value",
            value_type="other" if fallback else vt, group_by=keys, lower_ci="lower_ci_95", upper_ci="upper_ci_95",
            repetitions=int(reps), rii=True, intercept=True, multiplier=-scale, seed=seed)
        res["sii_method"] = res["method"] + (" (normal model: a group had 0%)" if fallback else "")
        res["sii_repetitions"] = int(reps)
        results.append(res)
    if not results:
        return pd.DataFrame(columns=cols)
    out = pd.concat(results, ignore_index=True)
    # intercept = fitted value at the most deprived end (rank 0) on the 0-1 scale; the SII is most − least.
    out["fitted_most_deprived"] = out["intercept"] * scale
    out["fitted_least_deprived"] = out["fitted_most_deprived"] - out["sii"]
    out = out.merge(n_groups.reset_index(), on=keys, how="left")
    out = out.merge(d[["indicator_id", "period", "period_start"]].drop_duplicates(keys), on=keys, how="left")
    return out[cols].sort_values(keys).reset_index(drop=True)


def sii_trend(sii: pd.DataFrame, polarity: str = "no_judgement") -> pd.DataFrame:
    """Is the gap (SII) narrowing? One row per indicator with at least 3 periods.

    Method: weighted least squares of the SII on time in years (from each period's start date), weights
    1/SE² with SE = (upper − lower) / (2 × 1.96) from the Monte Carlo 95% interval; the slope's standard error is
    1/√(Σ w (t − t̄)²) and the change is significant when the slope's 95% interval excludes zero. The gap is
    "narrowing" when the SII moves significantly towards zero, "widening" when away from it, else "no clear
    change". ``recent_trend`` adds the Fingertips 5-point test on the SII series (value type "other").
    """
    rows = []
    for ind, part in sii.dropna(subset=["sii", "sii_lower_ci_95", "sii_upper_ci_95"]).groupby("indicator_id"):
        part = part.sort_values("period")
        if len(part) < 3:
            continue
        t = pd.to_datetime(part["period_start"])
        t = (t.dt.year + (t.dt.dayofyear - 1) / 365.25).to_numpy(dtype=float)
        y = part["sii"].to_numpy(dtype=float)
        se = (part["sii_upper_ci_95"] - part["sii_lower_ci_95"]).to_numpy(dtype=float) / (2 * 1.959963984540054)
        se = np.where(se > 0, se, np.nan)
        w = 1 / se**2
        ok = np.isfinite(w)
        if ok.sum() < 3:
            continue
        t, y, w = t[ok], y[ok], w[ok]
        tb = (w * t).sum() / w.sum()
        yb = (w * y).sum() / w.sum()
        sxx = (w * (t - tb) ** 2).sum()
        slope = (w * (t - tb) * (y - yb)).sum() / sxx
        slope_se = 1 / math.sqrt(sxx)
        lo, hi = slope - 1.959963984540054 * slope_se, slope + 1.959963984540054 * slope_se
        significant = lo > 0 or hi < 0
        towards_zero = (slope < 0) == (yb > 0)
        direction = ("narrowing" if towards_zero else "widening") if significant else "no clear change"
        rows.append({"indicator_id": ind, "first_period": part["period"].iloc[0],
                     "last_period": part["period"].iloc[-1], "n_periods": int(ok.sum()),
                     "first_sii": float(part["sii"].iloc[0]), "last_sii": float(part["sii"].iloc[-1]),
                     "sii_change_per_year": slope, "change_lower_ci_95": lo, "change_upper_ci_95": hi,
                     "change_significant": bool(significant), "gap_direction": direction})
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=["indicator_id", "first_period", "last_period", "n_periods", "first_sii",
                                     "last_sii", "sii_change_per_year", "change_lower_ci_95", "change_upper_ci_95",
                                     "change_significant", "gap_direction", "recent_trend"])
    series = sii[sii["indicator_id"].isin(out["indicator_id"])].dropna(subset=["sii_lower_ci_95", "sii_upper_ci_95"])
    rt = stats.recent_trend(series, "period", value_type="other", value="sii", lower_ci="sii_lower_ci_95",
                            upper_ci="sii_upper_ci_95", group_by="indicator_id")
    labels = rt.dropna(subset=["recent_trend"]).set_index("indicator_id")["recent_trend"]
    out["recent_trend"] = out["indicator_id"].map(labels).fillna("Cannot be calculated")
    out.attrs["method"] = ("Weighted regression of the slope index of inequality on time (weights from the width of "
                           "each year's 95% interval); the Fingertips 5-point recent-trend test on the same series is "
                           "shown alongside.")
    return out

