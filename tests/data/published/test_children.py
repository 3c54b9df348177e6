"""DfE children's social care reader (thanalysis/data/published/children.py): real mirror and small fixtures."""
from __future__ import annotations

import pandas as pd
import pytest

from tests.data.published.fixture_tree import edit, fixture_root
from thanalysis.data.published import children
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

TH = "E09000030"


def one(values: pd.DataFrame, indicator: str, area: str, period: str) -> pd.Series:
    rows = values[(values["indicator_id"] == indicator) & (values["area_code"] == area) & (values["period"] == period)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return rows.iloc[0]


# --- real data ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def csc(open_data_root):
    return children.read(open_data_root)


@pytest.mark.real
def test_real_shape_and_files(csc):
    values, indicators, files = csc.values, csc.indicators, csc.files
    assert list(values.columns) == CANONICAL_COLUMNS["values"]
    assert list(indicators.columns) == CANONICAL_COLUMNS["indicators"]
    assert len(values) == 21209
    assert sorted(values["indicator_id"].unique()) == sorted(indicators["indicator_id"])
    # Five years x (153 authorities + 9 regions + Inner/Outer London + England) for each cla_rates measure.
    assert (values["indicator_id"] == "dfe_cla_rate").sum() == 5 * 165
    assert files == [f"children/dfe_csc/{s}" for s in ("cla_rates.csv", "cin_rates.csv", "cin_referrals.csv",
                                                       "repeat_cpp.csv", "duration_cpp.csv", "hospital_admissions.csv",
                                                       "workforce_data.csv", "spending_per_capita.csv",
                                                       "SOURCE.md")]


@pytest.mark.real
def test_real_tower_hamlets_values_quoted_in_source_md(csc):
    values = csc.values
    cla = one(values, "dfe_cla_rate", TH, "2025")
    assert (cla["count"], cla["denominator"], cla["value"]) == (284, 63073, 45)
    ceasing = one(values, "dfe_cla_ceasing_rate", TH, "2024/25")
    assert (ceasing["count"], ceasing["value"]) == (162, 26)
    assert one(values, "dfe_cin_rate", TH, "2013")[["count", "value"]].tolist() == [2231, 390]
    assert one(values, "dfe_cin_rate", TH, "2014")["value"] == 430
    rr = one(values, "dfe_cin_rereferrals", TH, "2024/25")
    assert (rr["count"], rr["denominator"], rr["value"]) == (1182, 4834, 24.5)
    assert one(values, "dfe_cin_referrals", TH, "2023/24")["value"] == 4283
    rep = one(values, "dfe_cpp_repeat", TH, "2023/24")
    assert (rep["count"], rep["denominator"], rep["value"]) == (115, 405, 28.4)
    inj = one(values, "dfe_injury_admissions_0_14", TH, "2010/11")
    assert (inj["count"], inj["denominator"], inj["value"]) == (455, 47240, 96)
    assert one(values, "dfe_sw_turnover_rate", TH, "2025")["value"] == 8.6
    assert one(values, "dfe_sw_caseload", TH, "2025")["value"] == 13.1
    assert one(values, "dfe_csc_spend_per_child", TH, "2024/25")["value"] == 1659


@pytest.mark.real
def test_real_suppression_is_nan_with_reason(csc):
    values = csc.values
    plan = one(values, "dfe_cpp_2_years_plus", TH, "2025")  # "c" in the file (and -100 in its numeric copy)
    assert pd.isna(plan["value"]) and plan["denominator"] == 220
    assert plan["value_note"] == "suppressed to protect confidentiality (c)"
    assert one(values, "dfe_cpp_2_years_plus", TH, "2023")["value"] == 0  # a real zero stays zero
    hackney = one(values, "dfe_cin_rate", "E09000012", "2021")
    assert pd.isna(hackney["value"]) and hackney["value_note"] == "not available (x)"
    city = one(values, "dfe_cla_rate", "E09000001", "2025")
    assert pd.isna(city["value"]) and "(c)" in city["value_note"]
    assert values["value"].dropna().ge(0).all()  # no -100/-300/-400 codes left


@pytest.mark.real
def test_real_periods_are_typed(csc):
    values = csc.values
    cla = one(values, "dfe_cla_rate", TH, "2025")
    assert cla["period_start"] == cla["period_end"] == pd.Timestamp("2025-03-31")
    start = one(values, "dfe_cla_starting_rate", TH, "2024/25")
    assert (start["period_start"], start["period_end"]) == (pd.Timestamp("2024-04-01"), pd.Timestamp("2025-03-31"))
    inj = one(values, "dfe_injury_admissions_0_14", TH, "2023/24")
    assert (inj["period_start"], inj["period_end"]) == (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-31"))
    wf = one(values, "dfe_sw_vacancy_rate", TH, "2025")
    assert wf["period_start"] == wf["period_end"] == pd.Timestamp("2025-09-30")


@pytest.mark.real
def test_real_areas_one_code_per_authority(csc):
    values = csc.values
    table = children.la_codes()
    assert set(values["area_code"]) <= set(table["ons_code"])
    assert not set(values["area_code"]) & {"E10000023", "E10000002", "E10000027", "E08000038", "E08000039"}
    north_yorks = values[(values["indicator_id"] == "dfe_cin_rate") & (values["area_code"] == "E06000065")]
    assert sorted(north_yorks["period"]) == [str(y) for y in range(2013, 2026)]  # E10000023 until 2022, then E06
    assert set(values.loc[values["area_type"] == "region", "area_code"]) == \
        {f"E1200000{i}" for i in range(1, 10)} | {"E13000001", "E13000002"}
    assert set(values.loc[values["area_type"] == "country", "area_code"]) == {"E92000001"}


# --- fixtures (small files in the real layouts) ---------------------------------------------------------------
@pytest.fixture()
def root(tmp_path):
    return fixture_root(tmp_path, "children/dfe_csc")


def test_fixture_reads_and_maps(root):
    series = children.read(root)
    values, indicators, files = series.values, series.indicators, series.files
    assert len(files) == 8 and len(indicators) == len(children.CSC_INDICATORS)
    # Statistical-neighbour medians and the joint Kingston/Richmond and Northamptonshire workforce rows are dropped.
    assert set(values.loc[values["indicator_id"] == "dfe_cla_rate", "area_code"]) == \
        {TH, "E09000001", "E92000001", "E13000001"}  # the statistical-neighbour median row is not an area
    assert set(values.loc[values["indicator_id"] == "dfe_sw_turnover_rate", "area_code"]) == {TH, "E92000001"}
    ny = values[(values["indicator_id"] == "dfe_cin_rate") & (values["area_code"] == "E06000065")]
    assert sorted(ny["period"]) == ["2013", "2021", "2025"]
    # Barnsley's injury rows have no LA number: found through the ONS code.
    assert "E08000016" in set(values.loc[values["indicator_id"] == "dfe_injury_admissions_0_14", "area_code"])
    # Inner London's spending row has no code at all: found through its name.
    assert "E13000001" in set(values.loc[values["indicator_id"] == "dfe_csc_spend_per_child", "area_code"])
    cla = one(values, "dfe_cla_rate", TH, "2025")  # the text columns: number, population_estimate, rate_per_10000
    assert (cla["count"], cla["denominator"], cla["value"]) == (291, 62890, 46)
    assert one(values, "dfe_cin_rereferrals", TH, "2024/25")[["count", "denominator", "value"]].tolist() == \
        [1209, 4761, 25.4]


def test_fixture_sentinel_codes_become_nan(root):
    edit(root / "children/dfe_csc/cin_rates.csv", "-300.0,x,-300.0,x", "-300.0,x,-300.0,-300.0")
    values = children.read(root).values
    hackney = one(values, "dfe_cin_rate", "E09000012", "2013")
    assert pd.isna(hackney["value"])
    assert hackney["value_note"] == "not available (x); coded -300 in the source"


def test_unknown_marker_names_file_column_and_row(root):
    edit(root / "children/dfe_csc/cin_referrals.csv", "4761,1209,25.4", "4761,1209,n/a")
    with pytest.raises(DataError) as err:
        children.read(root)
    e = err.value
    assert e.file == "children/dfe_csc/cin_referrals.csv" and e.column == "Re_referrals_percent"
    lines = (root / "children/dfe_csc/cin_referrals.csv").read_text().splitlines()
    assert [i for i, line in enumerate(lines) if ",n/a," in line] == e.rows  # line i = data row i after the header


def test_unknown_la_number(root):
    edit(root / "children/dfe_csc/repeat_cpp.csv", "E09000030,211,", "E09000030,999,")
    with pytest.raises(DataError, match="DfE LA numbers") as err:
        children.read(root)
    assert err.value.column == "old_la_code" and err.value.values == ["999"]


def test_code_disagreeing_with_la_number(root):
    edit(root / "children/dfe_csc/cin_referrals.csv", "E09000030,211", "E09000012,211")
    with pytest.raises(DataError, match="disagrees") as err:
        children.read(root)
    assert err.value.column == "new_la_code"


def test_unknown_geographic_level(root):
    edit(root / "children/dfe_csc/spending_per_capita.csv", "Local authority,Tower Hamlets", "Ward,Tower Hamlets")
    with pytest.raises(DataError, match="Geographic levels"):
        children.read(root)


def test_unknown_cla_measure(tmp_path):
    root = fixture_root(tmp_path, "children/dfe_csc")
    edit(root / "children/dfe_csc/cla_rates.csv", "Children looked after on 31 March each year",
         "Children looked after at any time")
    with pytest.raises(DataError, match="population_count"):
        children.read(root)


def test_missing_file(root):
    (root / "children/dfe_csc/duration_cpp.csv").unlink()
    with pytest.raises(DataError, match="missing"):
        children.read(root)


def test_la_code_table_rejects_duplicates(tmp_path):
    bad = tmp_path / "codes.csv"
    bad.write_text("# test\ndfe_la_number,la_name,ons_code,area_type,current,other_codes\n"
                   "211,Tower Hamlets,E09000030,la,yes,\n211,Hackney,E09000012,la,yes,\n")
    with pytest.raises(DataError, match="dfe_la_number") as err:
        children.la_codes(bad)
    assert err.value.rows == [1, 2]
