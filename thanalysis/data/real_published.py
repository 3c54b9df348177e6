"""The indicators of the real store, and its published series: which module holds which indicator, read only when
asked for.

:class:`~thanalysis.data.real.RealStore` lists every published indicator cheaply (each module's ``indicators(root)``
reads at most a small dictionary file) and reads a module's data files only when ``values()`` asks for one of its
indicators; each module's :class:`~thanalysis.data.published.series.PublishedSeries` is read once per store
(:meth:`~thanalysis.data.store.Store.cached`) and every file it read is recorded for provenance under the catalogue
entry whose folder holds it.

Rules that matter for analysts:
- A module is listed when every file of its catalogue entries is in the data root (for an on-demand entry, a file
  pattern such as ``fingertips/api/*.csv``: when at least one file matches); otherwise its indicators are not
  offered (``thanalysis data check`` says which files are missing).
- An indicator id held by a core dataset (e.g. a Fingertips export read by the ``fingertips_csv`` reader) and by a
  published series is the core dataset's: the raw export has counts and confidence intervals, the republished
  series does not.
- Likewise an id held by a raw-export module (:data:`RAW_MODULES`: Fingertips indicators fetched by ``thanalysis
  data fingertips``) and by a republished series (the Fingertips tidy extracts, the suicide export) is the raw
  export's, and the indicator's ``source`` says which republished series it replaced, so a report can say so.
  Any other two published modules giving the same id is a DataError.
- Data currency: ``published`` is the module's own date of an indicator where it knows it (the Fingertips tidy
  reader dates each indicator by its extract), else the newest ``published``/``retrieved`` date of the module's
  catalogue entries; ``lag_months`` is the entries' ``lag_months`` when set, else the default of the indicator's
  frequency.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath

import pandas as pd

from thanalysis.data.catalogue import Catalogue, Dataset
from thanalysis.data.published.registry import READ_BY_LSOA, module
from thanalysis.data.published.series import PublishedSeries
from thanalysis.data.schemas import validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

#: Published modules that hold raw exports (the publisher's values with counts and limits, as fetched): an indicator
#: id such a module holds is served from it, not from a republished series of the same id.
RAW_MODULES = ("fingertips_api",)
#: What the ``source`` of such an indicator adds before the sources of the series it is used in place of.
RAW_NOTE = " (raw export, used in place of the republished values of: "


def available_modules(store) -> dict[str, list[Dataset]]:
    """Module name → its catalogue entries, for the modules whose files are all in the store's data root."""
    out = {}
    for name, datasets in store.catalogue.published_series().items():
        if all(ds.present(store.root) for ds in datasets):
            out[name] = datasets
    return out


def _with_currency(table: pd.DataFrame, datasets: list[Dataset]) -> pd.DataFrame:
    dates = [ds.currency_date for ds in datasets if ds.currency_date]
    lags = [ds.lag_months for ds in datasets if ds.lag_months]
    out = table.copy()
    if dates:
        out["published"] = out["published"].fillna(pd.Timestamp(max(dates)))
    if lags:
        out["lag_months"] = lags[0]
    return out


def published_indicators(store, core_ids: set[str]) -> tuple[pd.DataFrame, dict[str, str]]:
    """(indicators of every available published module, id → module name), ids held by a core dataset left out.

    The modules of :data:`RAW_MODULES` come first: an id they hold is theirs, left out of every other module, and
    the raw indicator's ``source`` names the republished series it is used in place of."""
    frames, owner, replaced = [], {}, {}
    available = available_modules(store)
    for name in sorted(available, key=lambda n: n not in RAW_MODULES):  # raw exports first (a stable sort)
        datasets = available[name]
        table = module(name).indicators(store.root)
        table = table[~table["indicator_id"].isin(core_ids)]
        if name not in RAW_MODULES:
            shadowed = table["indicator_id"].map(owner).isin(RAW_MODULES)
            for ind, source in zip(table.loc[shadowed, "indicator_id"], table.loc[shadowed, "source"], strict=True):
                replaced.setdefault(ind, []).append(source)
            table = table[~shadowed]
        twice = sorted(set(table["indicator_id"]) & set(owner))
        if twice:
            raise DataError(f"Published modules {owner[twice[0]]} and {name} both give indicator {twice[0]}.",
                            file=str(store.catalogue.path), column="indicator_id", values=twice[:5],
                            expected="each indicator id from one published series",
                            hint="give one of them another id in its reader")
        owner |= dict.fromkeys(table["indicator_id"], name)
        frames.append(_with_currency(table, datasets))
    if not frames:
        return pd.DataFrame(columns=CANONICAL_COLUMNS["indicators"]), owner
    out = pd.concat(frames, ignore_index=True)
    for ind, sources in replaced.items():
        at = out["indicator_id"] == ind
        out.loc[at, "source"] = out.loc[at, "source"] + RAW_NOTE + "; ".join(sources) + ")"
    return out, owner


def _dataset_of(rel: str, datasets: list[Dataset]) -> Dataset:
    """The catalogue entry whose folder holds ``rel`` (the deepest folder in common; the first entry on a tie)."""
    parts = PurePosixPath(rel).parts

    def shared(ds: Dataset) -> int:
        folder = PurePosixPath(ds.file).parent.parts
        n = 0
        while n < min(len(folder), len(parts)) and folder[n] == parts[n]:
            n += 1
        return n

    return max(datasets, key=shared)


#: Series already read in this process, by (module, data root): (the files' versions, the series). A build's
#: kernel runs report after report, each with a new store; a file read again only when it changed.
_READ: dict[tuple, tuple[tuple, PublishedSeries]] = {}


def _versions(root: Path, files) -> tuple | None:
    """(file, mtime, size) of each file; None if one is gone (the module is then read again, and says so)."""
    try:
        return tuple((rel, st.st_mtime_ns, st.st_size) for rel in files for st in [root.joinpath(rel).stat()])
    except OSError:
        return None


def read_module(store, name: str) -> PublishedSeries:
    """One module's series, read once per process while its files are unchanged (a module of
    :data:`~thanalysis.data.published.registry.READ_BY_LSOA` for the store's own LSOAs 2021 only), its files
    recorded for provenance in each store."""
    def build() -> PublishedSeries:
        datasets = store.catalogue.published_series()[name]
        lsoas = tuple(store._lsoa21["lsoa21"]) if name in READ_BY_LSOA else None
        key = (name, str(Path(store.root).resolve()), lsoas)
        seen = _READ.get(key)
        if seen is None or seen[0] is None or _versions(store.root, seen[1].files) != seen[0]:
            series = (module(name).read(store.root, lsoas=list(lsoas)) if lsoas is not None
                      else module(name).read(store.root))
            _READ[key] = (_versions(store.root, series.files), series)
        series = _READ[key][1]
        for rel in series.files:
            store._record(_dataset_of(rel, datasets), rel)
        return series

    return store.cached(("real", "published", name), build)


def published_values(store, ids: list[str], owner: dict[str, str]) -> list[pd.DataFrame]:
    """Values rows of the published indicators ``ids`` (none held by a core dataset: ``owner`` leaves those out),
    reading only the modules that hold them."""
    frames = []
    for name in sorted({owner[i] for i in ids}):
        values = read_module(store, name).values
        frames.append(values[values["indicator_id"].isin(ids)])
    return frames


def core_indicators(catalogue: Catalogue) -> pd.DataFrame:
    """The indicators of the core datasets (``indicators:`` of data/sources.yml), source and licence from the first
    dataset each names, ``published`` from its date and ``lag_months`` from its ``lag_months`` (else the default)."""
    rows = []
    for ind in catalogue.indicators:
        ds = catalogue[ind["datasets"][0]]
        rows.append({k: ind[k] for k in ("indicator_id", "name", "value_type", "multiplier", "unit", "polarity",
                                         "frequency")}
                    | {"source": ds.publisher, "licence": ds.licence,
                       "published": pd.Timestamp(ds.currency_date) if ds.currency_date else pd.NaT,
                       "lag_months": ds.lag_months})
    if not rows:  # a catalogue of published series only
        return pd.DataFrame(columns=CANONICAL_COLUMNS["indicators"])
    return validate("indicators", pd.DataFrame(rows), source=str(catalogue.path))


def indicator_table(core: pd.DataFrame, published: pd.DataFrame, *, source: str) -> pd.DataFrame:
    """The store's indicators table: core indicators first, then the published ones, validated together."""
    parts = [part for part in (core, published) if len(part)]
    if not parts:
        raise DataError("The data root holds no indicators.", file=source,
                        expected="indicators in data/sources.yml, or a published series whose files are all there")
    return validate("indicators", pd.concat(parts, ignore_index=True), source=source)


__all__ = ["RAW_MODULES", "RAW_NOTE", "available_modules",
           "published_indicators", "read_module", "published_values", "core_indicators",
           "indicator_table"]
