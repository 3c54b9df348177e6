"""The area hierarchy and aggregation (``thanalysis.geography.hierarchy``): totals conserved, weights honoured,
intermediate types walked, on a hand-made hierarchy, the synthetic demo and the real Census 2021 counts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.errors import DataError
from thanalysis.geography.hierarchy import AreaHierarchy, aggregate, type_path
from thanalysis.geography.places import locality_tables

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
