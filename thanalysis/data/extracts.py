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
   catalogue reads only ``datasets`` and ``indicators``). Each entry names the publisher, licence, the file relative
   to the data root (its presence says the series is there), a ``reader`` and the metrics it feeds. The one reader,
   ``published``, takes the metrics from a published series in the store (``metrics`` maps each metric id to the
   series' indicator id) for one area (``options.area_code``): the NHS England trust series for Barts Health NHS
   Trust (R1H), read by :mod:`thanalysis.data.published.nhs_trusts`, gives the A&E metrics. ``serves`` lists the
   boroughs whose dashboard shows the series; a trust's figures are whole-trust figures and are labelled so
   (``MetricValues.trust_name``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.catalogue import ExtractSource, load_extract_sources
from thanalysis.data.readers import check_file
from thanalysis.data.schemas import validate
from thanalysis.data.store import SourceFile, sha256_file
from thanalysis.errors import ConfigError, DataError
from thanalysis.priorities import Metric
from thanalysis.vocabulary import CANONICAL_COLUMNS

#: Environment variable naming the folder of analyst extracts (default: ``extracts/`` in the data root).
EXTRACTS_ENV = "THANALYSIS_EXTRACTS"
#: Columns an analyst extract must have; the other canonical columns are optional.
REQUIRED_EXTRACT_COLUMNS = ("indicator_id", "area_code", "area_type", "period", "value")


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


def read_extract_source(store, src: ExtractSource) -> pd.DataFrame | None:
    """Values rows of every metric of a published extract (``indicator_id`` = the metric id), or None when its file
    is not in the data root. The rows are the store's values of the series' indicators for ``options.area_code``
    (no breakdown), so the store reads the series once and records its files for provenance."""
    if src.find(store.root) is None:
        return None
    if src.reader != "published":  # pragma: no cover - load_extract_sources only lets known readers through
        raise ConfigError(f"extract {src.id}: unknown reader {src.reader!r}")
    area = str(src.options["area_code"])
    values = store.values(sorted(set(src.metrics.values())))
    values = values[(values["area_code"].astype(str) == area) & (values["category_type"] == "")]
    frames = [values[values["indicator_id"] == indicator_id].assign(indicator_id=metric_id)
              for metric_id, indicator_id in src.metrics.items()]
    out = pd.concat(frames, ignore_index=True)
    if out.empty:
        raise DataError(f"The series of extract {src.id} has no values for {area}.", file=src.file,
                        column="area_code", values=[area], expected="an area code the series holds (e.g. R1H)")
    return out.sort_values(["indicator_id", "period"], kind="mergesort").reset_index(drop=True)


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
            ind = store.indicators().set_index("indicator_id")
            return MetricValues(rows, src.id, float(ind.loc[src.metrics[metric.id], "multiplier"]),
                                trust_name=str(src.options.get("org_name") or rows["area_code"].iloc[0]))
    return None


__all__ = ["EXTRACTS_ENV", "extracts_dir", "read_extract", "read_extracts", "ExtractSource",
           "load_extract_sources", "source_for_metric", "read_extract_source", "MetricValues", "metric_values"]
