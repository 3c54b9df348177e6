"""London's small areas from the open files, for :class:`~thanalysis.data.real.RealStore`: lookups and boundaries.

Functions on the frames the store has read (they read no file themselves):
- :func:`lsoa11_to_lsoa21`: the ONS LSOA 2011 → 2021 lookup completed from the overlap of the two boundary sets
  (the ONS file has one row per 2011 LSOA, so the other children of a split LSOA are missing), with weights;
- :func:`ward_geometries`: May 2022 wards from the council's TopoJSON where it covers a ward, else LSOA 2021
  polygons dissolved by their best-fit ward;
- :func:`codes_within`: which areas of a type lie inside another area, from the lookups;
- :func:`ccg_to_la`: CCGs named after exactly one local authority (NHS Tower Hamlets CCG → Tower Hamlets).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from thanalysis.data import readers
from thanalysis.errors import DataError

LONDON = "E12000007"
ENGLAND = "E92000001"


def pairs(child, child_type: str, parent, parent_type: str, weight=1.0) -> pd.DataFrame:
    """Rows of the canonical lookups table: ``child`` codes of ``child_type`` in ``parent`` codes of ``parent_type``."""
    return pd.DataFrame({"child_code": np.asarray(child), "child_type": child_type, "parent_code": np.asarray(parent),
                         "parent_type": parent_type, "weight": weight})


def lsoa11_to_lsoa21(ons: pd.DataFrame, g11, g21) -> pd.DataFrame:
    """LSOA 2011 → 2021 lookup rows with weights.

    ``ons`` has columns ``lsoa11``, ``lsoa21`` (the ONS file); ``g11``/``g21`` are the boundaries with columns
    ``lsoa11``/``lsoa21`` and ``geometry`` in a projected CRS. Each 2021 LSOA missing from the ONS file goes to
    the 2011 LSOA it overlaps most (in practice >90% of its area lies in that one); a split 2011 LSOA's weight to
    each child is the share of its area inside that child, and the weights of each 2011 LSOA add up to 1."""
    import geopandas as gpd  # a heavy import, only when the lookups are built

    ons = ons[ons["lsoa11"].isin(g11["lsoa11"]) & ons["lsoa21"].isin(g21["lsoa21"])]
    missing = g21[~g21["lsoa21"].isin(ons["lsoa21"])]
    if len(missing):
        inter = gpd.overlay(missing, g11, how="intersection", keep_geom_type=True)
        inter["overlap"] = inter.geometry.area
        best = inter.sort_values("overlap").drop_duplicates("lsoa21", keep="last")[["lsoa11", "lsoa21"]]
    else:
        best = ons.iloc[:0]
    found = pd.concat([ons, best], ignore_index=True).drop_duplicates()
    found["weight"] = 1.0
    split = found["lsoa11"].duplicated(keep=False).to_numpy()
    if split.any():
        sp = found[split]
        a = g11.set_index("lsoa11").geometry.reindex(sp["lsoa11"]).to_numpy()
        b = g21.set_index("lsoa21").geometry.reindex(sp["lsoa21"]).to_numpy()
        overlap = pd.Series(shapely.area(shapely.intersection(a, b)), index=sp.index)
        share = overlap / overlap.groupby(sp["lsoa11"]).transform("sum")
        found.loc[sp.index, "weight"] = share
        found = found[found["weight"] > 1e-3]
        found["weight"] = found["weight"] / found.groupby("lsoa11")["weight"].transform("sum")
    return pairs(found["lsoa11"], "lsoa11", found["lsoa21"], "lsoa21", found["weight"].to_numpy())


def ward_geometries(topo, ward_of_lsoa21: pd.DataFrame, lsoa21, codes: set[str] | None, within: str | None):
    """May 2022 ward polygons (storage CRS): ``topo`` (columns ``area_code``, ``geometry``) where it covers a ward,
    else the ``lsoa21`` polygons dissolved by the best-fit ward in ``ward_of_lsoa21`` (``lsoa21``, ``ward22``).
    ``codes`` limits the wards (None: all)."""
    import geopandas as gpd  # a heavy import, only when shapes are wanted

    w = ward_of_lsoa21
    if codes is not None:
        topo = topo[topo["area_code"].isin(codes)]
        w = w[w["ward22"].isin(codes)]
    w = w[~w["ward22"].isin(topo["area_code"])]
    parts = [topo.to_crs(readers.STORAGE_CRS)]
    if len(w):
        polys = lsoa21[["lsoa21", "geometry"]].merge(w[["lsoa21", "ward22"]], on="lsoa21")
        polys = gpd.GeoDataFrame(polys, geometry="geometry", crs=lsoa21.crs)
        dissolved = polys.dissolve(by="ward22", as_index=False)[["ward22", "geometry"]]
        parts.append(dissolved.rename(columns={"ward22": "area_code"}).to_crs(readers.STORAGE_CRS))
    g = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=readers.STORAGE_CRS)
    g = g.assign(area_type="ward22")[["area_code", "area_type", "geometry"]]
    if len(g) == 0:
        raise DataError(f"No ward polygons found inside {within}.", column="within", values=[within],
                        expected="a London local authority code")
    return g.sort_values("area_code").reset_index(drop=True)


def region_geometry(lad, region_code: str = LONDON):
    """One polygon for a region: the union of its local authorities' polygons ``lad``."""
    import geopandas as gpd  # a heavy import, only when shapes are wanted

    return gpd.GeoDataFrame({"area_code": [region_code]}, geometry=[lad.geometry.union_all()], crs=lad.crs)


def codes_within(lookups: pd.DataFrame, london_las: list[str], area_type: str, within: str) -> set[str] | None:
    """Codes of ``area_type`` inside ``within`` (None = no restriction, e.g. within London)."""
    if within in (LONDON, ENGLAND):
        return None
    lk = lookups
    if within in set(london_las) or within in set(lk.loc[lk["parent_type"] == "la", "parent_code"]):
        if area_type == "la":
            return {within}
        direct = lk[(lk["child_type"] == area_type) & (lk["parent_type"] == "la") & (lk["parent_code"] == within)]
        return set(direct["child_code"])
    direct = lk[(lk["child_type"] == area_type) & (lk["parent_code"] == within)]
    if len(direct):
        return set(direct["child_code"])
    raise DataError(f"No {area_type} areas are known inside {within}.", column="within", values=[within],
                    expected="a local authority code (e.g. E09000030), E12000007 (London), or an area that "
                             f"{area_type} areas nest in")


def _norm_name(s: pd.Series) -> pd.Series:
    """A name reduced for matching: "NHS Tower Hamlets CCG" and "Tower Hamlets" both give "tower hamlets"."""
    return (s.astype(str).str.lower().str.replace("&", "and", regex=False)
            .str.replace(r"^nhs\s+|\s+ccg$", "", regex=True).str.replace(r"[^a-z]+", " ", regex=True).str.strip())


def ccg_to_la(gp: pd.DataFrame, las: pd.DataFrame) -> pd.DataFrame:
    """``CCG_CODE, la`` for the CCGs of the GP practice mapping ``gp`` whose name is one local authority's name
    (``las``: ``area_code, area_name``); merged CCGs (City and Hackney, North Central London) match none."""
    ccgs = gp[["CCG_CODE", "CCG_NAME"]].drop_duplicates("CCG_CODE")
    key = pd.DataFrame({"la": las["area_code"], "key": _norm_name(las["area_name"])}).drop_duplicates("key")
    key = key[~key["key"].duplicated(keep=False)]
    ccgs = ccgs.assign(key=_norm_name(ccgs["CCG_NAME"]))
    return ccgs.merge(key, on="key", how="inner")[["CCG_CODE", "la"]]
