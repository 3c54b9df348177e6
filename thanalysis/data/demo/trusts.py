"""The demo's NHS trusts: "Riverside Hospitals NHS Trust (synthetic)", which serves the borough (and its
neighbours), two comparator trusts and the country, with the monthly series that the ``extracts:`` entries of
``data/sources.yml`` map the trust metrics to (A&E attendances and four-hour performance, bed occupancy, patients
no longer meeting the criteria to reside, RTT waits), under the published series' ids and area type ``trust``.

The demo lists its own extract entries in its marker file (:func:`demo_extracts`): the same metrics and series
ids as data/sources.yml's, the demo trust as ``area_code``, the demo's ``values.csv`` as the file. So on the demo
the dashboard reaches the trust's figures by the same path as on the real data
(:func:`thanalysis.data.extracts.metric_values`) and labels them as the whole trust's.

The serving trust's series are drawn until the SPC rules find nothing in them, whole or over the dashboard's
default window (the planted events stay the demo's only signals); the series of :data:`~.common.STOPS_EARLY` end
early (planted out of date).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from thanalysis.data.catalogue import ExtractSource
from thanalysis.data.demo.common import (COUNTRY_CODE, COUNTRY_NAME, HOME_CODE, LICENCE, STOPS_EARLY, TABLE_FILES,
                                         TRUSTS, substream)
from thanalysis.data.demo.monthly import quiet
from thanalysis.data.demo.published import PublishedSpec, indicator_meta, periods, stop_record
from thanalysis.errors import DataError
from thanalysis.priorities import Priorities
from thanalysis.stats.intervals import values_from_counts

#: Typical monthly level at the serving trust (proportions as 0-1 shares); others by value type.
_LEVELS = {"nhse_ae_attendances": 38000.0, "nhse_ae_4hr": 0.72, "nhse_ga_bed_occupancy": 0.93,
           "nhse_not_meeting_ctr": 230.0, "nhse_rtt_over_18_weeks": 48000.0}
_TYPE_LEVELS = {"proportion": 0.8, "count": 1000.0}
#: The denominator of a proportion: another series of the same trust (its counts), or a typical size.
_DENOMINATORS: dict[str, str | float] = {"nhse_ae_4hr": "nhse_ae_attendances", "nhse_ga_bed_occupancy": 1800.0}
_DEFAULT_DENOMINATOR = 2000.0
#: Size of each trust (and the country) against the serving trust, and its offset on proportions.
_SCALES = (1.0, 0.55, 0.7, 30.0)
_OFFSETS = (0.0, 0.04, -0.03, 0.02)
#: The serving trust's series are quiet whole and over the dashboard's default window (its last 36 months).
_WINDOW = 36
_COUNTRY_NOTE = "synthetic country total (all the country's NHS trusts)"
_PUBLISHER = "thanalysis (synthetic)"


def trust_series_specs(priorities: Priorities, sources: list[ExtractSource],
                       known: dict[str, dict]) -> list[PublishedSpec]:
    """One spec per published series the extract entries map a metric of the priorities file to (first mention
    order, counts before the proportions they are the denominators of); ``known`` is
    :func:`~.published.reader_metadata`."""
    metric_ids = {m.id for m in priorities.metrics}
    specs = {}
    for src in sources:
        for metric_id, series_id in src.metrics.items():
            if metric_id in metric_ids and series_id not in specs:
                meta, kind = indicator_meta(series_id, priorities.metric(metric_id), known)
                specs[series_id] = PublishedSpec(series_id, meta, kind, ("Persons",), priorities.metric(metric_id))
    return sorted(specs.values(), key=lambda s: s.meta["value_type"] == "proportion")


def _draw(spec: PublishedSpec, rng, n: int, done: dict, k: int) -> dict:
    """Columns of one trust's (or the country's, ``k`` = 3) series of ``n`` months."""
    vt = spec.meta["value_type"]
    level = _LEVELS.get(spec.indicator_id, _TYPE_LEVELS.get(vt, 100.0))
    if vt != "proportion":
        value = level * _SCALES[k] * (1 + 0.04 * rng.normal(size=n))
        value = np.round(value, 0 if vt == "count" else 1)
        return {"count": value if vt == "count" else np.full(n, np.nan), "value": value}
    source = _DENOMINATORS.get(spec.indicator_id, _DEFAULT_DENOMINATOR)
    if isinstance(source, str) and (source, k) in done:
        den = done[(source, k)][:n]
    else:
        size = source if not isinstance(source, str) else _DEFAULT_DENOMINATOR
        den = np.round(size * _SCALES[k] * (1 + 0.01 * rng.normal(size=n)))
    share = np.clip(level + _OFFSETS[k] + 0.012 * rng.normal(size=n), 0.01, 0.999)
    count = rng.binomial(den.astype(np.int64), share).astype(float)
    return {"count": count, "denominator": den,
            **values_from_counts(count, den, vt, float(spec.meta["multiplier"]))}


def make_trusts(seed: int, specs: list[PublishedSpec]) -> pd.DataFrame:
    """Values rows of every trust series: the three trusts and the country."""
    codes = [c for c, _ in TRUSTS] + [COUNTRY_CODE]
    frames, done = [], {}
    for spec in specs:
        rng = substream(seed, "trust:" + spec.indicator_id)
        pers = periods(spec.kind, spec.indicator_id)
        n = len(pers)
        for k, code in enumerate(codes):
            for _attempt in range(2000):
                cols = _draw(spec, rng, n, done, k)
                if k > 0 or (quiet(cols["value"]) and quiet(cols["value"][-_WINDOW:])):
                    break
            else:  # pragma: no cover - a quiet series comes within a few draws
                raise DataError(f"The synthetic demo could not draw a quiet {spec.indicator_id} series.",
                                expected="another seed (--seed)")
            done[(spec.indicator_id, k)] = cols["count"]
            frames.append(pd.DataFrame({
                "indicator_id": spec.indicator_id, "area_code": code, "area_type": "country" if k == 3 else "trust",
                "period": [p[0] for p in pers], "period_start": [p[1] for p in pers],
                "period_end": [p[2] for p in pers], "sex": "Persons", "age": "All ages", "category_type": "",
                "category": "", **cols, "value_note": _COUNTRY_NOTE if k == 3 else ""}))
    return pd.concat(frames, ignore_index=True)


def demo_extracts(sources: list[ExtractSource]) -> list[dict]:
    """The demo's extract entries (in the layout of data/sources.yml's ``extracts:``): each entry's metrics from
    the serving trust's series in the demo's values file, for the borough, compared (``options.compare``) with the
    two other trusts and the country."""
    code, name = TRUSTS[0]
    return [{"id": f"demo_{src.id}", "title": f"{name}, monthly (whole trust): synthetic stand-in for {src.title}",
             "publisher": _PUBLISHER, "licence": LICENCE, "url": "none (synthetic demonstration data)",
             "file": TABLE_FILES["values"], "reader": src.reader,
             "options": {"area_code": code, "org_name": name,
                         "compare": {**dict(TRUSTS[1:]), COUNTRY_CODE: COUNTRY_NAME}},
             "serves": [HOME_CODE], "metrics": dict(src.metrics),
             "notes": f"Made-up whole-trust figures of {name}, which serves {HOME_CODE} and its neighbours; "
                      f"comparators {', '.join(c for c, _ in TRUSTS[1:])} and the country in the same series."}
            for src in sources]


def stopped_trust_series(specs: list[PublishedSpec], sources: list[ExtractSource]) -> list[dict]:
    """Marker records of the trust series that stop early, one per metric the extracts map to them."""
    codes = [c for c, _ in TRUSTS] + [COUNTRY_CODE]
    return [stop_record(metric_id, spec.indicator_id, codes, periods(spec.kind, spec.indicator_id))
            for spec in specs if spec.indicator_id in STOPS_EARLY
            for src in sources for metric_id, series_id in src.metrics.items() if series_id == spec.indicator_id]
