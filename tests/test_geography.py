"""Area hierarchy, aggregation (totals conserved, weights honoured), locality files and comparator groups."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.errors import ConfigError, DataError
from thanalysis.geography.comparators import comparator_group, comparator_groups
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate, type_path
from thanalysis.geography.places import localities_for, locality_tables

TH = "E09000030"
TH_WARDS = [f"E050093{n}" for n in range(17, 37)]


# --- a small hand-made hierarchy ---------------------------------------------------------------------------------
@pytest.fixture()
def toy():
    """Three small areas (one split 30/70 between two mid areas), two mid areas, one top area."""
    areas = pd.DataFrame({
        "area_code": ["a", "b", "c", "M1", "M2", "T"],
        "area_name": ["A", "B", "C", "Mid 1", "Mid 2", "Top"],
        "area_type": ["lsoa11", "lsoa11", "lsoa11", "lsoa21", "lsoa21", "ward22"],
    })
    lookups = pd.DataFrame({
        "child_code": ["a", "a", "b", "c", "M1", "M2"],
        "child_type": ["lsoa11"] * 4 + ["lsoa21"] * 2,
        "parent_code": ["M1", "M2", "M1", "M2", "T", "T"],
        "parent_type": ["lsoa21"] * 4 + ["ward22"] * 2,
        "weight": [0.3, 0.7, 1.0, 1.0, 1.0, 1.0],
    })
    return areas, lookups


def test_split_weights_share_counts(toy):
    _, lookups = toy
    data = pd.DataFrame({"area_code": ["a", "b", "c"], "sex": ["Persons"] * 3, "count": [10.0, 5.0, 2.0]})
    out = aggregate(data, lookups, "lsoa11", "lsoa21", ["count"]).set_index("area_code")["count"]
    # a's 10 split 3 / 7; M1 = 3 + 5, M2 = 7 + 2 (worked by hand).
    assert out.to_dict() == pytest.approx({"M1": 8.0, "M2": 9.0})
    top = aggregate(data, lookups, "lsoa11", "ward22", ["count"])
    assert top["count"].tolist() == pytest.approx([17.0]) and top["area_type"].tolist() == ["ward22"]
    assert type_path(lookups, "lsoa11", "ward22") == [("lsoa11", "lsoa21"), ("lsoa21", "ward22")]


def test_aggregate_keeps_breakdowns(toy):
    _, lookups = toy
    data = pd.DataFrame({"area_code": ["b", "b", "c", "c"], "period": ["2020", "2021"] * 2,
                         "count": [1.0, 2.0, 3.0, 4.0], "denominator": [10.0, 20.0, 30.0, 40.0],
                         "value": [0.1, 0.1, 0.1, 0.1]})
    out = aggregate(data, lookups, "lsoa11", "ward22")
    assert list(out.columns) == ["area_code", "area_type", "period", "count", "denominator"]
    assert out["count"].tolist() == [4.0, 6.0] and out["denominator"].tolist() == [40.0, 60.0]


def test_aggregate_refuses_to_lose_or_double_count(toy):
    _, lookups = toy
    data = pd.DataFrame({"area_code": ["a", "zzz"], "count": [1.0, 1.0]})
    with pytest.raises(DataError, match="would be lost"):
        aggregate(data, lookups, "lsoa11", "lsoa21", ["count"])
    kept = aggregate(data, lookups, "lsoa11", "lsoa21", ["count"], missing="drop")
    assert kept["count"].sum() == pytest.approx(1.0)
    bad = lookups.copy()
    bad.loc[0, "weight"] = 0.5  # a now adds up to 1.2
    with pytest.raises(DataError, match="do not add up to 1"):
        aggregate(data.iloc[:1], bad, "lsoa11", "lsoa21", ["count"])
    with pytest.raises(DataError, match="counted twice"):
        aggregate(data.iloc[:1], lookups, "lsoa11", "lsoa21", ["count"], weight=None)
    with pytest.raises(DataError, match="no path"):
        aggregate(data.iloc[:1], lookups, "ward22", "lsoa11", ["count"])


def test_missing_count_makes_parent_missing(toy):
    _, lookups = toy
    data = pd.DataFrame({"area_code": ["b", "c"], "count": [1.0, np.nan]})
    out = aggregate(data, lookups, "lsoa11", "lsoa21", ["count"]).set_index("area_code")["count"]
    assert out["M1"] == 1.0 and np.isnan(out["M2"])


def test_hierarchy_walks_through_intermediate_types(toy):
    areas, lookups = toy
    h = AreaHierarchy(areas, lookups)
    assert h.within("T", "lsoa11") == ["a", "b", "c"]
    assert h.within("M1", "lsoa11") == ["a", "b"]
    p = h.parents("a", parent_type="ward22")
    assert p["parent_code"].tolist() == ["T"] and p["weight"].tolist() == pytest.approx([1.0])
    assert h.parents("a")["weight"].tolist() == pytest.approx([0.3, 0.7])
    assert h.parent_of("b", "ward22") == "T"
    with pytest.raises(DataError):
        h.parent_of("a", "lsoa21")  # split between two parents
    with pytest.raises(DataError):
        h.type_of("nowhere")


# --- the synthetic demo --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(demo_root):
    from thanalysis.data.demo import DemoStore

    return DemoStore(demo_root)


def test_demo_hierarchy(demo):
    h = AreaHierarchy.from_store(demo)
    home = demo.home_area_code
    wards = h.within(home, "ward22")
    localities = h.within(home, "locality")
    assert len(wards) == 20 and len(localities) == 4
    lsoas = h.within(home, "lsoa21")
    assert len(lsoas) == len(h.codes("lsoa21"))
    per_locality = [h.within(loc, "lsoa21") for loc in localities]
    assert sorted(sum(per_locality, [])) == sorted(lsoas)  # each LSOA in exactly one locality
    first = per_locality[0][0]
    assert h.parent_of(first, "locality", area_type="lsoa21") == localities[0]
    assert h.parent_of(first, "la", area_type="lsoa21") == home
    assert set(h.within("X12000001", "la")) == {f"X0900000{i}" for i in range(1, 9)}


def test_demo_population_aggregates_without_loss(demo):
    pop = demo.population()
    lookups = demo.lookups()
    lsoa_codes = set(demo.areas().query("area_type == 'lsoa21'")["area_code"])
    lsoa = pop[pop["area_code"].isin(lsoa_codes)]
    total = lsoa.groupby("period")["population"].sum()
    for to_type in ("ward22", "locality", "la"):
        out = aggregate(lsoa, lookups, "lsoa21", to_type, ["population"])
        pd.testing.assert_series_equal(out.groupby("period")["population"].sum(), total, check_names=False)
    # Ward totals match the demo's own ward rows (which it built separately, with numpy sums).
    wards = aggregate(lsoa, lookups, "lsoa21", "ward22", ["population"])
    published = pop[pop["area_code"].str.startswith("X05")]
    merged = wards.merge(published, on=["area_code", "period", "sex", "age_band"], suffixes=("", "_pub"))
    assert len(merged) == len(wards)
    np.testing.assert_allclose(merged["population"], merged["population_pub"])


def test_demo_2011_lsoas_split_by_weight(demo):
    lookups = demo.lookups()
    l11 = lookups[(lookups["child_type"] == "lsoa11") & (lookups["parent_type"] == "lsoa21")]
    assert (l11.groupby("child_code")["weight"].sum().sub(1).abs() < 1e-9).all()
    assert (l11.groupby("child_code").size() == 2).sum() >= 3  # some 2011 LSOAs were split
    counts = pd.DataFrame({"area_code": sorted(set(l11["child_code"])), "count": 100.0})
    to_ward = aggregate(counts, lookups, "lsoa11", "ward22", ["count"])
    assert to_ward["count"].sum() == pytest.approx(100.0 * len(counts))
    assert to_ward["area_code"].nunique() == 20


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
    import geopandas as gpd

    wards = gpd.read_file(open_data_root / "boundaries/tower_hamlets/lbth-wards-2022.topo.json")
    names = dict(zip(wards["wardcode"], wards["name"]))
    loc = localities_for(TH)
    assert dict(zip(loc["ward22_code"], loc["ward22_name"])) == names


def test_census_2021_tower_hamlets_aggregates_to_wards_and_localities(open_data_root):
    """Census 2021 TS007A: the 169 Tower Hamlets LSOAs total 310,303; so must every aggregate of them."""
    census = pd.read_csv(open_data_root / "population/census2021/census2021-ts007a-lsoa.csv")
    th = census[census["geography"].str.startswith("Tower Hamlets ")]
    assert len(th) == 169
    data = pd.DataFrame({"area_code": th["geography code"].astype(str), "population": th["Age: Total"].astype(float)})
    assert data["population"].sum() == 310_303

    best_fit = pd.read_csv(open_data_root / "lookups/lsoa21_ward22_best_fit_EW_gla.csv", dtype=str)
    lookups = pd.DataFrame({"child_code": best_fit["lsoa21cd"], "child_type": "lsoa21",
                            "parent_code": best_fit["ward22cd"], "parent_type": "ward22", "weight": 1.0})
    _, locality_lookups = locality_tables(TH)
    lookups = pd.concat([lookups, locality_lookups], ignore_index=True)

    wards = aggregate(data, lookups, "lsoa21", "ward22", ["population"])
    assert sorted(wards["area_code"]) == TH_WARDS
    assert wards["population"].sum() == 310_303
    localities = aggregate(data, lookups, "lsoa21", "locality", ["population"])
    assert len(localities) == 4 and localities["population"].sum() == 310_303
    borough = aggregate(data, lookups, "lsoa21", "la", ["population"])
    assert borough["area_code"].tolist() == [TH] and borough["population"].tolist() == [310_303]
    # Independent check of one ward: sum its LSOAs straight from the lookup.
    one = TH_WARDS[0]
    direct = data[data["area_code"].isin(best_fit.loc[best_fit["ward22cd"] == one, "lsoa21cd"])]["population"].sum()
    assert wards.set_index("area_code").loc[one, "population"] == direct


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
    import geopandas as gpd

    lads = gpd.read_file(open_data_root / "boundaries/london/london-2021-lad22-gen20_wgs84.geojson")
    assert sorted(comparator_group("london")) == sorted(lads["LAD22CD"])
