"""The data catalogue (``data/sources.yml``): which open files the analyses read, from whom, and how.

This module is the one reader of ``data/sources.yml``. ``load_catalogue()`` reads and checks the file once per
process (cached on path and modification time) and returns a :class:`Catalogue` of :class:`Dataset` entries plus
the indicator metadata; ``load_extract_sources()`` gives its ``extracts:`` section (published monthly series, read
by ``thanalysis.data.extracts``) as :class:`ExtractSource` entries. A bad entry is a
:class:`~thanalysis.errors.ConfigError` naming the entry and the field.

Two kinds of dataset: the *core* files the store turns into canonical tables itself (a file reader such as ``csv``
and a column mapping), and *published series* (``reader: published``, ``module: <name>``): a module of
:mod:`thanalysis.data.published` reads the folder and gives its values and indicators. A published series says
its ``period_type``, ``frequency`` and the date of the copy the data root holds (``published`` and/or
``retrieved``, as its SOURCE.md states); ``lag_months`` (how long after its latest period a series is still
current) defaults by frequency (:func:`thanalysis.vocabulary.default_lag_months`).
"""
from __future__ import annotations

import codecs
import difflib
import os
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Iterator

from pyproj import CRS
from pyproj.exceptions import CRSError

from thanalysis.config import project_data_file, read_yaml
from thanalysis.data.published.registry import MODULES
from thanalysis.data.readers import READERS
from thanalysis.errors import ConfigError
from thanalysis.vocabulary import AREA_TYPES, CANONICAL_COLUMNS, POLARITIES, VALUE_TYPES, default_lag_months

#: Tables a dataset can feed; "reference" datasets are read and checked but not joined into a table.
DATASET_TABLES = tuple(CANONICAL_COLUMNS) + ("reference",)
#: The reader of a published series: a module of thanalysis.data.published (named by ``module``).
PUBLISHED_READER = "published"
READER_NAMES = tuple(READERS) + (PUBLISHED_READER,)
REQUIRED_FIELDS = ("id", "title", "publisher", "licence", "url", "file", "reader", "table")
OPTIONAL_FIELDS = ("download", "archive_member", "companions", "encoding", "crs", "area_type", "columns",
                   "options", "notes", "core", "module", "period_type", "frequency", "published", "retrieved",
                   "lag_months")
#: Fields a published series must give (besides the required ones), and the kinds of period it may have.
PUBLISHED_FIELDS = ("module", "period_type", "frequency")
PERIOD_TYPES = ("month", "quarter", "calendar_year", "financial_year", "academic_year", "rolling_years", "snapshot",
                "census_day")
INDICATOR_FIELDS = ("indicator_id", "name", "value_type", "multiplier", "unit", "polarity", "frequency", "datasets")
#: Readers of published extracts (``extracts:`` entries); ``thanalysis.data.extracts`` implements each.
#: ``published``: the metrics are indicators of a published series in the store, for one area (``options.area_code``).
EXTRACT_READERS = (PUBLISHED_READER,)
EXTRACT_FIELDS = ("id", "title", "publisher", "licence", "url", "file", "reader", "metrics")
OPTIONAL_EXTRACT_FIELDS = ("alternates", "options", "serves", "notes")

_CANONICAL_NAMES = {c for cols in CANONICAL_COLUMNS.values() for c in cols}
_TARGET = re.compile(r"^(parent:[a-z0-9_]+|indicator:[A-Za-z0-9_.-]+|population:(Persons|Male|Female):[^:]+|"
                     r"[a-z0-9_]+_name)$")


_NUMERIC_TARGETS = {"count", "denominator", "value", "weight", "population", "lower_ci_95", "upper_ci_95",
                    "lower_ci_99_8", "upper_ci_99_8", "multiplier"}


def is_text_target(target: str) -> bool:
    """Whether a column mapped onto ``target`` holds text (codes, names, labels) rather than numbers."""
    return not (target in _NUMERIC_TARGETS or target.startswith(("indicator:", "population:")))


@dataclass(frozen=True)
class PublishedFile:
    """What every entry of data/sources.yml says about a published file: who publishes it under which licence,
    where it is described, where it sits under the data root and which reader reads it."""

    id: str
    title: str
    publisher: str
    licence: str
    url: str
    file: str
    reader: str


@dataclass(frozen=True)
class Dataset(PublishedFile):
    """One catalogue entry (see data/sources.yml for the meaning of each field)."""

    table: str
    download: str | None = None
    archive_member: str | None = None
    companions: tuple[str, ...] = ()
    encoding: str | None = None
    crs: str | None = None
    area_type: str | None = None
    columns: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)
    notes: str | None = None
    core: bool = False
    module: str | None = None
    period_type: tuple[str, ...] = ()
    frequency: str | None = None
    published: date | None = None
    retrieved: date | None = None
    lag_months: float | None = None

    @property
    def is_published_series(self) -> bool:
        """A series read by a module of thanalysis.data.published (``reader: published``)."""
        return self.reader == PUBLISHED_READER

    @property
    def is_on_demand(self) -> bool:
        """A series fetched on demand (``file`` is a pattern such as ``fingertips/api/*.csv``, filled by
        ``thanalysis data fingertips``): optional, and dated per file by the data root's provenance.json."""
        return "*" in self.file

    def present(self, root: str | os.PathLike) -> bool:
        """Whether the data root holds the dataset: all its files, or for an on-demand series at least one."""
        if self.is_on_demand:
            return any(p.is_file() for p in Path(root).glob(self.file))
        return all(Path(root).joinpath(rel).is_file() for rel in self.files)

    @property
    def currency_date(self) -> date | None:
        """When the copy in the data root was published, else retrieved (for the indicators' ``published``)."""
        return self.published or self.retrieved

    def path(self, root: str | os.PathLike) -> Path:
        """The dataset's main file under data root ``root``."""
        return Path(root).joinpath(*PurePosixPath(self.file).parts)

    @property
    def files(self) -> list[str]:
        """Relative paths of the main file and its companions (shapefile .shx/.dbf/.prj, MapInfo .dat/.map/.id)."""
        folder = PurePosixPath(self.file).parent
        return [self.file] + [str(folder / c) for c in self.companions]

    def column_for(self, target: str) -> str | None:
        """The file's column mapped onto canonical ``target`` (e.g. "area_code"), if any."""
        for source, tgt in self.columns.items():
            if tgt == target:
                return source
        return None

    def reader_options(self) -> dict:
        """Keyword arguments for the reader: encoding, CRS and the reader-specific ``options``."""
        opts: dict = {}
        if self.encoding and self.reader in ("csv", "fingertips_csv"):
            opts["encoding"] = self.encoding
        if self.crs and self.reader in ("shapefile", "geojson", "topojson", "mapinfo"):
            opts["crs"] = self.crs
        if self.reader == "csv" and self.columns:
            # Codes and names stay text; every other column is parsed as numbers while reading (fast, and
            # "29,199" reads as 29199). Columns mapped to counts, values or populations are numbers.
            opts["text"] = [src for src, tgt in self.columns.items() if is_text_target(tgt)]
        for key, value in self.options.items():
            if key == "period":
                continue  # a label for the canonical table, not a reader argument
            opts[key] = value
        return opts


@dataclass
class Catalogue:
    """All datasets (by id, in file order) and the indicator metadata entries."""

    datasets: dict[str, Dataset]
    indicators: list[dict]
    path: Path | None = None

    def __getitem__(self, dataset_id: str) -> Dataset:
        try:
            return self.datasets[dataset_id]
        except KeyError:
            close = difflib.get_close_matches(dataset_id, list(self.datasets), n=1)
            raise ConfigError(f"No dataset {dataset_id!r} in {self.path or 'the catalogue'}"
                              + (f"; did you mean {close[0]!r}?" if close else "")) from None

    def __iter__(self) -> Iterator[Dataset]:
        return iter(self.datasets.values())

    def __len__(self) -> int:
        return len(self.datasets)

    def __contains__(self, dataset_id: str) -> bool:
        return dataset_id in self.datasets

    def core(self) -> list[Dataset]:
        """Datasets whose presence marks a folder as a real data root."""
        return [d for d in self if d.core]

    def indicators_for(self, dataset_id: str) -> list[dict]:
        return [i for i in self.indicators if dataset_id in i["datasets"]]

    def published_series(self) -> dict[str, list[Dataset]]:
        """Module name → the published-series datasets it reads (``reader: published``, table ``values``), in
        file order."""
        out: dict[str, list[Dataset]] = {}
        for ds in self:
            if ds.is_published_series and ds.table == "values":
                out.setdefault(ds.module, []).append(ds)
        return out


def default_catalogue_path() -> Path:
    return project_data_file("sources.yml")


def _fail(path, where: str, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {where}: {problem}")


def _check_dataset(raw: dict, index: int, path) -> Dataset:
    where = f"datasets[{index}]" + (f" ({raw.get('id')})" if isinstance(raw, dict) and raw.get("id") else "")
    if not isinstance(raw, dict):
        raise _fail(path, where, "each dataset must be a mapping of fields")
    unknown = [k for k in raw if k not in REQUIRED_FIELDS + OPTIONAL_FIELDS]
    if unknown:
        close = difflib.get_close_matches(unknown[0], REQUIRED_FIELDS + OPTIONAL_FIELDS, n=1)
        raise _fail(path, where, f"unknown field {unknown[0]!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
    missing = [k for k in REQUIRED_FIELDS if not raw.get(k)]
    if missing:
        raise _fail(path, where, f"missing required field(s) {', '.join(missing)}")
    for key in REQUIRED_FIELDS:
        if not isinstance(raw[key], str):
            raise _fail(path, where, f"field {key} must be text, got {type(raw[key]).__name__}")
    if not re.fullmatch(r"[a-z0-9_]+", raw["id"]):
        raise _fail(path, where, "id must be lower-case letters, digits and underscores")
    for key in ("url", "download"):
        if raw.get(key) and not re.match(r"^https?://", raw[key]):
            raise _fail(path, where, f"{key} must be an http(s) address, got {raw[key]!r}")
    file = raw["file"]
    if file.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", file) or ".." in PurePosixPath(file).parts:
        raise _fail(path, where, f"file must be a relative path inside the data root, got {file!r}")
    if raw["reader"] not in READER_NAMES:
        close = difflib.get_close_matches(raw["reader"], READER_NAMES, n=1)
        raise _fail(path, where, f"unknown reader {raw['reader']!r} (one of {', '.join(READER_NAMES)})"
                    + (f"; did you mean {close[0]!r}?" if close else ""))
    if raw["table"] not in DATASET_TABLES:
        raise _fail(path, where, f"table must be one of {', '.join(DATASET_TABLES)}, got {raw['table']!r}")
    if raw.get("area_type") and raw["area_type"] not in AREA_TYPES:
        raise _fail(path, where, f"area_type must be one of {', '.join(AREA_TYPES)}, got {raw['area_type']!r}")
    if raw.get("encoding"):
        try:
            codecs.lookup(raw["encoding"])
        except LookupError:
            raise _fail(path, where, f"unknown encoding {raw['encoding']!r} (e.g. utf-8-sig, latin-1)") from None
    if raw.get("crs"):
        try:
            CRS.from_user_input(raw["crs"])
        except CRSError:
            raise _fail(path, where, f"unknown crs {raw['crs']!r} (e.g. EPSG:4326, EPSG:27700)") from None
    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        raise _fail(path, where, "columns must map the file's column names to canonical names")
    for source, target in columns.items():
        if not isinstance(target, str) or not (target in _CANONICAL_NAMES or _TARGET.match(target)):
            raise _fail(path, where, f"column {source!r} maps to {target!r}, which is not a canonical column name, "
                                     "'parent:<area type>', 'indicator:<id>', 'population:<sex>:<age band>' or '<x>_name'")
    companions = raw.get("companions") or []
    if not isinstance(companions, list) or not all(
            isinstance(c, str) and c and not c.startswith(("/", "\\")) and ".." not in PurePosixPath(c).parts
            for c in companions):
        raise _fail(path, where, "companions must be a list of file names in the folder of file (or in folders "
                                 "below it, e.g. original_xlsx/book.xlsx)")
    options = raw.get("options") or {}
    if not isinstance(options, dict):
        raise _fail(path, where, "options must be a mapping")
    currency = _check_currency(raw, path, where)
    return Dataset(
        id=raw["id"], title=raw["title"], publisher=raw["publisher"], licence=raw["licence"], url=raw["url"],
        file=file, reader=raw["reader"], table=raw["table"], download=raw.get("download"),
        archive_member=raw.get("archive_member"), companions=tuple(companions), encoding=raw.get("encoding"),
        crs=raw.get("crs"), area_type=raw.get("area_type"), columns=dict(columns), options=dict(options),
        notes=raw.get("notes"), core=bool(raw.get("core", False)), **currency,
    )


def _date_field(raw: dict, key: str, path, where: str) -> date | None:
    value = raw.get(key)
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(path, where, f"{key} must be a date written YYYY-MM-DD, got {value!r}") from None


def _check_currency(raw: dict, path, where: str) -> dict:
    """The published-series fields (module, period_type, frequency, dates, lag_months), checked."""
    published = raw["reader"] == PUBLISHED_READER
    if published:
        missing = [k for k in PUBLISHED_FIELDS if not raw.get(k)]
        if missing:
            raise _fail(path, where, f"a published series (reader: published) needs field(s) {', '.join(missing)}")
        if raw["module"] not in MODULES:
            close = difflib.get_close_matches(str(raw["module"]), list(MODULES), n=1)
            raise _fail(path, where, f"module {raw['module']!r} is not a published-series module (one of "
                                     f"{', '.join(MODULES)})" + (f"; did you mean {close[0]!r}?" if close else ""))
        if not (raw.get("published") or raw.get("retrieved") or "*" in raw["file"]):
            raise _fail(path, where, "a published series needs published or retrieved (the date its SOURCE.md "
                                     "gives for the copy in the data root; only an on-demand file pattern is "
                                     "dated by provenance.json instead)")
        if raw["table"] != "values":
            raise _fail(path, where, "a published series feeds the values table (table: values)")
    elif raw.get("module"):
        raise _fail(path, where, f"module is only for reader: {PUBLISHED_READER}")
    kinds = raw.get("period_type") or []
    kinds = [kinds] if isinstance(kinds, str) else kinds
    bad = [k for k in kinds if k not in PERIOD_TYPES] if isinstance(kinds, list) else [kinds]
    if bad:
        raise _fail(path, where, f"period_type must be one or a list of {', '.join(PERIOD_TYPES)}, got {bad[0]!r}")
    if raw.get("frequency") is not None and not isinstance(raw["frequency"], str):
        raise _fail(path, where, "frequency must be text such as monthly, quarterly or annual")
    lag = raw.get("lag_months")
    if lag is not None and (isinstance(lag, bool) or not isinstance(lag, (int, float)) or lag <= 0):
        raise _fail(path, where, f"lag_months must be a number of months above 0, got {lag!r}")
    if published and lag is None and default_lag_months(raw["frequency"]) is None:
        raise _fail(path, where, f"frequency {raw['frequency']!r} has no default lag: give lag_months (months after "
                                 "its latest period that the series is still current)")
    return {"module": raw.get("module"), "period_type": tuple(kinds), "frequency": raw.get("frequency"),
            "published": _date_field(raw, "published", path, where),
            "retrieved": _date_field(raw, "retrieved", path, where),
            "lag_months": float(lag) if lag is not None else None}


def _check_indicator(raw: dict, index: int, datasets: dict, path) -> dict:
    where = f"indicators[{index}]" + (f" ({raw.get('indicator_id')})" if isinstance(raw, dict) else "")
    if not isinstance(raw, dict):
        raise _fail(path, where, "each indicator must be a mapping of fields")
    missing = [k for k in INDICATOR_FIELDS if raw.get(k) in (None, "", [])]
    if missing:
        raise _fail(path, where, f"missing required field(s) {', '.join(missing)}")
    if raw["value_type"] not in VALUE_TYPES:
        raise _fail(path, where, f"value_type must be one of {', '.join(VALUE_TYPES)}, got {raw['value_type']!r}")
    if raw["polarity"] not in POLARITIES:
        raise _fail(path, where, f"polarity must be one of {', '.join(POLARITIES)}, got {raw['polarity']!r}")
    if not isinstance(raw["multiplier"], (int, float)) or raw["multiplier"] <= 0:
        raise _fail(path, where, "multiplier must be a number above 0 (100 for a percentage)")
    for ds in raw["datasets"]:
        if ds not in datasets:
            close = difflib.get_close_matches(ds, list(datasets), n=1)
            raise _fail(path, where, f"unknown dataset {ds!r}" + (f"; did you mean {close[0]!r}?" if close else ""))
    if ("numerator" in raw) != ("denominator" in raw):
        raise _fail(path, where, "give both numerator (list of columns) and denominator (a column), or neither")
    out = dict(raw)
    out["indicator_id"] = str(raw["indicator_id"])
    out["datasets"] = list(raw["datasets"])
    return out


@lru_cache(maxsize=8)
def _load(path_str: str, mtime: float) -> Catalogue:
    path = Path(path_str)
    raw = read_yaml(path, "data catalogue")
    if not isinstance(raw, dict) or not isinstance(raw.get("datasets"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'datasets' list (and an 'indicators' list)")
    datasets: dict[str, Dataset] = {}
    files: dict[str, str] = {}
    for i, entry in enumerate(raw["datasets"]):
        ds = _check_dataset(entry, i, path)
        if ds.id in datasets:
            raise _fail(path, f"datasets[{i}] ({ds.id})", "duplicate id")
        if ds.file in files:
            raise _fail(path, f"datasets[{i}] ({ds.id})", f"same file as dataset {files[ds.file]!r}")
        datasets[ds.id] = ds
        files[ds.file] = ds.id
    indicators = []
    seen: set[str] = set()
    for i, entry in enumerate(raw.get("indicators") or []):
        ind = _check_indicator(entry, i, datasets, path)
        if ind["indicator_id"] in seen:
            raise _fail(path, f"indicators[{i}] ({ind['indicator_id']})", "duplicate indicator_id")
        seen.add(ind["indicator_id"])
        indicators.append(ind)
    return Catalogue(datasets=datasets, indicators=indicators, path=path)


def load_catalogue(path: str | os.PathLike | None = None) -> Catalogue:
    """Read and validate ``data/sources.yml`` (or ``path``); raises ConfigError on a bad entry."""
    p = Path(path) if path else default_catalogue_path()
    if not p.is_file():
        raise ConfigError(f"{p}: data catalogue not found (expected data/sources.yml in the project)")
    return _load(str(p.resolve()), p.stat().st_mtime)


# --- the extracts: section ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExtractSource(PublishedFile):
    """One entry of ``extracts:`` in data/sources.yml: a published monthly series and the metrics it feeds."""

    metrics: dict
    alternates: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)
    serves: tuple[str, ...] = ()
    notes: str = ""

    def candidates(self) -> list[str]:
        return [self.file, *self.alternates]

    @property
    def comparators(self) -> dict[str, str]:
        """The areas the series is compared with (``options.compare``: code → name, e.g. other trusts and
        England), in file order; empty when none is named."""
        return {str(k): str(v) for k, v in (self.options.get("compare") or {}).items()}

    def find(self, root: str | os.PathLike) -> Path | None:
        """The first of ``file`` and ``alternates`` (relative to the data root) that exists, else None."""
        for rel in self.candidates():
            path = Path(root).joinpath(*PurePosixPath(rel).parts)
            if path.is_file():
                return path
        return None


def _check_extract(entry, index: int, path) -> ExtractSource:
    where = f"{path}: extracts[{index}]" + (f" ({entry.get('id')})" if isinstance(entry, dict) else "")
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: each extract must be a mapping of fields")
    unknown = sorted(set(entry) - set(EXTRACT_FIELDS) - set(OPTIONAL_EXTRACT_FIELDS))
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {unknown}; allowed "
                          f"{', '.join(EXTRACT_FIELDS + OPTIONAL_EXTRACT_FIELDS)}")
    missing = [k for k in EXTRACT_FIELDS if not entry.get(k)]
    if missing:
        raise ConfigError(f"{where}: missing field(s) {', '.join(missing)}")
    if entry["reader"] not in EXTRACT_READERS:
        raise ConfigError(f"{where}: reader {entry['reader']!r}; expected one of {', '.join(EXTRACT_READERS)}")
    for rel in [entry["file"], *(entry.get("alternates") or [])]:
        if (not isinstance(rel, str) or rel.startswith(("/", "\\", "~")) or ":" in rel[:3]
                or ".." in PurePosixPath(rel.replace("\\", "/")).parts):
            raise ConfigError(f"{where}: {rel!r} must be a path relative to the data root, inside it (every input "
                              "a report reads lies in the data root)")
    if not isinstance(entry["metrics"], dict) or not all(isinstance(v, str) for v in entry["metrics"].values()):
        raise ConfigError(f"{where}: 'metrics' must map metric ids to the indicator ids of the series "
                          "(e.g. ae_attendances_r1h: nhse_ae_attendances)")
    if not (entry.get("options") or {}).get("area_code"):
        raise ConfigError(f"{where}: options must give area_code, the area of the series the metrics show "
                          "(e.g. R1H, a trust)")
    compare = entry["options"].get("compare")
    named = isinstance(compare, dict) and compare and all(isinstance(k, str) and isinstance(v, str) and v
                                                          for k, v in compare.items())
    if compare is not None and not named:
        raise ConfigError(f"{where}: options.compare is {compare!r}; expected a mapping of the area codes the series "
                          "is compared with to their names (e.g. {RQX: Homerton Healthcare NHS Foundation Trust, "
                          "E92000001: England})")
    return ExtractSource(
        id=entry["id"], title=entry["title"], publisher=entry["publisher"], licence=entry["licence"],
        url=entry["url"], file=entry["file"], reader=entry["reader"], metrics=dict(entry["metrics"]),
        alternates=tuple(entry.get("alternates") or ()), options=dict(entry.get("options") or {}),
        serves=tuple(str(s) for s in entry.get("serves") or ()), notes=str(entry.get("notes") or ""))


def load_extract_sources(path: str | os.PathLike | None = None) -> list[ExtractSource]:
    """The ``extracts:`` entries of data/sources.yml (or ``path``), checked (ConfigError naming the entry and field).

    Only this section is read, so a file holding nothing but ``extracts:`` is enough."""
    p = Path(path) if path is not None else default_catalogue_path()
    raw = read_yaml(p, "data catalogue") or {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: expected a mapping with an 'extracts' list")
    entries = raw.get("extracts") or []
    if not isinstance(entries, list):
        raise ConfigError(f"{p}: 'extracts' must be a list of entries")
    return [_check_extract(entry, i, p) for i, entry in enumerate(entries)]


__all__ = ["Catalogue", "Dataset", "ExtractSource", "load_catalogue", "load_extract_sources", "default_catalogue_path",
           "DATASET_TABLES", "READER_NAMES", "EXTRACT_READERS", "PUBLISHED_READER", "PERIOD_TYPES"]
