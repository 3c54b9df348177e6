"""The raw Fingertips export reader (``thanalysis.data.published.fingertips_export``): the mirror's Suicide Prevention
Profile export, and a hand-written fixture in its format for England, London, the City and Tower Hamlets (bad input
names the file, column and row)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import fingertips_export as fe
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"


def one(values: pd.DataFrame, indicator: str, area: str) -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area)]
    assert len(rows) == 1, (indicator, area, len(rows))
    return rows.iloc[0]


@pytest.mark.real
def test_real_export_as_source_md_quotes_it(open_data_root):
    series = fe.read(open_data_root)
    v = series.values
    assert len(v) == 175 and set(v["indicator_id"]) == set(fe.INDICATORS)  # 35 rows per indicator
    assert v.groupby("area_type")["area_code"].nunique().to_dict() == {"country": 1, "la": 33, "region": 1}
    r = one(v, "41001", TH)  # SOURCE.md: 11.2763399053447, 7.56220085759163, 15.9046780825613, 46, 407016
    assert r["value"] == pytest.approx(11.2763399053447) and (r["count"], r["denominator"]) == (46, 407016)
    assert (r["lower_ci_95"], r["upper_ci_95"]) == pytest.approx((7.56220085759163, 15.9046780825613))
    assert (r["period"], r["sex"], r["age"]) == ("2015 - 17", "Male", "10+ yrs")
    assert r["value_note"] == "Fingertips: Similar to England"
    r = one(v, "91390", TH)
    assert r["value"] == pytest.approx(9.3635279570159) and r["period"] == "2013 - 17"
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2013-01-01"), pd.Timestamp("2017-12-31"))
    assert series.retrieved.isoformat() == "2021-04-16"


def test_fixture_reads_and_keeps_the_published_notes(tmp_path):
    series = fe.read(fixture_root(tmp_path, fe.FOLDER))
    v = series.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"] and len(v) == 20
    city = one(v, "41001", "E09000001")
    assert np.isnan(city["value"]) and city["count"] == 2
    assert city["value_note"].startswith("Value cannot be calculated as number of cases is too small")
    london = one(v, "41001", "E12000007")
    assert london["area_type"] == "region" and london["value_note"] == "Fingertips: Lower than England"
    assert one(v, "41001", "E92000001")["value_note"] == ""  # England is not compared with itself
    pd.testing.assert_frame_equal(series.indicators, fe.indicators())
    assert (series.indicators["polarity"] == "lower_is_better").all()


@pytest.mark.parametrize("old, new, column, row", [
    (",County & UA,Male,10+ yrs,,,2015 - 17,11.48", ",CCG,Male,10+ yrs,,,2015 - 17,11.48", "AreaType", 4),
    (",2015 - 17,11.48", ",2015/16,11.48", "Timeperiod", 4),
    (",2015 - 17,11.48", ",2015 - 17,eleven", "Value", 4),
])
def test_bad_rows_are_named(tmp_path, old, new, column, row):
    root = fixture_root(tmp_path, fe.FOLDER)
    edit(root / fe.FILE, old, new)
    with pytest.raises(DataError) as err:
        fe.read(root)
    assert (err.value.file, err.value.column, err.value.rows) == (fe.FILE, column, [row])
