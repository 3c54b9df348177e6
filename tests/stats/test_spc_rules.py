"""SPC behaviour beyond the peer vectors: option checks, phases, baselines, groups, and whether the
rules find planted signals and stay quiet on noise."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from thanalysis.errors import DataError, StatsInputError
from thanalysis.stats.spc import (
    LIMIT_MULTIPLIER,
    MOVING_RANGE_SCREEN_MULTIPLIER,
    RESULT_COLUMNS,
    SpcWarning,
    spc,
    spc_summary,
)


def monthly(values, start="2021-04-01", **extra):
    values = np.asarray(values, dtype=float)
    frame = pd.DataFrame({"date": pd.date_range(start, periods=len(values), freq="MS"), "value": values})
    for key, val in extra.items():
        frame[key] = val
    return frame


def limits_by_hand(y, screen=True):
    y = np.asarray(y, dtype=float)
    mr = np.abs(np.diff(y))
    amr = mr.mean()
    if screen:
        amr = mr[mr <= MOVING_RANGE_SCREEN_MULTIPLIER * amr].mean()
    m = y.mean()
    return m, m - LIMIT_MULTIPLIER * amr, m + LIMIT_MULTIPLIER * amr


@pytest.fixture
def noise():
    return np.random.default_rng(20240502).normal(100, 5, 48)


# --- validation: one place, messages name the column ---------------------------------------------


def test_missing_date_column_named():
    with pytest.raises(StatsInputError, match="date column 'month'"):
        spc(monthly(range(20)), date="month")


def test_missing_value_column_named():
    with pytest.raises(StatsInputError, match="value column 'rate'"):
        spc(monthly(range(20)), value="rate")


def test_non_numeric_values_named():
    data = monthly(range(20))
    data["value"] = data["value"].astype(object)
    data.loc[3, "value"] = "n/a"
    with pytest.raises(DataError) as err:
        spc(data)
    assert err.value.column == "value" and err.value.rows == [4] and "'n/a'" in str(err.value)


def test_bad_dates_named():
    data = monthly(range(20))
    data["date"] = data["date"].astype(str)
    data.loc[5, "date"] = "sometime"
    with pytest.raises(DataError) as err:
        spc(data)
    assert err.value.column == "date" and err.value.rows == [6]


def test_duplicate_dates_in_a_group_named():
    data = pd.concat([monthly(range(15), area="A"), monthly(range(15), area="B")], ignore_index=True)
    data.loc[16, "date"] = data.loc[15, "date"]
    with pytest.raises(DataError, match="same date appears more than once within a area group") as err:
        spc(data, group_by="area")
    assert err.value.column == "date" and err.value.rows == [16, 17]


def test_duplicate_dates_fine_across_groups():
    data = pd.concat([monthly(range(15), area="A"), monthly(range(15), area="B")], ignore_index=True)
    assert len(spc(data, group_by="area")) == 30


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"improvement_direction": "up"}, "improvement_direction"),
        ({"run_length": 8}, "run_length must be 6 or 7"),
        ({"trend_length": 5}, "trend_length must be 6 or 7"),
        ({"fix_after_n_points": 1}, "fix_after_n_points must be at least 2"),
        ({"fix_after_n_points": 12.5}, "fix_after_n_points must be a whole number"),
        ({"target": "goal"}, "target column 'goal'"),
        ({"target": True}, "target must be a number or a column name"),
        ({"trajectory": "plan"}, "trajectory must name a column"),
        ({"rebase": ["not a date"]}, "rebase must be dates"),
        ({"screen_outliers": "yes"}, "screen_outliers must be True or False"),
        ({"group_by": "ward"}, "group_by column 'ward'"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(StatsInputError, match=message):
        spc(monthly(range(20)), **kwargs)


def test_not_a_dataframe():
    with pytest.raises(StatsInputError, match="DataFrame"):
        spc([1, 2, 3])


def test_few_points_warn_and_flag():
    with pytest.warns(SpcWarning, match="fewer than 12 points"):
        result = spc(monthly([3, 4, 5, 4, 3, 5, 4, 3, 4, 5]))
    assert result["too_few_points"].all()
    assert spc_summary(result)["too_few_points"].item()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not spc(monthly(np.arange(12) % 3))["too_few_points"].any()


def test_missing_values_left_out_with_warning(noise):
    data = monthly(noise)
    data.loc[[5, 9], "value"] = np.nan
    with pytest.warns(SpcWarning, match="2 row"):
        result = spc(data)
    assert len(result) == 46
    m, lo, hi = limits_by_hand(np.delete(noise, [5, 9]))
    assert result["mean"].iloc[0] == pytest.approx(m, rel=1e-12)
    assert result["upl"].iloc[0] == pytest.approx(hi, rel=1e-12)


def test_result_columns_in_order(noise):
    result = spc(monthly(noise))
    assert list(result.columns) == ["date", "value", *RESULT_COLUMNS]


def test_order_of_rows_does_not_matter(noise):
    data = monthly(noise)
    shuffled = data.sample(frac=1, random_state=1)
    pd.testing.assert_frame_equal(spc(data), spc(shuffled))


# --- limits: phases, baselines, groups -------------------------------------------------------------


def test_rebase_limits_per_phase(noise):
    y = noise.copy()
    y[24:] += 30
    data = monthly(y)
    result = spc(data, rebase=[data["date"][24]])
    assert result["rebase_group"].tolist() == [0] * 24 + [1] * 24
    for phase, part in ((0, y[:24]), (1, y[24:])):
        m, lo, hi = limits_by_hand(part)
        rows = result[result["rebase_group"] == phase]
        assert rows["mean"].iloc[0] == pytest.approx(m, rel=1e-12)
        assert rows["lpl"].iloc[0] == pytest.approx(lo, rel=1e-12)
        assert rows["upl"].iloc[0] == pytest.approx(hi, rel=1e-12)
    # the moving range across the rebase is not used
    assert np.isnan(result["moving_range"].iloc[24])
    summary = spc_summary(result)
    assert summary["rebase_group"].tolist() == [0, 1]
    assert summary["is_latest_phase"].tolist() == [False, True]


def test_rebase_date_between_points_starts_at_next_point(noise):
    result = spc(monthly(noise), rebase=["2022-06-15"])  # points fall on the 1st
    assert result.loc[result["rebase_group"] == 1, "date"].min() == pd.Timestamp("2022-07-01")


def test_rebase_before_data_is_one_phase(noise):
    assert spc(monthly(noise), rebase=["2000-01-01"])["rebase_group"].eq(0).all()


def test_rebase_by_group(noise):
    data = pd.concat([monthly(noise, area="A"), monthly(noise, area="B")], ignore_index=True)
    result = spc(data, group_by="area", rebase={"B": ["2022-04-01"]})
    assert result.loc[result["area"] == "A", "rebase_group"].eq(0).all()
    assert result.loc[result["area"] == "B", "rebase_group"].max() == 1
    with pytest.raises(StatsInputError, match="not in the data"):
        spc(data, group_by="area", rebase={"C": ["2022-04-01"]})


def test_rebase_by_two_group_columns(noise):
    frames = [monthly(noise, borough=b, sex=x) for b in ("TH", "Hackney") for x in ("Male", "Female")]
    data = pd.concat(frames, ignore_index=True)
    result = spc(data, group_by=["borough", "sex"], rebase={("TH", "Female"): ["2022-04-01", "2022-04-01"]})
    phases = result.groupby(["borough", "sex"])["rebase_group"].max()
    assert phases.to_dict() == {("Hackney", "Female"): 0, ("Hackney", "Male"): 0, ("TH", "Female"): 1, ("TH", "Male"): 0}
    with pytest.raises(StatsInputError, match="one value for each group_by column"):
        spc(data, group_by=["borough", "sex"], rebase={"TH": ["2022-04-01"]})


def test_fixed_baseline_uses_first_n_points(noise):
    y = noise.copy()
    y[30:] += 12  # a later step change must not move the baseline limits
    result = spc(monthly(y), fix_after_n_points=20)
    m, lo, hi = limits_by_hand(y[:20])
    assert result["mean"].iloc[-1] == pytest.approx(m, rel=1e-12)
    assert result["lpl"].iloc[-1] == pytest.approx(lo, rel=1e-12)
    assert result["upl"].iloc[-1] == pytest.approx(hi, rel=1e-12)
    assert result["fix_value"].iloc[20:].isna().all()
    # and the step is then flagged against the fixed limits
    assert result["point_type"].iloc[30:].eq("special_cause_improvement").mean() > 0.8


def test_fixed_baseline_per_phase(noise):
    data = monthly(noise)
    result = spc(data, fix_after_n_points=12, rebase=[data["date"][24]])
    m, lo, hi = limits_by_hand(noise[24:36])
    assert result["mean"].iloc[-1] == pytest.approx(m, rel=1e-12)


def test_fixed_baseline_below_twelve_warns(noise):
    with pytest.warns(SpcWarning) as record:
        result = spc(monthly(noise), fix_after_n_points=6)
    messages = [str(w.message) for w in record]
    assert any("fix_after_n_points=6" in m for m in messages)
    assert any("fewer than 12 points" in m for m in messages) and result["too_few_points"].all()


def test_groups_are_independent(noise):
    other = noise[::-1] * 2
    data = pd.concat([monthly(noise, area="A"), monthly(other, area="B")], ignore_index=True)
    result = spc(data, group_by="area")
    for area, y in (("A", noise), ("B", other)):
        m, lo, hi = limits_by_hand(y)
        rows = result[result["area"] == area]
        assert rows["upl"].iloc[0] == pytest.approx(hi, rel=1e-12)
    summary = spc_summary(result)
    assert summary["area"].tolist() == ["A", "B"]


def test_target_from_column_and_trajectory(noise):
    data = monthly(noise, goal=np.linspace(80, 85, 48), plan=np.linspace(95, 105, 48))
    result = spc(data, target="goal", trajectory="plan")
    assert result["target"].iloc[-1] == 85 and result["trajectory"].iloc[0] == 95
    assert "goal" not in result.columns
    # the last point's target (85) is below the lower limit: higher is better -> consistently pass
    assert spc_summary(result)["assurance_type"].item() == "consistent_pass"


# --- detection: quiet on noise, finds what was planted ---------------------------------------------


def test_null_series_flags_nothing(noise):
    result = spc(monthly(noise))
    assert not result["special_cause_flag"].any()
    assert spc_summary(result)["variation_type"].item() == "common_cause"


def test_false_alarm_rate_on_many_null_series():
    """300 seeded iid normal series of 48 points: few points flagged, and outside-limit points near
    the 0.27% of a 3-sigma rule (a little above it, as limits are estimated)."""
    rng = np.random.default_rng(7)
    n_series, n = 300, 48
    data = pd.DataFrame({
        "series": np.repeat(np.arange(n_series), n),
        "date": np.tile(pd.date_range("2020-01-01", periods=n, freq="MS"), n_series),
        "value": rng.normal(0, 1, n_series * n),
    })
    result = spc(data, group_by="series")
    assert result["outside_limits"].mean() < 0.01
    assert result["special_cause_flag"].mean() < 0.06


def test_planted_shift_found(noise):
    y = noise.copy()
    y[-9:] = 100 + 7 + np.abs(noise[-9:] - 100) * 0.2  # nine points well above the mean
    result = spc(monthly(y))
    assert result["run"].iloc[-9:].all()
    assert result["point_type"].iloc[-9:].eq("special_cause_improvement").all()
    down = spc(monthly(y), improvement_direction="decrease")
    assert down["point_type"].iloc[-9:].eq("special_cause_concern").all()


def test_planted_trend_found(noise):
    y = noise.copy()
    y[20:27] = 100 + np.arange(7) * 0.5  # seven points each higher than the last, inside the limits
    result = spc(monthly(y))
    assert result["trend"].iloc[20:27].all()
    assert (result["special_cause_rule"].iloc[20:27].isin(["trend", "outside_limits"])).all()


def test_run_length_six_finds_six(noise):
    y = noise.copy()
    y[10:16] = 108
    y[9] = 95
    y[16] = 95
    assert spc(monthly(y), run_length=6)["run"].iloc[10:16].all()
    assert not spc(monthly(y), run_length=7)["run"].iloc[10:16].any()


def test_planted_outlier_found(noise):
    y = noise.copy()
    y[30] = 100 + 6 * 5
    result = spc(monthly(y))
    assert result["outside_limits"].iloc[30]
    assert result["special_cause_rule"].iloc[30] == "outside_limits"
    assert result["special_cause_side"].iloc[30] == "high"
    assert result["special_cause_flag"].sum() == 1


def test_planted_two_in_three_found(noise):
    y = noise.copy()
    m, lo, hi = limits_by_hand(noise)
    near = m + (hi - m) * 0.85  # beyond two sigma, inside the limit
    y[40], y[41], y[42] = near, m + 1, near
    result = spc(monthly(y))
    assert result["close_to_limits"].iloc[40] and result["close_to_limits"].iloc[42]
    assert result["two_in_three"].iloc[[40, 42]].all() and not result["two_in_three"].iloc[41]


def test_summary_needs_spc_table():
    with pytest.raises(StatsInputError, match="spc_summary"):
        spc_summary(pd.DataFrame({"x": [1]}))
