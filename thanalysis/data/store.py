"""The :class:`Store`: canonical tables from one data root, with provenance and one per-store cache.

A store is either the real open data (``data/real.py``) or the seeded synthetic demo (``data/demo/``);
``data/open.py`` decides which. Both return the same canonical tables, each validated by its pandera
schema, so analyses never care which one they are reading. Anything derived from a store's tables that is
worth keeping for the store's lifetime (area names, hierarchies, locality tables) goes into
:meth:`Store.cached`, the one cache a store has.
"""
from __future__ import annotations

import abc
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


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
class Store(abc.ABC):
    """Canonical tables from one data root. Subclasses: the real open data and the synthetic demo."""

    root: Path
    kind: str = "real"  # "real" or "demo"
    _read: dict[str, SourceFile] = field(default_factory=dict, repr=False)
    _cache: dict[object, object] = field(default_factory=dict, repr=False)

    #: A sentence saying where the data came from, shown on every page built from this store.
    @property
    @abc.abstractmethod
    def data_statement(self) -> str: ...

    @property
    @abc.abstractmethod
    def home_area_code(self) -> str:
        """The default local authority (Tower Hamlets E09000030 for real data; the fictional borough for the demo)."""

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
