"""Tests of thanalysis.analyses.profile_indicators: a locality against its borough, a borough against its region
and country.

Expected values come from the demo's own published rows and, for real data, from the raw files with plain pandas;
the intervals are checked against the DataFrame statistics of :mod:`thanalysis.stats.intervals`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses.profile_indicators import benchmark_indicators, locality_indicators
from thanalysis.errors import DataError
from thanalysis.geography.places import localities_for, resolve_locality
from thanalysis.stats.intervals import crude_rate, proportion

TH = "E09000030"


@pytest.fixture(scope="module")
def demo_locality(demo):
    home = demo.home_area_code
    code = resolve_locality(demo, home, None)[0]
    return code, locality_indicators(demo, home, code)


def test_demo_locality_indicators_match_demo_locality_rows(demo, demo_locality):
    """Counts summed from wards/LSOAs equal the locality rows the demo generator published."""
    home = demo.home_area_code
    loc, li = demo_locality
    assert len(li) >= 5
    vals = demo.values(li["indicator_id"].tolist())
    vals = vals[(vals["category_type"] == "") & (vals["sex"] == "Persons")]
    for row in li.itertuples():
        pub = vals[(vals["indicator_id"] == row.indicator_id) & (vals["area_code"] == loc)
                   & (vals["period"] == row.period)]
        assert row.count == pytest.approx(pub["count"].iloc[0])
        assert row.denominator == pytest.approx(pub["denominator"].iloc[0])
        assert row.value == pytest.approx(pub["value"].iloc[0], rel=1e-6)
        bor = vals[(vals["indicator_id"] == row.indicator_id) & (vals["area_code"] == home)
                   & (vals["period"] == row.period)]
        assert row.borough_value == pytest.approx(bor["value"].iloc[0], rel=1e-6)
    assert set(li["comparison_95"]) <= {"Better", "Similar", "Worse", "Higher", "Lower", "Not compared"}
    # significance agrees with the intervals
    for row in li.itertuples():
        if row.comparison_95 in ("Similar",):
            assert row.lower_ci_95 <= row.borough_value <= row.upper_ci_95


def test_locality_intervals_are_wilson_and_poisson(demo_locality):
    """Each row's value and limits equal Wilson (proportions) or exact/Byars Poisson (rates) on its counts."""
    _, li = demo_locality
    assert set(li["value_type"]) == {"proportion", "crude_rate"}
    columns = ["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]
    for (value_type, multiplier), rows in li.groupby(["value_type", "multiplier"]):
        func = proportion if value_type == "proportion" else crude_rate
        want = func(rows[["count", "denominator"]], confidence=[0.95, 0.998], multiplier=float(multiplier))
        np.testing.assert_allclose(rows[columns].to_numpy(dtype=float), want[columns].to_numpy(dtype=float),
                                   rtol=1e-12)


def test_unknown_locality_is_a_data_error(demo):
    with pytest.raises(DataError, match="not one of the localities"):
        locality_indicators(demo, demo.home_area_code, "Atlantis")


def test_demo_benchmarks_are_published_rows(demo):
    bench = benchmark_indicators(demo, demo.home_area_code)
    assert (bench["region_how"] == "published").all()
    vals = demo.values(bench["indicator_id"].tolist())
    row = bench.iloc[0]
    pub = vals[(vals["indicator_id"] == row["indicator_id"]) & (vals["area_type"] == "country")
               & (vals["period"] == row["period"]) & (vals["category_type"] == "")]
    assert row["country_value"] == pytest.approx(pub["value"].iloc[0])


# --- real data -----------------------------------------------------------------------------------------------
def test_real_locality_census_share_from_raw_files(real, open_data_root):
    """A locality's Census share from the raw LSOA counts + GLA best-fit lookup + the locality file."""
    li = locality_indicators(real, TH, f"{TH}-NW")
    row = li[li["indicator_id"] == "census21_aged_65_plus"].iloc[0]
    raw = pd.read_csv(open_data_root / "population" / "census2021" / "census2021-ts007a-lsoa.csv")
    bf = pd.read_csv(open_data_root / "lookups" / "lsoa21_ward22_best_fit_EW_gla.csv", dtype=str)
    lsoa_col = next(c for c in bf.columns if c.upper().startswith("LSOA21CD"))
    ward_col = next(c for c in bf.columns if c.upper().startswith("WARD22CD"))
    loc = localities_for(TH)
    wards = set(loc.loc[loc["locality_code"] == f"{TH}-NW", "ward22_code"])
    lsoas = set(bf.loc[bf[ward_col].isin(wards), lsoa_col])
    mine = raw[raw["geography code"].isin(lsoas)]
    old = [c for c in raw.columns if any(c == f"Age: Aged {a}" for a in (
        "65 to 69 years", "70 to 74 years", "75 to 79 years", "80 to 84 years", "85 years and over"))]
    count, den = mine[old].to_numpy().sum(), mine["Age: Total"].sum()
    assert row["count"] == pytest.approx(count)
    assert row["denominator"] == pytest.approx(den)
    assert row["value"] == pytest.approx(100 * count / den)


def test_real_london_benchmark_from_las(real, open_data_root):
    bench = benchmark_indicators(real, TH)
    row = bench[bench["indicator_id"] == "census21_aged_65_plus"].iloc[0]
    raw = pd.read_csv(open_data_root / "population" / "census2021" / "census2021-ts007a-ltla.csv")
    eng = raw[raw["geography code"].str.startswith("E")]
    old = [c for c in raw.columns if c.startswith("Age: Aged") and any(
        c.startswith(f"Age: Aged {a}") for a in ("65", "70", "75", "80", "85"))]
    assert row["country_value"] == pytest.approx(100 * eng[old].to_numpy().sum() / eng["Age: Total"].sum())
    assert row["comparison_country_95"] == "Lower"
