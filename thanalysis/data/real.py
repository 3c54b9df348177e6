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

The store reads the files and caches its tables (:meth:`~thanalysis.data.store.Store.cached`); turning one file's
rows into canonical rows is in ``real_rows``, the lookups and boundaries that need geometry in ``real_geography``,
and the published series (outcomes, services and NHS performance: read only when their indicators are asked for) in
``real_published``.
"""
from __future__ import annotations

import difflib
import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from thanalysis.data import readers
from thanalysis.data.catalogue import Catalogue, Dataset, load_catalogue
from thanalysis.data.real_geography import (ENGLAND, LONDON, ccg_to_la, codes_within, lsoa11_to_lsoa21, pairs,
                                            region_geometry, ward_geometries)
from thanalysis.data.real_published import core_indicators, indicator_table, published_indicators, published_values
from thanalysis.data.real_rows import (census_population, census_shares, indicator_columns, population_columns,
                                       qof_values)
from thanalysis.data.schemas import validate
from thanalysis.data.store import SourceFile, Store, sha256_file
from thanalysis.errors import DataError
from thanalysis.vocabulary import CANONICAL_COLUMNS

HOME_AREA = "E09000030"  # Tower Hamlets


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
    return sha256_file(path)


def looks_like_real_root(root: str | os.PathLike, catalogue: Catalogue | None = None) -> bool:
    """True if ``root`` holds every *core* file of the catalogue (boundaries, lookups, IMD, Census, ...)."""
    root = Path(root)
    if not root.is_dir():
        return False
    cat = catalogue or load_catalogue()
    return all(root.joinpath(f).is_file() for ds in cat.core() for f in ds.files)


class RealStore(Store):
    """Canonical tables from a data root of real open-data files (see the module docstring)."""

    def __init__(self, root: str | os.PathLike, home_area_code: str = HOME_AREA,
                 catalogue: Catalogue | None = None) -> None:
        super().__init__(root=Path(root).resolve(), kind="real")
        self._home = home_area_code
        self.catalogue = catalogue or load_catalogue()

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
        self._read[rel] = SourceFile(dataset=ds.id, path=rel, sha256=_sha256_cached(str(path), st.st_mtime, st.st_size),
                                     publisher=ds.publisher, licence=ds.licence, url=ds.url)

    def _source(self, dataset_id: str) -> str:
        return self.catalogue[dataset_id].file

    def _geo(self, dataset_id: str):
        """A boundary dataset in its own CRS (British National Grid for the London files)."""
        return self._load(dataset_id, to_storage=False)

    # --- London small areas -----------------------------------------------------------------------------------
    @property
    def _lsoa21(self) -> pd.DataFrame:
        return self.cached(("real", "lsoa21"), self._build_lsoa21)

    def _build_lsoa21(self) -> pd.DataFrame:
        g = self._geo("boundaries_london_lsoa21")
        return g.rename(columns={"LSOA21CD": "lsoa21", "LSOA21NM": "lsoa21_name", "MSOA21CD": "msoa21",
                                 "MSOA21NM": "msoa21_name", "LAD22CD": "la", "LAD22NM": "la_name"})

    @property
    def _lsoa11(self) -> pd.DataFrame:
        return self.cached(("real", "lsoa11"), self._build_lsoa11)

    def _build_lsoa11(self) -> pd.DataFrame:
        g = self._geo("boundaries_london_lsoa11")
        return g.rename(columns={"LSOA11CD": "lsoa11", "LSOA11NM": "lsoa11_name", "LAD11CD": "la"})

    @property
    def london_las(self) -> list[str]:
        """The 33 London local authority codes (from the LSOA 2021 boundaries)."""
        return self.cached(("real", "london_las"), self._build_london_las)

    def _build_london_las(self) -> list[str]:
        return sorted(self._lsoa21["la"].unique())

    @property
    def _ward_of_lsoa21(self) -> pd.DataFrame:
        """Best-fit May 2022 ward of each London LSOA 2021 (GLA lookup), with ward names."""
        return self.cached(("real", "ward_of_lsoa21"), self._build_ward_of_lsoa21)

    def _build_ward_of_lsoa21(self) -> pd.DataFrame:
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

    @property
    def _ward_la(self) -> pd.DataFrame:
        """Each ward's local authority: the authority of its LSOAs (wards nest in authorities)."""
        return self.cached(("real", "ward_la"), self._build_ward_la)

    def _build_ward_la(self) -> pd.DataFrame:
        w = self._ward_of_lsoa21
        counts = w.groupby(["ward22", "la"], as_index=False).size().sort_values("size", ascending=False)
        return counts.drop_duplicates("ward22")[["ward22", "la"]]

    @property
    def _ccg_la(self) -> pd.DataFrame:
        """CCG → local authority where the CCG is named after exactly one authority (e.g. NHS Tower Hamlets CCG).

        NHS Digital's practice mapping gives CCGs, not local authorities; in September 2020 several London CCGs
        covered one borough each (Tower Hamlets 08V, Newham 08M, ...) while merged ones (e.g. City and Hackney,
        North Central London) cannot be assigned to one authority and are left out.
        """
        return self.cached(("real", "ccg_la"), self._build_ccg_la)

    def _build_ccg_la(self) -> pd.DataFrame:
        return ccg_to_la(self._load("gp_practice_mapping_sep2020"), self._la_names)

    @property
    def _la_names(self) -> pd.DataFrame:
        """Local authorities named in the sources (Census LTLA file first, then QOF, Fingertips, London LAD22)."""
        return self.cached(("real", "la_names"), self._build_la_names)

    def _build_la_names(self) -> pd.DataFrame:
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
        return self.cached(("real", "areas"), self._build_areas)

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
        return self.cached(("real", "lookups"), self._build_lookups)

    def lsoa11_to_lsoa21(self) -> pd.DataFrame:
        """LSOA 2011 → LSOA 2021 for London with weights (ONS lookup + boundary overlap for split LSOAs)."""
        return self.cached(("real", "lsoa11_lsoa21"), self._build_lsoa11_lsoa21)

    def _build_lsoa11_lsoa21(self) -> pd.DataFrame:
        ds = self.catalogue["lookup_lsoa11_lsoa21_lad22"]
        ons = self._load(ds.id)
        ons = pd.DataFrame({"lsoa11": ons[ds.column_for("child_code")], "lsoa21": ons[ds.column_for("parent_code")]})
        return lsoa11_to_lsoa21(ons, self._lsoa11[["lsoa11", "geometry"]], self._lsoa21[["lsoa21", "geometry"]])

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
            pairs(w["lsoa21"], "lsoa21", w["ward22"], "ward22"),
            pairs(bf11[ds.column_for("child_code")], "lsoa11", bf11[ds.column_for("parent_code")], "ward22"),
            pairs(l21["lsoa21"], "lsoa21", l21["msoa21"], "msoa21"),
            pairs(l21["lsoa21"], "lsoa21", l21["la"], "la"),
            pairs(l11["lsoa11"], "lsoa11", l11["la"], "la"),
            pairs(m[ds_m.column_for("child_code")], "msoa21", m[ds_m.column_for("parent_code")], "la"),
            pairs(self._ward_la["ward22"], "ward22", self._ward_la["la"], "la"),
            pairs(self.london_las, "la", [LONDON] * len(self.london_las), "region"),
            pairs([LONDON], "region", [ENGLAND], "country"),
            pairs(english_las, "la", [ENGLAND] * len(english_las), "country"),
            pairs(gp["PRACTICE_CODE"], "practice", gp["PCN_CODE"], "pcn"),
            pairs(pcn_la["PCN_CODE"], "pcn", pcn_la["la"], "la"),
        ]
        out = pd.concat(parts, ignore_index=True)
        return validate("lookups", out, source="lookups (ONS, GLA and NHS Digital lookup files, boundary overlap)")

    # --- geometries -------------------------------------------------------------------------------------------
    def geometries(self, area_type: str, within: str | None = None):
        """Polygons of ``area_type`` in EPSG:4326, optionally only those inside area ``within`` (e.g. an LA code)."""
        key = f"geometries:{area_type}:{within}"
        return self.cached(("real", key), lambda: self._build_geometries(area_type, within))

    def _build_geometries(self, area_type: str, within: str | None):
        codes = codes_within(self.lookups(), self.london_las, area_type, within) if within else None
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
            ds = self.catalogue["boundaries_th_wards22"]
            topo = self._load(ds.id).rename(columns={ds.column_for("area_code"): "area_code"})[["area_code", "geometry"]]
            return validate("geometries", ward_geometries(topo, self._ward_of_lsoa21, self._lsoa21, codes, within),
                            source=f"{ds.file} + {self._source('boundaries_london_lsoa21')} dissolved by ward")
        elif area_type == "region":
            g = region_geometry(self._geo("boundaries_london_lad22"))
            source = self._source("boundaries_london_lad22")
        else:
            raise DataError(f"The open data holds no boundaries for area type {area_type!r}.", column="area_type",
                            values=[area_type], expected="one of lsoa11, lsoa21, msoa21, ward22, la, region")
        if codes is not None:
            g = g[g["area_code"].isin(codes)]
        g = g.assign(area_type=area_type)[["area_code", "area_type", "geometry"]].to_crs(readers.STORAGE_CRS)
        return validate("geometries", g, source=source)

    # --- indicators ---------------------------------------------------------------------------------------------
    def indicators(self) -> pd.DataFrame:
        """Every indicator: the core ones of data/sources.yml (source and licence from the publishing dataset), then
        those of each published series in the data root (see ``real_published``); with their data currency."""
        return self.cached(("real", "indicators"), self._build_indicators)

    def _build_indicators(self) -> pd.DataFrame:
        published, _ = self._published
        return indicator_table(self._core_indicators(), published, source=str(self.catalogue.path))

    def _core_indicators(self) -> pd.DataFrame:
        return self.cached(("real", "indicators:core"), lambda: core_indicators(self.catalogue))

    @property
    def _published(self) -> tuple[pd.DataFrame, dict[str, str]]:
        """(published indicators, indicator id → module), listed without reading any data file."""
        return self.cached(("real", "published"), lambda: published_indicators(self, self._core_ids))

    @property
    def _core_ids(self) -> set[str]:
        return {i["indicator_id"] for i in self.catalogue.indicators}

    # --- values -----------------------------------------------------------------------------------------------
    #: Core values are built by family, from the prefix of the indicator's first dataset.
    _FAMILIES = {"census21_": "census", "imd2019_": "imd", "fingertips_": "fingertips", "hoc_qof": "qof"}

    def _family_of(self, ind: dict) -> str:
        family = next((f for prefix, f in self._FAMILIES.items() if ind["datasets"][0].startswith(prefix)), None)
        if family is None:
            raise DataError(f"No value builder for indicator {ind['indicator_id']}.", file=str(self.catalogue.path))
        return family

    def values(self, indicator_ids: list[str] | None = None) -> pd.DataFrame:
        """Values of the given indicators (see ``indicators()``), validated. ``None`` means every indicator of the
        *core* datasets (Census, IMD, Fingertips exports, QOF): published series (over a million rows) are read
        only for ids asked for, and then only the modules holding them."""
        known = {i["indicator_id"]: i for i in self.catalogue.indicators}
        if indicator_ids is None:
            wanted, published = list(known), []
        else:
            if isinstance(indicator_ids, str):
                indicator_ids = [indicator_ids]
            indicator_ids = [str(i) for i in indicator_ids]
            owner = self._published[1]
            unknown = [i for i in indicator_ids if i not in known and i not in owner]
            if unknown:
                close = difflib.get_close_matches(unknown[0], [*known, *owner], n=3)
                raise DataError(f"Unknown indicator id(s): {', '.join(unknown)}.", column="indicator_id",
                                values=unknown, expected="ids listed by store.indicators()",
                                hint=f"did you mean {', '.join(close)}?" if close else None)
            wanted = [i for i in indicator_ids if i in known]
            published = [i for i in indicator_ids if i not in known]
        order = list(self._FAMILIES.values())
        families = sorted({self._family_of(known[i]) for i in wanted}, key=order.index)
        frames = [self.cached(("real", f"values:{f}"), getattr(self, f"_values_{f}")) for f in families]
        if published:
            frames += published_values(self, published, self._published[1])
        if not frames:
            return pd.DataFrame(columns=CANONICAL_COLUMNS["values"])
        out = pd.concat(frames, ignore_index=True)[CANONICAL_COLUMNS["values"]]
        if indicator_ids is not None:
            out = out[out["indicator_id"].isin(indicator_ids)].reset_index(drop=True)
        return out

    def _checked_values(self, df: pd.DataFrame, source: str) -> pd.DataFrame:
        return validate("values", df, source=source, indicators=self._core_indicators(), areas=self.areas())

    def _values_census(self) -> pd.DataFrame:
        frames = []
        for ind in self.catalogue.indicators:
            if "numerator" not in ind or self._family_of(ind) != "census":
                continue
            for ds_id in ind["datasets"]:
                ds = self.catalogue[ds_id]
                t = self._load(ds_id)
                if ds.area_type == "lsoa21":
                    t = t[t[ds.column_for("area_code")].isin(self._lsoa21["lsoa21"])]
                frames.append(self._checked_values(census_shares(ind, ds, t), ds.file))
        return pd.concat(frames, ignore_index=True)

    def _values_imd(self) -> pd.DataFrame:
        frames = []
        london11 = set(self._lsoa11["lsoa11"])
        for ds_id in ("imd2019_scores_mysociety", "imd2019_file1", "imd2019_file2"):
            ds = self.catalogue[ds_id]
            t = self._load(ds_id)
            t = t[t[ds.column_for("area_code")].isin(london11)]
            frames.append(self._checked_values(indicator_columns(ds, t, "2019"), ds.file))
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

        return self.cached(("real", "fingertips_raw"), build)

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
        return self._checked_values(qof_values(ds, self._load(ds.id), self.catalogue.indicators_for(ds.id)), ds.file)

    # --- population -------------------------------------------------------------------------------------------
    def population(self) -> pd.DataFrame:
        """Census 2021 5-year bands (lsoa21 London, all LTLAs; Persons) and ONS mid-2019/2020 and IoD mid-2015
        broad bands (London lsoa11; by sex). Totals ("All ages") are not included: sum the bands."""
        return self.cached(("real", "population"), self._build_population)

    def _build_population(self) -> pd.DataFrame:
        frames = []
        for ds_id in ("census21_ts007a_lsoa", "census21_ts007a_ltla"):
            ds = self.catalogue[ds_id]
            t = self._load(ds_id)
            if ds.area_type == "lsoa21":
                t = t[t[ds.column_for("area_code")].isin(self._lsoa21["lsoa21"])]
            frames.append(validate("population", census_population(ds, t), source=ds.file))
        london11 = set(self._lsoa11["lsoa11"])
        for ds_id, period in (("population_mid2019_lsoa11_london", None), ("population_mid2020_lsoa11_london", None),
                              ("imd2019_file6", "2015")):
            ds = self.catalogue[ds_id]
            t = self._load(ds_id)
            t = t[t[ds.column_for("area_code")].isin(london11)]
            frames.append(validate("population", population_columns(ds, t, period), source=ds.file))
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
        return self.cached(("real", "flows"), self._build_flows)

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
