"""LAIT reader (thanalysis/data/published/lait.py): real mirror and small fixtures."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import children, lait
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"
LONG = "children/dfe_lait/lait_bds_long.csv.gz"


def one(values: pd.DataFrame, indicator: str, area: str, period: str) -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area) & (values["period"] == period)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return rows.iloc[0]


def span(row: pd.Series) -> tuple[str, str]:
    return row["period_start"].strftime("%Y-%m-%d"), row["period_end"].strftime("%Y-%m-%d")


# --- real data ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real(open_data_root):
    return lait.read(open_data_root)


@pytest.mark.real
def test_real_shape(real):
    values, indicators, files = real.values, real.indicators, real.files
    assert list(values.columns) == CANONICAL_COLUMNS["values"]
    assert len(values) == 641070 - 170  # the 170 rows of year "0" are left out
    assert len(indicators) == 434 and indicators["indicator_id"].is_unique
    assert indicators["indicator_id"].str.startswith("lait_").all()
    assert files[-2:] == [LONG, "children/dfe_lait/SOURCE.md"]
    # 170 areas: 153 current and 5 former authorities, 9 regions, Inner and Outer London, England.
    assert values["area_code"].nunique() == 170
    assert values.groupby("area_type")["area_code"].nunique().to_dict() == {"country": 1, "la": 158, "region": 11}


@pytest.mark.real
def test_real_dashboard_indicators(real):
    values, indicators = real.values, real.indicators
    meta = indicators.set_index("indicator_id")
    assert set(lait.DASHBOARD_IDS.values()) <= set(meta.index)
    assert [lait.slug(s) for s in lait.DASHBOARD_IDS] == list(lait.DASHBOARD_IDS.values())
    assert meta.loc["lait_lac", ["value_type", "multiplier", "polarity"]].tolist() == \
        ["crude_rate", 10000, "no_judgement"]
    assert meta.loc["lait_infmort", ["value_type", "multiplier", "unit", "polarity"]].tolist() == \
        ["crude_rate", 1000, "per 1,000 live births", "lower_is_better"]
    assert meta.loc["lait_6wksbreast", ["value_type", "multiplier", "polarity"]].tolist() == \
        ["proportion", 100, "higher_is_better"]
    assert meta.loc["lait_16_17_not_known_neet", "polarity"] == "lower_is_better"
    # "%" axes whose values exceed 100 (take-up against population estimates) are not proportions.
    assert meta.loc["lait_pct_2yr_olds", ["value_type", "unit"]].tolist() == ["other", "%"]
    proportions = values[values["indicator_id"].isin(meta.index[meta["value_type"] == "proportion"])]
    assert proportions["value"].max() <= 100
    assert one(values, "lait_lac", TH, "2025")["value"] == 45
    assert one(values, "lait_cin", TH, "2025")["value"] == 450
    assert one(values, "lait_cpp_rate", TH, "2025")["value"] == 34.9
    assert one(values, "lait_infmort", TH, "2023")["value"] == 4.3
    assert one(values, "lait_under18concep", TH, "2022")["value"] == 9.3
    assert one(values, "lait_16_17_neet", TH, "2024/25")["value"] == 3.1
    assert one(values, "lait_6wksbreast", TH, "2019/20")["value"] == 79.37


@pytest.mark.real
def test_real_source_md_example_and_rolling_period(real):
    rta = one(real.values, "lait_rta", TH, "2014 - 16")  # "2014-16" in the file: three calendar years
    assert rta["value"] == 5.62 and span(rta) == ("2014-01-01", "2016-12-31")
    assert one(real.values, "lait_rta", TH, "2015 - 17")["value"] == 6.03
    alc = one(real.values, "lait_hosp_adm_alc_under_18yrs", TH, "2021/22 - 23/24")
    assert span(alc) == ("2021-04-01", "2024-03-31")


@pytest.mark.real
def test_real_period_types(real):
    values = real.values
    assert span(one(values, "lait_lac", TH, "2025")) == ("2025-03-31", "2025-03-31")  # "Annual": at 31 March
    assert span(one(values, "lait_cpp_abuse_rate", TH, "2024/25")) == ("2024-04-01", "2025-03-31")  # "2025", FY
    assert span(one(values, "lait_infmort", TH, "2023")) == ("2023-01-01", "2023-12-31")
    assert span(one(values, "lait_totfixedex", TH, "2023/24")) == ("2023-09-01", "2024-08-31")  # academic
    assert span(one(values, "lait_work_force_to_rate", TH, "2025")) == ("2025-09-30", "2025-09-30")
    finance = one(values, "lait_lacfinance", TH, "2024/25")  # "2024-25 (OT)"
    assert finance["value"] == 2340 and finance["value_note"] == "outturn"
    assert one(values, "lait_a3a", TH, "2024/25")["value_note"] == "revised"  # "2025 (Rev)", academic
    labels = set(values["period"])
    assert not {lab for lab in labels if "(" in lab or lab == "0"}


@pytest.mark.real
def test_real_suppressed_values(real):
    values = real.values
    breast = one(values, "lait_6wksbreast", TH, "2023/24")
    assert pd.isna(breast["value"]) and breast["value_note"] == "not available or suppressed (-)"
    assert values["value"].isna().sum() == (values["value_note"].str.contains(r"\(-\)", regex=True)).sum() == 93713


@pytest.mark.real
def test_real_lait_agrees_with_csc_files(real, open_data_root):
    """Same series from two DfE files: the LA mapping and the period typing must line them up exactly."""
    csc = children.read(open_data_root).values
    for lait_id, csc_id in (("lait_lac", "dfe_cla_rate"), ("lait_lac_start_rate", "dfe_cla_starting_rate"),
                            ("lait_cin", "dfe_cin_rate"), ("lait_work_force_to_rate", "dfe_sw_turnover_rate")):
        a = real.values[real.values["indicator_id"] == lait_id]
        b = csc[csc["indicator_id"] == csc_id]
        both = a.merge(b, on=["area_code", "period", "period_start", "period_end"]).dropna(subset=["value_x",
                                                                                                  "value_y"])
        assert len(both) > 800, lait_id
        assert (both["value_x"] - both["value_y"]).abs().max() < 0.51, lait_id


# --- fixtures -------------------------------------------------------------------------------------------------
@pytest.fixture()
def root(tmp_path):
    return fixture_root(tmp_path, "children/dfe_lait")


def test_fixture_reads(root):
    series = lait.read(root)
    values, indicators, files = series.values, series.indicators, series.files
    assert len(values) == 112  # 116 rows less the 4 of year "0"
    assert set(values["area_code"]) == {TH, "E92000001", "E13000001", "E10000016"}  # Kent: a county
    assert one(values, "lait_ealpri", TH, "2025")["period_start"] == pd.Timestamp("2025-01-01")  # January census
    assert one(values, "lait_ks1p_all", TH, "2024/25")["value_note"] == "provisional"  # academic year
    assert one(values, "lait_lac_ceased_sgo_pct", TH, "2024/25")["value"] == 6  # "2025", financial year
    assert one(values, "lait_lac", TH, "2016")["value"] == 52
    rta = one(values, "lait_rta", TH, "2014 - 16")  # "2014-16": three calendar years
    assert rta["value"] == 6.31 and span(rta) == ("2014-01-01", "2016-12-31")
    kent = one(values, "lait_rta", "E10000016", "2020 - 22")
    assert pd.isna(kent["value"]) and kent["value_note"] == "not available or suppressed (-)"
    meta = indicators.set_index("indicator_id")
    # The dictionary lists LAC_Unauth twice (reworded axis): one indicator, polarity from the dictionary.
    assert meta.loc["lait_lac_unauth", "polarity"] == "lower_is_better"
    assert meta.loc["lait_rta", "frequency"] == "annual (rolling multi-year periods)"
    assert meta.loc["lait_lac", "name"] == "Children looked after per 10,000 children"  # the Chart_title
    # A data owner written over two lines in its cell gives its first line; "0" (no owner) gives DfE.
    assert "data owner: DfE: children/dfe_lait/" in meta.loc["lait_lac", "source"]
    assert "data owner: DfE: children/dfe_lait/" in meta.loc["lait_ealpri", "source"]


def test_unknown_marker(root):
    edit(root / LONG, "2014-16,Tower Hamlets,6.31", "2014-16,Tower Hamlets,n/a")
    with pytest.raises(DataError, match="suppression markers") as err:
        lait.read(root)
    assert err.value.file == LONG and err.value.column == "Values" and err.value.rows == [2]


@pytest.mark.parametrize("marker", ["-", "x", "c", "..", "z", "*", "[c]", "[x]", "u", "low"])
def test_every_marker_is_read(root, marker):
    edit(root / LONG, "2016,Tower Hamlets,52,", f"2016,Tower Hamlets,{marker},")
    row = one(lait.read(root).values, "lait_lac", TH, "2016")
    assert pd.isna(row["value"]) and row["value_note"] == children.MARKERS[marker]


def test_unknown_la_number(root):
    edit(root / LONG, "Tower Hamlets,6.31,211.0", "Tower Hamlets,6.31,999.0")
    with pytest.raises(DataError, match="does not know") as err:
        lait.read(root)
    assert err.value.values == ["999"]


def test_renamed_authority_stops_the_read(root):
    edit(root / LONG, "2014-16,Kent,", "2014-16,Medway,")
    with pytest.raises(DataError, match="differently") as err:
        lait.read(root)
    assert err.value.column == "LA and Regions"


def test_untyped_year(root):
    edit(root / LONG, "2014-16,Tower Hamlets", "2014-17,Tower Hamlets")
    with pytest.raises(DataError, match="year labels") as err:
        lait.read(root)
    assert "2014-17" in err.value.values[0]


def test_year_zero_with_a_value(root):
    edit(root / LONG, "CINPermExclusion,,0,Kent,-", "CINPermExclusion,,0,Kent,0.3")
    with pytest.raises(DataError, match="year '0'"):
        lait.read(root)


def test_measure_missing_from_measure_list(root):
    edit(root / LONG, "RTA,Number", "RTA_new,Number")
    with pytest.raises(DataError, match="measure list"):
        lait.read(root)


@pytest.mark.parametrize("short_desc, expected", [
    ("LAC", "lait_lac"), ("16-17 NEET", "lait_16_17_neet"), ("LAC_ceased_SGO%", "lait_lac_ceased_sgo_pct"),
    ("%_3&4yr_olds", "lait_pct_3_and_4yr_olds"), ("Hosp_Adm_Alc_<18yrs", "lait_hosp_adm_alc_under_18yrs"),
    ("LAC_Fixed_ Ex", "lait_lac_fixed_ex"), ("CPP_Total_Rateper10,000", "lait_cpp_total_rateper10_000")])
def test_slug(short_desc, expected):
    assert lait.slug(short_desc) == expected
