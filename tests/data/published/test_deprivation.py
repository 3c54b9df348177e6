"""IDACI and IDAOPI from IoD2019 File 3 (thanalysis/data/published/deprivation.py).

The fixture (tests/data/published/fixtures/imd2019/supplementary/) has a byte-order mark and one row written with
thousands separators ("30,412"), as MHCLG's own CSVs do; its rows are hand-written in File 3's layout (real LSOA
codes, made-up ranks with the deciles that go with them). Real-data tests check the
counts and Tower Hamlets rows quoted in the mirror's ``imd2019/supplementary/SOURCE.md``, and File 3's IMD ranks and
deciles against File 1, counted with the csv module.
"""
from __future__ import annotations

import csv
from functools import partial

import pytest

from tests.data.published.conftest import edit_row
from thanalysis.data.published import deprivation
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

FILE_KEY = "File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI_csv"


def test_table_has_the_ranks_and_deciles_of_every_lsoa(fixture_root):
    t = deprivation.table(fixture_root())
    assert list(t.columns) == deprivation.TABLE_COLUMNS
    assert t.set_index("lsoa11").loc["E01000002"].tolist() == ["E09000001", 30105, 10, 31874, 10]  # "30,105"
    assert t.set_index("lsoa11").loc["E01004198"].tolist() == ["E09000030", 6843, 3, 271, 1]


def test_values_mirror_the_imd_deciles(fixture_root):
    series = deprivation.read(fixture_root())
    v = series.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    validate("values", v, indicators=series.indicators)
    assert set(v["area_type"]) == {"lsoa11"} and set(v["period"]) == {"2019"}
    assert len(v) == 4 * 4
    r = v[(v["indicator_id"] == "imd2019_idaopi_decile") & (v["area_code"] == "E01004197")].iloc[0]
    assert r["value"] == 1 and r["value_note"] == ""
    ind = series.indicators.set_index("indicator_id")
    assert ind.loc["imd2019_idaci_rank", "unit"] == "rank" and ind.loc["imd2019_idaci_decile", "unit"] == "decile"
    assert set(ind["polarity"]) == {"higher_is_better"} and set(ind["value_type"]) == {"other"}


def test_expected_decile_edges():
    assert deprivation.expected_decile([1, 3284, 3285, 32844]).tolist() == [1, 1, 2, 10]


@pytest.mark.parametrize("old, new, column_start, expected", [
    (",7718,3,", ",7718,4,", "Income Deprivation Affecting Children Index (IDACI) Decile", "decile of each rank"),
    (",1872,1", ",0,1", "Income Deprivation Affecting Older People (IDAOPI) Rank", "whole numbers"),
    (",1872,1", ",18.5,1", "Income Deprivation Affecting Older People (IDAOPI) Rank", "whole numbers"),
    (",1872,1", ",,1", "Income Deprivation Affecting Older People (IDAOPI) Rank", "whole numbers"),
    ("E01004197", "E0100419", "LSOA code (2011)", "LSOAs 2011"),
    ("E01004197", "E01004198", "LSOA code (2011)", "one row per LSOA"),
])
def test_bad_rows_name_the_column_and_row(fixture_root, old, new, column_start, expected):
    root = fixture_root(**{FILE_KEY: partial(edit_row, data_row=3, old=old, new=new)})
    with pytest.raises(DataError) as err:
        deprivation.read(root)
    e = err.value
    assert e.file == deprivation.FILE and e.column.startswith(column_start) and 3 in e.rows
    assert expected in e.expected


def test_text_in_a_rank(fixture_root):
    root = fixture_root(**{FILE_KEY: partial(edit_row, data_row=1, old=",32671,", new=",n/a,")})
    with pytest.raises(DataError) as err:
        deprivation.table(root)
    assert err.value.rows == [1] and err.value.column.startswith("Income Deprivation Affecting Children")


# --- the real mirror ------------------------------------------------------------------------------------------
def raw_rows(root, rel):
    with open(root / rel, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.real
def test_real_counts_and_tower_hamlets_rows(open_data_root):
    t = deprivation.table(open_data_root)
    assert len(t) == t["lsoa11"].nunique() == 32_844
    assert (t["lad19"] == "E09000030").sum() == 144 and t["lad19"].str.startswith("E09").sum() == 4_835
    th = t.set_index("lsoa11")
    assert th.loc["E01004197"].tolist() == ["E09000030", 7862, 3, 1940, 1]
    assert th.loc["E01004198"].tolist() == ["E09000030", 6780, 3, 249, 1]
    assert t["idaci_decile"].value_counts().between(3284, 3285).all()
    v = deprivation.read(open_data_root).values
    assert v.groupby("indicator_id").size().to_dict() == {i[0]: 32_844 for i in deprivation.INDICATORS}


@pytest.mark.real
def test_real_file_3_imd_agrees_with_file_1(open_data_root):
    f3 = {r["LSOA code (2011)"]: r for r in raw_rows(open_data_root, deprivation.FILE)}
    f1 = raw_rows(open_data_root, "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv")
    assert len(f1) == len(f3)
    rank3 = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
    differ = [r["LSOA code (2011)"] for r in f1
              if int(r["Index of Multiple Deprivation (IMD) Rank"].replace(",", "")) != int(f3[r["LSOA code (2011)"]]
                                                                                       [rank3].replace(",", ""))]
    assert differ == []
