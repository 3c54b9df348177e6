"""The published-series modules by name (``thanalysis.data.published.registry``): each reads a PublishedSeries and
lists the same indicators cheaply, without reading its data files."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.data.fingertips_roots import copy_fixture
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.published import registry
from thanalysis.data.published.series import PublishedSeries
from thanalysis.vocabulary import CANONICAL_COLUMNS


def test_every_module_is_a_reader_with_cheap_indicators():
    assert set(registry.MODULES) == {"nhs_trusts", "homelessness", "social_care", "children", "lait",
                                     "health_index", "fingertips_tidy", "fingertips_export",
                                     "hes_admissions", "nhs_activity", "nhs_snapshots", "fingertips_api", "census",
                                     "deprivation",
                                     "population_change", "gla_profiles"}
    assert registry.READ_BY_LSOA <= set(registry.MODULES)
    for name, mod in registry.MODULES.items():
        assert registry.module(name) is mod and callable(mod.read) and callable(mod.indicators), name
    # Every module is read by at least one catalogue entry, and every entry names a module of the registry.
    assert set(load_catalogue().published_series()) == set(registry.MODULES)
    with pytest.raises(KeyError):
        registry.module("census_lsoa")


#: Modules whose folders' SOURCE.md give no dated "- **Commit:**" line (census, IoD2019 File 3, GLA profiles).
UNDATED = {"census", "deprivation", "gla_profiles"}


@pytest.mark.real
@pytest.mark.parametrize("name", sorted(registry.MODULES))
def test_cheap_indicators_are_those_of_the_series(name, open_data_root, tmp_path):
    mod = registry.module(name)
    root = open_data_root
    if name == "fingertips_api":  # fetched on demand: the mirror has none, so a root of the London fixtures
        root = tmp_path
        for indicator in ("90366", "20601", "90284"):
            copy_fixture(root, indicator, retrieved_at="2026-12-01T12:00:00Z")
    series = mod.read(root)
    assert isinstance(series, PublishedSeries)
    assert list(series.values.columns) == CANONICAL_COLUMNS["values"]
    assert list(series.indicators.columns) == CANONICAL_COLUMNS["indicators"]
    pd.testing.assert_frame_equal(mod.indicators(root), series.indicators)
    assert set(series.values["indicator_id"]) == set(series.indicators["indicator_id"])  # none listed in vain
    # Every indicator has a lag after which it is out of date, but an "irregular" one (the GLA's modelled income),
    # whose frequency gives no default.
    irregular = series.indicators["frequency"].eq("irregular")
    assert series.indicators.loc[~irregular, "lag_months"].notna().all() and irregular.sum() <= 1
    # The date of the copy: from the folder's SOURCE.md, else (no dated commit line there) from the catalogue entries.
    dated = [ds.currency_date for ds in load_catalogue().published_series()[name]]
    assert series.retrieved is not None or (name in UNDATED and all(dated)), name
