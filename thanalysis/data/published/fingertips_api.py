"""Fingertips indicators fetched on demand (``fingertips/api/``, written by ``thanalysis data fingertips``).

The folder holds, per indicator, the official 27-column all-data export of each area type fetched
(``<indicator_id>_<area_type_id>.csv``) and its metadata (``metadata/<indicator_id>.json`` and ``.csv``);
``provenance.json`` in the data root records when each file was fetched. ``read(root)`` turns every export into
canonical values and ``indicators(root)`` the metadata into indicators rows (no export is read for that).

Choices that matter for analysts:
- Ids are Fingertips' own, as text ("90366"). Where a republished series in the data root (the Fingertips tidy
  extracts, the suicide export) holds the same id, this raw export wins: see
  :mod:`thanalysis.data.real_published`, which also says so in the indicator's ``source``.
- Rows are mapped as every raw Fingertips export is (:func:`thanalysis.data.readers.fingertips_values`): area types
  England → country, Region → region, Counties/Districts & UAs → la, Ward → ward22, MSOA → msoa21 (an area type
  with no canonical type is a DataError naming the file); sex and age breakdowns and categories (deprivation
  deciles, ethnic groups) are kept as rows; periods as published with their start and end from Fingertips'
  sortable year and range; the 95% and 99.8% limits, count and denominator as published.
- A value Fingertips suppressed or could not calculate is missing, with Fingertips' note ("Value suppressed ...")
  kept in ``value_note``; Fingertips' comparison with England is added to it ("Fingertips: Worse than England",
  "Fingertips: Similar to England"), as for the other Fingertips readers.
- An indicator fetched for two area types (upper- and lower-tier authorities) shares its England, region and
  unitary-authority rows: each is kept once (from the first file in name order).
- Indicators table: name, unit, multiplier, value type, polarity, frequency and the data source from the metadata;
  ``published`` is the date the export was fetched (provenance.json), so ``lag_months`` (the default of its
  frequency) says when it is out of date.
"""
from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from thanalysis.config import resolve_data_root
from thanalysis.data.published.series import PublishedSeries
from thanalysis.data.readers import fingertips_values, read_fingertips_raw
from thanalysis.data.schemas import KEYS, validate
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

FOLDER = "fingertips/api"
#: The files this series reads (the ``file:`` of its catalogue entry): a pattern, filled on demand.
PATTERN = f"{FOLDER}/*.csv"
PUBLISHER = "Office for Health Improvement and Disparities (Fingertips)"
LICENCE = "Open Government Licence v3.0"
SOURCE = f"{PUBLISHER}, API export fetched by `thanalysis data fingertips`"
#: The provenance file of a data root (``thanalysis.data.fetch.MANIFEST``; that module imports the catalogue,
#: which imports this one, so the name is repeated here).
PROVENANCE = "provenance.json"
_FILE = re.compile(r"(?P<id>\d+)_(?P<area_type>\d+)\.csv")


# --- metadata → canonical indicators rows -----------------------------------------------------------------------
_VALUE_TYPES = [  # (words in Fingertips' value type name, canonical value type); first match wins
    ("life expectancy", "life_expectancy"), ("directly standardised rate", "dsr"),
    ("indirectly standardised rate", "other"), ("ratio", "ratio"), ("crude rate", "crude_rate"),
    ("percentage point", "other"), ("proportion", "proportion"), ("percentage", "proportion"),
    ("mean", "mean"), ("average", "mean"), ("count", "count"),
]


def value_type(text: str | None) -> str:
    """Fingertips value type ("Directly standardised rate", "Proportion", ...) → canonical value type."""
    low = (text or "").strip().lower()
    return next((vt for words, vt in _VALUE_TYPES if words in low), "other")


def polarity(text: str | None) -> str:
    """Fingertips polarity ("RAG - High is good", "RAG - Low is good", "BOB - ...", "Not applicable")."""
    low = (text or "").strip().lower()
    if "high is good" in low:
        return "higher_is_better"
    if "low is good" in low:
        return "lower_is_better"
    return "no_judgement"


def _multiplier(unit: Mapping | None, label: str) -> float:
    if isinstance(unit, Mapping) and isinstance(unit.get("Value"), (int, float)) and unit["Value"] > 0:
        return float(unit["Value"])
    digits = "".join(ch for ch in label if ch.isdigit())
    return 100.0 if label.strip() == "%" else float(digits) if label.lower().startswith("per ") and digits else 1.0


def _name(obj: object) -> str:
    return str(obj.get("Name") or "") if isinstance(obj, Mapping) else str(obj or "")


def indicator_metadata_rows(metadata: Mapping[str, Mapping], csv_rows: Iterable[Mapping[str, str]] = (), *,
                            id_prefix: str = "") -> pd.DataFrame:
    """Rows of the canonical ``indicators`` table from Fingertips metadata.

    ``metadata`` is the JSON of ``indicator_metadata/by_indicator_id`` (indicator id → metadata); ``csv_rows`` the
    rows of the metadata CSV export, which supply the polarity (and anything the JSON lacks). Indicator ids become
    ``<id_prefix><id>`` (Fingertips' own id, as text, by default).
    """
    by_id = {str(r.get("Indicator ID", "")).strip(): r for r in csv_rows}
    out = []
    for key, meta in metadata.items():
        ind = str(meta.get("IID", key)).strip()
        desc = meta.get("Descriptive") if isinstance(meta.get("Descriptive"), Mapping) else {}
        row = by_id.get(ind, {})
        unit = meta.get("Unit") if isinstance(meta.get("Unit"), Mapping) else None
        label = str((unit or {}).get("Label") or row.get("Unit") or "").strip()
        out.append({
            "indicator_id": f"{id_prefix}{ind}",
            "name": str(desc.get("Name") or row.get("Indicator") or "").strip(),
            "value_type": value_type(_name(meta.get("ValueType")) or row.get("Value type")),
            "multiplier": _multiplier(unit, label),
            "unit": label,
            "polarity": polarity(_name(meta.get("Polarity")) or row.get("Polarity")),
            "source": str(desc.get("DataSource") or row.get("Data source") or "").strip(),
            "licence": LICENCE,
            "frequency": str(desc.get("Frequency") or row.get("Frequency") or "").strip(),
        })
    return pd.DataFrame(out, columns=CANONICAL_COLUMNS["indicators"])


def read_metadata_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a Fingertips metadata CSV export, header names and keys stripped."""
    lines = Path(path).read_bytes().decode("utf-8-sig", errors="replace").splitlines()
    return [{(k or "").strip(): (v or "") for k, v in row.items()} for row in csv.DictReader(lines)]


def _metadata(root: Path, ids: Iterable[str] | None = None) -> tuple[dict, list[dict[str, str]]]:
    """(metadata JSON by id, metadata CSV rows) of the indicators fetched into ``root`` (all, or ``ids``)."""
    folder = root / FOLDER / "metadata"
    wanted = None if ids is None else set(ids)
    metadata: dict = {}
    rows: list[dict[str, str]] = []
    for path in sorted(folder.glob("*.json")):
        if wanted is None or path.stem in wanted:
            try:
                metadata.update(json.loads(path.read_text(encoding="utf-8-sig")))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise DataError(f"The Fingertips metadata is not valid JSON: {exc}", file=str(path.relative_to(root)),
                                expected="the JSON of indicator_metadata/by_indicator_id",
                                hint="fetch it again: thanalysis data fingertips --force --indicator "
                                     f"{path.stem}") from None
    for path in sorted(folder.glob("*.csv")):
        if wanted is None or path.stem in wanted:
            rows += read_metadata_csv(path)
    return metadata, rows


def read_indicator_metadata(data_root: str | os.PathLike | None = None, **kwargs) -> pd.DataFrame:
    """The canonical ``indicators`` rows of every indicator fetched into ``data_root`` (dates not filled)."""
    return indicator_metadata_rows(*_metadata(resolve_data_root(data_root)), **kwargs)


# --- the series ---------------------------------------------------------------------------------------------------
def data_files(root: str | os.PathLike) -> list[str]:
    """The exports in ``root`` (``fingertips/api/<id>_<area type>.csv``), relative to it, in name order."""
    folder = Path(root) / FOLDER
    if not folder.is_dir():
        return []
    return [f"{FOLDER}/{p.name}" for p in sorted(folder.iterdir()) if _FILE.fullmatch(p.name) and p.is_file()]


def _fetched_dates(root: Path, files: list[str]) -> dict[str, pd.Timestamp]:
    """Indicator id → the day its newest export was fetched (``retrieved_at`` in provenance.json)."""
    path = root / PROVENANCE
    try:
        records = json.loads(path.read_text(encoding="utf-8")).get("files", {}) if path.is_file() else {}
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"The provenance manifest is not valid JSON: {exc}", file=PROVENANCE,
                        expected="the provenance.json written by `thanalysis data fingertips`") from None
    out: dict[str, pd.Timestamp] = {}
    for rel in files:
        when = pd.to_datetime((records.get(rel) or {}).get("retrieved_at"), errors="coerce", utc=True)
        ind = _FILE.fullmatch(Path(rel).name).group("id")
        if pd.notna(when):
            day = when.tz_localize(None).normalize()
            out[ind] = max(out.get(ind, day), day)
    return out


def indicators(root: str | os.PathLike) -> pd.DataFrame:
    """The indicators of the exports in ``root``, from their metadata (no export is read)."""
    root = Path(root)
    files = data_files(root)
    ids = list(dict.fromkeys(_FILE.fullmatch(Path(f).name).group("id") for f in files))
    if not ids:
        return pd.DataFrame(columns=CANONICAL_COLUMNS["indicators"])
    table = indicator_metadata_rows(*_metadata(root, ids))
    missing = sorted(set(ids) - set(table["indicator_id"]))
    if missing:
        raise DataError("Fingertips exports without their metadata.", file=f"{FOLDER}/metadata", values=missing,
                        expected="metadata/<id>.json and metadata/<id>.csv beside each export",
                        hint="fetch them again: thanalysis data fingertips --indicator "
                             + " --indicator ".join(missing))
    table = table[table["indicator_id"].isin(ids)].copy()
    table["frequency"] = table["frequency"].str.lower()
    table["source"] = np.where(table["source"] != "", SOURCE + "; data source: " + table["source"], SOURCE)
    table["published"] = table["indicator_id"].map(_fetched_dates(root, files))
    return validate("indicators", table.reset_index(drop=True), source=f"{FOLDER}/metadata")


def england_comparison_note(note: pd.Series, compared: pd.Series) -> pd.Series:
    """``value_note`` with Fingertips' comparison with England added ("...; Fingertips: Worse than England")."""
    note = note.fillna("").astype(str).str.strip()
    compared = compared.fillna("").astype(str).str.strip()
    judged = ~compared.isin(["", "Not compared", "Cannot be calculated"])
    phrase = "Fingertips: " + compared + np.where(compared == "Similar", " to England", " than England")
    joined = np.where(note != "", note + "; ", "") + phrase
    return pd.Series(np.where(judged, joined, note), index=note.index, dtype=object)


def _read_file(root: Path, rel: str) -> pd.DataFrame:
    raw = read_fingertips_raw(root / rel)
    ind = _FILE.fullmatch(Path(rel).name).group("id")
    other = sorted(set(raw["Indicator ID"].astype(str).str.strip()) - {ind})
    if other:
        raise DataError(f"The export of indicator {ind} holds other indicators.", file=rel, column="Indicator ID",
                        values=other, expected=f"only indicator {ind} (the number in the file name)")
    values = fingertips_values(raw, source=rel, keep_comparisons=True)
    values["value_note"] = england_comparison_note(values["value_note"], values["compared_to_england"]).to_numpy()
    return values[CANONICAL_COLUMNS["values"]]


def read(root: str | os.PathLike) -> PublishedSeries:
    """Every export in ``root``'s ``fingertips/api/`` as validated canonical values, with their indicators."""
    root = Path(root)
    files = data_files(root)
    table = indicators(root)
    if not files:
        raise DataError("No Fingertips exports in the data root.", file=PATTERN,
                        expected="files fingertips/api/<indicator id>_<area type id>.csv",
                        hint="fetch some: thanalysis data fingertips --indicator 90366")
    values = pd.concat([_read_file(root, rel) for rel in files], ignore_index=True)
    values = values.drop_duplicates(KEYS["values"], keep="first").reset_index(drop=True)
    values = validate("values", values, source=PATTERN, indicators=table)
    metadata = [f"{FOLDER}/metadata/{i}.{ext}" for i in table["indicator_id"] for ext in ("json", "csv")]
    dates = table["published"].dropna()
    return PublishedSeries(values=values, indicators=table,
                           files=[*files, *(m for m in metadata if (root / m).is_file())],
                           retrieved=dates.max().date() if len(dates) else None)


__all__ = ["read", "indicators", "data_files", "england_comparison_note", "indicator_metadata_rows",
           "read_indicator_metadata", "read_metadata_csv", "value_type", "polarity", "FOLDER", "PATTERN", "SOURCE"]
