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
   provenance, and every row must be usable: its metric in ``data/priorities.yml``, its area a local
   authority or locality of the data, and its value possible for the metric (no negative counts, percentages
   from 0 to 100 and not on a 0-1 scale). A row the dashboard would drop or misread is a DataError naming the
   file, the line and what was expected, never silently ignored.
2. **Published extracts listed in ``data/sources.yml``** under the top-level key ``extracts:`` (the data
   catalogue reads only ``datasets`` and ``indicators``). Each entry names the publisher, licence, the file relative
   to the data root (its presence says the series is there), a ``reader`` and the metrics it feeds. The one reader,
   ``published``, takes the metrics from a published series in the store (``metrics`` maps each metric id to the
   series' indicator id) for one area (``options.area_code``): the NHS England trust series for Barts Health NHS
   Trust (R1H), read by :mod:`thanalysis.data.published.nhs_trusts`, gives the A&E metrics. ``serves`` lists the
   boroughs whose dashboard shows the series; a trust's figures are whole-trust figures and are labelled so
   (``MetricValues.trust_name``). ``options.compare`` names the areas the trust is compared with (other trusts,
   England): their rows of the same series come with it (``MetricValues.comparators``).
"""
from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data.catalogue import ExtractSource, load_extract_sources
from thanalysis.data.readers import check_file, read_csv, to_number
from thanalysis.data.schemas import NON_NEGATIVE_VALUE_TYPES, _row_numbers, validate
from thanalysis.data.store import SourceFile, sha256_file
from thanalysis.errors import ConfigError, DataError
from thanalysis.geography.places import localities
from thanalysis.priorities import Metric, Priorities, load_priorities
from thanalysis.vocabulary import CANONICAL_COLUMNS, DEMO_MARKER

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
    """One analyst extract as canonical values (validated), its rows labelled as in the file (label + 2 is the
    line); a DataError names the file, the line and the problem."""
    path = check_file(path, what="analyst extract")
    df = read_csv(path, encoding="utf-8-sig")
    missing = [c for c in REQUIRED_EXTRACT_COLUMNS if c not in df.columns]
    if missing:
        raise DataError("The extract is missing required columns.", file=path.name, column=", ".join(missing),
                        expected="columns " + ", ".join(CANONICAL_COLUMNS["values"])
                        + f" (at least {', '.join(REQUIRED_EXTRACT_COLUMNS)})")
    defaults = {"sex": "Persons", "age": "All ages", "category_type": "", "category": "", "value_note": ""}
    for col in CANONICAL_COLUMNS["values"]:
        if col not in df.columns:
            df[col] = defaults.get(col, np.nan)
        elif col in _NUMBERS:
            df[col] = to_number(df[col], file=path.name, column=col)
    bad = ~df["period"].astype(str).str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])")
    if bad.any():
        raise DataError("Some periods in the extract are not months.", file=path.name, column="period",
                        rows=_row_numbers(df.index, df.index[bad.to_numpy()]),
                        values=df.loc[bad, "period"].head(5).tolist(), expected="a month label YYYY-MM, e.g. 2024-04")
    start = pd.to_datetime(df["period"], format="%Y-%m")
    df["period_start"] = pd.to_datetime(df["period_start"]).fillna(start) if df["period_start"].notna().any() else start
    df["period_end"] = (pd.to_datetime(df["period_end"]).fillna(start + pd.offsets.MonthEnd(0))
                        if df["period_end"].notna().any() else start + pd.offsets.MonthEnd(0))
    return validate("values", df[CANONICAL_COLUMNS["values"]], source=path.name).set_axis(df.index)


#: Numeric columns of the values format (parsed with thousands separators; anything else is a DataError).
_NUMBERS = ("count", "denominator", "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")


def extract_area_codes(store) -> set[str]:
    """Area codes an analyst extract may use: every local authority and locality of the store, and the localities
    of the home borough's locality file."""
    areas = store.areas()
    codes = set(areas.loc[areas["area_type"].isin(["la", "locality"]), "area_code"].astype(str))
    table = localities(store, store.home_area_code)
    return codes | (set(table["locality_code"].astype(str)) if table is not None else set())


def _rows_problem(problem: str, df: pd.DataFrame, bad, *, file: str, column: str, values: list,
                  expected: str, hint: str | None = None) -> DataError:
    bad = np.asarray(bad, dtype=bool)
    return DataError(problem, file=file, column=column, rows=_row_numbers(df.index, df.index[bad]), values=values,
                     expected=expected, hint=hint)


def check_extract(values: pd.DataFrame, *, file: str, priorities: Priorities, area_codes: set[str]) -> None:
    """Every row of an analyst extract (as :func:`read_extract` gives it) usable by the dashboard, else a DataError
    naming the file, the lines and what was expected: its metric in the priorities file (by id or
    ``indicator_id``), its area a known local authority or locality, and a value the metric can have (counts, rates
    and percentages not negative; percentages from 0 to 100, not on a 0-1 scale)."""
    by_id: dict[str, Metric | None] = {m.id: m for m in priorities.metrics}
    for m in priorities.metrics:  # an indicator_id several metrics share is known, but gives no value type to check
        if m.indicator_id and m.indicator_id not in by_id:
            shared = {x.value_type for x in priorities.metrics if x.indicator_id == m.indicator_id}
            by_id[m.indicator_id] = m if len(shared) == 1 else None
    ids = values["indicator_id"].astype(str)
    unknown = ~ids.isin(set(by_id))
    if unknown.any():
        names = list(pd.unique(ids[unknown]))
        close = difflib.get_close_matches(names[0], list(by_id), n=1)
        raise _rows_problem(
            f"{int(unknown.sum())} rows of the extract are for metrics that are not in "
            f"{priorities.path or 'data/priorities.yml'}, so the dashboard would ignore them.", values, unknown,
            file=file, column="indicator_id", values=names[:10],
            expected="the id of a metric in data/priorities.yml", hint=(f"did you mean {close[0]!r}? " if close else "")
            + "Add the metric to data/priorities.yml (README: Adding a dashboard metric) or remove these rows.")
    codes = values["area_code"].astype(str)
    unknown = ~codes.isin(area_codes)
    if unknown.any():
        raise _rows_problem(
            f"{int(unknown.sum())} rows of the extract are for area codes that are not a local authority or locality "
            "of the data, so the dashboard would drop them.", values, unknown, file=file, column="area_code",
            values=list(pd.unique(codes[unknown]))[:10],
            expected="the code of a local authority (area_type la, e.g. the home borough) or of one of its "
                     "localities (area_type locality)")
    for metric_id, rows in values.groupby(ids, sort=False):
        if by_id[metric_id] is not None:
            _check_metric_values(rows, by_id[metric_id], file)


def _check_metric_values(rows: pd.DataFrame, metric: Metric, file: str) -> None:
    """The values of one metric in an extract are possible for its value type (see :func:`check_extract`)."""
    v = rows["value"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        # a dashboard count is a number of events or people (never a net change), so it cannot be negative
        negative = (v < 0) if metric.value_type in NON_NEGATIVE_VALUE_TYPES + ("count",) else np.zeros(len(v), bool)
        above = (v > 100) if metric.value_type == "proportion" else np.zeros(len(v), dtype=bool)
    for bad, what, expected in ((negative, "negative values", f"values of zero or more for a {metric.value_type}"),
                                (above, "percentages above 100", "a percentage from 0 to 100")):
        if bad.any():
            raise _rows_problem(f"{int(bad.sum())} rows of metric {metric.id} have {what}.", rows, bad, file=file,
                                column="value", values=[f"{p}: {x:g}" for p, x in zip(rows["period"][bad], v[bad])],
                                expected=expected)
    if metric.value_type == "proportion":
        _check_percent_scale(rows, metric, file)


def _check_percent_scale(rows: pd.DataFrame, metric: Metric, file: str) -> None:
    """Percentages given as 0-1 fractions (0.81 for 81%) would be published as "0.8%": refuse them where the count
    and denominator show it, or where every value is at most 1 while the metric's target or typical value is above
    1%."""
    v = rows["value"].to_numpy(dtype=float)
    c, d = rows["count"].to_numpy(dtype=float), rows["denominator"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(d > 0, c / d, np.nan)
        fraction = np.isfinite(share) & (np.abs(v - share) < 1e-3) & (np.abs(v - 100 * share) > 1e-3)
    reference = [x for x in (metric.target.value if metric.target else None, metric.typical_value,
                             *(p for _, p in (metric.trajectory.points if metric.trajectory else ())))
                 if x is not None]
    given = np.isfinite(v)
    if not fraction.any() and reference and max(reference) > 0.01 and given.any() and (v[given] <= 1).all():
        fraction = given
    if fraction.any():
        raise _rows_problem(
            f"The values of metric {metric.id} look like 0-1 fractions, not percentages: they would be published as "
            f"{np.nanmax(v[fraction]):.1f}% or less.", rows, fraction, file=file, column="value",
            values=[f"{p}: {x:g}" for p, x in zip(rows["period"][fraction][:5], v[fraction][:5])],
            expected="percentages on a 0-100 scale (81.4 for 81.4%), as in every values table",
            hint="multiply the values (and any lower_ci_95/upper_ci_95) by 100")


def read_extracts(store, directory: str | os.PathLike | None = None,
                  priorities: Priorities | None = None) -> pd.DataFrame:
    """Every ``*.csv`` in the extracts folder as one canonical values table (empty if there are none), each file
    read with :func:`read_extract` and checked with :func:`check_extract` (against ``priorities``, default
    data/priorities.yml). The same metric, area and month in two files is a DataError naming both lines."""
    folder = Path(directory) if directory is not None else extracts_dir(store)
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        return pd.DataFrame(columns=CANONICAL_COLUMNS["values"])
    pri = priorities if priorities is not None else load_priorities()
    codes = extract_area_codes(store)
    frames, origins = [], []
    for path in files:
        values = read_extract(path)
        check_extract(values, file=path.name, priorities=pri, area_codes=codes)
        frames.append(values)
        origins += [f"{path.name} line {label + 2}" for label in values.index]
        _record(store, f"extract:{path.stem}", path, publisher="Local analyst extract")
    out = pd.concat(frames, ignore_index=True)
    key = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
    dup = out.duplicated(key, keep=False).to_numpy()
    if dup.any():
        first = out.loc[dup, key].iloc[0]
        same = dup & (out[key] == first).all(axis=1).to_numpy()
        raise DataError("Two extracts give a value for the same metric, area and month.", file=str(folder),
                        column="+".join(key), values=np.asarray(origins)[same].tolist(),
                        expected="one value per metric, area and month across the extract files",
                        hint=f"the key repeated: {', '.join(str(first[k]) for k in key[:3])}")
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
    and the areas it is compared with (``options.compare``; no breakdown), so the store reads the series once and
    records its files for provenance."""
    if src.find(store.root) is None:
        return None
    if src.reader != "published":  # pragma: no cover - load_extract_sources only lets known readers through
        raise ConfigError(f"extract {src.id}: unknown reader {src.reader!r}")
    area = str(src.options["area_code"])
    values = store.values(sorted(set(src.metrics.values())))
    values = values[values["area_code"].astype(str).isin([area, *src.comparators]) & (values["category_type"] == "")]
    frames = [values[values["indicator_id"] == indicator_id].assign(indicator_id=metric_id)
              for metric_id, indicator_id in src.metrics.items()]
    out = pd.concat(frames, ignore_index=True)
    if not (out["area_code"].astype(str) == area).any():
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
    #: the id of the store's indicator the rows come from (its ``published`` date and ``lag_months``), if any
    indicator_id: str | None = None
    #: rows of the same series for the areas the trust is compared with, ``area_name`` added (published extracts
    #: with ``options.compare``), else ``None``
    comparators: pd.DataFrame | None = None


def _analyst_values(store) -> pd.DataFrame:
    return store.cached(("extracts", "analyst"), lambda: read_extracts(store))


def extract_sources(store) -> list[ExtractSource]:
    """The published extracts the store can use: on the synthetic demo, the entries its marker file lists (its
    fictional trust's series, in its own values file) first, then data/sources.yml's ``extracts:`` (read once)."""
    def load() -> list[ExtractSource]:
        own = load_extract_sources(Path(store.root) / DEMO_MARKER) if store.kind == "demo" else []
        return own + load_extract_sources()

    return store.cached(("extracts", "sources"), load)


def _published_values(store, metric_id: str) -> tuple[pd.DataFrame | None, ExtractSource | None]:
    src = source_for_metric(metric_id, extract_sources(store))
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
            return MetricValues(rows, str(store.kind), found[1], indicator_id=found[0])
    published, src = _published_values(store, metric.id)
    if published is not None and area_code in src.serves:
        rows = published[published["indicator_id"] == metric.id]
        own = rows["area_code"].astype(str) == str(src.options["area_code"])
        if own.any():
            ind = store.indicators().set_index("indicator_id")
            order = {code: i for i, code in enumerate(src.comparators)}  # as data/sources.yml lists them
            others = rows[~own].assign(area_name=lambda d: d["area_code"].astype(str).map(src.comparators))
            others = others.iloc[np.argsort(others["area_code"].astype(str).map(order).to_numpy(), kind="stable")]
            return MetricValues(rows[own], src.id, float(ind.loc[src.metrics[metric.id], "multiplier"]),
                                trust_name=str(src.options.get("org_name") or rows["area_code"].iloc[0]),
                                indicator_id=src.metrics[metric.id], comparators=others)
    return None


__all__ = ["EXTRACTS_ENV", "extracts_dir", "read_extract", "read_extracts", "check_extract", "extract_area_codes",
           "ExtractSource", "load_extract_sources", "extract_sources", "source_for_metric", "read_extract_source",
           "MetricValues", "metric_values"]
