"""Tests for thanalysis.analyses.cross_borough_areas: comparator groups, benchmarks, names and the map's groups."""
from __future__ import annotations

import pytest

from tests.analyses.cross_borough_expected import ENGLAND, LONDON, NEWHAM, TH
from thanalysis.analyses import cross_borough_areas as areas
from thanalysis.errors import ConfigError, DataError


def test_nel_on_the_demo_means_its_own_system(demo):
    comps = areas.resolve_comparators(demo, demo.home_area_code, "NEL")
    assert comps.codes[0] == demo.home_area_code
    assert set(comps.codes) == {f"X0900000{i}" for i in range(1, 9)}


def test_real_groups_and_custom_lists(real):
    nel = areas.resolve_comparators(real, TH, "NEL")
    assert set(nel.codes) == {"E09000001", "E09000002", "E09000012", "E09000016", "E09000025", "E09000026",
                              TH, "E09000031"}
    inel = areas.resolve_comparators(real, NEWHAM, "inel")
    assert set(inel.codes) == {"E09000001", "E09000012", NEWHAM, TH}
    custom = areas.resolve_comparators(real, TH, "E09000025, E09000012")
    assert custom.codes == [TH, NEWHAM, "E09000012"]
    sn = areas.resolve_comparators(real, TH, "statistical_neighbours")
    assert sn.provisional and sn.codes[0] == TH and len(sn.codes) == 11
    with pytest.raises(ConfigError):
        areas.resolve_comparators(real, NEWHAM, "statistical_neighbours")
    with pytest.raises(DataError):
        areas.resolve_comparators(real, TH, "E09000030,E09999999")
    with pytest.raises(ConfigError):
        areas.resolve_comparators(real, TH, "no such group")
    with pytest.raises(ConfigError):
        areas.resolve_comparators(real, TH, "  ")


def test_a_ward_code_is_not_a_comparator(demo):
    """Only local authorities, regions and countries are named in the report's tables."""
    a = demo.areas()
    ward = str(a.loc[a["area_type"] == "ward22", "area_code"].iloc[0])
    with pytest.raises(DataError):
        areas.resolve_comparators(demo, demo.home_area_code, f"{ward},X09000002")
    names = areas.la_names(demo)
    assert ward not in names
    expected = a[a["area_type"].isin(["la", "region", "country"])]
    assert names == dict(zip(expected["area_code"], expected["area_name"]))


def test_benchmarks_found_through_the_lookups(real, demo):
    b = areas.benchmarks_for(real, NEWHAM)
    assert (b.region_code, b.country_code) == (LONDON, ENGLAND)
    assert (b.region_name, b.country_name) == ("London", "England")
    d = areas.benchmarks_for(demo, demo.home_area_code)
    assert (d.region_code, d.country_code) == ("X12000001", "X92000001")


def test_las_within_london_are_the_33_boroughs(real):
    las = areas.las_within(real, LONDON, "region")
    assert len(las) == 33 and all(c.startswith("E09") for c in las)
    assert areas.las_within(real, "E99999999", "region") == []


def test_map_groups_the_region_boroughs(demo):
    comps = areas.resolve_comparators(demo, demo.home_area_code, "X09000002,X09000003")
    bench = areas.benchmarks_for(demo, demo.home_area_code)
    g, outlines = areas.map_data(demo, demo.home_area_code, comps, bench)
    groups = dict(zip(g["area_code"], g["group"]))
    assert groups[demo.home_area_code] == areas.ROLE_AREA
    assert groups["X09000002"] == groups["X09000003"] == areas.ROLE_COMPARATOR
    assert {c for c, k in groups.items() if k == areas.ROLE_OTHER} == set(groups) - set(comps.codes)
    assert set(outlines["area_code"]) == set(comps.codes)
