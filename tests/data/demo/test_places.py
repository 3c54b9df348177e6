"""The demo's places (``thanalysis.data.demo.places``): fictional codes, nesting and shapes that fit together."""
from __future__ import annotations

import pytest
import shapely

from thanalysis.data.demo.common import HOME_CODE


# --- geography --------------------------------------------------------------------------------------------------
def test_area_counts_and_fictional_codes(store):
    areas = store.areas()
    n = areas["area_type"].value_counts()
    assert 130 <= n["lsoa21"] <= 170
    assert n["ward22"] == 20
    assert n["locality"] == 4
    assert n["la"] == 8  # the borough and 7 neighbours
    assert n["region"] == 1 and n["country"] == 1
    assert areas["area_code"].str.startswith("X").all()
    named = areas[areas["area_type"] != "lsoa11"]
    assert named["area_name"].str.contains("(synthetic", regex=False).all()
    las = set(areas.loc[areas["area_type"] == "la", "area_code"])
    assert las == {f"X0900000{i}" for i in range(1, 9)}


def test_lsoas_nest_in_wards_and_localities(store):
    lk = store.lookups()
    lw = lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "ward22")]
    lsoas = store.areas().query("area_type == 'lsoa21'")["area_code"]
    assert lw["child_code"].is_unique and set(lw["child_code"]) == set(lsoas)
    wl = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")]
    assert wl["child_code"].nunique() == 20 and (wl.groupby("parent_code").size() == 5).all()


def test_geometries(store):
    areas = store.areas()
    for area_type in ("lsoa11", "lsoa21", "ward22", "locality", "la", "region", "country"):
        g = store.geometries(area_type)
        assert g.crs.to_epsg() == 4326
        assert set(g["area_code"]) == set(areas.loc[areas["area_type"] == area_type, "area_code"]), area_type
        assert g.is_valid.all()
    def area(gdf):  # planar area in square degrees: enough to compare shapes with each other
        return float(shapely.area(gdf.geometry.values).sum())

    lsoa, ward, la = store.geometries("lsoa21"), store.geometries("ward22"), store.geometries("la")
    # Wards, localities and the borough are dissolved unions of LSOAs: their areas add up.
    assert area(ward) == pytest.approx(area(lsoa), rel=1e-6)
    assert area(store.geometries("locality")) == pytest.approx(area(lsoa), rel=1e-6)
    home = la[la["area_code"] == HOME_CODE].geometry.iloc[0]
    assert home.area == pytest.approx(area(lsoa), rel=1e-6)
    # Every neighbour borders the borough without overlapping it (beyond snapping slivers).
    for geom in la[la["area_code"] != HOME_CODE].geometry:
        assert geom.distance(home) < 1e-6
        assert geom.intersection(home).area < 1e-6 * home.area
        assert geom.intersection(home.buffer(1e-4)).area > 0
    minx, miny, maxx, maxy = store.geometries("country").total_bounds
    assert -1 < minx and maxx < 1 and -1 < miny and maxy < 1
    assert len(store.geometries("ward22", within="XL000001")) == 5
    assert len(store.geometries("la", within="X12000001")) == 8
