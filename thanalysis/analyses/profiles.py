"""Borough and locality profiles: who lives here, how deprived their neighbourhoods are, how they compare.

The logic behind ``notebooks/borough_profile.ipynb`` and ``notebooks/locality_profile.ipynb``; cells only call it.
Everything works on any store (the real open data for any London borough, or the synthetic demo):

- **Population** comes from one named source at a time (:func:`population_sources`), because populations
  disagree by source and year (Tower Hamlets: ONS mid-2020 estimate 331,969; Census 2021 310,306). Real data:
  ``"census2021"`` (5-year age bands, persons only, LSOA 2021) and ``"mid2020"`` (broad age bands by sex,
  LSOA 2011). Small-area counts are summed up to the borough or a locality through the store's lookups
  (:func:`thanalysis.geography.hierarchy.aggregate`), so a locality's people are exactly the sum of its LSOAs.
- **Deprivation**: the national IMD decile of each LSOA (real: IMD 2019 on 2011 LSOAs; 1 = most deprived 10%
  of England), with the LSOA's population from the by-sex source of the same LSOA vintage.
- **Localities** (groups of wards) come from the store when it has them (the demo), else from the editable
  file ``data/localities/<borough>.csv`` (:func:`thanalysis.geography.places.localities_for`). A borough with no file
  has no localities; reports say so.
- **Indicators**: counts for small areas (LSOA 2021, else ward) are summed to the locality and the borough and
  the shares recomputed (Wilson intervals for proportions, Byars/exact Poisson for rates; ``thanalysis.stats``),
  then compared with :func:`thanalysis.stats.compare_with_benchmark` (Fingertips' confidence-interval method).
  For London and England, published values are used where the store has them; otherwise the counts of the
  region's (country's) local authorities are added up (Census 2021 shares for London and England).

Charts and maps specific to these profiles (a decile count chart, locality-vs-borough decile bars, an age chart
for persons-only data, the locality location map) are here too, drawn with the house style of
:mod:`thanalysis.figures.charts` and :mod:`thanalysis.figures.maps`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from thanalysis.errors import DataError
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate
from thanalysis.geography.places import localities_for, locality_tables

DECILES = list(range(1, 11))
#: Real-data IMD: the national rank runs 1 (most deprived) to this many LSOAs in England (2011 LSOAs).
IMD2019_LSOAS = 32844


# ==============================================================================================================
# Areas and localities
# ==============================================================================================================
def area_name(store, area_code: str) -> str:
    """The name of an area (any type); raises DataError for an unknown code."""
    areas = store.areas()
    hit = areas.loc[areas["area_code"].astype(str) == str(area_code), "area_name"]
    if hit.empty:
        loc = localities_for(str(area_code).split("-")[0]) if "-" in str(area_code) else None
        if loc is not None and (loc["locality_code"] == area_code).any():
            return str(loc.loc[loc["locality_code"] == area_code, "locality_name"].iloc[0])
        raise DataError(f"Area {area_code!r} is not known to this data.", column="area_code", values=[area_code],
                        expected="a code from the store's areas table, e.g. the home borough "
                                 f"{store.home_area_code}")
    return str(hit.iloc[0])


def _check_borough(store, area_code: str) -> None:
    areas = store.areas()
    ok = ((areas["area_code"].astype(str) == str(area_code)) & (areas["area_type"] == "la")).any()
    if not ok:
        raise DataError(f"{area_code!r} is not a local authority in this data.", column="area_code",
                        values=[area_code], expected=f"a local authority code, e.g. {store.home_area_code}")


def localities(store, area_code: str) -> pd.DataFrame | None:
    """The borough's wards and their localities: ``ward22_code, ward22_name, locality_code, locality_name``.

    From the store's own tables when it has localities in this borough (the demo), else from the project's
    locality file; ``None`` when the borough has no localities (the report then says so)."""
    lk = store.lookups()
    inside = lk.loc[(lk["child_type"] == "locality") & (lk["parent_type"] == "la")
                    & (lk["parent_code"].astype(str) == str(area_code)), "child_code"].astype(str)
    if len(inside):
        wards = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")
                   & lk["parent_code"].astype(str).isin(set(inside))]
        names = store.areas().drop_duplicates(["area_code", "area_type"])
        ward_names = names[names["area_type"] == "ward22"].set_index("area_code")["area_name"]
        loc_names = names[names["area_type"] == "locality"].set_index("area_code")["area_name"]
        out = pd.DataFrame({"ward22_code": wards["child_code"].astype(str).to_numpy(),
                            "locality_code": wards["parent_code"].astype(str).to_numpy()})
        out["ward22_name"] = out["ward22_code"].map(ward_names).fillna(out["ward22_code"])
        out["locality_name"] = out["locality_code"].map(loc_names).fillna(out["locality_code"])
        return (out[["ward22_code", "ward22_name", "locality_code", "locality_name"]]
                .sort_values(["locality_code", "ward22_code"]).reset_index(drop=True))
    table = localities_for(str(area_code))
    if table is None:
        return None
    return table.sort_values(["locality_code", "ward22_code"]).reset_index(drop=True)


def locality_list(store, area_code: str) -> pd.DataFrame:
    """One row per locality of the borough (``locality_code, locality_name, wards``); empty if none."""
    loc = localities(store, area_code)
    if loc is None:
        return pd.DataFrame(columns=["locality_code", "locality_name", "wards"])
    return (loc.groupby(["locality_code", "locality_name"], as_index=False).size()
            .rename(columns={"size": "wards"}).sort_values("locality_code").reset_index(drop=True))


def resolve_locality(store, area_code: str, locality: str | None) -> tuple[str, str] | None:
    """(code, name) of the requested locality (``None`` → the first, in code order); ``None`` if the borough has
    no localities. An unknown locality is an error listing the known ones (codes or names are accepted)."""
    table = locality_list(store, area_code)
    if table.empty:
        return None
    if locality is None or str(locality).strip() == "":
        row = table.iloc[0]
        return str(row["locality_code"]), str(row["locality_name"])
    wanted = str(locality).strip()
    hit = table[(table["locality_code"] == wanted) | (table["locality_name"].str.lower() == wanted.lower())]
    if hit.empty:
        raise DataError(f"Locality {wanted!r} is not one of the localities of {area_code}.", column="locality",
                        values=[wanted], expected="one of: " + ", ".join(
                            f"{c} ({n})" for c, n in zip(table["locality_code"], table["locality_name"])))
    return str(hit.iloc[0]["locality_code"]), str(hit.iloc[0]["locality_name"])


def locality_wards(store, area_code: str, locality: str) -> pd.DataFrame:
    """The wards of one locality: ``ward22_code, ward22_name`` (sorted by name)."""
    loc = localities(store, area_code)
    if loc is None:
        raise DataError(f"Borough {area_code} has no locality file, so it has no localities.", column="locality",
                        values=[locality], expected=f"a file data/localities/{area_code}.csv")
    code = resolve_locality(store, area_code, locality)[0]
    return (loc.loc[loc["locality_code"] == code, ["ward22_code", "ward22_name"]]
            .sort_values("ward22_name").reset_index(drop=True))


def profile_lookups(store, area_code: str) -> pd.DataFrame:
    """The store's lookups plus, when the store lacks them, the borough's ward → locality → borough rows from
    the locality file (so LSOAs can be summed to localities)."""
    lk = store.lookups()
    has = ((lk["parent_type"] == "locality") & lk["child_type"].eq("ward22")).any() and (
        (lk["child_type"] == "locality") & (lk["parent_code"].astype(str) == str(area_code))).any()
    if has:
        return lk
    extra = locality_tables(str(area_code))
    if extra is None:
        return lk
    return pd.concat([lk, extra[1]], ignore_index=True)


def _hierarchy(store, area_code: str) -> AreaHierarchy:
    areas = store.areas()
    extra = locality_tables(str(area_code))
    if extra is not None and not areas["area_code"].isin(extra[0]["area_code"]).any():
        areas = pd.concat([areas, extra[0]], ignore_index=True)
    return AreaHierarchy(areas, profile_lookups(store, area_code))


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
    hierarchy = _hierarchy(store, borough)
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


def place_map(store, area_code: str, locality_code: str | None, *, height: int = 600):
    """The locality within its borough (:func:`locality_location_map`), or the borough's wards when the borough
    has no localities."""
    from thanalysis.figures import maps

    if locality_code:
        return locality_location_map(store, area_code, locality_code, height=height)
    wards = store.geometries("ward22", within=area_code)
    names = store.areas().query("area_type == 'ward22'").drop_duplicates("area_code").set_index("area_code")["area_name"]
    wards = wards.assign(area_name=wards["area_code"].map(names).fillna(wards["area_code"]),
                         where=area_name(store, area_code))
    return maps.choropleth_map(wards, "where", categories={area_name(store, area_code): "#56B4E9"},
                               tooltip_columns=[], legend_title="Borough", height=height,
                               name=f"borough-wards|{area_code}")


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
    _check_borough(store, area_code)
    spec = imd_spec(store)
    hierarchy = _hierarchy(store, area_code)
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


def decile_labels() -> dict[int, str]:
    """Decile → legend label ("1 – most deprived" … "10 – least deprived")."""
    return {d: f"{d} – most deprived" if d == 1 else f"{d} – least deprived" if d == 10 else str(d)
            for d in DECILES}


def decile_colours() -> dict[str, str]:
    """Legend label → colour, decile 1 (most deprived) darkest: viridis (colour-blind safe, prints in grey)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["viridis"]
    return {label: to_hex(cmap(0.05 + 0.9 * (d - 1) / 9)) for d, label in decile_labels().items()}


def imd_decile_map(store, imd: pd.DataFrame, *, outlines=None, highlight=None, title: str | None = None,
                   height: int = 520):
    """A folium map of each LSOA's national decile (categories, decile 1 darkest) with tooltips giving the
    LSOA's name, decile, rank and score; ``outlines``: e.g. localities or wards drawn on top."""
    from thanalysis.figures import maps

    spec_area_type = str(imd["area_type"].iloc[0])
    geo = store.geometries(spec_area_type)
    geo = geo[geo["area_code"].isin(imd["area_code"])][["area_code", "geometry"]]
    gdf = geo.merge(imd, on="area_code", how="inner")
    gdf["decile_label"] = gdf["decile"].map(decile_labels())
    gdf["population_text"] = gdf["population"].map(lambda v: f"{v:,.0f}" if pd.notna(v) else "")
    tips = [("decile_label", "National deprivation decile"),
            ("rank", imd.attrs.get("rank_label", "Rank").capitalize(), "{:,}"),
            ("score", "Deprivation score", "{:.1f}"),
            ("population_text", "Residents")]
    if (gdf["locality_name"] != "").any():
        tips.append(("locality_name", "Locality"))
    label = imd.attrs.get("imd_label", "IMD")
    return maps.choropleth_map(gdf, "decile_label", categories=decile_colours(), tooltip_columns=tips,
                               legend_title=title or f"{label} national decile", outlines=outlines,
                               highlight=highlight, height=height, name=f"imd-deciles|{label}",
                               missing_label="No decile")


def locality_outlines(store, area_code: str):
    """Locality polygons (wards dissolved by locality) with ``area_code, area_name`` for map outlines; None if
    the borough has no localities."""
    loc = localities(store, area_code)
    if loc is None:
        return None
    wards = store.geometries("ward22", within=area_code)
    wards = wards.merge(loc, left_on="area_code", right_on="ward22_code")
    dissolved = wards.dissolve(by="locality_code", as_index=False)[["locality_code", "geometry"]]
    names = loc.drop_duplicates("locality_code").set_index("locality_code")["locality_name"]
    dissolved["area_name"] = dissolved["locality_code"].map(names)
    return dissolved.rename(columns={"locality_code": "area_code"})[["area_code", "area_name", "geometry"]]


def locality_location_map(store, area_code: str, locality: str, *, height: int = 600):
    """The borough's wards, the chosen locality's wards coloured, outlined and labelled by name."""
    from thanalysis.figures import maps

    code, name = resolve_locality(store, area_code, locality)
    loc = localities(store, area_code)
    wards = store.geometries("ward22", within=area_code)
    wards = wards.merge(loc, left_on="area_code", right_on="ward22_code", how="left")
    wards["area_name"] = wards["ward22_name"].fillna(wards["area_code"])
    rest = f"Rest of {area_name(store, area_code)}"
    wards["where"] = np.where(wards["locality_code"] == code, name, rest)
    wards["locality_text"] = wards["locality_name"].fillna("")
    mine = wards[wards["locality_code"] == code][["area_code", "area_name", "geometry"]]
    return maps.choropleth_map(
        wards, "where", categories={name: "#56B4E9", rest: "#EFEFEF"},
        tooltip_columns=[("locality_text", "Locality")], legend_title="Locality", outlines=mine,
        highlight=list(mine["area_code"]), height=height, name=f"locality-map|{code}")


# ==============================================================================================================
# Indicators compared with a benchmark
# ==============================================================================================================
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


def _headline_rows(values: pd.DataFrame) -> pd.DataFrame:
    """Persons, all ages, no breakdown."""
    return values[(values["sex"] == "Persons") & (values["age"] == "All ages") & (values["category_type"] == "")]


def _recompute(rows: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """Value and 95%/99.8% intervals from summed counts (Wilson for proportions, Poisson for rates)."""
    from thanalysis.stats import crude_rate, proportion

    out = []
    for (vt, mult), d in rows.merge(meta, on="indicator_id").groupby(["value_type", "multiplier"], sort=False):
        d = d.drop(columns=[c for c in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
                            if c in d.columns])
        func = proportion if vt == "proportion" else crude_rate
        r = func(d.reset_index(drop=True), confidence=[0.95, 0.998], multiplier=float(mult))
        out.append(r.drop(columns=["confidence", "statistic", "method"], errors="ignore"))
    return pd.concat(out, ignore_index=True) if out else rows.iloc[:0]


def locality_indicators(store, area_code: str, locality: str) -> pd.DataFrame:
    """Key indicators for a locality against its borough, from small-area counts summed to both.

    For each profile indicator with counts for small areas (LSOA 2021, else ward), latest period: the
    locality's count, denominator, value and intervals, the borough's value, and ``comparison_95`` /
    ``comparison_99_8`` (Better/Similar/Worse, or Higher/Similar/Lower when there is no judgement).
    """
    from thanalysis.stats import compare_with_benchmark

    code, name = resolve_locality(store, area_code, locality)
    hierarchy = _hierarchy(store, area_code)
    meta = store.indicators().set_index("indicator_id")
    ids = [i for i in profile_indicator_ids(store) if meta.loc[i, "value_type"] in _COUNT_TYPES]
    values = _headline_rows(store.values(ids))
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
    from thanalysis.stats import compare_with_benchmark

    _check_borough(store, area_code)
    hierarchy = _hierarchy(store, area_code)
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
    values = _headline_rows(store.values(ids))
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


def _fmt(value, value_type, multiplier) -> str:
    from thanalysis.narrative import format_value

    return format_value(value, value_type, multiplier=multiplier)


def readable_locality_indicators(li: pd.DataFrame) -> pd.DataFrame:
    """The locality indicator table as people read it: indicator, locality value (95% CI), borough, comparison."""
    if li is None or li.empty:
        return pd.DataFrame(columns=["Indicator", "Period", "Locality", "95% confidence interval", "Borough",
                                     "Compared with the borough"])
    rows = zip(li["name"], li["period"], li["value"], li["lower_ci_95"], li["upper_ci_95"], li["borough_value"],
               li["comparison_95"], li["value_type"], li["multiplier"])
    return pd.DataFrame([{"Indicator": n, "Period": p, "Locality": _fmt(v, t, m),
                          "95% confidence interval": f"{_fmt(lo, t, m)} to {_fmt(hi, t, m)}",
                          "Borough": _fmt(b, t, m), "Compared with the borough": c}
                         for n, p, v, lo, hi, b, c, t, m in rows])


def readable_benchmark_indicators(bench: pd.DataFrame) -> pd.DataFrame:
    """The borough's indicators against region and country as people read them."""
    if bench is None or bench.empty:
        return pd.DataFrame(columns=["Indicator", "Period", "Borough", "Region", "Compared with region", "Country",
                                     "Compared with country"])
    region = str(bench["region_name"].iloc[0]) or "Region"
    country = str(bench["country_name"].iloc[0]) or "Country"
    rows = zip(bench["name"], bench["period"], bench["value"], bench["region_value"], bench["comparison_region_95"],
               bench["country_value"], bench["comparison_country_95"], bench["value_type"], bench["multiplier"])
    return pd.DataFrame([{"Indicator": n, "Period": p, "Borough": _fmt(v, t, m), region: _fmt(r, t, m),
                          f"Compared with {region}": cr, country: _fmt(c, t, m), f"Compared with {country}": cc}
                         for n, p, v, r, cr, c, cc, t, m in rows])


# ==============================================================================================================
# Key facts for summaries
# ==============================================================================================================
def borough_facts(store, area_code: str, *, age_pop: pd.DataFrame, imd: pd.DataFrame,
                  bench: pd.DataFrame, sex_pop: pd.DataFrame | None = None) -> dict:
    """The numbers the borough summary quotes (all computed here, never typed)."""
    band, band_pct = largest_age_group(age_pop, area_code)
    src = age_pop.attrs["source"]
    facts = {
        "area_code": area_code, "area_name": area_name(store, area_code),
        "population": float(total_population(age_pop).loc[area_code]), "population_source": src.label,
        "population_period": src.period,
        "largest_age_group": band, "largest_age_group_percent": band_pct,
        "lsoas": int(len(imd)), "imd_label": imd.attrs.get("imd_label", "IMD"),
    }
    if sex_pop is not None:
        s = sex_pop.attrs["source"]
        facts.update(population_by_sex_source=s.label, population_by_sex_period=s.period,
                     population_by_sex=float(total_population(sex_pop).loc[area_code]))
    dep = deprived_share(imd)
    facts.update(most_deprived_lsoas=dep["lsoas"], most_deprived_percent_lsoas=dep["percent_lsoas"],
                 most_deprived_percent_population=dep["percent_population"])
    reg = region_deprived_share(store, area_code)
    if reg:
        facts.update(region_name=reg["region_name"], region_most_deprived_percent_lsoas=reg["percent_lsoas"],
                     region_most_deprived_percent_population=reg["percent_population"])
    if bench is not None and len(bench):
        facts["indicators_compared"] = int(len(bench))
        for role in ("region", "country"):
            labels = bench[f"comparison_{role}_95"].astype(str)
            facts[f"{role}_benchmark_name"] = str(bench[f"{role}_name"].iloc[0])
            for word in ("Better", "Worse", "Similar", "Higher", "Lower", "Not compared"):
                facts[f"vs_{role}_{word.lower().replace(' ', '_')}"] = int((labels == word).sum())
    return facts


# ==============================================================================================================
# The optional priorities dashboard
# ==============================================================================================================
def dashboard_locality_summary(store, area_code: str, locality: str | None):
    """(the locality's monthly priority metrics from the dashboard's summary matrix, "") or (None, the reason).

    A failure of the dashboard is reported as the reason rather than raised, so the profile still builds and says
    why the metrics are missing."""
    from thanalysis.analyses.dashboard import dashboard_table

    try:
        result = _compact_dashboard(dashboard_table(store, area_code=area_code, locality=locality))
    except Exception as exc:  # noqa: BLE001 - the profile says what went wrong instead of failing
        return None, f"the priorities dashboard summary failed ({type(exc).__name__}: {exc})"
    if not result.empty:
        return result, ""
    return None, "the priorities dashboard publishes no monthly metrics for this locality"


def _compact_dashboard(table: pd.DataFrame) -> pd.DataFrame:
    """The dashboard's summary matrix cut down for a profile: the locality's own monthly metrics (latest value,
    variation, assurance); empty when none is published for the locality."""
    t = table[(table["level"] == "locality") & (table["status"] != "no data") & (table["frequency"] == "monthly")]
    cols = {"priority": "Priority", "metric": "Metric", "latest_period": "Latest month",
            "latest_text": "Latest value", "variation_type": "Variation", "assurance_type": "Assurance"}
    t = t[list(cols)].rename(columns=cols)
    return t.fillna("").astype(str).replace({"_": " "}, regex=True).reset_index(drop=True)


# ==============================================================================================================
# Charts specific to the profiles
# ==============================================================================================================
def decile_count_chart(dist: pd.DataFrame, *, area_label: str, population_label: str = ""):
    """Two panels: number of LSOAs and number of residents in each national decile (1 = most deprived)."""
    from matplotlib.figure import Figure

    from thanalysis.figures.charts import DPI, GRID, OKABE_ITO, TEXT, chart_style

    with chart_style():
        fig = Figure(figsize=(9.0, 4.2), dpi=DPI, layout="constrained")
        axes = fig.subplots(1, 2)
        x = dist["decile"].to_numpy()
        labels = [str(d) for d in DECILES]
        labels[0] += "\nmost\ndeprived"
        labels[-1] += "\nleast\ndeprived"
        for ax, col, colour, ylabel in (
                (axes[0], "lsoas", OKABE_ITO["blue"], "Number of neighbourhoods (LSOAs)"),
                (axes[1], "population", OKABE_ITO["orange"], "Residents")):
            y = dist[col].to_numpy(dtype=float)
            ax.bar(x, y, color=colour, edgecolor=TEXT, linewidth=0.6, width=0.8)
            ax.yaxis.set_major_formatter(lambda v, _: f"{v:,.0f}")
            if col == "lsoas":  # residents' numbers are too long to print on narrow bars; the axis reads them
                for xi, yi in zip(x, y):
                    if yi > 0:
                        ax.annotate(f"{yi:,.0f}", (xi, yi), xytext=(0, 2), textcoords="offset points",
                                    ha="center", va="bottom", fontsize=9)
            ax.set_xticks(DECILES, labels)
            ax.set_xlim(0.4, 10.6)
            ax.set_xlabel("National deprivation decile")
            ax.set_ylabel(ylabel)
            ax.grid(axis="y", color=GRID, linewidth=0.6)
            ax.set_axisbelow(True)
            ax.margins(y=0.12)
        axes[0].set_title(f"{area_label}: neighbourhoods", loc="left")
        axes[1].set_title(f"{area_label}: residents", loc="left")
    return fig


def decile_comparison_chart(comparison: pd.DataFrame, *, locality_label: str, borough_label: str):
    """Percentage of residents in each decile: the locality beside the borough (paired bars, hatched borough)."""
    from thanalysis.figures.charts import GRID, OKABE_ITO, TEXT, chart_style, new_figure

    fig, ax = new_figure(8.0, 4.3)
    with chart_style():
        x = comparison["decile"].to_numpy(dtype=float)
        ax.bar(x - 0.2, comparison["locality_percent_population"], width=0.4, color=OKABE_ITO["blue"],
               edgecolor=TEXT, linewidth=0.6, label=locality_label)
        ax.bar(x + 0.2, comparison["borough_percent_population"], width=0.4, color="#FFFFFF", hatch="///",
               edgecolor=TEXT, linewidth=0.6, label=borough_label)
        labels = [str(d) for d in DECILES]
        labels[0] += "\nmost\ndeprived"
        labels[-1] += "\nleast\ndeprived"
        ax.set_xticks(DECILES, labels)
        ax.set_xlim(0.4, 10.6)
        ax.set_xlabel("National deprivation decile")
        ax.set_ylabel("Percentage of residents")
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:g}%")
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(frameon=False, loc="upper right")
    return fig


def age_chart(pop: pd.DataFrame, area_code: str, *, area_label: str):
    """Percentage of residents in each age band (persons): for sources without a split by sex."""
    from thanalysis.figures.charts import GRID, OKABE_ITO, TEXT, chart_style, new_figure

    g = age_groups(pop, area_code)
    fig, ax = new_figure(8.0, max(4.0, 0.27 * len(g) + 1.4))
    with chart_style():
        y = np.arange(len(g))
        ax.barh(y, g["percent"], color=OKABE_ITO["blue"], edgecolor=TEXT, linewidth=0.5, height=0.8,
                label=area_label)
        ax.set_yticks(y, g["age_band"])
        ax.set_xlabel("Percentage of residents")
        ax.set_ylabel("Age band")
        ax.xaxis.set_major_formatter(lambda v, _: f"{v:g}%")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
    return fig


__all__ = [
    "PopulationSource", "ImdSpec", "area_name", "localities", "locality_list", "resolve_locality",
    "locality_wards", "profile_lookups", "children_and_older", "place_map", "population_sources", "pyramid_source", "age_detail_source",
    "population_by_age_sex", "total_population", "age_groups", "largest_age_group", "imd_spec", "imd_deciles",
    "decile_distribution", "locality_decile_comparison", "deprived_share", "region_deprived_share",
    "decile_labels", "decile_colours", "imd_decile_map", "locality_outlines", "locality_location_map",
    "profile_indicator_ids", "readable_locality_indicators", "readable_benchmark_indicators", "locality_indicators", "benchmark_indicators", "borough_facts",
    "dashboard_locality_summary", "decile_count_chart", "decile_comparison_chart", "age_chart",
]
