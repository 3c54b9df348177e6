"""The one way analyses get data: ``open_store(data_root)`` returns a :class:`Store` of canonical tables.

A store is either the real open data (a data root laid out as ``data/sources.yml`` describes, e.g. the
open-data mirror) or the seeded synthetic demo. Both return the same canonical tables (DESIGN.md), each
validated by its pandera schema, so notebooks never care which one they are reading.
"""
from __future__ import annotations

import abc
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import default_cache_dir, demo_dir, resolve_data_root
from ..errors import DataError

#: Column order of each canonical table (the contract between all parts; DESIGN.md).
CANONICAL_COLUMNS: dict[str, list[str]] = {
    "areas": ["area_code", "area_name", "area_type"],
    "lookups": ["child_code", "child_type", "parent_code", "parent_type", "weight"],
    "geometries": ["area_code", "area_type", "geometry"],
    "indicators": [
        "indicator_id", "name", "value_type", "multiplier", "unit", "polarity",
        "source", "licence", "frequency",
    ],
    "values": [
        "indicator_id", "area_code", "area_type", "period", "period_start", "period_end",
        "sex", "age", "category_type", "category", "count", "denominator", "value",
        "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "value_note",
    ],
    "population": ["area_code", "period", "sex", "age_band", "population"],
    "flows": ["origin_code", "origin_type", "destination_code", "destination_type", "period", "count"],
}

AREA_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "locality", "la", "region", "country", "pcn", "practice", "trust")
VALUE_TYPES = ("proportion", "crude_rate", "dsr", "ratio", "mean", "life_expectancy", "count", "other")
POLARITIES = ("higher_is_better", "lower_is_better", "no_judgement")

#: Marker file at the top of a demo data root.
DEMO_MARKER = "thanalysis-demo.json"


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


def is_demo_root(root: Path) -> bool:
    return (root / DEMO_MARKER).exists()


def open_store(data_root: str | os.PathLike | None = None) -> Store:
    """The store for ``data_root`` (argument, else ``$THANALYSIS_DATA_ROOT``, else ``data/cache``).

    - a demo folder (holding ``thanalysis-demo.json``) → the synthetic demo;
    - a folder holding the files listed in ``data/sources.yml`` → the real open data;
    - the default ``data/cache`` with no real files → the demo, generated on first use.
    """
    root = resolve_data_root(data_root)
    if is_demo_root(root):
        from .demo import DemoStore

        return DemoStore(root)
    from .real import RealStore, looks_like_real_root

    if root.exists() and looks_like_real_root(root):
        return RealStore(root)
    if root == default_cache_dir().resolve() or root == demo_dir().resolve():
        from .demo import DemoStore, write_demo

        target = demo_dir()
        if not is_demo_root(target):
            write_demo(target)
        return DemoStore(target)
    raise DataError(
        "This data root holds neither the open-data files listed in data/sources.yml nor the synthetic demo.",
        file=str(root),
        expected="a mirror of the open data (run `thanalysis data fetch --from DIR`) or a demo folder "
        "(run `thanalysis data demo --out DIR`)",
    )
