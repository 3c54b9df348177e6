"""Life expectancy (Chiang II, Silcocks et al. limits) against the values transcribed from
PHEindicatormethods' tests (LE_golden_df1.csv, LE_golden_widecis.csv), the suppression rules in
testvectors/README.md ('Corrections'), and a plain loop-by-loop life table for other layouts."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from thanalysis.errors import StatsInputError
from thanalysis.stats.life_expectancy import life_expectancy, standard_start_ages

from .vectors import PHE, csv

pytestmark = pytest.mark.vectors

START_AGES = standard_start_ages(90)


def rounded_equal(actual, expected, digits: int = 4) -> bool:
    """Equal after rounding to ``digits`` places (README: LE is compared at 4 dp); missing == missing."""
    a, e = float(actual), float(expected)
    if math.isnan(e):
        return math.isnan(a)
    return round(a, digits) == round(e, digits)


def df1(root) -> pd.DataFrame:
    return csv(root, PHE, "LE_golden_df1.csv")


def run(data: pd.DataFrame, **kwargs) -> pd.DataFrame:
    return life_expectancy(data, "deaths", "pops", "startage", **kwargs)


# ---------------------------------------------------------------------------------------------
# Golden values
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("age", [pytest.param(a, id=f"startage{a:02d}") for a in START_AGES])
def test_golden_df1(testvectors_root, age):
    data = df1(testvectors_root)
    assert list(data["startage"]) == list(START_AGES)
    result = run(data).set_index("startage").loc[age]
    expected = data.set_index("startage").loc[age]
    assert rounded_equal(result["value"], expected["expected_le_at_startage"])
    assert rounded_equal(result["lower_ci_95"], expected["expected_lowercl95"])
    assert rounded_equal(result["upper_ci_95"], expected["expected_uppercl95"])
    assert result["population_used"] == expected["pops_used"]
    assert result["deaths_used"] == expected["dths_used"]
    assert result["value_note"] == ""
    assert result["method"] == "Chiang, using Silcocks et al for confidence limits"


WIDE_CASES = [pytest.param(area, age, id=f"{area.replace(' ', '')}-startage{age:02d}")
              for area in ("Area 1", "Area 2") for age in START_AGES]


@pytest.mark.parametrize("area, age", WIDE_CASES)
def test_golden_wide_cis(testvectors_root, area, age):
    data = csv(testvectors_root, PHE, "LE_golden_widecis.csv")
    assert len(data) == 40
    result = run(data, group_by="area").set_index(["area", "startage"]).loc[(area, age)]
    expected = data.set_index(["area", "startage"]).loc[(area, age)]
    assert rounded_equal(result["value"], expected["expected_value"])
    assert rounded_equal(result["lower_ci_95"], expected["expected_lower95_0cl"])
    assert rounded_equal(result["upper_ci_95"], expected["expected_upper95_0cl"])
    if area == "Area 1":  # 312 deaths against 311 people at 90+
        assert result["value_note"] == "value suppressed: deaths exceed the population in an age band"
    elif math.isnan(expected["expected_value"]):
        assert result["value_note"] == "value suppressed: 95% confidence interval wider than 20 years"
        assert result["upper_ci_95"] - result["lower_ci_95"] > 20
    else:
        assert result["value_note"] == ""


# ---------------------------------------------------------------------------------------------
# Suppression rules (README 'Corrections': five all-NA rules, then wide CIs)
# ---------------------------------------------------------------------------------------------

def _modified(data: pd.DataFrame, age: int, column: str, value) -> pd.DataFrame:
    data = data.copy()
    data.loc[data["startage"] == age, column] = value
    return data


SUPPRESSION_CASES = [
    pytest.param(lambda d: _modified(d, 30, "deaths", -1), "negative deaths in an age band", id="negative-deaths"),
    pytest.param(lambda d: _modified(d, 5, "pops", 0), "an age band has a population of zero or less", id="zero-population"),
    pytest.param(lambda d: _modified(d, 85, "pops", 1935), "deaths exceed the population in an age band", id="deaths-above-population"),
    pytest.param(lambda d: d.assign(pops=np.full(20, 250), deaths=np.full(20, 2)),
                 "total population is 5,000 or less", id="total-population-5000"),
    pytest.param(lambda d: _modified(d, 90, "deaths", 0), "no deaths in the open top age band", id="no-deaths-in-open-band"),
]


@pytest.mark.parametrize("change, reason", SUPPRESSION_CASES)
def test_whole_group_suppression(testvectors_root, change, reason):
    data = change(df1(testvectors_root))
    result = run(data, confidence=[0.95, 0.998])
    for column in ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]:
        assert result[column].isna().all(), column
    assert (result["value_note"] == f"value suppressed: {reason}").all()


def test_population_threshold_is_configurable_and_inclusive(testvectors_root):
    data = df1(testvectors_root)
    total = data["pops"].sum()
    assert run(data, minimum_population=total)["value"].isna().all()
    assert run(data, minimum_population=total - 1)["value"].notna().all()


def test_suppression_only_hits_its_own_group(testvectors_root):
    good = df1(testvectors_root).assign(area="good")
    bad = _modified(df1(testvectors_root), 90, "deaths", 0).assign(area="bad")
    result = run(pd.concat([bad, good]), group_by="area").set_index("area")
    assert result.loc["bad", "value"].isna().all()
    assert result.loc["good", "value"].notna().all()


# ---------------------------------------------------------------------------------------------
# Other layouts (85+), grouping, levels: checked against a plain scalar life table
# ---------------------------------------------------------------------------------------------

def loop_life_table(ages, pops, deaths, z):
    """Chiang II life table with Silcocks' open-band variance, one age band at a time
    (written independently of the vectorised library code, from the published formulas)."""
    k = len(ages)
    e, lower, upper = [], [], []
    for start in range(k):
        l = 1.0
        total_years = 0.0
        var_sum = 0.0
        lx = []
        for i in range(start, k):
            m = deaths[i] / pops[i]
            if i == k - 1:
                lx.append((l, None, None, m))
                total_years += l / m
            else:
                n = ages[i + 1] - ages[i]
                a = 0.1 if ages[i] == 0 and n == 1 else 0.5
                q = n * m / (1 + n * (1 - a) * m)
                lx.append((l, n, a, q))
                total_years += n * (l * (1 - q) + a * l * q)
                l = l * (1 - q)
        ex = total_years / lx[0][0]
        # expectation of life at each later age, needed in the variance
        later = []
        for j in range(len(lx)):
            years = 0.0
            for (lj, n, a, q) in lx[j:]:
                years += lj / q if n is None else n * (lj * (1 - q) + a * lj * q)
            later.append(years / lx[j][0])
        for j, (lj, n, a, q) in enumerate(lx[:-1]):
            d = deaths[start + j]
            var_q = q * q * (1 - q) / d if d > 0 else 0.0
            var_sum += lj**2 * ((1 - a) * n + later[j + 1]) ** 2 * var_q
        lw, _, _, mw = lx[-1]
        var_sum += lw**2 / mw**4 * deaths[k - 1] / pops[k - 1] ** 2
        se = math.sqrt(var_sum) / lx[0][0]
        e.append(ex)
        lower.append(ex - z * se)
        upper.append(ex + z * se)
    return np.array(e), np.array(lower), np.array(upper)


def test_golden_df1_against_loop_table(testvectors_root):
    data = df1(testvectors_root)
    e, lo, hi = loop_life_table(list(data["startage"]), list(data["pops"]), list(data["deaths"]), norm.ppf(0.975))
    result = run(data)
    np.testing.assert_allclose(result["value"], e, rtol=1e-10)
    np.testing.assert_allclose(result["lower_ci_95"], lo, rtol=1e-10)
    np.testing.assert_allclose(result["upper_ci_95"], hi, rtol=1e-10)


def test_top_band_85(testvectors_root):
    data = df1(testvectors_root)
    # Close the table at 85+: the 85-89 and 90+ bands merged.
    open_85 = data[data["startage"] < 85].copy()
    top = data[data["startage"] >= 85][["pops", "deaths"]].sum()
    open_85 = pd.concat([open_85, pd.DataFrame({"startage": [85], "pops": [top["pops"]], "deaths": [top["deaths"]]})])
    result = run(open_85, top_band=85, confidence=[0.95, 0.998])
    assert list(result["startage"]) == list(standard_start_ages(85))
    ages = list(standard_start_ages(85))
    for level, suffix in [(0.95, "95"), (0.998, "99_8")]:
        e, lo, hi = loop_life_table(ages, list(open_85["pops"]), list(open_85["deaths"]), norm.ppf(1 - (1 - level) / 2))
        np.testing.assert_allclose(result["value"], e, rtol=1e-10)
        np.testing.assert_allclose(result[f"lower_ci_{suffix}"], lo, rtol=1e-10)
        np.testing.assert_allclose(result[f"upper_ci_{suffix}"], hi, rtol=1e-10)
    # In the open band life expectancy is 1/M and its standard error P/D^1.5 (Silcocks et al. 2001).
    last = result.iloc[-1]
    P, D = top["pops"], top["deaths"]
    assert np.isclose(last["value"], P / D, rtol=1e-12)
    assert np.isclose(last["upper_ci_95"] - last["value"], norm.ppf(0.975) * P / D**1.5, rtol=1e-10)
    # the 90+ layout is rejected for an 85+ table
    with pytest.raises(StatsInputError, match="start age 90 is missing"):
        run(open_85)


def test_grouped_equals_each_group_alone_in_any_row_order(testvectors_root):
    a = df1(testvectors_root).assign(area="A", sex="Persons")
    b = df1(testvectors_root).assign(area="B", sex="Persons", deaths=lambda d: d["deaths"] * 2)
    mixed = pd.concat([a, b]).sample(frac=1, random_state=7)
    grouped = run(mixed, group_by=["area", "sex"])
    assert list(grouped.columns[:2]) == ["area", "sex"]
    for name, alone in (("A", a), ("B", b)):
        single = run(alone.drop(columns=["area", "sex"]))
        part = grouped[grouped["area"] == name].reset_index(drop=True)
        np.testing.assert_allclose(part["value"], single["value"], rtol=1e-13)
        np.testing.assert_allclose(part["upper_ci_95"], single["upper_ci_95"], rtol=1e-13)


def test_report_ages_and_levels(testvectors_root):
    data = df1(testvectors_root)
    result = run(data, report_ages=[0, 65], confidence=[0.95, 0.998])
    assert list(result["startage"]) == [0, 65]
    ratio = (result["upper_ci_99_8"] - result["lower_ci_99_8"]) / (result["upper_ci_95"] - result["lower_ci_95"])
    np.testing.assert_allclose(ratio, norm.ppf(0.999) / norm.ppf(0.975), rtol=1e-12)
    assert (result["confidence"] == "95%, 99.8%").all()


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------

def test_errors(testvectors_root):
    data = df1(testvectors_root)
    with pytest.raises(StatsInputError, match="start age 45 is missing"):
        run(data[data["startage"] != 45])
    with pytest.raises(StatsInputError, match="start age 0 appears 2 times"):
        run(pd.concat([data, data.iloc[[0]]]))
    with pytest.raises(StatsInputError, match="start age\\(s\\) 95 .* not in the life table's start ages"):
        run(pd.concat([data, data.iloc[[0]].assign(startage=95)]))
    with pytest.raises(StatsInputError, match="'population', 'start_age' not found"):
        life_expectancy(data, "deaths")
    with pytest.raises(StatsInputError, match="top_band must be 85 or 90"):
        run(data, top_band=80)
    with pytest.raises(StatsInputError, match="report_ages 3 are not start ages"):
        run(data, report_ages=[3])
