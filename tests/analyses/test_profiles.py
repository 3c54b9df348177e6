"""Tests of thanalysis.analyses.profiles: the profiles' lookups, population sources and IMD deciles.

Expected values are computed independently here: from the demo's own published rows (its generator sums LSOAs
to wards, localities and the borough itself) and, for real data, with plain pandas from the raw files.
"""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.analyses import profiles
from thanalysis.data.open import open_store
from thanalysis.errors import DataError
from thanalysis.geography.places import locality_list, resolve_locality

TH = "E09000030"
HACKNEY = "E09000012"


# --- demo ----------------------------------------------------------------------------------------------------
def test_demo_population_matches_published_locality_rows(demo):
    home = demo.home_area_code
    loc = resolve_locality(demo, home, None)[0]
    pop = profiles.population_by_age_sex(demo, [loc, home])
    raw = demo.population()
    period = pop["period"].iloc[0]
    for code in (loc, home):
        want = raw[(raw["area_code"] == code) & (raw["period"] == period)].set_index(["sex", "age_band"])["population"]
        got = pop[pop["area_code"] == code].set_index(["sex", "age_band"])["population"]
        pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    # percent: share of the area's persons; males + females add up to 100
    mf = pop[(pop["area_code"] == loc) & pop["sex"].isin(["Male", "Female"])]["percent"].sum()
    assert mf == pytest.approx(100.0)


def test_unknown_population_source_is_a_data_error(demo):
    with pytest.raises(DataError, match="Unknown population source"):
        profiles.population_by_age_sex(demo, demo.home_area_code, "census1901")


def test_demo_imd_deciles_and_distribution(demo):
    home = demo.home_area_code
    imd = profiles.imd_deciles(demo, home)
    raw = demo.values(["imd_decile_national"])
    raw = raw[raw["area_type"] == "lsoa21"]
    assert len(imd) == len(raw)
    want = raw.set_index("area_code")["value"].round().astype(int).value_counts().reindex(range(1, 11), fill_value=0)
    dist = profiles.decile_distribution(imd)
    assert dist["lsoas"].tolist() == want.tolist()
    assert dist["percent_lsoas"].sum() == pytest.approx(100)
    # LSOA populations add up to the published borough total for the same year
    pop = demo.population()
    total = pop[(pop["area_code"] == home) & (pop["period"] == pop["period"].max()) & (pop["sex"] == "Persons")]
    assert imd["population"].sum() == pytest.approx(total["population"].sum())
    assert set(imd["locality_code"]) == set(locality_list(demo, home)["locality_code"])


def test_imd_deciles_of_an_area_that_is_no_borough_is_a_data_error(demo):
    ward = demo.areas().query("area_type == 'ward22'")["area_code"].iloc[0]
    with pytest.raises(DataError, match="not a local authority"):
        profiles.imd_deciles(demo, ward)


def test_lookups_and_hierarchy_are_built_once_per_store(demo_root):
    store = open_store(demo_root)
    home = store.home_area_code
    assert profiles.profile_lookups(store, home) is profiles.profile_lookups(store, home)
    first = profiles.profile_hierarchy(store, home)
    assert profiles.profile_hierarchy(store, home) is first
    # a new store builds its own
    assert profiles.profile_hierarchy(open_store(demo_root), home) is not first
    assert len(first.within(home, "locality")) == 4


def test_decile_distribution_fills_every_decile():
    imd = pd.DataFrame({"area_code": list("abc"), "decile": [1, 1, 4], "population": [10.0, 20.0, 70.0],
                        "locality_code": ["x", "y", "y"]})
    d = profiles.decile_distribution(imd)
    assert d["decile"].tolist() == list(range(1, 11))
    assert d.loc[d["decile"] == 1, "percent_population"].item() == pytest.approx(30)
    by = profiles.decile_distribution(imd, by="locality_code")
    assert len(by) == 20
    comp = profiles.locality_decile_comparison(imd, "y")
    assert comp.loc[comp["decile"] == 4, "locality_percent_population"].item() == pytest.approx(70 / 0.9)
    share = profiles.deprived_share(imd)
    assert share["lsoas"] == 2 and share["percent_population"] == pytest.approx(30)


def test_children_and_older_bands():
    pop = pd.DataFrame({"area_code": "a", "sex": "Persons", "age_band": ["0-15", "16-29", "30-64", "65+"],
                        "population": [20.0, 30.0, 40.0, 10.0]})
    pop["percent"] = pop["population"]
    out = profiles.children_and_older(pop, "a")
    assert out["children_ages"] == "0 to 15" and out["children_percent"] == 20
    assert out["older_percent"] == 10


# --- real data -----------------------------------------------------------------------------------------------
def _raw_imd(root):
    return pd.read_csv(root / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", thousands=",",
                       encoding="utf-8-sig")


def test_real_imd_deciles_tower_hamlets(real, open_data_root):
    raw = _raw_imd(open_data_root)
    code_col = next(c for c in raw.columns if c.startswith("LSOA code"))
    la_col = next(c for c in raw.columns if c.startswith("Local Authority District code"))
    dec_col = next(c for c in raw.columns if "Decile" in c)
    rank_col = next(c for c in raw.columns if "Rank" in c)
    th = raw[raw[la_col] == TH]
    imd = profiles.imd_deciles(real, TH)
    assert len(imd) == len(th) == 144
    want = th[dec_col].value_counts().reindex(range(1, 11), fill_value=0)
    assert profiles.decile_distribution(imd)["lsoas"].tolist() == want.tolist()
    merged = imd.merge(th, left_on="area_code", right_on=code_col)
    assert (merged["rank"].astype(int) == merged[rank_col].astype(int)).all()
    # population: ONS mid-2020 file (persons, all ages), summed independently
    mid = pd.read_csv(open_data_root / "population" / "london-mid2020-pop-lsoa11.csv", thousands=",")
    persons = mid.set_index("LSOA11CD")["Persons_All-Ages"]
    assert imd["population"].to_numpy() == pytest.approx(imd["area_code"].map(persons).to_numpy())
    assert set(imd["locality_code"]) == {f"{TH}-NW", f"{TH}-NE", f"{TH}-SW", f"{TH}-SE"}


def test_real_population_sources_disagree(real):
    census = profiles.population_by_age_sex(real, TH, "census2021")
    mid = profiles.population_by_age_sex(real, TH, "mid2020")
    assert profiles.total_population(census)[TH] == 310306
    assert profiles.total_population(mid)[TH] == 331969
    assert set(mid["sex"]) == {"Persons", "Male", "Female"}
    assert profiles.largest_age_group(census, TH)[0] == "25-29"


def test_real_hackney_has_no_localities(real):
    imd = profiles.imd_deciles(real, HACKNEY)
    assert len(imd) == 144 and (imd["locality_code"] == "").all()
    # the store's own lookups: no locality rows are added for a borough without a locality file
    assert profiles.profile_lookups(real, HACKNEY) is real.lookups()
