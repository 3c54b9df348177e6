"""The :class:`DemoStore`: the synthetic demo's files read back through the pandera schemas like any other store."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from thanalysis.data.demo.common import DATA_STATEMENT, HOME_CODE, LICENCE, TABLE_FILES
from thanalysis.data.demo.places import GEOM_TYPES
from thanalysis.data.schemas import validate
from thanalysis.data.store import Store
from thanalysis.errors import DataError
from thanalysis.geography.hierarchy import AreaHierarchy
from thanalysis.vocabulary import CANONICAL_COLUMNS, DEMO_MARKER

_TEXT = {
    "areas": ["area_code", "area_name", "area_type"],
    "lookups": ["child_code", "child_type", "parent_code", "parent_type"],
    "indicators": ["indicator_id", "name", "value_type", "unit", "polarity", "source", "licence", "frequency"],
    "values": ["indicator_id", "area_code", "area_type", "period", "sex", "age", "category_type", "category",
               "value_note"],
    "population": ["area_code", "period", "sex", "age_band"],
    "flows": ["origin_code", "origin_type", "destination_code", "destination_type", "period"],
}


class DemoStore(Store):
    """The synthetic demo as a :class:`Store`: reads the files :func:`write_demo` wrote, validating each."""

    def __init__(self, root):
        super().__init__(root=Path(root).resolve(), kind="demo")
        marker = self.root / DEMO_MARKER
        if not marker.is_file():
            raise DataError("This folder is not a synthetic demo (no marker file).", file=str(marker),
                            expected="a folder written by `thanalysis data demo --out DIR`")
        try:
            self.meta = json.loads(marker.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DataError(f"The demo marker file is not valid JSON ({exc}).", file=DEMO_MARKER,
                            expected="the JSON written by write_demo") from None

    # --- identity ------------------------------------------------------------------------------------------------
    @property
    def data_statement(self) -> str:
        return DATA_STATEMENT.format(seed=self.meta.get("seed", "unknown"))

    @property
    def home_area_code(self) -> str:
        return str(self.meta.get("home_area_code", HOME_CODE))

    @property
    def as_of(self) -> str | None:
        """The date the synthetic series are set at (the marker's ``as_of``): their currency is judged on it."""
        return self.meta.get("as_of")

    @property
    def planted(self) -> list[dict]:
        """The special causes planted in the monthly series (see the marker file)."""
        return list(self.meta.get("planted", []))

    # --- reading -------------------------------------------------------------------------------------------------
    def _table(self, table: str) -> pd.DataFrame:
        """One canonical table, read and validated once per store."""
        return self.cached(("demo", table), lambda: self._read_table(table))

    def _read_table(self, table: str) -> pd.DataFrame:
        rel = TABLE_FILES[table]
        path = self.root / rel
        if not path.is_file():
            raise DataError(f"The demo has no {table} file.", file=rel,
                            expected="the files written by `thanalysis data demo` (regenerate the demo)")
        text = {c: str for c in _TEXT[table]}
        df = pd.read_csv(path, dtype=text, keep_default_na=False,
                         na_values={c: [""] for c in CANONICAL_COLUMNS[table] if c not in _TEXT[table]})
        kwargs = {"indicators": self.indicators()} if table == "values" else {}
        checked = validate(table, df, source=rel, **kwargs)
        self.record_source(f"demo:{table}", path, publisher="thanalysis (synthetic)", licence=LICENCE)
        return checked

    def areas(self) -> pd.DataFrame:
        return self._table("areas").copy()

    def lookups(self) -> pd.DataFrame:
        return self._table("lookups").copy()

    def indicators(self) -> pd.DataFrame:
        return self._table("indicators").copy()

    def values(self, indicator_ids: list[str] | None = None) -> pd.DataFrame:
        values = self._table("values")
        if indicator_ids is None:
            return values.copy()
        if isinstance(indicator_ids, str):
            indicator_ids = [indicator_ids]
        known = set(self._table("indicators")["indicator_id"])
        unknown = [i for i in indicator_ids if i not in known]
        if unknown:
            raise DataError(f"The synthetic demo has no indicator {', '.join(map(repr, unknown))}.",
                            file=TABLE_FILES["indicators"], column="indicator_id", values=unknown,
                            expected="one of " + ", ".join(sorted(known)))
        return values[values["indicator_id"].isin(indicator_ids)].reset_index(drop=True)

    def population(self) -> pd.DataFrame:
        return self._table("population").copy()

    def flows(self) -> pd.DataFrame:
        return self._table("flows").copy()

    def geometries(self, area_type: str, within: str | None = None):
        rel = f"geometries/{area_type}.geojson"
        path = self.root / rel
        if not path.is_file():
            raise DataError(f"The synthetic demo has no {area_type} shapes.", file=rel, column="area_type",
                            values=[area_type], expected="one of " + ", ".join(GEOM_TYPES))
        gdf = self.cached(("demo", "geometries", area_type), lambda: self._read_geometries(area_type, path)).copy()
        if within is None:
            return gdf
        hierarchy = AreaHierarchy(self._table("areas"), self._table("lookups"))
        if hierarchy.type_of(within) == area_type:
            codes = [within]
        else:
            codes = hierarchy.within(within, area_type)
        return gdf[gdf["area_code"].isin(codes)].reset_index(drop=True)

    def _read_geometries(self, area_type: str, path: Path):
        import geopandas as gpd  # a heavy import, only when shapes are wanted

        gdf = gpd.read_file(path)
        if gdf.crs is None:
            gdf = gdf.set_crs(4326)
        gdf["area_code"] = gdf["area_code"].astype(str)
        checked = validate("geometries", gdf, source=f"geometries/{area_type}.geojson")
        self.record_source(f"demo:geometries:{area_type}", path, publisher="thanalysis (synthetic)", licence=LICENCE)
        return checked
