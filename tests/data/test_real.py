"""The catalogue and the RealStore against the real open-data mirror: known facts about the files.

Every expected number here comes from the publishers' files (counted independently with plain pandas/csv
below, or stated in shared/data/open/PROVENANCE.md), not from this package's output.
"""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.open import open_store
from thanalysis.data.readers import reader
from thanalysis.data.real import RealStore, looks_like_real_root
from thanalysis.data.schemas import check_lsoa_vintage
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"
HACKNEY = "E09000012"


@pytest.fixture(scope="module")
def store(open_data_root):
    return RealStore(open_data_root)


def test_every_catalogue_entry_reads(open_data_root):
    for ds in load_catalogue():
        if ds.is_on_demand:
            continue  # fetched on demand (fingertips/api): tests/data/published/test_fingertips_api.py
        for rel in ds.files:
            assert (open_data_root / rel).is_file(), rel
        if ds.is_published_series:
            continue  # read by its module: tests/data/test_real_published.py
        data = reader(ds.reader)(ds.path(open_data_root), **ds.reader_options())
        assert len(data) > 0, ds.id
        if hasattr(data, "columns") and ds.reader != "fingertips_csv":
            assert set(ds.columns) <= set(data.columns), ds.id
        if hasattr(data, "crs"):
            assert data.crs.to_epsg() == 4326, ds.id


def test_open_store_finds_the_real_root(open_data_root):
    assert looks_like_real_root(open_data_root)
    s = open_store(open_data_root)
    assert s.kind == "real" and s.home_area_code == TH
    assert "synthetic" not in s.data_statement.lower()


def test_tower_hamlets_polygons(store):
    assert len(store.geometries("lsoa11", within=TH)) == 144
    assert len(store.geometries("lsoa21", within=TH)) == 169
    wards = store.geometries("ward22", within=TH)
    assert len(wards) == 20 and wards.crs.to_epsg() == 4326
    assert sorted(wards["area_code"]) == [f"E050093{n}" for n in range(17, 37)]
    assert len(store.geometries("msoa21", within=TH)) == 34
    la = store.geometries("la", within=TH)
    assert la["area_code"].tolist() == [TH]
    # the wards cover the borough (the council's ward file runs to the middle of the Thames, the generalised
    # LAD outline stops at the bank, so compare coverage, not total area), and each ward lies in the borough
    w27, la27 = wards.to_crs(27700), la.to_crs(27700)
    covered = la27.geometry.iloc[0].intersection(w27.geometry.union_all()).area / la27.area.iloc[0]
    assert covered > 0.98
    assert w27.representative_point().within(la27.geometry.iloc[0].buffer(200)).all()


def test_same_lsoa_codes_as_the_tower_hamlets_files(store, open_data_root):
    th_files = open_data_root / "boundaries" / "tower_hamlets"
    lsoa21 = pd.read_json(th_files / "lbth_lsoa21_full.geojson")["features"].map(lambda f: f["properties"]["LSOA21CD"])
    assert set(store.geometries("lsoa21", within=TH)["area_code"]) == set(lsoa21)


def test_second_borough_gets_its_own_wards_and_lsoas(store, open_data_root):
    lsoa = store.geometries("lsoa21", within=HACKNEY)
    wards = store.geometries("ward22", within=HACKNEY)
    lookup = pd.read_csv(open_data_root / "lookups" / "lsoa21_ward22_best_fit_EW_gla.csv")
    expected_wards = set(lookup.loc[lookup["lsoa21cd"].isin(lsoa["area_code"]), "ward22cd"])
    assert len(lsoa) > 100 and set(wards["area_code"]) == expected_wards
    assert not set(wards["area_code"]) & set(store.geometries("ward22", within=TH)["area_code"])
    # Hackney's wards did not change in 2022: the GLA 2018 ward polygons have the same codes
    gla = reader("mapinfo")(open_data_root / "boundaries/london/London-wards-2018_MapInfo/London_Ward.tab")
    assert expected_wards == set(gla.loc[gla["LAGSSCODE"] == HACKNEY, "GSS_CODE"])


def test_imd_covers_england_and_the_store_keeps_london(store, open_data_root):
    path = open_data_root / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        codes = [row["LSOA code (2011)"] for row in csv.DictReader(fh)]
    assert len(set(codes)) == 32844
    v = store.values(["imd2019_score", "imd2019_decile"])
    th11 = set(store.geometries("lsoa11", within=TH)["area_code"])
    th = v[v["area_code"].isin(th11)]
    assert th.groupby("indicator_id").size().to_dict() == {"imd2019_decile": 144, "imd2019_score": 144}
    scores = pd.read_csv(open_data_root / "imd2019" / "imd2019_scores_england_from_mysociety.csv")
    s = th[th["indicator_id"] == "imd2019_score"].set_index("area_code")["value"]
    np.testing.assert_allclose(s.sort_index(), scores.set_index("lsoa11cd").loc[s.sort_index().index, "imd_score"])
    ind = store.indicators().set_index("indicator_id")
    assert ind.loc["imd2019_score", "polarity"] == "lower_is_better" and ind.loc["imd2019_score", "value_type"] == "other"
    assert v["lower_ci_95"].isna().all()


def test_census_population_tower_hamlets(store):
    pop = store.population()
    census = pop[pop["period"] == "2021"]
    assert census.loc[census["area_code"] == TH, "population"].sum() == 310306
    th21 = set(store.geometries("lsoa21", within=TH)["area_code"])
    assert census.loc[census["area_code"].isin(th21), "population"].sum() == 310303
    assert census.loc[census["area_code"] == TH, "age_band"].nunique() == 18
    mid2020 = pop[(pop["period"] == "2020") & pop["area_code"].isin(set(store.geometries("lsoa11", within=TH)["area_code"]))]
    assert mid2020.groupby("sex")["population"].sum().to_dict() == {"Female": 157426, "Male": 174543,
                                                                      "Persons": 331969}


def test_census_shares_recomputed_from_the_file(store, open_data_root):
    raw = pd.read_csv(open_data_root / "population/census2021/census2021-ts054-ltla.csv")
    row = raw[raw["geography code"] == TH].iloc[0]
    expected = 100 * row["Tenure of household: Social rented"] / row["Tenure of household: Total: All households"]
    v = store.values(["census21_social_rented"])
    th = v[(v["area_code"] == TH)].iloc[0]
    assert th["value"] == pytest.approx(expected, rel=1e-12)
    assert th["lower_ci_95"] < th["value"] < th["upper_ci_95"]
    assert th["lower_ci_99_8"] < th["lower_ci_95"] and th["upper_ci_99_8"] > th["upper_ci_95"]
    # Wilson limits recomputed from the formula in the PHE technical guide
    x, n, z = th["count"], th["denominator"], 1.959963984540054
    lo = (2 * x + z * z - z * np.sqrt(z * z + 4 * x * (1 - x / n))) / (2 * (n + z * z))
    assert th["lower_ci_95"] == pytest.approx(100 * lo, rel=1e-9)
    assert set(v["area_type"]) == {"lsoa21", "la"}


def test_fingertips_values_recomputed_from_count_and_denominator(store, open_data_root):
    v = store.values(["93759"])
    raw = pd.read_csv(open_data_root / "indicators" / "fingertips_93759_fuel_poverty_london_LAs.csv")
    assert len(v) == len(raw) == 158
    has = v.dropna(subset=["count", "denominator"])
    assert len(has) > 100
    # England's survey-based breakdowns (ethnicity, tenure, ...) publish counts rounded to thousands;
    # everything else (areas, deprivation deciles) is exactly 100 × count / denominator.
    rounded = (has["category_type"] != "") & (has["count"] % 1000 == 0) & (has["denominator"] % 1000 == 0)
    plain = has[~rounded]
    assert len(plain) >= 100
    np.testing.assert_allclose(plain["value"], 100 * plain["count"] / plain["denominator"], rtol=1e-9)
    cat = has[rounded]
    assert len(cat) > 0
    bound = 100 * (500 / cat["denominator"] + cat["count"] * 500 / cat["denominator"] ** 2) + 0.0005
    assert ((cat["value"] - 100 * cat["count"] / cat["denominator"]).abs() <= bound).all()
    th = v[(v["area_code"] == TH) & (v["category"] == "")].sort_values("period")
    assert th["period"].tolist() == ["2019", "2020"]
    pm = store.values(["93867"])
    assert len(pm) == 145 and pm["count"].isna().all()


def test_qof_prevalence_for_all_21_conditions(store, open_data_root):
    v = store.values([i for i in store.indicators()["indicator_id"] if i.startswith("qof_prevalence_")])
    raw = pd.read_csv(open_data_root / "indicators" / "hoc_qof_modelled_prevalence_lad_2019-20.csv")
    assert v["indicator_id"].nunique() == 21 and len(v) == len(raw)
    th_dm = v[(v["area_code"] == TH) & (v["indicator_id"] == "qof_prevalence_dm")].iloc[0]
    src = raw[(raw["lad_code"] == TH) & (raw["group_code"] == "DM")].iloc[0]
    assert th_dm["value"] == pytest.approx(100 * src["prevalence"]) == pytest.approx(100 * src["register"] / src["list"])
    assert th_dm["period"] == "2019/20"


def test_gp_practices_and_pcns(store, open_data_root):
    gp = pd.read_csv(open_data_root / "gp" / "gp-reg-pat-prac-map_sep2020.csv", dtype=str)
    th_practices = set(gp.loc[gp["CCG_CODE"] == "08V", "PRACTICE_CODE"])
    assert len(th_practices) == 35
    lk = store.lookups()
    th_pcns = set(lk.loc[(lk["child_type"] == "pcn") & (lk["parent_code"] == TH), "child_code"])
    assert len(th_pcns) == 8
    members = lk[(lk["child_type"] == "practice") & lk["parent_code"].isin(th_pcns)]
    assert set(members["child_code"]) == th_practices
    flows = store.flows()
    th_flows = flows[flows["destination_code"] == TH]
    assert set(th_flows["origin_code"]) == th_practices
    assert th_flows["count"].sum() == 343398  # PROVENANCE.md: TH's 35 practices total 343,398 patients


def test_lookups_are_consistent(store):
    lk = store.lookups()
    ll = lk[(lk["child_type"] == "lsoa11") & (lk["parent_type"] == "lsoa21")]
    sums = ll.groupby("child_code")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    th21 = set(store.geometries("lsoa21", within=TH)["area_code"])
    th11 = set(store.geometries("lsoa11", within=TH)["area_code"])
    reached = set(ll.loc[ll["child_code"].isin(th11), "parent_code"])
    assert reached == th21  # every 2021 LSOA has a 2011 parent, including the 27 the ONS file leaves out
    th_wards = lk[(lk["child_type"] == "ward22") & (lk["parent_code"] == TH)]
    assert len(th_wards) == 20
    assert set(lk.loc[(lk["child_type"] == "la") & (lk["parent_type"] == "region"), "parent_code"]) == {"E12000007"}
    # No table mixes LSOA vintages: values at lsoa21 hold no 2011-only codes, and vice versa.
    v = store.values(["census21_no_qualifications", "imd2019_rank"])
    assert check_lsoa_vintage(v[v["area_type"] == "lsoa21"], lk) in ("lsoa21", None)
    assert check_lsoa_vintage(v[v["area_type"] == "lsoa11"], lk) in ("lsoa11", None)


def test_tables_have_canonical_columns_and_provenance(store):
    for name in ("areas", "lookups", "indicators", "values", "population", "flows"):
        assert list(getattr(store, name)().columns) == CANONICAL_COLUMNS[name]
    sources = store.sources_used()
    assert all(not s.path.startswith("/") and len(s.sha256) == 64 for s in sources)
    paths = {s.path for s in sources}
    assert "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv" in paths
    assert "boundaries/london/london-2021-lsoa-gen20.dbf" in paths
    entry = next(s for s in sources if s.path.endswith("census2021-ts054-ltla.csv"))
    assert entry.publisher.startswith("Office for National Statistics") and entry.url.startswith("https://")


def test_unknown_indicator_and_area_type(store):
    from thanalysis.errors import DataError

    with pytest.raises(DataError, match="did you mean"):
        store.values(["imd2019_scor"])
    with pytest.raises(DataError, match="no boundaries"):
        store.geometries("practice")


def test_areas_within_a_ward(store):
    ward = "E05009317"  # Bethnal Green East
    lsoas = store.geometries("lsoa21", within=ward)
    lk = store.lookups()
    expected = set(lk.loc[(lk["child_type"] == "lsoa21") & (lk["parent_code"] == ward), "child_code"])
    assert set(lsoas["area_code"]) == expected and len(expected) > 3
    assert expected <= set(store.geometries("lsoa21", within=TH)["area_code"])
