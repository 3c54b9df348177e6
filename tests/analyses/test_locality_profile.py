"""Tests of thanalysis.analyses.locality_profile: run_locality_profile and what its results hold."""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.analyses.dashboard import run_dashboard
from thanalysis.analyses.locality_profile import run_locality_profile
from thanalysis.analyses.profile_indicators import benchmark_indicators
from thanalysis.data.open import open_store
from thanalysis.errors import DataError
from thanalysis.geography.places import locality_list

HACKNEY = "E09000012"


@pytest.fixture(scope="module")
def results(demo):
    return run_locality_profile(demo)


def test_the_first_locality_by_default(demo, results):
    table = locality_list(demo, demo.home_area_code)
    assert results.locality_code == table["locality_code"].iloc[0]
    assert results.place == table["locality_name"].iloc[0] and results.has_localities
    with pytest.raises(DataError, match="not one of the localities"):
        run_locality_profile(demo, locality="nowhere")


def test_population_is_the_published_locality_rows(demo, results):
    pop = demo.population()
    period = results.people["period"].iloc[0]
    for code, total in ((results.locality_code, results.population), (results.area_code, results.borough_population)):
        rows = pop[(pop["area_code"] == code) & (pop["period"] == period) & (pop["sex"] == "Persons")]
        assert total == pytest.approx(rows["population"].sum())
    assert set(results.place_people["area_code"]) == {results.locality_code}
    assert set(results.borough_people["area_code"]) == {results.area_code}
    assert set(results.ages) == {results.locality_code, results.area_code}


def test_deprivation_of_the_locality_beside_the_borough(results):
    mine = results.imd[results.imd["locality_code"] == results.locality_code]
    assert results.deciles["locality_lsoas"].sum() == len(mine) == len(results.lsoa_deprivation)
    assert results.deciles["borough_lsoas"].sum() == len(results.imd)
    assert results.decile_count_columns == ["locality_population", "borough_population"]


def test_the_locality_on_its_map(results):
    assert len(results.wards) == 5
    inside = results.map_areas[results.map_areas["in_locality"]]
    assert sorted(inside["area_code"]) == sorted(results.wards["ward22_code"])
    assert len(results.map_areas) == 20


def test_summary_names_the_locality(results):
    s = results.summary
    assert s["locality_code"] == results.locality_code and s["has_localities"] is True
    assert s["population"] == results.population and s["indicators_compared"] == len(results.indicators) > 0


def test_dashboard_is_the_localitys_monthly_metrics(demo, results):
    full = run_dashboard(demo, area_code=results.area_code, locality=results.locality_code).table
    expected = full[(full["level"] == "locality") & (full["frequency"] == "monthly") & (full["status"] != "no data")]
    assert results.has_dashboard and len(results.dashboard) == len(expected) > 0
    assert results.dashboard["metric"].tolist() == expected["metric"].tolist()


def test_real_hackney_without_localities_is_the_borough(open_data_root):
    store = open_store(open_data_root)
    results = run_locality_profile(store, HACKNEY)
    assert not results.has_localities and results.place == "Hackney" and results.place_code == HACKNEY
    assert results.borough_people is None and results.wards is None
    pd.testing.assert_frame_equal(results.indicators, benchmark_indicators(store, HACKNEY))
    assert results.facts["area_name"] == "Hackney"
    assert len(results.lsoa_deprivation) == len(results.imd) == 144
    assert not results.map_areas["in_locality"].any()
    # the whole borough's dashboard table has no locality-level rows
    assert not results.has_dashboard and results.dashboard.empty
    assert results.summary["has_localities"] is False and results.summary["locality_name"] == ""
