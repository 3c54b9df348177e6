"""The published-series modules by name: what ``module:`` may name in a ``reader: published`` entry of
data/sources.yml, and so which module a store asks for an indicator's values.

Every module listed here exposes ``read(root) -> PublishedSeries`` and ``indicators(root) -> DataFrame`` (see
:mod:`.series`). A module is imported here, once, so that the catalogue can check the names and the store can call
them; modules that only cross-check a source (such as :mod:`.homelessness_workbooks`, which needs openpyxl) are not
listed and are imported by ``thanalysis data check`` alone.

To add a reader: write the module, import it below and add it to :data:`MODULES`, then add its catalogue entry (or
entries) to data/sources.yml with ``reader: published`` and ``module: <name>``.
"""
from __future__ import annotations

from types import ModuleType

from thanalysis.data.published import (
    census,
    children,
    deprivation,
    fingertips_api,
    fingertips_export,
    fingertips_tidy,
    gla_profiles,
    health_index,
    hes_admissions,
    homelessness,
    lait,
    nhs_activity,
    nhs_snapshots,
    nhs_trusts,
    population_change,
    social_care,
)

#: Module name (as ``module:`` in data/sources.yml) → the module.
MODULES: dict[str, ModuleType] = {
    "nhs_trusts": nhs_trusts,
    "homelessness": homelessness,
    "social_care": social_care,
    "children": children,
    "lait": lait,
    "health_index": health_index,
    "fingertips_tidy": fingertips_tidy,
    "fingertips_export": fingertips_export,
    "hes_admissions": hes_admissions,
    "nhs_activity": nhs_activity,
    "nhs_snapshots": nhs_snapshots,
    # Census 2021 small areas, IoD2019 supplementary indices, ONS components of change, GLA borough profiles.
    "census": census,
    "deprivation": deprivation,
    "population_change": population_change,
    "gla_profiles": gla_profiles,
    # Fingertips indicators fetched on demand by `thanalysis data fingertips` (a raw export: it wins over a
    # republished series of the same id, see thanalysis.data.real_published.RAW_MODULES).
    "fingertips_api": fingertips_api,
}

#: Modules whose ``read(root, lsoas=...)`` keeps only the LSOAs 2021 given: the Census 2021 files hold all 35,672 of
#: England and Wales (14 s to read), so the real store reads them for its own LSOAs (London's, about 1 s), as it
#: does for the core Census tables. ``thanalysis data check`` reads them whole.
READ_BY_LSOA = frozenset({"census"})


def module(name: str) -> ModuleType:
    """The published-series module called ``name`` (a KeyError for any other name: the catalogue checks names)."""
    return MODULES[name]


__all__ = ["MODULES", "READ_BY_LSOA", "module"]
