"""Unit tests of thanalysis.analyses.borough_areas on the synthetic demo (and names on the real open data).

Expected values are computed here independently from the demo's raw CSVs, never copied from the module.
"""
from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.analyses.inequality_fixtures import Z95, raw, store, wilson  # noqa: F401 (fixtures)
from thanalysis.analyses import borough_areas as areas
from thanalysis.data.open import open_store
from thanalysis.geography.places import localities_for


# --- values by area --------------------------------------------------------------------------------------
def test_ward_values_from_lsoa_counts_match_independent_sums(store, raw):
    values, lookups = raw
    by = areas.indicator_by_area(store, "overcrowding", store.home_area_code, "ward22")
    assert by.attrs["source_level"] == "lsoa21"
    lsoa = values[(values.indicator_id == "overcrowding") & (values.area_type == "lsoa21") & (values.period == "2023")]
    ward_of = lookups[(lookups.child_type == "lsoa21") & (lookups.parent_type == "ward22")].set_index("child_code")["parent_code"]
    sums = lsoa.assign(ward=lsoa.area_code.map(ward_of)).groupby("ward")[["count", "denominator"]].sum()
    got = by[(by.period == "2023") & (by.area_type == "ward22")].set_index("area_code")
    assert len(got) == 20
    pd.testing.assert_series_equal(got["count"], sums["count"].reindex(got.index), check_names=False)
    for code, row in got.iterrows():
        lo, hi = wilson(sums.at[code, "count"], sums.at[code, "denominator"])
        assert row["value"] == pytest.approx(100 * sums.at[code, "count"] / sums.at[code, "denominator"], rel=1e-12)
        assert row["lower_ci_95"] == pytest.approx(100 * lo, rel=1e-9)
        assert row["upper_ci_95"] == pytest.approx(100 * hi, rel=1e-9)
    borough = by[(by.period == "2023") & (by.area_type == "la")]
    assert borough["count"].iloc[0] == lsoa["count"].sum()


def test_localities_sum_their_wards(store):
    ward = areas.indicator_by_area(store, "employment_rate", store.home_area_code, "ward22")
    loc = areas.indicator_by_area(store, "employment_rate", store.home_area_code, "locality")
    for period in ["2014/15", "2023/24"]:
        w = ward[(ward.period == period) & (ward.area_type == "ward22")]["count"].sum()
        l_ = loc[(loc.period == period) & (loc.area_type == "locality")]["count"].sum()
        assert w == l_ == loc[(loc.period == period) & (loc.area_type == "la")]["count"].iloc[0]


def test_lsoa_geography_falls_back_to_wards_for_ward_indicators(store):
    by = areas.indicator_by_area(store, "school_readiness", store.home_area_code, "lsoa21")
    assert set(by["area_type"]) == {"ward22", "la"}
    assert "published for wards" in by.attrs["note"]


def test_borough_total_check_agrees_on_demo(store):
    check = areas.borough_total_check(store, "no_qualifications", store.home_area_code)
    assert check["agrees"] is True and check["summed_count"] == check["published_count"]


def test_suitable_indicators_are_count_based_small_area_ones(store):
    ids = areas.suitable_indicators(store, store.home_area_code)
    assert "overcrowding" in ids and "school_readiness" in ids
    assert not any(i.startswith("dash_") for i in ids)
    assert "life_expectancy_at_birth" not in ids and "air_quality_pm25" not in ids


def test_values_and_intervals_for_rates_are_poisson_on_summed_counts(store, raw):
    values, lookups = raw
    rates = store.indicators().query("value_type == 'crude_rate'")
    ind = next(i for i in rates["indicator_id"] if i in areas.suitable_indicators(store, store.home_area_code))
    by = areas.indicator_by_area(store, ind, store.home_area_code, "ward22")
    borough = by[by.area_type == "la"].iloc[-1]
    multiplier = float(rates.set_index("indicator_id").at[ind, "multiplier"])
    assert borough["value"] == pytest.approx(borough["count"] / borough["denominator"] * multiplier, rel=1e-12)
    # Byars' approximation above 10 events (the borough always has more), written out here
    o = borough["count"]
    lower = o * (1 - 1 / (9 * o) - Z95 / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * math.sqrt(o + 1))) ** 3
    assert borough["lower_ci_95"] == pytest.approx(lower / borough["denominator"] * multiplier, rel=1e-9)
    assert borough["upper_ci_95"] == pytest.approx(upper / borough["denominator"] * multiplier, rel=1e-9)


# --- areas and names --------------------------------------------------------------------------------------
def test_localities_of_the_demo_are_its_own(store, raw):
    _, lookups = raw
    lk = areas.borough_lookups(store, store.home_area_code)
    got = set(map(tuple, lk.loc[(lk.child_type == "ward22") & (lk.parent_type == "locality"),
                                ["child_code", "parent_code"]].to_numpy()))
    want = set(map(tuple, lookups.loc[(lookups.child_type == "ward22") & (lookups.parent_type == "locality"),
                                      ["child_code", "parent_code"]].to_numpy()))
    assert got == want and len(got) == 20
    assert areas.has_localities(store, store.home_area_code)
    # built once per store, in the store's own cache
    assert areas.borough_lookups(store, store.home_area_code) is lk


def test_names_by_type_and_localities_from_the_demo(store, raw):
    _, lookups = raw
    names = pd.read_csv(store.root / "areas.csv", dtype=str)
    by = areas.indicator_by_area(store, "employment_rate", store.home_area_code, "locality")
    want = names.drop_duplicates(["area_code", "area_type"]).set_index(["area_code", "area_type"])["area_name"]
    for row in by.drop_duplicates("area_code").itertuples():
        assert row.area_name == want[(row.area_code, row.area_type)]


@pytest.fixture(scope="module")
def real_store(open_data_root):
    return open_store(open_data_root)


def test_2021_lsoas_keep_their_2021_names(real_store, open_data_root):
    # E01004219 is "Tower Hamlets 028B" as a 2011 LSOA and "Tower Hamlets 035B" as a 2021 LSOA.
    raw = pd.read_csv(open_data_root / "lookups" / "LSOA2011-to-LSOA-2021-to-Local-Authority-District-2022.csv",
                      encoding="utf-8-sig", dtype=str)
    codes = ["E01004219", "E01004221", "E01032776"]
    frame = pd.DataFrame({"area_code": codes, "area_type": "lsoa21"})
    got = areas.with_names(frame, real_store, "E09000030").set_index("area_code")["area_name"]
    want = raw.drop_duplicates("LSOA21CD").set_index("LSOA21CD")["LSOA21NM"]
    assert got.to_dict() == want[codes].to_dict()
    assert got["E01004219"] == "Tower Hamlets 035B"


def test_localities_from_the_locality_file_and_none_without_one(real_store):
    table = localities_for("E09000030")
    lk = areas.borough_lookups(real_store, "E09000030")
    loc = lk[(lk.child_type == "ward22") & (lk.parent_type == "locality")]
    assert dict(zip(loc.child_code, loc.parent_code)) == dict(zip(table.ward22_code, table.locality_code))
    assert not areas.has_localities(real_store, "E09000012")  # Hackney has no locality file
