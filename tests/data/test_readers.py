"""Readers on hand-written fixtures in the real formats, and on the real files of the open-data mirror."""
from __future__ import annotations

import csv
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from thanalysis.data import readers
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"


def _fingertips(path, **kw):
    """A Fingertips export read as published and mapped onto the canonical values, as the real store does."""
    return readers.fingertips_values(readers.read_fingertips_raw(path), source=str(path), **kw)
RANK = "Index of Multiple Deprivation (IMD) Rank"


# --- CSV ---------------------------------------------------------------------------------------------------
def test_csv_with_bom_and_thousands_separators():
    df = readers.read_csv(FIXTURES / "imd2019_file1_sample.csv", numeric=[RANK])
    assert df.columns[0] == "LSOA code (2011)"  # the byte-order mark is not glued to the name
    assert df[RANK].tolist() == [1234.0, 29199.0, 87.0]
    assert df["LSOA code (2011)"].tolist() == ["E01009901", "E01009902", "E01009903"]
    # the fast path (codes as text, the rest parsed while reading) gives the same numbers
    fast = readers.read_csv(FIXTURES / "imd2019_file1_sample.csv", text=["LSOA code (2011)", "LSOA name (2011)"])
    assert fast[RANK].tolist() == [1234.0, 29199.0, 87.0]


def test_csv_without_utf8_sig_keeps_codes_and_strips_the_mark():
    df = readers.read_csv(FIXTURES / "imd2019_file1_sample.csv", encoding="utf-8")
    assert df.columns[0] == "LSOA code (2011)"


def test_latin1_csv():
    df = readers.read_csv(FIXTURES / "ward_profiles_latin1.csv", encoding="latin-1",
                          numeric=["Male life expectancy -2009-13"])
    assert "Median House Price (£) - 2014" in df.columns
    assert df["Male life expectancy -2009-13"].tolist() == [78.1, 77.4]


def test_bad_number_names_column_and_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,count\nA,1\nB,\"2,000\"\nC,two\n")
    with pytest.raises(DataError) as exc:
        readers.read_csv(path, numeric=["count"])
    assert exc.value.column == "count" and exc.value.rows == [3] and exc.value.file == str(path)


def test_bad_number_message_gives_the_file_line(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,count\nA,1\nB,2\nC,two\n")
    with pytest.raises(DataError) as exc:
        readers.read_csv(path, numeric=["count"])
    assert exc.value.rows == [3] and exc.value.lines == [4]  # data row 3 is line 4: the header is line 1
    assert "lines: 4 (as numbered in the file: line 1 is the header)" in str(exc.value)


def test_compressed_csv_is_read_and_a_cut_one_refused(tmp_path):
    path = tmp_path / "t.csv.gz"
    data = gzip.compress(b"code,count\nA,1\nB,2\n")
    path.write_bytes(data)
    assert readers.read_csv(path, numeric=["count"])["count"].tolist() == [1.0, 2.0]
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="cannot be unpacked") as exc:
        readers.read_csv(path)
    assert "fetch it again" in exc.value.hint


def test_row_labels_follow_the_file_lines(tmp_path):
    clean = "a,b\n1,2\n3,4\n"
    assert readers.file_row_labels(clean, 2) is None  # the default labels are right
    spread = 'a,b\n1,"two\nlines"\n\n3,4\n'  # a value over lines 2-3, a blank line 4, the last row on line 5
    assert readers.file_row_labels(spread, 2).tolist() == [0, 3]  # label + 2 = line
    path = tmp_path / "spread.csv"
    path.write_text(spread)
    assert readers.read_csv(path).index.tolist() == [0, 3]


def test_last_row_shorter_than_the_header_is_a_cut_off_file(tmp_path):
    readers.check_last_row('a,b,c\n1,"x\ny",3\n')  # a value with a line break is one row, complete
    readers.check_last_row("a,b,c\n1,2,3")  # no line end after a complete row: fine
    with pytest.raises(DataError, match="ends in the middle of a row") as exc:
        readers.check_last_row('a,b,c\n1,2,3\n4,"x\ny"\n', file="t.csv")
    assert exc.value.lines == [3]  # the cut row starts on line 3


def test_missing_file_says_how_to_get_it(tmp_path):
    with pytest.raises(DataError) as exc:
        readers.read_csv(tmp_path / "nope.csv")
    assert "thanalysis data fetch" in str(exc.value) and exc.value.file.endswith("nope.csv")


def test_missing_expected_column_suggests(tmp_path):
    with pytest.raises(DataError) as exc:
        readers.read_csv(FIXTURES / "imd2019_file1_sample.csv", required=["LSOA code (2O11)"])
    assert "did you mean 'LSOA code (2011)'" in str(exc.value)


# --- Fingertips ----------------------------------------------------------------------------------------------
def test_fingertips_fixture_maps_one_to_one():
    raw = pd.read_csv(FIXTURES / "fingertips_export_sample.csv", dtype=str, keep_default_na=False)
    assert raw.shape[1] == 27
    v = _fingertips(FIXTURES / "fingertips_export_sample.csv", keep_comparisons=True)
    assert list(v.columns[:18]) == CANONICAL_COLUMNS["values"]
    assert len(v) == len(raw)
    assert v["indicator_id"].tolist() == raw["Indicator ID"].tolist()
    assert v["area_type"].tolist() == ["country", "la", "la", "country", "region"]
    assert v["sex"].tolist() == ["Persons", "Persons", "Male", "Persons", "Persons"]  # "Not applicable" → Persons
    assert v["age"].iloc[-1] == "All ages" and v["age"].iloc[0] == "18+ yrs"
    assert v["category_type"].tolist()[3] == "Ethnic groups" and v["category"].tolist()[:3] == ["", "", ""]
    np.testing.assert_allclose(v["value"], pd.to_numeric(raw["Value"]))
    np.testing.assert_allclose(v["count"].iloc[:4], pd.to_numeric(raw["Count"].iloc[:4]))
    assert np.isnan(v["lower_ci_95"].iloc[2]) and v["upper_ci_99_8"].iloc[1] == 29.4
    assert v["value_note"].iloc[2] == "Value note example"
    # the parent comparison column is called "Compared to London region ..." here
    assert v["compared_to_parent"].tolist()[:3] == ["Not compared", "Similar", "Worse"]
    assert v["compared_to_england"].tolist()[1] == "Worse"
    # periods: financial year 2019/20 and a 3-year calendar period
    assert v["period"].tolist()[0] == "2019/20" and v["period"].tolist()[-1] == "2017 - 19"
    assert v["period_start"].iloc[0] == pd.Timestamp("2019-04-01")
    assert v["period_end"].iloc[0] == pd.Timestamp("2020-03-31")
    assert v["period_start"].iloc[-1] == pd.Timestamp("2017-01-01")
    assert v["period_end"].iloc[-1] == pd.Timestamp("2019-12-31")


def test_fingertips_peer_sample(testvectors_root):
    path = testvectors_root / "fingertips" / "fingertips_all_data_csv_sample.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    v = _fingertips(path)
    assert len(v) == len(raw) and raw.shape[1] == 27
    assert v["sex"].tolist() == raw["Sex"].tolist()
    np.testing.assert_allclose(v["lower_ci_95"], pd.to_numeric(raw["Lower CI 95.0 limit"]))
    assert set(v["area_type"]) <= {"country", "region"}


def test_fingertips_missing_column(tmp_path):
    raw = pd.read_csv(FIXTURES / "fingertips_export_sample.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "ft.csv"
    raw.drop(columns=["Denominator"]).to_csv(path, index=False)
    with pytest.raises(DataError) as exc:
        _fingertips(path)
    assert exc.value.column == "Denominator" and exc.value.file == str(path)


def test_fingertips_unknown_area_type(tmp_path):
    raw = pd.read_csv(FIXTURES / "fingertips_export_sample.csv", dtype=str, keep_default_na=False)
    raw.loc[1, "Area Type"] = "Sub-ICB, former CCGs"
    path = tmp_path / "ft.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(DataError) as exc:
        _fingertips(path)
    assert exc.value.column == "Area Type" and exc.value.rows == [2]
    # and after rows the store filters out, still the file's own row
    ft = readers.read_fingertips_raw(path)
    with pytest.raises(DataError) as exc:
        readers.fingertips_values(ft.iloc[1:], source=str(path))
    assert exc.value.rows == [2] and exc.value.lines == [3]


# --- geometries --------------------------------------------------------------------------------------------
def test_geojson_fixture():
    g = readers.read_geojson(FIXTURES / "tiny_lsoa21.geojson")
    assert g.crs.to_epsg() == 4326 and g["LSOA21CD"].tolist() == ["E01009901", "E01009902"]


def test_topojson_fixture_gets_lon_lat():
    g = readers.read_topojson(FIXTURES / "tiny_wards.topo.json")
    assert g.crs.to_epsg() == 4326
    assert sorted(g["wardcode"]) == ["E05009901", "E05009902"]
    # the two wards share one arc, so they touch along it
    assert g.geometry.iloc[0].touches(g.geometry.iloc[1])
    np.testing.assert_allclose(g.geometry.iloc[0].bounds, (-0.05, 51.50, -0.04, 51.51))


def _bng_squares():
    import geopandas as gpd
    from shapely.geometry import box

    # Two 500 m squares near Tower Hamlets in British National Grid metres.
    return gpd.GeoDataFrame({"CODE": ["A", "B"], "NAME": ["West", "East"]},
                            geometry=[box(534000, 181000, 534500, 181500), box(534500, 181000, 535000, 181500)],
                            crs=27700)


def test_shapefile_in_british_national_grid_is_stored_lon_lat(tmp_path):
    import pyogrio

    path = tmp_path / "squares.shp"
    pyogrio.write_dataframe(_bng_squares(), path)
    g = readers.read_shapefile(path)
    assert g.crs.to_epsg() == 4326
    minx, miny, maxx, maxy = g.total_bounds
    assert -0.1 < minx < maxx < 0.0 and 51.5 < miny < maxy < 51.53  # east London
    native = readers.read_shapefile(path, to_storage=False)
    assert native.crs.to_epsg() == 27700 and native.geometry.area.round().tolist() == [250000.0, 250000.0]


def test_mapinfo_tab_is_read_as_british_national_grid(tmp_path):
    import pyogrio

    path = tmp_path / "wards.tab"
    pyogrio.write_dataframe(_bng_squares(), path, driver="MapInfo File")
    g = readers.read_mapinfo(path)
    assert g.crs.to_epsg() == 4326 and g["CODE"].tolist() == ["A", "B"]
    assert -0.1 < g.total_bounds[0] < 0.0


def test_unreadable_geometry_file(tmp_path):
    path = tmp_path / "broken.geojson"
    path.write_text("{ not json")
    with pytest.raises(DataError) as exc:
        readers.read_geojson(path)
    assert exc.value.file == str(path)


# --- the real files ----------------------------------------------------------------------------------------
def test_real_imd_file1_ranks_with_separators(open_data_root):
    path = open_data_root / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = next(iter(csv.DictReader(fh)))
    assert "," in first[RANK]  # the file really has "29,199"-style ranks
    df = readers.read_csv(path, numeric=[RANK])
    assert len(df) == 32844
    assert df.loc[0, RANK] == float(first[RANK].replace(",", ""))
    # Ranks run 1..32,844; the published file has a few tied ranks (equal scores), so not all are distinct.
    assert df[RANK].min() == 1 and df[RANK].max() == 32844 and df[RANK].nunique() > 32800


def test_real_ward_profiles_need_latin1(open_data_root):
    path = open_data_root / "indicators" / "gla_ward_profiles_2015_wards2002.csv"
    with pytest.raises(DataError) as exc:
        readers.read_csv(path, encoding="utf-8")
    assert "encoding" in str(exc.value)
    df = readers.read_csv(path, encoding="latin-1")
    assert len(df) == 660 and any("£" in c for c in df.columns)


def test_real_fingertips_exports(open_data_root):
    for name, rows in (("fingertips_93759_fuel_poverty_london_LAs.csv", 158),
                       ("fingertips_93867_pm25_london_LAs.csv", 145)):
        path = open_data_root / "indicators" / name
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert raw.shape == (rows, 27)
        v = _fingertips(path, keep_comparisons=True)
        assert len(v) == rows
        assert (v["area_code"] == raw["Area Code"]).all()
        np.testing.assert_allclose(v["value"], pd.to_numeric(raw["Value"]))
        assert set(v["area_type"]) == {"country", "region", "la"}
        assert (v["compared_to_parent"] == raw["Compared to Region value or percentiles"]).all()


def test_real_topojson_wards(open_data_root):
    g = readers.read_topojson(open_data_root / "boundaries" / "tower_hamlets" / "lbth-wards-2022.topo.json")
    assert len(g) == 20 and g.crs.to_epsg() == 4326
    assert sorted(g["wardcode"]) == [f"E050093{n}" for n in range(17, 37)]


def test_real_mapinfo_and_shapefiles(open_data_root):
    london = open_data_root / "boundaries" / "london"
    wards = readers.read_mapinfo(london / "London-wards-2018_MapInfo" / "London_Ward.tab")
    ref = readers.read_geojson(london / "London_Ward_2018_wgs84.geojson")  # the mirror's own reprojection
    assert len(wards) == 657 and wards.crs.to_epsg() == 4326
    w = wards.set_index("GSS_CODE").sort_index()
    r = ref.set_index("GSS_CODE").sort_index()
    np.testing.assert_allclose(w.geometry.representative_point().x, r.geometry.representative_point().x, atol=1e-4)
    lsoa = readers.read_shapefile(london / "london-2021-lsoa-gen20.shp", where="LAD22CD = 'E09000030'")
    assert len(lsoa) == 169 and lsoa.crs.to_epsg() == 4326
