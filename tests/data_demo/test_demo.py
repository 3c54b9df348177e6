"""The synthetic demo borough: deterministic files, valid canonical tables, realistic structure, planted events.

Checks compare the demo's tables with each other and with independent calculations (Wilson's formula written
out here, the project's SPC function, sums done here with pandas), never with numbers copied from a run.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm, spearmanr

from thanalysis.data.demo import DEFAULT_SEED, HOME_CODE, DemoStore, main, write_demo
from thanalysis.data.open import open_store
from thanalysis.data.schemas import validate
from thanalysis.data.store import sha256_file
from thanalysis.vocabulary import CANONICAL_COLUMNS, DEMO_MARKER

TABLES = ["areas", "lookups", "indicators", "values", "population", "flows"]


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def store(demo_root) -> DemoStore:
    return DemoStore(demo_root)


@pytest.fixture(scope="module")
def values(store) -> pd.DataFrame:
    return store.values()


@pytest.fixture(scope="module")
def meta(demo_root) -> dict:
    return json.loads((demo_root / DEMO_MARKER).read_text(encoding="utf-8"))


# --- determinism ------------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_files(demo_root, tmp_path):
    again = write_demo(tmp_path / "again", seed=DEFAULT_SEED)
    first, second = _digests(demo_root), _digests(again)
    assert len(first) >= 13
    assert first == second


def test_different_seed_gives_different_data(demo_root, tmp_path):
    other = _digests(write_demo(tmp_path / "other", seed=DEFAULT_SEED + 1))
    first = _digests(demo_root)
    assert set(other) == set(first)
    for name in ("values.csv", "population.csv", "geometries/lsoa21.geojson", "flows.csv", DEMO_MARKER):
        assert other[name] != first[name], name


def test_marker_records_seed_version_note_and_file_checksums(demo_root, meta):
    assert meta["seed"] == DEFAULT_SEED
    assert meta["version"]
    assert "synthetic" in meta["note"].lower()
    assert "0°N 0°E" in meta["location"]
    assert meta["home_area_code"] == HOME_CODE
    for rel, digest in meta["files"].items():
        assert sha256_file(demo_root / rel) == digest, rel
    assert {"areas.csv", "values.csv", "geometries/ward22.geojson"} <= set(meta["files"])


def test_no_timestamps_or_absolute_paths_in_files(demo_root):
    marker = (demo_root / DEMO_MARKER).read_text(encoding="utf-8")
    assert str(demo_root) not in marker
    assert "built_at" not in marker and "generated_at" not in marker


# --- the store and the schemas ----------------------------------------------------------------------------------
def test_store_identity(store, demo_root):
    assert store.kind == "demo"
    assert "synthetic demonstration data" in store.data_statement
    assert store.home_area_code == "X09000001"
    assert isinstance(open_store(demo_root), DemoStore)


@pytest.mark.parametrize("table", TABLES)
def test_files_pass_the_canonical_schemas(demo_root, table):
    raw = pd.read_csv(demo_root / f"{table}.csv", dtype=str, keep_default_na=False)
    numeric = {"lookups": ["weight"], "indicators": ["multiplier"], "population": ["population"], "flows": ["count"],
               "values": ["count", "denominator", "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8",
                          "upper_ci_99_8"]}.get(table, [])
    for col in numeric:
        raw[col] = pd.to_numeric(raw[col].replace("", np.nan))
    assert list(raw.columns) == CANONICAL_COLUMNS[table]
    checked = validate(table, raw, source=f"{table}.csv")
    assert len(checked) == len(raw)


def test_store_tables_and_sources(store):
    for table in TABLES:
        df = getattr(store, table)()
        assert list(df.columns) == CANONICAL_COLUMNS[table]
        assert len(df)
    used = {s.path for s in store.sources_used()}
    assert {f"{t}.csv" for t in TABLES} <= used
    assert all(not Path(p).is_absolute() for p in used)


def test_values_filter_and_unknown_indicator(store):
    from thanalysis.errors import DataError

    assert set(store.values(["employment_rate"])["indicator_id"]) == {"employment_rate"}
    with pytest.raises(DataError, match="no indicator"):
        store.values(["not_an_indicator"])


# --- geography --------------------------------------------------------------------------------------------------
def test_area_counts_and_fictional_codes(store):
    areas = store.areas()
    n = areas["area_type"].value_counts()
    assert 130 <= n["lsoa21"] <= 170
    assert n["ward22"] == 20
    assert n["locality"] == 4
    assert n["la"] == 8  # the borough and 7 neighbours
    assert n["region"] == 1 and n["country"] == 1
    assert areas["area_code"].str.startswith("X").all()
    named = areas[areas["area_type"] != "lsoa11"]
    assert named["area_name"].str.contains("(synthetic", regex=False).all()
    las = set(areas.loc[areas["area_type"] == "la", "area_code"])
    assert las == {f"X0900000{i}" for i in range(1, 9)}


def test_lsoas_nest_in_wards_and_localities(store):
    lk = store.lookups()
    lw = lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "ward22")]
    lsoas = store.areas().query("area_type == 'lsoa21'")["area_code"]
    assert lw["child_code"].is_unique and set(lw["child_code"]) == set(lsoas)
    wl = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")]
    assert wl["child_code"].nunique() == 20 and (wl.groupby("parent_code").size() == 5).all()


def test_geometries(store):
    areas = store.areas()
    for area_type in ("lsoa11", "lsoa21", "ward22", "locality", "la", "region", "country"):
        g = store.geometries(area_type)
        assert g.crs.to_epsg() == 4326
        assert set(g["area_code"]) == set(areas.loc[areas["area_type"] == area_type, "area_code"]), area_type
        assert g.is_valid.all()
    import shapely

    def area(gdf):  # planar area in square degrees: enough to compare shapes with each other
        return float(shapely.area(gdf.geometry.values).sum())

    lsoa, ward, la = store.geometries("lsoa21"), store.geometries("ward22"), store.geometries("la")
    # Wards, localities and the borough are dissolved unions of LSOAs: their areas add up.
    assert area(ward) == pytest.approx(area(lsoa), rel=1e-6)
    assert area(store.geometries("locality")) == pytest.approx(area(lsoa), rel=1e-6)
    home = la[la["area_code"] == HOME_CODE].geometry.iloc[0]
    assert home.area == pytest.approx(area(lsoa), rel=1e-6)
    # Every neighbour borders the borough without overlapping it (beyond snapping slivers).
    for geom in la[la["area_code"] != HOME_CODE].geometry:
        assert geom.distance(home) < 1e-6
        assert geom.intersection(home).area < 1e-6 * home.area
        assert geom.intersection(home.buffer(1e-4)).area > 0
    minx, miny, maxx, maxy = store.geometries("country").total_bounds
    assert -1 < minx and maxx < 1 and -1 < miny and maxy < 1
    assert len(store.geometries("ward22", within="XL000001")) == 5
    assert len(store.geometries("la", within="X12000001")) == 8


# --- population -------------------------------------------------------------------------------------------------
def test_population_by_sex_and_age(store):
    pop = store.population()
    bands = ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54",
             "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"]
    assert set(pop["age_band"]) == set(bands)
    assert pop["period"].nunique() >= 5
    wide = pop.pivot_table(index=["area_code", "period", "age_band"], columns="sex", values="population")
    assert np.allclose(wide["Persons"], wide["Male"] + wide["Female"])
    lsoas = store.areas().query("area_type == 'lsoa21'")["area_code"]
    persons = pop[pop["sex"] == "Persons"]
    by_lsoa = persons[persons["area_code"].isin(lsoas)].groupby("period")["population"].sum()
    borough = persons[persons["area_code"] == HOME_CODE].groupby("period")["population"].sum()
    pd.testing.assert_series_equal(by_lsoa, borough, check_names=False)
    assert 200_000 < borough.iloc[-1] < 400_000


# --- indicators -------------------------------------------------------------------------------------------------
def test_indicator_metadata(store):
    ind = store.indicators()
    assert (ind["source"] == "Synthetic demonstration data").all()
    assert ind["licence"].str.len().gt(0).all()
    assert set(ind["frequency"]) == {"annual", "monthly"}


def test_at_least_twelve_annual_indicators_over_ten_years(store, values, meta):
    annual = meta["annual_indicator_ids"]
    assert len(annual) >= 12
    v = values[values["indicator_id"].isin(annual)]
    periods = v.groupby("indicator_id")["period"].nunique()
    assert (periods == 10).all() and set(periods.index) == set(annual)
    # Values for the borough, its neighbours, the region and the country, for every annual indicator.
    need = {HOME_CODE, *(f"X0900000{i}" for i in range(2, 9)), "X12000001", "X92000001"}
    for ind_id in annual:
        assert need <= set(v.loc[v["indicator_id"] == ind_id, "area_code"]), ind_id


def test_annual_indicators_cover_the_five_calls_to_action(meta):
    from thanalysis.priorities import load_priorities

    calls = {p.id for p in load_priorities().priorities if p.kind == "call_to_action"}
    assert len(calls) == 5
    assert calls <= set(meta["priorities"].values())


def test_counts_denominators_and_wilson_intervals(store, values):
    ind = store.indicators().set_index("indicator_id")
    vt = values["indicator_id"].map(ind["value_type"])
    needs = vt.isin(["proportion", "crude_rate", "dsr"])
    assert values.loc[needs, ["count", "denominator"]].notna().all().all()
    prop = values[vt == "proportion"]
    mult = prop["indicator_id"].map(ind["multiplier"])
    np.testing.assert_allclose(prop["value"], prop["count"] / prop["denominator"] * mult, rtol=1e-6, atol=1e-6)
    # Wilson score interval written out independently (Newcombe 1998, method 3).
    x, n, z = prop["count"].to_numpy(), prop["denominator"].to_numpy(), norm.ppf(0.975)
    spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
    lower = (2 * x + z * z - spread) / (2 * (n + z * z)) * mult
    np.testing.assert_allclose(prop["lower_ci_95"], lower, rtol=1e-6, atol=1e-6)
    has_ci = values["lower_ci_95"].notna()
    assert (values.loc[has_ci, "lower_ci_95"] <= values.loc[has_ci, "value"] + 1e-6).all()
    assert (values.loc[has_ci, "upper_ci_99_8"] >= values.loc[has_ci, "upper_ci_95"] - 1e-6).all()


def test_borough_counts_are_the_sum_of_its_wards(store, values):
    from thanalysis.geography.hierarchy import aggregate

    v = values[(values["indicator_id"] == "employment_rate") & (values["category"] == "")]
    wards = v[v["area_type"] == "ward22"]
    summed = aggregate(wards, store.lookups(), "ward22", "la", ["count", "denominator"], by=["period"])
    borough = v[v["area_code"] == HOME_CODE].set_index("period")[["count", "denominator"]]
    np.testing.assert_allclose(summed.set_index("period")[["count", "denominator"]].loc[borough.index], borough)


def test_ethnic_breakdowns(values, meta):
    eth = values[values["category_type"] == "Ethnic group"]
    assert len(meta["ethnic_breakdowns"]) >= 3
    assert set(eth["indicator_id"]) == set(meta["ethnic_breakdowns"])
    assert set(eth["category"]) == {"Asian", "Black", "Mixed", "Other", "White"}
    assert {HOME_CODE, "XL000001", "X92000001"} <= set(eth["area_code"])


def _imd(values, area_type):
    v = values[(values["indicator_id"] == "imd_score") & (values["area_type"] == area_type)]
    return v.set_index("area_code")["value"]


@pytest.mark.parametrize("indicator, area_type, sign", [
    ("no_qualifications", "lsoa21", 1), ("overcrowding", "lsoa21", 1), ("fuel_poverty_lilee", "lsoa21", 1),
    ("employment_rate", "ward22", -1), ("child_obesity_y6", "ward22", 1), ("school_readiness", "ward22", -1),
    ("emergency_admissions_dsr", "ward22", 1), ("life_expectancy_at_birth", "ward22", -1),
])
def test_deprivation_gradient(values, indicator, area_type, sign):
    v = values[(values["indicator_id"] == indicator) & (values["area_type"] == area_type)
               & (values["category"] == "") & (values["sex"].isin(["Persons", "Female"]))]
    latest = v[v["period"] == v["period"].max()].set_index("area_code")["value"]
    rho = spearmanr(_imd(values, area_type).loc[latest.index], latest).statistic
    assert sign * rho > 0.3, rho


def test_deprivation_deciles(values):
    lsoa = values[values["area_type"] == "lsoa21"]
    local = lsoa[lsoa["indicator_id"] == "imd_decile_local"].set_index("area_code")["value"]
    national = lsoa[lsoa["indicator_id"] == "imd_decile_national"].set_index("area_code")["value"]
    score = _imd(values, "lsoa21")
    assert set(local) == set(range(1, 11))
    assert national.between(1, 10).all()
    # Decile 1 is the most deprived: the score falls as the decile rises.
    assert spearmanr(score.loc[local.index], local).statistic < -0.95
    assert spearmanr(score.loc[national.index], national).statistic < -0.9


@pytest.mark.parametrize("indicator", ["school_readiness", "child_obesity_y6"])
def test_deprivation_gap_narrows(values, indicator):
    """The slope of the indicator on ward deprivation is flatter in the last three years than the first three."""
    v = values[(values["indicator_id"] == indicator) & (values["area_type"] == "ward22") & (values["category"] == "")]
    year = v["period"].str[:4].astype(int)
    imd = _imd(values, "ward22")
    slopes = []
    for years in (year.min() + np.arange(3), year.max() - np.arange(3)):
        g = v[year.isin(years)].groupby("area_code")[["count", "denominator"]].sum()
        rate = g["count"] / g["denominator"]
        slopes.append(np.polyfit(imd.loc[rate.index], rate, 1)[0])
    assert abs(slopes[1]) < 0.8 * abs(slopes[0]), slopes


# --- monthly dashboard metrics and planted special causes -------------------------------------------------------
def test_monthly_metrics(store, values, meta):
    from thanalysis.priorities import load_priorities

    ids = meta["monthly_metric_ids"]
    assert ids == load_priorities().monthly_metric_ids(demo_only=True)
    assert len(ids) >= 8
    m = values[values["indicator_id"].isin(ids)]
    per_area = m.groupby(["indicator_id", "area_code"])["period"].nunique()
    assert (per_area == 48).all()
    areas = m.groupby("indicator_id")["area_code"].apply(set)
    assert (areas == {HOME_CODE, "XL000001", "XL000002", "XL000003", "XL000004"}).all()
    assert set(store.indicators().set_index("indicator_id").loc[ids, "frequency"]) == {"monthly"}


def test_planted_events_recorded(meta):
    events = {p["event"] for p in meta["planted"]}
    assert {"shift", "trend", "outlier", "none"} <= events
    assert {p["metric_id"] for p in meta["planted"]} == set(meta["monthly_metric_ids"])
    for p in meta["planted"]:
        if p["event"] != "none":
            assert p["start"] <= p["end"] and p["direction"] in ("up", "down") and p["areas"]


def _spc_table(values, metric, area, polarity):
    from thanalysis.stats.spc import spc

    s = values[(values["indicator_id"] == metric) & (values["area_code"] == area)].sort_values("period")
    direction = {"higher_is_better": "increase", "lower_is_better": "decrease"}.get(polarity, "neutral")
    return spc(s.assign(date=s["period_start"]), "value", "date", improvement_direction=direction)


def test_planted_events_are_found_by_spc_and_null_series_are_quiet(store, values, meta):
    """Independent check with the project's SPC implementation (thanalysis.stats.spc), not the generator's."""
    polarity = store.indicators().set_index("indicator_id")["polarity"]
    for p in meta["planted"]:
        for area in p["quiet_areas"]:
            table = _spc_table(values, p["metric_id"], area, polarity[p["metric_id"]])
            assert not table["special_cause_flag"].any(), (p["metric_id"], area)
        if p["event"] == "none":
            continue
        for area in p["areas"]:
            table = _spc_table(values, p["metric_id"], area, polarity[p["metric_id"]])
            period = table["date"].dt.strftime("%Y-%m")
            inside = (period >= p["start"]) & (period <= p["end"])
            rule = {"shift": "run", "trend": "trend", "outlier": "outside_limits"}[p["event"]]
            assert table.loc[inside, rule].any(), (p["metric_id"], area, p["event"])
            if p["event"] == "outlier":
                assert table.loc[inside, "outside_limits"].all() and not table.loc[~inside, "outside_limits"].any()
            side = table.loc[inside, "value"].mean() - table.loc[~inside, "value"].mean()
            assert np.sign(side) == (1 if p["direction"] == "up" else -1), (p["metric_id"], area)


# --- GP registrations -------------------------------------------------------------------------------------------
def test_flows_cross_borough_lines(store):
    flows, lk = store.flows(), store.lookups()
    pcn = lk[(lk["child_type"] == "practice")].set_index("child_code")["parent_code"]
    la = lk[(lk["child_type"] == "pcn") & (lk["parent_type"] == "la")].set_index("child_code")["parent_code"]
    practice_la = pcn.map(la)
    residents = flows[flows["origin_type"] == "lsoa21"]
    out_of_borough = residents[residents["destination_code"].map(practice_la) != HOME_CODE]
    assert out_of_borough["count"].sum() > 0
    assert out_of_borough["destination_code"].map(practice_la).nunique() >= 5
    inbound = flows[flows["origin_type"] == "la"]
    assert (inbound["origin_code"] != HOME_CODE).all()
    assert (inbound["destination_code"].map(practice_la) == HOME_CODE).all() and inbound["count"].sum() > 0
    # Every resident LSOA registers somewhere; list sizes are close to the resident population.
    lsoas = store.areas().query("area_type == 'lsoa21'")["area_code"]
    assert set(residents["origin_code"]) == set(lsoas)
    assert store.areas().query("area_type == 'pcn'").shape[0] >= 8


# --- command line -----------------------------------------------------------------------------------------------
def test_cli_prints_checksums(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(argparse.Namespace(out=str(out), seed=7)) == 0
    printed = capsys.readouterr().out
    assert json.loads((out / DEMO_MARKER).read_text())["seed"] == 7
    for rel, digest in _digests(out).items():
        assert f"{digest}  {rel}" in printed
