"""The demo's annual indicators (``thanalysis.data.demo.annual``): counts, intervals, gradients and gaps.

Checks compare the demo's tables with each other and with independent calculations (Wilson's formula written
out here, sums done here with pandas), never with numbers copied from a run.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm, spearmanr

from thanalysis.data.demo.common import HOME_CODE
from thanalysis.geography.hierarchy import aggregate
from thanalysis.priorities import load_priorities


# --- indicators -------------------------------------------------------------------------------------------------
def test_indicator_metadata(store, meta):
    ind = store.indicators()
    assert (ind["source"] == "Synthetic demonstration data").all()
    assert ind["licence"].str.len().gt(0).all()
    own = meta["annual_indicator_ids"] + meta["deprivation_indicator_ids"] + meta["monthly_metric_ids"]
    assert set(ind.loc[ind["indicator_id"].isin(own), "frequency"]) == {"annual", "monthly"}
    # the published-style series carry their readers' frequencies (tests/data/demo/test_published.py)
    assert set(ind["indicator_id"]) == set(own + meta["published_indicator_ids"] + meta["trust_series_ids"])


def test_at_least_twelve_annual_indicators_over_ten_years(store, values, meta):
    annual = meta["annual_indicator_ids"]
    assert len(annual) >= 12
    v = values[values["indicator_id"].isin(annual)]
    periods = v.groupby("indicator_id")["period"].nunique()
    assert (periods == 10).all() and set(periods.index) == set(annual)
    # Values for the borough, its neighbours, the region and the country, for every annual indicator.
    need = {HOME_CODE, *(f"X0900000{i}" for i in range(2, 9)), "X12000001", "X92000001"}
    for ind_id in annual:
        assert need <= set(v.loc[v["indicator_id"] == ind_id, "area_code"]), ind_id


def test_annual_indicators_cover_the_five_calls_to_action(meta):
    calls = {p.id for p in load_priorities().priorities if p.kind == "call_to_action"}
    assert len(calls) == 5
    assert calls <= set(meta["priorities"].values())


def test_counts_denominators_and_wilson_intervals(store, values, meta):
    ind = store.indicators().set_index("indicator_id")
    # the demo's own indicators (the published-style series have counts only where their sources do)
    values = values[values["indicator_id"].isin(meta["annual_indicator_ids"] + meta["monthly_metric_ids"])]
    vt = values["indicator_id"].map(ind["value_type"])
    needs = vt.isin(["proportion", "crude_rate", "dsr"])
    assert values.loc[needs, ["count", "denominator"]].notna().all().all()
    prop = values[vt == "proportion"]
    mult = prop["indicator_id"].map(ind["multiplier"])
    np.testing.assert_allclose(prop["value"], prop["count"] / prop["denominator"] * mult, rtol=1e-6, atol=1e-6)
    # Wilson score interval written out independently (Newcombe 1998, method 3).
    x, n, z = prop["count"].to_numpy(), prop["denominator"].to_numpy(), norm.ppf(0.975)
    spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    lower = (2 * x + z * z - spread) / (2 * (n + z * z)) * mult
    np.testing.assert_allclose(prop["lower_ci_95"], lower, rtol=1e-6, atol=1e-6)
    has_ci = values["lower_ci_95"].notna()
    assert (values.loc[has_ci, "lower_ci_95"] <= values.loc[has_ci, "value"] + 1e-6).all()
    assert (values.loc[has_ci, "upper_ci_99_8"] >= values.loc[has_ci, "upper_ci_95"] - 1e-6).all()


def test_borough_counts_are_the_sum_of_its_wards(store, values):
    v = values[(values["indicator_id"] == "employment_rate") & (values["category"] == "")]
    wards = v[v["area_type"] == "ward22"]
    summed = aggregate(wards, store.lookups(), "ward22", "la", ["count", "denominator"], by=["period"])
    borough = v[v["area_code"] == HOME_CODE].set_index("period")[["count", "denominator"]]
    np.testing.assert_allclose(summed.set_index("period")[["count", "denominator"]].loc[borough.index], borough)


def test_ethnic_breakdowns(values, meta):
    eth = values[values["category_type"] == "Ethnic group"]
    assert len(meta["ethnic_breakdowns"]) >= 3
    assert set(eth["indicator_id"]) == set(meta["ethnic_breakdowns"])
    assert set(eth["category"]) == {"Asian", "Black", "Mixed", "Other", "White"}
    assert {HOME_CODE, "XL000001", "X92000001"} <= set(eth["area_code"])


def _imd(values, area_type):
    v = values[(values["indicator_id"] == "imd_score") & (values["area_type"] == area_type)]
    return v.set_index("area_code")["value"]


@pytest.mark.parametrize("indicator, area_type, sign", [
    ("no_qualifications", "lsoa21", 1), ("overcrowding", "lsoa21", 1), ("fuel_poverty_lilee", "lsoa21", 1),
    ("employment_rate", "ward22", -1), ("child_obesity_y6", "ward22", 1), ("school_readiness", "ward22", -1),
    ("emergency_admissions_dsr", "ward22", 1), ("life_expectancy_at_birth", "ward22", -1),
])
def test_deprivation_gradient(values, indicator, area_type, sign):
    v = values[(values["indicator_id"] == indicator) & (values["area_type"] == area_type)
               & (values["category"] == "") & (values["sex"].isin(["Persons", "Female"]))]
    latest = v[v["period"] == v["period"].max()].set_index("area_code")["value"]
    rho = spearmanr(_imd(values, area_type).loc[latest.index], latest).statistic
    assert sign * rho > 0.3, rho


def test_deprivation_deciles(values):
    lsoa = values[values["area_type"] == "lsoa21"]
    local = lsoa[lsoa["indicator_id"] == "imd_decile_local"].set_index("area_code")["value"]
    national = lsoa[lsoa["indicator_id"] == "imd_decile_national"].set_index("area_code")["value"]
    score = _imd(values, "lsoa21")
    assert set(local) == set(range(1, 11))
    assert national.between(1, 10).all()
    # Decile 1 is the most deprived: the score falls as the decile rises.
    assert spearmanr(score.loc[local.index], local).statistic < -0.95
    assert spearmanr(score.loc[national.index], national).statistic < -0.9


@pytest.mark.parametrize("indicator", ["school_readiness", "child_obesity_y6"])
def test_deprivation_gap_narrows(values, indicator):
    """The slope of the indicator on ward deprivation is flatter in the last three years than the first three."""
    v = values[(values["indicator_id"] == indicator) & (values["area_type"] == "ward22") & (values["category"] == "")]
    year = v["period"].str[:4].astype(int)
    imd = _imd(values, "ward22")
    slopes = []
    for years in (year.min() + np.arange(3), year.max() - np.arange(3)):
        g = v[year.isin(years)].groupby("area_code")[["count", "denominator"]].sum()
        rate = g["count"] / g["denominator"]
        slopes.append(np.polyfit(imd.loc[rate.index], rate, 1)[0])
    assert abs(slopes[1]) < 0.8 * abs(slopes[0]), slopes
