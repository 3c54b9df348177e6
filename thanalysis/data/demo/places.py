"""The demo's places: a Voronoi tiling of LSOAs grouped into wards, localities and a borough, the 2011 LSOAs
that were split, seven neighbouring boroughs around it, a region and a country, and GP practices in primary care
networks (eight per locality, two just across each border)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from thanalysis.data.demo.common import (COUNTRY_CODE, HOME_CODE, LOCALITIES, NEIGHBOURS, REGION_CODE, WARD_NAMES,
                                         substream)

# Geometry of the tiling (degrees).
_CELL = 0.004
_NX, _NY = 16, 11
_LON0, _LAT0 = 0.06, 0.06
#: Area types the demo has shapes for (one GeoJSON file each).
GEOM_TYPES = ("lsoa11", "lsoa21", "ward22", "locality", "la", "region", "country")
_GRID = 1e-7  # coordinates are snapped to this grid so shared edges are identical


@dataclass
class Geography:
    """Everything the other parts build on: areas, their shapes, neighbours and practices."""

    lsoa: pd.DataFrame      # code, name, ward, locality, x, y, u, v, z, imd_score
    wards: pd.DataFrame     # code, name, locality, x, y
    geoms: dict             # area_type -> list of (code, shapely geometry)
    lsoa11: pd.DataFrame    # lsoa11 code, name, lsoa21 code (one row per 2011→2021 piece)
    neighbours: pd.DataFrame  # code, name, z, size
    practices: pd.DataFrame   # code, name, pcn, la, x, y
    pcns: pd.DataFrame        # code, name, la


def _outline(rng) -> shapely.Geometry:
    """The borough's outline: a superellipse with a wobbly edge, centred on the tiling."""
    cx, cy = _LON0 + _NX * _CELL / 2, _LAT0 + _NY * _CELL / 2
    a, b = _NX * _CELL / 2 * 0.97, _NY * _CELL / 2 * 0.97
    theta = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    phase = rng.uniform(0, 2 * np.pi, 3)
    wobble = 1 + 0.05 * np.sin(3 * theta + phase[0]) + 0.035 * np.sin(5 * theta + phase[1]) \
        + 0.02 * np.sin(9 * theta + phase[2])
    c, s = np.cos(theta), np.sin(theta)
    # A superellipse (|x/a|^3 + |y/b|^3 = 1) with a wobbly edge looks like a borough, not a rectangle.
    r = (np.abs(c / a) ** 3 + np.abs(s / b) ** 3) ** (-1 / 3) * wobble
    return shapely.make_valid(shapely.Polygon(np.column_stack([cx + r * c, cy + r * s])))


def _kmeans(points: np.ndarray, k: int, iterations: int = 25) -> np.ndarray:
    """Deterministic Lloyd's k-means (seeds spread by angle round the centre): contiguous-looking wards."""
    centre = points.mean(axis=0)
    angle = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    order = np.argsort(angle, kind="stable")
    seeds = points[order[(np.arange(k) * len(points)) // k + len(points) // (2 * k)]] * 0.6 + centre * 0.4
    labels = np.zeros(len(points), dtype=int)
    for _ in range(iterations):
        d = ((points[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2)
        labels = d.argmin(axis=1)
        for j in range(k):
            if (labels == j).any():
                seeds[j] = points[labels == j].mean(axis=0)
    return labels


def make_geography(seed: int) -> Geography:
    """The demo's areas and shapes for ``seed``."""
    rng = substream(seed, "geography")
    outline = _outline(rng)
    ii, jj = np.meshgrid(np.arange(_NX), np.arange(_NY))
    jitter = rng.uniform(-0.32, 0.32, size=(2, _NY, _NX))
    px = _LON0 + (ii + 0.5 + jitter[0]) * _CELL
    py = _LAT0 + (jj + 0.5 + jitter[1]) * _CELL
    pts = np.column_stack([px.ravel(), py.ravel()])
    inside = shapely.contains_xy(outline, pts[:, 0], pts[:, 1])
    pts = pts[inside]

    # Voronoi cells clipped to the outline, snapped to a fine grid so neighbours share identical edges.
    box = shapely.box(*outline.buffer(0.05).bounds)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=box, ordered=True)
    cells = np.asarray(shapely.get_parts(cells))
    cells = shapely.intersection(cells, outline, grid_size=_GRID)

    # Localities: north/south of the median latitude, then west/east of each half's median longitude
    # (the same rule that gave Tower Hamlets its provisional localities).
    n = len(pts)
    north = np.zeros(n, dtype=bool)
    north[np.argsort(-pts[:, 1], kind="stable")[: n // 2]] = True
    locality = np.zeros(n, dtype=int)
    for half, base in ((north, 0), (~north, 2)):
        idx = np.flatnonzero(half)
        west = idx[np.argsort(pts[idx, 0], kind="stable")[: len(idx) // 2]]
        locality[idx] = base + 1
        locality[west] = base
    # Five wards per locality.
    ward_local = np.zeros(n, dtype=int)
    for loc in range(4):
        idx = np.flatnonzero(locality == loc)
        ward_local[idx] = _kmeans(pts[idx], 5)
    ward_index = locality * 5 + ward_local
    # Number wards in reading order within each locality (north-west first), LSOAs likewise within wards.
    ward_centres = np.array([pts[ward_index == w].mean(axis=0) for w in range(20)])
    ward_order = sorted(range(20), key=lambda w: (w // 5, -round(ward_centres[w, 1] / _CELL), ward_centres[w, 0]))
    ward_rank = {w: r for r, w in enumerate(ward_order)}
    ward_no = np.array([ward_rank[w] for w in ward_index])
    lsoa_order = sorted(range(n), key=lambda i: (ward_no[i], -round(pts[i, 1] / _CELL), pts[i, 0]))

    pts, cells, ward_no, locality = pts[lsoa_order], cells[lsoa_order], ward_no[lsoa_order], locality[lsoa_order]
    ward_codes = [f"X05{w + 1:06d}" for w in range(20)]
    ward_names = [f"{WARD_NAMES[w]} (synthetic)" for w in range(20)]
    lsoa_codes = [f"X01{i + 1:06d}" for i in range(n)]
    counters: dict[int, int] = {}
    lsoa_names = []
    for w in ward_no:
        counters[w] = counters.get(w, 0) + 1
        lsoa_names.append(f"Riverside {w + 1:03d}{chr(64 + counters[w])} (synthetic)")

    # Deprivation: a smooth field (two deprived districts, one affluent waterfront) plus local noise.
    u = (pts[:, 0] - pts[:, 0].min()) / np.ptp(pts[:, 0])
    v = (pts[:, 1] - pts[:, 1].min()) / np.ptp(pts[:, 1])
    field = (1.1 * np.exp(-((u - 0.25) ** 2 + (v - 0.6) ** 2) / 0.08)
             + 0.9 * np.exp(-((u - 0.8) ** 2 + (v - 0.75) ** 2) / 0.06)
             - 1.1 * np.exp(-((u - 0.6) ** 2 + (v - 0.1) ** 2) / 0.04))
    raw = field + rng.normal(0, 0.35, n)
    z = (raw - raw.mean()) / raw.std()
    imd_score = np.clip(29 + 10 * z, 4.5, 70).round(3)

    lsoa = pd.DataFrame({
        "code": lsoa_codes, "name": lsoa_names, "ward": [ward_codes[w] for w in ward_no],
        "locality": [LOCALITIES[k][0] for k in locality], "x": pts[:, 0], "y": pts[:, 1], "u": u, "v": v,
        "z": z, "imd_score": imd_score,
    })
    wards = pd.DataFrame({"code": ward_codes, "name": ward_names,
                          "locality": [lsoa.loc[lsoa["ward"] == c, "locality"].iloc[0] for c in ward_codes]})

    geoms: dict[str, list] = {"lsoa21": list(zip(lsoa_codes, cells))}
    geoms["ward22"] = [(c, shapely.union_all(cells[lsoa["ward"].to_numpy() == c], grid_size=_GRID))
                       for c in ward_codes]
    geoms["locality"] = [(c, shapely.union_all(cells[lsoa["locality"].to_numpy() == c], grid_size=_GRID))
                         for c, _ in LOCALITIES]
    borough = shapely.union_all(cells, grid_size=_GRID)

    # 2011 LSOAs: five 2011 LSOAs were each split into two 2021 LSOAs (as ONS did where populations grew);
    # every other 2011 LSOA kept its code and shape.
    lsoa11_rows = []
    touched: set[int] = set()
    splits = 0
    for w in range(0, 20, 4):  # one split in every fourth ward
        members = np.flatnonzero(ward_no == w)
        for a in members:
            partners = [b for b in members if b > a and b not in touched and a not in touched
                        and shapely.intersection(cells[a], cells[b], grid_size=_GRID).length > 0]
            if partners:
                b = partners[0]
                splits += 1
                code11 = f"X01{900000 + splits:06d}"
                for piece in (a, b):
                    lsoa11_rows.append((code11, f"Riverside {w + 1:03d}X{splits} (synthetic, 2011)", lsoa_codes[piece]))
                touched.update((a, b))
                break
    for i, code in enumerate(lsoa_codes):
        if i not in touched:
            lsoa11_rows.append((code, lsoa_names[i], code))
    lsoa11 = pd.DataFrame(lsoa11_rows, columns=["code", "name", "lsoa21"])
    code_to_cell = dict(zip(lsoa_codes, cells))
    geoms["lsoa11"] = [(c, shapely.union_all([code_to_cell[x] for x in g["lsoa21"]], grid_size=_GRID))
                       for c, g in lsoa11.groupby("code", sort=True)]

    # Neighbours: the land around the borough cut into seven wedges; the region is all eight boroughs.
    cx, cy = borough.centroid.x, borough.centroid.y
    region = shapely.box(*(np.array(borough.bounds) + np.array([-0.035, -0.035, 0.035, 0.035])))
    ring = shapely.difference(region, borough, grid_size=_GRID)
    start = rng.uniform(0, 2 * np.pi / 7)
    far = 1.0
    neighbour_geoms = []
    for k in range(7):
        a0, a1 = start + 2 * np.pi * k / 7, start + 2 * np.pi * (k + 1) / 7
        arc = np.linspace(a0, a1, 16)
        wedge = shapely.Polygon([(cx, cy), *zip(cx + far * np.cos(arc), cy + far * np.sin(arc))])
        neighbour_geoms.append(shapely.intersection(ring, wedge, grid_size=_GRID))
    geoms["la"] = [(HOME_CODE, borough)] + [(c, g) for (c, _), g in zip(NEIGHBOURS, neighbour_geoms)]
    geoms["region"] = [(REGION_CODE, shapely.union_all([borough, *neighbour_geoms], grid_size=_GRID))]
    country = shapely.box(*(np.array(region.bounds) + np.array([-0.25, -0.05, 0.25, 0.2])))
    geoms["country"] = [(COUNTRY_CODE, shapely.set_precision(country, _GRID))]
    neighbours = pd.DataFrame({
        "code": [c for c, _ in NEIGHBOURS], "name": [nm for _, nm in NEIGHBOURS],
        # Neighbours range from about as deprived as Riverside to much less deprived.
        "z": np.round(rng.uniform(-1.4, 0.4, 7), 4),
        "population": np.round(rng.uniform(160_000, 380_000, 7), -3),
        "angle": [start + 2 * np.pi * (k + 0.5) / 7 for k in range(7)],
    })

    # Practices: eight per locality (two primary care networks of four each), at LSOA centres spread apart;
    # two per neighbour just across the border, which draw some Riverside residents (and vice versa).
    prac_rows, pcn_rows = [], []
    number = 0
    for k, (loc_code, loc_name) in enumerate(LOCALITIES):
        idx = np.flatnonzero(lsoa["locality"].to_numpy() == loc_code)
        chosen = [idx[np.argmin(((pts[idx] - pts[idx].mean(0)) ** 2).sum(1))]]  # start at the centre
        while len(chosen) < 8:  # farthest-point sampling: practices spread across the locality
            d = np.min(((pts[idx][:, None, :] - pts[chosen][None, :, :]) ** 2).sum(2), axis=1)
            chosen.append(idx[int(np.argmax(d))])
        chosen = sorted(chosen, key=lambda i: (pts[i, 0], pts[i, 1]))
        for half in range(2):
            pcn = f"XPCN{2 * k + half + 1:02d}"
            pcn_rows.append((pcn, f"Riverside {loc_name.split(' (')[0]} {half + 1} PCN (synthetic)", HOME_CODE))
            for i in chosen[half * 4:(half + 1) * 4]:
                number += 1
                prac_rows.append((f"XGP{number:03d}", f"Riverside Health Centre {number:02d} (synthetic)", pcn,
                                  HOME_CODE, pts[i, 0], pts[i, 1]))
    edge = shapely.get_exterior_ring(shapely.buffer(borough, 0.003, quad_segs=4))
    for k, row in neighbours.iterrows():
        pcn = f"XPCN{9 + k:02d}"
        pcn_rows.append((pcn, f"{row['name'].split(' (')[0]} Border PCN (synthetic)", row["code"]))
        for offset in (-0.25, 0.25):
            ang = row["angle"] + offset * 2 * np.pi / 7
            ray = shapely.LineString([(cx, cy), (cx + far * np.cos(ang), cy + far * np.sin(ang))])
            hit = shapely.intersection(ray, edge)
            parts = shapely.get_parts(hit)
            far_pt = max(parts, key=lambda p: (p.x - cx) ** 2 + (p.y - cy) ** 2)
            number += 1
            prac_rows.append((f"XGP{number:03d}", f"{row['name'].split(' (')[0]} Surgery {number:02d} (synthetic)",
                              pcn, row["code"], far_pt.x, far_pt.y))
    practices = pd.DataFrame(prac_rows, columns=["code", "name", "pcn", "la", "x", "y"])
    pcns = pd.DataFrame(pcn_rows, columns=["code", "name", "la"])
    return Geography(lsoa=lsoa, wards=wards, geoms=geoms, lsoa11=lsoa11, neighbours=neighbours.drop(columns="angle"),
                      practices=practices, pcns=pcns)

