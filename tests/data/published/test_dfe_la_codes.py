"""data/dfe_la_codes.csv (DfE LA number → ONS code), checked against LAIT and the mirror's ONS-coded files."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from thanalysis.config import project_data_file
from thanalysis.data.published import children


@pytest.fixture(scope="module")
def table():
    return children.la_codes()


def test_table_shape(table):
    assert project_data_file("dfe_la_codes.csv").read_text(encoding="utf-8").startswith("# DfE local authority")
    la = table[table["area_type"] == "la"]
    assert (la["current"] == "yes").sum() == 153  # every upper-tier authority of England (April 2023)
    assert set(la.loc[la["current"] == "no", "dfe_la_number"]) == {"835", "836", "837", "909", "928"}
    assert la["ons_code"].str.match(r"E(06|08|09|10)\d{6}$").all()
    assert table["ons_code"].is_unique
    assert (table[table["area_type"] == "region"]["ons_code"].str.match(r"E1[23]\d{6}$")).all()
    assert table.loc[table["area_type"] == "country", "ons_code"].tolist() == ["E92000001"]
    codes = table.set_index("dfe_la_number")["ons_code"]
    assert (codes["211"], codes["886"], codes["987"], codes["970"]) == ("E09000030", "E10000016", "E13000001",
                                                                        "E92000001")
    # Kinds of authority: 21 counties, 63 unitaries, 33 London boroughs, 36 metropolitan districts.
    current = la[la["current"] == "yes"]["ons_code"].str[:3].value_counts().to_dict()
    assert current == {"E06": 63, "E08": 36, "E09": 33, "E10": 21}


@pytest.mark.real
def test_every_lait_authority_is_in_the_table(table, open_data_root):
    long = pd.read_csv(open_data_root / "children/dfe_lait/lait_bds_long.csv.gz", usecols=["LA and Regions",
                                                                                         "LA Number"], dtype=str)
    pairs = long.drop_duplicates().copy()
    pairs["number"] = pairs["LA Number"].str.replace(r"\.0$", "", regex=True)
    merged = pairs.merge(table, left_on="number", right_on="dfe_la_number", how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    assert (merged["LA and Regions"] == merged["la_name"]).all()
    assert len(merged) == 170


def _codes_in(path, column, **kw) -> set[str]:
    return set(pd.read_csv(path, dtype=str, keep_default_na=False, **kw)[column].str.strip())


@pytest.mark.real
def test_every_code_exists_in_the_mirror(table, open_data_root):
    """Unitaries, boroughs and metropolitan districts in the Census 2021 LTLA file or the 2026 Fingertips file (which
    has the 2023 unitaries); counties in the Oflog adult social care or 2020 Fingertips (county) files."""
    root = open_data_root
    ltla = _codes_in(root / "population/census2021/census2021-ts007a-ltla.csv", "geography code")
    ft26 = _codes_in(root / "fingertips/trafford_themes_2026/children/obese_year6.csv", "area_code")
    oflog = _codes_in(root / "social_care/oflog_asc/ASC_data.csv", "Local authority code")
    ft20 = _codes_in(root / "fingertips/trafford_dashboard_2020/children/children_in_care.csv", "area_code")
    csc = set()
    for name in ("cla_rates.csv", "cin_rates.csv"):
        csc |= _codes_in(root / "children/dfe_csc" / name, "new_la_code") | \
            _codes_in(root / "children/dfe_csc" / name, "region_code")
    la = table[table["area_type"] == "la"]
    lower = la[la["ons_code"].str.match(r"E0[689]")]
    missing = set(lower["ons_code"]) - ltla - ft26
    assert not missing, missing
    counties = set(la.loc[la["ons_code"].str.startswith("E10"), "ons_code"])
    assert not counties - oflog - ft20, counties - oflog - ft20
    regions = set(table.loc[table["area_type"] == "region", "ons_code"])
    assert not regions - csc, regions - csc


@pytest.mark.real
def test_csc_pairs_agree_with_the_table(table, open_data_root):
    """Every (old_la_code, new_la_code) pair DfE publishes is the table's code or one of its other_codes."""
    aliases = children.code_aliases(table)
    number_to_code = table.set_index("dfe_la_number")["ons_code"]
    pairs = pd.read_csv(open_data_root / "children/dfe_csc/cin_rates.csv", dtype=str, keep_default_na=False)
    pairs = pairs[pairs["geographic_level"] == "Local authority"][["old_la_code", "new_la_code"]].drop_duplicates()
    assert len(pairs) > 150
    for number, code in pairs.itertuples(index=False):
        assert aliases[code] == number_to_code[re.sub(r"\.0$", "", number)], (number, code)
