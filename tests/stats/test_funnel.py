"""Funnel limits, significance and points against every funnel file of PHEindicatormethods and the
sheets of PHStatsMethods/testdata_funnels.xlsx (the same cases, written by the Python port)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chi2, norm

from thanalysis.errors import StatsInputError
from thanalysis.stats.funnel import funnel_axis, funnel_limits, funnel_points, funnel_significance

from .vectors import FUNNEL_POISSON_RTOL, FUNNEL_PROPORTION_RTOL, PHE, PHS, assert_close, csv, sheet

pytestmark = pytest.mark.vectors

SOURCES = ("PHE", "PHS")

#: file (PHEindicatormethods csv) and sheet (PHStatsMethods xlsx) for each table
TABLES = {
    "prop_inputs": ("testdata_funnel_prop_inputs.csv", "prop_inputs"),
    "prop_outputs": ("testdata_funnel_prop_outputs.csv", "prop_outputs"),
    "prop_outputs_axis": ("testdata_funnel_prop_outputs_with_axis_variation.csv", "prop_outputs_axis_var"),
    "ratio_inputs": ("testdata_funnel_ratio_inputs.csv", "ratio_inputs"),
    "ratio_outputs": ("testdata_funnel_ratio_outputs.csv", "ratio_outputs"),
    "rate_inputs": ("testdata_funnel_rate_input_funnels.csv", "rate_inputs"),
    "rate_sig_inputs": ("testdata_funnel_rate_dsr_inputs.csv", "rate_dsr_inputs"),
    "rate_outputs": ("testdata_funnel_rate_outputs.csv", "rate_outputs"),
    "rate_outputs_2": ("testdata_funnel_rate_outputs_2.csv", "rate_outputs_2"),
    "rate_outputs_3": ("testdata_funnel_rate_outputs_3.csv", "rate_outputs_3"),
}


def table(root, source: str, name: str) -> pd.DataFrame:
    file, sheet_name = TABLES[name]
    data = csv(root, PHE, file) if source == "PHE" else sheet(root, PHS, "testdata_funnels.xlsx", sheet_name)
    # The ratio outputs' first header has a stray line break; PHStatsMethods renames a few columns.
    data.columns = [str(c).strip() for c in data.columns]
    return data.rename(columns={"denom_derived": "denominator_derived", "denom_derived_crude": "denominator_derived_crude",
                                "denom_derived_crude_with_denom": "denominator_derived_crude_with_denom"})


# --- proportions --------------------------------------------------------------------------------

PROPORTION_COLUMNS = ["denominator", "lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit", "baseline"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", ["prop_outputs", "prop_outputs_axis"])
def test_proportion_limits(testvectors_root, source, case):
    inputs = table(testvectors_root, source, "prop_inputs")
    if case == "prop_outputs_axis":
        inputs = inputs[inputs["denominator"] < 31000]
    want = table(testvectors_root, source, case)
    got = funnel_limits(inputs, "numerator", "denominator", statistic="proportion", multiplier=100)
    assert len(got) == len(want) == 100
    for ours, theirs in zip(PROPORTION_COLUMNS, want.columns):
        assert_close(got[ours], want[theirs], rtol=FUNNEL_PROPORTION_RTOL, what=f"{ours} vs {theirs}")


@pytest.mark.parametrize("source", SOURCES)
def test_proportion_significance(testvectors_root, source):
    inputs = table(testvectors_root, source, "prop_inputs")
    got = funnel_significance(inputs[["Area", "numerator", "denominator"]], "numerator", "denominator", statistic="proportion")
    assert (got["significance"] == inputs["significance"]).all()


def test_proportion_limits_by_hand():
    """p0 = 30/100; n = 50: 0.3 ± 1.959964·√(0.21/50), 3-sigma with 3.090232, clipped to [0, 1]."""
    data = pd.DataFrame({"x": [10, 20], "n": [40, 60]})
    got = funnel_limits(data, "x", "n", statistic="proportion", axis=[50, 1])
    se = np.sqrt(0.3 * 0.7 / 50)
    assert_close(got["lower_2s_limit"][0], 0.3 - norm.ppf(0.975) * se, rtol=1e-12)
    assert_close(got["upper_3s_limit"][0], 0.3 + norm.ppf(0.999) * se, rtol=1e-12)
    assert got["lower_3s_limit"][1] == 0 and got["upper_2s_limit"][1] == 1


# --- ratios ---------------------------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("ratio_type", ["count", "isr"])
def test_ratio_limits(testvectors_root, source, ratio_type):
    inputs = table(testvectors_root, source, "ratio_inputs")
    want = table(testvectors_root, source, "ratio_outputs")
    got = funnel_limits(inputs, "obs", "expected", statistic="ratio", ratio_type=ratio_type, multiplier=100,
                        axis=want["Observed_events"])
    for side in ("lower", "upper"):
        for level in ("2s", "3s"):
            assert_close(got[f"{side}_{level}_expected"], want[f"{side}_{level}_exp_events"], rtol=FUNNEL_POISSON_RTOL, what=f"{side} {level} expected")
            assert_close(got[f"{side}_{level}_limit"], want[f"{side}_{level}_{ratio_type}"], rtol=FUNNEL_POISSON_RTOL, what=f"{side} {level} {ratio_type}")
    assert (got["statistic"] == f"ratio ({ratio_type})").all() and (got["method"] == "Poisson").all()


@pytest.mark.xfail(strict=True, reason="UNMATCHED peer case: upstream's default ratio funnel axis ends at 716 events, "
                   "ours at 750 (see docstring); the limits at every upstream axis point do match")
def test_ratio_default_axis_matches_the_file(testvectors_root):
    """UNMATCHED: upstream's ratio axis runs to 716 observed events. Ours is derived the same way as
    for proportions and rates (5% above the largest expected count, rounded up to 2 significant
    figures: 750) and we have not found the rule that gives 716 from the documented method. The
    limits at every one of upstream's axis points do match (test_ratio_limits)."""
    inputs = table(testvectors_root, "PHE", "ratio_inputs")
    want = table(testvectors_root, "PHE", "ratio_outputs")
    got = funnel_limits(inputs, "obs", "expected", statistic="ratio", ratio_type="isr", multiplier=100)
    assert got["observed"].tolist() == want["Observed_events"].astype(float).tolist(), (
        f"default ratio axis ends at {got['observed'].iloc[-1]:.0f}; upstream's ends at {want['Observed_events'].iloc[-1]}"
    )


@pytest.mark.parametrize("source", SOURCES)
def test_ratio_significance(testvectors_root, source):
    inputs = table(testvectors_root, source, "ratio_inputs")
    got = funnel_significance(inputs[["obs", "expected"]], "obs", "expected", statistic="ratio")
    assert (got["significance"] == inputs["significance"]).all()


def test_ratio_limits_by_hand():
    """One event: the lower 95% line is at E = χ²(0.975; 4)/2, the upper at E = χ²(0.025; 2)/2."""
    data = pd.DataFrame({"o": [5], "e": [4.0]})
    got = funnel_limits(data, "o", "e", statistic="ratio", ratio_type="isr", multiplier=100, axis=[1])
    assert_close(got["lower_2s_expected"], chi2.ppf(0.975, 4) / 2, rtol=1e-12)
    assert_close(got["upper_2s_expected"], chi2.ppf(0.025, 2) / 2, rtol=1e-12)
    assert_close(got["lower_2s_limit"], 100 / (chi2.ppf(0.975, 4) / 2), rtol=1e-12)


# --- rates ----------------------------------------------------------------------------------

def rate_case(inputs: pd.DataFrame, case: str):
    """The three upstream rate-funnel cases, built from the 50-row input as upstream builds them."""
    data = inputs[["ev", "rate", "pop"]].copy()
    if case == "rate_outputs":
        return data, dict(rate_type="dsr")
    if case == "rate_outputs_2":
        data.loc[data["ev"] == data["ev"].max(), "ev"] = 5
        return data, dict(rate_type="crude")
    data = data[["ev", "rate"]].copy()
    data["pop"] = 1e5 * data["ev"] / data["rate"]
    top = data["ev"] == data["ev"].max()
    data.loc[top, ["rate", "ev"]] = 0
    data = data[data["pop"] > data["pop"].max() / 2]
    return data, dict(rate_type="crude", denominator="pop")


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", ["rate_outputs", "rate_outputs_2", "rate_outputs_3"])
def test_rate_limits(testvectors_root, source, case):
    data, kwargs = rate_case(table(testvectors_root, source, "rate_inputs"), case)
    want = table(testvectors_root, source, case)
    got = funnel_limits(data, "ev", statistic="rate", rate="rate", multiplier=1e5, years_of_data=3, **kwargs)
    assert_close(got["events"], want["Events"], rtol=0, what="events axis")
    for column in want.columns[1:10]:
        assert_close(got[column], want[column], rtol=FUNNEL_POISSON_RTOL, what=column)
    if source == "PHE":
        assert (got["statistic"] == want["statistic"]).all()
        assert (got["method"] == want["method"]).all()


SIGNIFICANCE_CASES = {
    "dsr_per_100000_with_0": ("rate_dsr", "dsr", 1e5, True),
    "crude_per_100_with_0": ("rate_crude_per_100", "crude", 100, True),
    "crude_per_100000_with_0": ("rate_crude_per_100000", "crude", 1e5, True),
    "dsr_per_100000_without_0": ("rate_dsr", "dsr", 1e5, False),
    "dsr_per_100_without_0": ("rate_dsr", "dsr", 100, False),
    "crude_per_100000_without_0": ("rate_crude_per_100000", "crude", 1e5, False),
    "crude_per_100_without_0": ("rate_crude_per_100", "crude", 100, False),
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", list(SIGNIFICANCE_CASES))
def test_rate_significance(testvectors_root, source, case):
    rate, rate_type, multiplier, with_zero = SIGNIFICANCE_CASES[case]
    inputs = table(testvectors_root, source, "rate_sig_inputs")
    if not with_zero:
        inputs = inputs[inputs["count"] != 0]
    got = funnel_significance(inputs[["count", rate, "pop"]], "count", "pop", statistic="rate", rate=rate,
                              rate_type=rate_type, multiplier=multiplier)
    # PHStatsMethods writes "DSRs" where PHEindicatormethods (and we) write "dsrs".
    assert (got["significance"].str.lower().to_numpy() == inputs[case].str.lower().to_numpy()).all()


POINT_CASES = {
    "dsr-fewer-than-10-events": (dict(rate_type="dsr", years_of_data=3), "rate_chart", "denominator_derived"),
    "crude": (dict(rate_type="crude", years_of_data=3), "rate_chart_crude", "denominator_derived_crude"),
    "crude-zero-events-with-denominator": (dict(rate_type="crude", years_of_data=5, denominator="pop"),
                                           "rate_chart_crude_with_denom", "denominator_derived_crude_with_denom"),
}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("case", list(POINT_CASES))
def test_rate_points(testvectors_root, source, case):
    kwargs, rate_col, den_col = POINT_CASES[case]
    inputs = table(testvectors_root, source, "rate_inputs")
    data = inputs[["ev", "rate", "pop"]].copy()
    top = data["ev"] == data["ev"].max()
    if case == "dsr-fewer-than-10-events":
        data.loc[top, "ev"] = 5
    elif case.startswith("crude-zero"):
        data.loc[top, "ev"] = 0
    got = funnel_points(data, "ev", "rate", multiplier=1e5, **kwargs)
    assert_close(got["rate_chart"], inputs[rate_col], rtol=1e-9, what="rate_chart")
    assert_close(got["denominator_derived"], inputs[den_col], rtol=1e-9, what="denominator_derived")


# --- axis and errors ------------------------------------------------------------------------

def test_axis_reaches_both_ends_with_whole_numbers():
    axis = funnel_axis(1, 110_000)
    assert axis[0] == 1 and axis[-1] == 110_000 and len(axis) == 100
    assert (np.diff(axis) >= 1).all() and (axis == np.round(axis)).all()


@pytest.mark.parametrize(
    "data, kwargs, message",
    [
        (pd.DataFrame({"x": [65, 80, 30], "n": [100, 100, 0]}), dict(statistic="proportion"), "greater than zero"),
        (pd.DataFrame({"x": [65, -80, 30], "n": [100, 100, 200]}), dict(statistic="proportion"), "greater than or equal to zero"),
        (pd.DataFrame({"x": [65, 80, 30], "n": [100, 100, 20]}), dict(statistic="proportion"), "less than or equal to the denominator"),
        (pd.DataFrame({"x": [65], "n": [100]}), dict(statistic="pop"), "statistic should be one of"),
        (pd.DataFrame({"x": [65], "n": [100]}), dict(statistic="ratio", ratio_type="odds"), "ratio_type"),
    ],
    ids=["zero-denominator", "negative-numerator", "numerator-above-denominator", "bad-statistic", "bad-ratio-type"],
)
def test_errors(data, kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        (funnel_limits if "ratio_type" in kwargs else funnel_significance)(data, "x", "n", **kwargs)


def test_rate_funnel_needs_years_and_multiplier():
    data = pd.DataFrame({"ev": [20, 30], "rate": [100.0, 120.0]})
    with pytest.raises(StatsInputError, match="years_of_data"):
        funnel_limits(data, "ev", statistic="rate", rate="rate", rate_type="crude", multiplier=1e5)
    with pytest.raises(StatsInputError, match="multiplier is required"):
        funnel_limits(data, "ev", statistic="rate", rate="rate", rate_type="crude", years_of_data=1)


# --- properties (hypothesis) ----------------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(num=st.lists(st.integers(1, 500), min_size=3, max_size=30), extra=st.integers(1, 1000))
def test_proportion_funnel_narrows_as_the_denominator_grows(num, extra):
    data = pd.DataFrame({"x": num, "n": [v + extra for v in num]})
    got = funnel_limits(data, "x", "n", statistic="proportion")
    for level in ("2s", "3s"):
        width = (got[f"upper_{level}_limit"] - got[f"lower_{level}_limit"]).to_numpy()
        assert (np.diff(width) <= 1e-12).all()
    assert (got["lower_3s_limit"] <= got["lower_2s_limit"] + 1e-12).all()
    assert (got["upper_2s_limit"] <= got["upper_3s_limit"] + 1e-12).all()


@settings(max_examples=40, deadline=None)
@given(start=st.integers(1, 10_000), span=st.integers(1, 1_000_000))
def test_axis_is_strictly_increasing_and_ends_at_stop(start, span):
    axis = funnel_axis(start, start + span)
    assert axis[0] == start and axis[-1] == start + span
    assert (np.diff(axis) >= 1).all() and len(axis) <= 100
