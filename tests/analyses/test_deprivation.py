"""Unit tests of thanalysis.analyses.deprivation on the synthetic demo and small hand-made frames.

Expected values are computed here independently (plain pandas/numpy from the demo's raw CSVs, textbook
formulas), never copied from the module's own output.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.analyses.inequality_fixtures import Z95, raw, store, wilson  # noqa: F401 (fixtures)
from thanalysis.analyses import deprivation as dep
from thanalysis.errors import ConfigError, DataError


# --- deprivation groups ------------------------------------------------------------------------------------
def test_local_deciles_follow_the_ohid_rule(store, raw):
    values, lookups = raw
    groups = dep.deprivation_groups(store, store.home_area_code, "imd2019", "local")
    in_borough = set(lookups.loc[(lookups.child_type == "lsoa21") & (lookups.parent_code == store.home_area_code),
                                 "child_code"])
    score = values[(values.indicator_id == "imd_score") & (values.area_type == "lsoa21")
                   & values.area_code.isin(in_borough)].set_index("area_code")["value"]
    assert len(groups) == len(score) == len(in_borough)
    # OHID: rank from the most deprived end (highest score = rank 1), decile = 11 - ceil((n + 1 - r) * 10 / n)
    n = len(score)
    r = (-score).rank(method="min")
    expected = 11 - np.ceil((n + 1 - r) * 10 / n)
    got = groups.set_index("area_code")["decile"].astype(int)
    assert (got.reindex(expected.index) == expected.astype(int)).all()
    # decile 1 holds the most deprived: its lowest score is above the highest score of decile 2
    by = groups.groupby("decile")["score"]
    assert by.min()[1] > by.max()[2]
    assert set(groups["quintile"].astype(int)) == {1, 2, 3, 4, 5}
    assert "within the borough" in groups.attrs["method"]


def test_national_deciles_are_the_published_ones(store, raw):
    values, _ = raw
    groups = dep.deprivation_groups(store, store.home_area_code, "imd2019", "national")
    published = values[values.indicator_id == "imd_decile_national"].set_index("area_code")["value"]
    got = groups.set_index("area_code")["decile"].astype(int)
    assert (got == published.reindex(got.index).astype(int)).all()
    assert ((got + 1) // 2 == groups.set_index("area_code")["quintile"].astype(int)).all()


def test_ward_groups_rank_wards_by_population_weighted_score(store):
    wards = dep.deprivation_groups(store, store.home_area_code, level="ward22")
    assert len(wards) == 20 and wards["area_type"].eq("ward22").all()
    assert sorted(wards.groupby("decile").size().tolist()) == [2] * 10


@pytest.mark.parametrize("kwargs, error", [({"measure": "nonsense"}, ConfigError), ({"deciles": "regional"}, DataError),
                                           ({"level": "msoa21"}, DataError)])
def test_bad_deprivation_arguments_raise_errors(store, kwargs, error):
    """An unknown deprivation_measure is a parameter (configuration) error naming the choices."""
    args = {"measure": "imd2019", "deciles": "local", "level": "lsoa21"} | kwargs
    with pytest.raises(error):
        dep.deprivation_groups(store, store.home_area_code, args["measure"], args["deciles"], level=args["level"])


def test_demo_has_no_domains(store):
    with pytest.raises(DataError, match="only deprivation_measure='imd2019'"):
        dep.deprivation_groups(store, store.home_area_code, "income")


# --- gaps and the slope index of inequality on small frames ---------------------------------------------
def test_quantile_gap_uses_newcombe_mover():
    groups = []
    for q, (c, n) in enumerate([(300, 1000), (250, 1000), (200, 1000), (150, 1000), (100, 1000)], start=1):
        lo, hi = wilson(c, n)
        groups.append({"indicator_id": "x", "group_type": "quintile", "period": "2021",
                       "period_start": pd.Timestamp("2021-01-01"), "quantile": q, "count": c, "denominator": n,
                       "value": 100 * c / n, "lower_ci_95": 100 * lo, "upper_ci_95": 100 * hi})
    gaps = dep.quantile_gaps(pd.DataFrame(groups), "lower_is_better")
    row = gaps.iloc[0]
    l1, u1 = wilson(300, 1000)
    l2, u2 = wilson(100, 1000)
    d = 0.3 - 0.1
    assert row["gap"] == pytest.approx(20)
    assert row["gap_lower_ci_95"] == pytest.approx(100 * (d - math.sqrt((0.3 - l1) ** 2 + (u2 - 0.1) ** 2)))
    assert row["gap_upper_ci_95"] == pytest.approx(100 * (d + math.sqrt((u1 - 0.3) ** 2 + (0.1 - l2) ** 2)))
    assert row["ratio"] == pytest.approx(3)
    assert bool(row["worse_in_most_deprived"]) is True and bool(row["gap_significant"])


def _decile_frame(values, pops, period="2021", start="2021-01-01", indicator="x"):
    rows = []
    for q, (v, n) in enumerate(zip(values, pops), start=1):
        c = round(v * n)
        lo, hi = wilson(c, n)
        rows.append({"indicator_id": indicator, "group_type": "decile", "period": period,
                     "period_start": pd.Timestamp(start), "quantile": q, "count": c, "denominator": n,
                     "value": 100 * c / n, "lower_ci_95": 100 * lo, "upper_ci_95": 100 * hi})
    return pd.DataFrame(rows)


def test_sii_is_most_minus_least_deprived_weighted_regression():
    values = [0.40, 0.37, 0.35, 0.30, 0.28, 0.25, 0.22, 0.20, 0.16, 0.15]
    pops = [900, 1000, 1100, 1000, 950, 1050, 1000, 1000, 980, 1020]
    frame = _decile_frame(values, pops)
    sii = dep.sii_by_period(frame, "proportion", 100, repetitions=2000)
    # Independent: population-weighted least squares of the value on the relative rank (midpoints of the
    # cumulative population share), SII = fitted(most deprived end) - fitted(least deprived end).
    share = np.array(pops) / sum(pops)
    rank = np.cumsum(share) - share / 2
    y = frame["count"].to_numpy() / frame["denominator"].to_numpy()
    slope, intercept = np.polyfit(rank, y, 1, w=np.sqrt(share))
    assert sii["sii"].iloc[0] == pytest.approx(-100 * slope, rel=1e-9)
    assert sii["fitted_most_deprived"].iloc[0] == pytest.approx(100 * intercept, rel=1e-9)
    assert sii["rii"].iloc[0] == pytest.approx(intercept / (intercept + slope), rel=1e-9)
    assert sii["sii_lower_ci_95"].iloc[0] < sii["sii"].iloc[0] < sii["sii_upper_ci_95"].iloc[0]
    assert sii["sii"].iloc[0] > 0  # higher in the most deprived


def test_sii_falls_back_when_a_group_has_zero():
    values = [0.05, 0.04, 0.03, 0.03, 0.02, 0.02, 0.01, 0.01, 0.005, 0.0]
    frame = _decile_frame(values, [400] * 10)
    sii = dep.sii_by_period(frame, "proportion", 100, repetitions=2000)
    assert np.isfinite(sii["sii"].iloc[0]) and "normal model" in sii["sii_method"].iloc[0]


def test_sii_latest_period_uses_full_repetitions_earlier_periods_fewer():
    values = [0.40, 0.37, 0.35, 0.30, 0.28, 0.25, 0.22, 0.20, 0.16, 0.15]
    frames = []
    for year in ("2019", "2020", "2021"):
        f = _decile_frame(values, [1000] * 10)
        f["period"], f["period_start"] = year, pd.Timestamp(f"{year}-01-01")
        frames.append(f)
    sii = dep.sii_by_period(pd.concat(frames), "proportion", 100, repetitions=4000, trend_repetitions=1000)
    reps = dict(zip(sii["period"], sii["sii_repetitions"]))
    assert reps == {"2019": 1000, "2020": 1000, "2021": 4000}
    # Same point estimate whatever the repetitions; only the Monte Carlo limits differ.
    assert sii["sii"].nunique() == 1
    same = dep.sii_by_period(pd.concat(frames), "proportion", 100, repetitions=4000, trend_repetitions=None)
    assert set(same["sii_repetitions"]) == {4000}


def test_sii_trend_is_weighted_regression_on_time():
    rows = []
    for k, year in enumerate(range(2014, 2024)):
        s = 20 - 1.0 * k + (0.3 if k % 2 else -0.3)
        rows.append({"indicator_id": "x", "period": str(year), "period_start": pd.Timestamp(f"{year}-01-01"),
                     "sii": s, "sii_lower_ci_95": s - Z95 * 0.5, "sii_upper_ci_95": s + Z95 * 0.5})
    sii = pd.DataFrame(rows)
    trend = dep.sii_trend(sii)
    t = pd.to_datetime(sii["period_start"])
    t = t.dt.year + (t.dt.dayofyear - 1) / 365.25
    slope = np.polyfit(t, sii["sii"], 1)[0]  # equal SEs: weighted = ordinary least squares
    row = trend.iloc[0]
    assert row["sii_change_per_year"] == pytest.approx(slope, rel=1e-9)
    sxx = ((t - t.mean()) ** 2).sum() / 0.5**2
    assert row["change_upper_ci_95"] - row["sii_change_per_year"] == pytest.approx(Z95 / math.sqrt(sxx), rel=1e-6)
    assert row["gap_direction"] == "narrowing"
    widening = dep.sii_trend(sii.assign(sii=-sii["sii"], sii_lower_ci_95=-sii["sii_upper_ci_95"],
                                         sii_upper_ci_95=-sii["sii_lower_ci_95"]))
    assert widening["gap_direction"].iloc[0] == "narrowing"  # moving towards zero from below
    flat = dep.sii_trend(sii.assign(sii=5.0, sii_lower_ci_95=4.0, sii_upper_ci_95=6.0))
    assert flat["gap_direction"].iloc[0] == "no clear change"
