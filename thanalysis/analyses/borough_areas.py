"""The small areas of one borough and indicator counts summed from them (the base of the inequalities report).

- :func:`borough_lookups`: the lookups inside one borough (LSOA → ward → locality → borough); localities come
  from :func:`thanalysis.geography.places.localities` (the store's own, else the project's locality file).
- :func:`indicator_by_area`: counts of an indicator summed from the smallest areas that publish them (2021
  LSOAs, else wards) up to wards, localities and the borough (:func:`thanalysis.geography.hierarchy.aggregate`),
  with values and 95%/99.8% intervals recomputed from the sums (:func:`thanalysis.stats.intervals.values_from_counts`).
- :func:`suitable_indicators`: the measures with small-area counts (core datasets, and the published Census 2021
  measures of :data:`PUBLISHED_SMALL_AREA_MEASURES`), ordered by :func:`measure_role` (outcome, housing,
  determinant, then demographic context).
- :func:`borough_total_check`: the summed counts against the borough's own published row.
- :func:`area_geometries`: the polygons of the borough's wards, LSOAs or localities, with their names.

Everything built from the store is kept in the store's one cache (:meth:`thanalysis.data.store.Store.cached`)
under keys starting with ``"inequalities"``, so each table is built once per store.
"""
from __future__ import annotations

import geopandas as gpd
import pandas as pd

from thanalysis.errors import DataError
from thanalysis.geography.hierarchy import aggregate
from thanalysis.geography.places import area_names, localities, locality_names
from thanalysis.stats.intervals import values_from_counts

#: Small-area levels an indicator may be published at, finest first.
SMALL_AREA_LEVELS = ("lsoa21", "ward22")
GEOGRAPHIES = ("lsoa21", "ward22", "locality")
VALUE_TYPES_WITH_COUNTS = ("proportion", "crude_rate")
#: Measures of the published Census 2021 series by LSOA (:mod:`thanalysis.data.published.census`, read only when
#: asked for) that the report adds where the store has them. Mean household size (people per household) has counts
#: of people and households: its intervals treat the people as a Poisson count, like a crude rate.
PUBLISHED_SMALL_AREA_MEASURES = ("census21_bad_health", "census21_disabled", "census21_overcrowded",
                                 "census21_mean_household_size")
#: What each measure is in the report: a health "outcome", "housing", a wider "determinant" of health, or
#: demographic "context" (who lives here: age and ethnic-group shares, never a gap to close). A measure not listed
#: is an outcome (:func:`measure_role`); only outcomes with a better direction can be among the largest gaps.
ROLES = {"census21_bad_health": "outcome", "census21_disabled": "outcome", "census21_overcrowded": "housing",
         "census21_mean_household_size": "housing", "census21_social_rented": "housing",
         "census21_households_deprived": "determinant", "census21_no_qualifications": "determinant",
         "census21_aged_65_plus": "context", "census21_aged_0_14": "context", "census21_ethnic_group": "context"}
ROLE_ORDER = ("outcome", "housing", "determinant", "context")
CI_COLUMNS = ["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]

#: Census 2021 small-area counts are perturbed independently of the local-authority table, so sums of LSOA
#: counts differ from the published borough totals by a few people (Tower Hamlets: 310,303 vs 310,306
#: residents). Across the 33 London boroughs and five Census measures the largest difference is 69 (0.08%).
CENSUS_ROUNDING_ABSOLUTE = 75
CENSUS_ROUNDING_RELATIVE = 0.001

_KEY = "inequalities"


def _cached(store, key: tuple, build):
    return store.cached((_KEY, *key), build)


# ==============================================================================================================
# Areas of the borough
# ==============================================================================================================
def _children(lookups: pd.DataFrame, parent_code: str, child_type: str, parent_type: str = "la") -> list[str]:
    lk = lookups
    hit = lk[(lk["child_type"] == child_type) & (lk["parent_type"] == parent_type) & (lk["parent_code"] == parent_code)]
    return sorted(hit["child_code"].astype(str).unique())


def borough_lookups(store, area_code: str) -> pd.DataFrame:
    """Lookups for one borough: lsoa21→ward22 (best fit), lsoa21→la, ward22→la, and where the borough has
    localities (:func:`thanalysis.geography.places.localities`) ward22→locality and locality→la."""
    def build():
        lk = store.lookups()
        lk = lk.assign(child_code=lk["child_code"].astype(str), parent_code=lk["parent_code"].astype(str))
        lsoas = _children(lk, area_code, "lsoa21")
        wards = _children(lk, area_code, "ward22")
        if not lsoas and not wards:
            raise DataError(f"The store has no LSOAs or wards inside {area_code}.", column="area_code",
                            values=[area_code], expected="a borough code with small areas (e.g. a London borough)")
        parts = [
            lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "ward22") & lk["child_code"].isin(lsoas)],
            lk[(lk["child_type"] == "lsoa21") & (lk["parent_type"] == "la") & lk["child_code"].isin(lsoas)],
            lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "la") & (lk["parent_code"] == area_code)],
        ]
        table = localities(store, area_code)
        if table is not None:
            table = table[table["ward22_code"].isin(wards)]
            parts.append(pd.DataFrame({"child_code": table["ward22_code"], "child_type": "ward22",
                                       "parent_code": table["locality_code"], "parent_type": "locality",
                                       "weight": 1.0}))
            codes = sorted(table["locality_code"].unique())
            parts.append(pd.DataFrame({"child_code": codes, "child_type": "locality", "parent_code": area_code,
                                       "parent_type": "la", "weight": 1.0}))
        return pd.concat(parts, ignore_index=True)[["child_code", "child_type", "parent_code", "parent_type", "weight"]]

    return _cached(store, ("lookups", area_code), build)


def has_localities(store, area_code: str) -> bool:
    """True if the borough's wards are grouped into localities (store lookups or a locality file)."""
    lk = borough_lookups(store, area_code)
    return bool(((lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")).any())


def _lsoa21_names(store) -> dict[str, str]:
    """Code → name of the 2021 LSOAs. 2011 and 2021 LSOAs share codes but not always names (Tower Hamlets
    028B in 2011 is 035B in 2021), and :func:`thanalysis.geography.places.area_names` keeps one name per code."""
    def build():
        areas = store.areas()
        lsoa = areas[areas["area_type"] == "lsoa21"].drop_duplicates("area_code")
        return dict(zip(lsoa["area_code"].astype(str), lsoa["area_name"].astype(str)))

    return _cached(store, ("lsoa21_names",), build)


def with_names(df: pd.DataFrame, store, area_code: str) -> pd.DataFrame:
    """``df`` (with ``area_code, area_type``) with an ``area_name`` column: the area's name, else its code."""
    names = area_names(store)
    lsoas = _lsoa21_names(store) if (df["area_type"] == "lsoa21").any() else {}
    locs = locality_names(store, area_code) if (df["area_type"] == "locality").any() else {}
    found = [lsoas.get(c) if t == "lsoa21" else locs.get(c) if t == "locality" else names.get(c)
             for c, t in zip(df["area_code"].astype(str), df["area_type"])]
    out = df.drop(columns="area_name", errors="ignore")
    out["area_name"] = pd.Series(found, index=out.index, dtype=object).fillna(out["area_code"])
    return out


# ==============================================================================================================
# Indicators by area
# ==============================================================================================================
def store_indicators(store) -> pd.DataFrame:
    """The store's indicator list (once per store)."""
    return _cached(store, ("indicators",), store.indicators)


def indicator_meta(store, indicator_id: str) -> dict:
    """One indicator's row of ``store.indicators()`` as a dict, with a numeric ``multiplier``."""
    ind = store_indicators(store)
    hit = ind[ind["indicator_id"].astype(str) == str(indicator_id)]
    if hit.empty:
        raise DataError(f"Unknown indicator {indicator_id!r}.", column="indicator_id", values=[indicator_id],
                        expected="an id listed by store.indicators()")
    row = hit.iloc[0].to_dict()
    row["multiplier"] = float(row.get("multiplier") or 1)
    return row


def small_area_counts(store, indicator_id: str, area_code: str) -> tuple[str | None, pd.DataFrame]:
    """(level, rows) of the finest small-area level with counts inside the borough, all sexes "Persons",
    all ages, no category breakdown; (None, no rows) when there is none."""
    def build():
        lk = borough_lookups(store, area_code)
        v = store.values([indicator_id])
        v = v[(v["category_type"].fillna("") == "") & (v["sex"] == "Persons")]
        for level in SMALL_AREA_LEVELS:
            codes = set(lk.loc[(lk["child_type"] == level) & (lk["parent_type"] == "la"), "child_code"])
            rows = v[(v["area_type"] == level) & v["area_code"].astype(str).isin(codes)]
            rows = rows.dropna(subset=["count", "denominator"])
            if len(rows):
                ages = rows["age"].unique()
                if len(ages) > 1:
                    rows = rows[rows["age"] == ("All ages" if "All ages" in ages else ages[0])]
                return level, rows.reset_index(drop=True)
        return None, v.iloc[:0]

    return _cached(store, ("counts", indicator_id, area_code), build)


def measure_role(indicator_id: str) -> str:
    """The measure's role (:data:`ROLES`): outcome, housing, determinant or context."""
    return ROLES.get(str(indicator_id), "outcome")


def suitable_indicators(store, area_code: str) -> list[str]:
    """Indicators with counts and denominators for small areas of the borough (proportions and crude rates of the
    core datasets, and the :data:`PUBLISHED_SMALL_AREA_MEASURES` the store has), outcomes first, context last
    (:data:`ROLE_ORDER`)."""
    def build():
        ind = store_indicators(store)
        published = [i for i in PUBLISHED_SMALL_AREA_MEASURES if i in set(ind["indicator_id"].astype(str))]
        ind = ind[ind["value_type"].isin(VALUE_TYPES_WITH_COUNTS)]
        lk = borough_lookups(store, area_code)
        codes = set(lk.loc[lk["child_type"].isin(SMALL_AREA_LEVELS) & (lk["parent_type"] == "la"), "child_code"])
        # values() without ids: the datasets with small areas (core), not the published series (over a million
        # rows of local-authority, trust and regional figures, read only when their ids are asked for).
        v = store.values()
        v = v[v["indicator_id"].isin(ind["indicator_id"]) & v["area_type"].isin(SMALL_AREA_LEVELS)
              & v["area_code"].astype(str).isin(codes)
              & v["count"].notna() & v["denominator"].notna() & (v["category_type"].fillna("") == "")]
        have = set(v["indicator_id"].astype(str))
        ids = [i for i in ind["indicator_id"].astype(str) if i in have]
        ids += [i for i in published if small_area_counts(store, i, area_code)[0] is not None]
        return sorted(ids, key=lambda i: ROLE_ORDER.index(measure_role(i)))

    return list(_cached(store, ("suitable", area_code), build))


def with_values(counts: pd.DataFrame, value_type: str, multiplier: float) -> pd.DataFrame:
    """``counts`` with the value and 95%/99.8% intervals from ``count`` and ``denominator``: Wilson for
    proportions, exact/Byars Poisson for rates (:func:`thanalysis.stats.intervals.values_from_counts`)."""
    rule = "proportion" if value_type == "proportion" else "crude_rate"
    found = values_from_counts(counts["count"], counts["denominator"], rule, multiplier)
    return counts.assign(**{c: found[c] for c in ["value", *CI_COLUMNS]})


def period_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Each period of ``rows`` once, with its start date."""
    return rows[["period", "period_start"]].drop_duplicates("period")


def check_geography(geography: str) -> None:
    if geography not in GEOGRAPHIES:
        raise DataError(f"Unknown geography {geography!r}.", column="geography", values=[geography],
                        expected="one of " + ", ".join(GEOGRAPHIES))


def indicator_by_area(store, indicator_id: str, area_code: str, geography: str = "ward22") -> pd.DataFrame:
    """Values with 95% and 99.8% intervals for every area of ``geography`` in the borough and for the borough,
    every period, recomputed from small-area counts summed up the lookups.

    Columns: ``indicator_id, area_code, area_type, area_name, period, period_start, count, denominator, value,
    lower_ci_95, upper_ci_95, lower_ci_99_8, upper_ci_99_8``. ``attrs["source_level"]`` is the level the counts
    came from; if it is coarser than ``geography`` (e.g. LSOAs asked, wards published) the table is at the
    source level and ``attrs["note"]`` says so. An empty table means the indicator has no small-area counts here.
    """
    check_geography(geography)
    return _cached(store, ("by_area", indicator_id, area_code, geography),
                   lambda: _build_by_area(store, indicator_id, area_code, geography))


def _build_by_area(store, indicator_id, area_code, geography) -> pd.DataFrame:
    meta = indicator_meta(store, indicator_id)
    level, rows = small_area_counts(store, indicator_id, area_code)
    cols = ["indicator_id", "area_code", "area_type", "area_name", "period", "period_start", "count", "denominator",
            "value", *CI_COLUMNS]
    if level is None:
        out = pd.DataFrame(columns=cols)
        out.attrs.update(source_level=None, note=f"{meta['name']} has no small-area counts for this borough.")
        return out
    lk = borough_lookups(store, area_code)
    note = ""
    target = geography
    if geography == "lsoa21" and level != "lsoa21":
        target, note = level, f"{meta['name']} is published for wards, not LSOAs, so it is shown by ward."
    if target == "locality" and not has_localities(store, area_code):
        out = pd.DataFrame(columns=cols)
        out.attrs.update(source_level=level, note="This borough has no locality file, so there are no locality figures.")
        return out
    base = rows[["area_code", "period", "count", "denominator"]].copy()
    base["area_code"] = base["area_code"].astype(str)
    frames = []
    if target == level:
        frames.append(base.assign(area_type=level))
    else:
        frames.append(aggregate(base, lk, level, target, by=["period"]))
    frames.append(aggregate(base, lk, level, "la", by=["period"]))
    counts = pd.concat(frames, ignore_index=True)
    counts = counts.merge(period_table(rows), on="period", how="left")
    counts.insert(0, "indicator_id", str(indicator_id))
    out = with_names(with_values(counts, meta["value_type"], meta["multiplier"]), store, area_code)
    order = {"lsoa21": 0, "ward22": 1, "locality": 2, "la": 3}
    out = out.assign(_o=out["area_type"].map(order)).sort_values(["period", "_o", "area_code"]).drop(columns="_o")
    out = out[cols].reset_index(drop=True)
    out.attrs.update(source_level=level, note=note)
    return out


def borough_total_check(store, indicator_id: str, area_code: str) -> dict:
    """Sum of small-area counts for the borough against the borough's own published row (latest period).

    Returns ``{"published_count", "summed_count", "published_denominator", "summed_denominator", "tolerance",
    "agrees"}``; ``agrees`` is None when the store publishes no borough row. Census 2021 small-area tables are
    perturbed separately from the borough table, so they may differ by up to :data:`CENSUS_ROUNDING_ABSOLUTE`
    people or :data:`CENSUS_ROUNDING_RELATIVE` of the total, whichever is larger.
    """
    by_area = indicator_by_area(store, indicator_id, area_code, "ward22")
    out = {"indicator_id": indicator_id, "published_count": None, "summed_count": None,
           "published_denominator": None, "summed_denominator": None, "tolerance": None, "agrees": None}
    if by_area.empty:
        return out
    latest = sorted(by_area["period"].unique())[-1]
    summed = by_area[(by_area["area_type"] == "la") & (by_area["period"] == latest)].iloc[0]
    v = store.values([indicator_id])
    pub = v[(v["area_type"] == "la") & (v["area_code"].astype(str) == area_code) & (v["period"] == latest)
            & (v["category_type"].fillna("") == "") & (v["sex"] == "Persons")]
    out.update(summed_count=float(summed["count"]), summed_denominator=float(summed["denominator"]))
    if pub.empty or pub["count"].isna().all():
        return out
    p = pub.iloc[0]
    tol = max(CENSUS_ROUNDING_ABSOLUTE, CENSUS_ROUNDING_RELATIVE * float(p["denominator"]))
    out.update(published_count=float(p["count"]), published_denominator=float(p["denominator"]), tolerance=tol,
               agrees=bool(abs(out["summed_count"] - p["count"]) <= tol
                           and abs(out["summed_denominator"] - p["denominator"]) <= tol))
    return out


# ==============================================================================================================
# Shapes
# ==============================================================================================================
def area_geometries(store, area_code: str, geography: str):
    """Polygons (EPSG:4326) of the borough's areas of ``geography`` with ``area_code, area_type, area_name``;
    localities are dissolved from wards when the store has no locality shapes. None when the borough has no
    localities and they are asked for."""
    def build():
        if geography == "locality":
            if not has_localities(store, area_code):
                return None
            lk = borough_lookups(store, area_code)
            codes = set(lk.loc[lk["child_type"] == "locality", "child_code"])
            try:
                g = store.geometries("locality", within=area_code)
                g = g[g["area_code"].astype(str).isin(codes)]
                if len(g) == len(codes):
                    return g.reset_index(drop=True)
            except DataError:  # no locality shapes in this store: made from the wards below
                pass
            wards = store.geometries("ward22", within=area_code)
            w = lk[(lk["child_type"] == "ward22") & (lk["parent_type"] == "locality")]
            m = wards.merge(w[["child_code", "parent_code"]], left_on="area_code", right_on="child_code")
            d = m.dissolve(by="parent_code", as_index=False)[["parent_code", "geometry"]]
            return gpd.GeoDataFrame({"area_code": d["parent_code"], "area_type": "locality"},
                                    geometry=d.geometry.to_numpy(), crs=wards.crs)
        return store.geometries(geography, within=area_code).reset_index(drop=True)

    g = _cached(store, ("geometries", area_code, geography), build)
    if g is None:
        return None
    return with_names(g, store, area_code)
