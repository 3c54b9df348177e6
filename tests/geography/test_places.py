"""Places (``thanalysis.geography.places``): the locality files, area names and the localities of a borough."""
from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from thanalysis.data.demo.common import HOME_CODE, HOME_NAME
from thanalysis.errors import ConfigError, DataError
from thanalysis.geography.places import (area_name, area_names, localities, localities_for, locality_list,
                                         locality_names, locality_tables, locality_wards, resolve_locality)
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"
TH_WARDS = [f"E050093{n}" for n in range(17, 37)]


# --- locality files ----------------------------------------------------------------------------------------------
def test_tower_hamlets_locality_file_covers_every_ward_once():
    loc = localities_for(TH)
    assert loc is not None
    assert sorted(loc["ward22_code"]) == TH_WARDS
    assert loc["ward22_code"].is_unique
    assert set(loc["locality_code"]) == {f"{TH}-NW", f"{TH}-NE", f"{TH}-SW", f"{TH}-SE"}
    assert set(loc["locality_name"]) == {"North West", "North East", "South West", "South East"}
    assert (loc.groupby("locality_code").size() == 5).all()
    areas, lookups = locality_tables(TH)
    assert len(areas) == 4 and (areas["area_type"] == "locality").all()
    assert len(lookups) == 24


def test_no_locality_file_gives_none():
    assert localities_for("E09000012") is None
    assert locality_tables("E09000012") is None


def test_bad_locality_file_is_a_config_error(tmp_path):
    (tmp_path / "X1.csv").write_text("ward22_code,ward22_name,locality_code,locality_name\n"
                                     "W1,One,L1,North\nW1,One again,L2,South\n")
    with pytest.raises(ConfigError, match="more than once"):
        localities_for("X1", directory=tmp_path)


def test_locality_ward_names_match_the_boundary_file(open_data_root):
    wards = gpd.read_file(open_data_root / "boundaries/tower_hamlets/lbth-wards-2022.topo.json")
    names = dict(zip(wards["wardcode"], wards["name"]))
    loc = localities_for(TH)
    assert dict(zip(loc["ward22_code"], loc["ward22_name"])) == names


# --- names and localities of a store ---------------------------------------------------------------------------
class _BoroughOnly:
    """A store that knows one borough and no localities: they come from the borough's locality file."""

    def __init__(self, code: str = TH, name: str = "Tower Hamlets"):
        self.home_area_code = code
        self._areas = pd.DataFrame({"area_code": [code], "area_name": [name], "area_type": ["la"]})
        self._cache: dict = {}

    def areas(self) -> pd.DataFrame:
        return self._areas.copy()

    def lookups(self) -> pd.DataFrame:
        return pd.DataFrame(columns=CANONICAL_COLUMNS["lookups"])

    def cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


def test_area_names_of_the_store_are_cached_once(demo):
    names = area_names(demo)
    assert names is area_names(demo)  # the store's one cache
    assert names[HOME_CODE] == HOME_NAME and len(names) == demo.areas()["area_code"].nunique()
    assert area_name(demo, HOME_CODE) == HOME_NAME
    assert area_name(demo, "X99999999", default="unknown") == "unknown"
    with pytest.raises(DataError, match="'X99999999' is not known"):
        area_name(demo, "X99999999")


def test_a_locality_known_only_from_its_file_has_a_name():
    assert area_name(_BoroughOnly(), f"{TH}-NW") == "North West"


def test_the_demo_localities_come_from_its_own_tables(demo):
    table = localities(demo, HOME_CODE)
    assert list(table.columns) == ["ward22_code", "ward22_name", "locality_code", "locality_name"]
    assert len(table) == 20 and table["ward22_code"].is_unique
    assert (table["locality_name"].str.endswith("(synthetic)")).all()
    listed = locality_list(demo, HOME_CODE)
    assert listed["locality_code"].tolist() == ["XL000001", "XL000002", "XL000003", "XL000004"]
    assert (listed["wards"] == 5).all()
    assert locality_names(demo, HOME_CODE)["XL000002"] == "North East (synthetic)"


def test_resolve_a_locality_by_code_or_name(demo):
    assert resolve_locality(demo, HOME_CODE, None) == ("XL000001", "North West (synthetic)")
    assert resolve_locality(demo, HOME_CODE, " north east (SYNTHETIC) ") == ("XL000002", "North East (synthetic)")
    assert resolve_locality(demo, HOME_CODE, "XL000004")[0] == "XL000004"
    with pytest.raises(DataError, match="XL000003 \\(South West \\(synthetic\\)\\)"):
        resolve_locality(demo, HOME_CODE, "Atlantis")
    wards = locality_wards(demo, HOME_CODE, "XL000001")
    assert len(wards) == 5 and wards["ward22_name"].is_monotonic_increasing


def test_localities_from_the_borough_file_and_a_borough_without_any():
    th = _BoroughOnly()
    assert resolve_locality(th, TH, "South West") == (f"{TH}-SW", "South West")
    assert sorted(locality_wards(th, TH, f"{TH}-NE")["ward22_code"]) == sorted(
        localities_for(TH).query("locality_code == @TH + '-NE'")["ward22_code"])
    other = _BoroughOnly("E09000012", "Hackney")
    assert localities(other, "E09000012") is None and locality_list(other, "E09000012").empty
    assert resolve_locality(other, "E09000012", None) is None and locality_names(other, "E09000012") == {}
    with pytest.raises(DataError, match="no locality file"):
        locality_wards(other, "E09000012", "North")
