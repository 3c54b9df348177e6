"""The published-series readers on the real open-data mirror (``$THANALYSIS_DATA_ROOT``).

Expected numbers come from the files themselves, counted here with the csv module (not with the readers), from
the example rows quoted in each folder's SOURCE.md, or from NHS England's own CSV layout in the mirror
(``nhs/monthly_activity_2008_2023``, ``nhs/provider_snapshots_2021``).
"""
from __future__ import annotations

import csv
import gzip
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from thanalysis.data.published import homelessness, homelessness_workbooks, nhs_trusts, social_care
from thanalysis.data.schemas import validate
from thanalysis.vocabulary import CANONICAL_COLUMNS

pytestmark = pytest.mark.real
TH, ENGLAND = "E09000030", "E92000001"


def rows_of(root, rel):
    opener = gzip.open if rel.endswith(".gz") else open
    with opener(root / rel, "rt", encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def one(values: pd.DataFrame, **where) -> pd.Series:
    sel = values
    for col, want in where.items():
        sel = sel[sel[col] == want]
    assert len(sel) == 1, (where, len(sel))
    return sel.iloc[0]


@pytest.fixture(scope="module")
def nhs(open_data_root):
    return nhs_trusts.read(open_data_root)


@pytest.fixture(scope="module")
def hclic(open_data_root):
    return homelessness.read(open_data_root)


@pytest.fixture(scope="module")
def oflog(open_data_root):
    return social_care.read(open_data_root)


@pytest.mark.parametrize("name", ["nhs", "hclic", "oflog"])
def test_tables_are_canonical_and_validate_again(request, name):
    series = request.getfixturevalue(name)
    assert list(series.values.columns) == CANONICAL_COLUMNS["values"]
    assert list(series.indicators.columns) == CANONICAL_COLUMNS["indicators"]
    assert set(series.values["indicator_id"]) == set(series.indicators["indicator_id"])
    pd.testing.assert_frame_equal(validate("values", series.values, indicators=series.indicators), series.values)
    assert series.retrieved is not None and any(f.endswith("SOURCE.md") for f in series.files)


# --- NHS trusts -----------------------------------------------------------------------------------------------
def test_nhs_row_counts(nhs, open_data_root):
    v = nhs.values
    trust = v[v["area_type"] == "trust"].groupby("indicator_id").size()
    ae = rows_of(open_data_root, nhs_trusts.AE)
    assert trust["nhse_ae_attendances"] == trust["nhse_ae_4hr"] == len(ae) == 7895
    rtt = rows_of(open_data_root, nhs_trusts.RTT)
    assert trust["nhse_rtt_over_18_weeks"] == sum(r["treatment"] == "Total" for r in rtt) == 32433
    delays = rows_of(open_data_root, nhs_trusts.DELAYS)  # one row per reason, plus each trust-month's total
    assert trust["nhse_discharge_delays"] == len(delays) + len({(r["nhs_trust22_code"], r["date"]) for r in delays})
    months = {r["date"] for r in ae}
    assert (v[v["indicator_id"] == "nhse_ae_attendances"]["area_code"] == ENGLAND).sum() == len(months) == 52


def test_barts_ae_as_in_source_md(nhs):
    v = nhs.values
    r = one(v, indicator_id="nhse_ae_attendances", area_code="R1H", period="2021-04")
    assert r["value"] == 37432 and r["area_type"] == "trust"
    r = one(v, indicator_id="nhse_ae_4hr", area_code="R1H", period="2021-05")
    assert (r["count"], r["denominator"]) == (40900 - 5442, 40900)
    assert r["value"] == pytest.approx(100 * (1 - 5442 / 40900))  # the file's pct column is the share over 4 hours
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2021-05-01"), pd.Timestamp("2021-05-31"))
    assert one(v, indicator_id="nhse_ae_emergency_admissions", area_code="R1H", period="2021-04")["value"] == 9348


def test_ae_attendances_are_all_department_types_of_nhs_englands_file(nhs, open_data_root):
    with open(open_data_root / "nhs/monthly_activity_2008_2023/ae_sitrep_provider_2020_2023/April2021.csv",
              encoding="utf-8-sig") as f:
        sitrep = {r["Org Code"]: r for r in csv.DictReader(f)}
    barts = sitrep["R1H"]
    types = sum(int(barts[c]) for c in barts if c.startswith("A&E attendances"))
    breaches = sum(int(barts[c]) for c in barts if c.startswith("Attendances over 4hrs"))
    r = one(nhs.values, indicator_id="nhse_ae_4hr", area_code="R1H", period="2021-04")
    assert (r["denominator"], r["denominator"] - r["count"]) == (types, breaches)
    england = one(nhs.values, indicator_id="nhse_ae_attendances", area_code=ENGLAND, period="2021-04")
    official = sum(int(sitrep["TOTAL"][c]) for c in sitrep["TOTAL"] if c.startswith("A&E attendances"))
    assert england["value"] < official and "sum of the" in england["value_note"]  # NHS trusts only


def test_unreported_four_hour_waits_are_missing_with_a_reason(nhs, open_data_root):
    na = [r for r in rows_of(open_data_root, nhs_trusts.AE) if r["attendances_over_4hours"] == "NA"]
    assert len(na) == 354
    month = pd.to_datetime(na[0]["date"], format="%B %Y").strftime("%Y-%m")
    r = one(nhs.values, indicator_id="nhse_ae_4hr", area_code=na[0]["nhs_trust22_code"], period=month)
    assert np.isnan(r["value"]) and "not reported" in r["value_note"]


def test_barts_beds_criteria_to_reside_and_discharges(nhs, open_data_root):
    v = nhs.values
    r = one(v, indicator_id="nhse_ga_bed_occupancy", area_code="R1H", period="2022-04", category="")
    assert (r["count"], r["denominator"]) == (1494, 1656) and r["value"] == pytest.approx(100 * 1494 / 1656)
    assert one(v, indicator_id="nhse_ga_bed_occupancy", area_code="R1H", period="2022-04",
               category="Paediatric")["value"] == pytest.approx(100 * 120 / 143)
    daily = [r for r in rows_of(open_data_root, nhs_trusts.CTR)
             if r["nhs_trust22_code"] == "R1H" and r["date"].startswith("2022-04")]
    expected = np.mean([float(r["do_not_meet_criteria_to_reside"]) for r in daily])
    r = one(v, indicator_id="nhse_not_meeting_ctr", area_code="R1H", period="2022-04")
    assert len(daily) == 30 and r["value"] == pytest.approx(expected) and r["value_note"] == ""
    assert one(v, indicator_id="nhse_discharges", area_code="R1H", period="2022-04")["value"] == 3580
    r = one(v, indicator_id="nhse_discharged_by_1700", area_code="R1H", period="2022-04")
    assert (r["count"], r["denominator"]) == (2236, 3580)
    assert v[v["indicator_id"] == "nhse_discharged_by_1700"]["period"].max() == "2023-05"  # not published later


def test_partial_months_of_discharges_are_not_totals(nhs):
    r = one(nhs.values, indicator_id="nhse_discharges", area_code="R1H", period="2024-05")
    assert np.isnan(r["value"]) and r["value_note"].startswith("26 of 31 days reported")


def test_rtt_total_row_equals_the_treatment_functions_and_is_counted_once(nhs, open_data_root):
    sums, totals = defaultdict(float), {}
    for r in rows_of(open_data_root, nhs_trusts.RTT):
        if r["nhs_trust22_code"] == "R1H" and r["date"] == "2019-10-01":
            if r["treatment"] == "Total":
                totals[r["date"]] = float(r["waits_over_18_weeks"])
            else:
                sums[r["date"]] += float(r["waits_over_18_weeks"])
    r = one(nhs.values, indicator_id="nhse_rtt_over_18_weeks", area_code="R1H", period="2019-10")
    assert r["value"] == totals["2019-10-01"] == sums["2019-10-01"]


def test_rtt_figures_sum_every_rtt_part_not_just_the_waiting_list(nhs, open_data_root):
    """Barts, December 2020: NHS England's parts (BRC snapshot of the official CSV) add up to the file's figure."""
    snapshot = (open_data_root / "nhs/provider_snapshots_2021/commit_85de7c0_2021-03-09"
                / "nhs_referral_treatment_waiting_times.csv")
    with open(snapshot, encoding="utf-8-sig") as f:
        parts = {r["rtt_type"]: int(r["count_wait_more_18_weeks"]) for r in csv.DictReader(f) if r["org_code"] == "R1H"}
    r = one(nhs.values, indicator_id="nhse_rtt_over_18_weeks", area_code="R1H", period="2020-12")
    assert r["value"] == sum(parts.values()) == 49555
    assert parts["Incomplete Pathways"] == 36138 < r["value"]
    name = nhs.indicators.set_index("indicator_id").loc["nhse_rtt_over_18_weeks", "name"]
    assert "not the waiting list" in name


def test_rtt_by_treatment_function(open_data_root):
    series = nhs_trusts.read_rtt_by_treatment(open_data_root)
    v = series.values
    r = one(v, indicator_id="nhse_rtt_over_18_weeks", area_code="R1H", period="2019-10", category="Cardiology")
    assert r["value"] == 1315 and r["category_type"] == "treatment_function"  # SOURCE.md example row
    assert one(v, indicator_id="nhse_rtt_over_52_weeks", area_code="R1H", period="2019-10",
               category="Cardiothoracic Surgery")["value"] == 1
    assert "Total" not in set(v["category"]) and len(v) == 2 * (302153 - 32433)


def test_delay_reasons_as_in_source_md(nhs, open_data_root):
    v = nhs.values
    r = one(v, indicator_id="nhse_discharge_delays", area_code="R1H", period="2024-06", category_type="delay_reason",
            category="Hospital process - Awaiting medical review of need for supported discharge")
    assert r["value"] == 16
    blank = next(r for r in rows_of(open_data_root, nhs_trusts.DELAYS) if r["delay_count"] == "")
    r = one(v, indicator_id="nhse_discharge_delays", area_code=blank["nhs_trust22_code"], period=blank["date"][:7],
            category=blank["delay_reason"])
    assert np.isnan(r["value"]) and "blank" in r["value_note"]
    total = one(v, indicator_id="nhse_discharge_delays", area_code="R1H", period="2024-06", category="")
    assert total["value"] == v[(v["area_code"] == "R1H") & (v["period"] == "2024-06")
                               & (v["category_type"] == "delay_reason")]["value"].sum()


# --- homelessness ---------------------------------------------------------------------------------------------
def test_hclic_row_counts(hclic, open_data_root):
    raw = rows_of(open_data_root, homelessness.EXTRACT)
    pairs = {(r["quarter_end"], r["area_code"]) for r in raw}
    counts = hclic.values.groupby("indicator_id").size()
    assert len(raw) == 318800 and len(pairs) == 9866
    assert (counts.drop("hclic_ta_households") == len(pairs)).all()
    assert counts["hclic_ta_households"] == 7 * len(pairs)  # the total and six types of accommodation


def test_tower_hamlets_as_in_source_md(hclic):
    v = hclic.values
    r = one(v, indicator_id="hclic_assessments", area_code=TH, period="2018 Q2")
    assert r["value"] == 614 and r["area_type"] == "la"
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2018-04-01"), pd.Timestamp("2018-06-30"))
    assert one(v, indicator_id="hclic_duty_owed", area_code=TH, period="2018 Q2")["value"] == 553
    r = one(v, indicator_id="hclic_ta_households", area_code=TH, period="2025 Q4", category="")
    assert r["value"] == 3096 and r["period_start"] == r["period_end"] == pd.Timestamp("2025-12-31")
    r = one(v, indicator_id="hclic_ta_per_1000", area_code=TH, period="2025 Q4")
    assert r["value"] == pytest.approx(22.3914600013018) and r["denominator"] == 138267
    assert r["lower_ci_95"] < r["value"] < r["upper_ci_95"]


def test_rates_before_2019_q2_are_computed_and_say_so(hclic):
    r = one(hclic.values, indicator_id="hclic_relief_per_1000", area_code=TH, period="2018 Q2")
    assert r["value"] == pytest.approx(199 / 126.902) and "not published" in r["value_note"]
    r = one(hclic.values, indicator_id="hclic_relief_per_1000", area_code=TH, period="2019 Q2")
    assert r["value"] == pytest.approx(1.9503095056389381) and r["value_note"] == ""


def test_hclic_markers_become_missing_with_their_reason(hclic, open_data_root):
    raw = rows_of(open_data_root, homelessness.EXTRACT)
    dots = next(r for r in raw if r["value"] == ".." and r["measure_key"] == "ta1_households_in_ta_total")
    period = pd.Period(dots["quarter_end"], "M").asfreq("Q")
    r = one(hclic.values, indicator_id="hclic_ta_households", area_code=dots["area_code"],
            period=f"{period.year} Q{period.quarter}", category="")
    assert np.isnan(r["value"]) and r["value_note"].startswith("not available [..]")
    dash = next(r for r in raw if r["value"] == "-" and r["col_index"] == "31")
    period = pd.Period(dash["quarter_end"], "M").asfreq("Q")
    r = one(hclic.values, indicator_id="hclic_ta_out_of_district", area_code=dash["area_code"],
            period=f"{period.year} Q{period.quarter}")
    assert np.isnan(r["value"]) and r["value_note"] == "suppressed [-]"


def test_published_rates_that_contradict_their_counts(hclic):
    v = hclic.values
    r = one(v, indicator_id="hclic_relief_per_1000", area_code=ENGLAND, period="2020 Q2")
    assert r["value"] == pytest.approx(38040 / 23542.797) and "published rate 0.619" in r["value_note"]
    r = one(v, indicator_id="hclic_relief_per_1000", area_code="E12000007", period="2020 Q2")
    assert r["value"] == pytest.approx(7130 / 3542.949) and "twice" in r["value_note"]


def test_workbooks_agree_with_the_extract(open_data_root):
    check = homelessness_workbooks.check_against_workbooks(open_data_root)
    assert check["agree"].all(), check[~check["agree"]].head()
    assert set(check["quarter_end"]) == {"2019-03", "2021-03", "2025-03", "2025-12"}
    th = check[check["area_code"] == TH]
    assert len(th) == 4 * 13 - 3  # the 2019 Q1 workbook has no households in area or rates in A1
    assert th.set_index(["quarter_end", "measure_key"]).loc[("2019-03", "a1_total_initial_assessments"),
                                                            "workbook_value"] == "708"
    assert check.groupby("quarter_end")["area_code"].nunique().min() > 300


# --- Oflog adult social care ----------------------------------------------------------------------------------
def test_oflog_rows_and_tower_hamlets_as_in_source_md(oflog, open_data_root):
    v = oflog.values
    assert len(v) == len(rows_of(open_data_root, social_care.FILE)) == 6376
    assert (v["area_code"] == TH).sum() == 42
    r = one(v, indicator_id="oflog_asc_carer_qol", area_code=TH, period="2016/17")
    assert r["value"] == 7.5 and r["area_type"] == "la"
    assert (r["period_start"], r["period_end"]) == (pd.Timestamp("2016-04-01"), pd.Timestamp("2017-03-31"))
    assert one(v, indicator_id="oflog_asc_carer_qol", area_code=TH, period="2018/19")["value"] == 7.8
    r = one(v, indicator_id="oflog_asc_workforce_turnover", area_code=TH, period="2019/20")
    assert np.isnan(r["value"]) and "blank" in r["value_note"]


def test_oflog_polarity_follows_rank_order(oflog):
    polarity = oflog.indicators.set_index("indicator_id")["polarity"]
    assert polarity["oflog_asc_carer_qol"] == polarity["oflog_asc_info_users"] == "higher_is_better"
    assert polarity["oflog_asc_requests_service"] == polarity["oflog_asc_workforce_turnover"] == "no_judgement"
