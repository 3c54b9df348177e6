"""Who the cross-borough report compares: the comparator boroughs, the region and country above a borough, the
names used in its tables and the boroughs of its map.

- :func:`resolve_comparators` – which boroughs to compare with ("NEL", "INEL", "London", "statistical_neighbours"
  or a comma-separated list of codes; on the synthetic demo the same names mean its fictional groups);
- :func:`benchmarks_for` – the region and country above a borough, from the store's lookups;
- :func:`las_within` – the local authorities of a region or country;
- :func:`la_names` – code → name of local authorities, regions and countries (from
  :func:`thanalysis.geography.places.area_names`);
- :func:`map_data` – the boroughs of the region, each marked chosen, comparator or other.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from thanalysis.errors import ConfigError, DataError
from thanalysis.geography.comparators import comparator_group, load_comparators
from thanalysis.geography.hierarchy import AreaHierarchy
from thanalysis.geography.places import area_names

#: Comparator group names a report may use, and the role each plays for a home area in data/comparators.yml
#: (so "NEL" on the synthetic demo means the fictional borough's own system).
GROUP_ROLES = {"nel": "system", "inel": "inner_system", "london": "region_las",
               "statistical_neighbours": "statistical_neighbours", "system": "system",
               "inner_system": "inner_system", "region_las": "region_las"}

#: Where a borough stands in the comparator table (and on the map: ``ROLE_OTHER`` is a borough not compared).
ROLE_AREA, ROLE_COMPARATOR, ROLE_REGION, ROLE_COUNTRY = "Chosen borough", "Comparator", "Region", "Country"
ROLE_OTHER = "Other borough"

#: The area types whose names the report's tables use.
NAMED_TYPES = ("la", "region", "country")


@dataclass(frozen=True)
class Comparators:
    """A comparator group resolved for one borough: its codes (always including the borough), title and notes."""

    name: str
    title: str
    codes: list[str]
    provisional: bool = False
    note: str = ""


@dataclass(frozen=True)
class Benchmarks:
    """The region and country a borough is compared with (codes and names from the store)."""

    region_code: str | None
    region_name: str | None
    country_code: str | None
    country_name: str | None


def hierarchy(store) -> AreaHierarchy:
    """The store's area hierarchy (areas and lookups), built once per store."""
    return store.cached(("cross_borough", "hierarchy"), lambda: AreaHierarchy.from_store(store))


def la_names(store) -> dict[str, str]:
    """Code → name for local authorities, regions and countries (the names used in every table): the store's
    :func:`~thanalysis.geography.places.area_names` kept to those types, so a code of another type (a trust, a
    practice) is shown as its code."""
    def build() -> dict[str, str]:
        a = store.areas()
        named = set(a.loc[a["area_type"].isin(NAMED_TYPES), "area_code"].astype(str))
        return {code: name for code, name in area_names(store).items() if code in named}

    return store.cached(("cross_borough", "la_names"), build)


def resolve_comparators(store, area_code: str, group: str = "NEL") -> Comparators:
    """The comparator boroughs for ``area_code``.

    ``group`` is a group name or role from ``data/comparators.yml`` ("NEL", "INEL", "London",
    "statistical_neighbours", ...) or a comma-separated list of area codes. A name is first read as the *role* the
    group plays for ``area_code`` (so "NEL" on the synthetic demo gives the fictional borough's neighbours, and
    "statistical_neighbours" gives each home area its own list), then as a group name. The borough itself is always
    included; codes the store does not know raise a DataError.
    """
    if not isinstance(group, str) or not group.strip():
        raise ConfigError("comparator_group must be a group name (e.g. 'NEL') or a comma-separated list of codes")
    config = load_comparators()
    known = set(la_names(store))
    text = group.strip()
    if "," in text or text.upper() in known or text in known:
        codes = [c.strip() for c in text.split(",") if c.strip()]
        entry = {"title": "Chosen comparators: " + ", ".join(codes), "codes": codes}
        name = "custom"
    else:
        key = text.lower()
        role = GROUP_ROLES.get(key)
        home_roles = config["home_areas"].get(str(area_code), {})
        if role and role in home_roles:
            name = home_roles[role]
        elif key in config["groups"]:
            name = key
        elif role == "statistical_neighbours":
            raise ConfigError(f"{config['path']}: no statistical neighbours are listed for {area_code}; "
                              "use NEL, INEL, London or a comma-separated list of codes")
        else:
            # Let geography say what is known (raises ConfigError naming the groups).
            comparator_group(text, store)
            name = key
        entry = config["groups"][name]
        codes = list(entry["codes"])
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise DataError("Some comparator codes are not areas in this data.", column="area_code", values=unknown,
                        expected="local authority codes the store knows (E09000001-33 for London; "
                                 "X09000001-8 on the synthetic demo)")
    if str(area_code) not in codes:
        codes = [str(area_code)] + codes
    return Comparators(name=name, title=str(entry.get("title", name)), codes=codes,
                       provisional=bool(entry.get("provisional", False)),
                       note=str(entry.get("note", "") or "").strip())


def benchmarks_for(store, area_code: str) -> Benchmarks:
    """The region and country above ``area_code`` in the store's lookups (None when the lookups have none)."""
    h = hierarchy(store)
    names = la_names(store)

    def parent(kind: str) -> str | None:
        try:
            p = h.parents(str(area_code), area_type="la", parent_type=kind)
        except DataError:
            return None
        return str(p["parent_code"].iloc[0]) if len(p) else None

    region, country = parent("region"), parent("country")
    return Benchmarks(region, names.get(region) if region else None, country, names.get(country) if country else None)


def las_within(store, parent_code: str, parent_type: str) -> list[str]:
    """Local authorities inside a region or country, from the lookups."""
    try:
        m = hierarchy(store).to_parent_map("la", parent_type)
    except DataError:
        return []
    return sorted(m.loc[m["parent_code"] == parent_code, "child_code"].astype(str).unique())


def map_data(store, area_code: str, comps: Comparators, bench: Benchmarks):
    """(boroughs of the region with a ``group`` column: chosen / comparator / other, comparator outlines)."""
    within = bench.region_code
    g = store.geometries("la", within=within) if within else store.geometries("la")
    g = g.copy()
    g["area_name"] = g["area_code"].map(la_names(store)).fillna(g["area_code"])
    g["group"] = np.where(g["area_code"] == str(area_code), ROLE_AREA,
                          np.where(g["area_code"].isin(comps.codes), ROLE_COMPARATOR, ROLE_OTHER))
    # The chosen borough is among the outlines so that it is labelled too (highlight draws it thickly; the map
    # names it once in its text alternative).
    outlines = g[g["area_code"].isin(comps.codes) | (g["area_code"] == str(area_code))][["area_code", "area_name",
                                                                                          "geometry"]]
    return g, outlines


__all__ = ["Comparators", "Benchmarks", "resolve_comparators", "benchmarks_for", "las_within", "la_names",
           "hierarchy", "map_data", "ROLE_AREA", "ROLE_COMPARATOR", "ROLE_REGION", "ROLE_COUNTRY", "ROLE_OTHER"]
