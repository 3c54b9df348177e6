"""The :class:`Store`: canonical tables from one data root, with provenance and one per-store cache.

A store is either the real open data (``data/real.py``) or the seeded synthetic demo (``data/demo/``);
``data/open.py`` decides which. Both return the same canonical tables, each validated by its pandera
schema, so analyses never care which one they are reading. Anything derived from a store's tables that is
worth keeping for the store's lifetime (area names, hierarchies, locality tables) goes into
:meth:`Store.cached`, the one cache a store has.

A store remembers what a report read from it: each file (:meth:`Store.record_source`, :meth:`Store.sources_used`)
and, for each indicator its ``values()`` served, the latest period (:meth:`Store.periods_used`: the data currency a
built site shows per report). Every subclass's ``values`` is wrapped to record them, so no reader has to.
"""
from __future__ import annotations

import abc
import functools
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from thanalysis.vocabulary import default_lag_months


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class SourceFile:
    """One input file a store read: recorded for provenance (relative path only, never an absolute one)."""

    dataset: str
    path: str  # relative to the data root
    sha256: str
    publisher: str = ""
    licence: str = ""
    url: str = ""
    rows: int | None = None


@dataclass
class DataPeriod:
    """The latest period of one indicator a store served (``values()``), with what says whether it is current."""

    indicator_id: str
    name: str
    source: str  # the publisher (the indicators table's ``source``)
    period: str  # the label, e.g. "2025-03", "2025 Q4", "2024/25", "2022 - 24"
    period_end: str | None  # ISO date of its last day (None when the data give none, e.g. IMD "2019")
    frequency: str
    lag_months: int | None  # months after period_end before it is out of date (the table's, else the default)


def _latest_periods(values: pd.DataFrame, skip) -> dict[str, tuple[str, pd.Timestamp | None]]:
    """indicator id → (label, end) of its latest period in ``values`` (ids in ``skip`` left out); an indicator
    with no period ends gets its greatest label and no end."""
    if not {"indicator_id", "period", "period_end"} <= set(values.columns) or not len(values):
        return {}
    rows = values.loc[~values["indicator_id"].isin(skip), ["indicator_id", "period", "period_end"]]
    ends = pd.to_datetime(rows["period_end"], errors="coerce")
    dated = ends.notna()
    out: dict[str, tuple[str, pd.Timestamp | None]] = {
        str(i): (str(label), None) for i, label in rows.loc[~dated].groupby("indicator_id")["period"].max().items()}
    if dated.any():
        latest = ends[dated].groupby(rows.loc[dated, "indicator_id"]).idxmax()
        out |= {str(i): (str(rows.at[at, "period"]), ends[at]) for i, at in latest.items()}
    return out


def _recording_periods(values):
    """``values`` that also records, in its store, each indicator's latest period (once per distinct request)."""
    @functools.wraps(values)
    def recording(self, *args, **kwargs):
        out = values(self, *args, **kwargs)
        ids = args[0] if args else kwargs.get("indicator_ids")
        key = ids if ids is None or isinstance(ids, str) else tuple(map(str, ids))
        if key not in self._asked:
            self._asked.add(key)
            self._periods |= _latest_periods(out, skip=set(self._periods))
        return out
    return recording


@dataclass
class Store(abc.ABC):
    """Canonical tables from one data root. Subclasses: the real open data and the synthetic demo."""

    root: Path
    kind: str = "real"  # "real" or "demo"
    _read: dict[str, SourceFile] = field(default_factory=dict, repr=False)
    _cache: dict[object, object] = field(default_factory=dict, repr=False)
    _periods: dict[str, tuple[str, pd.Timestamp | None]] = field(default_factory=dict, repr=False)
    _asked: set = field(default_factory=set, repr=False)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "values" in cls.__dict__ and not getattr(cls.__dict__["values"], "__isabstractmethod__", False):
            cls.values = _recording_periods(cls.__dict__["values"])

    #: A sentence saying where the data came from, shown on every page built from this store.
    @property
    @abc.abstractmethod
    def data_statement(self) -> str: ...

    @property
    @abc.abstractmethod
    def home_area_code(self) -> str:
        """The default local authority (Tower Hamlets E09000030 for real data; the fictional borough for the demo)."""

    @property
    def as_of(self) -> str | None:
        """The date the data are set at, if they are a fixed snapshot (the synthetic demo: its marker's ``as_of``),
        on which currency is then judged; ``None`` for real data (judged on the day a report is built)."""
        return None

    @abc.abstractmethod
    def areas(self) -> pd.DataFrame: ...

    @abc.abstractmethod
    def lookups(self) -> pd.DataFrame: ...

    @abc.abstractmethod
    def geometries(self, area_type: str, within: str | None = None):
        """GeoDataFrame (EPSG:4326) of ``area_type`` polygons, optionally only those inside area ``within``."""

    @abc.abstractmethod
    def indicators(self) -> pd.DataFrame: ...

    @abc.abstractmethod
    def values(self, indicator_ids: list[str] | None = None) -> pd.DataFrame: ...

    @abc.abstractmethod
    def population(self) -> pd.DataFrame: ...

    @abc.abstractmethod
    def flows(self) -> pd.DataFrame: ...

    def area_name(self, area_code: str) -> str:
        """The name of an area (e.g. ``"Tower Hamlets"``), or the code itself when the areas table lacks it."""
        areas = self.areas()
        match = areas.loc[areas["area_code"] == area_code, "area_name"]
        return str(match.iloc[0]) if len(match) else str(area_code)

    def cached(self, key: object, build):
        """``build()`` once per store and key: the one cache a store has (tables, names, hierarchies)."""
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]

    # provenance -------------------------------------------------------------------------------
    def record_source(self, dataset: str, path: Path, **meta) -> SourceFile:
        """Remember that ``path`` (under the root) was read; returns its provenance record."""
        rel = os.path.relpath(Path(path).resolve(), self.root.resolve())
        if rel not in self._read:
            self._read[rel] = SourceFile(dataset=dataset, path=rel.replace(os.sep, "/"), sha256=sha256_file(path), **meta)
        return self._read[rel]

    def sources_used(self) -> list[SourceFile]:
        """Every file read so far, sorted by path (for the provenance section and the manifest)."""
        return sorted(self._read.values(), key=lambda s: s.path)

    def periods_used(self) -> list[DataPeriod]:
        """The latest period of each indicator ``values()`` served so far, by indicator id (the data currency)."""
        if not self._periods:
            return []
        table = self.indicators().drop_duplicates("indicator_id").set_index("indicator_id")
        out = []
        for ind, (label, end) in sorted(self._periods.items()):
            row = table.loc[ind] if ind in table.index else pd.Series(dtype=object)
            frequency = str(row.get("frequency", "") or "")
            lag = row.get("lag_months")
            lag = int(lag) if lag is not None and pd.notna(lag) else default_lag_months(frequency)
            out.append(DataPeriod(indicator_id=ind, name=str(row.get("name", "") or ind),
                                  source=str(row.get("source", "") or ""), period=label,
                                  period_end=end.date().isoformat() if end is not None else None,
                                  frequency=frequency, lag_months=lag))
        return out
