"""Tests of thanalysis.analyses.borough_profile: run_borough_profile and what its results hold."""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.analyses.borough_profile import check_deciles_complete, run_borough_profile
from thanalysis.analyses.profile_indicators import benchmark_indicators
from thanalysis.data.open import open_store
from thanalysis.errors import DataError

HACKNEY = "E09000012"


@pytest.fixture(scope="module")
def results(demo):
    return run_borough_profile(demo)


def test_the_home_borough_by_default(demo, results):
    assert results.area_code == demo.home_area_code
    assert results.borough == demo.areas().set_index("area_code").loc[demo.home_area_code, "area_name"]


def test_population_totals_are_the_published_borough_rows(demo, results):
    pop = demo.population()
    home = pop[(pop["area_code"] == demo.home_area_code) & (pop["sex"] == "Persons")]
    latest = home[home["period"] == home["period"].max()]
    assert results.facts["population"] == pytest.approx(latest["population"].sum())
    assert results.facts["population_by_sex"] == pytest.approx(latest["population"].sum())
    # the age chart's bands are the persons rows of the finest source, in age order, adding up to 100%
    assert results.age_bands["percent"].sum() == pytest.approx(100)
    assert results.age_bands["age_band"].iloc[0].startswith("0")
    assert results.facts["largest_age_group"] == \
        results.age_bands.loc[results.age_bands["population"].idxmax(), "age_band"]


def test_deprivation_tables_agree(demo, results):
    raw = demo.values(["imd_decile_national"])
    raw = raw[raw["area_type"] == "lsoa21"]
    assert len(results.imd) == len(raw) == results.facts["lsoas"]
    assert results.deciles["lsoas"].sum() == len(results.imd)
    assert results.facts["most_deprived_lsoas"] == int((results.imd["decile"] == 1).sum())
    # one polygon per LSOA for the map, each with its decile
    assert sorted(results.lsoa_areas["area_code"]) == sorted(results.imd["area_code"])
    assert results.lsoa_areas["geometry"].notna().all()
    # the demo borough has four localities, outlined on the map
    assert len(results.outlines) == 4 and results.outlines["area_name"].notna().all()


def test_benchmarks_are_the_borough_against_region_and_country(demo, results):
    pd.testing.assert_frame_equal(results.bench, benchmark_indicators(demo, demo.home_area_code))
    assert results.facts["indicators_compared"] == len(results.bench)
    counted = sum(results.facts[f"vs_region_{w}"] for w in ("better", "worse", "similar", "higher", "lower",
                                                          "not_compared"))
    assert counted == len(results.bench)


def test_an_area_that_is_no_borough_is_a_data_error(demo):
    with pytest.raises(DataError, match="not a local authority"):
        run_borough_profile(demo, "nowhere")


def test_deciles_that_miss_neighbourhoods_are_a_data_error():
    deciles = pd.DataFrame({"decile": range(1, 11), "lsoas": [1] * 10})
    check_deciles_complete(deciles, 10)
    with pytest.raises(DataError, match="9 of 10"):
        check_deciles_complete(deciles.iloc[1:], 10)


def test_real_hackney_has_no_locality_outlines(open_data_root):
    results = run_borough_profile(open_store(open_data_root), HACKNEY)
    assert results.borough == "Hackney" and results.outlines is None
    assert len(results.imd) == 144 and (results.imd["locality_code"] == "").all()
