"""The demo's published-style series: the open-data series the metrics of ``data/priorities.yml`` read (every
metric that is not a ``dash_*`` one), in the shape the readers of :mod:`thanalysis.data.published` give them, so
that every report and notebook path runs without the open-data mirror.

- Which series: the ``indicator_id`` of each such metric (the trust metrics, which have none, are in
  :mod:`.trusts`), so a metric added later gets a series too.
- Metadata (name, value type, multiplier, unit, polarity, frequency) and the kind of period are the real reader's
  where its indicators table needs no data file (:data:`READERS`), else the metric's own (a LAIT measure, or a
  metric added later: its frequency, with annual series by financial year as most published series are).
- Periods as the readers give them: financial and academic years ``"2023/24"``, calendar years, Fingertips' rolling
  ``"2021 - 23"``, counts at 31 March (``"2024"``, start = end), biennial financial years, calendar quarters
  ``"2024 Q1"`` (temporary accommodation counted on the quarter's last day, so start = end) and months.
- Areas: the borough, its neighbours, the region and the country; one row per sex the metrics list (``sexes``).
- Quarterly rates carry counts, households and Poisson limits as H-CLIC's do, some quarters suppressed the source's
  way (no value, the reason in ``value_note``, listed in the marker); annual series have values only (no counts or
  intervals), as the republished Fingertips, Oflog, DfE and LAIT files do.
- The series of :data:`~.common.STOPS_EARLY` end years early (planted out of date).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from thanalysis.data.demo.common import (COUNTRY_CODE, FIRST_QUARTER, HOME_CODE, LICENCE, NEIGHBOURS, REGION_CODE,
                                         SOURCE, STOPS_EARLY, YEARS, month_labels, substream)
from thanalysis.data.demo.population import Populations
from thanalysis.data.published import children, fingertips_tidy, homelessness, nhs_trusts, social_care
from thanalysis.data.published.periods import (Period, academic_year, calendar_year, financial_year, rolling_years,
                                               snapshot, span)
from thanalysis.priorities import Metric, Priorities
from thanalysis.stats.intervals import values_from_counts

#: Readers whose indicators table needs no data file: the demo takes their metadata and kinds of period.
READERS = (nhs_trusts, homelessness, social_care, children, fingertips_tidy)
_META = ["name", "value_type", "multiplier", "unit", "polarity", "frequency"]
#: Last year of each kind of annual period (the first year of a financial, academic or rolling period), so the
#: series end with the demo's years (calendar 2023, 2023/24, at 31 March 2024, 2021 - 23).
_LAST_YEAR = {"calendar": YEARS[-1], "financial": YEARS[-1], "academic": YEARS[-1], "at_31_march": YEARS[-1] + 1,
              "rolling3": YEARS[-1] - 2, "biennial": YEARS[-1]}
_ANNUAL = {"calendar": calendar_year, "financial": financial_year, "academic": academic_year,
           "at_31_march": lambda y: snapshot(str(y), y, 3, 31), "rolling3": lambda y: rolling_years(y, 3),
           "biennial": financial_year}
#: Levels (borough, country) by sex, for the published series the priorities read today; a series without one
#: gets a level from its metric's typical value or its value type (:func:`_levels`).
_LEVELS: dict[str, dict[str, tuple[float, float]]] = {
    "90366": {"Male": (78.4, 79.3), "Female": (82.9, 83.1), "Persons": (80.6, 81.2)},
    "ft_healthy_life_expectancy": {"Male": (60.6, 63.1), "Female": (60.1, 63.9), "Persons": (60.3, 63.5)},
    "ft_le_inequality_sii": {"Male": (8.6, 9.7), "Female": (6.3, 7.9), "Persons": (7.4, 8.8)},
    "ft_u75_preventable_mortality": {"Persons": (178.0, 142.0)},
    "ft_depression_prevalence": {"Persons": (7.6, 13.2)},
    "ft_smoking_adults": {"Persons": (16.4, 12.9)},
    "ft_self_harm_admissions": {"Persons": (118.0, 185.0)},
    "ft_children_low_income_families": {"Persons": (29.5, 17.0)},
    "ft_obesity_year6": {"Persons": (27.4, 22.7)},
    "oflog_asc_qol_impact": {"Persons": (0.39, 0.41)},
    "oflog_asc_carer_qol": {"Persons": (6.9, 7.3)},
    "oflog_asc_short_term_outcome": {"Persons": (81.0, 77.5)},
    "lait_16_17_neet": {"Persons": (3.4, 5.2)},
    "dfe_cla_rate": {"Persons": (54.0, 70.0)},
    "dfe_cin_rate": {"Persons": (392.0, 342.0)},
    "hclic_duty_owed_per_1000": {"Persons": (4.3, 2.9)},
    "hclic_ta_per_1000": {"Persons": (21.5, 4.6)},
}
#: Largest drift per period and noise (borough level), as shares of the level, by value type: life expectancy
#: changes by weeks a year, prevalences and rates by a per cent or so.
_CHANGE = {"life_expectancy": (0.002, 0.004), "other": (0.012, 0.025)}
_TYPE_LEVELS = {"proportion": 20.0, "crude_rate": 50.0, "dsr": 200.0, "life_expectancy": 80.0, "count": 1000.0}
#: The borough's planted gap in its quarterly series: the authority's return missing for one quarter.
_HOME_GAP = ("2020 Q2", "..")
_SUPPRESS_SHARE = 0.05  # share of a neighbour's quarters suppressed


@dataclass(frozen=True)
class PublishedSpec:
    """One published-style series: its indicators-table row, its kind of period and the sexes it is given for."""

    indicator_id: str
    meta: dict
    kind: str
    sexes: tuple[str, ...]
    metric: Metric


def reader_metadata() -> dict[str, dict]:
    """Indicator id → the real reader's metadata (:data:`_META`) and kind of period, for :data:`READERS`, from the
    readers' own tables (their ``indicators()`` give the same rows, validated: slower than the demo needs)."""
    out = {}
    snapshots = {ind for key, ind in homelessness.COUNTS.items() if key.startswith(homelessness.SNAPSHOT)}
    snapshots |= {ind for ind, spec in homelessness.RATES.items() if spec[0].startswith(homelessness.SNAPSHOT)}
    for row in nhs_trusts.INDICATORS:
        out[row[0]] = {**dict(zip(_META, row[1:])), "kind": "month"}
    for row in homelessness.INDICATORS:
        out[row[0]] = {**dict(zip(_META, row[1:])), "kind": "quarter_end" if row[0] in snapshots else "quarter"}
    for row in social_care.MEASURES.values():
        kind = "biennial" if row[6].startswith("biennial") else "financial"
        out[row[0]] = {**dict(zip(_META, row[1:])), "kind": kind}
    for spec in children.CSC_INDICATORS:
        out[spec["id"]] = {**{k: spec[k] for k in _META},
                           "kind": "at_31_march" if spec["period"] == "at_31_march" else "financial"}
    specs = fingertips_tidy.specs()
    multi = specs[specs["multi_year_id"] != ""]
    rows = pd.concat([specs[["indicator_id", *_META, "year"]],
                      pd.DataFrame({"indicator_id": multi["multi_year_id"], "name": multi["name"] + ", "
                                    + multi["multi_year_name"], "frequency": multi["multi_year_frequency"],
                                    "year": "rolling", **{k: multi[k] for k in _META[1:5]}})])
    for row in rows.to_dict("records"):
        year = row.pop("year")
        out[row.pop("indicator_id")] = {**row, "kind": "rolling3" if "rolling" in row["frequency"] else year}
    return {i: {**m, "multiplier": float(m["multiplier"])} for i, m in out.items()}


def indicator_meta(indicator_id: str, metric: Metric, known: dict[str, dict]) -> tuple[dict, str]:
    """(metadata, kind of period) of a series: the real reader's where :func:`reader_metadata` knows it, else the
    metric's own (proportions per cent with multiplier 100, rates per the unit's number)."""
    if indicator_id in known:
        meta = dict(known[indicator_id])
        return meta, meta.pop("kind")
    digits = "".join(ch for ch in metric.unit.split("per", 1)[-1] if ch.isdigit()) if "per" in metric.unit else ""
    multiplier = 100.0 if metric.value_type == "proportion" else float(digits or 1)
    kind = {"monthly": "month", "quarterly": "quarter"}.get(metric.frequency, "financial")
    return ({"name": metric.title, "value_type": metric.value_type, "multiplier": multiplier,
             "unit": "%" if metric.value_type == "proportion" else metric.unit, "polarity": metric.polarity,
             "frequency": metric.frequency}, kind)


def published_specs(priorities: Priorities, known: dict[str, dict]) -> list[PublishedSpec]:
    """The series of every metric that is not a ``dash_*`` one and names an ``indicator_id``, one per id (the
    sexes of every metric reading it), in the order of the priorities file; ``known`` is :func:`reader_metadata`."""
    by_id: dict[str, list[Metric]] = {}
    for m in priorities.metrics:
        if not m.is_demo_fed and m.indicator_id:
            by_id.setdefault(m.indicator_id, []).append(m)
    specs = []
    for indicator_id, metrics in by_id.items():
        meta, kind = indicator_meta(indicator_id, metrics[0], known)
        sexes = tuple(dict.fromkeys(s for m in metrics for s in m.sexes))
        specs.append(PublishedSpec(indicator_id, meta, kind, sexes, metrics[0]))
    return specs


def indicator_rows(specs) -> list[dict]:
    """Indicators-table rows of published-style series (the demo's source and licence: the values are made up)."""
    return [{"indicator_id": s.indicator_id, **s.meta, "source": SOURCE, "licence": LICENCE} for s in specs]


# --- periods --------------------------------------------------------------------------------------------------
def _quarter(y: int, q: int, at_end: bool) -> Period:
    start, end = span(y, 3 * q - 2, 3)
    return f"{y} Q{q}", (end if at_end else start), end


def periods(kind: str, indicator_id: str) -> list[Period]:
    """The periods of a series of ``kind``, ending with the demo's last ones unless it stops early."""
    stop = STOPS_EARLY.get(indicator_id)
    if kind == "month":
        return [(m, *span(int(m[:4]), int(m[5:]), 1)) for m in month_labels() if stop is None or m <= stop]
    if kind in ("quarter", "quarter_end"):
        last = month_labels()[-1]
        y, q = FIRST_QUARTER
        out = []
        while (y, 3 * q) <= (int(last[:4]), int(last[5:])):
            out.append(_quarter(y, q, kind == "quarter_end"))
            y, q = (y + 1, 1) if q == 4 else (y, q + 1)
        return [p for p in out if stop is None or (p[0][:4], p[0][-1]) <= (stop[:4], stop[-1])]
    last = int(stop[:4]) if stop else _LAST_YEAR[kind]
    years = range(last - 8, last + 1, 2) if kind == "biennial" else range(last - len(YEARS) + 1, last + 1)
    return [_ANNUAL[kind](y) for y in years]


# --- values ---------------------------------------------------------------------------------------------------
def _levels(spec: PublishedSpec, sex: str) -> tuple[float, float]:
    """(borough, country) level of a series for one sex."""
    known = _LEVELS.get(spec.indicator_id, {})
    if sex in known or "Persons" in known:
        return known.get(sex, known.get("Persons"))
    vt = spec.meta["value_type"]
    typical = spec.metric.typical_value
    home = (typical * (100 if vt == "proportion" else 1)) if typical is not None else _TYPE_LEVELS.get(vt, 10.0)
    return home, 0.9 * home


def _rows(spec: PublishedSpec, pers: list[Period], codes, area_types, sex: str, **columns) -> pd.DataFrame:
    n = len(pers)
    out = pd.DataFrame({
        "indicator_id": spec.indicator_id, "area_code": np.repeat(codes, n), "area_type": np.repeat(area_types, n),
        "period": np.tile([p[0] for p in pers], len(codes)), "period_start": np.tile([p[1] for p in pers], len(codes)),
        "period_end": np.tile([p[2] for p in pers], len(codes)), "sex": sex, "age": "All ages", "category_type": "",
        "category": ""})
    for name, col in columns.items():
        out[name] = np.asarray(col, dtype=object if name == "value_note" else float).reshape(-1)
    return out


def _households(pops: Populations) -> np.ndarray:
    """Households (people / 2.4, in 2021) of the borough, its neighbours, the region and the country."""
    year = YEARS.index(2021)
    home = pops.lsoa[:, year].sum()
    nb = pops.neighbours[:, year].sum(axis=(1, 2))
    people = np.concatenate([[home], nb, [home + nb.sum()], [pops.country[:, year].sum()]]).astype(float)
    return np.round(people / 2.4)


def _series(spec: PublishedSpec, rng, pers: list[Period], sex: str) -> np.ndarray:
    """Values [area, period] for the borough, neighbours, region and country: the borough and country levels, the
    neighbours between them, the region their mean, a common drift and noise smaller for bigger areas."""
    home, country = _levels(spec, sex)
    nb = home + (country - home) * rng.uniform(0.1, 1.1, len(NEIGHBOURS))
    level = np.concatenate([[home], nb, [np.mean([home, *nb])], [country]])
    t = np.arange(len(pers)) - (len(pers) - 1)
    change, noise = _CHANGE.get(spec.meta["value_type"], _CHANGE["other"])
    drift = rng.uniform(-change, change)
    sd = noise * np.array([1.0] * (1 + len(NEIGHBOURS)) + [0.4, 0.2])
    values = level[:, None] * (1 + drift * t[None, :]) * (1 + sd[:, None] * rng.normal(size=(len(level), len(pers))))
    if spec.meta["value_type"] == "proportion":
        values = np.clip(values, 0, 100)
    return np.round(values, 1 if abs(home) >= 2 else 3)


def make_published(seed: int, pops: Populations, specs: list[PublishedSpec]) -> tuple[pd.DataFrame, list[dict]]:
    """Values rows of every published-style series, and the values suppressed in them (for the marker)."""
    codes = [HOME_CODE, *(c for c, _ in NEIGHBOURS), REGION_CODE, COUNTRY_CODE]
    types = ["la"] * (1 + len(NEIGHBOURS)) + ["region", "country"]
    households = _households(pops)
    frames, suppressed = [], []
    for spec in specs:
        rng = substream(seed, "published:" + spec.indicator_id)
        pers = periods(spec.kind, spec.indicator_id)
        for sex in spec.sexes:
            values = _series(spec, rng, pers, sex)
            if not spec.kind.startswith("quarter"):
                frames.append(_rows(spec, pers, codes, types, sex, value=values, value_note=np.full(values.shape, "")))
                continue
            rows, gaps = _quarterly(spec, rng, pers, values, households, codes)
            frames.append(_rows(spec, pers, codes, types, sex, **rows))
            suppressed += [{"indicator_id": spec.indicator_id, "sex": sex, **g} for g in gaps]
    return pd.concat(frames, ignore_index=True), suppressed


def _quarterly(spec: PublishedSpec, rng, pers: list[Period], rates: np.ndarray, households: np.ndarray, codes):
    """H-CLIC-style columns of a quarterly rate: counts drawn from the rates, households as the denominator,
    Poisson limits, and suppressed quarters (the borough's planted gap, a few of each neighbour's): no count, no
    value, the reason as the reader gives it in ``value_note``."""
    multiplier = float(spec.meta["multiplier"])
    den = np.repeat(households[:, None], len(pers), axis=1)
    count = rng.poisson(np.maximum(rates, 0) * den / multiplier).astype(float)
    labels = [p[0] for p in pers]
    marker = np.full(count.shape, "", dtype=object)
    if _HOME_GAP[0] in labels:
        marker[0, labels.index(_HOME_GAP[0])] = _HOME_GAP[1]
    neighbours = slice(1, 1 + len(NEIGHBOURS))
    hit = rng.random(marker[neighbours].shape) < _SUPPRESS_SHARE
    marker[neighbours] = np.where(hit, rng.choice(["[c]", ".."], size=hit.shape), marker[neighbours])
    gone = marker != ""
    count[gone] = np.nan
    den = np.where(gone, np.nan, den)
    columns = {"count": count, "denominator": den,
               **values_from_counts(count, den, spec.meta["value_type"], multiplier),
               "value_note": np.vectorize(lambda m: homelessness.MARKERS.get(m, ""), otypes=[object])(marker)}
    gaps = [{"area_code": codes[a], "period": labels[p], "value_note": columns["value_note"][a, p]}
            for a, p in zip(*np.nonzero(gone))]
    return columns, gaps


def stopped(specs, priorities: Priorities, codes: list[str]) -> list[dict]:
    """Marker records of the series that stop early: one per metric reading one (see the marker's rules)."""
    out = []
    for spec in specs:
        if spec.indicator_id not in STOPS_EARLY:
            continue
        for m in priorities.metrics:
            if m.indicator_id == spec.indicator_id:
                out.append(stop_record(m.id, spec.indicator_id, codes, periods(spec.kind, spec.indicator_id)))
    return out


def stop_record(metric_id: str, indicator_id: str, codes: list[str], pers: list[Period]) -> dict:
    """What the marker says of a series planted out of date: its metric, series, areas and last period."""
    return {"metric_id": metric_id, "event": "stops_early", "indicator_id": indicator_id, "areas": [],
            "quiet_areas": [], "stopped_areas": list(codes), "first_period": pers[0][0], "last_period": pers[-1][0],
            "last_period_end": pers[-1][2].strftime("%Y-%m-%d"), "meaning": "out_of_date"}


__all__ = ["READERS", "PublishedSpec", "reader_metadata", "indicator_meta", "published_specs", "indicator_rows",
           "periods", "make_published", "stopped", "stop_record"]
