"""Writing the demo: the canonical tables as sorted CSV files with one float format, the shapes as GeoJSON, and
the marker file (seed, version, what was planted, the SHA-256 of every file); ``main`` is ``thanalysis data demo``."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from thanalysis.config import demo_dir
from thanalysis.data.catalogue import load_extract_sources
from thanalysis.data.demo.annual import ANNUAL, DEPRIVATION, make_annual
from thanalysis.data.demo.common import (COUNTRY_CODE, COUNTRY_NAME, DEFAULT_SEED, DEMO_VERSION, HOME_CODE, HOME_NAME,
                                         LICENCE, LOCALITIES, LOCATION_NOTE, N_MONTHS, NEIGHBOURS, PUBLISHED,
                                         REGION_CODE, REGION_NAME, SOURCE, TABLE_FILES, TRUSTS, YEARS, month_labels)
from thanalysis.data.demo.flows import make_flows
from thanalysis.data.demo.monthly import METRICS_FROM, make_monthly
from thanalysis.data.demo.places import GEOM_TYPES, Geography, make_geography
from thanalysis.data.demo.population import Populations, make_populations, population_table
from thanalysis.data.demo.published import indicator_rows, make_published, published_specs, reader_metadata, stopped
from thanalysis.data.demo.trusts import demo_extracts, make_trusts, stopped_trust_series, trust_series_specs
from thanalysis.data.store import sha256_file
from thanalysis.errors import DataError
from thanalysis.priorities import load_priorities
from thanalysis.vocabulary import CANONICAL_COLUMNS, DEMO_MARKER, default_lag_months

_DECIMALS = 7  # GeoJSON coordinates are rounded to this many decimals


def _areas_table(geo: Geography) -> pd.DataFrame:
    """The canonical areas table: every area the demo has, with its name and type."""
    rows = [(r.code, r.name, "lsoa21") for r in geo.lsoa.itertuples()]
    rows += [(c, n, "lsoa11") for c, n in geo.lsoa11.drop_duplicates("code")[["code", "name"]].itertuples(index=False)]
    rows += [(r.code, r.name, "ward22") for r in geo.wards.itertuples()]
    rows += [(c, n, "locality") for c, n in LOCALITIES]
    rows += [(HOME_CODE, HOME_NAME, "la")] + [(c, n, "la") for c, n in NEIGHBOURS]
    rows += [(REGION_CODE, REGION_NAME, "region"), (COUNTRY_CODE, COUNTRY_NAME, "country")]
    rows += [(r.code, r.name, "pcn") for r in geo.pcns.itertuples()]
    rows += [(r.code, r.name, "practice") for r in geo.practices.itertuples()]
    return pd.DataFrame(rows, columns=CANONICAL_COLUMNS["areas"])


def _lookups_table(geo: Geography, pops: Populations) -> pd.DataFrame:
    """The canonical lookups table: child → parent pairs, with population weights for split 2011 LSOAs."""
    lsoa = geo.lsoa
    rows = [pd.DataFrame({"child_code": lsoa["code"], "child_type": "lsoa21", "parent_code": lsoa["ward"],
                          "parent_type": "ward22", "weight": 1.0}),
            pd.DataFrame({"child_code": lsoa["code"], "child_type": "lsoa21", "parent_code": HOME_CODE,
                          "parent_type": "la", "weight": 1.0}),
            pd.DataFrame({"child_code": geo.wards["code"], "child_type": "ward22", "parent_code": geo.wards["locality"],
                          "parent_type": "locality", "weight": 1.0}),
            pd.DataFrame({"child_code": geo.wards["code"], "child_type": "ward22", "parent_code": HOME_CODE,
                          "parent_type": "la", "weight": 1.0}),
            pd.DataFrame({"child_code": [c for c, _ in LOCALITIES], "child_type": "locality",
                          "parent_code": HOME_CODE, "parent_type": "la", "weight": 1.0}),
            pd.DataFrame({"child_code": [HOME_CODE] + [c for c, _ in NEIGHBOURS], "child_type": "la",
                          "parent_code": REGION_CODE, "parent_type": "region", "weight": 1.0}),
            pd.DataFrame({"child_code": [REGION_CODE], "child_type": "region", "parent_code": COUNTRY_CODE,
                          "parent_type": "country", "weight": 1.0}),
            pd.DataFrame({"child_code": geo.practices["code"], "child_type": "practice",
                          "parent_code": geo.practices["pcn"], "parent_type": "pcn", "weight": 1.0}),
            pd.DataFrame({"child_code": geo.pcns["code"], "child_type": "pcn", "parent_code": geo.pcns["la"],
                          "parent_type": "la", "weight": 1.0})]
    # 2011 → 2021 LSOAs: a split 2011 LSOA is shared between its 2021 pieces by their 2021 populations.
    pop21 = dict(zip(lsoa["code"], pops.lsoa[:, YEARS.index(2021)].sum(axis=(1, 2)).astype(float)))
    l11 = geo.lsoa11.copy()
    l11["pop"] = l11["lsoa21"].map(pop21)
    l11["weight"] = (l11["pop"] / l11.groupby("code")["pop"].transform("sum")).round(6)
    # Rounded weights must still add up to exactly 1: give the remainder to the last piece.
    last = ~l11["code"].duplicated(keep="last")
    l11.loc[last, "weight"] = (1 - l11.groupby("code")["weight"].transform("sum") + l11["weight"])[last].round(6)
    rows.append(pd.DataFrame({"child_code": l11["code"], "child_type": "lsoa11", "parent_code": l11["lsoa21"],
                              "parent_type": "lsoa21", "weight": l11["weight"]}))
    return pd.concat(rows, ignore_index=True)[CANONICAL_COLUMNS["lookups"]]


_SORT_KEYS = {
    "areas": ["area_type", "area_code"],
    "lookups": ["child_type", "parent_type", "child_code", "parent_code"],
    "indicators": ["indicator_id"],
    "values": ["indicator_id", "area_type", "area_code", "period", "sex", "age", "category_type", "category"],
    "population": ["area_code", "period", "sex", "age_band"],
    "flows": ["period", "origin_type", "origin_code", "destination_type", "destination_code"],
}


def _write_csv(df: pd.DataFrame, table: str, path: Path) -> None:
    """One canonical table as CSV: canonical columns, stable row order, floats rounded and formatted one way."""
    df = df[CANONICAL_COLUMNS[table]].copy()
    for col in ("period_start", "period_end", "published"):
        if col in df.columns:
            df[col] = pd.to_datetime(df[col]).dt.strftime("%Y-%m-%d").where(df[col].notna(), "")
    # Stable order; "Persons" first would need a custom order, plain text order is enough to be deterministic.
    df = df.sort_values(_SORT_KEYS[table], kind="mergesort").reset_index(drop=True)
    for col in df.columns:
        if pd.api.types.is_float_dtype(df[col]):
            df[col] = df[col].round(6)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False, float_format="%.10g", lineterminator="\n")


def _coords(geom) -> object:
    """GeoJSON coordinates rounded to a fixed number of decimals."""
    def ring(r):
        return [[round(float(x), _DECIMALS), round(float(y), _DECIMALS)] for x, y in np.asarray(r.coords)]

    def poly(p):
        p = shapely.geometry.polygon.orient(p, 1.0)  # exterior anticlockwise (RFC 7946)
        return [ring(p.exterior)] + [ring(h) for h in p.interiors]

    if geom.geom_type == "Polygon":
        return "Polygon", poly(geom)
    parts = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if len(parts) == 1:
        return "Polygon", poly(parts[0])
    return "MultiPolygon", [poly(p) for p in sorted(parts, key=lambda g: (-g.area, g.bounds))]


def _write_geojson(features: list[tuple[str, str, str, object]], path: Path) -> None:
    """Shapes as a compact GeoJSON FeatureCollection sorted by area code."""
    out = []
    for code, name, area_type, geom in sorted(features, key=lambda f: f[0]):
        kind, coords = _coords(geom)
        out.append({"type": "Feature", "properties": {"area_code": code, "area_name": name, "area_type": area_type},
                    "geometry": {"type": kind, "coordinates": coords}})
    doc = {"type": "FeatureCollection", "features": out}
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(json.dumps(doc, separators=(",", ":"), ensure_ascii=False))
        fh.write("\n")


def write_demo(out_dir, seed: int | None = None) -> Path:
    """Write the synthetic demo borough into ``out_dir`` (created if needed); returns the folder.

    Files: ``areas.csv``, ``lookups.csv``, ``indicators.csv``, ``values.csv``, ``population.csv``, ``flows.csv``,
    ``geometries/<area_type>.geojson`` and the marker ``thanalysis-demo.json`` (seed, version, note, location,
    the planted SPC events, and the SHA-256 of every other file). The marker is written last, so a half-written
    folder is never mistaken for a demo. Same seed → byte-identical files."""
    seed = DEFAULT_SEED if seed is None else int(seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    marker = out / DEMO_MARKER
    if marker.exists():
        marker.unlink()

    geo = make_geography(seed)
    pops = make_populations(seed, geo)
    annual = make_annual(seed, geo, pops)
    priorities, sources = load_priorities(), load_extract_sources()
    monthly, planted, monthly_indicators = make_monthly(seed, geo, pops, priorities)
    known = reader_metadata()
    specs, trust_specs = published_specs(priorities, known), trust_series_specs(priorities, sources, known)
    published, suppressed = make_published(seed, pops, specs)
    values = pd.concat([annual, monthly, published, make_trusts(seed, trust_specs)], ignore_index=True)
    indicators = pd.DataFrame(
        [{"indicator_id": i.indicator_id, "name": i.name, "value_type": i.value_type, "multiplier": i.multiplier,
          "unit": i.unit, "polarity": i.polarity, "source": SOURCE, "licence": LICENCE, "frequency": "annual"}
         for i in ANNUAL]
        + [{"indicator_id": i, "name": n, "value_type": vt, "multiplier": m, "unit": u, "polarity": p,
            "source": SOURCE, "licence": LICENCE, "frequency": "annual"} for i, n, vt, m, u, p in DEPRIVATION]
        + monthly_indicators + indicator_rows(specs + trust_specs))
    twice = indicators["indicator_id"][indicators["indicator_id"].duplicated()].tolist()
    if twice:
        raise DataError("A published series of the demo has the id of one of its own indicators.",
                        file="data/priorities.yml", column="indicator_id", values=twice,
                        expected="indicator ids the demo does not generate itself")
    planted = planted + stopped(specs, priorities, [HOME_CODE, *(c for c, _ in NEIGHBOURS), REGION_CODE,
                                                    COUNTRY_CODE]) + stopped_trust_series(trust_specs, sources)

    # Data currency: the demo's publication date; the lag of each indicator is the default of its frequency.
    indicators = indicators.assign(published=PUBLISHED, lag_months=indicators["frequency"].map(default_lag_months))
    tables = {"areas": _areas_table(geo), "lookups": _lookups_table(geo, pops), "indicators": indicators,
              "values": values, "population": population_table(geo, pops), "flows": make_flows(seed, geo, pops)}
    for name, df in tables.items():
        _write_csv(df, name, out / TABLE_FILES[name])

    names = dict(zip(zip(tables["areas"]["area_code"], tables["areas"]["area_type"]), tables["areas"]["area_name"]))
    for area_type in GEOM_TYPES:
        feats = [(code, names[(code, area_type)], area_type, g) for code, g in geo.geoms[area_type]]
        _write_geojson(feats, out / "geometries" / f"{area_type}.geojson")

    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != DEMO_MARKER
                   and (p.name in TABLE_FILES.values() or p.parent.name == "geometries"))
    meta = {
        "name": HOME_NAME,
        "home_area_code": HOME_CODE,
        "seed": seed,
        "version": DEMO_VERSION,
        "note": "Synthetic demonstration data: a fictional borough generated by thanalysis. Every code starts "
                "with X and every name ends '(synthetic)'. No figure describes a real place or real people.",
        "location": LOCATION_NOTE,
        "as_of": PUBLISHED,
        "years": [str(y) for y in YEARS],
        "months": {"first": month_labels()[0], "last": month_labels()[-1], "count": N_MONTHS},
        "annual_indicator_ids": [i.indicator_id for i in ANNUAL],
        "deprivation_indicator_ids": [d[0] for d in DEPRIVATION],
        "monthly_metric_ids": [m["indicator_id"] for m in monthly_indicators],
        "monthly_metrics_from": METRICS_FROM,
        "published_indicator_ids": [s.indicator_id for s in specs],
        "trust_series_ids": [s.indicator_id for s in trust_specs],
        "trusts": [{"area_code": c, "area_name": n, "serves": [HOME_CODE] if k == 0 else []}
                   for k, (c, n) in enumerate(TRUSTS)],
        "extracts": demo_extracts(sources),
        "suppressed": suppressed,
        "ethnic_breakdowns": sorted(i.indicator_id for i in ANNUAL if i.ethnic),
        "narrowing_gaps": sorted(i.indicator_id for i in ANNUAL if i.gap_shrink > 0),
        "priorities": {i.indicator_id: i.priority for i in ANNUAL},
        "planted_rules": (
            "Monthly series for the borough and each locality. 'none' series and every area in 'quiet_areas' were "
            "checked to show no special cause under the Making Data Count XmR rules (points outside mean ± 2.66 "
            "mean moving range, with and without screening large moving ranges; runs of 6 or 7 on one side of the "
            "mean; trends of 6 or 7 points; two of three beyond 2 sigma). Each planted event was checked to be "
            "found in 'areas' inside start-end by the least sensitive variant (runs/trends of 7, unscreened "
            "limits). 'size' is the planted change in the metric's own units (per cent points for proportions). "
            "An event 'stops_early' is a published-style series planted out of date: it ends at 'last_period' in "
            "'stopped_areas' (no SPC event, so 'areas' and 'quiet_areas' are empty)."),
        "planted": planted,
        "files": {p.relative_to(out).as_posix(): sha256_file(p) for p in files},
    }
    with open(marker, "w", encoding="utf-8", newline="") as fh:
        fh.write(json.dumps(meta, indent=2, ensure_ascii=False, sort_keys=False))
        fh.write("\n")
    return out


def main(args) -> int:
    """``thanalysis data demo [--out DIR] [--seed N]``: write the demo and print every file's SHA-256."""
    out = Path(args.out) if getattr(args, "out", None) else demo_dir()
    started = time.perf_counter()
    write_demo(out, seed=getattr(args, "seed", None))
    took = time.perf_counter() - started
    meta = json.loads((out / DEMO_MARKER).read_text(encoding="utf-8"))
    print(f"Synthetic demo borough written to {out} (seed {meta['seed']}, {took:.1f} s)")
    for rel, digest in meta["files"].items():
        print(f"  {digest}  {rel}")
    print(f"  {sha256_file(out / DEMO_MARKER)}  {DEMO_MARKER}")
    return 0
