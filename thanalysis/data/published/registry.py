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
    children,
    fingertips_api,
    fingertips_export,
    fingertips_tidy,
    health_index,
    hes_admissions,
    homelessness,
    lait,
    nhs_activity,
    nhs_snapshots,
    nhs_trusts,
    social_care,
)

#: Module name (as ``module:`` in data/sources.yml) → the module. The readers of branch readers-c (census,
#: deprivation, population_change, gla_profiles) join here at merge, with their entries in data/sources.yml.
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
    # Fingertips indicators fetched on demand by `thanalysis data fingertips` (a raw export: it wins over a
    # republished series of the same id, see thanalysis.data.real_published.RAW_MODULES).
    "fingertips_api": fingertips_api,
}


def module(name: str) -> ModuleType:
    """The published-series module called ``name`` (a KeyError for any other name: the catalogue checks names)."""
    return MODULES[name]


__all__ = ["MODULES", "module"]
