"""GLA borough profiles 2016 and immunisations at age 5 by PCT (thanalysis/data/published/gla_profiles.py).

Fixtures (tests/data/published/fixtures/indicators/gla_borough_profiles_immunisations/) are hand-written rows in the
layouts of the two files: four boroughs of the profiles, and ten PCT-years of the immunisations file with its header
as published (``Area`` and ``Code`` swapped) and its year-by-year column layouts. Real-data tests check the counts and
the Tower Hamlets rows quoted in the mirror's SOURCE.md.
"""
from __future__ import annotations

import csv
from functools import partial

import numpy as np
import pandas as pd
import pytest

from tests.data.published.conftest import edit_row
from thanalysis.data.published import gla_profiles as gla
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH, CITY = "E09000030", "E09000001"
IMM = "london_immunisations_age5_2004_2012_csv"
PROF = "london_borough_profiles_2016_DEM_BoroughDemograpics_latest_csv"


def one(v: pd.DataFrame, **where) -> pd.Series:
    sel = v
    for col, want in where.items():
        sel = sel[sel[col] == want]
    assert len(sel) == 1, (where, len(sel))
    return sel.iloc[0]


def fix_header(text: str) -> str:
    """The header as it should have been: Code before Area, in the order of the values."""
    return edit_row(text, 0, "Year,Area,Code,", "Year,Code,Area,")


# --- immunisations --------------------------------------------------------------------------------------------
def test_swapped_header_is_detected_and_fixed(fixture_root):
    pct = gla.read_immunisations_by_pct(fixture_root())
    assert pct["header_swapped"].all()
    r = one(pct, pct_code="5C4", year=2004, indicator_id="gla_imm5_mmr1")
    assert (r["pct_name"], r["la_code"], r["value"]) == ("Tower Hamlets", TH, 81)


def test_a_corrected_header_reads_the_same(fixture_root):
    published = gla.read_immunisations(fixture_root()).values
    corrected_pct = gla.read_immunisations_by_pct(fixture_root(**{IMM: fix_header}))
    assert not corrected_pct["header_swapped"].any()
    corrected = gla.read_immunisations(fixture_root(**{IMM: fix_header})).values
    pd.testing.assert_frame_equal(published, corrected)


def test_a_code_column_holding_names_is_an_error(fixture_root):
    root = fixture_root(**{IMM: partial(edit_row, data_row=3, old="2005,5C4,", new="2005,Tower Hamlets PCT,")})
    with pytest.raises(DataError) as err:
        gla.read_immunisations(root)
    assert (err.value.file, err.value.column, err.value.rows) == (gla.IMMUNISATIONS, "Area", [3])


def test_the_column_layout_of_each_year(fixture_root):
    v = gla.read_immunisations(fixture_root()).values
    th = v[v["area_code"] == TH].set_index(["period", "indicator_id"])["value"]
    assert th[("2004/05", "gla_imm5_dtp_primary")] == 86 and th[("2004/05", "gla_imm5_dtp_booster")] == 56
    assert (th[("2004/05", "gla_imm5_mmr1")], th[("2004/05", "gla_imm5_mmr2")]) == (81, 55)
    assert [th[("2006/07", i)] for i in gla.VACCINES] == [85, 57, 80, 57]  # 2006,5C4,...,85,85,85,57,80,57,79
    assert [th[("2007/08", i)] for i in gla.VACCINES] == [81, 70, 88, 68]  # 2007,5C4,...,81,89,70,88,68
    assert [th[("2010/11", i)] for i in gla.VACCINES] == [94.8, 93.6, 95.1, 92.8]
    wm = v[v["area_code"] == "E09000033"].set_index(["period", "indicator_id"])["value"]
    assert [wm[("2006/07", i)] for i in gla.VACCINES] == [91, 62, 84, 62]  # 2006,5LC,...,91,91,91,62,84,62,86
    assert [wm[("2012/13", i)] for i in gla.VACCINES] == [86.1, 78.2, 85.9, 77.3]
    r = one(v, area_code=TH, period="2004/05", indicator_id="gla_imm5_mmr1")
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2004-04-01"), pd.Timestamp("2005-03-31"))
    assert "PCT Tower Hamlets (5C4)" in r["value_note"]


def test_not_available_is_missing_with_the_reason(fixture_root):
    v = gla.read_immunisations(fixture_root()).values
    r = one(v, area_code=TH, period="2005/06", indicator_id="gla_imm5_mmr2")
    assert np.isnan(r["value"]) and "could not give reliable data" in r["value_note"]
    assert one(v, area_code=TH, period="2005/06", indicator_id="gla_imm5_mmr1")["value"] == 80
    wm = v[(v["area_code"] == "E09000033") & (v["period"] == "2008/09")]  # a row of "..": four missing values
    assert len(wm) == 4 and wm["value"].isna().all() and wm["value_note"].str.contains("reliable data").all()


def test_pcts_covering_two_boroughs_stay_out_of_the_borough_values(fixture_root):
    pct = gla.read_immunisations_by_pct(fixture_root())
    hackney = pct[pct["pct_code"] == "5C3"]
    assert len(hackney) == 4 and hackney["la_code"].isna().all()
    series = gla.read_immunisations(fixture_root())
    assert set(series.values["area_code"]) == {TH, "E09000033"}
    validate("values", series.values, indicators=series.indicators)


def test_a_layout_that_breaks_the_orderings_is_an_error(fixture_root):
    root = fixture_root(**{IMM: partial(edit_row, data_row=6, old="81,89,70,88,68", new="81,89,70,88,98")})
    with pytest.raises(DataError) as err:
        gla.read_immunisations(root)
    # From 2007/08 the second MMR dose sits under the header "MMR: first dose": the error names the file's column.
    assert err.value.rows == [6] and err.value.column == "MMR: first dose" and "gla_imm5_mmr2" in err.value.problem


def test_unknown_year_and_pct(fixture_root):
    root = fixture_root(**{IMM: partial(edit_row, data_row=1, old="2004,5C3", new="2014,5C3")})
    with pytest.raises(DataError, match="layout") as err:
        gla.read_immunisations(root)
    assert (err.value.column, err.value.rows) == ("Year", [1])
    root = fixture_root(**{IMM: partial(edit_row, data_row=5, old="Westminster", new="Westminister")})
    with pytest.raises(DataError, match="name no London borough") as err:
        gla.read_immunisations(root)
    assert err.value.values == ["Westminister"]


# --- borough profiles -----------------------------------------------------------------------------------------
def test_profiles_are_canonical_with_typed_periods_and_sex(fixture_root):
    series = gla.read_profiles(fixture_root())
    v = series.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    validate("values", v, indicators=series.indicators)
    le = v[(v["indicator_id"] == "gla_life_expectancy") & (v["area_code"] == TH)].set_index("sex")
    assert le["value"].to_dict() == {"Male": 78.4, "Female": 82.9}
    assert set(le["period"]) == {"2012 - 14"} and le["period_start"].iloc[0] == pd.Timestamp("2012-01-01")
    emp = v[(v["indicator_id"] == "gla_employment_rate") & (v["area_code"] == TH)]
    assert dict(zip(emp["sex"], emp["value"])) == {"Persons": 70.9, "Male": 79.8, "Female": 61.2}
    assert one(v, indicator_id="gla_median_household_income", area_code=TH)["value"] == 35_270  # "£35,270"
    r = one(v, indicator_id="gla_preventable_mortality", area_code=TH)
    assert (r["value"], r["period"]) == (233, "2012 - 14")
    r = one(v, indicator_id="gla_diabetes_17_plus", area_code=TH)
    assert r["period"] == "year not stated" and pd.isna(r["period_start"]) and "does not state" in r["value_note"]
    assert len(v) == 4 * sum(len(spec[7]) for spec in gla.profile_measures().values())


def test_profile_dots_are_missing_with_the_reason(fixture_root):
    v = gla.read_profiles(fixture_root()).values
    r = one(v, indicator_id="gla_life_expectancy", area_code=CITY, sex="Male")
    assert np.isnan(r["value"]) and "'.'" in r["value_note"]


def test_profile_text_is_an_error_naming_the_cell(fixture_root):
    root = fixture_root(**{PROF: partial(edit_row, data_row=3, old=",78.4,82.9,", new=",78.4,n/a,")})
    with pytest.raises(DataError) as err:
        gla.read_profiles(root)
    assert (err.value.column, err.value.rows) == ("Female_life_expectancy,_(2012-14)", [3])


# --- the real mirror ------------------------------------------------------------------------------------------
@pytest.mark.real
def test_real_immunisations(open_data_root):
    with open(open_data_root / gla.IMMUNISATIONS, encoding="utf-8-sig", newline="") as f:
        raw = list(csv.DictReader(f))
    assert len(raw) == 279
    pct = gla.read_immunisations_by_pct(open_data_root)
    assert pct["header_swapped"].all() and len(pct) == 279 * 4
    assert sorted(pct.loc[pct["pct_name"] == "Tower Hamlets", "pct_code"].unique()) == ["5C4", "E16000011"]
    series = gla.read_immunisations(open_data_root)
    v = series.values
    assert len(v) == (31 - 2) * 9 * 4 and v["area_code"].nunique() == 29
    th = v[(v["area_code"] == TH) & (v["period"] == "2004/05")].set_index("indicator_id")["value"]
    assert th.to_dict() == {"gla_imm5_dtp_primary": 87, "gla_imm5_dtp_booster": 54, "gla_imm5_mmr1": 79,
                            "gla_imm5_mmr2": 53}  # 2004,5C4,Tower Hamlets,3.4,87,54,86,84,79,53,72
    assert v[(v["area_code"] == TH) & (v["period"] == "2005/06")]["value"].isna().all()  # 2005,5C4,..,..


@pytest.mark.real
def test_real_profiles(open_data_root):
    series = gla.read(open_data_root)
    v = series.values
    prof = v[~v["indicator_id"].str.startswith("gla_imm5")]
    assert prof["area_code"].nunique() == 33
    assert one(prof, indicator_id="gla_childhood_obesity", area_code=TH)["value"] == 27.1
    assert one(prof, indicator_id="gla_children_looked_after", area_code=TH)["value"] == 47
    neet = prof[prof["indicator_id"] == "gla_neet_16_18"]
    assert neet["value"].notna().sum() == 32 and "'.'" in neet.loc[neet["value"].isna(), "value_note"].iloc[0]
    assert set(series.indicators["indicator_id"]) == set(gla.profile_measures()) | set(gla.VACCINES)
