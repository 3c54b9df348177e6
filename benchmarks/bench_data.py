"""Benchmark loading and validating every Tower Hamlets table from the real data root.

Run on demand:  .venv/bin/python benchmarks/bench_data.py [DATA_ROOT]

The data root is the argument, else ``$THANALYSIS_DATA_ROOT``, else ``../shared/data/open`` beside the project.
One "load" = a new ``RealStore`` with the in-process file cache emptied, then areas, lookups, indicators,
values (all indicators), population, flows and the geometries of lsoa11, lsoa21, msoa21, ward22 and la
within Tower Hamlets, each validated by its pandera schema. Reported: the time to import the libraries once
(pandas, geopandas, pandera, scipy through the stats module), the median of 3 loads, and each table's share of
the last load. Aim: a load under 3 s. ``run()`` returns the rows as dicts.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

HOME = "E09000030"
REPEATS = 3
TARGET_SECONDS = 3.0
GEOMETRY_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "la")


def _data_root(arg: str | None = None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("THANALYSIS_DATA_ROOT"):
        return Path(os.environ["THANALYSIS_DATA_ROOT"])
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "open"


def _load_once(root: Path) -> dict[str, float]:
    from thanalysis.data import real

    real._read_cached.cache_clear()
    real._sha256_cached.cache_clear()
    store = real.RealStore(root, home_area_code=HOME)
    steps: dict[str, float] = {}
    for name in ("areas", "lookups", "indicators", "values", "population", "flows"):
        t = time.perf_counter()
        getattr(store, name)()
        steps[name] = time.perf_counter() - t
    for area_type in GEOMETRY_TYPES:
        t = time.perf_counter()
        store.geometries(area_type, within=HOME)
        steps[f"geometries:{area_type}"] = time.perf_counter() - t
    return steps


def run(data_root: str | None = None) -> list[dict]:
    root = _data_root(data_root)
    t = time.perf_counter()
    import geopandas  # noqa: F401
    import pandera.pandas  # noqa: F401

    import thanalysis.data.real  # noqa: F401
    import thanalysis.stats.intervals  # noqa: F401

    import_seconds = time.perf_counter() - t
    loads = [_load_once(root) for _ in range(REPEATS)]
    totals = [sum(s.values()) for s in loads]
    rows = [{"workload": "import libraries (once)", "seconds": round(import_seconds, 3), "target_s": None}]
    rows.append({"workload": f"load + validate all Tower Hamlets tables (median of {REPEATS})",
                 "seconds": round(statistics.median(totals), 3), "target_s": TARGET_SECONDS})
    rows.append({"workload": "first load (cold in-process caches)", "seconds": round(totals[0], 3),
                 "target_s": TARGET_SECONDS})
    for name, seconds in loads[-1].items():
        rows.append({"workload": f"  {name}", "seconds": round(seconds, 3), "target_s": None})
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = run(argv[0] if argv else None)
    width = max(len(r["workload"]) for r in rows)
    print(f"{'workload':<{width}}  {'seconds':>8}  target")
    for r in rows:
        target = "" if r["target_s"] is None else f"< {r['target_s']:.0f} s"
        print(f"{r['workload']:<{width}}  {r['seconds']:>8.3f}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
