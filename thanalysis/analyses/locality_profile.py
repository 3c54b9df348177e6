"""The locality profile: a locality beside its borough (size, ages, deprivation, indicators, priority metrics).

:func:`run_locality_profile` computes everything ``notebooks/locality_profile.ipynb`` shows and publishes and
returns it as a :class:`LocalityProfileResults`; :mod:`thanalysis.figures.profiles` draws it and
:mod:`thanalysis.narrative.profiles` words it. A borough with no localities (no locality file) gets a profile
of the whole borough against its region and country instead, and the page says why.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from thanalysis.analyses.borough_profile import borough_facts, check_deciles_complete
from thanalysis.analyses.dashboard import DashboardResults, run_dashboard
from thanalysis.analyses.profile_indicators import benchmark_indicators, locality_indicators
from thanalysis.analyses.profiles import (
    DeprivationLabels,
    PopulationSource,
    check_borough,
    children_and_older,
    decile_distribution,
    imd_deciles,
    locality_decile_comparison,
    population_by_age_sex,
    pyramid_source,
    total_population,
)
from thanalysis.geography.places import area_name, localities, locality_wards, resolve_locality

#: The columns of the dashboard's summary matrix a profile shows (``latest_value`` is written out in words).
DASHBOARD_COLUMNS = ["priority", "metric", "latest_period", "latest_value", "variation_type", "assurance_type"]


@dataclass(frozen=True)
class LocalityProfileResults(DeprivationLabels):
    """Every table and number of the locality profile (see :func:`run_locality_profile`).

    Without localities, ``locality_code`` is None, the place is the borough, and the indicators are the
    borough's against its region and country (``facts`` then holds the borough's summary numbers)."""

    area_code: str
    borough: str                      # the borough's name
    locality_code: str | None         # None when the borough has no localities
    place: str                        # the locality's name (the borough's without localities)
    people: pd.DataFrame              # residents by age band and sex: the place, then the borough
    ages: dict                        # area code -> children and older people (shares, ages covered)
    imd: pd.DataFrame                 # every LSOA of the borough with its decile and locality
    deciles: pd.DataFrame             # per decile: the locality's LSOAs and residents beside the borough's
    distribution: pd.DataFrame        # per decile: the borough's LSOAs and residents
    indicators: pd.DataFrame          # key indicators against the borough (or region and country)
    facts: dict | None                # the borough's summary numbers when it has no localities
    wards: pd.DataFrame | None        # the locality's wards (code, name)
    map_areas: pd.DataFrame           # GeoDataFrame of the borough's wards; ``in_locality`` marks the locality's
    dashboard: pd.DataFrame           # the locality's monthly priority metrics (empty if none are published)
    dashboard_results: DashboardResults  # the whole dashboard of the locality (the rows above are its part)

    @property
    def has_localities(self) -> bool:
        return self.locality_code is not None

    @property
    def has_dashboard(self) -> bool:
        """Whether the priorities dashboard publishes monthly metrics for the locality."""
        return not self.dashboard.empty

    @property
    def place_code(self) -> str:
        return self.locality_code or self.area_code

    @property
    def source(self) -> PopulationSource:
        return self.people.attrs["source"]

    @property
    def place_people(self) -> pd.DataFrame:
        """The rows of ``people`` for the place (the pyramid's bars)."""
        return self.people[self.people["area_code"] == self.place_code]

    @property
    def borough_people(self) -> pd.DataFrame | None:
        """The borough's rows of ``people`` (the pyramid's outline); None without localities."""
        return self.people[self.people["area_code"] == self.area_code] if self.has_localities else None

    @property
    def population(self) -> float:
        return total_population(self.people)[self.place_code]

    @property
    def borough_population(self) -> float:
        return total_population(self.people)[self.area_code]

    @property
    def lsoa_deprivation(self) -> pd.DataFrame:
        """The LSOAs of the place with their deciles."""
        return self.imd[self.imd["locality_code"] == self.locality_code] if self.has_localities else self.imd

    @property
    def decile_count_columns(self) -> list[str]:
        """The columns of ``deciles`` that count residents (checked for small numbers when published)."""
        return [c for c in self.deciles.columns if c.endswith("population") and "percent" not in c]

    @property
    def summary(self) -> dict:
        """The report's key figures (summary.json)."""
        return {"area_code": self.area_code, "borough": self.borough, "locality_code": self.locality_code or "",
                "locality_name": self.place if self.has_localities else "", "population": self.population,
                "population_source": self.source.label, "has_localities": self.has_localities,
                "indicators_compared": int(len(self.indicators))}


def locality_metric_rows(table: pd.DataFrame) -> pd.Series:
    """Which rows of the dashboard's summary matrix are the locality's own monthly metrics with data."""
    return (table["level"] == "locality") & (table["status"] != "no data") & (table["frequency"] == "monthly")


def locality_dashboard(dash: DashboardResults) -> pd.DataFrame:
    """The locality's own monthly metrics from the dashboard's summary matrix (latest value, variation,
    assurance); empty when none is published for the locality (e.g. the whole borough's table)."""
    table = dash.table
    return table.loc[locality_metric_rows(table), DASHBOARD_COLUMNS].reset_index(drop=True)


def place_map_areas(store, area_code: str, locality_code: str | None) -> pd.DataFrame:
    """The borough's wards (GeoDataFrame) named, with their locality (``locality_text``) and ``in_locality``
    marking the wards of ``locality_code``."""
    wards = store.geometries("ward22", within=area_code)
    if locality_code is None:
        names = (store.areas().query("area_type == 'ward22'").drop_duplicates("area_code")
                 .set_index("area_code")["area_name"])
        return wards.assign(area_name=wards["area_code"].map(names).fillna(wards["area_code"]), in_locality=False)
    wards = wards.merge(localities(store, area_code), left_on="area_code", right_on="ward22_code", how="left")
    wards["area_name"] = wards["ward22_name"].fillna(wards["area_code"])
    wards["locality_text"] = wards["locality_name"].fillna("")
    wards["in_locality"] = wards["locality_code"] == locality_code
    return wards


def run_locality_profile(store, area_code: str | None = None, locality: str | None = None) -> LocalityProfileResults:
    """The profile of one locality of ``area_code`` (default: the home borough; ``locality``: a code or name,
    default the first in code order), or of the whole borough when it has no localities."""
    area_code = str(area_code or store.home_area_code)
    check_borough(store, area_code)
    borough = area_name(store, area_code)
    chosen = resolve_locality(store, area_code, locality)
    locality_code, place = chosen if chosen else (None, borough)
    codes = [locality_code, area_code] if locality_code else [area_code]
    people = population_by_age_sex(store, codes, pyramid_source(store), borough=area_code)
    imd = imd_deciles(store, area_code)
    distribution = decile_distribution(imd)
    facts = wards = None
    if locality_code:
        deciles = locality_decile_comparison(imd, locality_code)
        check_deciles_complete(deciles, int((imd["locality_code"] == locality_code).sum()), "locality_lsoas")
        indicators = locality_indicators(store, area_code, locality_code)
        wards = locality_wards(store, area_code, locality_code)
    else:
        deciles = distribution.add_prefix("borough_").rename(columns={"borough_decile": "decile"})
        indicators = benchmark_indicators(store, area_code)
        facts = borough_facts(store, area_code, age_pop=people, imd=imd, bench=indicators)
    dash = run_dashboard(store, area_code=area_code, locality=locality_code)
    return LocalityProfileResults(
        area_code=area_code, borough=borough, locality_code=locality_code, place=place, people=people,
        ages={c: children_and_older(people, c) for c in codes}, imd=imd, deciles=deciles, distribution=distribution,
        indicators=indicators, facts=facts, wards=wards, map_areas=place_map_areas(store, area_code, locality_code),
        dashboard=locality_dashboard(dash), dashboard_results=dash)


__all__ = ["LocalityProfileResults", "run_locality_profile", "locality_dashboard", "locality_metric_rows",
           "place_map_areas",
           "DASHBOARD_COLUMNS"]
