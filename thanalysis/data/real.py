"""The real open data: canonical tables built from the files listed in ``data/sources.yml``.

``RealStore(root, home_area_code="E09000030")`` works for any London borough: small-area tables
(LSOA 2011/2021, MSOA 2021, wards 2022) cover all of London; local-authority tables cover every local
authority in the source files (for comparators). Each table is built once per store from files read once per
process (``functools.lru_cache`` keyed on path and modification time), validated with its pandera schema,
and every file read is recorded for provenance.

Choices that matter for analysts (each also said where it is made below):
- LSOA 2011 → 2021: the ONS lookup has one row per 2011 LSOA, so the other children of split LSOAs are
  missing. They are added from the overlap of the two London boundary sets (each missing 2021 LSOA goes to the
  2011 LSOA it overlaps most), and a split 2011 LSOA's weight to each child is the share of its area that lies
  in that child. The weights of each 2011 LSOA add up to 1.
- Wards (May 2022): Tower Hamlets' polygons come from the council's TopoJSON; other boroughs' wards are
  built by dissolving LSOA 2021 polygons by their best-fit ward (GLA lookup), so their edges follow LSOAs.
- Census 2021 shares are computed from counts with Wilson 95% and 99.8% intervals; IMD 2019 values are as
  published (LSOA 2011, no intervals); Fingertips and QOF values are as published.
"""
from __future__ import annotations

import os
import re
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.data import readers
from thanalysis.data.catalogue import Catalogue, Dataset, load_catalogue
from thanalysis.data.schemas import validate
from thanalysis.data.store import Store
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

HOME_AREA = "E09000030"  # Tower Hamlets
LONDON = "E12000007"
ENGLAND = "E92000001"
CENSUS_DAY = pd.Timestamp("2021-03-21")
CENSUS_PERIOD = "2021"
QOF_NOTE = "Modelled: practice registers apportioned to residents' local authority (House of Commons Library)"


# --- reading (cached per process) -----------------------------------------------------------------------------
def _freeze(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in value}


@lru_cache(maxsize=96)
def _read_cached(path: str, mtime: float, size: int, reader_name: str, options: tuple):
    """Read one file once per process (the key includes mtime and size, so a changed file is read again)."""
    return readers.reader(reader_name)(path, **_thaw(options))


@lru_cache(maxsize=256)
def _sha256_cached(path: str, mtime: float, size: int) -> str:
    from thanalysis.data.store import sha256_file

    return sha256_file(path)


def looks_like_real_root(root: str | os.PathLike, catalogue: Catalogue | None = None) -> bool:
    """True if ``root`` holds every *core* file of the catalogue (boundaries, lookups, IMD, Census, ...)."""
    root = Path(root)
    if not root.is_dir():
        return False
    cat = catalogue or load_catalogue()
    return all(root.joinpath(f).is_file() for ds in cat.core() for f in ds.files)


def _wilson(count: np.ndarray, denominator: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits on the 0-1 scale: the stats module's if present, else the same formula here."""
    try:
        from thanalysis.stats.intervals import wilson_ci
    except ImportError:  # pragma: no cover - the stats module ships with the package
        wilson_ci = None
    if wilson_ci is not None:
        lower, upper = wilson_ci(count, denominator, confidence=level)
        return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    from scipy.stats import norm

    # Wilson (1927) as in the PHE technical guide: (2x + z² ∓ z√(z² + 4x(1 − x/n))) / (2(n + z²)).
    x, n = np.asarray(count, dtype=float), np.asarray(denominator, dtype=float)
    z = float(norm.ppf(1 - (1 - level) / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        return (2 * x + z * z - spread) / (2 * (n + z * z)), (2 * x + z * z + spread) / (2 * (n + z * z))


def _census_age_band(column: str) -> str | None:
    """TS007A column → age band label: "Age: Aged 4 years and under" → "0-4", "... 85 years and over" → "85+"."""
    m = re.match(r"^Age: Aged (\d+) to (\d+) years$", column)
    if m:
        return f"{m.group(1)}-{m.group(2)}"
    m = re.match(r"^Age: Aged (\d+) years and under$", column)
    if m:
        return f"0-{m.group(1)}"
    m = re.match(r"^Age: Aged (\d+) years and over$", column)
    if m:
        return f"{m.group(1)}+"
    return None


def _norm_name(s: pd.Series) -> pd.Series:
    return (s.astype(str).str.lower().str.replace("&", "and", regex=False)
            .str.replace(r"^nhs\s+|\s+ccg$", "", regex=True).str.replace(r"[^a-z]+", " ", regex=True).str.strip())


class RealStore(Store):
    """Canonical tables from a data root of real open-data files (see the module docstring)."""

    def __init__(self, root: str | os.PathLike, home_area_code: str = HOME_AREA,
                 catalogue: Catalogue | None = None) -> None:
        super().__init__(root=Path(root).resolve(), kind="real")
        self._home = home_area_code
        self.catalogue = catalogue or load_catalogue()
        self._tables: dict[str, object] = {}

    # --- identity ---------------------------------------------------------------------------------------------
    @property
    def data_statement(self) -> str:
        return ("Open data published by the Office for National Statistics, the Ministry of Housing, Communities and "
                "Local Government, the Office for Health Improvement and Disparities (Fingertips), NHS Digital, the "
                "Greater London Authority, the House of Commons Library and LB Tower Hamlets, under the Open "
                "Government Licence v3.0 (and Open Parliament Licence / CC-BY-4.0 where stated); files and checksums "
                "are listed under Sources.")

    @property
    def home_area_code(self) -> str:
        return self._home

    # --- files ------------------------------------------------------------------------------------------------
    def _load(self, dataset_id: str, **extra):
        """Read a catalogue dataset (cached) and record its files for provenance."""
        ds = self.catalogue[dataset_id]
        path = ds.path(self.root)
        readers.check_file(path, what=f"file for dataset {ds.id}")
        opts = ds.reader_options()
        opts.update(extra)
        st = path.stat()
        data = _read_cached(str(path), st.st_mtime, st.st_size, ds.reader, _freeze(opts))
        for rel in ds.files:
            self._record(ds, rel)
        return data

    def _record(self, ds: Dataset, rel: str) -> None:
        if rel in self._read:
            return
        path = self.root.joinpath(rel)
        if not path.is_file():
            raise DataError(f"A companion file of dataset {ds.id} is missing.", file=rel,
                            expected=f"all of: {', '.join(ds.files)}",
                            hint="run `thanalysis data fetch` to fill the data root")
        st = path.stat()
        # Store.record_source would hash again for every new store; the hash is cached per file version here.
        from thanalysis.data.store import SourceFile

        self._read[rel] = SourceFile(dataset=ds.id, path=rel, sha256=_sha256_cached(str(path), st.st_mtime, st.st_size),
                                     publisher=ds.publisher, licence=ds.licence, url=ds.url)

    def _source(self, dataset_id: str) -> str:
        return self.catalogue[dataset_id].file

    def _geo(self, dataset_id: str):
        """A boundary dataset in its own CRS (British National Grid for the London files)."""
        return self._load(dataset_id, to_storage=False)

    def _cached(self, key: str, build):
        if key not in self._tables:
            self._tables[key] = build()
        return self._tables[key]

    # --- London small areas -----------------------------------------------------------------------------------
    @cached_property
    def _lsoa21(self) -> pd.DataFrame:
        g = self._geo("boundaries_london_lsoa21")
        return g.rename(columns={"LSOA21CD": "lsoa21", "LSOA21NM": "lsoa21_name", "MSOA21CD": "msoa21",
                                 "MSOA21NM": "msoa21_name", "LAD22CD": "la", "LAD22NM": "la_name"})

    @cached_property
    def _lsoa11(self) -> pd.DataFrame:
        g = self._geo("boundaries_london_lsoa11")
        return g.rename(columns={"LSOA11CD": "lsoa11", "LSOA11NM": "lsoa11_name", "LAD11CD": "la"})

    @cached_property
    def london_las(self) -> list[str]:
        """The 33 London local authority codes (from the LSOA 2021 boundaries)."""
        return sorted(self._lsoa21["la"].unique())

    @cached_property
    def _ward_of_lsoa21(self) -> pd.DataFrame:
        """Best-fit May 2022 ward of each London LSOA 2021 (GLA lookup), with ward names."""
        ds = self.catalogue["lookup_lsoa21_ward22_gla"]
        bf = self._load(ds.id)
        bf = bf.rename(columns={ds.column_for("child_code"): "lsoa21", ds.column_for("parent_code"): "ward22",
                                ds.column_for("parent_name"): "ward22_name"})
        out = self._lsoa21[["lsoa21", "la"]].merge(bf[["lsoa21", "ward22", "ward22_name"]], on="lsoa21", how="left")
        if out["ward22"].isna().any():
            missing = out.loc[out["ward22"].isna(), "lsoa21"].head(10).tolist()
            raise DataError("Some London LSOA 2021 codes have no ward in the best-fit lookup.", file=ds.file,
                            column=ds.column_for("child_code"), values=missing,
                            expected="a ward for every LSOA 2021 in the London boundaries")
        return out

    @cached_property
    def _ward_la(self) -> pd.DataFrame:
        """Each ward's local authority: the authority of its LSOAs (wards nest in authorities)."""
        w = self._ward_of_lsoa21
        counts = w.groupby(["ward22", "la"], as_index=False).size().sort_values("size", ascending=False)
        return counts.drop_duplicates("ward22")[["ward22", "la"]]

    @cached_property
    def _ccg_la(self) -> pd.DataFrame:
        """CCG → local authority where the CCG is named after exactly one authority (e.g. NHS Tower Hamlets CCG).

        NHS Digital's practice mapping gives CCGs, not local authorities; in September 2020 several London CCGs
        covered one borough each (Tower Hamlets 08V, Newham 08M, ...) while merged ones (e.g. City and Hackney,
        North Central London) cannot be assigned to one authority and are left out.
        """
        gp = self._load("gp_practice_mapping_sep2020")
        ccgs = gp[["CCG_CODE", "CCG_NAME"]].drop_duplicates("CCG_CODE")
        las = self._la_names
        key = pd.DataFrame({"la": las["area_code"], "key": _norm_name(las["area_name"])}).drop_duplicates("key")
        key = key[~key["key"].duplicated(keep=False)]
        ccgs = ccgs.assign(key=_norm_name(ccgs["CCG_NAME"]))
        return ccgs.merge(key, on="key", how="inner")[["CCG_CODE", "la"]]

    @cached_property
    def _la_names(self) -> pd.DataFrame:
        """Local authorities named in the sources (Census LTLA file first, then QOF, Fingertips, London LAD22)."""
        parts = []
        ds = self.catalogue["census21_ts007a_ltla"]
        t = self._load(ds.id)
        parts.append(pd.DataFrame({"area_code": t[ds.column_for("area_code")], "area_name": t[ds.column_for("area_name")]}))
        lad = self._geo("boundaries_london_lad22")
        parts.append(pd.DataFrame({"area_code": lad["LAD22CD"], "area_name": lad["LAD22NM"]}))
        ds = self.catalogue["hoc_qof_prevalence_lad"]
        q = self._load(ds.id)
        parts.append(pd.DataFrame({"area_code": q[ds.column_for("area_code")], "area_name": q[ds.column_for("area_name")]}))
        ft = self._fingertips_raw()
        la = ft[ft["area_type"] == "la"]
        parts.append(pd.DataFrame({"area_code": la["area_code"], "area_name": la["area_name"]}))
        return pd.concat(parts, ignore_index=True).drop_duplicates("area_code").reset_index(drop=True)

    # --- areas ------------------------------------------------------------------------------------------------
    def areas(self) -> pd.DataFrame:
        """All areas the store knows: London LSOAs/MSOAs/wards, local authorities, London, England, PCNs, practices."""
        return self._cached("areas", self._build_areas)

    def _build_areas(self) -> pd.DataFrame:
        l21, l11 = self._lsoa21, self._lsoa11
        w = self._ward_of_lsoa21.drop_duplicates("ward22")
        gp = self._load("gp_practice_mapping_sep2020")
        pcn = gp[gp["PCN_CODE"].notna() & (gp["PCN_CODE"] != "U")].drop_duplicates("PCN_CODE")
        ft = self._fingertips_raw()
        ft_other = ft[~ft["area_type"].isin(["la"])].drop_duplicates(["area_code", "area_type"])
        parts = [
            pd.DataFrame({"area_code": l11["lsoa11"], "area_name": l11["lsoa11_name"], "area_type": "lsoa11"}),
            pd.DataFrame({"area_code": l21["lsoa21"], "area_name": l21["lsoa21_name"], "area_type": "lsoa21"}),
            pd.DataFrame({"area_code": l21["msoa21"], "area_name": l21["msoa21_name"], "area_type": "msoa21"})
            .drop_duplicates("area_code"),
            pd.DataFrame({"area_code": w["ward22"], "area_name": w["ward22_name"], "area_type": "ward22"}),
            self._la_names.assign(area_type="la"),
            pd.DataFrame({"area_code": [LONDON, ENGLAND], "area_name": ["London", "England"],
                          "area_type": ["region", "country"]}),
            pd.DataFrame({"area_code": ft_other["area_code"], "area_name": ft_other["area_name"],
                          "area_type": ft_other["area_type"]}),
            pd.DataFrame({"area_code": pcn["PCN_CODE"], "area_name": pcn["PCN_NAME"], "area_type": "pcn"}),
            pd.DataFrame({"area_code": gp["PRACTICE_CODE"], "area_name": gp["PRACTICE_NAME"], "area_type": "practice"}),
        ]
        out = pd.concat(parts, ignore_index=True).drop_duplicates(["area_code", "area_type"])
        return validate("areas", out, source="areas (London boundaries, lookups, Census, QOF, Fingertips, GP mapping)")

    # --- lookups ----------------------------------------------------------------------------------------------
    def lookups(self) -> pd.DataFrame:
        """Child → parent pairs with weights (see the module docstring for LSOA 2011 → 2021)."""
        return self._cached("lookups", self._build_lookups)

    @staticmethod
    def _pairs(child, child_type, parent, parent_type, weight=1.0) -> pd.DataFrame:
        return pd.DataFrame({"child_code": np.asarray(child), "child_type": child_type, "parent_code": np.asarray(parent),
                             "parent_type": parent_type, "weight": weight})

    def lsoa11_to_lsoa21(self) -> pd.DataFrame:
        """LSOA 2011 → LSOA 2021 for London with weights (ONS lookup + boundary overlap for split LSOAs)."""
        return self._cached("lsoa11_lsoa21", self._build_lsoa11_lsoa21)

    def _build_lsoa11_lsoa21(self) -> pd.DataFrame:
        import geopandas as gpd
        import shapely

        ds = self.catalogue["lookup_lsoa11_lsoa21_lad22"]
        ons = self._load(ds.id)
        ons = pd.DataFrame({"lsoa11": ons[ds.column_for("child_code")], "lsoa21": ons[ds.column_for("parent_code")]})
        g11 = self._lsoa11[["lsoa11", "geometry"]]
        g21 = self._lsoa21[["lsoa21", "geometry"]]
        ons = ons[ons["lsoa11"].isin(g11["lsoa11"]) & ons["lsoa21"].isin(g21["lsoa21"])]
        missing = g21[~g21["lsoa21"].isin(ons["lsoa21"])]
        # The ONS file lists each 2011 LSOA once, so the other children of a split are absent: give each absent
        # 2021 LSOA to the 2011 LSOA it overlaps most (in practice >90% of its area lies in that one).
        if len(missing):
            inter = gpd.overlay(missing, g11, how="intersection", keep_geom_type=True)
            inter["overlap"] = inter.geometry.area
            best = inter.sort_values("overlap").drop_duplicates("lsoa21", keep="last")[["lsoa11", "lsoa21"]]
        else:
            best = ons.iloc[:0]
        pairs = pd.concat([ons, best], ignore_index=True).drop_duplicates()
        pairs["weight"] = 1.0
        split = pairs["lsoa11"].duplicated(keep=False).to_numpy()
        if split.any():
            # Weight of a split 2011 LSOA to each child: the share of its area inside that child.
            sp = pairs[split]
            a = g11.set_index("lsoa11").geometry.reindex(sp["lsoa11"]).to_numpy()
            b = g21.set_index("lsoa21").geometry.reindex(sp["lsoa21"]).to_numpy()
            overlap = pd.Series(shapely.area(shapely.intersection(a, b)), index=sp.index)
            share = overlap / overlap.groupby(sp["lsoa11"]).transform("sum")
            pairs.loc[sp.index, "weight"] = share
            pairs = pairs[pairs["weight"] > 1e-3]
            pairs["weight"] = pairs["weight"] / pairs.groupby("lsoa11")["weight"].transform("sum")
        return self._pairs(pairs["lsoa11"], "lsoa11", pairs["lsoa21"], "lsoa21", pairs["weight"].to_numpy())

    def _build_lookups(self) -> pd.DataFrame:
        l21, l11 = self._lsoa21, self._lsoa11
        w = self._ward_of_lsoa21
        ds = self.catalogue["lookup_lsoa11_ward22_gla"]
        bf11 = self._load(ds.id)
        bf11 = bf11[bf11[ds.column_for("child_code")].isin(l11["lsoa11"])]
        ds_m = self.catalogue["lookup_msoa21_lad23"]
        m = self._load(ds_m.id)
        m = m[m[ds_m.column_for("child_code")].isin(l21["msoa21"])]
        areas = self.areas()
        las = areas.loc[areas["area_type"] == "la", "area_code"]
        english_las = las[las.str.startswith("E")]
        gp = self._load("gp_practice_mapping_sep2020")
        gp = gp[gp["PCN_CODE"].notna() & (gp["PCN_CODE"] != "U")]
        ccg_la = self._ccg_la
        pcn_la = (gp[["PCN_CODE", "CCG_CODE"]].merge(ccg_la, on="CCG_CODE")
                  .groupby(["PCN_CODE", "la"], as_index=False).size().sort_values("size", ascending=False)
                  .drop_duplicates("PCN_CODE"))
        parts = [
            self.lsoa11_to_lsoa21(),
            self._pairs(w["lsoa21"], "lsoa21", w["ward22"], "ward22"),
            self._pairs(bf11[ds.column_for("child_code")], "lsoa11", bf11[ds.column_for("parent_code")], "ward22"),
            self._pairs(l21["lsoa21"], "lsoa21", l21["msoa21"], "msoa21"),
            self._pairs(l21["lsoa21"], "lsoa21", l21["la"], "la"),
            self._pairs(l11["lsoa11"], "lsoa11", l11["la"], "la"),
            self._pairs(m[ds_m.column_for("child_code")], "msoa21", m[ds_m.column_for("parent_code")], "la"),
            self._pairs(self._ward_la["ward22"], "ward22", self._ward_la["la"], "la"),
            self._pairs(self.london_las, "la", [LONDON] * len(self.london_las), "region"),
            self._pairs([LONDON], "region", [ENGLAND], "country"),
            self._pairs(english_las, "la", [ENGLAND] * len(english_las), "country"),
            self._pairs(gp["PRACTICE_CODE"], "practice", gp["PCN_CODE"], "pcn"),
            self._pairs(pcn_la["PCN_CODE"], "pcn", pcn_la["la"], "la"),
        ]
        out = pd.concat(parts, ignore_index=True)
        return validate("lookups", out, source="lookups (ONS, GLA and NHS Digital lookup files, boundary overlap)")

    # --- geometries -------------------------------------------------------------------------------------------
    def geometries(self, area_type: str, within: str | None = None):
        """Polygons of ``area_type`` in EPSG:4326, optionally only those inside area ``within`` (e.g. an LA code)."""
        key = f"geometries:{area_type}:{within}"
        return self._cached(key, lambda: self._build_geometries(area_type, within))

    def _codes_within(self, area_type: str, within: str) -> set[str] | None:
        """Codes of ``area_type`` inside ``within`` (None = no restriction, e.g. within London)."""
        if within in (LONDON, ENGLAND):
            return None
        lk = self.lookups()
        if within in set(self.london_las) or within in set(lk.loc[lk["parent_type"] == "la", "parent_code"]):
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

    def _build_geometries(self, area_type: str, within: str | None):
        import geopandas as gpd

        codes = self._codes_within(area_type, within) if within else None
        if area_type == "lsoa21":
            g = self._lsoa21.rename(columns={"lsoa21": "area_code"})
            source = self._source("boundaries_london_lsoa21")
        elif area_type == "lsoa11":
            g = self._lsoa11.rename(columns={"lsoa11": "area_code"})
            source = self._source("boundaries_london_lsoa11")
        elif area_type == "msoa21":
            g = self._geo("boundaries_london_msoa21").rename(columns={"MSOA21CD": "area_code"})
            source = self._source("boundaries_london_msoa21")
        elif area_type == "la":
            g = self._geo("boundaries_london_lad22").rename(columns={"LAD22CD": "area_code"})
            source = self._source("boundaries_london_lad22")
        elif area_type == "ward22":
            return self._ward_geometries(codes, within)
        elif area_type == "region":
            lad = self._geo("boundaries_london_lad22")
            g = gpd.GeoDataFrame({"area_code": [LONDON]}, geometry=[lad.geometry.union_all()], crs=lad.crs)
            source = self._source("boundaries_london_lad22")
        else:
            raise DataError(f"The open data holds no boundaries for area type {area_type!r}.", column="area_type",
                            values=[area_type], expected="one of lsoa11, lsoa21, msoa21, ward22, la, region")
        if codes is not None:
            g = g[g["area_code"].isin(codes)]
        g = g.assign(area_type=area_type)[["area_code", "area_type", "geometry"]].to_crs(readers.STORAGE_CRS)
        return validate("geometries", g, source=source)

    def _ward_geometries(self, codes: set[str] | None, within: str | None):
        """May 2022 wards: the council TopoJSON where it covers a ward, else LSOA 2021 polygons dissolved by ward."""
        import geopandas as gpd

        ds = self.catalogue["boundaries_th_wards22"]
        topo = self._load(ds.id)
        topo = topo.rename(columns={ds.column_for("area_code"): "area_code"})[["area_code", "geometry"]]
        w = self._ward_of_lsoa21
        if codes is not None:
            topo = topo[topo["area_code"].isin(codes)]
            w = w[w["ward22"].isin(codes)]
        w = w[~w["ward22"].isin(topo["area_code"])]
        parts = [topo.to_crs(readers.STORAGE_CRS)]
        if len(w):
            polys = self._lsoa21[["lsoa21", "geometry"]].merge(w[["lsoa21", "ward22"]], on="lsoa21")
            polys = gpd.GeoDataFrame(polys, geometry="geometry", crs=self._lsoa21.crs)
            dissolved = polys.dissolve(by="ward22", as_index=False)[["ward22", "geometry"]]
            parts.append(dissolved.rename(columns={"ward22": "area_code"}).to_crs(readers.STORAGE_CRS))
        g = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=readers.STORAGE_CRS)
        g = g.assign(area_type="ward22")[["area_code", "area_type", "geometry"]]
        if len(g) == 0:
            raise DataError(f"No ward polygons found inside {within}.", column="within", values=[within],
                            expected="a London local authority code")
        return validate("geometries", g.sort_values("area_code").reset_index(drop=True),
                        source=f"{ds.file} + {self._source('boundaries_london_lsoa21')} dissolved by ward")

    # --- indicators -------------------------------------------------------------------------------------------
    def indicators(self) -> pd.DataFrame:
        """Indicator metadata from data/sources.yml (source and licence from the publishing dataset)."""
        return self._cached("indicators", self._build_indicators)

    def _build_indicators(self) -> pd.DataFrame:
        rows = []
        for ind in self.catalogue.indicators:
            ds = self.catalogue[ind["datasets"][0]]
            rows.append({k: ind[k] for k in ("indicator_id", "name", "value_type", "multiplier", "unit", "polarity",
                                             "frequency")} | {"source": ds.publisher, "licence": ds.licence})
        return validate("indicators", pd.DataFrame(rows), source=str(self.catalogue.path))

    # --- values -----------------------------------------------------------------------------------------------
    _FAMILIES = ("census", "imd", "fingertips", "qof")

    def _family_of(self, ind: dict) -> str:
        ds = ind["datasets"][0]
        if ds.startswith("census21_"):
            return "census"
        if ds.startswith("imd2019_"):
            return "imd"
        if ds.startswith("fingertips_"):
            return "fingertips"
        if ds.startswith("hoc_qof"):
            return "qof"
        raise DataError(f"No value builder for indicator {ind['indicator_id']}.", file=str(self.catalogue.path))

    def values(self, indicator_ids: list[str] | None = None) -> pd.DataFrame:
        """Values of the given indicators (all when None), validated; see ``indicators()`` for their ids."""
        known = {i["indicator_id"]: i for i in self.catalogue.indicators}
        if indicator_ids is not None:
            if isinstance(indicator_ids, str):
                indicator_ids = [indicator_ids]
            indicator_ids = [str(i) for i in indicator_ids]
            unknown = [i for i in indicator_ids if i not in known]
            if unknown:
                import difflib

                close = difflib.get_close_matches(unknown[0], list(known), n=3)
                raise DataError(f"Unknown indicator id(s): {', '.join(unknown)}.", column="indicator_id",
                                values=unknown, expected="ids listed by store.indicators()",
                                hint=f"did you mean {', '.join(close)}?" if close else None)
        wanted = list(known) if indicator_ids is None else indicator_ids
        families = sorted({self._family_of(known[i]) for i in wanted}, key=self._FAMILIES.index)
        frames = [self._cached(f"values:{f}", getattr(self, f"_values_{f}")) for f in families]
        out = pd.concat(frames, ignore_index=True)
        if indicator_ids is not None:
            out = out[out["indicator_id"].isin(indicator_ids)].reset_index(drop=True)
        return out

    def _checked_values(self, df: pd.DataFrame, source: str) -> pd.DataFrame:
        return validate("values", df, source=source, indicators=self.indicators(), areas=self.areas())

    @staticmethod
    def _blank_values(n: int) -> dict:
        return {"sex": "Persons", "age": "All ages", "category_type": "", "category": "", "value_note": ""}

    def _values_census(self) -> pd.DataFrame:
        frames = []
        for ind in self.catalogue.indicators:
            if "numerator" not in ind or self._family_of(ind) != "census":
                continue
            mult = float(ind["multiplier"])
            for ds_id in ind["datasets"]:
                ds = self.catalogue[ds_id]
                t = self._load(ds_id)
                code_col = ds.column_for("area_code")
                if ds.area_type == "lsoa21":
                    t = t[t[code_col].isin(self._lsoa21["lsoa21"])]
                readers.require_columns(t, list(ind["numerator"]) + [ind["denominator"]], file=ds.file)
                num = sum(readers.to_number(t[c], file=ds.file, column=c) for c in ind["numerator"])
                den = readers.to_number(t[ind["denominator"]], file=ds.file, column=ind["denominator"])
                frame = pd.DataFrame({
                    "indicator_id": ind["indicator_id"], "area_code": t[code_col].to_numpy(),
                    "area_type": ds.area_type, "period": CENSUS_PERIOD, "period_start": CENSUS_DAY,
                    "period_end": CENSUS_DAY, "count": num.to_numpy(), "denominator": den.to_numpy(),
                    **self._blank_values(len(t)),
                })
                with np.errstate(invalid="ignore", divide="ignore"):
                    frame["value"] = np.where(frame["denominator"] > 0, mult * frame["count"] / frame["denominator"],
                                              np.nan)
                for level, suffix in ((0.95, "95"), (0.998, "99_8")):
                    lo, hi = _wilson(frame["count"].to_numpy(), frame["denominator"].to_numpy(), level)
                    frame[f"lower_ci_{suffix}"] = mult * lo
                    frame[f"upper_ci_{suffix}"] = mult * hi
                frames.append(self._checked_values(frame, ds.file))
        return pd.concat(frames, ignore_index=True)

    def _melt_indicator_columns(self, ds: Dataset, t: pd.DataFrame, period: str) -> pd.DataFrame:
        code_col = ds.column_for("area_code")
        cols = {src: tgt.split(":", 1)[1] for src, tgt in ds.columns.items() if tgt.startswith("indicator:")}
        frames = []
        for src, ind_id in cols.items():
            v = readers.to_number(t[src], file=ds.file, column=src)
            frames.append(pd.DataFrame({"indicator_id": ind_id, "area_code": t[code_col].to_numpy(),
                                        "area_type": ds.area_type, "period": period, "value": v.to_numpy(),
                                        **self._blank_values(len(t))}))
        return pd.concat(frames, ignore_index=True)

    def _values_imd(self) -> pd.DataFrame:
        frames = []
        london11 = set(self._lsoa11["lsoa11"])
        for ds_id in ("imd2019_scores_mysociety", "imd2019_file1", "imd2019_file2"):
            ds = self.catalogue[ds_id]
            t = self._load(ds_id)
            t = t[t[ds.column_for("area_code")].isin(london11)]
            frames.append(self._checked_values(self._melt_indicator_columns(ds, t, "2019"), ds.file))
        return pd.concat(frames, ignore_index=True)

    def _fingertips_raw(self) -> pd.DataFrame:
        """Both Fingertips exports as canonical values plus area names (cached)."""
        def build():
            frames = []
            for ds in self.catalogue:
                if ds.reader == "fingertips_csv":
                    raw = self._load(ds.id)
                    frames.append(readers.fingertips_values(raw, source=ds.file, keep_comparisons=True))
            return pd.concat(frames, ignore_index=True)

        return self._cached("fingertips_raw", build)

    def _values_fingertips(self) -> pd.DataFrame:
        ft = self._fingertips_raw()
        frames = []
        for ds in self.catalogue:
            if ds.reader != "fingertips_csv":
                continue
            ids = [i["indicator_id"] for i in self.catalogue.indicators_for(ds.id)]
            part = ft[ft["indicator_id"].isin(ids)][CANONICAL_COLUMNS["values"]]
            frames.append(self._checked_values(part, ds.file))
        return pd.concat(frames, ignore_index=True)

    def _values_qof(self) -> pd.DataFrame:
        ds = self.catalogue["hoc_qof_prevalence_lad"]
        t = self._load(ds.id)
        group_col = ds.column_for("indicator_id")
        ids = {i["group"]: i for i in self.catalogue.indicators_for(ds.id) if "group" in i}
        unknown = sorted(set(t[group_col]) - set(ids))
        if unknown:
            raise DataError("QOF condition groups without an indicator in data/sources.yml.", file=ds.file,
                            column=group_col, values=unknown, expected=", ".join(sorted(ids)))
        mult = t[group_col].map({g: float(i["multiplier"]) for g, i in ids.items()})
        frame = pd.DataFrame({
            "indicator_id": t[group_col].map({g: i["indicator_id"] for g, i in ids.items()}),
            "area_code": t[ds.column_for("area_code")], "area_type": ds.area_type, "period": ds.options["period"],
            "period_start": pd.Timestamp("2019-04-01"), "period_end": pd.Timestamp("2020-03-31"),
            "count": t[ds.column_for("count")], "denominator": t[ds.column_for("denominator")],
            "value": t[ds.column_for("value")] * mult,
            **self._blank_values(len(t)),
        })
        frame["value_note"] = QOF_NOTE
        return self._checked_values(frame, ds.file)

    # --- population -------------------------------------------------------------------------------------------
    def population(self) -> pd.DataFrame:
        """Census 2021 5-year bands (lsoa21 London, all LTLAs; Persons) and ONS mid-2019/2020 and IoD mid-2015
        broad bands (London lsoa11; by sex). Totals ("All ages") are not included: sum the bands."""
        return self._cached("population", self._build_population)

    def _build_population(self) -> pd.DataFrame:
        frames = []
        for ds_id in ("census21_ts007a_lsoa", "census21_ts007a_ltla"):
            ds = self.catalogue[ds_id]
            t = self._load(ds_id)
            if ds.area_type == "lsoa21":
                t = t[t[ds.column_for("area_code")].isin(self._lsoa21["lsoa21"])]
            bands = {c: _census_age_band(c) for c in t.columns if _census_age_band(c)}
            long = t.melt(id_vars=[ds.column_for("area_code")], value_vars=list(bands), var_name="col",
                          value_name="population")
            frames.append(validate("population", pd.DataFrame({
                "area_code": long[ds.column_for("area_code")], "period": CENSUS_PERIOD, "sex": "Persons",
                "age_band": long["col"].map(bands),
                "population": readers.to_number(long["population"], file=ds.file, column="population")}),
                source=ds.file))
        london11 = set(self._lsoa11["lsoa11"])
        for ds_id, period in (("population_mid2019_lsoa11_london", None), ("population_mid2020_lsoa11_london", None),
                              ("imd2019_file6", "2015")):
            ds = self.catalogue[ds_id]
            t = self._load(ds_id)
            t = t[t[ds.column_for("area_code")].isin(london11)]
            cols = {src: tgt.split(":")[1:] for src, tgt in ds.columns.items() if tgt.startswith("population:")}
            long = t.melt(id_vars=[ds.column_for("area_code")], value_vars=list(cols), var_name="col",
                          value_name="population")
            frames.append(validate("population", pd.DataFrame({
                "area_code": long[ds.column_for("area_code")], "period": period or ds.options["period"],
                "sex": long["col"].map({k: v[0] for k, v in cols.items()}),
                "age_band": long["col"].map({k: v[1] for k, v in cols.items()}),
                "population": readers.to_number(long["population"], file=ds.file, column="population")}),
                source=ds.file))
        out = pd.concat(frames, ignore_index=True)
        # Each part was validated against its own file above; only the key across parts is left to check.
        dup = out.duplicated(["area_code", "period", "sex", "age_band"]).to_numpy()
        if dup.any():
            raise DataError("Population rows from different files share a key.", column="area_code+period+sex+age_band",
                            values=out.loc[dup, "area_code"].head(5).tolist(), expected="one row per key")
        return out

    # --- flows ------------------------------------------------------------------------------------------------
    def flows(self) -> pd.DataFrame:
        """Registered patients (April 2020 list sizes) from each practice to its local authority, where the
        practice's CCG is named after one authority (see ``_ccg_la``); other practices are left out."""
        return self._cached("flows", self._build_flows)

    def _build_flows(self) -> pd.DataFrame:
        ds = self.catalogue["gp_practice_demographics_apr2020"]
        demo = self._load(ds.id)
        gp = self._load("gp_practice_mapping_sep2020")[["PRACTICE_CODE", "CCG_CODE"]]
        m = demo.merge(gp, on="PRACTICE_CODE").merge(self._ccg_la, on="CCG_CODE")
        out = pd.DataFrame({"origin_code": m["PRACTICE_CODE"], "origin_type": "practice", "destination_code": m["la"],
                            "destination_type": "la", "period": ds.options.get("period", "2020-04"),
                            "count": m[ds.column_for("count")]})
        return validate("flows", out, source=ds.file, areas=self.areas())


__all__ = ["RealStore", "looks_like_real_root", "HOME_AREA", "LONDON", "ENGLAND"]
