"""Ethnic groups as demographic context (``thanalysis.analyses.inequalities_ethnic``), measure roles, the largest gaps
kept to outcomes, and the IDACI/IDAOPI deprivation measures.

Unit tests use hand-made frames and the demo (which has no Census TS021: the report says what it lacks); the real
tests build Tower Hamlets' and Hackney's wards from LSOAs and compare them with ONS's published ward table."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.analyses.inequality_fixtures import store, wilson  # noqa: F401 (fixtures)
from thanalysis.analyses import inequalities as ineq
from thanalysis.analyses import inequalities_ethnic as eth
from thanalysis.analyses.borough_areas import ROLES, measure_role, suitable_indicators
from thanalysis.analyses.deprivation import check_measure, deprivation_groups
from thanalysis.data.published import census
from thanalysis.errors import ConfigError, DataError


# --- hand-made frames -----------------------------------------------------------------------------------------
def _counts(rows):
    return pd.DataFrame([{"area_code": a, "period": "2021", "category_type": "ethnic_group_broad", "category": "X",
                          "count": c, "denominator": d} for a, c, d in rows])


def _lookups():
    pairs = [("L1", "W1"), ("L2", "W1"), ("L3", "W2")]
    return pd.DataFrame([{"child_code": c, "child_type": "lsoa21", "parent_code": p, "parent_type": "ward22",
                          "weight": 1.0} for c, p in pairs])


def test_ward_total_check_measures_wards_and_the_borough():
    lsoa = _counts([("L1", 10, 1000), ("L2", 10, 1000), ("L3", 10, 1500)])
    # Published: W1 has 2,400 residents (best fit gives it 2,000: -16.7%), W2 1,500 -> 1,500.
    ward = _counts([("W1", 20, 2400), ("W2", 10, 1500)])
    c = eth.ward_total_check(lsoa, ward, _lookups(), "B").set_index("area_code")
    assert c.loc["W1", "from_lsoas"] == 2000 and c.loc["W1", "relative_difference"] == pytest.approx(-400 / 2400)
    assert c.loc["W1", "within_tolerance"] and c.loc["W2", "difference"] == 0
    # Borough: published 3,900 against 3,500 built: far beyond ONS's perturbation.
    assert (c.loc["B", "published"], c.loc["B", "from_lsoas"]) == (3900, 3500) and not c.loc["B", "within_tolerance"]
    ward_far = _counts([("W1", 20, 3000), ("W2", 10, 1500)])  # best fit a third short of the published ward
    assert not eth.ward_total_check(lsoa, ward_far, _lookups(), "B").set_index("area_code").loc["W1",
                                                                                               "within_tolerance"]
    assert eth.ward_total_check(lsoa, ward.iloc[:0], _lookups(), "B").empty


def test_an_lsoa_without_a_ward_fails_the_borough_check():
    lsoa = _counts([("L1", 10, 1000), ("L2", 10, 1000), ("L3", 10, 1500), ("L4", 1, 100)])  # L4 in no ward
    ward = _counts([("W1", 20, 2000), ("W2", 10, 1500)])  # the published wards agree with the best-fit ones
    c = eth.ward_total_check(lsoa, ward, _lookups(), "B").set_index("area_code")
    assert c.loc["B", "from_lsoas"] == c.loc["B", "published"] == 3500 and not c.loc["B", "within_tolerance"]


def test_roles_put_age_and_ethnic_shares_in_context():
    assert measure_role("census21_aged_65_plus") == measure_role("census21_ethnic_group") == "context"
    assert measure_role("census21_bad_health") == "outcome" and measure_role("census21_overcrowded") == "housing"
    assert measure_role("smoking_prevalence") == "outcome"  # not listed: an outcome
    assert set(ROLES.values()) <= {"outcome", "housing", "determinant", "context"}


def test_deprivation_measure_is_checked_with_a_config_error():
    check_measure("idaci")
    check_measure("idaopi")
    with pytest.raises(ConfigError, match="Unknown deprivation_measure 'idacci'") as err:
        check_measure("idacci")
    assert "idaopi (Income Deprivation Affecting Older People" in str(err.value)


# --- the demo: no TS021, no IDACI ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results(store):  # noqa: F811 (the demo store fixture)
    return ineq.run_inequalities(store, repetitions=2000)


def test_demo_has_no_ethnic_make_up_and_says_so(results):
    assert results.ethnic_groups.empty and results.ethnic_groups.mapped == []
    assert results.summary()["ethnic_groups"] == {"ward_figures": "", "borough_shares": {}}
    assert any("no Census 2021 figures by neighbourhood for: census21_bad_health" in n for n in results.notes)


def test_largest_gaps_never_list_context(results):
    top = results.largest["indicator_id"].iloc[0]
    results.indicators.loc[results.indicators["indicator_id"] == top, "role"] = "context"
    try:
        assert top not in set(ineq.largest_gaps(results)["indicator_id"]) and top in results.context_ids
        assert top not in results.outcome_ids
        assert [i for _, ids in results.outcome_groups for i in ids] == results.outcome_ids
    finally:
        results.indicators.loc[results.indicators["indicator_id"] == top, "role"] = "outcome"


def test_idaci_on_the_demo_is_a_data_error(store):  # noqa: F811
    with pytest.raises(DataError, match="no Income Deprivation Affecting Children Index"):
        ineq.run_inequalities(store, measure="idaci", repetitions=1000)


# --- the real mirror ------------------------------------------------------------------------------------------
@pytest.mark.real
@pytest.mark.parametrize("area_code, n_wards, localities", [("E09000030", 20, 4), ("E09000012", 21, 0)])
def test_real_lsoa_built_wards_against_the_published_ward_table(real, area_code, n_wards, localities):
    groups = deprivation_groups(real, area_code)
    e = eth.ethnic_groups(real, area_code, groups, repetitions=1000)
    assert e.ward_source == eth.PUBLISHED
    c = e.ward_check
    wards, borough = c[c.area_type == "ward22"], c[c.area_type == "la"].iloc[0]
    assert len(wards) == n_wards and c["within_tolerance"].all()
    # Borough: the best-fit wards hold every LSOA of the borough exactly once...
    lsoas = set(groups["area_code"])
    v = real.values([eth.ETHNIC_ID])
    lsoa_total = v[(v.area_type == "lsoa21") & v.area_code.isin(lsoas)].drop_duplicates("area_code")["denominator"]
    assert borough["from_lsoas"] == lsoa_total.sum()
    # ... and differ from the published wards by ONS's perturbation only (Tower Hamlets 28, Hackney 35 people).
    assert abs(borough["difference"]) <= census.BOROUGH_TOLERANCE * borough["published"]
    # Wards: counts differ (best fit moves whole LSOAs) within the measured tolerance, and more than shares do.
    assert wards["relative_difference"].abs().max() <= eth.WARD_TOTAL_TOLERANCE
    assert wards["relative_difference"].abs().max() > 0.1
    found = census.check_ward_totals(real.root)
    shares = found.wards[found.wards["ward22"].isin(set(wards["area_code"]))]
    assert shares["share_difference_pp"].abs().max() <= census.WARD_SHARE_TOLERANCE_PP
    # The ward table is the published one; localities (Tower Hamlets) are sums of whole published wards.
    published = v[(v.area_type == "ward22") & v.area_code.isin(set(wards["area_code"]))]
    got = e.by_ward[e.by_ward.area_type == "ward22"].merge(published, on=["area_code", "category"])
    assert len(got) == 24 * n_wards and (got["count_x"] == got["count_y"]).all()
    if localities:  # and the borough row
        assert e.by_locality["area_code"].nunique() == localities + 1
    else:
        assert e.by_locality.empty
    lo, hi = wilson(got["count_x"].iloc[0], got["denominator_x"].iloc[0])
    assert got["lower_ci_95_x"].iloc[0] == pytest.approx(100 * lo)


@pytest.mark.real
def test_real_census_measures_are_offered_and_idaci_groups_neighbourhoods(real):
    ids = suitable_indicators(real, "E09000030")
    assert {"census21_bad_health", "census21_disabled", "census21_overcrowded",
            "census21_mean_household_size"} <= set(ids)
    assert ids.index("census21_bad_health") < ids.index("census21_aged_65_plus")  # outcomes first, context last
    imd = deprivation_groups(real, "E09000030", "imd2019")
    idaci = deprivation_groups(real, "E09000030", "idaci")
    idaopi = deprivation_groups(real, "E09000030", "idaopi")
    assert len(idaci) == len(imd) == len(idaopi) == 169
    assert "IDACI" in idaci.attrs["method"] and not idaci["more_deprived_is_higher"].any()  # ranks: 1 most deprived
    by_imd = imd.set_index("area_code")["decile"]
    assert (idaci.set_index("area_code")["decile"] != by_imd.reindex(idaci["area_code"])).any()
