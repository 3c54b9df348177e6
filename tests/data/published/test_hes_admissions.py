"""HES admissions in London (``thanalysis.data.published.hes_admissions``): borough emergency admission rates and
admissions by CCG of responsibility, on the mirror (values quoted in its SOURCE.md and the files) and on fixtures in
its format, hand-written (the displaced rows of 2009/10, suppression, bad input naming the row)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import hes_admissions as hes
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH, TH_CCG = "E09000030", "E38000186"
CCG_FILE = f"{hes.CCGS}/EmergencyAdmissions2019-20.csv"


def one(values: pd.DataFrame, indicator: str, area: str, period: str) -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area) & (values["period"] == period)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return rows.iloc[0]


@pytest.mark.real
def test_real_series_as_source_md_quotes_them(open_data_root):
    series = hes.read(open_data_root)
    v = series.values
    isr = v[v["indicator_id"] == hes.ISR]
    assert len(isr) == 12 * 45 and isr.groupby("area_type")["area_code"].nunique().to_dict() == {
        "country": 1, "la": 33, "region": 11}  # 9 regions and Inner/Outer London
    r = one(v, hes.ISR, TH, "2003/04")  # SOURCE.md: 208651, 16377, 15584.17, 9272.7, 9131.21, 9415.82, 9050.4, 9498.8
    assert (r["denominator"], r["count"], r["value"]) == (208651, 16377, 9272.7)
    assert (r["lower_ci_95"], r["upper_ci_95"], r["lower_ci_99_8"], r["upper_ci_99_8"]) == (
        9131.21, 9415.82, 9050.4, 9498.8)
    assert one(v, hes.ISR, TH, "2004/05")["value"] == 10581.22
    assert one(v, hes.ISR, TH, "2009/10")["value"] == 2906.74  # a displaced row, read in the header's order
    assert isr["value"].notna().all()
    ccg = v[v["area_type"] == "ccg"]
    assert set(ccg["period"]) == {f"{y}/{(y + 1) % 100:02d}" for y in range(2015, 2021)}
    assert one(v, "hes_ccg_admissions", TH_CCG, "2019/20")["value"] == 67990
    assert one(v, "hes_ccg_emergency_admissions", TH_CCG, "2015/16")["value"] == 22334
    assert one(v, "hes_ccg_episodes", "E92000001", "2019/20")["value"] == 20912276  # England: the Total row
    assert len(series.files) == 12 + 6 + 1  # the tables and SOURCE.md


def test_fixture_reads_both_series(tmp_path):
    series = hes.read(fixture_root(tmp_path, "nhs/hes_admissions_london"))
    v = series.values
    assert list(v.columns) == CANONICAL_COLUMNS["values"]
    r = one(v, hes.ISR, TH, "2009/10")
    assert (r["denominator"], r["count"], r["value"], r["upper_ci_99_8"]) == (240318, 5768, 2911.27, 3031.69)
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2009-04-01"), pd.Timestamp("2010-03-31"))
    assert one(v, hes.ISR, "E13000001", "2008/09")["area_type"] == "region"
    los = one(v, "hes_ccg_mean_length_of_stay", TH_CCG, "2019/20")
    assert los["value"] == 5 and np.isnan(los["count"]) and los["area_type"] == "ccg"
    assert one(v, "hes_ccg_planned_admissions", TH_CCG, "2019/20")["value"] == 5765
    pd.testing.assert_frame_equal(series.indicators, hes.indicators())


def test_suppressed_figure_is_missing_with_its_reason(tmp_path):
    root = fixture_root(tmp_path, "nhs/hes_admissions_london")
    edit(root / CCG_FILE, '"29,765"', "*")
    r = one(hes.read(root).values, "hes_ccg_emergency_admissions", TH_CCG, "2019/20")
    assert np.isnan(r["value"]) and r["value_note"] == hes.MARKERS["*"]


def test_bad_figure_names_the_row(tmp_path):
    root = fixture_root(tmp_path, "nhs/hes_admissions_london")
    edit(root / CCG_FILE, '"29,765"', "lots")
    with pytest.raises(DataError, match="neither numbers nor known suppression markers") as err:
        hes.read(root)
    # Data rows under the header line: a blank line, England's Total, Airedale, then Tower Hamlets.
    assert (err.value.file, err.value.column, err.value.rows) == (CCG_FILE, "Emergency", [4])


def test_a_borough_row_without_its_eight_figures_is_refused(tmp_path):
    root = fixture_root(tmp_path, "nhs/hes_admissions_london")
    edit(root / f"{hes.BOROUGHS}/2008-09-Table 1.csv", "231754,6438,", "231754,,")
    with pytest.raises(DataError, match="eight figures") as err:
        hes.read(root)
    assert err.value.rows == [2]  # Tower Hamlets, the second row kept in the fixture
