"""Fingertips indicators fetched on demand (``thanalysis.data.published.fingertips_api``): the exports of
``fingertips/api/`` as canonical values and their metadata as indicators, read only when asked for; and the raw
export winning over a republished series of the same id (``thanalysis.data.real_published``).

Exports are the hand-written fixtures of tests/data/fixtures/fingertips_api(_london), put into a data root as
``thanalysis data fingertips`` leaves them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.data.fingertips_roots import FIXTURES, copy_fixture, export_text, fresh, mirror_root, put_export
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.check import check_datasets
from thanalysis.data.published import fingertips_api as fa
from thanalysis.data.published.fingertips_tidy import read as read_tidy
from thanalysis.data.real import RealStore
from thanalysis.data.real_published import RAW_NOTE, available_modules
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH, CITY = "E09000030", "E09000001"
SMALL = FIXTURES / "fingertips_api"


def one(values: pd.DataFrame, indicator: str, area: str, **match) -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area)]
    for column, value in match.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (indicator, area, match, len(rows))
    return rows.iloc[0]


@pytest.fixture()
def root(tmp_path):
    r = tmp_path / "root"
    r.mkdir()
    copy_fixture(r, "90366", retrieved_at="2026-11-30T09:15:00Z")
    copy_fixture(r, "20601", retrieved_at="2026-12-01T23:59:00Z")
    copy_fixture(r, "92443", fixtures=SMALL)  # no provenance record: no date
    return r


def test_values_keep_limits_counts_breakdowns_and_fingertips_comparisons(root):
    series = fa.read(root)
    v = series.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    assert set(v["indicator_id"]) == {"90366", "20601", "92443"}
    assert v.groupby("area_type")["area_code"].nunique().to_dict() == {"country": 1, "region": 1, "la": 33}
    r = one(v, "90366", TH, sex="Female", period="2020 - 22")  # the fixture's row: 83.1, 82.5-83.7, 82.2-84.0
    assert (r["value"], r["lower_ci_95"], r["upper_ci_95"], r["lower_ci_99_8"], r["upper_ci_99_8"]) == (
        83.1, 82.5, 83.7, 82.2, 84.0)
    assert (r["age"], r["period_start"], r["period_end"]) == (
        "All ages", pd.Timestamp("2020-01-01"), pd.Timestamp("2022-12-31"))
    assert r["value_note"] == "Fingertips: Similar to England"
    r = one(v, "20601", TH)
    assert (r["count"], r["denominator"], r["value"], r["sex"], r["age"]) == (1764, 8000, 22.1, "Persons", "4-5 yrs")
    assert r["value_note"] == "Fingertips: Better than England"
    assert one(v, "20601", "E92000001")["value_note"] == ""  # England is not compared with itself
    assert one(v, "92443", "E12000007")["value_note"] == "Fingertips: Similar to England"
    # Suppressed: missing, with Fingertips' reason kept.
    r = one(v, "20601", CITY)
    assert np.isnan(r["value"]) and np.isnan(r["count"]) and np.isnan(r["lower_ci_95"])
    assert r["value_note"] == "Value suppressed for disclosure control due to small count"
    assert one(v, "90366", CITY, sex="Male", period="2019 - 21")["value_note"].startswith("Value cannot be calculated")
    assert series.files[:3] == ["fingertips/api/20601_502.csv", "fingertips/api/90366_502.csv",
                                "fingertips/api/92443_502.csv"]
    assert "fingertips/api/metadata/90366.json" in series.files
    assert series.retrieved.isoformat() == "2026-12-01"


def test_indicators_from_metadata_dated_by_provenance(root):
    ind = fa.indicators(root).set_index("indicator_id")
    assert ind.loc["20601", ["name", "value_type", "multiplier", "unit", "polarity", "frequency"]].tolist() == [
        "Reception prevalence of overweight (including obesity)", "proportion", 100.0, "%", "lower_is_better",
        "annual"]
    assert ind.loc["90366", "polarity"] == "higher_is_better" and ind.loc["90366", "value_type"] == "life_expectancy"
    assert ind.loc["20601", "source"] == (fa.SOURCE + "; data source: National Child Measurement Programme (NCMP)")
    assert ind.loc["90366", "published"] == pd.Timestamp("2026-11-30")
    assert ind.loc["20601", "published"] == pd.Timestamp("2026-12-01")
    assert pd.isna(ind.loc["92443", "published"])
    assert ind["lag_months"].tolist() == [24.0, 24.0, 24.0]  # annual


def test_an_export_for_two_area_types_keeps_shared_rows_once(root):
    text = (SMALL / "all_data_92443_502.csv").read_text(encoding="utf-8")
    put_export(root, "92443", 501, text.replace("Counties & UAs (from Apr 2023)", "Districts & UAs (from Apr 2023)"),
               fixtures=SMALL)
    v = fa.read(root).values
    assert len(v[v["indicator_id"] == "92443"]) == 4  # not 8


def test_ward_and_msoa_rows_are_small_areas(tmp_path):
    text = export_text([
        {"Indicator ID": "20601", "Area Code": "E05009317", "Area Type": "Ward", "Sex": "Persons", "Age": "4-5 yrs",
         "Time period": "2022/23", "Value": "20.0", "Count": "20", "Denominator": "100",
         "Compared to England value or percentiles": "Similar", "Time period Sortable": "20220000",
         "Time period range": "1y"},
        {"Indicator ID": "20601", "Area Code": "E02000864", "Area Type": "MSOA", "Sex": "Persons", "Age": "4-5 yrs",
         "Time period": "2022/23", "Value": "30.0", "Count": "30", "Denominator": "100",
         "Time period Sortable": "20220000", "Time period range": "1y"},
    ])
    put_export(tmp_path, "20601", 8, text)
    v = fa.read(tmp_path).values.set_index("area_code")
    assert v.loc["E05009317", "area_type"] == "ward22" and v.loc["E02000864", "area_type"] == "msoa21"


def test_bad_exports_name_the_file(root):
    put_export(root, "90366", 502, (FIXTURES / "fingertips_api_london/all_data_20601_502.csv").read_text())
    with pytest.raises(DataError, match="export of indicator 90366 holds other indicators") as err:
        fa.read(root)
    assert err.value.file == "fingertips/api/90366_502.csv"
    (root / "fingertips/api/metadata/20601.json").unlink()
    (root / "fingertips/api/metadata/20601.csv").unlink()
    with pytest.raises(DataError, match="without their metadata") as err:
        fa.indicators(root)
    assert err.value.values == ["20601"]


def test_absent_folder_costs_nothing(tmp_path):
    assert fa.data_files(tmp_path) == [] and fa.indicators(tmp_path).empty
    with pytest.raises(DataError, match="No Fingertips exports"):
        fa.read(tmp_path)
    cat = load_catalogue()
    ds = cat["fingertips_api"]
    assert ds.is_on_demand and ds.module == "fingertips_api" and not ds.present(tmp_path)
    row = next(r for r in check_datasets(tmp_path, cat) if r["item"] == "fingertips_api")
    assert row["status"] == "ok" and row["note"].startswith("none fetched yet")
    copy_fixture(tmp_path, "90366")
    copy_fixture(tmp_path, "20601")
    assert ds.present(tmp_path)
    row = next(r for r in check_datasets(tmp_path, cat) if r["item"] == "fingertips_api")
    assert row["rows"] == 2 and row["note"] == "2 file(s) fetched on demand, read by series:fingertips_api"


# --- the raw export wins (real mirror) ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shared_root(tmp_path_factory, open_data_root):
    return mirror_root(tmp_path_factory.mktemp("ftapi"), open_data_root)


@pytest.mark.real
def test_mirror_store_without_fetched_indicators_reads_nothing_of_them(shared_root):
    fresh(shared_root)
    store = RealStore(shared_root)
    assert "fingertips_api" not in available_modules(store)
    ind = store.indicators().set_index("indicator_id")
    assert RAW_NOTE not in ind.loc["90366", "source"] and "Trafford" in ind.loc["90366", "source"]
    assert not any(rel.startswith("fingertips/api") for rel in store._read)


@pytest.mark.real
def test_raw_export_wins_over_the_republished_series(shared_root):
    """90366 is in the Trafford tidy extracts (no limits, no counts) and in a fetched export: the store serves the
    export's values and its indicators table says it replaced the republished ones."""
    fresh(shared_root)
    tidy = read_tidy(shared_root)
    tidy_source = tidy.indicators.set_index("indicator_id").loc["90366", "source"]
    copy_fixture(shared_root, "90366", retrieved_at="2026-12-01T10:00:00Z")
    copy_fixture(shared_root, "20601", retrieved_at="2026-12-01T10:00:00Z")
    store = RealStore(shared_root)
    ind = store.indicators().set_index("indicator_id")
    assert ind.index.is_unique
    assert ind.loc["90366", "source"].startswith(fa.SOURCE)
    assert ind.loc["90366", "source"].endswith(RAW_NOTE + tidy_source + ")")
    assert ind.loc["20601", "source"] == fa.SOURCE + "; data source: National Child Measurement Programme (NCMP)"
    v = store.values(["90366"])
    expected = fa.read(shared_root).values
    expected = expected[expected["indicator_id"] == "90366"].reset_index(drop=True)
    pd.testing.assert_frame_equal(v.reset_index(drop=True), expected)
    assert v["upper_ci_95"].notna().any()  # the tidy extract has no limits at all
    assert set(v["period"]) == {"2019 - 21", "2020 - 22"}  # not the tidy extract's periods
    assert any(rel == "fingertips/api/90366_502.csv" for rel in store._read)  # recorded for provenance
    # Other tidy indicators are still served by the tidy reader.
    other = next(i for i in tidy.indicators["indicator_id"] if i != "90366")
    assert len(store.values([other])) == int((tidy.values["indicator_id"] == other).sum())
