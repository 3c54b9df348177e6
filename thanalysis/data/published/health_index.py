"""ONS Health Index for England (``health_index/ons_health_index_ltla/``) as canonical tables.

``read(root)`` returns the :class:`~.series.PublishedSeries` of the 307 lower-tier local authorities (2021 boundaries,
area type ``la``), 2015 to 2021, from the three files healthyr republishes:

- ``england_health_index.csv``: the overall index and its three domains (Healthy People, Healthy Lives, Healthy
  Places); ``england_health_index_subdomains.csv``: the 14 subdomains in this edition (5 + 4 + 5; the mirror's
  SOURCE.md says 17). These are index scores: 100 = England in 2015, higher = better health, never a rate
  (value_type ``other``, unit "index score (England 2015 = 100)", polarity higher_is_better). Ids ``hi_overall``,
  ``hi_domain_<slug>``, ``hi_subdomain_<slug>``.
- ``england_health_index_indicators.csv.gz``: the 56 indicators the index is built from (:data:`INPUTS`; a name the
  reader does not list stops the read). Despite the file's place
  beside the scores, its values are the indicators' own published values, not index scores (Tower Hamlets 2021:
  life expectancy 81.6, smoking 12.0, happiness 7.43), in units that differ by indicator and that the file does not
  give. They are kept as ``hi_input_<slug>`` with value_type ``other``, unit "indicator value as used by ONS (units
  differ; see the ONS Health Index methods)" and polarity no_judgement: the direction is built into the scores above,
  and saying "higher is better" of a raw smoking prevalence would be wrong.

Periods: the index year, typed as that calendar year (``"2021"``, 1 January to 31 December 2021).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from thanalysis.data import readers
from thanalysis.data.published.periods import calendar_year, data_rows, typed_periods
from thanalysis.data.published.series import PublishedSeries, finish
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError

FOLDER = "health_index/ons_health_index_ltla"
#: The three files: overall and domain scores, subdomain scores, input indicators.
FILES = tuple(f"{FOLDER}/{name}" for name in ("england_health_index.csv", "england_health_index_subdomains.csv",
                                              "england_health_index_indicators.csv.gz"))
SOURCE = "Office for National Statistics, Health Index for England 2015-2021 (republished by humaniverse/healthyr)"
LICENCE = "Open Government Licence v3.0"
SCORE_UNIT, INPUT_UNIT = ("index score (England 2015 = 100)",
                          "indicator value as used by ONS (units differ; see the ONS Health Index methods)")

#: Columns of the overall file → (indicator id, name).
OVERALL: dict[str, tuple[str, str]] = {
    "overall_score": ("hi_overall", "ONS Health Index: overall score"),
    "healthy_people_domain_score": ("hi_domain_healthy_people", "ONS Health Index: Healthy People domain"),
    "healthy_lives_domain_score": ("hi_domain_healthy_lives", "ONS Health Index: Healthy Lives domain"),
    "healthy_places_domain_score": ("hi_domain_healthy_places", "ONS Health Index: Healthy Places domain"),
}
#: The subdomains of each domain (ONS Health Index methodology), in the order of the subdomain file.
SUBDOMAINS: dict[str, str] = {
    "Difficulties in daily life": "Healthy People", "Mental health": "Healthy People", "Mortality": "Healthy People",
    "Personal well-being": "Healthy People", "Physical health conditions": "Healthy People",
    "Behavioural risk factors": "Healthy Lives", "Children and young people": "Healthy Lives",
    "Physiological risk factors": "Healthy Lives", "Protective measures": "Healthy Lives",
    "Access to green space": "Healthy Places", "Access to services": "Healthy Places", "Crime": "Healthy Places",
    "Economic and working conditions": "Healthy Places", "Living conditions": "Healthy Places",
}
#: The input indicators of the indicators file, as it names them (alphabetical).
INPUTS: tuple[str, ...] = (
    "Activities in life are worthwhile", "Air pollution", "Alcohol misuse", "Avoidable mortality", "Cancer",
    "Cancer screening attendance", "Cardiovascular conditions", "Child poverty", "Child vaccination coverage",
    "Children's social, emotional and mental health", "Dementia", "Diabetes", "Disability", "Distance to GP services",
    "Distance to pharmacies", "Distance to sports or leisure facilities", "Drug misuse", "Early years development",
    "Feelings of anxiety", "Frailty", "Happiness", "Healthy eating", "High blood pressure", "Household overcrowding",
    "Infant mortality", "Internet access", "Job-related training", "Kidney and liver disease", "Life expectancy",
    "Life satisfaction", "Low birth weight", "Low-level crime", "Mental health conditions", "Mortality from all causes",
    "Musculoskeletal conditions", "Noise complaints", "Overweight and obesity in adults",
    "Overweight and obesity in children", "Patients offered acceptable GP practice appointments", "Personal crime",
    "Physical activity", "Private outdoor space", "Pupil absences", "Pupil attainment", "Respiratory conditions",
    "Road safety", "Rough sleeping", "Sedentary behaviour", "Self-harm", "Sexually transmitted infections", "Smoking",
    "Suicides", "Teenage pregnancy", "Unemployment", "Workplace safety",
    "Young people in education, employment and apprenticeships",
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace("'", "")).strip("_")


def _long(t: pd.DataFrame, columns: list[str], *, file: str) -> pd.DataFrame:
    """One row per area, year and column, values parsed (a value that is not a number is a DataError)."""
    bad_code = ~t["ltla21_code"].str.fullmatch(r"E0[6-9]\d{6}", na=False)
    if bad_code.any():
        raise DataError("Column ltla21_code has values this reader cannot use.", file=file, column="ltla21_code",
                        rows=data_rows(t.index, bad_code), values=t.loc[bad_code, "ltla21_code"].tolist()[:5],
                        expected="an English local authority code (E06-E09)")
    parts = []
    for col in columns:
        parts.append(pd.DataFrame({"area_code": t["ltla21_code"], "year": t["year"], "column": col,
                                   "value": readers.to_number(t[col], file=file, column=col)}, index=t.index))
    return pd.concat(parts)


def _values(long: pd.DataFrame, ids: pd.Series, *, file: str) -> pd.DataFrame:
    """Values rows of ``long``; the index year is the calendar year ("2021", 1 January to 31 December 2021)."""
    periods = typed_periods(long["year"], lambda y: calendar_year(int(y)) if re.fullmatch(r"\d{4}", y) else None,
                            file=file, column="year", expected="a year such as 2021")
    return pd.DataFrame({
        "indicator_id": ids.to_numpy(), "area_code": long["area_code"].to_numpy(), "area_type": "la",
        **{c: periods[c].to_numpy() for c in periods.columns},
        "sex": "Persons", "age": "All ages", "category_type": "", "category": "", "value": long["value"].to_numpy(),
        "value_note": "",
    })


def indicators(root: str | os.PathLike | None = None) -> pd.DataFrame:
    """The indicators of :func:`read` (from :data:`OVERALL`, :data:`SUBDOMAINS` and :data:`INPUTS`; no file is read)."""
    meta = [(i, n, SCORE_UNIT, "higher_is_better", FILES[0]) for i, n in OVERALL.values()]
    meta += [(f"hi_subdomain_{_slug(s)}", f"ONS Health Index: {s} subdomain ({d} domain)", SCORE_UNIT,
              "higher_is_better", FILES[1]) for s, d in SUBDOMAINS.items()]
    meta += [(f"hi_input_{_slug(n)}", f"ONS Health Index input indicator: {n} (indicator value, not an index score)",
              INPUT_UNIT, "no_judgement", FILES[2]) for n in INPUTS]
    table = pd.DataFrame(meta, columns=["indicator_id", "name", "unit", "polarity", "file"])
    table = table.assign(value_type="other", multiplier=1.0, source=SOURCE + ": " + table.pop("file"),
                         licence=LICENCE, frequency="annual")
    return validate("indicators", table, source=f"{FOLDER} (indicator definitions)")


def read(root: str | os.PathLike) -> PublishedSeries:
    """The ONS Health Index files under ``root`` as validated canonical tables (see the module docstring)."""
    root = Path(root)
    frames = []
    overall = readers.read_csv(root / FILES[0], required=["ltla21_code", "year", *OVERALL])
    long = _long(overall, list(OVERALL), file=FILES[0])
    frames.append(_values(long, long["column"].map({c: v[0] for c, v in OVERALL.items()}), file=FILES[0]))

    sub = readers.read_csv(root / FILES[1], required=["ltla21_code", "year"])
    unknown = [c for c in sub.columns if c not in ("ltla21_code", "year") and c not in SUBDOMAINS]
    if unknown:
        raise DataError("Subdomain columns this reader does not know.", file=FILES[1], column=unknown[0],
                        values=unknown[:5], expected=", ".join(SUBDOMAINS),
                        hint="add it and its domain to SUBDOMAINS in thanalysis/data/published/health_index.py")
    readers.require_columns(sub, list(SUBDOMAINS), file=FILES[1])
    long = _long(sub, list(SUBDOMAINS), file=FILES[1])
    frames.append(_values(long, "hi_subdomain_" + long["column"].map(_slug), file=FILES[1]))

    inputs = readers.read_csv(root / FILES[2], required=["ltla21_code", "year", "indicator", "value"])
    names = inputs["indicator"].str.strip()
    unknown = ~names.isin(INPUTS)
    if unknown.any():
        raise DataError("Input indicators this reader does not know.", file=FILES[2], column="indicator",
                        rows=data_rows(inputs.index, unknown), values=list(pd.unique(names[unknown]))[:5],
                        expected="a name listed in INPUTS",
                        hint="add it to INPUTS in thanalysis/data/published/health_index.py")
    long = _long(inputs, ["value"], file=FILES[2])
    frames.append(_values(long, "hi_input_" + names.map(_slug), file=FILES[2]))
    return finish(frames, indicators(root), root=root, folder=FOLDER, files=list(FILES), source=f"{FOLDER}/*")


__all__ = ["read", "indicators", "OVERALL", "SUBDOMAINS", "INPUTS", "FILES", "FOLDER"]
