"""Comparator groups (``thanalysis.geography.comparators``): by name, by the home area's role, and file errors."""
from __future__ import annotations

import geopandas as gpd
import pytest

from thanalysis.errors import ConfigError
from thanalysis.geography.comparators import comparator_group, comparator_groups, load_comparators

TH = "E09000030"


# --- comparator groups -------------------------------------------------------------------------------------------
def test_comparator_groups():
    nel = comparator_group("NEL")
    assert len(nel) == 8 and TH in nel
    assert set(comparator_group("inel")) == {"E09000001", "E09000012", "E09000025", TH}
    assert set(comparator_group("inel")) <= set(nel)
    assert comparator_group("London") == [f"E090000{n:02d}" for n in range(1, 34)]
    assert comparator_group("England") == ["E92000001"]
    sn = comparator_groups().set_index("group").loc["tower_hamlets_statistical_neighbours"]
    assert sn["provisional"] and "PROVISIONAL" in sn["note"]
    assert TH not in comparator_group("tower_hamlets_statistical_neighbours")
    with pytest.raises(ConfigError, match="no comparator group"):
        comparator_group("atlantis")


def test_comparator_roles_follow_the_store(demo):
    class RealLike:
        home_area_code = TH

    assert comparator_group("system", RealLike()) == comparator_group("nel")
    assert comparator_group("region_las", RealLike()) == comparator_group("london")
    demo_system = comparator_group("system", demo)
    assert demo.home_area_code in demo_system and len(demo_system) == 8
    known = set(demo.areas()["area_code"])
    for role in ("system", "inner_system", "region_las", "region", "country", "statistical_neighbours"):
        assert set(comparator_group(role, demo)) <= known, role


def test_london_codes_match_the_boundary_file(open_data_root):
    lads = gpd.read_file(open_data_root / "boundaries/london/london-2021-lad22-gen20_wgs84.geojson")
    assert sorted(comparator_group("london")) == sorted(lads["LAD22CD"])


def test_comparator_file_errors_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="comparator groups file not found"):
        load_comparators(tmp_path / "missing.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("groups: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yml: not valid YAML"):
        load_comparators(bad)
    bad.write_text("groups:\n  nel: {codes: [E09000030, E09000030]}\n")
    with pytest.raises(ConfigError, match="listed twice"):
        load_comparators(bad)
    bad.write_text("groups:\n  nel: {codes: [E09000030]}\nhome_areas:\n  E09000030: {system: atlantis}\n")
    with pytest.raises(ConfigError, match="unknown group 'atlantis'"):
        load_comparators(bad)
