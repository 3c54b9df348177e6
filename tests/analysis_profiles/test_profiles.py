"""Unit tests for thanalysis.analyses.profiles and thanalysis.narrative.profiles.

Expected values are computed independently here: from the demo's own published rows (its generator sums LSOAs
to wards, localities and the borough itself) and, for real data, with plain pandas from the raw files.
"""
from __future__ import annotations

import pandas as pd
import pytest

from thanalysis.analyses import profiles
from thanalysis.data.open import open_store
from thanalysis.errors import DataError
from thanalysis.narrative import profiles as words

TH = "E09000030"
HACKNEY = "E09000012"


@pytest.fixture(scope="module")
def demo(demo_root):
    return open_store(demo_root)


@pytest.fixture(scope="module")
def real(open_data_root):
    return open_store(open_data_root)


# --- demo ----------------------------------------------------------------------------------------------------
def test_demo_localities_and_resolution(demo):
    home = demo.home_area_code
    table = profiles.locality_list(demo, home)
    assert len(table) == 4 and (table["wards"] == 5).all()
    assert profiles.resolve_locality(demo, home, None)[0] == table["locality_code"].iloc[0]
    code, name = profiles.resolve_locality(demo, home, table["locality_name"].iloc[2])
    assert code == table["locality_code"].iloc[2]
    with pytest.raises(DataError, match="not one of the localities"):
        profiles.resolve_locality(demo, home, "nowhere")
    assert len(profiles.locality_wards(demo, home, code)) == 5


def test_demo_population_matches_published_locality_rows(demo):
    home = demo.home_area_code
    loc = profiles.resolve_locality(demo, home, None)[0]
    pop = profiles.population_by_age_sex(demo, [loc, home])
    raw = demo.population()
    period = pop["period"].iloc[0]
    for code in (loc, home):
        want = raw[(raw["area_code"] == code) & (raw["period"] == period)].set_index(["sex", "age_band"])["population"]
        got = pop[pop["area_code"] == code].set_index(["sex", "age_band"])["population"]
        pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    # percent: share of the area's persons; males + females add up to 100
    mf = pop[(pop["area_code"] == loc) & pop["sex"].isin(["Male", "Female"])]["percent"].sum()
    assert mf == pytest.approx(100.0)


def test_demo_imd_deciles_and_distribution(demo):
    home = demo.home_area_code
    imd = profiles.imd_deciles(demo, home)
    raw = demo.values(["imd_decile_national"])
    raw = raw[raw["area_type"] == "lsoa21"]
    assert len(imd) == len(raw)
    want = raw.set_index("area_code")["value"].round().astype(int).value_counts().reindex(range(1, 11), fill_value=0)
    dist = profiles.decile_distribution(imd)
    assert dist["lsoas"].tolist() == want.tolist()
    assert dist["percent_lsoas"].sum() == pytest.approx(100)
    # LSOA populations add up to the published borough total for the same year
    pop = demo.population()
    total = pop[(pop["area_code"] == home) & (pop["period"] == pop["period"].max()) & (pop["sex"] == "Persons")]
    assert imd["population"].sum() == pytest.approx(total["population"].sum())
    assert set(imd["locality_code"]) == set(profiles.locality_list(demo, home)["locality_code"])


def test_demo_locality_indicators_match_demo_locality_rows(demo):
    """Counts summed from wards/LSOAs by profiles equal the locality rows the demo generator published."""
    home = demo.home_area_code
    loc = profiles.resolve_locality(demo, home, None)[0]
    li = profiles.locality_indicators(demo, home, loc)
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


def test_demo_benchmarks_are_published_rows(demo):
    bench = profiles.benchmark_indicators(demo, demo.home_area_code)
    assert (bench["region_how"] == "published").all()
    vals = demo.values(bench["indicator_id"].tolist())
    row = bench.iloc[0]
    pub = vals[(vals["indicator_id"] == row["indicator_id"]) & (vals["area_type"] == "country")
               & (vals["period"] == row["period"]) & (vals["category_type"] == "")]
    assert row["country_value"] == pytest.approx(pub["value"].iloc[0])


def test_decile_distribution_fills_every_decile():
    imd = pd.DataFrame({"area_code": list("abc"), "decile": [1, 1, 4], "population": [10.0, 20.0, 70.0],
                        "locality_code": ["x", "y", "y"]})
    d = profiles.decile_distribution(imd)
    assert d["decile"].tolist() == list(range(1, 11))
    assert d.loc[d["decile"] == 1, "percent_population"].item() == pytest.approx(30)
    by = profiles.decile_distribution(imd, by="locality_code")
    assert len(by) == 20
    comp = profiles.locality_decile_comparison(imd, "y")
    assert comp.loc[comp["decile"] == 4, "locality_percent_population"].item() == pytest.approx(70 / 0.9)
    share = profiles.deprived_share(imd)
    assert share["lsoas"] == 2 and share["percent_population"] == pytest.approx(30)


def test_children_and_older_bands():
    pop = pd.DataFrame({"area_code": "a", "sex": "Persons", "age_band": ["0-15", "16-29", "30-64", "65+"],
                        "population": [20.0, 30.0, 40.0, 10.0]})
    pop["percent"] = pop["population"]
    out = profiles.children_and_older(pop, "a")
    assert out["children_ages"] == "0 to 15" and out["children_percent"] == 20
    assert out["older_percent"] == 10


def test_narrative_uses_the_numbers():
    facts = {"area_name": "Place", "population": 1234.0, "population_source": "Census 2021", "population_period": "2021",
             "largest_age_group": "25-29", "largest_age_group_percent": 14.33, "lsoas": 10, "most_deprived_lsoas": 1,
             "most_deprived_percent_lsoas": 10.0, "most_deprived_percent_population": 8.26, "imd_label": "IMD 2019"}
    text = " ".join(words.borough_summary(facts))
    assert "1,234 residents (Census 2021)" in text
    assert "aged 25 to 29 (14.3%" in text
    assert "1 neighbourhood of 10" in text and "8.3% of residents" in text
    assert "no locality file" in words.no_localities_sentence("Hackney", HACKNEY)


def test_locality_dashboard_summary_is_the_localitys_monthly_metrics(demo):
    from thanalysis.analyses.dashboard import dashboard_table

    borough = demo.home_area_code
    locality = profiles.localities(demo, borough)["locality_code"].iloc[0]
    result, reason = profiles.dashboard_locality_summary(demo, borough, locality)
    assert reason == "" and list(result.columns) == ["Priority", "Metric", "Latest month", "Latest value",
                                                     "Variation", "Assurance"]
    full = dashboard_table(demo, area_code=borough, locality=locality)
    expected = full[(full["level"] == "locality") & (full["frequency"] == "monthly") & (full["status"] != "no data")]
    assert len(result) == len(expected) > 0
    # the whole borough's table has no locality-level rows: the profile says why there are none
    result, reason = profiles.dashboard_locality_summary(demo, borough, None)
    assert result is None and "no monthly metrics" in reason


# --- real data -----------------------------------------------------------------------------------------------
def _raw_imd(root):
    return pd.read_csv(root / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv", thousands=",",
                       encoding="utf-8-sig")


def test_real_imd_deciles_tower_hamlets(real, open_data_root):
    raw = _raw_imd(open_data_root)
    code_col = next(c for c in raw.columns if c.startswith("LSOA code"))
    la_col = next(c for c in raw.columns if c.startswith("Local Authority District code"))
    dec_col = next(c for c in raw.columns if "Decile" in c)
    rank_col = next(c for c in raw.columns if "Rank" in c)
    th = raw[raw[la_col] == TH]
    imd = profiles.imd_deciles(real, TH)
    assert len(imd) == len(th) == 144
    want = th[dec_col].value_counts().reindex(range(1, 11), fill_value=0)
    assert profiles.decile_distribution(imd)["lsoas"].tolist() == want.tolist()
    merged = imd.merge(th, left_on="area_code", right_on=code_col)
    assert (merged["rank"].astype(int) == merged[rank_col].astype(int)).all()
    # population: ONS mid-2020 file, summed independently
    mid = pd.read_csv(open_data_root / "population" / "london-mid2020-pop-lsoa11.csv", thousands=",")
    assert imd["population"].notna().all()
    assert set(imd["locality_code"]) == {f"{TH}-NW", f"{TH}-NE", f"{TH}-SW", f"{TH}-SE"}
    assert len(mid) > 0


def test_real_population_sources_disagree(real):
    census = profiles.population_by_age_sex(real, TH, "census2021")
    mid = profiles.population_by_age_sex(real, TH, "mid2020")
    assert profiles.total_population(census)[TH] == 310306
    assert profiles.total_population(mid)[TH] == 331969
    assert set(mid["sex"]) == {"Persons", "Male", "Female"}
    assert profiles.largest_age_group(census, TH)[0] == "25-29"


def test_real_locality_census_share_from_raw_files(real, open_data_root):
    """A locality's Census share from the raw LSOA counts + GLA best-fit lookup + the locality file."""
    from thanalysis.geography.places import localities_for

    li = profiles.locality_indicators(real, TH, f"{TH}-NW")
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
    bench = profiles.benchmark_indicators(real, TH)
    row = bench[bench["indicator_id"] == "census21_aged_65_plus"].iloc[0]
    raw = pd.read_csv(open_data_root / "population" / "census2021" / "census2021-ts007a-ltla.csv")
    eng = raw[raw["geography code"].str.startswith("E")]
    old = [c for c in raw.columns if c.startswith("Age: Aged") and any(
        c.startswith(f"Age: Aged {a}") for a in ("65", "70", "75", "80", "85"))]
    assert row["country_value"] == pytest.approx(100 * eng[old].to_numpy().sum() / eng["Age: Total"].sum())
    assert row["comparison_country_95"] == "Lower"


def test_real_hackney_has_no_localities_but_builds(real):
    assert profiles.resolve_locality(real, HACKNEY, None) is None
    imd = profiles.imd_deciles(real, HACKNEY)
    assert len(imd) == 144 and (imd["locality_code"] == "").all()
    assert profiles.locality_outlines(real, HACKNEY) is None
