"""NHS England monthly series by trust (``nhs/trust_monthly_2019_2025/``) as canonical values and indicators.

The files are humaniverse/healthyr's tidy copies of NHS England statistics (see the folder's ``SOURCE.md``):

- A&E attendances (all department types: type 1, 2 and other, as NHS England's monthly A&E file sums them) and
  four-hour performance, the share seen within four hours: ``1 - attendances_over_4hours / total_attendances``
  (the file's ``pct_`` columns are the share *over* four hours and are not used); emergency admissions.
  Trusts field-testing new A&E standards reported no four-hour figures (NA): their rows say so.
- General and acute bed occupancy: occupied / available beds, each the month's average of the daily SitRep as
  published (rounded), so the value can differ slightly from the publisher's own rate; adult and paediatric beds
  as ``category_type`` ``bed_type``. Where occupied beds exceed available beds (it happens), the occupancy is
  given above 100% without an interval and the row says why.
- Acute discharge SitRep (daily): the monthly mean of patients who no longer meet the criteria to reside; the
  monthly total of discharges (left missing, with the partial sum in ``value_note``, when days are missing); the
  share discharged by 17:00 (published April 2022 to May 2023 only). Rows without a trust code whose every
  figure is missing (the file has 243 such days in 2025) are left out; with any figure they are an error.
- RTT waits over 18 and over 52 weeks: the file's ``Total`` treatment row, checked against the sum of the
  treatment functions (never both, which would double count). **Not the waiting list**: the republisher summed
  every RTT part of NHS England's full CSV (completed admitted, completed non-admitted, incomplete pathways and
  incomplete pathways with a decision to admit, a subset of the incomplete ones), e.g. Barts Health December
  2020: 49,555 = 482 + 2,721 + 36,138 + 10,214, of which only 36,138 were waiting (incomplete). The indicator
  names say so; the parts cannot be separated from this file. :func:`read_rtt_by_treatment` gives the
  treatment-function rows (about 540,000 rows: slower, kept apart).
- Discharge delays by main reason for delay (``category_type`` ``delay_reason``, reasons as published) and
  their total (blank ``category``), monthly from June 2024.

Area type ``trust``: figures are for the whole trust (Barts Health R1H runs four hospitals and serves more than
Tower Hamlets). England rows (``country``, E92000001) add up the trusts in the file and say so in
``value_note``; NHS England's own England totals also count other providers, so they are higher.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.published.periods import data_rows, month_periods, month_starts
from thanalysis.data.published.series import (
    ENGLAND,
    PublishedSeries,
    finish,
    indicator_table,
    limits,
    read_table,
    require_non_negative,
)
from thanalysis.errors import DataError

FOLDER = "nhs/trust_monthly_2019_2025"
AE = f"{FOLDER}/england_trust_accidents_emergency.csv"
BEDS = f"{FOLDER}/england_critical_general_acute_beds.csv"
CTR = f"{FOLDER}/england_trust_criteria_to_reside.csv.gz"
DISCHARGES = f"{FOLDER}/england_trust_discharged_patients.csv.gz"
RTT = f"{FOLDER}/england_rtt_trust_by_treatment.csv.gz"
DELAYS = f"{FOLDER}/england_delayed_discharge_reasons_trust.csv.gz"
SOURCE = ("NHS England (A&E attendances and emergency admissions; G&A beds and acute discharge SitReps; "
          "consultant-led RTT waiting times; discharge delays), republished by humaniverse/healthyr")
LICENCE = "Open Government Licence v3.0"
CODE = "nhs_trust22_code"

INDICATORS = (
    ("nhse_ae_attendances", "A&E attendances, all department types (whole trust)", "count", 1, "attendances",
     "no_judgement", "monthly"),
    ("nhse_ae_4hr", "A&E attendances seen within 4 hours, all department types (whole trust)", "proportion", 100,
     "%", "higher_is_better", "monthly"),
    ("nhse_ae_emergency_admissions", "Emergency admissions (whole trust)", "count", 1, "admissions",
     "no_judgement", "monthly"),
    ("nhse_ga_bed_occupancy", "General and acute bed occupancy, monthly average of daily beds (whole trust)",
     "proportion", 100, "%", "lower_is_better", "monthly"),
    ("nhse_not_meeting_ctr", "Patients in hospital who no longer meet the criteria to reside, daily average "
     "(whole trust)", "mean", 1, "patients", "lower_is_better", "monthly"),
    ("nhse_discharges", "Patients discharged, monthly total of the daily discharge SitRep (whole trust)", "count",
     1, "patients", "no_judgement", "monthly"),
    ("nhse_discharged_by_1700", "Discharges made by 17:00 (whole trust)", "proportion", 100, "%",
     "higher_is_better", "monthly"),
    ("nhse_rtt_over_18_weeks", "RTT pathways over 18 weeks, summed over every RTT part as republished (completed, "
     "incomplete and incomplete with a decision to admit: not the waiting list; whole trust)", "count", 1,
     "pathways", "lower_is_better", "monthly"),
    ("nhse_rtt_over_52_weeks", "RTT pathways over 52 weeks, summed over every RTT part as republished (completed, "
     "incomplete and incomplete with a decision to admit: not the waiting list; whole trust)", "count", 1,
     "pathways", "lower_is_better", "monthly"),
    ("nhse_discharge_delays", "Patients whose discharge was delayed, by main reason for delay (acute discharge "
     "SitRep, as published; whole trust)", "count", 1, "patients", "lower_is_better", "monthly"),
)


# --- building blocks ------------------------------------------------------------------------------------------
def _frame(indicator_id: str, codes, area_type: str, months, **columns) -> pd.DataFrame:
    """Values rows of one indicator: area, month period and the given columns (arrays or scalars)."""
    periods = month_periods(pd.Series(np.asarray(months, dtype="datetime64[ns]")))
    out = pd.DataFrame({"indicator_id": indicator_id, "area_code": np.asarray(codes, dtype=object),
                        "area_type": area_type, "period": periods["period"].to_numpy(),
                        "period_start": periods["period_start"].to_numpy(),
                        "period_end": periods["period_end"].to_numpy()})
    for name, col in columns.items():
        out[name] = col.to_numpy() if isinstance(col, pd.Series) else col
    return out


def _england(indicator_id: str, sums: pd.DataFrame, note: pd.Series, **columns) -> pd.DataFrame:
    """England rows from sums by month (index: month start, or month start + category)."""
    months = sums.index.get_level_values(0)
    frame = _frame(indicator_id, ENGLAND, "country", months, value_note=note, **columns)
    if sums.index.nlevels > 1:
        frame["category"] = sums.index.get_level_values(1).to_numpy()
    return frame


def _drop_uncoded(t: pd.DataFrame, numeric: list[str], *, file: str) -> pd.DataFrame:
    """Leave out rows without a trust code (``NA``) whose figures are all missing; a figure without a code is an
    error (it cannot be given to an area)."""
    uncoded = t[CODE].isna() | t[CODE].isin(["NA", ""])
    carries = uncoded & t[numeric].notna().any(axis=1)
    if carries.any():
        raise DataError("Rows without a trust code carry figures.", file=file, column=CODE,
                        rows=data_rows(t.index[carries]), expected="a trust code on every row with a figure")
    return t[~uncoded]


def _require_unique(t: pd.DataFrame, keys: list[str], *, file: str) -> None:
    dup = t.duplicated(keys, keep=False).to_numpy()
    if dup.any():
        raise DataError(f"{int(dup.sum())} rows repeat the same {' + '.join(keys)}.", file=file,
                        column=", ".join(keys), rows=data_rows(t.index[dup]),
                        values=t.loc[dup, keys].head(3).astype(str).agg(" ".join, axis=1).tolist(),
                        expected=f"one row per {' + '.join(keys)}")


def _daily(rel: str, root: Path, numeric: list[str]) -> tuple[pd.DataFrame, pd.Series]:
    """A daily SitRep file with its month of each row, uncoded empty rows left out, one row per trust and day."""
    t = read_table(root, rel, text=[CODE, "date"], numeric=numeric)
    require_non_negative(t, numeric, file=rel)
    t = _drop_uncoded(t, numeric, file=rel)
    _require_unique(t, [CODE, "date"], file=rel)
    return t, month_starts(t["date"], "%Y-%m-%d", file=rel, column="date")


def _days_note(reported: pd.Series, days: pd.Series) -> pd.Series:
    """"k of n days reported" for months with missing days, "no days reported" for months with none."""
    note = pd.Series("", index=reported.index, dtype=object)
    part = reported < days
    if part.any():
        note[part] = reported[part].astype(int).astype(str) + " of " + days[part].astype(str) + " days reported"
    note[reported == 0] = "no days reported"
    return note


# --- A&E ------------------------------------------------------------------------------------------------------
def _ae(root: Path) -> list[pd.DataFrame]:
    numeric = ["total_attendances", "attendances_over_4hours", "total_emergency_admissions"]
    t = _drop_uncoded(read_table(root, AE, text=[CODE, "date"], numeric=numeric), numeric, file=AE)
    require_non_negative(t, numeric, file=AE)
    _require_unique(t, [CODE, "date"], file=AE)
    month = month_starts(t["date"], "%B %Y", file=AE, column="date")
    total, over = t["total_attendances"], t["attendances_over_4hours"]
    bad = (over > total).to_numpy()
    if bad.any():
        raise DataError("Attendances over 4 hours exceed total attendances.", file=AE,
                        column="attendances_over_4hours", rows=data_rows(t.index[bad]),
                        expected="attendances_over_4hours ≤ total_attendances")
    within = total - over
    note = pd.Series(np.select([over.isna(), total == 0], ["attendances over 4 hours not reported (NA in the file)",
                                                           "no attendances this month"], ""), index=t.index)
    frames = [_frame("nhse_ae_attendances", t[CODE], "trust", month, count=total, value=total),
              _frame("nhse_ae_4hr", t[CODE], "trust", month, count=within, denominator=total, value_note=note,
                     **limits(within, total, "proportion", 100)),
              _frame("nhse_ae_emergency_admissions", t[CODE], "trust", month, count=t["total_emergency_admissions"],
                     value=t["total_emergency_admissions"])]
    by_month = t.assign(month=month).groupby("month")
    sums = by_month[["total_attendances", "total_emergency_admissions"]].sum(min_count=1)
    n = by_month[CODE].nunique()
    note = ("sum of the " + n.astype(str) + " NHS trusts in the file (NHS England's England total also counts "
            "other providers)")
    frames += [_england("nhse_ae_attendances", sums, note, count=sums["total_attendances"],
                        value=sums["total_attendances"]),
               _england("nhse_ae_emergency_admissions", sums, note, count=sums["total_emergency_admissions"],
                        value=sums["total_emergency_admissions"])]
    rep = t[over.notna() & (total > 0)].assign(month=month, within=within).groupby("month")
    four = rep[["within", "total_attendances"]].sum()
    note = "sum of the " + rep[CODE].nunique().astype(str) + " NHS trusts in the file reporting 4-hour waits"
    frames.append(_england("nhse_ae_4hr", four, note, count=four["within"], denominator=four["total_attendances"],
                           **limits(four["within"], four["total_attendances"], "proportion", 100)))
    return frames


# --- beds -----------------------------------------------------------------------------------------------------
BED_TYPES = {"": "general_acute", "Adult": "adult_general_acute", "Paediatric": "paediatric_general_acute"}


def _occupancy(indicator_id: str, codes, area_type: str, months, occupied: pd.Series, available: pd.Series,
               note: pd.Series, category: str) -> pd.DataFrame:
    over = occupied > available
    count, den = occupied.where(~over), available.where(~over)
    lim = limits(count, den, "proportion", 100)
    with np.errstate(invalid="ignore", divide="ignore"):
        lim["value"] = np.where(over, 100 * occupied / available, lim["value"])
    note = note.copy()
    note[available == 0] = "no beds available this month"
    if over.any():
        note[over] = ("occupied beds (" + occupied[over].map("{:g}".format) + ") exceed available beds ("
                      + available[over].map("{:g}".format) + ") as published: occupancy above 100%, no interval")
    return _frame(indicator_id, codes, area_type, months, count=count, denominator=den, value_note=note,
                  category_type="bed_type" if category else "", category=category, **lim)


def _beds(root: Path) -> list[pd.DataFrame]:
    numeric = [f"{p}_beds_{k}" for p in BED_TYPES.values() for k in ("occupied", "available")]
    t = _drop_uncoded(read_table(root, BEDS, text=[CODE, "date"], numeric=numeric), numeric, file=BEDS)
    require_non_negative(t, numeric, file=BEDS)
    _require_unique(t, [CODE, "date"], file=BEDS)
    t["month"] = month_starts(t["date"], "%B %Y", file=BEDS, column="date")
    frames = []
    for category, prefix in BED_TYPES.items():
        occ, avail = f"{prefix}_beds_occupied", f"{prefix}_beds_available"
        part = t[t[occ].notna() & t[avail].notna()]  # no paediatric beds at a trust: no row
        frames.append(_occupancy("nhse_ga_bed_occupancy", part[CODE], "trust", part["month"], part[occ], part[avail],
                                 pd.Series("", index=part.index, dtype=object), category))
        by_month = part.groupby("month")
        sums = by_month[[occ, avail]].sum()
        note = pd.Series("sum of the " + by_month[CODE].nunique().astype(str) + " trusts in the file",
                         index=sums.index)
        frames.append(_occupancy("nhse_ga_bed_occupancy", ENGLAND, "country", sums.index, sums[occ], sums[avail],
                                 note, category))
    return frames


# --- discharge SitRep -----------------------------------------------------------------------------------------
def _criteria_to_reside(root: Path) -> list[pd.DataFrame]:
    col = "do_not_meet_criteria_to_reside"
    t, month = _daily(CTR, root, [col])
    g = t.assign(month=month).groupby([CODE, "month"])[col].agg(["mean", "count"]).reset_index()
    days = g["month"].dt.days_in_month
    frames = [_frame("nhse_not_meeting_ctr", g[CODE], "trust", g["month"], value=g["mean"],
                     value_note=_days_note(g["count"], days))]
    reported = g[g["count"] > 0].groupby("month")
    sums = reported["mean"].sum().to_frame()
    note = "sum of the daily averages of " + reported[CODE].nunique().astype(str) + " trusts"
    frames.append(_england("nhse_not_meeting_ctr", sums, note, value=sums["mean"]))
    return frames


def _discharges(root: Path) -> list[pd.DataFrame]:
    by, late, total = "discharged_by_1700", "discharged_between_1701_2359", "discharged_total"
    t, month = _daily(DISCHARGES, root, [by, late, total])
    split = t[by].notna() & t[late].notna()
    t = t.assign(month=month, split_by=t[by].where(split), split_all=(t[by] + t[late]).where(split))
    g = t.groupby([CODE, "month"]).agg(total=(total, "sum"), days=(total, "count"), by=("split_by", "sum"),
                                       all=("split_all", "sum"), split_days=("split_all", "count")).reset_index()
    in_month = g["month"].dt.days_in_month
    complete = g["days"] == in_month
    note = _days_note(g["days"], in_month)
    part = ~complete & (g["days"] > 0)
    if part.any():
        note[part] = note[part] + " (they sum to " + g.loc[part, "total"].map("{:g}".format) + ")"
    frames = [_frame("nhse_discharges", g[CODE], "trust", g["month"], count=g["total"].where(complete),
                     value=g["total"].where(complete), value_note=note)]
    s = g[g["split_days"] > 0]
    frames.append(_frame("nhse_discharged_by_1700", s[CODE], "trust", s["month"], count=s["by"],
                         denominator=s["all"], value_note=_days_note(s["split_days"], s["month"].dt.days_in_month),
                         **limits(s["by"], s["all"], "proportion", 100)))
    whole = g[complete].groupby("month")
    sums = whole["total"].sum().to_frame()
    left_out = (g[~complete].groupby("month")[CODE].nunique().reindex(sums.index).fillna(0).astype(int))
    note = ("sum of the " + whole[CODE].nunique().astype(str) + " trusts with every day reported ("
            + left_out.astype(str) + " trusts with missing days left out)")
    frames.append(_england("nhse_discharges", sums, note, count=sums["total"], value=sums["total"]))
    split_months = s.groupby("month")
    sums = split_months[["by", "all"]].sum()
    note = "sum of the " + split_months[CODE].nunique().astype(str) + " trusts reporting discharge times"
    frames.append(_england("nhse_discharged_by_1700", sums, note, count=sums["by"], denominator=sums["all"],
                           **limits(sums["by"], sums["all"], "proportion", 100)))
    return frames


# --- RTT ------------------------------------------------------------------------------------------------------
WAITS = {"waits_over_18_weeks": "nhse_rtt_over_18_weeks", "waits_over_52_weeks": "nhse_rtt_over_52_weeks"}


def _rtt_table(root: Path) -> tuple[pd.DataFrame, pd.Series]:
    t = _drop_uncoded(read_table(root, RTT, text=[CODE, "date", "treatment"], numeric=list(WAITS)), list(WAITS),
                      file=RTT)
    require_non_negative(t, list(WAITS), file=RTT)
    _require_unique(t, [CODE, "date", "treatment"], file=RTT)
    t["month"] = month_starts(t["date"], "%Y-%m-%d", file=RTT, column="date")
    return t, t["treatment"].str.casefold().eq("total")


def _rtt(root: Path) -> list[pd.DataFrame]:
    t, is_total = _rtt_table(root)
    keys = [CODE, "month"]
    parts = t[~is_total].groupby(keys)[list(WAITS)].sum(min_count=1)
    totals = t[is_total].reset_index().set_index(keys)
    both = totals.join(parts, how="outer", rsuffix="_parts")
    frames = []
    for col, indicator_id in WAITS.items():
        differ = (both[col] - both[f"{col}_parts"]).abs() > 0.5
        if differ.any():
            raise DataError("The Total treatment row differs from the sum of the treatment functions.", file=RTT,
                            column=col, rows=data_rows(both.loc[differ, "index"]),
                            values=both.loc[differ, [col, f"{col}_parts"]].head(3).astype(str)
                            .agg(" vs ".join, axis=1).tolist(),
                            expected="Total = sum of the other treatment rows of the trust and month")
        value = both[col].fillna(both[f"{col}_parts"])
        note = np.where(both[col].isna(), "sum of the treatment functions (no Total row in the file)", "")
        codes, months = both.index.get_level_values(0), both.index.get_level_values(1)
        frames.append(_frame(indicator_id, codes, "trust", months, count=value, value=value, value_note=note))
        england = value.groupby(level=1).agg(["sum", "count"])
        note = "sum of the " + england["count"].astype(str) + " providers in the file"
        frames.append(_england(indicator_id, england, note, count=england["sum"], value=england["sum"]))
    return frames


# --- delay reasons --------------------------------------------------------------------------------------------
def _delays(root: Path) -> list[pd.DataFrame]:
    col, reason = "delay_count", "delay_reason"
    t = _drop_uncoded(read_table(root, DELAYS, text=[CODE, "date", reason], numeric=[col]), [col], file=DELAYS)
    require_non_negative(t, [col], file=DELAYS)
    _require_unique(t, [CODE, "date", reason], file=DELAYS)
    t["month"] = month_starts(t["date"], "%Y-%m-%d", file=DELAYS, column="date")
    note = np.where(t[col].isna(), "not reported (blank in the file)", "")
    frames = [_frame("nhse_discharge_delays", t[CODE], "trust", t["month"], count=t[col], value=t[col],
                     category_type="delay_reason", category=t[reason], value_note=note)]
    g = t.groupby([CODE, "month"])[col].agg(["sum", "count", "size"]).reset_index()
    full = g["count"] == g["size"]
    note = np.where(full, "", g["count"].astype(str) + " of " + g["size"].astype(str)
                    + " reasons reported: total left blank")
    frames.append(_frame("nhse_discharge_delays", g[CODE], "trust", g["month"], count=g["sum"].where(full),
                         value=g["sum"].where(full), category_type="", category="", value_note=note))
    by_reason = t[t[col].notna()].groupby(["month", reason], sort=False)
    sums = by_reason[col].sum().to_frame()
    note = "sum of the " + by_reason[CODE].nunique().astype(str) + " trusts reporting this reason"
    frames.append(_england("nhse_discharge_delays", sums, note, count=sums[col], value=sums[col],
                           category_type="delay_reason"))
    whole = g[full].groupby("month")
    sums = whole["sum"].sum().to_frame()
    note = "all reasons; sum of the " + whole[CODE].nunique().astype(str) + " trusts reporting every reason"
    frames.append(_england("nhse_discharge_delays", sums, note, count=sums["sum"], value=sums["sum"],
                           category_type=""))
    return frames


# --- public ---------------------------------------------------------------------------------------------------
def indicators(root: Path | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`INDICATORS`; no file is read)."""
    return indicator_table(INDICATORS, source=SOURCE, licence=LICENCE, file=f"{FOLDER} (indicator definitions)")


def read(root: Path) -> PublishedSeries:
    """Every series of the folder (RTT without its treatment-function breakdown) as validated canonical tables."""
    root = Path(root)
    frames = _ae(root) + _beds(root) + _criteria_to_reside(root) + _discharges(root) + _rtt(root) + _delays(root)
    return finish(frames, indicators(root), root=root, folder=FOLDER, source=FOLDER,
                  files=[AE, BEDS, CTR, DISCHARGES, RTT, DELAYS])


def read_rtt_by_treatment(root: Path) -> PublishedSeries:
    """RTT waits over 18 and 52 weeks by treatment function (``category_type`` ``treatment_function``; names
    as published: NHS England revised the treatment functions in April 2021). Trust totals are in :func:`read`."""
    root = Path(root)
    t, is_total = _rtt_table(root)
    parts = t[~is_total]
    frames = [_frame(indicator_id, parts[CODE], "trust", parts["month"], count=parts[col], value=parts[col],
                     category_type="treatment_function", category=parts["treatment"])
              for col, indicator_id in WAITS.items()]
    table = indicators(root)
    return finish(frames, table[table["indicator_id"].isin(list(WAITS.values()))].reset_index(drop=True),
                  root=root, folder=FOLDER, source=RTT, files=[RTT])


__all__ = ["read", "indicators", "read_rtt_by_treatment", "INDICATORS", "FOLDER"]
