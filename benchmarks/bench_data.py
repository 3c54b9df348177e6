"""Benchmark loading and validating every Tower Hamlets table from the real data root.

Run on demand:  .venv/bin/python benchmarks/bench_data.py [DATA_ROOT]

The data root is the argument, else ``$THANALYSIS_DATA_ROOT``, else ``../shared/data/open`` beside the project.
One "load" = a new ``RealStore`` with the in-process file cache emptied, then areas, lookups, indicators,
values (all indicators), population, flows and the geometries of lsoa11, lsoa21, msoa21, ward22 and la
within Tower Hamlets, each validated by its pandera schema. Reported: the time to import the libraries once
(pandas, geopandas, pandera, scipy through the stats module), the median of 3 loads, and each table's share of
the last load. Aim: a load under 3 s. ``indicators`` lists the published series too (each module's cheap
``indicators(root)``); ``values`` is every core indicator, as a report reads it: the published series are read only
for the ids a report asks for, so they are timed apart ("published series, on demand": the modules holding the
dashboard's A&E, homelessness, life expectancy, adult social care and children's services ids), once with the
process's cache of series empty and once more in a new store, as the next report in a reused kernel reads them
(a series is read once per process while its files are unchanged). CPU seconds are printed beside wall-clock
seconds: on a shared machine the CPU figure is the one to compare. ``run()`` returns the
rows as dicts.
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
#: Ids of published series a dashboard asks for (nhs_trusts, homelessness, fingertips_tidy, social_care, children).
PUBLISHED_IDS = ["nhse_ae_4hr", "hclic_ta_per_1000", "90366", "oflog_asc_qol_impact", "dfe_cla_rate"]


def _data_root(arg: str | None = None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("THANALYSIS_DATA_ROOT"):
        return Path(os.environ["THANALYSIS_DATA_ROOT"])
    return Path(__file__).resolve().parents[1].parent / "shared" / "data" / "open"


def _load_once(root: Path) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of each table of one load with cold in-process caches."""
    from thanalysis.data import real

    real._read_cached.cache_clear()
    real._sha256_cached.cache_clear()
    store = real.RealStore(root, home_area_code=HOME)
    jobs = [(name, getattr(store, name)) for name in ("areas", "lookups", "indicators", "values", "population",
                                                     "flows")]
    jobs += [(f"geometries:{t}", (lambda t=t: store.geometries(t, within=HOME))) for t in GEOMETRY_TYPES]
    steps: dict[str, tuple[float, float]] = {}
    for name, build in jobs:
        t, c = time.perf_counter(), time.process_time()
        build()
        steps[name] = (time.perf_counter() - t, time.process_time() - c)
    return steps


def _published_once(root: Path, *, cold: bool = True) -> tuple[float, float]:
    """(wall, CPU) seconds to read the published series holding :data:`PUBLISHED_IDS`, in a new store; ``cold``:
    with the process's cache of series emptied (else as the next report in a reused kernel finds it)."""
    from thanalysis.data import real, real_published

    if cold:
        real_published._READ.clear()
    store = real.RealStore(root, home_area_code=HOME)
    store.indicators()
    t, c = time.perf_counter(), time.process_time()
    store.values(PUBLISHED_IDS)
    return time.perf_counter() - t, time.process_time() - c


def run(data_root: str | None = None) -> list[dict]:
    root = _data_root(data_root)
    t = time.perf_counter()
    import geopandas  # noqa: F401
    import pandera.pandas  # noqa: F401

    import thanalysis.data.real  # noqa: F401
    import thanalysis.stats.intervals  # noqa: F401

    import_seconds = time.perf_counter() - t
    loads = [_load_once(root) for _ in range(REPEATS)]
    walls = [sum(w for w, _ in s.values()) for s in loads]
    cpus = [sum(c for _, c in s.values()) for s in loads]
    rows = [{"workload": "import libraries (once)", "seconds": round(import_seconds, 3), "cpu_s": None,
             "target_s": None}]
    rows.append({"workload": f"load + validate all Tower Hamlets tables (median of {REPEATS})",
                 "seconds": round(statistics.median(walls), 3), "cpu_s": round(statistics.median(cpus), 3),
                 "target_s": TARGET_SECONDS})
    rows.append({"workload": "first load (cold in-process caches)", "seconds": round(walls[0], 3),
                 "cpu_s": round(cpus[0], 3), "target_s": TARGET_SECONDS})
    for name, (wall, cpu) in loads[-1].items():
        rows.append({"workload": f"  {name}", "seconds": round(wall, 3), "cpu_s": round(cpu, 3), "target_s": None})
    wall, cpu = _published_once(root)
    rows.append({"workload": f"published series, on demand ({len(PUBLISHED_IDS)} ids, 5 modules)",
                 "seconds": round(wall, 3), "cpu_s": round(cpu, 3), "target_s": None})
    wall, cpu = _published_once(root, cold=False)
    rows.append({"workload": "  the same in the next report's new store (same kernel, files unchanged)",
                 "seconds": round(wall, 3), "cpu_s": round(cpu, 3), "target_s": None})
    return rows


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    rows = run(argv[0] if argv else None)
    width = max(len(r["workload"]) for r in rows)
    print(f"{'workload':<{width}}  {'seconds':>8}  {'cpu s':>8}  target")
    for r in rows:
        target = "" if r["target_s"] is None else f"< {r['target_s']:.0f} s"
        cpu = "" if r["cpu_s"] is None else f"{r['cpu_s']:.3f}"
        print(f"{r['workload']:<{width}}  {r['seconds']:>8.3f}  {cpu:>8}  {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
