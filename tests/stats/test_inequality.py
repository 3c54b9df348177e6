"""Slope index of inequality against every block of PHEindicatormethods' testdata_SII.xlsx.

Point values (SII, RII, intercept) must match to R's tolerance; Monte Carlo limits to 5% relative,
simulated with each block's own number of repetitions. The arguments for each block are the ones
the upstream tests use for it (value type, SE or 95% limits, confidence, multiplier, transform).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thanalysis.errors import StatsInputError
from thanalysis.stats._common import confidence_levels, level_suffix
from thanalysis.stats.inequality import InequalityWarning, slope_index_of_inequality

from .vectors import MC_RTOL, R_RTOL, assert_close, sii_blocks

pytestmark = pytest.mark.vectors

SE = {"se": "StandardError"}
CLS = {"lower_ci": "LowerCL", "upper_ci": "UpperCL"}

#: Calculation blocks: block number -> (description, arguments). Confidence levels come from the
#: block's expected columns (_1 first level, _2 second level).
CALCULATION_BLOCKS = {
    1: ("default, SE given", dict(value_type=0, **SE, confidence=0.95, rii=True)),
    2: ("99% confidence, limits given", dict(value_type=0, **CLS, confidence=0.99, rii=True)),
    3: ("10,000 repetitions", dict(value_type=0, **SE, confidence=0.95, rii=True)),
    4: ("quintiles", dict(value_type=0, **SE, confidence=0.95, rii=True)),
    5: ("rate, SE on the log scale", dict(value_type=1, **SE, confidence=0.95, rii=True)),
    6: ("proportion, SE on the logit scale", dict(value_type=2, **SE, confidence=0.95, rii=True)),
    7: ("proportion x 100", dict(value_type=2, **CLS, multiplier=100, confidence=0.95, rii=True)),
    8: ("proportion x -100", dict(value_type=2, **CLS, multiplier=-100, confidence=0.95, rii=True)),
    16: ("two levels, 95 and 99", dict(value_type=0, **SE, confidence=[95, 99], rii=True)),
    17: ("intercept", dict(value_type=0, **CLS, confidence=0.95, rii=True, intercept=True)),
    18: ("rate with intercept", dict(value_type=1, **CLS, confidence=0.95, rii=True, intercept=True)),
    # Upstream runs this block with value_type 1; the expected values are those of the proportion
    # block, so it is run here as a proportion (logit-scale SE from the limits).
    19: ("proportion with intercept", dict(value_type=2, **CLS, confidence=0.95, rii=True, intercept=True)),
    20: ("rate, log transform", dict(value_type=1, **CLS, transform=True, confidence=0.95, rii=True, intercept=True)),
    21: ("proportion, logit transform", dict(value_type=2, **CLS, transform=True, confidence=0.95, rii=True, intercept=True)),
    22: ("proportion, logit transform, multiplier -1", dict(value_type=2, **CLS, transform=True, multiplier=-1, confidence=0.95, rii=True, intercept=True)),
    23: ("rate, log transform, 95 and 98", dict(value_type=1, **CLS, transform=True, confidence=[95, 98], rii=True, intercept=True)),
    24: ("rate, log transform, multiplier -1", dict(value_type=1, **CLS, transform=True, multiplier=-1, confidence=0.95, rii=True, intercept=True)),
    25: ("rate, log transform, 98%", dict(value_type=1, **CLS, transform=True, confidence=0.98, rii=True, intercept=True)),
    26: ("rate, log transform, no RII", dict(value_type=1, **CLS, transform=True, confidence=0.95)),
    27: ("proportion, logit transform, no RII", dict(value_type=2, **CLS, transform=True, confidence=0.95)),
    28: ("proportion, logit transform, 98%", dict(value_type=2, **CLS, transform=True, confidence=0.98, rii=True, intercept=True)),
    29: ("proportion, logit transform, 95 and 98", dict(value_type=2, **CLS, transform=True, confidence=[95, 98], rii=True, intercept=True)),
}

#: Blocks whose spreadsheet has only the point values (the quintile block came from an Excel tool).
POINT_ONLY = {4}


@pytest.fixture(scope="module")
def blocks(testvectors_root):
    return sii_blocks(testvectors_root)


def test_the_file_has_29_blocks(blocks):
    assert len(blocks) == 29


def run(block: pd.DataFrame, **kwargs) -> pd.DataFrame:
    reps = int(block["Repetitions"].iloc[0])
    return slope_index_of_inequality(
        block, "Quantile", "Population", kwargs.pop("value", "Value"), group_by="Area", repetitions=reps, seed=11, **kwargs
    )


def expected_rows(block: pd.DataFrame) -> pd.DataFrame:
    """Expected values sit on the first row of each area's rows."""
    return block[block["sii"].notna()].set_index("Area")


@pytest.mark.parametrize("number", sorted(CALCULATION_BLOCKS), ids=lambda n: f"block{n:02d}-{CALCULATION_BLOCKS[n][0]}")
def test_calculation_block(blocks, number):
    block = blocks[number]
    kwargs = dict(CALCULATION_BLOCKS[number][1])
    levels = confidence_levels(kwargs["confidence"])
    got = run(block, **kwargs).set_index("Area")
    want = expected_rows(block).loc[got.index]

    assert_close(got["sii"], want["sii"], rtol=R_RTOL, what="sii")
    if kwargs.get("rii"):
        assert_close(got["rii"], want["rii"], rtol=R_RTOL, what="rii")
    if kwargs.get("intercept"):
        assert_close(got["intercept"], want["Intercept"], rtol=R_RTOL, what="intercept")
    if number in POINT_ONLY:
        return
    for i, level in enumerate(levels, start=1):
        suffix = level_suffix(level)
        for stat in ["sii", "rii"] if kwargs.get("rii") else ["sii"]:
            for side, theirs in (("lower", "lowercl"), ("upper", "uppercl")):
                assert_close(
                    got[f"{stat}_{side}_ci_{suffix}"], want[f"{stat}_{theirs}_{i}"], rtol=MC_RTOL, what=f"{stat} {side} {level}%"
                )


def test_limits_from_se_match_limits_from_confidence_limits(blocks):
    """Block 1 again with the 95% limits instead of the SE (upstream's 'CLs provided' case)."""
    block = blocks[1]
    got = run(block, value_type=0, **CLS, rii=True).set_index("Area")
    want = expected_rows(block)
    assert_close(got["sii_lower_ci_95"], want["sii_lowercl_1"], rtol=MC_RTOL, what="sii lower")
    assert_close(got["rii_upper_ci_95"], want["rii_uppercl_1"], rtol=MC_RTOL, what="rii upper")


def test_proportion_from_count_and_population(blocks):
    """Block 6 with the count instead of the value (value = count / population)."""
    block = blocks[6]
    got = run(block, value=None, count="Count", value_type="proportion", **CLS, rii=True).set_index("Area")
    want = expected_rows(block)
    # The spreadsheet's values are the rounded count/population, so compare at 1e-5.
    assert_close(got["sii"], want["sii"], rtol=1e-5, what="sii")
    assert_close(got["sii_lower_ci_95"], want["sii_lowercl_1"], rtol=MC_RTOL, what="sii lower")


# --- error blocks -----------------------------------------------------------------------------

def test_block09_negative_population_is_an_error(blocks):
    with pytest.raises(StatsInputError, match="zero or negative population"):
        run(blocks[9], value_type=0, **SE)


def test_block10_negative_se_and_zero_count_are_errors(blocks):
    block = blocks[10]
    with pytest.raises(StatsInputError, match="negative or missing standard errors"):
        run(block.iloc[:5], value_type=0, **SE)
    with pytest.raises(StatsInputError, match="zero or negative count"):
        run(block.iloc[5:], value=None, count="Count", value_type=2, **SE)


def test_block11_proportion_limits_outside_0_1_are_errors(blocks):
    block = blocks[11]
    for part in (block.iloc[:5], block.iloc[5:]):
        with pytest.raises(StatsInputError, match="confidence limit proportions must be between 0 and 1"):
            run(part, value_type=2, **CLS)


def test_block12_missing_value_field(blocks):
    block = blocks[12]
    with pytest.raises(StatsInputError, match="give a value column"):
        run(block, value=None, value_type=0, **SE)
    # With the (empty) value column named, the area has no usable quantile: a warning and no SII.
    with pytest.warns(InequalityWarning, match="incomplete or invalid data"):
        got = run(block, value_type=0, **SE)
    assert got["sii"].isna().all()


def test_block13_missing_se_or_limits_are_errors(blocks):
    block = blocks[13]
    with pytest.raises(StatsInputError, match="negative or missing standard errors"):
        run(block, value_type=0, **SE)
    with pytest.raises(StatsInputError, match="missing lower or upper confidence limits"):
        run(block, value_type=0, **CLS)


def test_block14_missing_population_or_value_warns_and_gives_no_sii(blocks):
    with pytest.warns(InequalityWarning, match="some records have been removed due to incomplete or invalid data"):
        got = run(blocks[14], value_type=0, **CLS)
    assert got["sii"].isna().all()


def test_block14_a_missing_quantile_row_leaves_other_areas_alone(blocks):
    """Upstream's warning case: block 1 with area2's sixth decile removed."""
    block = blocks[1].drop(index=15)
    with pytest.warns(InequalityWarning, match="some records have been removed"):
        got = run(block, value_type=0, **CLS).set_index("Area")
    assert np.isnan(got.loc["area2", "sii"])
    assert_close(got.loc["area1", "sii"], expected_rows(blocks[1]).loc["area1", "sii"], rtol=R_RTOL, what="area1 sii")


def test_block15_more_than_ten_quantiles_warns(blocks):
    with pytest.warns(InequalityWarning, match="large number of quantiles"):
        got = run(blocks[15], value_type=0, **CLS)
    assert np.isfinite(got["sii"]).all()


def test_too_few_quantiles_is_an_error(blocks):
    with pytest.raises(StatsInputError, match="between 5 and 100"):
        run(blocks[1].iloc[:3], value_type=0, **CLS)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(value_type=3, **SE), "value_type should be 0, 1 or 2"),
        (dict(value_type="dsr", **SE), "value_type should be 0, 1 or 2"),
        (dict(value_type=0, **SE, multiplier="none"), "multiplier"),
        (dict(value_type=0, **SE, repetitions=0), "1,000 or greater"),
        (dict(value_type=0, **SE, confidence=0.35), "confidence"),
        (dict(value_type=0, **SE, confidence=135), "confidence"),
        (dict(value_type=0, **CLS, transform=True), "value_type should be 1 .* when transform is true"),
        (dict(value_type=1, **SE, transform=True), "not se, when transform is true"),
        (dict(value_type=0, lower_ci="LowerCL"), "both lower_ci and upper_ci"),
        (dict(value_type=2, **SE), "value proportions must be between 0 and 1"),
    ],
    ids=["type-3", "type-word", "multiplier-text", "repetitions-0", "confidence-0.35", "confidence-135",
         "transform-other", "transform-se", "one-limit", "proportion-out-of-range"],
)
def test_invalid_arguments(blocks, kwargs, message):
    block = blocks[1]
    reps = kwargs.pop("repetitions", 1000)
    with pytest.raises(StatsInputError, match=message):
        slope_index_of_inequality(block, "Quantile", "Population", "Value", group_by="Area", repetitions=reps, **kwargs)


def test_non_numeric_population_is_an_error(blocks):
    with pytest.raises(StatsInputError, match="must be numeric"):
        slope_index_of_inequality(blocks[1], "Quantile", "Grouping1", "Value", se="StandardError", repetitions=1000)


def test_same_seed_same_limits_and_different_seed_close_limits(blocks):
    block = blocks[1]
    a = run(block, value_type=0, **SE, rii=True)
    b = run(block, value_type=0, **SE, rii=True)
    pd.testing.assert_frame_equal(a, b)
    c = slope_index_of_inequality(block, "Quantile", "Population", "Value", group_by="Area", se="StandardError", seed=99)
    assert not np.array_equal(a["sii_lower_ci_95"], c["sii_lower_ci_95"])
    assert_close(c["sii_lower_ci_95"], a["sii_lower_ci_95"], rtol=0.02, what="another seed")


def test_ungrouped_data_gives_one_row(blocks):
    one_area = blocks[1].iloc[:10]
    got = slope_index_of_inequality(one_area, "Quantile", "Population", "Value", se="StandardError", repetitions=10_000)
    assert len(got) == 1
    assert_close(got["sii"], expected_rows(blocks[1])["sii"].iloc[0], rtol=R_RTOL, what="sii")


def test_reliability_statistic_columns(blocks):
    got = run(blocks[1], value_type=0, **CLS, rii=True, reliability_stat=True)
    assert {"sii_mad", "rii_mad"} <= set(got.columns)
    # Ten runs of 100,000 draws: the limits wander by far less than 1% of the SII.
    assert (got["sii_mad"] < 0.01 * got["sii"].abs()).all()


def test_output_columns_and_order(blocks):
    got = run(blocks[23], value_type=1, **CLS, transform=True, confidence=[0.95, 0.998], rii=True, intercept=True)
    assert list(got.columns) == [
        "Area", "sii", "sii_lower_ci_95", "sii_upper_ci_95", "sii_lower_ci_99_8", "sii_upper_ci_99_8",
        "rii", "rii_lower_ci_95", "rii_upper_ci_95", "rii_lower_ci_99_8", "rii_upper_ci_99_8", "intercept",
        "confidence", "statistic", "method",
    ]


def test_simulating_every_quantile_agrees_with_the_direct_draw(blocks, monkeypatch):
    """The linear shortcut (drawing intercept and slope from their bivariate normal) and redrawing
    each quantile then refitting are the same distribution: their limits agree within MC error."""
    import thanalysis.stats.inequality as ineq

    block = blocks[1]
    direct = run(block, value_type=0, **SE, rii=True)

    def full_path(val, se, c, d, scale, vt, transform, probs, reps, rng):
        z = rng.standard_normal((val.shape[0], val.shape[1], reps))
        draws = val[:, :, None] + se[:, :, None] * z
        a = np.einsum("gkr,gk->gr", draws, d)
        b = np.einsum("gkr,gk->gr", draws, c)
        s_sii, s_rii, _ = ineq._statistics(a, b, scale, transform)
        return ineq._percentiles(s_sii, probs), ineq._percentiles(s_rii, probs)

    monkeypatch.setattr(ineq, "_simulate", full_path)
    refit = run(block, value_type=0, **SE, rii=True)
    for column in ["sii_lower_ci_95", "sii_upper_ci_95", "rii_lower_ci_95", "rii_upper_ci_95"]:
        assert_close(refit[column], direct[column], rtol=0.01, what=column)


# --- properties (hypothesis) ----------------------------------------------------------------------------------------
populations = st.lists(st.integers(100, 100_000), min_size=5, max_size=10)


@settings(max_examples=40, deadline=None)
@given(pops=populations, base=st.floats(10, 90), slope=st.floats(-20, 20))
def test_sii_of_an_exact_linear_gradient_is_its_slope(pops, base, slope):
    """Values lying exactly on base + slope × relative rank give SII = slope and intercept = base."""
    pop = np.array(pops, dtype=float)
    share = pop / pop.sum()
    rank = np.cumsum(share) - share / 2
    data = pd.DataFrame({"quantile": np.arange(1, len(pop) + 1), "population": pop, "value": base + slope * rank, "se": 0.5})
    got = slope_index_of_inequality(data, se="se", repetitions=1000, rii=True, intercept=True)
    assert np.isclose(got["sii"][0], slope, rtol=1e-9, atol=1e-9)
    assert np.isclose(got["intercept"][0], base, rtol=1e-9)
    assert np.isclose(got["rii"][0], (base + slope) / base, rtol=1e-9)
    assert got["sii_lower_ci_95"][0] <= got["sii"][0] + 1e-9 <= got["sii_upper_ci_95"][0] + 2e-9


@settings(max_examples=25, deadline=None)
@given(pops=populations, m=st.sampled_from([100, -1, -100, 1000]), seed=st.integers(0, 1000))
def test_multiplier_scales_sii_and_negative_inverts_rii(pops, m, seed):
    rng = np.random.default_rng(seed)
    k = len(pops)
    data = pd.DataFrame({"quantile": np.arange(1, k + 1), "population": pops,
                         "value": rng.uniform(0.1, 0.3, k), "lower": 0.0, "upper": 0.0})
    data["lower"], data["upper"] = data["value"] * 0.9, data["value"] * 1.1
    args = dict(value_type="proportion", lower_ci="lower", upper_ci="upper", repetitions=2000, rii=True, seed=seed)
    one = slope_index_of_inequality(data, **args)
    scaled = slope_index_of_inequality(data, multiplier=m, **args)
    assert np.isclose(scaled["sii"][0], m * one["sii"][0], rtol=1e-12)
    lo, hi = sorted([m * one["sii_lower_ci_95"][0], m * one["sii_upper_ci_95"][0]])
    assert np.isclose(scaled["sii_lower_ci_95"][0], lo) and np.isclose(scaled["sii_upper_ci_95"][0], hi)
    expected_rii = one["rii"][0] if m > 0 else 1 / one["rii"][0]
    assert np.isclose(scaled["rii"][0], expected_rii, rtol=1e-12)
