"""ONS Health Index for England (``health_index/ons_health_index_ltla/``) as canonical tables.

``read(root)`` returns ``(values, indicators, files)`` for the 307 lower-tier local authorities (2021 boundaries,
area type ``la``), 2015 to 2021, from the three files healthyr republishes:

- ``england_health_index.csv``: the overall index and its three domains (Healthy People, Healthy Lives, Healthy
  Places); ``england_health_index_subdomains.csv``: the 14 subdomains in this edition (5 + 4 + 5; the mirror's
  SOURCE.md says 17). These are index scores: 100 = England in 2015, higher = better health, never a rate
  (value_type ``other``, unit "index score (England 2015 = 100)", polarity higher_is_better). Ids ``hi_overall``,
  ``hi_domain_<slug>``, ``hi_subdomain_<slug>``.
- ``england_health_index_indicators.csv.gz``: the 56 indicators the index is built from. Despite the file's place
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
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError

FOLDER = "health_index/ons_health_index_ltla"
OVERALL_FILE = "england_health_index.csv"
SUBDOMAIN_FILE = "england_health_index_subdomains.csv"
INPUT_FILE = "england_health_index_indicators.csv.gz"
SOURCE = "Office for National Statistics, Health Index for England 2015-2021 (republished by humaniverse/healthyr)"
LICENCE = "Open Government Licence v3.0"
SCORE_UNIT = "index score (England 2015 = 100)"
INPUT_UNIT = "indicator value as used by ONS (units differ; see the ONS Health Index methods)"

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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower().replace("'", "")).strip("_")


def _long(t: pd.DataFrame, columns: list[str], *, file: str) -> pd.DataFrame:
    """One row per area, year and column, values parsed (a value that is not a number is a DataError)."""
    bad_code = ~t["ltla21_code"].str.fullmatch(r"E0[6-9]\d{6}", na=False)
    bad_year = ~t["year"].str.fullmatch(r"\d{4}", na=False)
    for bad, column, expected in ((bad_code, "ltla21_code", "an English local authority code (E06-E09)"),
                                  (bad_year, "year", "a year such as 2021")):
        if bad.any():
            raise DataError(f"Column {column} has values this reader cannot use.", file=file, column=column,
                            rows=[int(i) + 1 for i in t.index[bad.to_numpy()]],
                            values=t.loc[bad, column].tolist()[:5], expected=expected)
    parts = []
    for col in columns:
        parts.append(pd.DataFrame({"area_code": t["ltla21_code"], "year": t["year"], "column": col,
                                   "value": readers.to_number(t[col], file=file, column=col)}, index=t.index))
    return pd.concat(parts)


def _values(long: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    years = {y: int(y) for y in pd.unique(long["year"])}
    return pd.DataFrame({
        "indicator_id": ids.to_numpy(), "area_code": long["area_code"].to_numpy(), "area_type": "la",
        "period": long["year"].to_numpy(),
        "period_start": long["year"].map({y: pd.Timestamp(v, 1, 1) for y, v in years.items()}).to_numpy(),
        "period_end": long["year"].map({y: pd.Timestamp(v, 12, 31) for y, v in years.items()}).to_numpy(),
        "sex": "Persons", "age": "All ages", "category_type": "", "category": "", "value": long["value"].to_numpy(),
        "value_note": "",
    })


def read(root: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """(values, indicators, files read) for the ONS Health Index files under ``root`` (see the module docstring)."""
    root = Path(root)
    files = [f"{FOLDER}/{OVERALL_FILE}", f"{FOLDER}/{SUBDOMAIN_FILE}", f"{FOLDER}/{INPUT_FILE}"]
    frames, meta = [], []

    overall = readers.read_csv(root / files[0], required=["ltla21_code", "year", *OVERALL])
    long = _long(overall, list(OVERALL), file=files[0])
    frames.append(_values(long, long["column"].map({c: v[0] for c, v in OVERALL.items()})))
    meta += [(i, n, "other", SCORE_UNIT, "higher_is_better", files[0]) for i, n in OVERALL.values()]

    sub = readers.read_csv(root / files[1], required=["ltla21_code", "year"])
    unknown = [c for c in sub.columns if c not in ("ltla21_code", "year") and c not in SUBDOMAINS]
    if unknown:
        raise DataError("Subdomain columns this reader does not know.", file=files[1], column=unknown[0],
                        values=unknown[:5], expected=", ".join(SUBDOMAINS),
                        hint="add it and its domain to SUBDOMAINS in thanalysis/data/published/health_index.py")
    readers.require_columns(sub, list(SUBDOMAINS), file=files[1])
    long = _long(sub, list(SUBDOMAINS), file=files[1])
    frames.append(_values(long, "hi_subdomain_" + long["column"].map(_slug)))
    meta += [(f"hi_subdomain_{_slug(s)}", f"ONS Health Index: {s} subdomain ({d} domain)", "other", SCORE_UNIT,
              "higher_is_better", files[1]) for s, d in SUBDOMAINS.items()]

    inputs = readers.read_csv(root / files[2], required=["ltla21_code", "year", "indicator", "value"])
    long = _long(inputs, ["value"], file=files[2])
    names = inputs["indicator"].str.strip()
    frames.append(_values(long, "hi_input_" + names.map(_slug)))
    meta += [(f"hi_input_{_slug(n)}", f"ONS Health Index input indicator: {n} (indicator value, not an index score)",
              "other", INPUT_UNIT, "no_judgement", files[2]) for n in pd.unique(names)]

    values = validate("values", pd.concat(frames, ignore_index=True), source=f"{FOLDER}/*")
    indicators = pd.DataFrame(meta, columns=["indicator_id", "name", "value_type", "unit", "polarity", "file"])
    dup = indicators["indicator_id"].duplicated(keep=False).to_numpy()
    if dup.any():
        raise DataError("Two Health Index series give the same indicator id.", file=files[2], column="indicator",
                        values=indicators.loc[dup, "name"].tolist()[:4], expected="names that differ in more than "
                                                                                 "punctuation or case")
    indicators = indicators.assign(multiplier=1.0, source=SOURCE + ": " + indicators.pop("file"), licence=LICENCE,
                                   frequency="annual")
    return values, validate("indicators", indicators, source=FOLDER), files


__all__ = ["read", "OVERALL", "SUBDOMAINS"]
