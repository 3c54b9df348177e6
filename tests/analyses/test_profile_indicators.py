"""Tests of thanalysis.analyses.profile_indicators: a locality against its borough, a borough against its region
and country.

Expected values come from the demo's own published rows and, for real data, from the raw files with plain pandas;
the intervals are checked against the DataFrame statistics of :mod:`thanalysis.stats.intervals`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.data.fingertips_roots import export_text, mirror_root, put_export
from thanalysis.analyses.profile_indicators import benchmark_indicators, locality_indicators
from thanalysis.data.real import RealStore
from thanalysis.errors import DataError
from thanalysis.geography.places import localities_for, resolve_locality
from thanalysis.narrative.profiles import locality_indicator_method
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


# --- Fingertips indicators fetched for wards and MSOAs ---------------------------------------------------------------
@pytest.fixture(scope="module")
def fetched_small_areas(tmp_path_factory, open_data_root):
    """A data root that is the mirror plus two fetched Fingertips exports written here: 20601 (a proportion) for
    Tower Hamlets' wards (area type 8) and 90284 (a crude rate per 10,000) for its MSOAs (area type 3), with
    illustrative counts (ward k: 10 + k of 100 + 3k; MSOA k: 20 + k per 4,000 + 10k)."""
    root = mirror_root(tmp_path_factory.mktemp("ft_small"), open_data_root)
    wards = sorted(localities_for(TH)["ward22_code"])
    msoas = pd.read_csv(open_data_root / "lookups" / "msoa21_lad23.csv", encoding="utf-8-sig")
    msoas = msoas[msoas["LAD23CD"] == TH].sort_values("MSOA21CD")
    common = {"Sex": "Persons", "Time period": "2022/23", "Time period Sortable": "20220000",
              "Time period range": "1y"}
    ward_rows = [{"Indicator ID": "20601", "Area Code": w, "Area Type": "Ward", "Age": "4-5 yrs", "Count": 10 + k,
                  "Denominator": 100 + 3 * k, "Value": round(100 * (10 + k) / (100 + 3 * k), 1), **common}
                 for k, w in enumerate(wards)]
    ward_rows.append({"Indicator ID": "20601", "Area Code": TH, "Area Type": "Counties & UAs (from Apr 2023)",
                      "Age": "4-5 yrs", "Value": "22.1", "Count": "1764", "Denominator": "8000", **common})
    msoa_rows = [{"Indicator ID": "90284", "Area Code": m, "Area Type": "MSOA", "Age": "0-14 yrs", "Count": 20 + k,
                  "Denominator": 4000 + 10 * k, "Value": round(10000 * (20 + k) / (4000 + 10 * k), 1), **common}
                 for k, m in enumerate(msoas["MSOA21CD"])]
    put_export(root, "20601", 8, export_text(ward_rows))
    put_export(root, "90284", 3, export_text(msoa_rows))
    return RealStore(root), wards, msoas


@pytest.mark.real
def test_fingertips_ward_rows_are_summed_to_the_locality(fetched_small_areas):
    store, wards, _ = fetched_small_areas
    li = locality_indicators(store, TH, f"{TH}-NW").set_index("indicator_id")
    loc = localities_for(TH)
    mine = set(loc.loc[loc["locality_code"] == f"{TH}-NW", "ward22_code"])
    ks = [k for k, w in enumerate(wards) if w in mine]
    row = li.loc["20601"]
    assert (row["count"], row["denominator"]) == (sum(10 + k for k in ks), sum(100 + 3 * k for k in ks))
    assert row["value"] == pytest.approx(100 * row["count"] / row["denominator"])
    assert row["small_area_type"] == "ward22" and row["period"] == "2022/23"
    assert row["name"] == "Reception prevalence of overweight (including obesity)"
    assert row["borough_count"] == sum(10 + k for k in range(len(wards)))  # the wards, not the published 1764
    want = proportion(pd.DataFrame({"count": [row["count"]], "denominator": [row["denominator"]]}),
                      confidence=[0.95, 0.998], multiplier=100.0)
    assert row["lower_ci_95"] == pytest.approx(want["lower_ci_95"].iloc[0])


@pytest.mark.real
def test_fingertips_msoa_rows_go_to_the_locality_holding_most_of_their_lsoas(fetched_small_areas, open_data_root):
    store, _, msoas = fetched_small_areas
    li = locality_indicators(store, TH, f"{TH}-SE").set_index("indicator_id")
    # Independently: LSOA → ward (GLA best fit) → locality, and LSOA → MSOA by name ("Tower Hamlets 001A" is in
    # "Tower Hamlets 001").
    bf = pd.read_csv(open_data_root / "lookups" / "lsoa21_ward22_best_fit_EW_gla.csv", dtype=str)
    names = pd.read_csv(open_data_root / "population" / "census2021" / "census2021-ts007a-lsoa.csv",
                        usecols=["geography", "geography code"])
    loc = localities_for(TH).set_index("ward22_code")["locality_code"]
    lsoas = bf.merge(names, left_on="lsoa21cd", right_on="geography code")
    lsoas = lsoas[lsoas["ward22cd"].isin(loc.index)]
    lsoas = lsoas.assign(locality=lsoas["ward22cd"].map(loc), msoa_name=lsoas["geography"].str[:-1])
    best = lsoas.groupby("msoa_name")["locality"].agg(lambda s: sorted(s.value_counts()[lambda c: c == c.max()]
                                                                       .index)[0])
    k_of = {name: k for k, name in enumerate(msoas["MSOA21NM"])}
    ks = [k_of[name] for name, locality in best.items() if locality == f"{TH}-SE"]
    row = li.loc["90284"]
    assert ks and row["small_area_type"] == "msoa21 (best fit)"
    assert (row["count"], row["denominator"]) == (sum(20 + k for k in ks), sum(4000 + 10 * k for k in ks))
    want = crude_rate(pd.DataFrame({"count": [row["count"]], "denominator": [row["denominator"]]}),
                      confidence=[0.95, 0.998], multiplier=10000.0)
    assert (row["value"], row["upper_ci_99_8"]) == pytest.approx((want["value"].iloc[0],
                                                                   want["upper_ci_99_8"].iloc[0]))
    assert row["borough_denominator"] == sum(4000 + 10 * k for k in range(len(msoas)))
    method = locality_indicator_method(li.reset_index())
    assert ("Hospital admissions caused by unintentional and deliberate injuries in children (aged 0 to 14 years) is "
            "added up from MSOAs, each counted in the locality holding most of its neighbourhoods") in method
    assert "Reception prevalence of overweight (including obesity) is added up from wards" in method


@pytest.mark.real
def test_without_fetched_small_areas_the_profile_is_unchanged(real):
    li = locality_indicators(real, TH, f"{TH}-NW")
    assert not set(li["indicator_id"]) & {"20601", "90284"}
    assert set(li["small_area_type"]) <= {"lsoa21", "ward22"}
