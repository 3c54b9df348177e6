"""What the borough and locality profiles share: their areas, population and neighbourhood deprivation.

Everything works on any store (the real open data for any London borough, or the synthetic demo):

- **Areas**: the store's lookups plus, where the store lacks them, the borough's ward → locality rows from its
  locality file (:func:`profile_lookups`, :func:`profile_hierarchy`, each built once per store), so that small
  areas can be summed to localities. Names and localities themselves come from :mod:`thanalysis.geography.places`.
- **Population** comes from one named source at a time (:func:`population_sources`), because populations
  disagree by source and year (Tower Hamlets: ONS mid-2020 estimate 331,969; Census 2021 310,306). Real data:
  ``"census2021"`` (5-year age bands, persons only, LSOA 2021) and ``"mid2020"`` (broad age bands by sex,
  LSOA 2011). Small-area counts are summed up to the borough or a locality through the lookups
  (:func:`thanalysis.geography.hierarchy.aggregate`), so a locality's people are exactly the sum of its LSOAs.
- **Deprivation**: the national IMD decile of each LSOA (real: IMD 2019 on 2011 LSOAs; 1 = most deprived 10%
  of England), with the LSOA's population from the by-sex source of the same LSOA vintage.

The indicators compared with a benchmark are in :mod:`thanalysis.analyses.profile_indicators`; the two reports
are :func:`thanalysis.analyses.borough_profile.run_borough_profile` and
:func:`thanalysis.analyses.locality_profile.run_locality_profile`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import DataError
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate
from thanalysis.geography.places import area_name, localities, locality_tables

DECILES = list(range(1, 11))
#: Real-data IMD: the national rank runs 1 (most deprived) to this many LSOAs in England (2011 LSOAs).
IMD2019_LSOAS = 32844


# ==============================================================================================================
# Areas
# ==============================================================================================================
def check_borough(store, area_code: str) -> None:
    """Raise a DataError unless ``area_code`` is a local authority of the store."""
    areas = store.areas()
    ok = ((areas["area_code"].astype(str) == str(area_code)) & (areas["area_type"] == "la")).any()
    if not ok:
        raise DataError(f"{area_code!r} is not a local authority in this data.", column="area_code",
                        values=[area_code], expected=f"a local authority code, e.g. {store.home_area_code}")


def profile_lookups(store, area_code: str) -> pd.DataFrame:
    """The store's lookups plus, when the store lacks them, the borough's ward → locality → borough rows from
    the locality file (so LSOAs can be summed to localities). Built once per store and borough."""
    def build() -> pd.DataFrame:
        lk = store.lookups()
        has = ((lk["parent_type"] == "locality") & lk["child_type"].eq("ward22")).any() and (
            (lk["child_type"] == "locality") & (lk["parent_code"].astype(str) == str(area_code))).any()
        if has:
            return lk
        extra = locality_tables(str(area_code))
        if extra is None:
            return lk
        return pd.concat([lk, extra[1]], ignore_index=True)

    return store.cached(("profiles", "lookups", str(area_code)), build)


def profile_hierarchy(store, area_code: str) -> AreaHierarchy:
    """The store's areas and :func:`profile_lookups` as an :class:`AreaHierarchy`; built once per store and
    borough."""
    def build() -> AreaHierarchy:
        areas = store.areas()
        extra = locality_tables(str(area_code))
        if extra is not None and not areas["area_code"].isin(extra[0]["area_code"]).any():
            areas = pd.concat([areas, extra[0]], ignore_index=True)
        return AreaHierarchy(areas, profile_lookups(store, area_code))

    return store.cached(("profiles", "hierarchy", str(area_code)), build)


# ==============================================================================================================
# Population
# ==============================================================================================================
@dataclass(frozen=True)
class PopulationSource:
    """One population table: a period of the store's population at one small-area type."""

    key: str
    period: str
    area_type: str  # the small areas it is published for (summed up to boroughs and localities)
    by_sex: bool
    label: str  # how a report names it, e.g. "ONS mid-2020 population estimates (2011 LSOAs)"
    age_detail: str  # "5-year age bands" / "broad age bands"


def population_sources(store) -> dict[str, PopulationSource]:
    """The population sources a profile can use, by key (see the module docstring)."""
    if store.kind == "real":
        return {
            "census2021": PopulationSource("census2021", "2021", "lsoa21", False,
                                           "Census 2021 usual residents, ONS table TS007A", "5-year age bands"),
            "mid2020": PopulationSource("mid2020", "2020", "lsoa11", True,
                                        "ONS mid-2020 population estimates for 2011 LSOAs", "broad age bands"),
        }
    pop = store.population()
    small = set(store.areas().query("area_type == 'lsoa21'")["area_code"].astype(str))
    periods = sorted(pop.loc[pop["area_code"].astype(str).isin(small), "period"].astype(str).unique())
    if not periods:
        raise DataError("The store has no small-area population.", column="period",
                        expected="population rows for LSOA 2021 areas")
    latest = periods[-1]
    label = ("Synthetic population estimates" if store.kind == "demo" else "Population estimates") + f" for {latest}"
    return {"latest": PopulationSource("latest", latest, "lsoa21", True, label, "5-year age bands")}


def pyramid_source(store) -> PopulationSource:
    """The most recent source by sex (for population pyramids)."""
    sources = [s for s in population_sources(store).values() if s.by_sex]
    return max(sources, key=lambda s: s.period)


def age_detail_source(store) -> PopulationSource:
    """The source with the finest age bands (real: Census 2021; demo: the latest year)."""
    sources = population_sources(store)
    return sources.get("census2021") or pyramid_source(store)


def _source(store, source) -> PopulationSource:
    if isinstance(source, PopulationSource):
        return source
    if source is None:
        return pyramid_source(store)
    sources = population_sources(store)
    if source not in sources:
        raise DataError(f"Unknown population source {source!r}.", values=[source],
                        expected="one of " + ", ".join(sources))
    return sources[source]


def age_order_key(label: str) -> tuple[int, str]:
    m = re.search(r"\d+", str(label))
    return (int(m.group()) if m else 10**6, str(label))


def _small_area_population(store, src: PopulationSource) -> pd.DataFrame:
    pop = store.population()
    small = set(store.areas().loc[lambda a: a["area_type"] == src.area_type, "area_code"].astype(str))
    rows = pop[(pop["period"].astype(str) == src.period) & pop["area_code"].astype(str).isin(small)]
    if rows.empty:
        raise DataError(f"No {src.area_type} population for {src.period} in this data.", column="period",
                        values=[src.period], expected=f"rows of {src.label}")
    return rows[["area_code", "period", "sex", "age_band", "population"]]


def population_by_age_sex(store, area_codes: str | Sequence[str], source: str | PopulationSource | None = None,
                          *, borough: str | None = None) -> pd.DataFrame:
    """Population of each area by sex and age band from one source, summed up from its small areas.

    ``area_codes``: boroughs and/or localities (``borough``: the borough whose locality file to use; default
    the first local authority among ``area_codes`` or the store's home area). Returns ``area_code, area_type,
    source, period, sex, age_band, population, percent`` where ``percent`` is the share of the area's whole
    population (persons), ordered by area, sex and age. ``.attrs["source"]`` is the :class:`PopulationSource`.
    """
    codes = [area_codes] if isinstance(area_codes, str) else [str(c) for c in area_codes]
    src = _source(store, source)
    if borough is None:
        areas = store.areas()
        las = set(areas.loc[areas["area_type"] == "la", "area_code"].astype(str))
        borough = next((c for c in codes if c in las), store.home_area_code)
    hierarchy = profile_hierarchy(store, borough)
    small = _small_area_population(store, src)
    # A figure published for the area itself (e.g. Census 2021 for the borough: 310,306 for Tower Hamlets) is
    # used as published; published small-area counts need not add up to it exactly (ONS perturbs small cells).
    pop = store.population()
    direct = pop[(pop["period"].astype(str) == src.period) & pop["area_code"].astype(str).isin(codes)]
    if not src.by_sex:
        direct = direct[direct["sex"] == "Persons"]
    frames = [direct.assign(area_type=direct["area_code"].map(hierarchy.type_of))
              [["area_code", "area_type", "period", "sex", "age_band", "population"]]]
    rest = [c for c in codes if c not in set(direct["area_code"].astype(str))]
    for target_type in sorted({hierarchy.type_of(c) for c in rest}):
        wanted = [c for c in rest if hierarchy.type_of(c) == target_type]
        up = aggregate(small, hierarchy.lookups, src.area_type, target_type, count_columns=["population"],
                       by=["period", "sex", "age_band"], missing="drop")
        frames.append(up[up["area_code"].isin(wanted)])
    out = pd.concat(frames, ignore_index=True)
    missing = sorted(set(codes) - set(out["area_code"]))
    if missing:
        raise DataError(f"No {src.label} for some areas.", column="area_code", values=missing,
                        expected=f"areas made of {src.area_type} small areas in the lookups")
    persons = out[out["sex"] == "Persons"].groupby("area_code")["population"].sum()
    by_sex = out[out["sex"].isin(["Male", "Female"])].groupby("area_code")["population"].sum()
    total = persons.reindex(out["area_code"].unique()).fillna(by_sex)
    out["percent"] = 100 * out["population"] / out["area_code"].map(total)
    out.insert(2, "source", src.key)
    out["_age"] = out["age_band"].map(age_order_key)
    out["_area"] = out["area_code"].map({c: i for i, c in enumerate(codes)})
    sex_order = {"Persons": 0, "Male": 1, "Female": 2}
    out = (out.assign(_sex=out["sex"].map(sex_order)).sort_values(["_area", "_sex", "_age"])
           .drop(columns=["_age", "_area", "_sex"]).reset_index(drop=True))
    out.attrs["source"] = src
    return out


def total_population(pop: pd.DataFrame) -> pd.Series:
    """Total persons per area from :func:`population_by_age_sex` output (Persons rows, else males + females)."""
    persons = pop[pop["sex"] == "Persons"].groupby("area_code")["population"].sum()
    by_sex = pop[pop["sex"].isin(["Male", "Female"])].groupby("area_code")["population"].sum()
    return persons.reindex(pop["area_code"].unique()).fillna(by_sex)


def age_groups(pop: pd.DataFrame, area_code: str) -> pd.DataFrame:
    """Persons by age band for one area (``age_band, population, percent``), in age order."""
    d = pop[pop["area_code"] == area_code]
    persons = d[d["sex"] == "Persons"]
    if persons.empty:
        persons = d[d["sex"].isin(["Male", "Female"])]
    g = persons.groupby("age_band", as_index=False)[["population", "percent"]].sum()
    return g.sort_values("age_band", key=lambda s: s.map(age_order_key)).reset_index(drop=True)


def largest_age_group(pop: pd.DataFrame, area_code: str) -> tuple[str, float]:
    """(age band, percent of residents) of the largest band (ties: the youngest)."""
    g = age_groups(pop, area_code)
    row = g.loc[g["population"].idxmax()]
    return str(row["age_band"]), float(row["percent"])


def _band_bounds(label: str) -> tuple[int, int]:
    nums = [int(x) for x in re.findall(r"\d+", str(label))]
    if str(label).endswith("+"):
        return nums[0], 200
    return (nums[0], nums[-1]) if nums else (10**6, 10**6)


def children_and_older(pop: pd.DataFrame, area_code: str) -> dict:
    """Share of an area's residents who are children (bands ending before 16) and aged 65 and over, with the
    ages those bands cover (they depend on the source's bands: 0-15 for broad bands, 0-14 for 5-year bands)."""
    g = age_groups(pop, area_code)
    bounds = g["age_band"].map(_band_bounds)
    child = bounds.map(lambda b: b[1] < 16)
    older = bounds.map(lambda b: b[0] >= 65)
    top_child = max((b[1] for b in bounds[child]), default=None)
    return {"children_percent": float(g.loc[child, "percent"].sum()) if child.any() else float("nan"),
            "children_ages": f"0 to {top_child}" if top_child is not None else "",
            "older_percent": float(g.loc[older, "percent"].sum()) if older.any() else float("nan"),
            "older_ages": "65 and over"}


# ==============================================================================================================
# Deprivation (IMD deciles)
# ==============================================================================================================
@dataclass(frozen=True)
class ImdSpec:
    decile_id: str
    rank_id: str | None
    score_id: str
    area_type: str
    label: str        # "IMD 2019"
    rank_label: str   # how to read the rank


class DeprivationLabels:
    """For a results object holding ``imd`` (:func:`imd_deciles`): how to name its index and its residents."""

    @property
    def imd_label(self) -> str:
        """The deprivation index, e.g. "IMD 2019"."""
        return self.imd.attrs["imd_label"]

    @property
    def population_label(self) -> str:
        """The population source of the neighbourhoods' residents."""
        return self.imd.attrs["population_label"]


def imd_spec(store) -> ImdSpec:
    """Which indicators hold the national deprivation decile, rank and score in this store."""
    ids = set(store.indicators()["indicator_id"].astype(str))
    if {"imd2019_decile", "imd2019_score"} <= ids:
        return ImdSpec("imd2019_decile", "imd2019_rank" if "imd2019_rank" in ids else None, "imd2019_score",
                       "lsoa11", "IMD 2019", f"national rank (1 = most deprived of {IMD2019_LSOAS:,})")
    if {"imd_decile_national", "imd_score"} <= ids:
        return ImdSpec("imd_decile_national", None, "imd_score", "lsoa21", "IMD (synthetic)",
                       "rank within the borough (1 = most deprived)")
    raise DataError("This data has no national deprivation deciles for small areas.", column="indicator_id",
                    expected="imd2019_decile and imd2019_score (real data) or imd_decile_national and imd_score")


def _one_value(values: pd.DataFrame, indicator_id: str, area_type: str, codes) -> pd.Series:
    v = values[(values["indicator_id"] == indicator_id) & (values["area_type"] == area_type)
               & values["area_code"].isin(codes)]
    latest = v["period"].astype(str).max()
    v = v[v["period"].astype(str) == latest]
    return v.drop_duplicates("area_code").set_index("area_code")["value"]


def imd_deciles(store, area_code: str) -> pd.DataFrame:
    """The national deprivation decile of each LSOA in the borough, with rank, score, population and locality.

    Columns: ``area_code, area_name, area_type, decile, rank, score, population, locality_code,
    locality_name`` (locality blank when the borough has none). ``rank`` is the national rank when published
    (real IMD 2019), else the rank within the borough by score. ``population``: persons in the most recent
    population estimate for the same LSOAs (real: ONS mid-2020 for 2011 LSOAs).
    """
    check_borough(store, area_code)
    spec = imd_spec(store)
    hierarchy = profile_hierarchy(store, area_code)
    codes = hierarchy.within(area_code, spec.area_type)
    if not codes:
        raise DataError(f"No {spec.area_type} areas found in {area_code}.", column="area_code", values=[area_code],
                        expected="a borough covered by the small-area data (real data: a London borough)")
    ids = [spec.decile_id, spec.score_id] + ([spec.rank_id] if spec.rank_id else [])
    values = store.values(ids)
    out = pd.DataFrame({"area_code": codes})
    names = store.areas()
    names = names[names["area_type"] == spec.area_type].drop_duplicates("area_code").set_index("area_code")["area_name"]
    out["area_name"] = out["area_code"].map(names).fillna(out["area_code"])
    out["area_type"] = spec.area_type
    out["decile"] = out["area_code"].map(_one_value(values, spec.decile_id, spec.area_type, codes))
    out["score"] = out["area_code"].map(_one_value(values, spec.score_id, spec.area_type, codes))
    if spec.rank_id:
        out["rank"] = out["area_code"].map(_one_value(values, spec.rank_id, spec.area_type, codes))
    else:
        out["rank"] = out["score"].rank(ascending=False, method="min")
    if out["decile"].isna().any():
        raise DataError(f"Some LSOAs of {area_code} have no {spec.label} decile.", column=spec.decile_id,
                        values=out.loc[out["decile"].isna(), "area_code"].head(10).tolist(),
                        expected="a decile for every LSOA")
    out["decile"] = out["decile"].round().astype(int)
    out["rank"] = out["rank"].round().astype("Int64")
    src = [s for s in population_sources(store).values() if s.area_type == spec.area_type]
    src = max(src, key=lambda s: (s.by_sex, s.period)) if src else None
    if src is not None:
        pop = _small_area_population(store, src)
        persons = pop[pop["sex"] == "Persons"].groupby("area_code")["population"].sum()
        if persons.empty:
            persons = pop[pop["sex"].isin(["Male", "Female"])].groupby("area_code")["population"].sum()
        out["population"] = out["area_code"].map(persons)
    else:
        out["population"] = np.nan
    loc = localities(store, area_code)
    if loc is not None:
        parent = hierarchy.to_parent_map(spec.area_type, "locality")
        parent = parent[parent["child_code"].isin(codes)].sort_values("weight").drop_duplicates("child_code", keep="last")
        out["locality_code"] = out["area_code"].map(parent.set_index("child_code")["parent_code"]).fillna("")
        names = loc.drop_duplicates("locality_code").set_index("locality_code")["locality_name"]
        out["locality_name"] = out["locality_code"].map(names).fillna("")
    else:
        out["locality_code"] = ""
        out["locality_name"] = ""
    out = out.sort_values(["decile", "rank", "area_code"]).reset_index(drop=True)
    out.attrs.update(imd_label=spec.label, rank_label=spec.rank_label,
                     population_label=f"{src.label}" if src is not None else "")
    return out


def decile_distribution(imd: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """LSOAs and people in each national decile (all ten listed, zeros included).

    Columns: ``[by,] decile, lsoas, population, percent_lsoas, percent_population`` (percent of the group's
    LSOAs / people)."""
    keys = ([by] if by else []) + ["decile"]
    groups = [g for g in (sorted(imd[by].unique()) if by else [None])]
    frames = []
    for g in groups:
        d = imd if g is None else imd[imd[by] == g]
        counts = d.groupby("decile").agg(lsoas=("area_code", "size"), population=("population", "sum"))
        counts = counts.reindex(DECILES, fill_value=0).rename_axis("decile").reset_index()
        counts["percent_lsoas"] = 100 * counts["lsoas"] / max(counts["lsoas"].sum(), 1)
        total = counts["population"].sum()
        counts["percent_population"] = 100 * counts["population"] / total if total > 0 else np.nan
        if by:
            counts.insert(0, by, g)
        frames.append(counts)
    out = pd.concat(frames, ignore_index=True)
    out["lsoas"] = out["lsoas"].astype(int)
    return out[keys + ["lsoas", "population", "percent_lsoas", "percent_population"]]


def locality_decile_comparison(imd: pd.DataFrame, locality_code: str) -> pd.DataFrame:
    """Per decile: the locality's LSOAs and people (and percentages) beside the whole borough's."""
    loc = decile_distribution(imd[imd["locality_code"] == locality_code])
    bor = decile_distribution(imd)
    out = loc.add_prefix("locality_").rename(columns={"locality_decile": "decile"}).merge(
        bor.add_prefix("borough_").rename(columns={"borough_decile": "decile"}), on="decile")
    return out


def deprived_share(imd: pd.DataFrame, deciles: Sequence[int] = (1,)) -> dict:
    """LSOAs and people in the given deciles (default the most deprived 10% nationally) as counts and %."""
    mask = imd["decile"].isin(list(deciles))
    total_pop = float(imd["population"].sum())
    return {"lsoas": int(mask.sum()), "lsoas_total": int(len(imd)),
            "percent_lsoas": 100 * mask.sum() / len(imd) if len(imd) else np.nan,
            "population": float(imd.loc[mask, "population"].sum()), "population_total": total_pop,
            "percent_population": 100 * imd.loc[mask, "population"].sum() / total_pop if total_pop else np.nan}


def region_deprived_share(store, area_code: str, deciles: Sequence[int] = (1,)) -> dict | None:
    """The same share for the borough's region (e.g. London) when the store has the region's LSOAs; else None."""
    spec = imd_spec(store)
    lk = store.lookups()
    region = lk.loc[(lk["child_type"] == "la") & (lk["parent_type"] == "region")
                    & (lk["child_code"].astype(str) == str(area_code)), "parent_code"]
    if region.empty:
        return None
    region = str(region.iloc[0])
    las = set(lk.loc[(lk["child_type"] == "la") & (lk["parent_type"] == "region")
                     & (lk["parent_code"].astype(str) == region), "child_code"].astype(str))
    small = lk[(lk["child_type"] == spec.area_type) & (lk["parent_type"] == "la") & lk["parent_code"].isin(las)]
    codes = set(small["child_code"].astype(str))
    values = store.values([spec.decile_id])
    dec = values[(values["indicator_id"] == spec.decile_id) & (values["area_type"] == spec.area_type)
                 & values["area_code"].isin(codes)].drop_duplicates("area_code")
    # Only meaningful when the store holds every LSOA of the region (the real data does for London).
    if len(dec) < 0.95 * len(codes) or len(las) < 2 or len(dec) == 0:
        return None
    frame = pd.DataFrame({"area_code": dec["area_code"].to_numpy(), "decile": dec["value"].round().to_numpy()})
    src = [s for s in population_sources(store).values() if s.area_type == spec.area_type]
    if src:
        pop = _small_area_population(store, max(src, key=lambda s: (s.by_sex, s.period)))
        persons = pop[pop["sex"] == "Persons"].groupby("area_code")["population"].sum()
        frame["population"] = frame["area_code"].map(persons).fillna(0.0)
    else:
        frame["population"] = 0.0
    out = deprived_share(frame, deciles)
    out.update(region_code=region, region_name=area_name(store, region))
    return out
