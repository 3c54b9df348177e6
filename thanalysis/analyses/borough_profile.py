"""The borough profile: who lives in a borough, how old they are, how deprived their neighbourhoods are.

:func:`run_borough_profile` computes everything ``notebooks/borough_profile.ipynb`` shows and publishes and
returns it as a :class:`BoroughProfileResults`; :mod:`thanalysis.figures.profiles` draws it and
:mod:`thanalysis.narrative.profiles` words it. The building blocks (population sources, IMD deciles) are in
:mod:`thanalysis.analyses.profiles`, the indicators against the region and the country in
:mod:`thanalysis.analyses.profile_indicators`.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thanalysis.analyses.profile_indicators import benchmark_indicators
from thanalysis.analyses.profiles import (
    DeprivationLabels,
    PopulationSource,
    age_detail_source,
    age_groups,
    check_borough,
    children_and_older,
    decile_distribution,
    deprived_share,
    imd_deciles,
    largest_age_group,
    population_by_age_sex,
    pyramid_source,
    region_deprived_share,
    total_population,
)
from thanalysis.errors import DataError
from thanalysis.geography.places import area_name, localities

#: The neighbourhoods' residents (deprivation map) may differ from the borough's by-sex total by this fraction.
POPULATION_TOLERANCE = 0.005


@dataclass(frozen=True)
class BoroughProfileResults(DeprivationLabels):
    """Every table and number of the borough profile (see :func:`run_borough_profile`)."""

    area_code: str
    borough: str                      # the borough's name
    people: pd.DataFrame              # residents by age band from the source with the finest bands
    people_by_sex: pd.DataFrame       # residents by age band and sex (the pyramid)
    age_source: PopulationSource      # the source of ``people``
    sex_source: PopulationSource      # the source of ``people_by_sex``
    age_bands: pd.DataFrame           # persons by age band (``people``) for the age chart
    ages: dict                        # children and older people (``people_by_sex``): shares and ages covered
    imd: pd.DataFrame                 # national deprivation decile, rank, score and residents of each LSOA
    deciles: pd.DataFrame             # LSOAs and residents in each national decile
    bench: pd.DataFrame               # key indicators against the region and the country
    facts: dict                       # the numbers the summary quotes (also the report's summary.json)
    lsoa_areas: pd.DataFrame          # GeoDataFrame: ``imd`` with each LSOA's polygon, for the map
    outlines: pd.DataFrame | None     # GeoDataFrame of locality polygons; None if the borough has none


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


def check_deciles_complete(deciles: pd.DataFrame, lsoas: int, column: str = "lsoas") -> None:
    """Raise a DataError unless every neighbourhood is counted in one of the ten national deciles."""
    counted = int(deciles[column].sum())
    if counted != lsoas:
        raise DataError(f"Every neighbourhood must be counted in one decile: {counted} of {lsoas} are.",
                        column="decile", expected="national deciles 1 to 10 for every LSOA")


def lsoa_areas(store, imd: pd.DataFrame) -> pd.DataFrame:
    """The LSOAs of :func:`thanalysis.analyses.profiles.imd_deciles` with their polygons (a GeoDataFrame)."""
    geo = store.geometries(str(imd["area_type"].iloc[0]))
    geo = geo[geo["area_code"].isin(imd["area_code"])][["area_code", "geometry"]]
    return geo.merge(imd, on="area_code", how="inner")


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


def run_borough_profile(store, area_code: str | None = None) -> BoroughProfileResults:
    """The borough profile of ``area_code`` (default: the store's home borough).

    Raises a DataError when the neighbourhoods' residents do not add up to the borough's total of the same
    source (within :data:`POPULATION_TOLERANCE`), so the deprivation map and the summary cannot disagree."""
    area_code = str(area_code or store.home_area_code)
    check_borough(store, area_code)
    people = population_by_age_sex(store, area_code, age_detail_source(store))
    people_by_sex = population_by_age_sex(store, area_code, pyramid_source(store))
    imd = imd_deciles(store, area_code)
    bench = benchmark_indicators(store, area_code)
    facts = borough_facts(store, area_code, age_pop=people, imd=imd, bench=bench, sex_pop=people_by_sex)
    if not abs(imd["population"].sum() / facts["population_by_sex"] - 1) < POPULATION_TOLERANCE:
        raise DataError("The neighbourhoods' residents do not add up to the borough total.", column="population",
                        values=[float(imd["population"].sum()), facts["population_by_sex"]],
                        expected=f"the LSOAs of {area_code} to sum to its population by sex "
                                 f"({facts['population_by_sex_source']})")
    deciles = decile_distribution(imd)
    check_deciles_complete(deciles, len(imd))
    return BoroughProfileResults(
        area_code=area_code, borough=area_name(store, area_code), people=people, people_by_sex=people_by_sex,
        age_source=people.attrs["source"], sex_source=people_by_sex.attrs["source"],
        age_bands=age_groups(people, area_code), ages=children_and_older(people_by_sex, area_code), imd=imd,
        deciles=deciles, bench=bench, facts=facts, lsoa_areas=lsoa_areas(store, imd),
        outlines=locality_outlines(store, area_code))


__all__ = ["BoroughProfileResults", "run_borough_profile", "borough_facts", "lsoa_areas", "locality_outlines",
           "check_deciles_complete", "POPULATION_TOLERANCE"]
