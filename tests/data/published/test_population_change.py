"""ONS mid-year estimates and components of change (thanalysis/data/published/population_change.py).

The fixture (tests/data/published/fixtures/population/ons_mye_components_2001_2020/) holds hand-written 2001-2003
columns for City of London, Tower Hamlets and Clackmannanshire whose accounts balance, with a byte-order mark as the
real file has, and Clackmannanshire's 2003 net international migration 10 away from in - out, the way NRS's rounding
leaves Scottish accounts.
Real-data tests check the counts and the Tower Hamlets row quoted in the mirror's SOURCE.md.
"""
from __future__ import annotations

import csv
from functools import partial

import numpy as np
import pandas as pd
import pytest

from tests.data.published.conftest import edit_row
from thanalysis.data.published import population_change as mye
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"
KEY = "populations_csv"


def one(v: pd.DataFrame, indicator_id: str, area: str, period: str) -> pd.Series:
    sel = v[(v["indicator_id"] == indicator_id) & (v["area_code"] == area) & (v["period"] == period)]
    assert len(sel) == 1
    return sel.iloc[0]


@pytest.fixture
def fx(fixture_root):
    return mye.read(fixture_root())


def test_long_canonical_values(fx):
    v = fx.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    validate("values", v, indicators=fx.indicators)
    assert len(v) == 3 * (1 + 2 * 11)  # population 2001, then 11 columns a year for 2002 and 2003
    assert set(v["area_type"]) == {"la"} and set(fx.indicators["value_type"]) == {"count"}


def test_periods_are_mid_years(fx):
    v = fx.values
    r = one(v, "ons_mye_births", TH, "mid-2001 to mid-2002")
    assert (r["value"], r["count"]) == (3871, 3871)
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2001-07-01"), pd.Timestamp("2002-06-30"))
    r = one(v, "ons_mye_population", TH, "mid-2003")
    assert r["value"] == 208_605 and r["period_start"] == r["period_end"] == pd.Timestamp("2003-06-30")
    assert one(v, "ons_mye_population", TH, "mid-2001")["value"] == 200_870


def test_net_flows_can_be_negative_and_are_values_not_counts(fx):
    r = one(fx.values, "ons_mye_internal_net", TH, "mid-2001 to mid-2002")
    assert r["value"] == -1468 and np.isnan(r["count"])
    r = one(fx.values, "ons_mye_internal_out", TH, "mid-2001 to mid-2002")
    assert r["count"] == r["value"] == 15683


def test_scottish_flows_say_they_are_rounded(fx):
    assert "nearest 10" in one(fx.values, "ons_mye_international_out", "S12000005", "mid-2002 to mid-2003")[
        "value_note"]
    assert one(fx.values, "ons_mye_births", "S12000005", "mid-2002 to mid-2003")["value_note"] == ""
    assert one(fx.values, "ons_mye_internal_in", TH, "mid-2002 to mid-2003")["value_note"] == ""


@pytest.mark.parametrize("old, new, column, rule", [
    (",3871,1342,2529,", ",3871,1342,2539,", "natchange_2002", "births - deaths"),
    (",14215,15683,-1468,", ",14215,15683,-1400,", "internal_net_2002", "in - out"),
    (",206879,", ",206979,", "population_2002", "population = last year's"),
])
def test_accounts_that_do_not_balance_name_the_column_and_row(fixture_root, old, new, column, rule):
    root = fixture_root(**{KEY: partial(edit_row, data_row=2, old=old, new=new)})
    with pytest.raises(DataError) as err:
        mye.read(root)
    e = err.value
    assert (e.file, e.column, e.rows) == (mye.FILE, column, [2]) and rule in e.problem


@pytest.mark.parametrize("old, new, column, words", [
    (",3871,", ",-3871,", "births_2002", "negative"),
    (",3871,", ",,", "births_2002", "blank"),
    (",3871,", ",x,", "births_2002", "not numbers"),
    ("E09000030", "E0900003", "lacode20", "not local authority codes"),
    ("E09000030", "E09000001", "lacode20", "repeat"),
])
def test_bad_cells(fixture_root, old, new, column, words):
    root = fixture_root(**{KEY: partial(edit_row, data_row=2, old=old, new=new)})
    with pytest.raises(DataError, match=words) as err:
        mye.read(root)
    assert err.value.column == column and 2 in err.value.rows


def test_scottish_accounts_may_be_off_by_nrs_rounding_only(fixture_root):
    mye.read(fixture_root())  # Clackmannanshire 2003 is 10 off: allowed
    root = fixture_root(**{KEY: partial(edit_row, data_row=3, old=",72,137,", new=",72,107,")})
    with pytest.raises(DataError) as err:  # 40 off: not rounding
        mye.read(root)
    assert (err.value.column, err.value.rows) == ("international_net_2003", [3])


def test_unknown_or_missing_columns(fixture_root):
    root = fixture_root(**{KEY: partial(edit_row, data_row=0, old="births_2003", new="birth_2003")})
    with pytest.raises(DataError, match="not a component") as err:
        mye.read(root)
    assert err.value.column == "birth_2003"


# --- the real mirror ------------------------------------------------------------------------------------------
@pytest.mark.real
def test_real_counts_and_tower_hamlets(open_data_root):
    with open(open_data_root / mye.FILE, encoding="utf-8-sig", newline="") as f:
        raw = list(csv.DictReader(f))
    assert len(raw) == 379
    series = mye.read(open_data_root)
    v = series.values
    assert len(v) == 379 * (len(raw[0]) - 3) == 379 * 210
    assert v["area_code"].nunique() == 379
    th = next(r for r in raw if r["lacode20"] == TH)
    assert one(v, "ons_mye_population", TH, "mid-2020")["value"] == int(th["population_2020"]) == 331_969
    assert one(v, "ons_mye_deaths", TH, "mid-2001 to mid-2002")["value"] == 1355
    assert one(v, "ons_mye_international_net", TH, "mid-2019 to mid-2020")["value"] == int(
        th["international_net_2020"])
    periods = sorted(v.loc[v["indicator_id"] == "ons_mye_population", "period"].unique())
    assert (len(periods), periods[0], periods[-1]) == (20, "mid-2001", "mid-2020")
    assert series.retrieved is not None and str(series.retrieved) == "2023-03-08"
