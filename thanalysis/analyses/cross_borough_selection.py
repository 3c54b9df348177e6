"""Which indicators the cross-borough report compares, by theme, from ``data/cross_borough.yml``.

- :func:`load_selection` – the themes (each a curated default list of indicator ids and the id prefixes that
  belong to it), the default Fingertips ids and the words that make a measure a crude prevalence;
- :func:`choose_indicators` – the report's indicators: the themes' defaults the data hold (``indicator_ids=None``),
  a list a reader gives, or ``"all"`` (every indicator with local-authority values: slow on the real data, whose
  published series are read only when asked for);
- :func:`theme_of` – the theme of each indicator (by its place in a theme's list, else by prefix, else "Other");
- :func:`is_crude_prevalence` – whether a measure carries the age-structure caveat.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from thanalysis.config import project_data_file, read_yaml
from thanalysis.errors import ConfigError

#: The theme of an indicator no theme claims.
OTHER_THEME = "other"
OTHER_TITLE = "Other indicators"
ALL = "all"


@dataclass(frozen=True)
class Theme:
    """One section of the report: its id, title, optional note, default ids and id prefixes."""

    id: str
    title: str
    ids: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Selection:
    """The contents of ``data/cross_borough.yml``."""

    themes: tuple[Theme, ...]
    fingertips_ids: tuple[str, ...]
    crude_value_types: tuple[str, ...] = ("proportion", "crude_rate")
    crude_words: tuple[str, ...] = field(default_factory=tuple)
    crude_not_words: tuple[str, ...] = field(default_factory=tuple)
    path: str = ""

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        return Theme(OTHER_THEME, OTHER_TITLE, ())


def _strings(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list")
    return tuple(str(v).strip() for v in value)


def load_selection(path: str | os.PathLike | None = None) -> Selection:
    """Read and check ``data/cross_borough.yml`` (see its header)."""
    path = Path(path) if path is not None else project_data_file("cross_borough.yml")
    raw = read_yaml(path, "cross-borough selection file")
    if not isinstance(raw, dict) or not isinstance(raw.get("themes"), list) or not raw["themes"]:
        raise ConfigError(f"{path}: expected 'themes', a non-empty list of themes")
    themes, seen = [], set()
    for k, entry in enumerate(raw["themes"], start=1):
        where = f"{path}: theme {k}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title"):
            raise ConfigError(f"{where}: each theme needs an id and a title")
        tid = str(entry["id"])
        if tid in seen or tid == OTHER_THEME:
            raise ConfigError(f"{where}: theme id {tid!r} is used twice or reserved")
        seen.add(tid)
        themes.append(Theme(tid, str(entry["title"]), _strings(entry.get("ids"), f"{where} ids"),
                            _strings(entry.get("prefixes"), f"{where} prefixes"),
                            " ".join(str(entry.get("note") or "").split())))
    crude = raw.get("crude_prevalence") or {}
    if not isinstance(crude, dict):
        raise ConfigError(f"{path}: crude_prevalence: expected value_types and words")
    return Selection(tuple(themes), _strings(raw.get("fingertips_ids"), f"{path}: fingertips_ids"),
                     _strings(crude.get("value_types"), f"{path}: crude_prevalence value_types") or
                     ("proportion", "crude_rate"),
                     tuple(w.lower() for w in _strings(crude.get("words"), f"{path}: crude_prevalence words")),
                     tuple(w.lower() for w in _strings(crude.get("not_words"), f"{path}: crude_prevalence not_words")),
                     str(path))


def theme_of(selection: Selection, indicator_ids) -> dict[str, str]:
    """Indicator id → theme id: the theme whose list holds it, else the first whose prefix it starts with, else
    :data:`OTHER_THEME`."""
    listed = {i: t.id for t in reversed(selection.themes) for i in t.ids}
    out = {}
    for i in map(str, indicator_ids):
        out[i] = listed.get(i) or next((t.id for t in selection.themes if any(i.startswith(p) for p in t.prefixes)),
                                       OTHER_THEME)
    return out


def default_ids(selection: Selection, known: set[str]) -> list[str]:
    """The themes' default ids that ``known`` holds, in theme order (each once)."""
    return list(dict.fromkeys(i for t in selection.themes for i in t.ids if i in known))


def choose_indicators(selection: Selection, indicators: pd.DataFrame, indicator_ids=None) -> tuple[list[str], str]:
    """(indicator ids, how they were chosen) for the report.

    ``None``: the themes' default ids the data hold, or, when the data hold none of them (a store the file was not
    written for), every indicator; ``"all"``: every indicator; a list: those ids (checked by the store later)."""
    known = set(indicators["indicator_id"].astype(str))
    if indicator_ids is None:
        ids = default_ids(selection, known)
        if ids:
            return ids, f"the default indicators of each theme in {Path(selection.path).name}"
        return sorted(known), f"every indicator (none of the defaults in {Path(selection.path).name} is in the data)"
    if isinstance(indicator_ids, str):
        if indicator_ids.strip().lower() == ALL:
            return sorted(known), "every indicator in the data (indicator_ids='all')"
        indicator_ids = [s for s in indicator_ids.split(",") if s.strip()]
    return [str(i).strip() for i in indicator_ids], "the indicators asked for (indicator_ids)"


def is_crude_prevalence(selection: Selection, value_type: str, name: str) -> bool:
    """Whether a measure is a crude prevalence or crude rate of a condition (the age-structure caveat applies)."""
    text = str(name).lower()
    return (str(value_type) in selection.crude_value_types and any(w in text for w in selection.crude_words)
            and not any(w in text for w in selection.crude_not_words))


__all__ = ["Theme", "Selection", "load_selection", "theme_of", "default_ids", "choose_indicators",
           "is_crude_prevalence", "OTHER_THEME", "OTHER_TITLE", "ALL"]
