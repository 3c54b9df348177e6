"""Monthly series that are not canonical tables of the open data: analyst extracts and published extracts.

Two ways a monthly metric reaches the dashboard besides ``store.values()``; :func:`metric_values` looks in all
three places for one metric and area, through the store (each file read once per store, recorded for
provenance), so the dashboard never reads a file itself:

1. **Analyst extracts** (local, not open): CSV files in the *canonical values format*
   (``thanalysis.vocabulary.CANONICAL_COLUMNS["values"]``; at least ``indicator_id, area_code, area_type,
   period, value``) dropped in the extracts folder: ``$THANALYSIS_EXTRACTS`` if set, else ``extracts/``
   inside the data root (so they live beside the data they complement, outside git). ``period`` is a
   month label ``YYYY-MM``; proportions are per cent (0-100, as in every values table) or are given as
   ``count`` and ``denominator``. Each file is validated with the values schema and recorded for
   provenance.
2. **Published extracts listed in ``data/sources.yml``** under the top-level key ``extracts:`` (the data
   catalogue reads only ``datasets`` and ``indicators``). Each entry names the publisher, licence, the
   file relative to the data root, and ``alternates``: further relative paths tried in order when the
   file is not there (the open-data mirror keeps the A&E series beside its peer test vectors, at
   ``../../testvectors/...`` from the data root), a ``reader`` and the metrics it feeds. No setting is
   needed: the first path that exists is used.

The one reader so far, ``nhs_ae_attendances``, reads NHS England's monthly A&E attendances and emergency
admissions (as released in NHSRdatasets: ``period, org_code, type, attendances, breaches, admissions``)
for one trust and department type, giving attendances (a count) and four-hour performance
(1 - breaches / attendances, a proportion with Wilson score intervals).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.catalogue import ExtractSource, load_extract_sources
from thanalysis.data.readers import check_file, read_csv, require_columns, to_number
from thanalysis.data.schemas import validate
from thanalysis.data.store import SourceFile, sha256_file
from thanalysis.errors import ConfigError, DataError
from thanalysis.priorities import Metric
from thanalysis.stats.intervals import values_from_counts
from thanalysis.vocabulary import CANONICAL_COLUMNS

#: Environment variable naming the folder of analyst extracts (default: ``extracts/`` in the data root).
EXTRACTS_ENV = "THANALYSIS_EXTRACTS"
#: Columns an analyst extract must have; the other canonical columns are optional.
REQUIRED_EXTRACT_COLUMNS = ("indicator_id", "area_code", "area_type", "period", "value")
#: Area type given to NHS trusts (not one of the store's area types, so these rows are not schema-validated).
TRUST_AREA_TYPE = "trust"


# ==============================================================================================================
# Analyst extracts (canonical values CSVs in a folder)
# ==============================================================================================================
def extracts_dir(store) -> Path:
    """The analyst extracts folder: ``$THANALYSIS_EXTRACTS``, else ``<data root>/extracts``."""
    env = os.environ.get(EXTRACTS_ENV)
    return Path(env).expanduser().resolve() if env else Path(store.root) / "extracts"


def _record(store, dataset: str, path: Path, **meta) -> None:
    """Record a file for provenance with a path relative to the data root (or ``extracts/<name>``)."""
    try:
        rel = os.path.relpath(path.resolve(), Path(store.root).resolve()).replace(os.sep, "/")
    except ValueError:  # another drive on Windows
        rel = f"extracts/{path.name}"
    if rel.startswith("../") and dataset.startswith("extract:"):
        rel = f"extracts/{path.name}"  # an extracts folder elsewhere: publish the file name only
    if rel not in store._read:
        store._read[rel] = SourceFile(dataset=dataset, path=rel, sha256=sha256_file(path), **meta)


def read_extract(path: str | os.PathLike) -> pd.DataFrame:
    """One analyst extract as canonical values (validated); a DataError names the file and the problem."""
    path = check_file(path, what="analyst extract")
    text = ["indicator_id", "area_code", "area_type", "period", "sex", "age", "category_type", "category",
            "value_note"]
    try:
        df = pd.read_csv(path, dtype={c: str for c in text}, keep_default_na=False,
                         na_values={c: [""] for c in CANONICAL_COLUMNS["values"] if c not in text},
                         encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"The extract cannot be read as CSV ({exc}).", file=str(path),
                        expected="a UTF-8 CSV in the canonical values format") from None
    missing = [c for c in REQUIRED_EXTRACT_COLUMNS if c not in df.columns]
    if missing:
        raise DataError("The extract is missing required columns.", file=path.name, column=", ".join(missing),
                        expected="columns " + ", ".join(CANONICAL_COLUMNS["values"])
                        + f" (at least {', '.join(REQUIRED_EXTRACT_COLUMNS)})")
    defaults = {"sex": "Persons", "age": "All ages", "category_type": "", "category": "", "value_note": ""}
    for col in CANONICAL_COLUMNS["values"]:
        if col not in df.columns:
            df[col] = defaults.get(col, np.nan)
    bad = ~df["period"].astype(str).str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if bad.any():
        raise DataError("Some periods in the extract are not months.", file=path.name, column="period",
                        rows=[int(i) + 1 for i in np.flatnonzero(bad)[:10]],
                        values=df.loc[bad, "period"].head(5).tolist(), expected="a month label YYYY-MM, e.g. 2024-04")
    start = pd.to_datetime(df["period"], format="%Y-%m")
    df["period_start"] = pd.to_datetime(df["period_start"]).fillna(start) if df["period_start"].notna().any() else start
    df["period_end"] = (pd.to_datetime(df["period_end"]).fillna(start + pd.offsets.MonthEnd(0))
                        if df["period_end"].notna().any() else start + pd.offsets.MonthEnd(0))
    return validate("values", df[CANONICAL_COLUMNS["values"]], source=path.name)


def read_extracts(store, directory: str | os.PathLike | None = None) -> pd.DataFrame:
    """Every ``*.csv`` in the extracts folder as one canonical values table (empty if there are none)."""
    folder = Path(directory) if directory is not None else extracts_dir(store)
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    frames = []
    for path in files:
        frames.append(read_extract(path))
        _record(store, f"extract:{path.stem}", path, publisher="Local analyst extract")
    if not frames:
        return pd.DataFrame(columns=CANONICAL_COLUMNS["values"])
    out = pd.concat(frames, ignore_index=True)
    dup = out.duplicated(["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"])
    if dup.any():
        raise DataError("Two extracts give a value for the same metric, area and month.", file=str(folder),
                        values=out.loc[dup, ["indicator_id", "area_code", "period"]].head(5).astype(str)
                        .agg(" ".join, axis=1).tolist(), expected="one value per metric, area and month")
    return out


# ==============================================================================================================
# Published extracts listed in data/sources.yml (``extracts:``)
# ==============================================================================================================
def source_for_metric(metric_id: str, sources: list[ExtractSource] | None = None) -> ExtractSource | None:
    for src in sources if sources is not None else load_extract_sources():
        if metric_id in src.metrics:
            return src
    return None


def ae_attendances_values(raw: pd.DataFrame, *, org_code: str, department_type: str, metrics: dict,
                          source: str = "A&E attendances") -> pd.DataFrame:
    """NHS England monthly A&E rows → values rows (canonical columns) for one trust and department type.

    ``metrics`` maps metric ids to ``attendances`` or ``four_hour_performance``. Four-hour performance is
    the share seen within four hours, 1 - breaches / attendances (NHS England's definition), kept on a
    0-1 scale with count = attendances - breaches, denominator = attendances and Wilson score limits.
    """
    require_columns(raw, ["period", "org_code", "type", "attendances", "breaches"], file=source)
    rows = raw[(raw["org_code"].astype(str) == org_code) & (raw["type"].astype(str) == str(department_type))]
    if rows.empty:
        raise DataError(f"No A&E rows for trust {org_code}, type {department_type}.", file=source,
                        column="org_code", values=[org_code], expected="a trust code present in the file")
    start = pd.to_datetime(rows["period"], errors="coerce")
    if start.isna().any():
        raise DataError("Some A&E periods are not dates.", file=source, column="period",
                        values=rows.loc[start.isna(), "period"].head(5).tolist(), expected="e.g. 2019-03-01")
    attendances = to_number(rows["attendances"], file=source, column="attendances").to_numpy()
    breaches = to_number(rows["breaches"], file=source, column="breaches").to_numpy()
    if (breaches > attendances).any() or (attendances <= 0).any():
        raise DataError("A&E breaches exceed attendances (or attendances are zero).", file=source,
                        column="breaches", expected="0 <= breaches <= attendances, attendances > 0")
    base = pd.DataFrame({
        "area_code": org_code, "area_type": TRUST_AREA_TYPE, "period": start.dt.strftime("%Y-%m").to_numpy(),
        "period_start": start.to_numpy(), "period_end": (start + pd.offsets.MonthEnd(0)).to_numpy(),
        "sex": "Persons", "age": "All ages", "category_type": "", "category": "",
        "value_note": f"Type {department_type} A&E departments",
    })
    frames = []
    for metric_id, measure in metrics.items():
        part = base.copy()
        part["indicator_id"] = metric_id
        if measure == "attendances":
            part["count"] = attendances
            part["denominator"] = np.nan
            part["value"] = attendances
            for col in ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"):
                part[col] = np.nan
        elif measure == "four_hour_performance":
            within = attendances - breaches
            part["count"] = within
            part["denominator"] = attendances
            for column, values in values_from_counts(within, attendances, "proportion").items():
                part[column] = values
        else:
            raise ConfigError(f"A&E extract: metric {metric_id!r} asks for {measure!r}; "
                              "expected attendances or four_hour_performance")
        frames.append(part[CANONICAL_COLUMNS["values"]])
    return pd.concat(frames, ignore_index=True).sort_values(["indicator_id", "period"]).reset_index(drop=True)


def read_extract_source(store, src: ExtractSource) -> pd.DataFrame | None:
    """Values rows from a published extract, or None when its file is in none of its places."""
    path = src.find(store.root)
    if path is None:
        return None
    if src.reader == "nhs_ae_attendances":
        raw = read_csv(path, encoding="utf-8-sig")
        out = ae_attendances_values(raw, org_code=str(src.options.get("org_code", "")),
                                    department_type=str(src.options.get("type", "1")), metrics=src.metrics,
                                    source=Path(src.file).name)
    else:  # pragma: no cover - load_extract_sources only lets known readers through
        raise ConfigError(f"extract {src.id}: unknown reader {src.reader!r}")
    _record(store, src.id, path, publisher=src.publisher, licence=src.licence, url=src.url)
    return out


# ==============================================================================================================
# A metric's values for one area, wherever they are (what the dashboard asks for)
# ==============================================================================================================
@dataclass(frozen=True)
class MetricValues:
    """The canonical values rows of one metric for one area, and where they came from."""

    rows: pd.DataFrame
    #: ``analyst extract``, the store's kind (``demo``/``real``) or the published extract's id
    source: str
    #: the scale of a proportion in ``value`` (100: per cent as in every values table; 1: a 0-1 fraction)
    multiplier: float
    #: the trust's name when a trust-level published extract stands in for the area, else ``None``
    trust_name: str | None = None


def _analyst_values(store) -> pd.DataFrame:
    return store.cached(("extracts", "analyst"), lambda: read_extracts(store))


def _published_values(store, metric_id: str) -> tuple[pd.DataFrame | None, ExtractSource | None]:
    src = source_for_metric(metric_id, store.cached(("extracts", "sources"), load_extract_sources))
    if src is None:
        return None, None
    return store.cached(("extracts", "source", src.id), lambda: read_extract_source(store, src)), src


def _store_indicator(store, metric: Metric) -> tuple[str, float] | None:
    """The id under which the store holds this metric (its own id on the demo, else its ``indicator_id``)
    and that indicator's multiplier; ``None`` if the store does not hold it."""
    ind = store.indicators()
    ids = ind["indicator_id"].astype(str)
    for candidate in (metric.id, metric.indicator_id):
        if candidate and (ids == candidate).any():
            return candidate, float(ind.loc[ids == candidate, "multiplier"].iloc[0])
    return None


def metric_values(store, metric: Metric, area_code: str) -> MetricValues | None:
    """The values of ``metric`` for ``area_code``, from the first place that has them: the analyst extracts,
    the store's values, then a published extract of data/sources.yml that serves the area (a trust's
    series stands in for the boroughs it serves). ``None`` when none has the metric for this area.
    Files are read once per store (:meth:`Store.cached`) and recorded for provenance."""
    area_code = str(area_code)
    extracts = _analyst_values(store)
    if len(extracts):
        rows = extracts[extracts["indicator_id"].isin([metric.id, metric.indicator_id])
                        & (extracts["area_code"] == area_code)]
        if len(rows):
            return MetricValues(rows, "analyst extract", 100.0)
    found = _store_indicator(store, metric)
    if found is not None:
        values = store.values([found[0]])
        rows = values[values["area_code"].astype(str) == area_code]
        if len(rows):
            return MetricValues(rows, str(store.kind), found[1])
    published, src = _published_values(store, metric.id)
    if published is not None and area_code in src.serves:
        rows = published[published["indicator_id"] == metric.id]
        if len(rows):
            return MetricValues(rows, src.id, 1.0,
                                trust_name=str(src.options.get("org_name") or rows["area_code"].iloc[0]))
    return None


__all__ = ["EXTRACTS_ENV", "extracts_dir", "read_extract", "read_extracts", "ExtractSource",
           "load_extract_sources", "source_for_metric", "ae_attendances_values", "read_extract_source",
           "MetricValues", "metric_values"]
