"""Tests for thanalysis.analyses.cross_borough_values: values and intervals, comparisons, ranks, spine, trends.

Expected values come from independent calculations written here (plain pandas on the raw source files, the
Wilson formula typed out again) or from small hand-worked cases, never from the module under test.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

from tests.analyses.cross_borough_expected import (  # noqa: F401
    ENGLAND,
    FUEL,
    LONDON,
    PM25,
    TH,
    Z95,
    Z998,
    demo_results,
    raw_fingertips,
    real_results,
    wilson,
)
from thanalysis.analyses import cross_borough_values as cv
from thanalysis.analyses.cross_borough_areas import (
    ROLE_AREA,
    ROLE_COMPARATOR,
    ROLE_REGION,
    benchmarks_for,
    resolve_comparators,
)


@pytest.fixture(scope="module")
def real_table(real_results):
    return real_results.table


# --------------------------------------------------------------------------------------------------------------
# values and intervals (real data)
# --------------------------------------------------------------------------------------------------------------
def test_fuel_poverty_matches_the_published_export_and_gets_wilson_intervals(open_data_root, real_table):
    raw = raw_fingertips(open_data_root, FUEL)
    t = real_table[real_table["indicator_id"] == "93759"]
    assert len(t) == 10  # 8 NEL boroughs + London + England
    assert set(t["period"]) == {"2020"}
    for row in t.itertuples():
        src = raw[(raw["Area Code"] == row.area_code) & (raw["Time period"].astype(str) == row.period)]
        assert len(src) == 1, row.area_code
        src = src.iloc[0]
        # published value, and the value recomputed from the published count and denominator
        assert row.value == pytest.approx(src["Value"], rel=1e-12)
        assert row.count == src["Count"] and row.denominator == src["Denominator"]
        assert 100 * src["Count"] / src["Denominator"] == pytest.approx(src["Value"], rel=1e-9)
        assert row.recomputed_value == pytest.approx(src["Value"], rel=1e-9)
        # the export has no intervals: Wilson from the count and denominator
        assert pd.isna(src["Lower CI 95.0 limit"])
        lo, hi = wilson(src["Count"], src["Denominator"], Z95)
        assert row.lower_ci_95 == pytest.approx(100 * lo, abs=1e-9)
        assert row.upper_ci_95 == pytest.approx(100 * hi, abs=1e-9)
        lo, hi = wilson(src["Count"], src["Denominator"], Z998)
        assert row.lower_ci_99_8 == pytest.approx(100 * lo, abs=1e-9)
        assert row.upper_ci_99_8 == pytest.approx(100 * hi, abs=1e-9)
        assert row.ci_method == cv.CI_WILSON


def test_pm25_is_published_without_intervals_so_it_is_not_compared(open_data_root, real_table):
    raw = raw_fingertips(open_data_root, PM25)
    t = real_table[real_table["indicator_id"] == "93867"]
    th = t[t["area_code"] == TH].iloc[0]
    src = raw[(raw["Area Code"] == TH) & (raw["Time period"].astype(str) == "2020")].iloc[0]
    assert th["value"] == pytest.approx(src["Value"])
    assert pd.isna(th["lower_ci_95"]) and th["ci_method"] == cv.CI_NONE
    assert th["vs_country_95"] == "Not compared" and th["vs_region_95"] == "Not compared"


def test_benchmark_labels_hand_worked_for_fuel_poverty(open_data_root, real_table):
    """Tower Hamlets 2020: Wilson interval from the raw count against England's and London's published values."""
    raw = raw_fingertips(open_data_root, FUEL)
    raw = raw[raw["Time period"].astype(str) == "2020"].set_index("Area Code")
    x, n = raw.loc[TH, "Count"], raw.loc[TH, "Denominator"]
    for bench_code, column in ((ENGLAND, "vs_country"), (LONDON, "vs_region")):
        b = raw.loc[bench_code, "Value"]
        for z, suffix in ((Z95, "95"), (Z998, "99_8")):
            lo, hi = (100 * v for v in wilson(x, n, z))
            # lower is better for fuel poverty: an interval wholly below the benchmark is "Better"
            expected = "Better" if hi < b else ("Worse" if lo > b else "Similar")
            got = real_table.loc[(real_table["indicator_id"] == "93759") & (real_table["area_code"] == TH),
                                 f"{column}_{suffix}"].iloc[0]
            assert got == expected, (bench_code, suffix)


def test_census_england_and_london_are_summed_from_local_authorities(open_data_root, real_table):
    """Census 2021 publishes local authorities only; England = the sum over English authorities."""
    raw = pd.read_csv(open_data_root / "population/census2021/census2021-ts054-ltla.csv")
    code = raw["geography code"]
    social = [c for c in raw.columns if c.startswith("Tenure of household: Social rented") and c.count(":") == 1]
    assert len(social) == 1
    eng = raw[code.str.startswith("E")]
    ldn = raw[code.str.startswith("E09")]
    t = real_table[real_table["indicator_id"] == "census21_social_rented"].set_index("area_code")
    total = "Tenure of household: Total: All households"
    for sub, bench in ((eng, ENGLAND), (ldn, LONDON)):
        assert t.loc[bench, "count"] == sub[social[0]].sum()
        assert t.loc[bench, "denominator"] == sub[total].sum()
        assert t.loc[bench, "value"] == pytest.approx(100 * sub[social[0]].sum() / sub[total].sum())
        assert t.loc[bench, "value_note"].startswith("Computed here from the summed counts of")


def test_qof_prevalence_values_are_the_published_ones(open_data_root, real_table):
    raw = pd.read_csv(open_data_root / "indicators/hoc_qof_modelled_prevalence_lad_2019-20.csv")
    src = raw[(raw["lad_code"] == TH) & (raw["group_code"] == "DM")].iloc[0]
    row = real_table[(real_table["indicator_id"] == "qof_prevalence_dm") & (real_table["area_code"] == TH)].iloc[0]
    assert row["value"] == pytest.approx(100 * src["prevalence"])
    assert row["recomputed_value"] == pytest.approx(100 * src["register"] / src["list"])
    assert row["count"] == pytest.approx(src["register"])


def test_wide_values_put_the_borough_first_and_the_benchmarks_last(real_results):
    wide = real_results.wide
    assert list(wide.columns[:2]) == ["indicator", "Tower Hamlets"]
    assert list(wide.columns[-2:]) == ["London", "England"]
    fuel = real_results.table[real_results.table["indicator_id"] == "93759"]
    row = wide[wide["indicator"] == fuel["indicator"].iloc[0]].iloc[0]
    for name, value in zip(fuel["area_name"], fuel["value"]):
        assert row[name] == pytest.approx(value)


def test_values_match_counts_fails_on_a_wrong_value(real_table):
    assert cv.values_match_counts(real_table)
    bad = real_table.copy()
    i = bad.index[bad["recomputed_value"].notna()][0]
    bad.loc[i, "value"] = bad.loc[i, "recomputed_value"] * 1.01
    assert not cv.values_match_counts(bad)


# --------------------------------------------------------------------------------------------------------------
# intervals filled for rates and proportions
# --------------------------------------------------------------------------------------------------------------
def test_fill_intervals_rates_and_proportions():
    ind = pd.DataFrame({"indicator_id": ["p", "r", "o"], "value_type": ["proportion", "crude_rate", "other"],
                        "multiplier": [100.0, 1000.0, 1.0]})
    v = pd.DataFrame({"indicator_id": ["p", "r", "o", "p"], "count": [30.0, 4.0, np.nan, 5.0],
                      "denominator": [200.0, 2000.0, np.nan, 50.0], "value": [15.0, 2.0, 3.0, 10.0],
                      "lower_ci_95": [np.nan, np.nan, np.nan, 9.0], "upper_ci_95": [np.nan, np.nan, np.nan, 11.0],
                      "lower_ci_99_8": np.nan, "upper_ci_99_8": np.nan})
    out = cv.fill_intervals(v, ind)
    lo, hi = wilson(30, 200, Z95)
    assert out.loc[0, "lower_ci_95"] == pytest.approx(100 * lo) and out.loc[0, "upper_ci_95"] == pytest.approx(100 * hi)
    lo, hi = wilson(30, 200, Z998)
    assert out.loc[0, "lower_ci_99_8"] == pytest.approx(100 * lo)
    # 4 events: exact Poisson limits (chi-squared), 1000 × limit / 2000
    assert out.loc[1, "lower_ci_95"] == pytest.approx(1000 * chi2.ppf(0.025, 8) / 2 / 2000)
    assert out.loc[1, "upper_ci_95"] == pytest.approx(1000 * chi2.ppf(0.975, 10) / 2 / 2000)
    assert pd.isna(out.loc[2, "lower_ci_95"]) and out.loc[2, "ci_method"] == cv.CI_NONE
    assert out.loc[3, "lower_ci_95"] == 9.0 and out.loc[3, "ci_method"] == cv.CI_PUBLISHED  # published kept
    lo, hi = wilson(5, 50, Z998)
    assert out.loc[3, "lower_ci_99_8"] == pytest.approx(100 * lo)  # the missing 99.8% pair is still filled
    assert out["ci_method"].tolist()[:2] == [cv.CI_WILSON, cv.CI_POISSON]
    assert out["recomputed_value"].tolist()[:2] == pytest.approx([15.0, 2.0])
    assert pd.isna(out.loc[2, "recomputed_value"])


# --------------------------------------------------------------------------------------------------------------
# ranks, spine, trends
# --------------------------------------------------------------------------------------------------------------
def test_ranks_hand_worked():
    t = pd.DataFrame({
        "indicator_id": ["a"] * 4 + ["b"] * 4 + ["c"] * 3,
        "sex": "Persons", "age": "All ages",
        "indicator": ["A"] * 4 + ["B"] * 4 + ["C"] * 3,
        "period": "2020",
        "area_code": ["X1", "X2", "X3", "R"] * 2 + ["X1", "X2", "X3"],
        "area_name": ["One", "Two", "Three", "Region"] * 2 + ["One", "Two", "Three"],
        "role": [ROLE_AREA, ROLE_COMPARATOR, ROLE_COMPARATOR, ROLE_REGION] * 2
        + [ROLE_AREA, ROLE_COMPARATOR, ROLE_COMPARATOR],
        "value": [10.0, 5.0, 20.0, 1.0, 10.0, 5.0, 20.0, 1.0, 7.0, 7.0, 3.0],
        "polarity": ["lower_is_better"] * 4 + ["higher_is_better"] * 4 + ["no_judgement"] * 3,
    })
    r = cv.ranks(t).set_index("indicator_id")
    assert r.loc["a", "rank"] == 2 and r.loc["a", "of"] == 3  # the region is not ranked
    assert r.loc["b", "rank"] == 2
    assert r.loc["c", "rank"] == 1 and r.loc["c", "of"] == 3  # a tie shares the better rank


def test_real_rank_of_fuel_poverty_matches_the_raw_file(open_data_root, real, real_results):
    raw = raw_fingertips(open_data_root, FUEL)
    nel = resolve_comparators(real, TH, "NEL").codes
    r = raw[(raw["Time period"].astype(str) == "2020") & raw["Area Code"].isin(nel)]
    expected = int((r["Value"] < r.loc[r["Area Code"] == TH, "Value"].iloc[0]).sum()) + 1  # lower is better
    got = real_results.ranks.set_index("indicator_id").loc["93759"]
    assert got["rank"] == expected and got["of"] == len(nel)


def test_spine_range_is_over_local_authorities(open_data_root, real_results):
    sp = real_results.spine.set_index("indicator_id")
    raw = raw_fingertips(open_data_root, FUEL)
    las = raw[(raw["Time period"].astype(str) == "2020") & raw["Area Code"].str.startswith("E09")]
    assert sp.loc["93759", "england_min"] == pytest.approx(las["Value"].min())
    assert sp.loc["93759", "england_max"] == pytest.approx(las["Value"].max())
    assert sp.loc["93759", "england_q25"] == pytest.approx(las["Value"].quantile(0.25))
    assert sp.loc["93759", "england_value"] == pytest.approx(
        raw[(raw["Area Code"] == ENGLAND) & (raw["Time period"].astype(str) == "2020")]["Value"].iloc[0])
    assert "the source holds only these" in sp.loc["93759", "range_basis"]
    assert sp.loc["93759", "drawable"]


def _series(store, ids):
    code = store.home_area_code if store.kind == "demo" else TH
    comps = resolve_comparators(store, code, "NEL")
    return cv.series_values(store, code, comps.codes, ids, benchmarks_for(store, code))


def test_short_real_series_say_the_trend_cannot_be_calculated(real):
    values, labels = cv.comparator_trends(_series(real, ["93867", "93759"]))
    assert set(values["indicator_id"]) == {"93867", "93759"}
    pm = values[(values["indicator_id"] == "93867") & (values["area_code"] == TH)]
    assert sorted(pm["period"]) == ["2018", "2019", "2020"]
    assert (labels["trend"] == cv.TOO_FEW_PERIODS).all()


def test_demo_trends_have_ten_periods_and_labels(demo):
    values, labels = cv.comparator_trends(_series(demo, ["fuel_poverty_lilee"]))
    assert values.groupby("area_code")["period"].nunique().eq(10).all()
    assert len(labels) == 10  # 8 boroughs, region, country
    assert not labels["trend"].str.startswith("Cannot").any()


def test_trend_labels_say_why_a_trend_cannot_be_calculated():
    assert cv.trend_label("Cannot be calculated", "Not enough data points") == cv.TOO_FEW_PERIODS
    assert cv.trend_label("Cannot be calculated", "No confidence intervals") == \
        "Cannot be calculated: no confidence intervals"
    assert cv.trend_label("Increasing and getting worse", None) == "Increasing and getting worse"
