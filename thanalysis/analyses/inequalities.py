"""Inequalities within a borough: differences between wards, localities and deprivation groups, and over time.

The analysis behind ``notebooks/inequalities.ipynb`` (issue 5). Every number the report shows is computed here
from the store's canonical tables; the notebook only calls these functions and displays the results.

Steps, each a function below:

1. :func:`deprivation_groups` - each small area of the borough gets a deprivation score, a decile and a
   quintile (1 = most deprived). "local" deciles rank the areas within the borough (OHID's "assigning
   deprivation categories", :func:`thanalysis.stats.assign_deprivation_quantiles`); "national" deciles are the
   published IMD deciles. IMD 2019 is published for 2011 LSOAs: a 2021 LSOA gets the population-weighted mean
   score of the 2011 LSOAs it was made from (weights: mid-2019 population of each 2011 LSOA times its share in
   the 2021 LSOA, from the lsoa11→lsoa21 lookup), and the national decile of the 2011 LSOA that gives it most
   people (its best fit).
2. :func:`indicator_by_area` - counts of an indicator summed from the smallest areas that publish them (2021
   LSOAs, else wards) up to wards, localities and the borough (:func:`thanalysis.geography.hierarchy.aggregate`), with
   Wilson (proportions) or Byars/exact Poisson (rates) 95% and 99.8% intervals recomputed from the sums.
3. :func:`compare_areas_with_borough` - each area better/similar/worse than the borough (95% interval against
   the borough value; Fingertips), and inside/outside the funnel limits (Spiegelhalter 2005).
4. :func:`quantile_gaps` - counts summed by deprivation decile and quintile; the gap between the most and least
   deprived group with a 95% interval for the difference (Newcombe's MOVER method from the two intervals) and
   the ratio.
5. :func:`sii_by_period` - slope and relative index of inequality across deprivation deciles (Low & Low 2004,
   Monte Carlo limits, fixed seed), reported as *most deprived minus least deprived* so a positive SII means
   the indicator is higher in the most deprived areas.
6. :func:`sii_trend` - whether the SII is narrowing: weighted least squares of the SII on time (weights 1/SE²,
   SE from the Monte Carlo 95% interval), plus the Fingertips 5-point recent-trend label on the SII series.
7. :func:`ethnic_breakdown` - values by ethnic group (where the data has them) against the borough value.
8. :func:`largest_gaps` - the indicators with the widest gaps (|SII| relative to the borough value), and which
   wards, localities and groups are significantly worse than the borough.

:func:`run_inequalities` runs them all and returns an :class:`InequalityResults`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis import stats
from thanalysis.errors import DataError
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate
from thanalysis.geography.places import localities_for

#: Small-area levels an indicator may be published at, finest first.
SMALL_AREA_LEVELS = ("lsoa21", "ward22")
GEOGRAPHIES = ("lsoa21", "ward22", "locality")
VALUE_TYPES_WITH_COUNTS = ("proportion", "crude_rate")
DECILE_CHOICES = ("local", "national")

#: Monte Carlo repetitions for the SII (Fingertips uses 100,000; the seed makes rebuilds identical).
SII_REPETITIONS = 100_000
#: Repetitions for the SII of periods before the latest, which feed the trend test and the trend chart: at 10,000
#: the Monte Carlo error of a 95% limit is about 1% of the interval's width, far below its sampling error.
SII_TREND_REPETITIONS = 10_000
SII_SEED = 2004

#: Census 2021 small-area counts are perturbed independently of the local-authority table, so sums of LSOA
#: counts differ from the published borough totals by a few people (Tower Hamlets: 310,303 vs 310,306
#: residents). Across the 33 London boroughs and five Census measures the largest difference is 69 (0.08%).
CENSUS_ROUNDING_ABSOLUTE = 75
CENSUS_ROUNDING_RELATIVE = 0.001

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
}

_CI = ["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]


# ==============================================================================================================
# Areas of the borough
# ==============================================================================================================
def _store_memo(store) -> dict:
    """Per-store cache (the store object lives for one report), so each table is built once."""
    memo = getattr(store, "_inequalities_memo", None)
    if memo is None:
        memo = {}
        try:
            store._inequalities_memo = memo
        except AttributeError:  # pragma: no cover - a store that forbids attributes just recomputes
            pass
    return memo


def _memo(store, key, build):
    memo = _store_memo(store)
    if key not in memo:
        memo[key] = build()
    return memo[key]


def _children(lookups: pd.DataFrame, parent_code: str, child_type: str, parent_type: str = "la") -> list[str]:
    lk = lookups
    hit = lk[(lk["child_type"] == child_type) & (lk["parent_type"] == parent_type) & (lk["parent_code"] == parent_code)]
    return sorted(hit["child_code"].astype(str).unique())


def borough_lookups(store, area_code: str) -> pd.DataFrame:
    """Lookups for one borough: lsoa21→ward22 (best fit), ward22→locality, locality→la, lsoa21→la, ward22→la.

    Localities come from the store where it has them (the demo), else from ``data/localities/<code>.csv``;
    a borough with neither gets no locality rows (see :func:`has_localities`)."""
    def build():
        lk = store.lookups()
        lk = lk.assign(child_code=lk["child_code"].astype(str), parent_code=lk["parent_code"].astype(str))
        lsoas = _children(lk, area_code, "lsoa21")
        wards = _children(lk, area_code, "ward22")
        if not lsoas and not wards:
            raise DataError(f"The store has no LSOAs or wards inside {area_code}.", column="area_code",
                            values=[area_code], expected="a borough code with small areas (e.g. a London borough)")
        parts = [
            lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "ward22") & lk["child_code"].isin(lsoas)],
            lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "la") & lk["child_code"].isin(lsoas)],
            lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "la") & (lk["parent_code"] == area_code)],
        ]
        loc = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality") & lk["child_code"].isin(wards)]
        if len(loc):
            parts.append(loc)
            parts.append(lk[(lk["child_type"] == "locality") & (lk["parent_type"] == "la")
                            & lk["child_code"].isin(set(loc["parent_code"]))])
        else:
            table = localities_for(area_code)
            if table is not None:
                table = table[table["ward22_code"].isin(wards)]
                parts.append(pd.DataFrame({"child_code": table["ward22_code"], "child_type": "ward22",
                                           "parent_code": table["locality_code"], "parent_type": "locality",
                                           "weight": 1.0}))
                codes = sorted(table["locality_code"].unique())
                parts.append(pd.DataFrame({"child_code": codes, "child_type": "locality", "parent_code": area_code,
                                           "parent_type": "la", "weight": 1.0}))
        return pd.concat(parts, ignore_index=True)[["child_code", "child_type", "parent_code", "parent_type", "weight"]]

    return _memo(store, ("lookups", area_code), build)


def has_localities(store, area_code: str) -> bool:
    """True if the borough's wards are grouped into localities (store lookups or a locality file)."""
    lk = borough_lookups(store, area_code)
    return bool(((lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")).any())


def area_names(store, area_code: str) -> pd.DataFrame:
    """``area_code, area_type, area_name`` for the borough, its wards, LSOAs and localities."""
    def build():
        lk = borough_lookups(store, area_code)
        areas = store.areas()[["area_code", "area_name", "area_type"]].astype(str)
        wanted = set(zip(lk["child_code"], lk["child_type"])) | {(area_code, "la")}
        keys = pd.Series(list(zip(areas["area_code"], areas["area_type"])), index=areas.index)
        out = areas[keys.isin(wanted)]
        table = localities_for(area_code)
        if table is not None:
            extra = table.drop_duplicates("locality_code")
            extra = pd.DataFrame({"area_code": extra["locality_code"], "area_name": extra["locality_name"],
                                  "area_type": "locality"})
            known = set(out.loc[out["area_type"] == "locality", "area_code"])
            out = pd.concat([out, extra[~extra["area_code"].isin(known) & extra["area_code"].isin(set(lk["parent_code"]))]])
        return out.drop_duplicates(["area_code", "area_type"]).reset_index(drop=True)

    return _memo(store, ("names", area_code), build)


def _with_names(df: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    out = df.drop(columns="area_name", errors="ignore").merge(names, on=["area_code", "area_type"], how="left")
    out["area_name"] = out["area_name"].fillna(out["area_code"])
    return out


def borough_name(store, area_code: str) -> str:
    names = area_names(store, area_code)
    hit = names[(names["area_code"] == area_code) & (names["area_type"] == "la")]
    return str(hit["area_name"].iloc[0]) if len(hit) else area_code


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
    _check_measure(measure)
    return DEPRIVATION_MEASURES[measure]["label"]


def _check_measure(measure: str) -> None:
    if measure not in DEPRIVATION_MEASURES:
        raise DataError(f"Unknown deprivation measure {measure!r}.", column="deprivation_measure", values=[measure],
                        expected="one of " + ", ".join(DEPRIVATION_MEASURES))


def deprivation_groups(store, area_code: str, measure: str = "imd2019", deciles: str = "local",
                       level: str = "lsoa21") -> pd.DataFrame:
    """Each small area of the borough with its deprivation ``score``, ``decile`` and ``quintile`` (1 = most deprived).

    Columns: ``area_code, area_type, area_name, score, more_deprived_is_higher, population, decile, quintile``.
    ``level`` is "lsoa21" or "ward22" (a ward's score is the population-weighted mean of its LSOAs' scores; wards
    are always ranked within the borough). ``attrs["method"]`` says in a sentence how the groups were made.
    """
    _check_measure(measure)
    if deciles not in DECILE_CHOICES:
        raise DataError(f"deprivation_deciles must be 'local' or 'national', not {deciles!r}.",
                        column="deprivation_deciles", values=[deciles], expected="local or national")
    if level not in SMALL_AREA_LEVELS:
        raise DataError(f"Deprivation groups are made of small areas, not {level!r}.", column="level",
                        values=[level], expected=" or ".join(SMALL_AREA_LEVELS))
    return _memo(store, ("deprivation", area_code, measure, deciles, level),
                 lambda: _build_deprivation_groups(store, area_code, measure, deciles, level))


def _lsoa21_scores(store, area_code: str, measure: str) -> tuple[pd.DataFrame, str]:
    """Score, more-deprived direction and national decile per 2021 LSOA of the borough, and a method sentence."""
    spec = DEPRIVATION_MEASURES[measure]
    known = set(_indicators(store)["indicator_id"].astype(str))
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
                                  set(_indicators(store)["indicator_id"].astype(str))).endswith("_rank")
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
    frame = _with_names(frame, area_names(store, area_code))
    out = frame[["area_code", "area_type", "area_name", "score", "more_deprived_is_higher", "population",
                 "decile", "quintile"]].sort_values(["decile", "area_code"]).reset_index(drop=True)
    out.attrs["method"] = method
    out.attrs["measure"] = measure
    out.attrs["deciles"] = deciles
    return out


# ==============================================================================================================
# Indicators by area
# ==============================================================================================================
def _indicators(store) -> pd.DataFrame:
    return _memo(store, "indicators", store.indicators)


def _indicator_meta(store, indicator_id: str) -> dict:
    ind = _indicators(store)
    hit = ind[ind["indicator_id"].astype(str) == str(indicator_id)]
    if hit.empty:
        raise DataError(f"Unknown indicator {indicator_id!r}.", column="indicator_id", values=[indicator_id],
                        expected="an id listed by store.indicators()")
    row = hit.iloc[0].to_dict()
    row["multiplier"] = float(row.get("multiplier") or 1)
    return row


def _small_area_counts(store, indicator_id: str, area_code: str) -> tuple[str, pd.DataFrame]:
    """(level, rows) of the finest small-area level with counts inside the borough, all sexes "Persons",
    all ages, no category breakdown."""
    def build():
        lk = borough_lookups(store, area_code)
        v = store.values([indicator_id])
        v = v[(v["category_type"].fillna("") == "") & (v["sex"] == "Persons")]
        for level in SMALL_AREA_LEVELS:
            codes = set(lk.loc[(lk["child_type"] == level) & (lk["parent_type"] == "la"), "child_code"])
            rows = v[(v["area_type"] == level) & v["area_code"].astype(str).isin(codes)]
            rows = rows.dropna(subset=["count", "denominator"])
            if len(rows):
                ages = rows["age"].unique()
                if len(ages) > 1:
                    rows = rows[rows["age"] == ("All ages" if "All ages" in ages else ages[0])]
                return level, rows.reset_index(drop=True)
        return None, v.iloc[:0]

    return _memo(store, ("counts", indicator_id, area_code), build)


def suitable_indicators(store, area_code: str) -> list[str]:
    """Indicators with counts and denominators for small areas of the borough (proportions and crude rates)."""
    def build():
        ind = _indicators(store)
        ind = ind[ind["value_type"].isin(VALUE_TYPES_WITH_COUNTS)]
        lk = borough_lookups(store, area_code)
        codes = set(lk.loc[lk["child_type"].isin(SMALL_AREA_LEVELS) & (lk["parent_type"] == "la"), "child_code"])
        v = store.values(ind["indicator_id"].tolist())
        v = v[v["area_type"].isin(SMALL_AREA_LEVELS) & v["area_code"].astype(str).isin(codes)
              & v["count"].notna() & v["denominator"].notna() & (v["category_type"].fillna("") == "")]
        have = set(v["indicator_id"].astype(str))
        return [i for i in ind["indicator_id"].astype(str) if i in have]

    return list(_memo(store, ("suitable", area_code), build))


def _with_values(counts: pd.DataFrame, value_type: str, multiplier: float) -> pd.DataFrame:
    """Value and 95%/99.8% intervals from count and denominator: Wilson (proportions), Byars/exact (rates)."""
    ok = counts["denominator"] > 0
    out = counts.copy()
    for c in ["value", *_CI]:
        out[c] = np.nan
    if ok.any():
        part = counts[ok].reset_index(drop=True)
        if value_type == "proportion":
            res = stats.proportion(part, "count", "denominator", confidence=[0.95, 0.998], multiplier=multiplier)
        else:
            res = stats.crude_rate(part, "count", "denominator", confidence=[0.95, 0.998], multiplier=multiplier)
        for c in ["value", *_CI]:
            out.loc[ok.to_numpy(), c] = res[c].to_numpy()
    return out


def _period_table(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[["period", "period_start"]].drop_duplicates("period")


def indicator_by_area(store, indicator_id: str, area_code: str, geography: str = "ward22") -> pd.DataFrame:
    """Values with 95% and 99.8% intervals for every area of ``geography`` in the borough and for the borough,
    every period, recomputed from small-area counts summed up the lookups.

    Columns: ``indicator_id, area_code, area_type, area_name, period, period_start, count, denominator, value,
    lower_ci_95, upper_ci_95, lower_ci_99_8, upper_ci_99_8``. ``attrs["source_level"]`` is the level the counts
    came from; if it is coarser than ``geography`` (e.g. LSOAs asked, wards published) the table is at the
    source level and ``attrs["note"]`` says so. An empty table means the indicator has no small-area counts here.
    """
    if geography not in GEOGRAPHIES:
        raise DataError(f"Unknown geography {geography!r}.", column="geography", values=[geography],
                        expected="one of " + ", ".join(GEOGRAPHIES))
    return _memo(store, ("by_area", indicator_id, area_code, geography),
                 lambda: _build_by_area(store, indicator_id, area_code, geography))


def _build_by_area(store, indicator_id, area_code, geography) -> pd.DataFrame:
    meta = _indicator_meta(store, indicator_id)
    level, rows = _small_area_counts(store, indicator_id, area_code)
    cols = ["indicator_id", "area_code", "area_type", "area_name", "period", "period_start", "count", "denominator",
            "value", *_CI]
    if level is None:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(source_level=None, note=f"{meta['name']} has no small-area counts for this borough.")
        return out
    lk = borough_lookups(store, area_code)
    note = ""
    target = geography
    if geography == "lsoa21" and level != "lsoa21":
        target, note = level, f"{meta['name']} is published for wards, not LSOAs, so it is shown by ward."
    if target == "locality" and not has_localities(store, area_code):
        out = pd.DataFrame(columns=cols)
        out.attrs.update(source_level=level, note="This borough has no locality file, so there are no locality figures.")
        return out
    base = rows[["area_code", "period", "count", "denominator"]].copy()
    base["area_code"] = base["area_code"].astype(str)
    frames = []
    if target == level:
        frames.append(base.assign(area_type=level))
    else:
        frames.append(aggregate(base, lk, level, target, by=["period"]))
    frames.append(aggregate(base, lk, level, "la", by=["period"]))
    counts = pd.concat(frames, ignore_index=True)
    counts = counts.merge(_period_table(rows), on="period", how="left")
    counts.insert(0, "indicator_id", str(indicator_id))
    out = _with_values(counts, meta["value_type"], meta["multiplier"])
    out = _with_names(out, area_names(store, area_code))
    order = {"lsoa21": 0, "ward22": 1, "locality": 2, "la": 3}
    out = out.assign(_o=out["area_type"].map(order)).sort_values(["period", "_o", "area_code"]).drop(columns="_o")
    out = out[cols].reset_index(drop=True)
    out.attrs.update(source_level=level, note=note)
    return out


def borough_total_check(store, indicator_id: str, area_code: str) -> dict:
    """Sum of small-area counts for the borough against the borough's own published row (latest period).

    Returns ``{"published_count", "summed_count", "published_denominator", "summed_denominator", "tolerance",
    "agrees"}``; ``agrees`` is None when the store publishes no borough row. Census 2021 small-area tables are
    perturbed separately from the borough table, so they may differ by up to :data:`CENSUS_ROUNDING_ABSOLUTE`
    people or :data:`CENSUS_ROUNDING_RELATIVE` of the total, whichever is larger.
    """
    by_area = indicator_by_area(store, indicator_id, area_code, "ward22")
    out = {"indicator_id": indicator_id, "published_count": None, "summed_count": None,
           "published_denominator": None, "summed_denominator": None, "tolerance": None, "agrees": None}
    if by_area.empty:
        return out
    latest = sorted(by_area["period"].unique())[-1]
    summed = by_area[(by_area["area_type"] == "la") & (by_area["period"] == latest)].iloc[0]
    v = store.values([indicator_id])
    pub = v[(v["area_type"] == "la") & (v["area_code"].astype(str) == area_code) & (v["period"] == latest)
            & (v["category_type"].fillna("") == "") & (v["sex"] == "Persons")]
    out.update(summed_count=float(summed["count"]), summed_denominator=float(summed["denominator"]))
    if pub.empty or pub["count"].isna().all():
        return out
    p = pub.iloc[0]
    tol = max(CENSUS_ROUNDING_ABSOLUTE, CENSUS_ROUNDING_RELATIVE * float(p["denominator"]))
    out.update(published_count=float(p["count"]), published_denominator=float(p["denominator"]), tolerance=tol,
               agrees=bool(abs(out["summed_count"] - p["count"]) <= tol
                           and abs(out["summed_denominator"] - p["denominator"]) <= tol))
    return out


# ==============================================================================================================
# Comparison with the borough
# ==============================================================================================================
def compare_areas_with_borough(by_area: pd.DataFrame, polarity: str, value_type: str = "proportion",
                               multiplier: float = 100) -> pd.DataFrame:
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


# ==============================================================================================================
# Deprivation gaps and the slope index of inequality
# ==============================================================================================================
def counts_by_deprivation(store, indicator_id: str, area_code: str, groups: pd.DataFrame | None = None, *,
                          measure: str = "imd2019", deciles: str = "local") -> pd.DataFrame:
    """Counts and denominators summed by deprivation decile and by quintile, every period, with values and
    95%/99.8% intervals. Columns: ``indicator_id, period, period_start, group_type ("decile"/"quintile"),
    quantile, n_areas, count, denominator, value, CIs``."""
    meta = _indicator_meta(store, indicator_id)
    level, rows = _small_area_counts(store, indicator_id, area_code)
    cols = ["indicator_id", "period", "period_start", "group_type", "quantile", "n_areas", "count", "denominator",
            "value", *_CI]
    if level is None:
        return pd.DataFrame(columns=cols)
    if groups is None or (len(groups) and groups["area_type"].iloc[0] != level):
        groups = deprivation_groups(store, area_code, measure, deciles, level=level)
    frames = []
    for group_type in ("decile", "quintile"):
        g = groups[["area_code", group_type]].rename(columns={group_type: "quantile"}).dropna()
        m = rows[["area_code", "period", "count", "denominator"]].astype({"area_code": str}).merge(g, on="area_code")
        s = m.groupby(["period", "quantile"], as_index=False).agg(
            n_areas=("area_code", "nunique"), count=("count", "sum"), denominator=("denominator", "sum"))
        frames.append(s.assign(group_type=group_type))
    out = pd.concat(frames, ignore_index=True)
    out["quantile"] = out["quantile"].astype(int)
    out = out.merge(_period_table(rows), on="period", how="left")
    out.insert(0, "indicator_id", str(indicator_id))
    out = _with_values(out, meta["value_type"], meta["multiplier"])
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


# ==============================================================================================================
# Ethnic groups
# ==============================================================================================================
def ethnic_breakdown(store, indicator_ids: Sequence[str], area_code: str, *, category_type: str = "Ethnic group",
                     latest_only: bool = True) -> pd.DataFrame:
    """Values by ethnic group for the borough and its localities (where the data has them), each compared with
    the borough's overall value in the same period (Better/Similar/Worse at 95%).

    Columns: ``indicator_id, area_code, area_type, area_name, period, category, count, denominator, value, CIs,
    benchmark_value, comparison_95, comparison_99_8``. Empty when the data has no such breakdown (the real open
    data has no ethnic breakdown at small-area level)."""
    ids = [str(i) for i in indicator_ids]
    if not ids:
        return pd.DataFrame()
    v = store.values(ids)
    lk = borough_lookups(store, area_code)
    localities = set(lk.loc[lk["parent_type"] == "locality", "parent_code"])
    here = (((v["area_type"] == "la") & (v["area_code"].astype(str) == area_code))
            | ((v["area_type"] == "locality") & v["area_code"].astype(str).isin(localities)))
    eth = v[here & (v["category_type"].fillna("") == category_type) & (v["sex"] == "Persons")].copy()
    if eth.empty:
        return pd.DataFrame(columns=["indicator_id", "area_code", "area_type", "area_name", "period", "category",
                                     "count", "denominator", "value", *_CI, "benchmark_value", "comparison_95",
                                     "comparison_99_8"])
    overall = v[(v["area_type"] == "la") & (v["area_code"].astype(str) == area_code)
                & (v["category_type"].fillna("") == "") & (v["sex"] == "Persons")]
    bench = overall.set_index(["indicator_id", "period"])["value"]
    eth["benchmark_value"] = [bench.get((i, p), np.nan) for i, p in zip(eth["indicator_id"], eth["period"])]
    if latest_only:
        last = eth.groupby("indicator_id")["period"].transform("max")
        eth = eth[eth["period"] == last]
    meta = _indicators(store).set_index("indicator_id")
    eth["polarity"] = eth["indicator_id"].map(meta["polarity"]).fillna("no_judgement")
    eth = stats.compare_with_benchmark(eth.reset_index(drop=True), "benchmark_value", polarity="polarity")
    eth = _with_names(eth, area_names(store, area_code))
    keep = ["indicator_id", "area_code", "area_type", "area_name", "period", "category", "count", "denominator",
            "value", *_CI, "benchmark_value", "comparison_95", "comparison_99_8"]
    order = eth["area_type"].map({"la": 0, "locality": 1})
    return eth.assign(_o=order).sort_values(["indicator_id", "_o", "area_code", "category"])[keep].reset_index(drop=True)


# ==============================================================================================================
# Everything together
# ==============================================================================================================
@dataclass
class InequalityResults:
    """All tables of the inequalities report for one borough (see :func:`run_inequalities`)."""

    area_code: str
    area_name: str
    geography: str
    measure: str
    deciles: str
    indicators: pd.DataFrame          # indicator_id, name, value_type, multiplier, unit, polarity, source_level
    deprivation: pd.DataFrame         # small areas with score, decile, quintile (LSOA level)
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
    notes: list[str] = field(default_factory=list)

    @property
    def latest_sii(self) -> pd.DataFrame:
        return _latest(self.sii)

    def indicator_name(self, indicator_id: str) -> str:
        hit = self.indicators[self.indicators["indicator_id"] == indicator_id]
        return str(hit["name"].iloc[0]) if len(hit) else str(indicator_id)

    def meta(self, indicator_id: str) -> dict:
        return self.indicators.set_index("indicator_id").loc[indicator_id].to_dict()


def _latest(df: pd.DataFrame, by: str = "indicator_id") -> pd.DataFrame:
    if df.empty:
        return df
    last = df.groupby(by)["period"].transform("max")
    return df[df["period"] == last].reset_index(drop=True)


def _compared(store, indicator_id, area_code, geography, meta) -> pd.DataFrame:
    by = indicator_by_area(store, indicator_id, area_code, geography)
    if by.empty:
        return by
    cmp = compare_areas_with_borough(by, meta["polarity"], meta["value_type"], meta["multiplier"])
    borough = by[by["area_type"] == "la"].assign(benchmark_value=np.nan, comparison_95="", comparison_99_8="",
                                                 funnel="")
    out = pd.concat([cmp, borough], ignore_index=True)
    out.attrs.update(by.attrs)
    return out


def largest_gaps(results: InequalityResults, n: int = 3) -> pd.DataFrame:
    """The ``n`` indicators with the widest gaps in the latest period (outcomes with a better/worse direction
    first, then context measures): |SII| relative to the borough value
    (or, without an SII, the most-vs-least deprived quintile gap relative to it), with the wards, localities
    and ethnic groups significantly worse (or, with no better direction, significantly higher/lower) than the
    borough. Columns: ``rank, indicator_id, name, polarity, value_type, multiplier, period, borough_value,
    sii, sii_lower_ci_95, sii_upper_ci_95, relative_gap, gap_measure, quintile_gap, worse_wards, worse_localities,
    worse_groups, n_wards``."""
    rows = []
    latest_sii = _latest(results.sii)
    gaps = results.gaps[results.gaps["group_type"] == "quintile"] if not results.gaps.empty else results.gaps
    latest_gaps = _latest(gaps)
    for ind in results.indicators["indicator_id"]:
        meta = results.meta(ind)
        ward = _latest(results.by_ward[results.by_ward["indicator_id"] == ind]) if not results.by_ward.empty else results.by_ward
        if ward.empty:
            continue
        period = ward["period"].iloc[0]
        borough_value = float(ward.loc[ward["area_type"] == "la", "value"].iloc[0])
        s = latest_sii[latest_sii["indicator_id"] == ind] if not latest_sii.empty else latest_sii
        g = latest_gaps[latest_gaps["indicator_id"] == ind] if not latest_gaps.empty else latest_gaps
        row = {"indicator_id": ind, "name": meta["name"], "polarity": meta["polarity"],
               "value_type": meta["value_type"], "multiplier": meta["multiplier"], "period": period,
               "borough_value": borough_value, "sii": np.nan, "sii_lower_ci_95": np.nan, "sii_upper_ci_95": np.nan,
               "quintile_gap": float(g["gap"].iloc[0]) if len(g) else np.nan}
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
        loc = _latest(loc[loc["indicator_id"] == ind]) if not loc.empty else loc
        row["worse_localities"] = ("; ".join(loc.loc[(loc["area_type"] != "la") & loc["comparison_95"].isin(want),
                                                     "area_name"].astype(str)) if len(loc) else "")
        eth = results.ethnic
        eth = eth[(eth["indicator_id"] == ind) & (eth["area_type"] == "la")] if not eth.empty else eth
        row["worse_groups"] = "; ".join(eth.loc[eth["comparison_95"].isin(want), "category"].astype(str)) if len(eth) else ""
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    # Outcomes with a better/worse direction come first; context measures with no judgement (e.g. the share of
    # residents aged 65+) are listed only when there are fewer than n outcomes.
    out["_judged"] = out["polarity"].isin(["lower_is_better", "higher_is_better"])
    out = out.sort_values(["_judged", "relative_gap", "indicator_id"], ascending=[False, False, True],
                          na_position="last").head(n).drop(columns="_judged")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)


def _unfavourable(polarity: str) -> list[str]:
    """The comparison labels that mean "a concern" for this polarity (Higher for no-judgement indicators)."""
    if polarity in ("lower_is_better", "higher_is_better"):
        return ["Worse"]
    return ["Higher"]


def run_inequalities(store, area_code: str | None = None, *, geography: str = "ward22",
                     indicator_ids: Sequence[str] | None = None, measure: str = "imd2019", deciles: str = "local",
                     breakdowns: Sequence[str] = ("ethnic_group",), repetitions: int = SII_REPETITIONS,
                     n_largest: int = 3) -> InequalityResults:
    """Run the whole inequalities analysis for one borough (the notebook's one heavy call)."""
    area_code = str(area_code or store.home_area_code)
    if geography not in GEOGRAPHIES:
        raise DataError(f"Unknown geography {geography!r}.", column="geography", values=[geography],
                        expected="one of " + ", ".join(GEOGRAPHIES))
    _check_measure(measure)
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
    localities = has_localities(store, area_code)
    notes: list[str] = []
    meta_rows, by_area, by_ward, by_loc, by_dep, gaps, sii_parts, checks = [], [], [], [], [], [], [], []
    group_cache: dict[str, pd.DataFrame] = {}
    for ind in ids:
        meta = _indicator_meta(store, ind)
        level, _ = _small_area_counts(store, ind, area_code)
        meta_rows.append({k: meta.get(k) for k in ("indicator_id", "name", "value_type", "multiplier", "unit",
                                                    "polarity")} | {"source_level": level})
        ward = _compared(store, ind, area_code, "ward22", meta)
        by_ward.append(ward)
        if localities:
            by_loc.append(_compared(store, ind, area_code, "locality", meta))
        chosen = ward if geography == "ward22" else (by_loc[-1] if geography == "locality" and localities
                                                      else _compared(store, ind, area_code, geography, meta)
                                                      if geography != "locality" else ward.iloc[:0])
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
    ethnic = ethnic_breakdown(store, ids, area_code) if "ethnic_group" in (breakdowns or ()) else pd.DataFrame()
    deprivation = group_cache.get("lsoa21", next(iter(group_cache.values())))
    results = InequalityResults(
        area_code=area_code, area_name=borough_name(store, area_code), geography=geography, measure=measure,
        deciles=deciles, indicators=indicators, deprivation=deprivation,
        by_area=pd.concat(by_area, ignore_index=True), by_ward=pd.concat(by_ward, ignore_index=True),
        by_locality=pd.concat(by_loc, ignore_index=True) if by_loc else pd.DataFrame(),
        by_deprivation=pd.concat(by_dep, ignore_index=True), gaps=pd.concat(gaps, ignore_index=True),
        sii=sii, trend=trend, ethnic=ethnic, checks=pd.DataFrame(checks), largest=pd.DataFrame(),
        has_localities=localities, notes=list(dict.fromkeys(notes)))
    results.largest = largest_gaps(results, n_largest)
    return results


# ==============================================================================================================
# Maps (geometries joined to results; the drawing is thanalysis.figures.maps)
# ==============================================================================================================
def area_geometries(store, area_code: str, geography: str):
    """Polygons (EPSG:4326) of the borough's areas of ``geography``; localities are dissolved from wards when
    the store has no locality shapes. None when the borough has no localities and they are asked for."""
    import geopandas as gpd

    def build():
        if geography == "locality":
            if not has_localities(store, area_code):
                return None
            lk = borough_lookups(store, area_code)
            codes = set(lk.loc[lk["child_type"] == "locality", "child_code"])
            try:
                g = store.geometries("locality", within=area_code)
                g = g[g["area_code"].astype(str).isin(codes)]
                if len(g) == len(codes):
                    return g.reset_index(drop=True)
            except DataError:
                pass
            wards = store.geometries("ward22", within=area_code)
            w = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")]
            m = wards.merge(w[["child_code", "parent_code"]], left_on="area_code", right_on="child_code")
            d = m.dissolve(by="parent_code", as_index=False)[["parent_code", "geometry"]]
            return gpd.GeoDataFrame({"area_code": d["parent_code"], "area_type": "locality"},
                                    geometry=d.geometry.to_numpy(), crs=wards.crs)
        return store.geometries(geography, within=area_code).reset_index(drop=True)

    g = _memo(store, ("geometries", area_code, geography), build)
    if g is None:
        return None
    return _with_names(g, area_names(store, area_code))


def map_frame(store, results: InequalityResults, indicator_id: str, geography: str | None = None):
    """GeoDataFrame of one indicator's latest values at ``geography`` (default: the report's), ready for
    :func:`thanalysis.figures.maps.choropleth_map` (columns area_code, area_name, value, CIs, count, comparison_95)."""
    geography = geography or results.geography
    table = {"ward22": results.by_ward, "locality": results.by_locality}.get(geography, results.by_area)
    if table.empty:
        return None
    table = _latest(table[(table["indicator_id"] == indicator_id) & (table["area_type"] != "la")])
    if table.empty:
        return None
    geography = table["area_type"].iloc[0]
    g = area_geometries(store, results.area_code, geography)
    if g is None:
        return None
    keep = ["area_code", "value", "lower_ci_95", "upper_ci_95", "count", "denominator", "comparison_95", "period"]
    return g.merge(table[keep], on="area_code", how="left")


# ==============================================================================================================
# Figures (drawn by thanalysis.figures.charts / thanalysis.figures.maps from the tables above)
# ==============================================================================================================
def _short(name: str) -> str:
    from thanalysis.narrative.inequalities import short_name

    return short_name(name)


def _axis_label(meta: dict) -> str:
    unit = str(meta.get("unit") or "")
    return f"{_short(meta['name'])} ({unit})" if unit else _short(meta["name"])


def ward_dot_plot(results: InequalityResults, indicator_id: str):
    """Wards with 95% intervals against the borough line, shaped and coloured by better/similar/worse."""
    from thanalysis.figures import charts

    meta = results.meta(indicator_id)
    w = _latest(results.by_ward[results.by_ward["indicator_id"] == indicator_id])
    borough = float(w.loc[w["area_type"] == "la", "value"].iloc[0])
    areas = w[w["area_type"] != "la"]
    fig = charts.ci_dot_plot(areas, "area_name", "value", "lower_ci_95", "upper_ci_95", benchmark=borough,
                             significance="comparison_95", benchmark_label=results.area_name,
                             value_label=_axis_label(meta))
    counts = areas["comparison_95"].value_counts()
    alt = (f"Dot chart of {_short(meta['name']).lower()} in {len(areas)} wards with 95% confidence intervals and a "
           f"line at the {results.area_name} figure of {borough:,.1f}. "
           + ", ".join(f"{k}: {v}" for k, v in counts.items()) + ".")
    return fig, alt


def ward_funnel_plot(results: InequalityResults, indicator_id: str):
    """Funnel plot of the wards around the borough proportion (None for rates)."""
    from thanalysis.figures import charts

    meta = results.meta(indicator_id)
    if meta["value_type"] != "proportion":
        return None, ""
    w = _latest(results.by_ward[results.by_ward["indicator_id"] == indicator_id])
    areas = w[w["area_type"] != "la"]
    limits = funnel_for(w, w["period"].iloc[0], meta["multiplier"])
    sig = areas["funnel"].map(lambda s: "Higher" if str(s).startswith("High") else
                              "Lower" if str(s).startswith("Low") else "Similar")
    pts = areas.assign(significance=sig)
    fig = charts.funnel_plot(pts, limits, significance="significance", benchmark_label=results.area_name,
                             value_label=_axis_label(meta), denominator_label="Ward denominator (people or households)")
    outside = int((sig != "Similar").sum())
    alt = (f"Funnel plot of {_short(meta['name']).lower()} against ward size; {outside} of {len(areas)} wards lie "
           "outside the 95% limits around the borough figure.")
    return fig, alt


def decile_chart(results: InequalityResults, indicator_id: str):
    """Values by deprivation decile with 95% intervals and the fitted SII line (latest period)."""
    from thanalysis.figures import charts

    meta = results.meta(indicator_id)
    d = results.by_deprivation
    d = _latest(d[(d["indicator_id"] == indicator_id) & (d["group_type"] == "decile")])
    s = results.latest_sii
    s = s[s["indicator_id"] == indicator_id]
    line = None
    if len(s) and np.isfinite(s["sii"].iloc[0]):
        line = (float(s["fitted_most_deprived"].iloc[0]), float(s["fitted_least_deprived"].iloc[0]))
    fig = charts.decile_bar_chart(d.rename(columns={"quantile": "decile"}), sii_line=line,
                                  value_label=_axis_label(meta))
    first, last = d.sort_values("quantile").iloc[0], d.sort_values("quantile").iloc[-1]
    alt = (f"Bar chart of {_short(meta['name']).lower()} by deprivation decile ({d['period'].iloc[0]}): "
           f"{first['value']:,.1f} in the most deprived tenth and {last['value']:,.1f} in the least deprived"
           + (f"; the fitted slope falls from {line[0]:,.1f} to {line[1]:,.1f}." if line else "."))
    return fig, alt


def sii_trend_chart(results: InequalityResults, indicator_ids: Sequence[str] | None = None):
    """The SII over time for indicators with a time series (one line each, shaded 95% intervals)."""
    from thanalysis.figures import charts

    s = results.sii
    ids = list(indicator_ids) if indicator_ids is not None else list(results.trend["indicator_id"]) \
        if not results.trend.empty else []
    s = s[s["indicator_id"].isin(ids)]
    if s.empty or s["period"].nunique() < 2:
        return None, ""
    names = {i: _short(results.meta(i)["name"]) for i in ids}
    s = s.assign(indicator=s["indicator_id"].map(names))
    fig = charts.trend_panels(s, panel="indicator", value="sii", lower="sii_lower_ci_95", upper="sii_upper_ci_95",
                              value_label="Slope index of inequality (most minus least deprived)", zero_line=True)
    alt = ("Small line charts, one per measure, of the slope index of inequality each year for "
           + ", ".join(names.values()) + "; each has its own scale, and lines further from zero mean wider gaps.")
    return fig, alt


def choropleth(store, results: InequalityResults, indicator_id: str, geography: str | None = None):
    """Folium choropleth of one indicator (latest period) with locality outlines where localities exist."""
    from thanalysis.figures import maps

    meta = results.meta(indicator_id)
    g = map_frame(store, results, indicator_id, geography)
    if g is None:
        return None
    outlines = area_geometries(store, results.area_code, "locality") if (
        results.has_localities and g["area_type"].iloc[0] != "locality") else None
    label = _short(meta["name"])
    unit = str(meta.get("unit") or "")
    return maps.choropleth_map(g, "value", value_label=f"{label} ({unit})" if unit else label,
                               legend_title=f"{label}, {g['period'].dropna().iloc[0]}", quantiles=5,
                               palette="Purples", outlines=outlines, count_column="count",
                               name=f"inequalities|{results.area_code}|{indicator_id}|{geography or results.geography}")
