"""NHS England provider snapshots of early 2021 (``nhs/provider_snapshots_2021/``), as British Red Cross processed them.

Three commits of britishredcrosssociety/nhs-capacity, each a folder of single-period files with no period column;
the folder's SOURCE.md gives each file's period (:data:`PERIODS`). Every figure is a provider's (area type ``trust``:
whole-trust, or ambulance service, figures):

- ``nhs_ae.csv`` (A&E, one month): attendances, the share seen within four hours (BRC's ``perc_4_hours_or_less_all``,
  0-1, given here per cent; "NA" for trusts field-testing new standards) and patients waiting over 12 hours from the
  decision to admit;
- ``nhs_ambulance.csv`` (AmbSYS, one month): mean response time in minutes by category (``response_category``
  cat1, cat1t, cat2, cat3, cat4), as AmbSYS defines it: total hours / incidents. BRC's ``mean_min_sec`` ("mm:ss")
  drops whole hours (London, category 4, April 2021: 111 minutes shown as "51:02"), so it is not read;
- ``nhs_beds_nights.csv`` and ``nhs_beds_days.csv`` (KH03, a financial-year quarter): general and acute bed
  occupancy, overnight and day only. The March and April commits hold the same quarter (2020/21 Q2), the March one
  without the counts of occupied beds: the April copy is read (the tests check the two agree);
- ``nhs_cancer_wait_times.csv`` (Cancer Waiting Times, the financial year to date): patients treated within each
  standard (``cancer_standard``; the March file's "2WW" named "2 week wait" as in the others) as a share of those
  treated, with Wilson limits (patients shared between providers count as halves);
- ``nhs_diagnostic_waiting_times.csv`` (DM01, one month): the waiting list and the share waiting 6 weeks or more;
- ``nhs_outpatients_referrals.csv`` (MRR, one month): GP referrals made, all specialties;
- ``nhs_referral_treatment_waiting_times.csv`` (RTT, one month): pathways by RTT part (``rtt_part``; "Incomplete
  Pathways" is the waiting list) and the share waiting over 18 weeks (not for new RTT periods, which have no wait).

Single months, not series: the trust series (:mod:`.nhs_trusts`) are the series. ``read(root)`` returns the
:class:`~.series.PublishedSeries`.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import Period, data_rows, span, year_label
from thanalysis.data.published.series import PublishedSeries, finish, indicator_table, limits, read_table
from thanalysis.errors import DataError

FOLDER = "nhs/provider_snapshots_2021"
SOURCE = ("NHS England statistics (A&E, AmbSYS, KH03 beds, Cancer Waiting Times, DM01, MRR, RTT) as processed by the "
          "British Red Cross (britishredcrosssociety/nhs-capacity), three snapshots of 2021")
LICENCE = "Open Government Licence v3.0 (BRC code MIT)"
MARCH, APRIL, MAY = "commit_85de7c0_2021-03-09", "commit_1a1fa43_2021-04-14", "commit_a770321_2021-05-27"


def _month(year: int, month: int) -> Period:
    return (f"{year}-{month:02d}", *span(year, month, 1))


def _quarter(first_year: int, q: int) -> Period:
    """A financial-year quarter: (2020, 2) → "2020/21 Q2", 1 July to 30 September 2020."""
    return (f"{year_label(first_year)} Q{q}", *span(first_year + (q == 4), 4 + 3 * (q - 1) - 12 * (q == 4), 3))


def _year_to(first_year: int, months: int) -> Period:
    """The financial year to date: (2020, 9) → "2020/21 to December", 1 April to 31 December 2020."""
    start, end = span(first_year, 4, months)
    return f"{year_label(first_year)} to {end:%B}", start, end


#: Folder (commit) → file → the period it covers, as the folder's SOURCE.md states it. Files not listed are not
#: read: the March beds files repeat the April ones' quarter without their counts.
PERIODS: dict[str, dict[str, Period]] = {
    MARCH: {"nhs_ae": _month(2021, 1), "nhs_referral_treatment_waiting_times": _month(2020, 12),
            "nhs_diagnostic_waiting_times": _month(2020, 12), "nhs_cancer_wait_times": _year_to(2020, 9)},
    APRIL: {"nhs_ae": _month(2021, 2), "nhs_ambulance": _month(2021, 2), "nhs_referral_treatment_waiting_times":
            _month(2021, 1), "nhs_diagnostic_waiting_times": _month(2021, 1), "nhs_outpatients_referrals":
            _month(2021, 1), "nhs_cancer_wait_times": _year_to(2020, 10), "nhs_beds_days": _quarter(2020, 2),
            "nhs_beds_nights": _quarter(2020, 2)},
    MAY: {"nhs_ae": _month(2021, 4), "nhs_ambulance": _month(2021, 4), "nhs_referral_treatment_waiting_times":
          _month(2021, 3), "nhs_diagnostic_waiting_times": _month(2021, 3), "nhs_outpatients_referrals":
          _month(2021, 3), "nhs_cancer_wait_times": _year_to(2020, 12), "nhs_beds_days": _quarter(2020, 4),
          "nhs_beds_nights": _quarter(2020, 4)},
}
_SNAP = " (provider snapshot, 2021)"
WAIT12 = "num_patients_more_12_hours_from_decision_to_admit_to_admission"
INDICATORS = (
    ("nhse_snap_ae_attendances", "A&E attendances, all types" + _SNAP, "count", 1, "attendances", "no_judgement"),
    ("nhse_snap_ae_4hr", "A&E attendances seen within 4 hours, all types" + _SNAP, "proportion", 100, "%",
     "higher_is_better"),
    ("nhse_snap_ae_12hr_from_dta", "Patients waiting over 12 hours from the decision to admit" + _SNAP, "count", 1,
     "patients", "lower_is_better"),
    ("nhse_snap_ambulance_mean_response", "Ambulance mean response time, by category" + _SNAP, "mean", 1, "minutes",
     "lower_is_better"),
    ("nhse_snap_ga_occupancy_overnight", "General and acute beds occupied overnight" + _SNAP, "proportion", 100, "%",
     "lower_is_better"),
    ("nhse_snap_ga_occupancy_day", "General and acute beds occupied, day only" + _SNAP, "proportion", 100, "%",
     "lower_is_better"),
    ("nhse_snap_cancer_within_standard", "Cancer patients treated within the standard, financial year to date"
     + _SNAP, "proportion", 100, "%", "higher_is_better"),
    ("nhse_snap_diagnostics_waiting", "Patients waiting for a diagnostic test" + _SNAP, "count", 1, "patients",
     "no_judgement"),
    ("nhse_snap_diagnostics_6_weeks", "Patients waiting 6 weeks or more for a diagnostic test" + _SNAP, "proportion",
     100, "%", "lower_is_better"),
    ("nhse_snap_gp_referrals", "GP referrals made, all specialties" + _SNAP, "count", 1, "referrals", "no_judgement"),
    ("nhse_snap_rtt_pathways", "RTT pathways, by part" + _SNAP, "count", 1, "pathways", "no_judgement"),
    ("nhse_snap_rtt_over_18_weeks", "RTT pathways over 18 weeks, by part" + _SNAP, "proportion", 100, "%",
     "lower_is_better"),
)


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    return indicator_table([(*row, "monthly (single snapshots)") for row in INDICATORS], source=SOURCE,
                           licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


def _coded(t: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """Rows with a provider code; rows without one must be wholly empty ("NA" in every cell: the MRR files end
    with three), else a DataError."""
    uncoded = t["org_code"].isna() | (t["org_code"].str.strip() == "")
    filled = t.drop(columns="org_code").notna().any(axis=1)
    if (uncoded & filled).any():
        raise DataError("Rows without a provider code carry figures.", file=file, column="org_code",
                        rows=data_rows(t.index, uncoded & filled), expected="an org_code on every row with a figure")
    return t[~uncoded]


def _frame(indicator_id: str, t: pd.DataFrame, period: Period, **columns) -> pd.DataFrame:
    out = pd.DataFrame({"indicator_id": indicator_id, "area_code": t["org_code"].str.strip(), "area_type": "trust",
                        "period": period[0], "period_start": period[1], "period_end": period[2]}, index=t.index)
    for name, col in columns.items():
        out[name] = col
    return out


def _share(indicator_id, t, period, count, total, **extra) -> pd.DataFrame:
    return _frame(indicator_id, t, period, count=count, denominator=total, **limits(count, total, "proportion", 100),
                  **extra)


def _table(root: Path, rel: str, text: list[str], numeric: list[str]) -> pd.DataFrame:
    return _coded(read_table(root, rel, text=text, numeric=numeric), file=rel)


def _file(root: Path, commit: str, name: str, period: Period) -> list[pd.DataFrame]:
    rel = f"{FOLDER}/{commit}/{name}.csv"
    if name == "nhs_ae":
        t = _table(root, rel, text=["org_code"], numeric=["attendences_total", "perc_4_hours_or_less_all", WAIT12])
        share = t["perc_4_hours_or_less_all"]
        return [_frame("nhse_snap_ae_attendances", t, period, count=t["attendences_total"],
                       value=t["attendences_total"]),
                _frame("nhse_snap_ae_4hr", t, period, denominator=t["attendences_total"], value=100 * share,
                       value_note=np.where(share.isna(), "not reported (NA in the file)", "")),
                _frame("nhse_snap_ae_12hr_from_dta", t, period, value=t[WAIT12], count=t[WAIT12])]
    if name == "nhs_ambulance":
        t = _table(root, rel, text=["org_code", "category"], numeric=["count_incidents", "total_hours"])
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = 60 * t["total_hours"] / t["count_incidents"].where(t["count_incidents"] > 0)
        return [_frame("nhse_snap_ambulance_mean_response", t, period, value=mean,
                       category_type="response_category", category=t["category"].str.strip())]
    if name.startswith("nhs_beds_"):
        t = _table(root, rel, text=["org_code"], numeric=["num_bed_occupied_general_acute",
                                                              "perc_bed_occupied_general_acute"])
        share = t["perc_bed_occupied_general_acute"]
        kind = "overnight" if name.endswith("nights") else "day"
        return [_frame(f"nhse_snap_ga_occupancy_{kind}", t, period, value=100 * share,
                       value_note=np.where(share.isna(), "no general and acute beds reported", ""))]
    if name == "nhs_cancer_wait_times":
        t = _table(root, rel, text=["org_code", "standard"], numeric=["total_treated", "within_standard"])
        standard = t["standard"].str.strip().replace({"2WW": "2 week wait"})  # the March file's name for it
        return [_share("nhse_snap_cancer_within_standard", t, period, t["within_standard"], t["total_treated"],
                       category_type="cancer_standard", category=standard)]
    if name == "nhs_diagnostic_waiting_times":
        t = _table(root, rel, text=["org_code"], numeric=["count_total_waiting_list", "count_waiting_6_plus_weeks"])
        total = t["count_total_waiting_list"]
        return [_frame("nhse_snap_diagnostics_waiting", t, period, count=total, value=total),
                _share("nhse_snap_diagnostics_6_weeks", t, period, t["count_waiting_6_plus_weeks"], total)]
    if name == "nhs_outpatients_referrals":
        t = _table(root, rel, text=["org_code"], numeric=["gp_referrals_made_all"])
        return [_frame("nhse_snap_gp_referrals", t, period, count=t["gp_referrals_made_all"],
                       value=t["gp_referrals_made_all"])]
    t = _table(root, rel, text=["org_code", "rtt_type"], numeric=["count_total", "count_wait_more_18_weeks"])
    part = t["rtt_type"].str.strip()
    waits = t[~part.str.startswith("New RTT Periods")]
    return [_frame("nhse_snap_rtt_pathways", t, period, count=t["count_total"], value=t["count_total"],
                   category_type="rtt_part", category=part),
            _share("nhse_snap_rtt_over_18_weeks", waits, period, waits["count_wait_more_18_weeks"],
                   waits["count_total"], category_type="rtt_part", category=part[waits.index])]


def read(root: str | os.PathLike) -> PublishedSeries:
    """Every snapshot file of :data:`PERIODS` as validated canonical tables (see the module docstring)."""
    root = Path(root)
    frames, files = [], []
    for commit, names in PERIODS.items():
        for name, period in names.items():
            frames += _file(root, commit, name, period)
            files.append(f"{FOLDER}/{commit}/{name}.csv")
    return finish(frames, indicators(root), root=root, folder=FOLDER, files=files, source=FOLDER)


__all__ = ["read", "indicators", "INDICATORS", "PERIODS", "FOLDER", "MARCH", "APRIL", "MAY"]
