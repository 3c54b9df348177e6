"""Tests for thanalysis.analyses.cross_borough: run_cross_borough and the numbers its results object gives."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.analyses.cross_borough_expected import NEWHAM, TH, demo_results, real_results  # noqa: F401
from thanalysis.analyses.cross_borough import run_cross_borough
from thanalysis.analyses.cross_borough_areas import ROLE_COMPARATOR
from thanalysis.errors import DataError
from thanalysis.geography.places import area_name


def test_demo_defaults_to_the_home_borough_and_its_system(demo, demo_results):
    r = demo_results
    assert r.area_code == demo.home_area_code
    assert r.area_name == area_name(demo, demo.home_area_code)
    assert r.comparators.codes[0] == r.area_code and len(r.comparators.codes) == 8
    assert (r.benchmarks.region_code, r.benchmarks.country_code) == ("X12000001", "X92000001")
    assert set(r.table["area_code"]) == set(r.comparators.codes) | {"X12000001", "X92000001"}


def test_summary_record_counts_the_comparisons(demo_results):
    r = demo_results
    record = r.summary_record(["One.", "Two."])
    region = r.comparisons[r.comparisons["benchmark"] == "Region"]
    country = r.comparisons[r.comparisons["benchmark"] == "Country"]
    assert record["indicators"] == len(region) > 0
    assert record["worse_than_region"] == (region["comparison_95"] == "Worse").sum()
    assert record["better_than_region"] == (region["comparison_95"] == "Better").sum()
    assert record["worse_than_country"] == (country["comparison_95"] == "Worse").sum()
    assert record["better_than_country"] == (country["comparison_95"] == "Better").sum()
    assert record["comparators"] == r.comparators.codes and record["comparator_group"] == r.comparators.name
    own = r.registered[r.registered["area_code"] == r.area_code].iloc[0]
    assert record["registered"] == own["registered"] and record["residents"] == own["residents"]
    summary = r.shares.summary.set_index("area_code")
    assert record["share_served_elsewhere"] == summary.loc[r.area_code, "share_served_elsewhere"]
    assert 0 < record["share_served_elsewhere"] < 1
    assert record["summary"] == ["One.", "Two."]
    assert record["series"] == len(r.series) and 0 <= record["series_out_of_date"] <= record["series"]
    assert record["oldest_period_end"] <= record["newest_period_end"]


def test_the_checks_the_page_makes_hold(demo_results, real_results):
    for r in (demo_results, real_results):
        assert r.values_match_counts is True
        assert r.pcns_add_up is True
        assert r.flows_add_up is True
    assert demo_results.shares.matrix.iloc[-1]["Total"] == pytest.approx(demo_results.flows["count"].sum())
    assert real_results.flows is None and real_results.shares is None
    assert real_results.share_served_elsewhere is None


def test_trend_values_hold_the_comparators_for_their_range(demo_results):
    assert ROLE_COMPARATOR in set(demo_results.trend_values["role"])
    assert demo_results.trend_values["period_end"].notna().all()


def test_shown_tables_are_columns_of_the_saved_ones(real_results):
    r = real_results
    assert list(r.shown_comparisons.columns) == ["benchmark_name", "indicator", "period", "value", "lower_ci_95",
                                                 "upper_ci_95", "benchmark_value", "comparison_95",
                                                 "comparison_99_8"]
    assert len(r.shown_comparisons) == len(r.comparisons)
    assert r.shown_registered["area_name"].iloc[0] == "Tower Hamlets"
    assert r.registered_row["area_code"] == TH


def test_another_borough_and_group(real):
    r = run_cross_borough(real, NEWHAM, "INEL", ["93759"])
    assert r.area_name == "Newham"
    assert set(r.comparators.codes) == {"E09000001", "E09000012", NEWHAM, TH}
    assert set(r.table["indicator_id"]) == {"93759"}
    assert set(r.comparisons["area_name"]) == {"Newham"}


def test_an_unknown_borough_is_a_data_error(real):
    with pytest.raises(DataError, match="not a local authority"):
        run_cross_borough(real, "E09999999")


def test_a_flows_csv_is_used_when_given(real, tmp_path):
    path = tmp_path / "flows.csv"
    pd.DataFrame({"origin_code": [TH, TH, NEWHAM], "origin_type": "la", "destination_code": [TH, NEWHAM, NEWHAM],
                  "destination_type": "la", "period": "2023", "count": [90.0, 10.0, 50.0]}).to_csv(path, index=False)
    r = run_cross_borough(real, TH, "NEL", ["93759"], flows_csv=str(path))
    assert r.flows["count"].sum() == 150
    assert r.share_served_elsewhere == pytest.approx(0.1)
    assert set(r.flows["origin_name"]) == {"Tower Hamlets", "Newham"}
