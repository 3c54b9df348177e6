"""Fingertips values republished in Trafford Data Lab's tidy layout (``fingertips/trafford_*``) as canonical tables.

``read(root)`` returns ``(values, indicators, files)`` from two vintages of the same layout:
``fingertips/trafford_themes_2026/`` (area_code, area_name, area_type, period, indicator, measure, unit, value,
compared_to_England, inequality) and the older ``fingertips/trafford_dashboard_2020/`` (area_code, area_name, period,
value, indicator, measure, unit, [group], significance). Both hold England and every district/unitary (some files
counties too); values are as published, rounded to 1 decimal place, with no counts, denominators or intervals.

Choices that matter for analysts:
- Indicators are recognised by their published name (:data:`INDICATORS`; an unknown name stops the read). Ids:
  the Fingertips id where the mirror's SOURCE.md gives it (``90366`` life expectancy at birth), else ``ft_<slug>``.
  An indicator in both vintages gets one id; for a key both hold (area, period, sex, category) the 2026 value wins,
  ``source`` names the files used, and values kept from the 2020 files say "from the 2020 extract" in
  ``value_note`` (Fingertips revised some since: Tower Hamlets' male healthy life expectancy 2015-17 was 61.9
  in 2020 and is 59.6 in 2026, so a series joining the two vintages may step where they meet).
  Routine-and-manual smoking mixes single years and 3-year periods in one file: the 3-year periods are a separate
  indicator (``ft_smoking_routine_manual_3yr``).
- Breakdowns are kept: Male/Female/Persons in ``inequality``/``group`` or ``unit`` become ``sex``; deprivation
  quintiles (``inequality``) become ``category_type`` "Deprivation quintile"; ``unit`` "5 years children" is age
  "5 yrs". Electoral-ward rows (Trafford's 2024 wards) and Greater Manchester combined-authority rows (E47) are left
  out: neither is a canonical area.
- Fingertips' own comparison with England is kept in ``value_note`` ("Fingertips: Worse than England",
  "Fingertips: Higher than England (99.8% limits)", ...), so a report can show it beside its own comparison;
  values not published ("NA") are NaN with "no value published".
- Periods: "2024" is a calendar year (children in care: the count at 31 March); "2022 - 24" (and the 2020 files'
  "2009-11", relabelled "2009 - 11") three calendar years; "2023/24" a financial year (1 April) or, for school-year
  measures (child obesity, dental decay, active children, school readiness), an academic year (1 September);
  "2020/21 - 24/25" five such years combined; "2021/22 Q1" a quarter of a financial year and
  "2021/22 Q1 - 2025/26 Q3" the quarters from the first to the last (NHS Health Checks, cumulative).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data import readers
from thanalysis.data.schemas import SEXES, validate
from thanalysis.errors import DataError

THEMES = "fingertips/trafford_themes_2026"
DASHBOARD = "fingertips/trafford_dashboard_2020"
VINTAGES = (THEMES, DASHBOARD)  # newest first: it wins where both hold a value
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips), as republished by Trafford Data Lab"
LICENCE = "Open Government Licence v3.0"

_COMPARISONS = {
    "better": "Better than England", "worse": "Worse than England", "similar": "Similar to England",
    "not compared": "Not compared with England", "higher": "Higher than England", "lower": "Lower than England",
    "higher 99.8": "Higher than England (99.8% limits)", "lower 99.8": "Lower than England (99.8% limits)",
}
_THEMES_AREA_TYPES = {"Country": "country", "UA": "la", "District": "la", "County": "la"}
_DROPPED_AREA_TYPES = {"Electoral Wards (2024)"}
_UNIT_NOT_BREAKDOWN = {"Years", "Deaths"}
_UNIT_AGE = {"5 years children": "5 yrs"}
_START_MONTH = {"financial": 4, "academic": 9}


def _ind(indicator_id, name, texts, year, value_type, multiplier, unit, polarity, frequency="annual", **extra):
    return {"indicator_id": indicator_id, "name": name, "texts": texts, "year": year, "value_type": value_type,
            "multiplier": float(multiplier), "unit": unit, "polarity": polarity, "frequency": frequency, **extra}


_PCT = ("proportion", 100, "%")
_DSR = ("dsr", 100000, "per 100,000 (age-standardised)")
_LE = ("life_expectancy", 1, "years")

#: Every indicator the two vintages hold: id, name, the published names it appears under (both vintages), how a
#: "YYYY/YY" period is typed (``year``: calendar, financial, academic or at_31_march) and its metadata.
INDICATORS: list[dict] = [
    _ind("90366", "Life expectancy at birth", ["Life expectancy at birth"], "calendar", *_LE, "higher_is_better",
         "annual (rolling 3-year periods)"),
    _ind("ft_healthy_life_expectancy", "Healthy life expectancy at birth", ["Healthy life expectancy at birth"],
         "calendar", *_LE, "higher_is_better", "annual (rolling 3-year periods)"),
    _ind("ft_le_inequality_sii", "Inequality in life expectancy at birth (slope index of inequality)",
         ["Inequality in life expectancy at birth"], "calendar", "other", 1, "years", "lower_is_better",
         "annual (rolling 3-year periods)"),
    _ind("ft_u75_preventable_mortality", "Under 75 mortality rate from causes considered preventable",
         ["Under 75 mortality rate from causes considered preventable (per 100,000 population)"], "calendar", *_DSR,
         "lower_is_better"),
    _ind("ft_u75_preventable_cancer_mortality", "Under 75 mortality rate from cancer considered preventable",
         ["Under 75 mortality rate from cancer considered preventable"], "calendar", *_DSR, "lower_is_better",
         "annual (rolling 3-year periods)"),
    _ind("ft_smoking_adults", "Smoking prevalence in adults (aged 18 and over), current smokers (APS)",
         ["Smoking Prevalence in adults (aged 18 and over) - current smokers (APS)",
          "Smoking Prevalence in adults - current smokers (APS)"], "calendar", *_PCT, "lower_is_better"),
    _ind("ft_smoking_routine_manual", "Smoking prevalence in adults (18 to 64) in routine and manual occupations, "
         "current smokers (APS)",
         ["Smoking prevalence in adults in routine and manual occupations (aged 18 to 64) - current smokers (APS)",
          "Smoking prevalence in adults in routine and manual occupations (18-64) - current smokers"], "calendar",
         *_PCT, "lower_is_better", multi_year=("ft_smoking_routine_manual_3yr", "3 years combined",
                                        "annual (rolling 3-year periods)")),
    _ind("ft_active_adults", "Physically active adults", ["Percentage of physically active adults"], "financial",
         *_PCT, "higher_is_better"),
    _ind("ft_inactive_adults", "Physically inactive adults", ["Percentage of physically inactive adults"],
         "financial", *_PCT, "lower_is_better"),
    _ind("ft_overweight_adults", "Overweight (including obesity) prevalence in adults",
         ["Overweight (including obesity) prevalence in adults, (using adjusted self-reported height and weight)"],
         "financial", *_PCT, "lower_is_better"),
    _ind("ft_depression_prevalence", "Depression: QOF prevalence (18+)", ["Depression: QOF prevalence"],
         "financial", *_PCT, "no_judgement"),
    _ind("ft_larc", "Total prescribed long-acting reversible contraception excluding injections (rate per 1,000 "
         "women aged 15 to 44)", ["Total prescribed LARC excluding injections rate / 1,000"], "calendar",
         "crude_rate", 1000, "per 1,000 women aged 15 to 44", "no_judgement"),
    _ind("ft_nhs_health_checks_cumulative", "People receiving an NHS Health Check (cumulative % of the eligible "
         "population since 2021/22 Q1)", ["People receiving an NHS Health Check"], "financial", *_PCT,
         "higher_is_better", "quarterly (cumulative)"),
    _ind("ft_active_children", "Physically active children and young people",
         ["Percentage of physically active children and young people"], "academic", *_PCT, "higher_is_better"),
    _ind("ft_dental_decay_age5", "5 year olds with experience of visually obvious dental decay",
         ["Percentage of 5 year olds with experience of visually obvious dental decay"], "academic", *_PCT,
         "lower_is_better", "biennial"),
    _ind("ft_dental_decay_free_age5", "5 year olds free from dental decay",
         ["Proportion of five year old children free from dental decay"], "academic", *_PCT, "higher_is_better",
         "biennial"),
    _ind("ft_obesity_reception", "Reception prevalence of obesity (including severe obesity)",
         ["Reception prevalence of obesity (including severe obesity)"], "academic", *_PCT, "lower_is_better"),
    _ind("ft_obesity_reception_5yr", "Reception prevalence of obesity (including severe obesity), 5 years combined",
         ["Reception prevalence of obesity (including severe obesity), 5 years data combined"], "academic", *_PCT,
         "lower_is_better", "annual (5 years combined)"),
    _ind("ft_obesity_year6", "Year 6 prevalence of obesity (including severe obesity)",
         ["Year 6 prevalence of obesity (including severe obesity)"], "academic", *_PCT, "lower_is_better"),
    _ind("ft_obesity_year6_5yr", "Year 6 prevalence of obesity (including severe obesity), 5 years combined",
         ["Year 6 prevalence of obesity (including severe obesity), 5 years data combined"], "academic", *_PCT,
         "lower_is_better", "annual (5 years combined)"),
    _ind("ft_excess_weight_reception", "Reception (aged 4-5) prevalence of excess weight",
         ["Children aged 4-5 years who have excess weight"], "academic", *_PCT, "lower_is_better"),
    _ind("ft_excess_weight_year6", "Year 6 (aged 10-11) prevalence of excess weight",
         ["Children aged 10-11 years who have excess weight"], "academic", *_PCT, "lower_is_better"),
    _ind("ft_children_low_income_families", "Children in low income families (under 16s)",
         ["Children in low income families"], "calendar", *_PCT, "lower_is_better"),
    _ind("ft_children_in_care_rate", "Children in care at 31 March (rate per 10,000 children aged under 18)",
         ["Children in care: rate per 10,000 population aged < 18"], "at_31_march", "crude_rate", 10000,
         "per 10,000 children aged under 18", "no_judgement"),
    _ind("ft_cpp_rate", "Children on child protection plans (rate per 10,000 children aged under 18)",
         ["Children on child protection plans: Rate per 10,000 children <18"], "financial", "crude_rate", 10000,
         "per 10,000 children aged under 18", "no_judgement"),
    _ind("ft_neet_16_17", "16-17 year olds not in education, employment or training (NEET)",
         ["Proportion of 16-17 year olds not in education, employment or training (NEET)"], "calendar", *_PCT,
         "lower_is_better"),
    _ind("ft_school_readiness_fsm", "School readiness: children with free school meal status achieving a good "
         "level of development at the end of Reception",
         ["Children with free school meal status achieving a good level of development at the end of reception"],
         "academic", *_PCT, "higher_is_better"),
    _ind("ft_self_harm_admissions_10_24", "Hospital admissions as a result of self-harm (10-24 years)",
         ["Hospital admissions as a result of self-harm (10-24 years)"], "financial", *_DSR, "lower_is_better"),
    _ind("ft_self_harm_admissions", "Emergency hospital admissions for intentional self-harm",
         ["Emergency Hospital Admissions for Intentional Self-Harm"], "financial", *_DSR, "lower_is_better"),
    _ind("ft_falls_admissions_65plus", "Emergency hospital admissions due to falls in people aged 65 and over",
         ["Emergency hospital admissions due to falls in people aged 65 and over"], "financial", *_DSR,
         "lower_is_better"),
    _ind("ft_alcohol_admissions_narrow", "Admission episodes for alcohol-related conditions (narrow measure)",
         ["Alcohol related admissions (narrow measure)"], "financial", *_DSR, "lower_is_better"),
    _ind("ft_alcohol_mortality", "Alcohol-related mortality", ["Alcohol related mortality"], "calendar", *_DSR,
         "lower_is_better"),
    _ind("ft_deaths_usual_residence_65plus", "Deaths in usual place of residence, people aged 65 and over",
         ["Percentage of deaths in usual place of residence among people aged 65 years and over"], "calendar",
         *_PCT, "higher_is_better"),
    _ind("ft_dementia_diagnosis_65plus", "Estimated dementia diagnosis rate (aged 65 and over)",
         ["Estimated dementia diagnosis rate (aged 65 and over)"], "calendar", *_PCT, "higher_is_better"),
    _ind("ft_smi_excess_u75_mortality", "Excess under 75 mortality in adults with serious mental illness "
         "(observed / expected × 100)", ["Excess under 75 mortality rate in adults with serious mental illness"],
         "financial", "ratio", 100, "% of the rate expected from the general population", "lower_is_better"),
]
_BY_TEXT = {text: spec for spec in INDICATORS for text in spec["texts"]}


def _span(first_year: int, first_month: int, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    start = pd.Timestamp(year=first_year, month=first_month, day=1)
    return start, start + pd.DateOffset(months=months) - pd.Timedelta(days=1)


def _period(label: str, year: str) -> tuple[str, pd.Timestamp, pd.Timestamp, bool] | None:
    """(label, start, end, several years?) of a Fingertips period label, or None if it cannot be typed."""
    if m := re.fullmatch(r"(\d{4})", label):
        y = int(m.group(1))
        if year == "calendar":
            return (label, *_span(y, 1, 12), False)
        if year == "at_31_march":
            day = pd.Timestamp(year=y, month=3, day=31)
            return label, day, day, False
        return None
    if m := re.fullmatch(r"(\d{4}) ?- ?(\d{2})", label):
        y, n = int(m.group(1)), (int(m.group(2)) - int(m.group(1)) % 100) % 100 + 1
        if year != "calendar" or not 1 < n <= 5:
            return None
        return (f"{y} - {m.group(2)}", *_span(y, 1, 12 * n), True)
    start_month = _START_MONTH.get(year)
    if start_month is None:
        return None
    if m := re.fullmatch(r"(\d{4})/(\d{2})", label):
        y = int(m.group(1))
        return (label, *_span(y, start_month, 12), False) if (y + 1) % 100 == int(m.group(2)) else None
    if m := re.fullmatch(r"(\d{4})/(\d{2}) - (\d{2})/(\d{2})", label):
        y, n = int(m.group(1)), (int(m.group(3)) - int(m.group(1)) % 100) % 100 + 1
        return (label, *_span(y, start_month, 12 * n), True) if 1 < n <= 5 else None
    if m := re.fullmatch(r"(\d{4})/\d{2} Q([1-4])(?: - (\d{4})/\d{2} Q([1-4]))?", label):
        first = int(m.group(1)) * 12 + 3 + 3 * (int(m.group(2)) - 1)  # months since year 0 (Q1 = April)
        last = int(m.group(3) or m.group(1)) * 12 + 3 + 3 * (int(m.group(4) or m.group(2)) - 1)
        if last < first or year != "financial":
            return None
        return (label, *_span(first // 12, first % 12 + 1, last - first + 3), False)
    return None


def _files(root: Path, vintage: str) -> list[Path]:
    found = sorted((root / vintage).glob("*/*.csv"))
    if not found:
        raise DataError("No Fingertips CSV files found.", file=vintage,
                        expected="children/*.csv and health/*.csv as in the open-data mirror",
                        hint="run `thanalysis data fetch` to fill the data root")
    return found


def _text(s: pd.Series, blank: tuple[str, ...] = ()) -> pd.Series:
    """Stripped text ("" for blanks and for the ``blank`` spellings such as "NA"), computed once per distinct value."""
    s = s.fillna("")
    return s.map({u: ("" if u.strip() in blank else u.strip()) for u in pd.unique(s)})


def _area_types(t: pd.DataFrame, *, file: str) -> pd.Series:
    """Canonical area type per row; None for rows left out (wards, combined authorities)."""
    if "area_type" in t:
        column, label = "area_type", _text(t["area_type"])
        out = label.map(_THEMES_AREA_TYPES)
        unknown = out.isna() & ~label.isin(_DROPPED_AREA_TYPES)
        expected = "Country, UA, District, County or Electoral Wards (2024)"
    else:
        column, label = "area_code", t["area_code"].str[:3]
        out = label.map({"E92": "country", "E06": "la", "E07": "la", "E08": "la", "E09": "la", "E10": "la"})
        unknown = out.isna() & (label != "E47")
        expected = "England (E92), an LA code (E06-E10) or a combined authority (E47)"
    if unknown.any():
        raise DataError("Areas of a kind this reader does not know.", file=file, column=column,
                        rows=[int(i) + 1 for i in t.index[unknown.to_numpy()]],
                        values=list(pd.unique(t.loc[unknown, column]))[:5], expected=expected)
    return out.astype(object).where(out.notna(), None)


def _breakdowns(t: pd.DataFrame, *, file: str) -> pd.DataFrame:
    """sex, age, category_type, category from ``inequality``/``group`` and ``unit`` (see the module docstring)."""
    split_column = "inequality" if "inequality" in t else "group"
    split = _text(t[split_column], ("NA",)) if split_column in t else pd.Series("", index=t.index, dtype=object)
    unit = _text(t["unit"])
    is_sex, unit_sex = split.isin(SEXES), unit.isin(SEXES)
    quintile = split.map({u: "quintile" in u.lower() for u in pd.unique(split)}).astype(bool) & ~is_sex
    bad_split = (split != "") & ~is_sex & ~quintile
    bad_unit = ~unit_sex & ~unit.isin(list(_UNIT_NOT_BREAKDOWN) + list(_UNIT_AGE))
    for bad, column, text, expected in (
            (bad_split, split_column, split, "Male, Female, Persons or a deprivation quintile"),
            (bad_unit, "unit", unit, "Male, Female, Persons, Years, Deaths or 5 years children")):
        if bad.any():
            raise DataError("Breakdowns this reader does not know (it would have to drop them).", file=file,
                            column=column, rows=[int(i) + 1 for i in t.index[bad.to_numpy()]],
                            values=list(pd.unique(text[bad]))[:5], expected=expected)
    return pd.DataFrame({"sex": split.where(is_sex, unit.where(unit_sex, "Persons")),
                         "age": unit.map(_UNIT_AGE).fillna("All ages"),
                         "category_type": np.where(quintile, "Deprivation quintile", ""),
                         "category": split.where(quintile, "")}, index=t.index)


def _read_file(root: Path, path: Path) -> pd.DataFrame:
    """One tidy file as canonical values (plus the file name), rows of areas that are not canonical left out."""
    file = path.relative_to(root).as_posix()
    t = readers.read_csv(path, required=["area_code", "period", "indicator", "unit", "value"])
    comparison = "compared_to_England" if "compared_to_England" in t else "significance"
    readers.require_columns(t, [comparison], file=file)
    t["area_code"] = _text(t["area_code"])
    area_type = _area_types(t, file=file)
    keep = area_type.notna().to_numpy()
    t, area_type = t[keep], area_type[keep]
    texts = _text(t["indicator"])
    unknown = ~texts.isin(list(_BY_TEXT))
    if unknown.any():
        raise DataError("Indicators this reader does not know.", file=file, column="indicator",
                        rows=[int(i) + 1 for i in t.index[unknown.to_numpy()]],
                        values=list(pd.unique(texts[unknown]))[:5],
                        expected="a published name listed in INDICATORS (thanalysis/data/published/fingertips_tidy.py)",
                        hint="add the indicator (id, name, published name, year type, metadata) to INDICATORS")
    compared = _text(t[comparison], ("NA",))
    phrase = compared.map({u: _COMPARISONS.get(u.lower()) for u in pd.unique(compared)})
    bad = phrase.isna() & (compared != "")
    if bad.any():
        raise DataError("Comparisons with England this reader does not know.", file=file, column=comparison,
                        rows=[int(i) + 1 for i in t.index[bad.to_numpy()]], values=list(pd.unique(compared[bad]))[:5],
                        expected=", ".join(s.title() for s in _COMPARISONS))
    value = readers.to_number(_text(t["value"], ("NA",)), file=file, column="value")
    note = ("Fingertips: " + phrase).fillna("")
    note = note.where(value.notna(), ("no value published; " + note).str.rstrip("; "))
    # Periods are typed once per distinct (label, indicator) pair.
    pair = _text(t["period"]) + "\x1f" + texts
    typed = {}
    for key in pd.unique(pair):
        label, text = key.split("\x1f")
        spec = _BY_TEXT[text]
        typed[key] = _period(label, spec["year"])
        if typed[key] is None:
            raise DataError("A period this reader cannot type.", file=file, column="period",
                            rows=[int(i) + 1 for i in t.index[(pair == key).to_numpy()]][:10],
                            values=[f"{label!r} ({spec['year']} year)"],
                            expected="2024; 2022 - 24 or 2009-11; 2023/24; 2020/21 - 24/25; 2021/22 Q1; "
                                     "2021/22 Q1 - 2025/26 Q3")
        several, multi = typed[key][3], spec.get("multi_year")
        typed[key] += (multi[0] if several and multi else spec["indicator_id"],)
    return pd.DataFrame({
        "indicator_id": pair.map({k: v[4] for k, v in typed.items()}), "area_code": t["area_code"],
        "area_type": area_type, "period": pair.map({k: v[0] for k, v in typed.items()}),
        "period_start": pair.map({k: v[1] for k, v in typed.items()}),
        "period_end": pair.map({k: v[2] for k, v in typed.items()}),
        **_breakdowns(t, file=file), "value": value, "value_note": note,
        "several_years": pair.map({k: v[3] for k, v in typed.items()}).astype(bool), "file": file,
    }, index=t.index)


def read(root: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(values, indicators, files read) for both Trafford Fingertips vintages under ``root`` (module docstring)."""
    root = Path(root)
    frames, files = [], []
    for vintage in VINTAGES:
        parts = []
        for path in _files(root, vintage):
            parts.append(_read_file(root, path))
            files.append(path.relative_to(root).as_posix())
        frames.append(pd.concat(parts, ignore_index=True))
    key = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
    newer, older = frames
    seen = pd.MultiIndex.from_frame(newer[key])
    older = older[~pd.MultiIndex.from_frame(older[key]).isin(seen)].copy()
    # Kept older values may differ in method from the newer ones (healthy life expectancy was revised): say so.
    older["value_note"] = (older["value_note"] + "; from the 2020 extract").str.lstrip("; ")
    allv = pd.concat([newer, older], ignore_index=True)
    mixed = allv.groupby("indicator_id")["several_years"].nunique()
    quarterly = {s["indicator_id"] for s in INDICATORS if s["frequency"].startswith("quarterly")}
    mixed = [i for i in mixed[mixed > 1].index if i not in quarterly]
    if mixed:
        raise DataError("Indicators that mix single-year and multi-year periods in one series.",
                        column="period", values=mixed, expected="one kind of period per indicator",
                        hint="give the multi-year periods their own id (multi_year in INDICATORS)")
    used = allv.groupby("indicator_id")["file"].agg(lambda s: sorted(set(s), reverse=True))
    rows = []
    for spec in INDICATORS:
        variants = [(spec["indicator_id"], "", spec["frequency"]), spec.get("multi_year", (None, None, None))]
        for indicator_id, suffix, frequency in variants:
            if indicator_id in used.index:
                vintages = ", ".join(used[indicator_id])
                rows.append({**{k: spec[k] for k in ("value_type", "multiplier", "unit", "polarity")},
                             "frequency": frequency, "indicator_id": indicator_id,
                             "name": spec["name"] + (f", {suffix}" if suffix else ""),
                             "source": f"{PUBLISHER}: {vintages}"
                                       + (" (the 2026 file wins where both hold a value)" if "," in vintages else ""),
                             "licence": LICENCE})
    values = validate("values", allv.drop(columns=["several_years", "file"]), source=f"{THEMES} + {DASHBOARD}")
    return values, validate("indicators", pd.DataFrame(rows), source="fingertips_tidy.INDICATORS"), files


__all__ = ["read", "INDICATORS"]
