"""Places: area names, the localities of a borough, and a locality found by its code or name.

Localities come from the store's own tables where it has them (the synthetic demo), else from the project's
editable ward → locality file ``data/localities/<area_code>.csv``. Every report and the build's plan ask
these functions; nothing else reads the locality files or builds a code → name map.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.config import project_data_file
from thanalysis.errors import ConfigError, DataError

LOCALITY_COLUMNS = ["ward22_code", "ward22_name", "locality_code", "locality_name"]


def locality_file(area_code: str, directory: str | os.PathLike | None = None) -> Path:
    """Where the ward → locality file of a borough lives: ``data/localities/<area_code>.csv``."""
    base = Path(directory) if directory is not None else project_data_file("localities")
    return base / f"{area_code}.csv"


def localities_for(area_code: str, directory: str | os.PathLike | None = None) -> pd.DataFrame | None:
    """The borough's ward → locality table (``ward22_code, ward22_name, locality_code, locality_name``), or
    ``None`` if there is no locality file for this borough (callers say so in the report)."""
    path = locality_file(area_code, directory)
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the locality file ({exc})") from None
    missing = [c for c in LOCALITY_COLUMNS if c not in df.columns]
    if missing:
        raise ConfigError(f"{path}: missing column(s) {', '.join(missing)}; expected {', '.join(LOCALITY_COLUMNS)}")
    df = df[LOCALITY_COLUMNS].apply(lambda s: s.str.strip())
    blank = df[["ward22_code", "locality_code", "locality_name"]].eq("").any(axis=1)
    if blank.any():
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(blank)[:10])
        raise ConfigError(f"{path}: blank ward or locality in data row(s) {rows}; every ward needs a locality")
    dup = df["ward22_code"].duplicated(keep=False)
    if dup.any():
        raise ConfigError(f"{path}: ward(s) listed more than once: {', '.join(sorted(set(df.loc[dup, 'ward22_code'])))}"
                          "; each ward belongs to exactly one locality")
    names = df.groupby("locality_code")["locality_name"].nunique()
    if (names > 1).any():
        raise ConfigError(f"{path}: locality code(s) {', '.join(names[names > 1].index)} have more than one name")
    return df.sort_values("ward22_code").reset_index(drop=True)


def locality_tables(area_code: str, directory: str | os.PathLike | None = None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The locality file as canonical rows: (areas for the localities, lookups ward22→locality and locality→la),
    for a store to add to its own tables; ``None`` if the borough has no locality file."""
    loc = localities_for(area_code, directory)
    if loc is None:
        return None
    locs = loc.drop_duplicates("locality_code").sort_values("locality_code")
    areas = pd.DataFrame({"area_code": locs["locality_code"], "area_name": locs["locality_name"],
                          "area_type": "locality"}).reset_index(drop=True)
    lookups = pd.concat([
        pd.DataFrame({"child_code": loc["ward22_code"], "child_type": "ward22", "parent_code": loc["locality_code"],
                      "parent_type": "locality", "weight": 1.0}),
        pd.DataFrame({"child_code": locs["locality_code"], "child_type": "locality", "parent_code": str(area_code),
                      "parent_type": "la", "weight": 1.0}),
    ], ignore_index=True)
    return areas, lookups


# --------------------------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------------------------
def area_names(store) -> dict[str, str]:
    """Code → name for every area of the store (the first name listed where a code has several types)."""
    def build() -> dict[str, str]:
        areas = store.areas()
        names: dict[str, str] = {}
        for code, name in zip(areas["area_code"].astype(str), areas["area_name"].astype(str)):
            names.setdefault(code, name)
        return names

    return store.cached(("places", "area_names"), build)


def area_name(store, area_code: str, *, default: str | None = None) -> str:
    """The name of an area of any type, including a locality known only from its locality file.

    An unknown code gives ``default`` when one is given, else a :class:`DataError` naming the code."""
    code = str(area_code)
    names = area_names(store)
    if code in names:
        return names[code]
    loc = localities_for(code.split("-")[0]) if "-" in code else None
    if loc is not None and (loc["locality_code"] == code).any():
        return str(loc.loc[loc["locality_code"] == code, "locality_name"].iloc[0])
    if default is not None:
        return default
    raise DataError(f"Area {code!r} is not known to this data.", column="area_code", values=[code],
                    expected="a code from the store's areas table, e.g. the home borough "
                             f"{store.home_area_code}")


# --------------------------------------------------------------------------------------------------------------
# The localities of a borough
# --------------------------------------------------------------------------------------------------------------
def localities(store, area_code: str) -> pd.DataFrame | None:
    """The borough's wards and their localities: ``ward22_code, ward22_name, locality_code, locality_name``.

    From the store's own tables when it has localities in this borough (the demo), else from the project's
    locality file; ``None`` when the borough has no localities (the report then says so)."""
    def build() -> pd.DataFrame | None:
        lk = store.lookups()
        inside = lk.loc[(lk["child_type"] == "locality") & (lk["parent_type"] == "la")
                        & (lk["parent_code"].astype(str) == str(area_code)), "child_code"].astype(str)
        if len(inside):
            wards = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")
                       & lk["parent_code"].astype(str).isin(set(inside))]
            names = store.areas().drop_duplicates(["area_code", "area_type"])
            ward_names = names[names["area_type"] == "ward22"].set_index("area_code")["area_name"]
            loc_names = names[names["area_type"] == "locality"].set_index("area_code")["area_name"]
            out = pd.DataFrame({"ward22_code": wards["child_code"].astype(str).to_numpy(),
                                "locality_code": wards["parent_code"].astype(str).to_numpy()})
            out["ward22_name"] = out["ward22_code"].map(ward_names).fillna(out["ward22_code"])
            out["locality_name"] = out["locality_code"].map(loc_names).fillna(out["locality_code"])
            return (out[LOCALITY_COLUMNS].sort_values(["locality_code", "ward22_code"]).reset_index(drop=True))
        table = localities_for(str(area_code))
        if table is None:
            return None
        return table.sort_values(["locality_code", "ward22_code"]).reset_index(drop=True)

    found = store.cached(("places", "localities", str(area_code)), build)
    return None if found is None else found.copy()


def locality_list(store, area_code: str) -> pd.DataFrame:
    """One row per locality of the borough (``locality_code, locality_name, wards``); empty if none."""
    loc = localities(store, area_code)
    if loc is None:
        return pd.DataFrame(columns=["locality_code", "locality_name", "wards"])
    return (loc.groupby(["locality_code", "locality_name"], as_index=False).size()
            .rename(columns={"size": "wards"}).sort_values("locality_code").reset_index(drop=True))


def locality_names(store, area_code: str) -> dict[str, str]:
    """Locality code → name for the borough, in code order; empty if it has no localities."""
    table = locality_list(store, area_code)
    return dict(zip(table["locality_code"].astype(str), table["locality_name"].astype(str)))


def resolve_locality(store, area_code: str, locality: str | None) -> tuple[str, str] | None:
    """(code, name) of the requested locality (``None`` → the first, in code order); ``None`` if the borough has
    no localities. An unknown locality is an error listing the known ones (codes or names are accepted)."""
    table = locality_list(store, area_code)
    if table.empty:
        return None
    if locality is None or str(locality).strip() == "":
        row = table.iloc[0]
        return str(row["locality_code"]), str(row["locality_name"])
    wanted = str(locality).strip()
    hit = table[(table["locality_code"] == wanted) | (table["locality_name"].str.lower() == wanted.lower())]
    if hit.empty:
        raise DataError(f"Locality {wanted!r} is not one of the localities of {area_code}.", column="locality",
                        values=[wanted], expected="one of: " + ", ".join(
                            f"{c} ({n})" for c, n in zip(table["locality_code"], table["locality_name"])))
    return str(hit.iloc[0]["locality_code"]), str(hit.iloc[0]["locality_name"])


def locality_wards(store, area_code: str, locality: str) -> pd.DataFrame:
    """The wards of one locality: ``ward22_code, ward22_name`` (sorted by name)."""
    loc = localities(store, area_code)
    if loc is None:
        raise DataError(f"Borough {area_code} has no locality file, so it has no localities.", column="locality",
                        values=[locality], expected=f"a file data/localities/{area_code}.csv")
    code = resolve_locality(store, area_code, locality)[0]
    return (loc.loc[loc["locality_code"] == code, ["ward22_code", "ward22_name"]]
            .sort_values("ward22_name").reset_index(drop=True))
