"""Comparator groups from ``data/comparators.yml``: NEL, INEL, London, England, statistical neighbours, and the
synthetic demo's own groups, each a list of area codes or a role the home area gives it.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from thanalysis.config import project_data_file, read_yaml
from thanalysis.errors import ConfigError

#: Roles a home area can give a group (see data/comparators.yml).
COMPARATOR_ROLES = ("system", "inner_system", "region_las", "region", "country", "statistical_neighbours")


def load_comparators(path: str | os.PathLike | None = None) -> dict:
    """Read and check ``data/comparators.yml``: ``{"groups": {name: {...}}, "home_areas": {code: {role: group}}}``."""
    path = Path(path) if path is not None else project_data_file("comparators.yml")
    raw = read_yaml(path, "comparator groups file")
    if not isinstance(raw, dict) or not isinstance(raw.get("groups"), dict):
        raise ConfigError(f"{path}: expected a mapping with 'groups' (and optionally 'home_areas')")
    groups: dict[str, dict] = {}
    for name, entry in raw["groups"].items():
        where = f"{path}: group {name!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("codes"), list) or not entry["codes"]:
            raise ConfigError(f"{where}: expected 'codes', a non-empty list of area codes")
        codes = [str(c).strip() for c in entry["codes"]]
        if len(set(codes)) != len(codes):
            raise ConfigError(f"{where}: a code is listed twice")
        if str(name).lower() in groups:
            raise ConfigError(f"{where}: group names must be unique ignoring case")
        groups[str(name).lower()] = {**entry, "codes": codes}
    homes: dict[str, dict[str, str]] = {}
    for code, roles in (raw.get("home_areas") or {}).items():
        if not isinstance(roles, dict):
            raise ConfigError(f"{path}: home area {code!r}: expected role: group pairs")
        for role, group in roles.items():
            if role not in COMPARATOR_ROLES:
                raise ConfigError(f"{path}: home area {code!r}: unknown role {role!r}; expected one of "
                                  + ", ".join(COMPARATOR_ROLES))
            if str(group).lower() not in groups:
                raise ConfigError(f"{path}: home area {code!r}: role {role!r} names unknown group {group!r}")
        homes[str(code)] = {r: str(g).lower() for r, g in roles.items()}
    return {"groups": groups, "home_areas": homes, "path": path}


def comparator_group(name: str, store=None, *, path: str | os.PathLike | None = None) -> list[str]:
    """Area codes of a comparator group, by group name ("NEL", "INEL", "London", "England", ...) or, with a
    ``store``, by role for the store's home area ("system", "region_las", "statistical_neighbours", ...), so the
    same notebook compares Tower Hamlets with NEL on real data and the fictional borough with its neighbours on
    the demo."""
    config = load_comparators(path)
    key = str(name).lower()
    if key in config["groups"]:
        return list(config["groups"][key]["codes"])
    if store is not None:
        roles = config["home_areas"].get(str(store.home_area_code), {})
        if key in roles:
            return list(config["groups"][roles[key]]["codes"])
    known = sorted(config["groups"]) + (sorted(config["home_areas"].get(str(store.home_area_code), {}))
                                        if store is not None else [])
    raise ConfigError(f"{config['path']}: no comparator group or role {name!r}; known: {', '.join(known)}")


def comparator_groups(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """One row per group: name, title, number of areas, provisional flag and note."""
    config = load_comparators(path)
    rows = [{"group": n, "title": g.get("title", n), "areas": len(g["codes"]),
             "provisional": bool(g.get("provisional", False)), "note": str(g.get("note", "") or "").strip()}
            for n, g in config["groups"].items()]
    return pd.DataFrame(rows)
