"""The published-series readers on small hand-written files in the real layouts (no real data needed).

Each expected number is worked out by hand from the fixture rows (tests/data/published/fixtures/). Bad input must
give a DataError naming the file, the column and the data row (1 = first line under the header).
"""
from __future__ import annotations

from functools import partial

import numpy as np
import openpyxl
import pandas as pd
import pytest

from tests.data.published.conftest import edit_row
from thanalysis.data.published import homelessness, homelessness_workbooks, nhs_trusts, social_care
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS


def row(values: pd.DataFrame, **where) -> pd.Series:
    sel = values
    for col, want in where.items():
        sel = sel[sel[col] == want]
    assert len(sel) == 1, (where, len(sel))
    return sel.iloc[0]


# --- NHS trusts -----------------------------------------------------------------------------------------------
@pytest.fixture
def nhs(fixture_root):
    return nhs_trusts.read(fixture_root()).values


def test_nhs_tables_are_canonical_and_valid(fixture_root):
    series = nhs_trusts.read(fixture_root())
    assert list(series.values.columns) == CANONICAL_COLUMNS["values"]
    assert list(series.indicators.columns) == CANONICAL_COLUMNS["indicators"]
    validate("values", series.values, indicators=series.indicators)
    assert "nhs/trust_monthly_2019_2025/england_trust_accidents_emergency.csv" in series.files
    assert set(series.values["area_type"]) == {"trust", "country"}


def test_four_hour_share_is_within_over_total(nhs):
    r = row(nhs, indicator_id="nhse_ae_4hr", area_code="R1H", period="2021-04")
    assert (r["count"], r["denominator"]) == (36815 - 5297, 36815)
    assert r["value"] == pytest.approx(100 * (1 - 5297 / 36815))
    assert r["lower_ci_95"] < r["value"] < r["upper_ci_95"]
    assert r["lower_ci_99_8"] < r["lower_ci_95"]
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2021-04-01"), pd.Timestamp("2021-04-30"))


def test_unreported_breaches_and_empty_months_are_missing_with_a_reason(nhs):
    r = row(nhs, indicator_id="nhse_ae_4hr", area_code="RQX", period="2021-04")
    assert np.isnan(r["value"]) and "not reported" in r["value_note"]
    r = row(nhs, indicator_id="nhse_ae_4hr", area_code="RZZ", period="2021-05")
    assert np.isnan(r["value"]) and r["value_note"] == "no attendances this month"


def test_england_rows_sum_the_trusts_and_say_so(nhs):
    r = row(nhs, indicator_id="nhse_ae_attendances", area_code="E92000001", period="2021-04")
    assert (r["value"], r["area_type"]) == (36815 + 10400, "country")
    assert "sum of the 2 NHS trusts" in r["value_note"]
    r = row(nhs, indicator_id="nhse_ae_4hr", area_code="E92000001", period="2021-05")
    assert (r["count"], r["denominator"]) == (39870 - 5618 + 10900 - 1200, 39870 + 10900)


def test_bed_occupancy_by_bed_type_and_above_100_percent(nhs):
    r = row(nhs, indicator_id="nhse_ga_bed_occupancy", area_code="R1H", category="")
    assert r["value"] == pytest.approx(100 * 1513 / 1642)
    r = row(nhs, indicator_id="nhse_ga_bed_occupancy", area_code="RQX", category="Adult")
    assert r["category_type"] == "bed_type"
    assert r["value"] == pytest.approx(100 * 512 / 504) and np.isnan(r["count"]) and np.isnan(r["lower_ci_95"])
    assert "exceed" in r["value_note"]


def test_daily_sitrep_to_months(nhs):
    r = row(nhs, indicator_id="nhse_not_meeting_ctr", area_code="R1H", period="2022-04")
    assert r["value"] == pytest.approx((263 + 241) / 2) and r["value_note"] == "2 of 30 days reported"
    r = row(nhs, indicator_id="nhse_discharges", area_code="R1H", period="2022-04")
    assert np.isnan(r["value"]) and "they sum to 237" in r["value_note"]  # a partial month is not a total
    r = row(nhs, indicator_id="nhse_discharged_by_1700", area_code="R1H", period="2022-04")
    assert (r["count"], r["denominator"]) == (78 + 66, 130 + 107)
    assert not (nhs["area_code"] == "NA").any()  # the uncoded, empty rows are left out


def test_rtt_uses_the_total_row_once(nhs):
    r = row(nhs, indicator_id="nhse_rtt_over_18_weeks", area_code="R1H", period="2019-10")
    assert r["value"] == 1382  # not 2 × 1382 (Total + its treatment functions)
    r = row(nhs, indicator_id="nhse_rtt_over_52_weeks", area_code="E92000001", period="2019-10")
    assert r["value"] == 9 + 2 and "2 providers" in r["value_note"]


def test_delay_reasons_and_their_total(nhs):
    r = row(nhs, indicator_id="nhse_discharge_delays", area_code="R1H", category_type="delay_reason",
            category="Hospital process - Awaiting medical review of need for supported discharge")
    assert r["value"] == 13
    r = row(nhs, indicator_id="nhse_discharge_delays", area_code="RQX", category_type="delay_reason",
            category="Hospital process – Awaiting therapy review of need for supported discharge")
    assert np.isnan(r["value"]) and "blank" in r["value_note"]
    r = row(nhs, indicator_id="nhse_discharge_delays", area_code="RQX", category="")
    assert np.isnan(r["value"]) and "1 of 2 reasons" in r["value_note"]
    assert row(nhs, indicator_id="nhse_discharge_delays", area_code="R1H", category="")["value"] == 2 + 13


AE = ("england_trust_accidents_emergency_csv", nhs_trusts.AE)


@pytest.mark.parametrize("file, data_row, old, new, column", [
    (AE, 2, "39870", "3987O", "total_attendances"),
    (AE, 3, "April 2021", "Aprl 2021", "date"),
    (AE, 1, "5297", "99999", "attendances_over_4hours"),
    (AE, 4, ",1200,", ",-1200,", "attendances_over_4hours"),
    (AE, 5, "RZZ,", ",", "nhs_trust22_code"),
    (("england_rtt_trust_by_treatment_csv", nhs_trusts.RTT), 3, "1382.0", "1385.0", "waits_over_18_weeks"),
    (("england_trust_criteria_to_reside_csv", nhs_trusts.CTR), 4, "2025-09-14,NA", "2025-09-14,7",
     "nhs_trust22_code"),
    (("england_delayed_discharge_reasons_trust_csv", nhs_trusts.DELAYS), 2, "2024-06-01", "2024-06-31", "date"),
])
def test_nhs_bad_input_names_file_column_and_row(fixture_root, file, data_row, old, new, column):
    key, rel = file
    with pytest.raises(DataError) as err:
        nhs_trusts.read(fixture_root(**{key: partial(edit_row, data_row=data_row, old=old, new=new)}))
    assert (err.value.file, err.value.column, err.value.rows) == (rel, column, [data_row])


def test_nhs_misspelt_column_is_named(fixture_root):
    root = fixture_root(england_critical_general_acute_beds_csv=lambda t: t.replace(
        "general_acute_beds_available,general_acute_beds_occupied,general",
        "general_acute_beds_availble,general_acute_beds_occupied,general", 1))
    with pytest.raises(DataError) as err:
        nhs_trusts.read(root)
    assert err.value.column == "general_acute_beds_available" and "availble" in err.value.hint


# --- homelessness ---------------------------------------------------------------------------------------------
@pytest.fixture
def hclic(fixture_root):
    return homelessness.read(fixture_root()).values


def test_hclic_one_row_per_key_and_quarter_periods(hclic):
    london = hclic[(hclic["area_code"] == "E12000007") & (hclic["indicator_id"] == "hclic_assessments")]
    assert len(london) == 2  # listed twice in each workbook, once here
    r = row(hclic, indicator_id="hclic_assessments", area_code="E09000030", period="2018 Q2")
    assert (r["value"], r["area_type"]) == (627, "la")
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2018-04-01"), pd.Timestamp("2018-06-30"))
    r = row(hclic, indicator_id="hclic_ta_households", area_code="E09000030", period="2019 Q2", category="")
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2019-06-30"),) * 2  # a snapshot
    assert row(hclic, indicator_id="hclic_ta_households", area_code="E92000001", period="2019 Q2",
               category="")["area_type"] == "country"


@pytest.mark.parametrize("indicator_id, area, category, note", [
    ("hclic_prevention_section21", "E92000001", "", "suppressed [c]"),
    ("hclic_ta_with_children", "E92000001", "", "not available [x]"),
    ("hclic_ta_out_of_district", "E92000001", "", "suppressed [-]"),
    ("hclic_ta_out_of_district", "E12000007", "", "suppressed [*]"),
])
def test_hclic_markers_become_missing_with_the_reason(hclic, indicator_id, area, category, note):
    r = row(hclic, indicator_id=indicator_id, area_code=area, period="2019 Q2", category=category)
    assert np.isnan(r["value"]) and np.isnan(r["count"]) and r["value_note"] == note


def test_hclic_rates(hclic):
    r = row(hclic, indicator_id="hclic_relief_per_1000", area_code="E09000030", period="2019 Q2")
    assert r["value"] == pytest.approx(1.9726136747413345) and r["value_note"] == ""  # as published (= 257 / 130.284)
    assert (r["count"], r["denominator"]) == (257, 130284)
    assert r["lower_ci_95"] < r["value"] < r["upper_ci_95"]
    r = row(hclic, indicator_id="hclic_relief_per_1000", area_code="E09000030", period="2018 Q2")
    assert r["value"] == pytest.approx(213 / 127.415) and "not published" in r["value_note"]
    r = row(hclic, indicator_id="hclic_relief_per_1000", area_code="E92000001", period="2019 Q2")
    assert r["value"] == pytest.approx(32220 / 23402.517) and "published rate 0.624" in r["value_note"]
    r = row(hclic, indicator_id="hclic_relief_per_1000", area_code="E12000007", period="2019 Q2")
    assert r["value"] == pytest.approx(6380 / 3538.264) and "twice" in r["value_note"]
    r = row(hclic, indicator_id="hclic_ta_per_1000", area_code="E09000030", period="2018 Q2")
    assert r["value"] == pytest.approx(17.54895420476396)  # as published (= 2236 / 127.415)
    r = row(hclic, indicator_id="hclic_duty_owed_per_1000", area_code="E09000030", period="2019 Q2")
    assert r["value"] == pytest.approx(579 / 130.284)


def test_hclic_ta_by_type(hclic):
    types = hclic[(hclic["indicator_id"] == "hclic_ta_households") & (hclic["area_code"] == "E09000030")
                  & (hclic["period"] == "2018 Q2") & (hclic["category_type"] == "ta_type")]
    assert len(types) == 6 and types["value"].sum() == 2236  # the six types add up to the total


HC = "hclic_A1_TA1_long_all_LAs_2018Q2_2025Q4_csv"


@pytest.mark.parametrize("data_row, old, new, column", [
    (1, ",59140", ",n/a", "value"),
    (2, "2018-06,", "2018-05,", "quarter_end"),
    (1, ",59140", ",-3", "value"),
])
def test_hclic_bad_input_names_file_column_and_row(fixture_root, data_row, old, new, column):
    with pytest.raises(DataError) as err:
        homelessness.read(fixture_root(**{HC: partial(edit_row, data_row=data_row, old=old, new=new)}))
    assert err.value.file == homelessness.EXTRACT and err.value.column == column
    assert err.value.rows == [data_row]


def test_hclic_a_moved_ta1_column_is_caught(fixture_root):
    header = "Bed and breakfast hotels (including shared annexes) | Total number of households"
    root = fixture_root(**{HC: lambda t: t.replace(header, "Hostels | Total number of households")})
    with pytest.raises(DataError, match="TA1 column 10") as err:
        homelessness.read(root)
    assert err.value.column == "measure" and err.value.rows


def test_hclic_a_repeated_area_with_different_counts_is_refused(fixture_root):
    with pytest.raises(DataError, match="listed twice") as err:
        homelessness.read(fixture_root(**{HC: lambda t: t.replace("London,4,a1_total_initial_assessments,"
                                                                 "\"Total initial assessments1,2\",14430\n", "London,4,"
                                                                 "a1_total_initial_assessments,\"Total initial "
                                                                 "assessments1,2\",14431\n", 1)}))
    assert err.value.column == "value" and len(err.value.rows) == 2


# --- the workbook check -----------------------------------------------------------------------------------------
def _write_workbook(path, values: dict[tuple[str, str], list]) -> None:
    """A 2019 Q2 workbook in MHCLG's layout: title row, multi-row merged-style headers, London listed twice."""
    wb = openpyxl.Workbook()
    a1 = wb.active
    a1.title = "A1 - Apr-Jun 19"
    a1.append(["Table A1 - Number of households assessed\nEngland, April to June 2019"])
    a1.append([None] * 11 + ["Number of households"])
    a1.append([None] * 4 + ["Total initial assessments1,2", None, "Assessed as owed a duty", None, None, None, None,
                            "Not homeless nor threatened with homelessness within 56 days - no duty owed", None,
                            "Number of households\n in area4 (000s)",
                            "Households assessed as threatened with homelessness\nper (000s)",
                            "Households assessed as homeless\nper (000s)"])
    a1.append([None] * 6 + ["Total owed a prevention or relief duty", "Threatened with homelessness within 56 "
                            "days - \nPrevention duty owed", "Of which:", "Homeless - \nRelief duty owed4"])
    a1.append([None] * 8 + ["due to service of valid Section 21 Notice3"])
    ta1 = wb.create_sheet("TA1 - Apr-Jun 19")
    ta1.append(["Table TA1 - Households in temporary accommodation\nEngland, 30 June 2019"])
    ta1.append([None] * 4 + ["Total number of households in TA5,8 ", "Number of households in area3 (000s)",
                             "Total number of households in TA per (000s)",
                             "Total number of households in TA with children", "Total number of children in TA"])
    for code, name in (("E92000001", "ENGLAND"), ("E12000007", "London"), ("E09000030", "Tower Hamlets"),
                       ("E12000007", "London")):
        a = values[("A1", code)]
        a1.append([code, name, None, None, a[0], None, a[1], a[2], a[3], a[4], None, a[5], None, *a[6:]])
        ta1.append([code, name, None, None, *values[("TA1", code)]])
    a1.append([".."])  # the legend under the table is not an area
    wb.save(path)


WORKBOOK_2019Q2 = {
    ("A1", "E92000001"): [73460, 69930, 37710, "[c]", 32220, 3530, 23402.517, 1.6113651, 0.624],
    ("A1", "E12000007"): [14430, 13470, 7090, 860, 6380, 960, 3538.264, 2.0038, 1.80314],
    ("A1", "E09000030"): [671, 579, 322, 51, 257, 92, 130.284, 2.471523748119493, 1.9726136747413345],
    ("TA1", "E92000001"): [86570, 23402.517, 3.699, "[x]", 128040],
    ("TA1", "E12000007"): [58140, 3538.264, 16.43, 41120, 88760],
    ("TA1", "E09000030"): [2598, 130.284, 19.941051855945474, 2203, 4552],
}


def test_workbook_check_finds_agreement_and_a_difference(fixture_root):
    root = fixture_root()
    folder = root / homelessness.WORKBOOKS
    folder.mkdir(parents=True)
    _write_workbook(folder / "DetailedLA_201906_revised.xlsx", WORKBOOK_2019Q2)
    book = homelessness_workbooks.read_workbook(folder / "DetailedLA_201906_revised.xlsx")
    assert set(book["quarter_end"]) == {"2019-06"} and book["measure_key"].nunique() == 13
    check = homelessness_workbooks.check_against_workbooks(root)
    london_rate = (check["area_code"] == "E12000007") & (check["measure_key"] == "a1_homeless_per_1000_households")
    assert check.loc[~london_rate, "agree"].all()  # the extract's London rows disagree with each other (1.80314, 2.6)
    assert not check.loc[london_rate, "agree"].any()
    assert len(check) == 3 * 13
    changed = {**WORKBOOK_2019Q2, ("A1", "E09000030"): [672, *WORKBOOK_2019Q2[("A1", "E09000030")][1:]]}
    _write_workbook(folder / "DetailedLA_201906_revised.xlsx", changed)
    check = homelessness_workbooks.check_against_workbooks(root)
    bad = check[~check["agree"] & ~london_rate]
    assert bad[["area_code", "measure_key", "workbook_value", "extract_value"]].values.tolist() == [
        ["E09000030", "a1_total_initial_assessments", "672", "671"]]
    # What `thanalysis data check` prints: one failed check that names how many cells differ.
    (found,) = homelessness_workbooks.checks(root)
    assert not found.ok and found.rows == 3 * 13 and found.note.startswith("2 of 39 cells differ")


def test_workbook_without_a_quarter_in_its_title_is_refused(tmp_path):
    _write_workbook(tmp_path / "book.xlsx", WORKBOOK_2019Q2)
    wb = openpyxl.load_workbook(tmp_path / "book.xlsx")
    wb["A1 - Apr-Jun 19"]["A1"] = "Table A1"
    wb.save(tmp_path / "book.xlsx")
    with pytest.raises(DataError, match="quarter") as err:
        homelessness_workbooks.read_workbook(tmp_path / "book.xlsx")
    assert err.value.file == "book.xlsx"


# --- Oflog adult social care ----------------------------------------------------------------------------------
def test_oflog_values_periods_and_polarity(fixture_root):
    series = social_care.read(fixture_root())
    v, ind = series.values, series.indicators.set_index("indicator_id")
    r = row(v, indicator_id="oflog_asc_carer_qol", period="2016/17")
    assert r["value"] == 7.3  # Oflog's MEDIAN (7.5) is a comparison, not the value
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2016-04-01"), pd.Timestamp("2017-03-31"))
    r = row(v, indicator_id="oflog_asc_workforce_turnover", period="2021/22")
    assert np.isnan(r["value"]) and "blank" in r["value_note"]
    assert ind.loc["oflog_asc_carer_qol", "polarity"] == "higher_is_better"
    assert ind.loc["oflog_asc_short_term_outcome", "polarity"] == "higher_is_better"  # "DESC"
    assert ind.loc["oflog_asc_workforce_turnover", "polarity"] == "no_judgement"  # "None"


OF = "ASC_data_csv"


@pytest.mark.parametrize("data_row, old, new, column", [
    (1, "2016-17", "2016-2017", "Financial year"),
    (2, ",7.9,", ",7.9x,", "Value"),
    (5, ",ASC5,", ",ASC9,", "Code"),
    (3, "E09000030", "Tower Hamlets", "Local authority code"),
])
def test_oflog_bad_input_names_file_column_and_row(fixture_root, data_row, old, new, column):
    with pytest.raises(DataError) as err:
        social_care.read(fixture_root(**{OF: partial(edit_row, data_row=data_row, old=old, new=new)}))
    assert err.value.file == social_care.FILE and err.value.column == column
    assert err.value.rows == [data_row]


def test_oflog_measure_ranked_against_its_stated_polarity_is_refused(fixture_root):
    with pytest.raises(DataError, match="ranked 'asc', which is not the polarity") as err:
        social_care.read(fixture_root(**{OF: partial(edit_row, data_row=2, old=",desc", new=",asc")}))
    assert err.value.column == "rank_order" and err.value.rows == [2]
    # indicators() gives the same table without reading the file.
    pd.testing.assert_frame_equal(social_care.indicators(), social_care.read(fixture_root()).indicators)


def test_readers_print_nothing(fixture_root, capsys):
    root = fixture_root()
    nhs_trusts.read(root), homelessness.read(root), social_care.read(root)
    assert capsys.readouterr() == ("", "")
