"""Unit tests for thanalysis.analyses.cross_borough, its narrative and the SVG flow chart.

Expected values come from independent calculations written here (plain pandas on the raw source files, the
Wilson formula typed out again) or from small hand-worked cases, never from the module under test.
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from thanalysis.analyses import cross_borough as cb
from thanalysis.errors import ConfigError, DataError
from thanalysis.figures import sankey
from thanalysis.narrative import cross_borough as words

TH, NEWHAM, LONDON, ENGLAND = "E09000030", "E09000025", "E12000007", "E92000001"
FUEL = "fingertips_93759_fuel_poverty_london_LAs.csv"
PM25 = "fingertips_93867_pm25_london_LAs.csv"


def wilson(x, n, z):
    """Wilson score interval (Wilson 1927), written out independently of thanalysis.stats."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


Z95, Z998 = 1.959963984540054, 3.090232306167813


# --------------------------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(open_data_root):
    from thanalysis.data.open import open_store

    return open_store(open_data_root)


@pytest.fixture(scope="module")
def demo(demo_root):
    from thanalysis.data.open import open_store

    return open_store(demo_root)


@pytest.fixture(scope="module")
def real_table(real):
    return cb.comparator_table(real, TH, "NEL")


@pytest.fixture(scope="module")
def demo_table(demo):
    return cb.comparator_table(demo, demo.home_area_code, "NEL")


def raw_fingertips(root, name):
    raw = pd.read_csv(root / "indicators" / name, encoding="utf-8-sig", dtype={"Indicator ID": str})
    return raw[raw["Category Type"].isna()]


# --------------------------------------------------------------------------------------------------------------
# comparators
# --------------------------------------------------------------------------------------------------------------
def test_nel_on_the_demo_means_its_own_system(demo):
    comps = cb.resolve_comparators(demo, demo.home_area_code, "NEL")
    assert comps.codes[0] == demo.home_area_code
    assert set(comps.codes) == {f"X0900000{i}" for i in range(1, 9)}


def test_real_groups_and_custom_lists(real):
    nel = cb.resolve_comparators(real, TH, "NEL")
    assert set(nel.codes) == {"E09000001", "E09000002", "E09000012", "E09000016", "E09000025", "E09000026",
                              TH, "E09000031"}
    inel = cb.resolve_comparators(real, NEWHAM, "inel")
    assert set(inel.codes) == {"E09000001", "E09000012", NEWHAM, TH}
    custom = cb.resolve_comparators(real, TH, "E09000025, E09000012")
    assert custom.codes == [TH, NEWHAM, "E09000012"]
    sn = cb.resolve_comparators(real, TH, "statistical_neighbours")
    assert sn.provisional and sn.codes[0] == TH and len(sn.codes) == 11
    with pytest.raises(ConfigError):
        cb.resolve_comparators(real, NEWHAM, "statistical_neighbours")
    with pytest.raises(DataError):
        cb.resolve_comparators(real, TH, "E09000030,E09999999")
    with pytest.raises(ConfigError):
        cb.resolve_comparators(real, TH, "no such group")


def test_benchmarks_found_through_the_lookups(real, demo):
    b = cb.benchmarks_for(real, NEWHAM)
    assert (b.region_code, b.country_code) == (LONDON, ENGLAND)
    d = cb.benchmarks_for(demo, demo.home_area_code)
    assert (d.region_code, d.country_code) == ("X12000001", "X92000001")


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
        assert row.ci_method == cb.CI_WILSON


def test_pm25_is_published_without_intervals_so_it_is_not_compared(open_data_root, real_table):
    raw = raw_fingertips(open_data_root, PM25)
    t = real_table[real_table["indicator_id"] == "93867"]
    th = t[t["area_code"] == TH].iloc[0]
    src = raw[(raw["Area Code"] == TH) & (raw["Time period"].astype(str) == "2020")].iloc[0]
    assert th["value"] == pytest.approx(src["Value"])
    assert pd.isna(th["lower_ci_95"]) and th["ci_method"] == cb.CI_NONE
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


def test_qof_prevalence_values_are_the_published_ones(open_data_root, real_table):
    raw = pd.read_csv(open_data_root / "indicators/hoc_qof_modelled_prevalence_lad_2019-20.csv")
    src = raw[(raw["lad_code"] == TH) & (raw["group_code"] == "DM")].iloc[0]
    row = real_table[(real_table["indicator_id"] == "qof_prevalence_dm") & (real_table["area_code"] == TH)].iloc[0]
    assert row["value"] == pytest.approx(100 * src["prevalence"])
    assert row["recomputed_value"] == pytest.approx(100 * src["register"] / src["list"])
    assert row["count"] == pytest.approx(src["register"])


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
        "role": [cb.ROLE_AREA, cb.ROLE_COMPARATOR, cb.ROLE_COMPARATOR, cb.ROLE_REGION] * 2
        + [cb.ROLE_AREA, cb.ROLE_COMPARATOR, cb.ROLE_COMPARATOR],
        "value": [10.0, 5.0, 20.0, 1.0, 10.0, 5.0, 20.0, 1.0, 7.0, 7.0, 3.0],
        "polarity": ["lower_is_better"] * 4 + ["higher_is_better"] * 4 + ["no_judgement"] * 3,
    })
    r = cb.ranks(t).set_index("indicator_id")
    assert r.loc["a", "rank"] == 2 and r.loc["a", "of"] == 3  # the region is not ranked
    assert r.loc["b", "rank"] == 2
    assert r.loc["c", "rank"] == 1 and r.loc["c", "rank_text"] == "1st highest of 3"  # tie shares the better rank
    assert r.loc["a", "rank_text"] == "2nd best of 3"


def test_real_rank_of_fuel_poverty_matches_the_raw_file(open_data_root, real_table):
    raw = raw_fingertips(open_data_root, FUEL)
    nel = cb.resolve_comparators(None or real_table.attrs.get("store") or _store(open_data_root), TH, "NEL").codes
    r = raw[(raw["Time period"].astype(str) == "2020") & raw["Area Code"].isin(nel)]
    expected = int((r["Value"] < r.loc[r["Area Code"] == TH, "Value"].iloc[0]).sum()) + 1  # lower is better
    got = cb.ranks(real_table).set_index("indicator_id").loc["93759"]
    assert got["rank"] == expected and got["of"] == len(nel)


def _store(root):
    from thanalysis.data.open import open_store

    return open_store(root)


def test_spine_range_is_over_local_authorities(open_data_root, real, real_table):
    sp = cb.spine_data(real, real_table).set_index("indicator_id")
    raw = raw_fingertips(open_data_root, FUEL)
    las = raw[(raw["Time period"].astype(str) == "2020") & raw["Area Code"].str.startswith("E09")]
    assert sp.loc["93759", "england_min"] == pytest.approx(las["Value"].min())
    assert sp.loc["93759", "england_max"] == pytest.approx(las["Value"].max())
    assert sp.loc["93759", "england_q25"] == pytest.approx(las["Value"].quantile(0.25))
    assert sp.loc["93759", "england_value"] == pytest.approx(
        raw[(raw["Area Code"] == ENGLAND) & (raw["Time period"].astype(str) == "2020")]["Value"].iloc[0])
    assert "the source holds only these" in sp.loc["93759", "range_basis"]
    fig = cb.spine_figure(sp.reset_index(), area_label="Tower Hamlets", country_label="England")
    assert fig.axes


def test_spine_relabels_the_country_on_the_demo(demo, demo_table):
    sp = cb.spine_data(demo, demo_table)
    fig = cb.spine_figure(sp, area_label="Riverside", country_label="Demoland")
    texts = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()]
    texts += [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert not any("England" in t for t in texts)
    assert any("Demoland" in t for t in texts)


def test_short_real_series_say_the_trend_cannot_be_calculated(real):
    values, labels = cb.comparator_trends(real, TH, "NEL", ["93867", "93759"])
    assert set(values["indicator_id"]) == {"93867", "93759"}
    pm = values[(values["indicator_id"] == "93867") & (values["area_code"] == TH)]
    assert sorted(pm["period"]) == ["2018", "2019", "2020"]
    assert (labels["trend"] == cb.TOO_FEW_PERIODS).all()
    assert "fewer than 5 periods" in words.trend_sentence("Tower Hamlets", labels)


def test_demo_trends_have_ten_periods_and_labels(demo):
    values, labels = cb.comparator_trends(demo, demo.home_area_code, "NEL", ["fuel_poverty_lilee"])
    assert values.groupby("area_code")["period"].nunique().eq(10).all()
    assert len(labels) == 10  # 8 boroughs, region, country
    assert not labels["trend"].str.startswith("Cannot").any()


# --------------------------------------------------------------------------------------------------------------
# registered and resident populations
# --------------------------------------------------------------------------------------------------------------
def test_registered_vs_resident_real(open_data_root, real):
    gp = pd.read_csv(open_data_root / "gp/hoc_gp_practice_demographics_apr2020.csv")
    mapping = pd.read_csv(open_data_root / "gp/gp-reg-pat-prac-map_sep2020.csv")
    th = mapping[mapping["CCG_CODE"] == "08V"]
    listed = gp[gp["PRACTICE_CODE"].isin(th["PRACTICE_CODE"])]
    census = pd.read_csv(open_data_root / "population/census2021/census2021-ts007a-ltla.csv")
    residents = census.loc[census["geography code"] == TH, "Age: Total"].iloc[0]
    r = cb.registered_vs_resident(real, TH, [NEWHAM, "E09000012"]).set_index("area_code")
    assert r.loc[TH, "registered"] == listed["Total"].sum() == 343398
    assert r.loc[TH, "practices"] == 35
    assert r.loc[TH, "residents"] == residents == 310306
    assert r.loc[TH, "ratio"] == pytest.approx(343398 / 310306)
    assert pd.isna(r.loc["E09000012", "registered"]) and r.loc["E09000012", "note"]  # City and Hackney CCG
    pcns = cb.pcn_list_sizes(real, TH)
    assert len(pcns) == 8 and pcns["practices"].sum() == 35
    assert pcns["registered"].sum() == 343398
    expected = listed.merge(th[["PRACTICE_CODE", "PCN_CODE"]], on="PRACTICE_CODE").groupby("PCN_CODE")["Total"].sum()
    assert pcns.set_index("pcn_code")["registered"].to_dict() == expected.to_dict()
    sentence = words.registered_sentence(r.reset_index().iloc[0])
    assert "343,398" in sentence and "310,306" in sentence and "more" in sentence


def test_real_flows_are_lists_not_resident_flows(real):
    assert cb.flows_by_borough(real) is None


# --------------------------------------------------------------------------------------------------------------
# flows
# --------------------------------------------------------------------------------------------------------------
def test_flow_shares_hand_worked():
    flows = pd.DataFrame({"origin_la": ["A", "A", "B", "B", "C"], "destination_la": ["A", "B", "A", "B", "A"],
                          "count": [80.0, 20.0, 10.0, 90.0, 5.0]})
    fs = cb.flow_shares(flows)
    s = fs.summary.set_index("area_code")
    assert s.loc["A", "share_served_elsewhere"] == pytest.approx(0.2)
    assert s.loc["A", "share_from_outside"] == pytest.approx(15 / 95)
    assert s.loc["B", "share_served_elsewhere"] == pytest.approx(0.1)
    assert s.loc["B", "share_from_outside"] == pytest.approx(20 / 110)
    assert not s.loc["C", "complete"] and pd.isna(s.loc["C", "share_served_elsewhere"])
    sums = fs.long.groupby("origin")["share_of_origin"].sum()
    assert np.allclose(sums, 1.0)
    assert np.allclose(fs.long.groupby("destination")["share_of_destination"].sum(), 1.0)
    m = fs.matrix.set_index(fs.matrix.columns[0])
    assert m.loc["Total", "Total"] == flows["count"].sum() == fs.total
    assert m.loc["A", "B"] == 20 and m.loc["C", "B"] == 0
    assert m.drop(index="Total")["Total"].sum() == flows["count"].sum()
    with pytest.raises(DataError):
        cb.flow_shares(flows.assign(count=[1, -1, 1, 1, 1]))


def test_demo_flows_by_borough_keep_the_total(demo, demo_root):
    raw = pd.read_csv(demo_root / "flows.csv", dtype=str)
    raw["count"] = raw["count"].astype(float)
    latest = raw[raw["period"] == sorted(raw["period"].unique())[-1]]
    byb = cb.flows_by_borough(demo)
    assert byb["count"].sum() == pytest.approx(latest["count"].sum())
    fs = cb.flow_shares(byb, names=cb.area_names(demo))
    assert np.allclose(fs.long.groupby("origin")["share_of_origin"].sum(), 1.0)
    m = fs.matrix.set_index(fs.matrix.columns[0])
    assert m.loc["Total", "Total"] == pytest.approx(latest["count"].sum())
    # Independent: residents of the home borough's LSOAs registered with practices outside the home borough.
    lk = pd.read_csv(demo_root / "lookups.csv", dtype=str)
    prac_pcn = lk[(lk["child_type"] == "practice")].set_index("child_code")["parent_code"]
    pcn_la = lk[(lk["child_type"] == "pcn")].set_index("child_code")["parent_code"]
    home = demo.home_area_code
    res = latest[latest["origin_type"] == "lsoa21"]
    dest_la = res["destination_code"].map(prac_pcn).map(pcn_la)
    share = res.loc[dest_la != home, "count"].sum() / res["count"].sum()
    s = fs.summary.set_index("area_code")
    assert s.loc[home, "share_served_elsewhere"] == pytest.approx(share)
    assert s.loc[home, "complete"] and not s.drop(index=home)["complete"].any()
    assert "%" in words.flow_sentence(home, fs.summary)


def test_user_flows_csv_is_validated(tmp_path):
    good = tmp_path / "flows.csv"
    pd.DataFrame({"origin_code": ["E09000030"], "origin_type": ["la"], "destination_code": ["E09000025"],
                  "destination_type": ["la"], "period": ["2023"], "count": [12.0]}).to_csv(good, index=False)
    assert len(cb.read_flows_csv(good)) == 1
    with pytest.raises(DataError):
        cb.read_flows_csv(tmp_path / "missing.csv")


# --------------------------------------------------------------------------------------------------------------
# intervals filled for rates
# --------------------------------------------------------------------------------------------------------------
def test_fill_intervals_rates_and_proportions():
    ind = pd.DataFrame({"indicator_id": ["p", "r", "o"], "value_type": ["proportion", "crude_rate", "other"],
                        "multiplier": [100.0, 1000.0, 1.0]})
    v = pd.DataFrame({"indicator_id": ["p", "r", "o", "p"], "count": [30.0, 4.0, np.nan, 5.0],
                      "denominator": [200.0, 2000.0, np.nan, 50.0], "value": [15.0, 2.0, 3.0, 10.0],
                      "lower_ci_95": [np.nan, np.nan, np.nan, 9.0], "upper_ci_95": [np.nan, np.nan, np.nan, 11.0],
                      "lower_ci_99_8": np.nan, "upper_ci_99_8": np.nan})
    out = cb.fill_intervals(v, ind)
    lo, hi = wilson(30, 200, Z95)
    assert out.loc[0, "lower_ci_95"] == pytest.approx(100 * lo) and out.loc[0, "upper_ci_95"] == pytest.approx(100 * hi)
    # 4 events: exact Poisson limits (chi-squared), 1000 × limit / 2000
    from scipy.stats import chi2
    assert out.loc[1, "lower_ci_95"] == pytest.approx(1000 * chi2.ppf(0.025, 8) / 2 / 2000)
    assert out.loc[1, "upper_ci_95"] == pytest.approx(1000 * chi2.ppf(0.975, 10) / 2 / 2000)
    assert pd.isna(out.loc[2, "lower_ci_95"]) and out.loc[2, "ci_method"] == cb.CI_NONE
    assert out.loc[3, "lower_ci_95"] == 9.0 and out.loc[3, "ci_method"] == cb.CI_PUBLISHED  # published kept
    assert out["ci_method"].tolist()[:2] == [cb.CI_WILSON, cb.CI_POISSON]


# --------------------------------------------------------------------------------------------------------------
# narrative
# --------------------------------------------------------------------------------------------------------------
def test_summary_sentences_follow_the_labels():
    comp = pd.DataFrame({
        "benchmark": ["Region"] * 4, "benchmark_name": ["London"] * 4,
        "indicator": ["A", "B", "C", "D"], "comparison_95": ["Worse", "Worse", "Similar", "Not compared"],
    })
    s = words.short_benchmark_sentence("Tower Hamlets", comp, "Region")
    assert s.startswith("Tower Hamlets is significantly worse than London on 2 of 3 indicators: A and B")
    full = words.benchmark_sentences("Tower Hamlets", comp)[0]
    assert "1 indicator could not be compared" in full


# --------------------------------------------------------------------------------------------------------------
# the SVG flow chart
# --------------------------------------------------------------------------------------------------------------
def test_sankey_bands_are_proportional_and_accessible():
    df = pd.DataFrame({"source": ["Riverside", "Riverside", "Eastbridge"], "target": ["Riverside", "Eastbridge",
                                                                                      "Riverside"],
                       "value": [300.0, 100.0, 50.0]})
    svg = sankey.sankey_svg(df, title="Where residents are served", description="Test chart.")
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("role") == "img"
    assert root.find(f"{ns}title").text == "Where residents are served"
    desc = root.find(f"{ns}desc").text
    assert "Riverside to Eastbridge: 100 people" in desc and "Test chart." in desc
    widths = sorted(sankey.band_widths(svg))
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=0.02)
    assert widths[2] / widths[0] == pytest.approx(6.0, rel=0.02)
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert any(t.startswith("Riverside (400)") for t in texts) and any(t.startswith("Eastbridge (50)") for t in texts)
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert sankey.sankey_svg(df, title="Where residents are served") == sankey.sankey_svg(
        df, title="Where residents are served")
    with pytest.raises(ValueError):
        sankey.sankey_svg(df, title="")
    with pytest.raises(DataError):
        sankey.sankey_svg(df.assign(value=0.0), title="x")
