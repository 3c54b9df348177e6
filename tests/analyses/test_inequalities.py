"""Unit tests of thanalysis.analyses.inequalities (run_inequalities and its results) on the synthetic demo
and small hand-made frames.

Expected values are computed here independently (plain pandas/numpy from the demo's raw CSVs, textbook
formulas), never copied from the module's own output.
"""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.analyses.inequality_fixtures import raw, store, wilson  # noqa: F401 (fixtures)
from thanalysis.analyses import inequalities as ineq
from thanalysis.data.open import open_store
from thanalysis.errors import DataError


@pytest.fixture(scope="module")
def results(store):
    # Fewer Monte Carlo draws keep the unit tests quick; the notebook uses the default 100,000.
    return ineq.run_inequalities(store, repetitions=2000)


# --- comparisons on small frames -------------------------------------------------------------------------
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


# --- the whole analysis on the demo ----------------------------------------------------------------------
def test_run_on_demo_finds_planted_narrowing_gap(results, demo_root):
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


def test_results_hold_the_decile_table_the_page_shows(results):
    groups = results.deprivation
    table = results.deprivation_deciles
    assert list(table["decile"]) == list(range(1, 11))
    assert table["neighbourhoods"].sum() == len(groups)
    for row in table.itertuples():
        members = groups[groups["decile"] == row.decile]
        assert row.neighbourhoods == len(members) and row.residents == members["population"].sum()
        assert (row.lowest_score, row.highest_score) == (members["score"].min(), members["score"].max())
    assert results.deprivation_label == "Index of Multiple Deprivation 2019"
    assert "within the borough" in results.deprivation_method


def test_results_hold_checks_shapes_and_funnels(results):
    assert results.borough_totals_agree and results.wards_add_up
    assert results.largest_total_check["summed_denominator"] == results.checks["summed_denominator"].max()
    assert list(results.geometries) == ["ward22", "locality"]
    wards = results.geometries["ward22"]
    assert len(wards) == 20 and wards["area_name"].str.len().gt(0).all()
    assert len(results.geometries["locality"]) == results.by_locality["area_code"].nunique() - 1
    proportions = set(results.indicators.loc[results.indicators.value_type == "proportion", "indicator_id"])
    assert set(results.funnels) == proportions
    limits = results.funnels["overcrowding"]
    ward = ineq.latest(results.by_ward[results.by_ward.indicator_id == "overcrowding"])
    areas = ward[ward.area_type != "la"]
    assert limits["baseline"].iloc[0] == pytest.approx(100 * areas["count"].sum() / areas["denominator"].sum())


def test_ward_counts_that_do_not_add_up_are_caught():
    df = _frame([100, 200, 300])
    assert ineq._wards_add_up(df)
    df.loc[df.area_type == "la", "count"] += 1
    assert not ineq._wards_add_up(df)


def test_summary_record_matches_the_tables(results):
    summary = results.summary()
    assert summary["indicators"] == results.indicator_ids
    assert summary["largest_gaps"] == list(results.largest["indicator_id"])
    latest = results.sii[results.sii.period == results.sii.groupby("indicator_id").period.transform("max")]
    assert summary["latest_sii"] == dict(zip(latest["indicator_id"], latest["sii"]))
    assert summary["gap_directions"] == dict(zip(results.trend["indicator_id"], results.trend["gap_direction"]))
    assert summary["has_localities"] and summary["has_ethnic_breakdown"] and summary["borough_totals_agree"]
    assert results.widest_gap == results.largest["indicator_id"].iloc[0]


def test_short_name_drops_only_a_source_in_brackets():
    assert ineq.short_name("Residents aged 65 and over (Census 2021)") == "Residents aged 65 and over"
    assert ineq.short_name("Overcrowding (synthetic)") == "Overcrowding"
    assert ineq.short_name("Households (owned or rented)") == "Households (owned or rented)"


def test_locality_geography_without_localities_is_a_data_error(open_data_root):
    with pytest.raises(DataError, match="Hackney has no localities"):
        ineq.run_inequalities(open_store(open_data_root), "E09000012", geography="locality", repetitions=1000)
