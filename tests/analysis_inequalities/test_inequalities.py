"""Unit tests of thanalysis.analyses.inequalities and its narrative, on the synthetic demo and small hand-made frames.

Expected values are computed here independently (plain pandas/numpy from the demo's raw CSVs, textbook
formulas), never copied from the module's own output.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses import inequalities as ineq
from thanalysis.data.open import open_store
from thanalysis.errors import DataError
from thanalysis.narrative import inequalities as say

Z95 = 1.959963984540054


def wilson(x, n, z=Z95):
    """Wilson score interval, written out from Wilson (1927)."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@pytest.fixture(scope="module")
def store(demo_root):
    return open_store(demo_root)


@pytest.fixture(scope="module")
def results(store):
    # Fewer Monte Carlo draws keep the unit tests quick; the notebook uses the default 100,000.
    return ineq.run_inequalities(store, repetitions=2000)


@pytest.fixture(scope="module")
def raw(demo_root):
    values = pd.read_csv(demo_root / "values.csv", dtype={"area_code": str, "period": str})
    lookups = pd.read_csv(demo_root / "lookups.csv", dtype=str)
    return values, lookups


# --- deprivation groups ------------------------------------------------------------------------------------
def test_local_deciles_follow_the_ohid_rule(store, raw):
    values, lookups = raw
    groups = ineq.deprivation_groups(store, store.home_area_code, "imd2019", "local")
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
    groups = ineq.deprivation_groups(store, store.home_area_code, "imd2019", "national")
    published = values[values.indicator_id == "imd_decile_national"].set_index("area_code")["value"]
    got = groups.set_index("area_code")["decile"].astype(int)
    assert (got == published.reindex(got.index).astype(int)).all()
    assert ((got + 1) // 2 == groups.set_index("area_code")["quintile"].astype(int)).all()


def test_ward_groups_rank_wards_by_population_weighted_score(store):
    wards = ineq.deprivation_groups(store, store.home_area_code, level="ward22")
    assert len(wards) == 20 and wards["area_type"].eq("ward22").all()
    assert sorted(wards.groupby("decile").size().tolist()) == [2] * 10


@pytest.mark.parametrize("kwargs", [{"measure": "nonsense"}, {"deciles": "regional"}, {"level": "msoa21"}])
def test_bad_deprivation_arguments_raise_data_error(store, kwargs):
    args = {"measure": "imd2019", "deciles": "local", "level": "lsoa21"} | kwargs
    with pytest.raises(DataError):
        ineq.deprivation_groups(store, store.home_area_code, args["measure"], args["deciles"], level=args["level"])


def test_demo_has_no_domains(store):
    with pytest.raises(DataError, match="only deprivation_measure='imd2019'"):
        ineq.deprivation_groups(store, store.home_area_code, "income")


# --- values by area --------------------------------------------------------------------------------------
def test_ward_values_from_lsoa_counts_match_independent_sums(store, raw):
    values, lookups = raw
    by = ineq.indicator_by_area(store, "overcrowding", store.home_area_code, "ward22")
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
    ward = ineq.indicator_by_area(store, "employment_rate", store.home_area_code, "ward22")
    loc = ineq.indicator_by_area(store, "employment_rate", store.home_area_code, "locality")
    for period in ["2014/15", "2023/24"]:
        w = ward[(ward.period == period) & (ward.area_type == "ward22")]["count"].sum()
        l_ = loc[(loc.period == period) & (loc.area_type == "locality")]["count"].sum()
        assert w == l_ == loc[(loc.period == period) & (loc.area_type == "la")]["count"].iloc[0]


def test_lsoa_geography_falls_back_to_wards_for_ward_indicators(store):
    by = ineq.indicator_by_area(store, "school_readiness", store.home_area_code, "lsoa21")
    assert set(by["area_type"]) == {"ward22", "la"}
    assert "published for wards" in by.attrs["note"]


def test_borough_total_check_agrees_on_demo(store):
    check = ineq.borough_total_check(store, "no_qualifications", store.home_area_code)
    assert check["agrees"] is True and check["summed_count"] == check["published_count"]


def test_suitable_indicators_are_count_based_small_area_ones(store):
    ids = ineq.suitable_indicators(store, store.home_area_code)
    assert "overcrowding" in ids and "school_readiness" in ids
    assert not any(i.startswith("dash_") for i in ids)
    assert "life_expectancy_at_birth" not in ids and "air_quality_pm25" not in ids


# --- comparisons and gaps on small frames ----------------------------------------------------------------
def _frame(values_counts, den=1000, period="2021"):
    rows = [{"indicator_id": "x", "area_code": f"W{i}", "area_type": "ward22", "area_name": f"Ward {i}",
             "period": period, "period_start": pd.Timestamp("2021-01-01"), "count": c, "denominator": den}
            for i, c in enumerate(values_counts)]
    total = sum(values_counts)
    rows.append({"indicator_id": "x", "area_code": "B", "area_type": "la", "area_name": "Borough", "period": period,
                 "period_start": pd.Timestamp("2021-01-01"), "count": total, "denominator": den * len(values_counts)})
    df = pd.DataFrame(rows)
    df["value"] = 100 * df["count"] / df["denominator"]
    lo_hi = [wilson(c, d) for c, d in zip(df["count"], df["denominator"])]
    df["lower_ci_95"] = [100 * a for a, _ in lo_hi]
    df["upper_ci_95"] = [100 * b for _, b in lo_hi]
    lo_hi = [wilson(c, d, 3.090232306167813) for c, d in zip(df["count"], df["denominator"])]
    df["lower_ci_99_8"] = [100 * a for a, _ in lo_hi]
    df["upper_ci_99_8"] = [100 * b for _, b in lo_hi]
    return df


def test_compare_with_borough_is_polarity_aware():
    df = _frame([100, 200, 300])  # 10%, 20%, 30% against a borough 20%
    worse_high = ineq.compare_areas_with_borough(df, "lower_is_better")
    assert worse_high.set_index("area_code")["comparison_95"].to_dict() == {"W0": "Better", "W1": "Similar", "W2": "Worse"}
    neutral = ineq.compare_areas_with_borough(df, "no_judgement")
    assert neutral.set_index("area_code")["comparison_95"].to_dict() == {"W0": "Lower", "W1": "Similar", "W2": "Higher"}
    assert neutral.set_index("area_code").loc["W2", "funnel"] == "High (0.001)"
    assert (worse_high["benchmark_value"] == 20).all()


def test_quantile_gap_uses_newcombe_mover():
    groups = []
    for q, (c, n) in enumerate([(300, 1000), (250, 1000), (200, 1000), (150, 1000), (100, 1000)], start=1):
        lo, hi = wilson(c, n)
        groups.append({"indicator_id": "x", "group_type": "quintile", "period": "2021",
                       "period_start": pd.Timestamp("2021-01-01"), "quantile": q, "count": c, "denominator": n,
                       "value": 100 * c / n, "lower_ci_95": 100 * lo, "upper_ci_95": 100 * hi})
    gaps = ineq.quantile_gaps(pd.DataFrame(groups), "lower_is_better")
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
    sii = ineq.sii_by_period(frame, "proportion", 100, repetitions=2000)
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
    sii = ineq.sii_by_period(frame, "proportion", 100, repetitions=2000)
    assert np.isfinite(sii["sii"].iloc[0]) and "normal model" in sii["sii_method"].iloc[0]


def test_sii_latest_period_uses_full_repetitions_earlier_periods_fewer():
    values = [0.40, 0.37, 0.35, 0.30, 0.28, 0.25, 0.22, 0.20, 0.16, 0.15]
    frames = []
    for year in ("2019", "2020", "2021"):
        f = _decile_frame(values, [1000] * 10)
        f["period"], f["period_start"] = year, pd.Timestamp(f"{year}-01-01")
        frames.append(f)
    sii = ineq.sii_by_period(pd.concat(frames), "proportion", 100, repetitions=4000, trend_repetitions=1000)
    reps = dict(zip(sii["period"], sii["sii_repetitions"]))
    assert reps == {"2019": 1000, "2020": 1000, "2021": 4000}
    # Same point estimate whatever the repetitions; only the Monte Carlo limits differ.
    assert sii["sii"].nunique() == 1
    same = ineq.sii_by_period(pd.concat(frames), "proportion", 100, repetitions=4000, trend_repetitions=None)
    assert set(same["sii_repetitions"]) == {4000}


def test_sii_trend_is_weighted_regression_on_time():
    rows = []
    for k, year in enumerate(range(2014, 2024)):
        s = 20 - 1.0 * k + (0.3 if k % 2 else -0.3)
        rows.append({"indicator_id": "x", "period": str(year), "period_start": pd.Timestamp(f"{year}-01-01"),
                     "sii": s, "sii_lower_ci_95": s - Z95 * 0.5, "sii_upper_ci_95": s + Z95 * 0.5})
    sii = pd.DataFrame(rows)
    trend = ineq.sii_trend(sii)
    t = pd.to_datetime(sii["period_start"])
    t = t.dt.year + (t.dt.dayofyear - 1) / 365.25
    slope = np.polyfit(t, sii["sii"], 1)[0]  # equal SEs: weighted = ordinary least squares
    row = trend.iloc[0]
    assert row["sii_change_per_year"] == pytest.approx(slope, rel=1e-9)
    sxx = ((t - t.mean()) ** 2).sum() / 0.5**2
    assert row["change_upper_ci_95"] - row["sii_change_per_year"] == pytest.approx(Z95 / math.sqrt(sxx), rel=1e-6)
    assert row["gap_direction"] == "narrowing"
    widening = ineq.sii_trend(sii.assign(sii=-sii["sii"], sii_lower_ci_95=-sii["sii_upper_ci_95"],
                                         sii_upper_ci_95=-sii["sii_lower_ci_95"]))
    assert widening["gap_direction"].iloc[0] == "narrowing"  # moving towards zero from below
    flat = ineq.sii_trend(sii.assign(sii=5.0, sii_lower_ci_95=4.0, sii_upper_ci_95=6.0))
    assert flat["gap_direction"].iloc[0] == "no clear change"


# --- the whole analysis on the demo ----------------------------------------------------------------------
def test_run_on_demo_finds_planted_narrowing_gap(results, demo_root):
    import json

    marker = json.loads((demo_root / "thanalysis-demo.json").read_text())
    narrowing = set(marker["narrowing_gaps"]) & set(results.trend["indicator_id"])
    assert narrowing, "the demo plants narrowing gaps in some indicators"
    direction = results.trend.set_index("indicator_id")["gap_direction"]
    assert "narrowing" in set(direction[list(narrowing)])
    assert "widening" not in set(direction[list(narrowing)])
    assert results.has_localities
    assert results.checks["agrees"].all()


def test_ethnic_breakdown_matches_the_store(results, raw):
    values, _ = raw
    eth = results.ethnic
    assert set(eth["category"]) == {"Asian", "Black", "Mixed", "Other", "White"}
    row = eth[(eth.indicator_id == "school_readiness") & (eth.area_type == "la") & (eth.category == "Black")].iloc[0]
    src = values[(values.indicator_id == "school_readiness") & (values.area_code == results.area_code)
                 & (values.category == "Black") & (values.period == row["period"])].iloc[0]
    assert row["value"] == pytest.approx(src["value"])
    overall = values[(values.indicator_id == "school_readiness") & (values.area_code == results.area_code)
                     & values.category.isna() & (values.period == row["period"])]["value"].iloc[0]
    assert row["benchmark_value"] == pytest.approx(overall)
    expected = "Worse" if row["upper_ci_95"] < overall else "Better" if row["lower_ci_95"] > overall else "Similar"
    assert row["comparison_95"] == expected


def test_largest_gaps_rank_by_relative_sii(results):
    top = results.largest
    assert len(top) == 3 and list(top["rank"]) == [1, 2, 3]
    judged = results.indicators[results.indicators.polarity != "no_judgement"]["indicator_id"]
    latest = results.latest_sii.set_index("indicator_id")
    ward = results.by_ward
    rel = {}
    for ind in judged:
        w = ward[(ward.indicator_id == ind) & (ward.area_type == "la")]
        borough = w[w.period == w.period.max()]["value"].iloc[0]
        rel[ind] = abs(latest.at[ind, "sii"]) / borough
    expected = sorted(rel, key=lambda k: (-rel[k], k))[:3]
    assert list(top["indicator_id"]) == expected
    first = top.iloc[0]
    worse = ward[(ward.indicator_id == first.indicator_id) & (ward.period == first.period) & (ward.comparison_95 == "Worse")]
    assert set(first["worse_wards"].split("; ")) == set(worse["area_name"])


# --- narrative ---------------------------------------------------------------------------------------------
def test_summary_names_the_largest_gaps_and_affected_wards(results):
    text = say.summary_markdown(results)
    for _, row in results.largest.iterrows():
        assert say.short_name(row["name"]) in text
    first_worse = results.largest["worse_wards"].iloc[0].split("; ")[0]
    assert first_worse in text
    assert "significantly worse than" in text
    assert text.count("\n- ") == 3


def test_no_judgement_indicators_are_never_called_worse():
    meta = {"name": "Residents aged 65 and over (Census 2021)", "value_type": "proportion", "multiplier": 100,
            "unit": "%", "polarity": "no_judgement"}
    row = pd.Series({"period": "2021", "sii": 3.3, "sii_lower_ci_95": 3.0, "sii_upper_ci_95": 3.6,
                     "borough_value": 5.6, "worse_wards": "A; B", "n_wards": 20, "worse_localities": "",
                     "worse_groups": ""})
    text = say.gap_sentence_for(row, meta, "Somewhere")
    assert "worse" not in text and "significantly higher than Somewhere: A and B" in text
    assert "Residents aged 65 and over" in text and "(Census 2021)" not in text
    assert "3.3 percentage points higher in the most deprived" in text


def test_sii_phrase_says_no_gradient_when_interval_spans_zero():
    meta = {"value_type": "proportion", "multiplier": 100, "unit": "%"}
    assert "no clear gradient" in say.sii_phrase(0.5, -1.0, 2.0, meta)
    assert "lower in the most deprived" in say.sii_phrase(-4.0, -5.0, -3.0, meta)


def test_indicator_sentence_counts_wards(results):
    text = say.indicator_sentence(results, "overcrowding")
    ward = results.by_ward
    latest = ward[(ward.indicator_id == "overcrowding") & (ward.period == ward[ward.indicator_id == "overcrowding"].period.max())]
    n_worse = int((latest.comparison_95 == "Worse").sum())
    assert f"{n_worse} were significantly worse" in text or f"{n_worse} was significantly worse" in text


def test_figures_and_map_build(store, results):
    import matplotlib

    fig, alt = ineq.decile_chart(results, "overcrowding")
    assert isinstance(fig, matplotlib.figure.Figure) and "deprivation decile" in alt
    fig, alt = ineq.ward_funnel_plot(results, "homelessness_duty")
    assert fig is None  # rates have no funnel here
    m = ineq.choropleth(store, results, "overcrowding")
    assert m is not None and m._thanalysis_summary.n_areas == 20
