"""All benchmarks in one table, run on demand (never in the test suite):  make bench
or  .venv/bin/python benchmarks/run.py [--skip-builds] [--real-only] [--london] [--jobs N]

Prints: the demo site build (cold, then a no-op rebuild, median of 3), the real Tower Hamlets build (when the open-data
mirror is found: $THANALYSIS_DATA_ROOT or ../shared/data/open), the per-report time against the floor (a
one-cell notebook under papermill on this machine), data loading, the statistics kernels against the R
reference package's times, and the peak memory of the build processes. With --london, also the 33-borough
London plan (wall time and time per report). Record the figures in benchmarks/README.md.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "benchmarks"))


def _mirror() -> Path | None:
    env = os.environ.get("THANALYSIS_DATA_ROOT")
    candidates = [Path(env)] if env else []
    candidates.append(ROOT.parent / "shared" / "data" / "open")
    return next((c for c in candidates if (c / "imd2019").is_dir()), None)


def _load() -> str:
    """The 1, 5 and 15-minute load averages (other work on the machine slows every wall-clock figure)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of a command and every process it started (its kernels); raises with its output if it
    fails. On a shared machine the CPU seconds are the figure to compare."""
    start, cpu = time.perf_counter(), _children_cpu()
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds, _children_cpu() - cpu


def floor_seconds(repeats: int = 3) -> float:
    """Median time papermill takes to run a one-cell notebook here (kernel start + one cell + save)."""
    import nbformat
    import papermill

    tmp = Path(tempfile.mkdtemp(prefix="floor-"))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp / "one_cell.ipynb"
    nbformat.write(nb, src)
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        papermill.execute_notebook(str(src), str(tmp / f"out{i}.ipynb"), kernel_name="python3", progress_bar=False,
                                   log_output=False)
        times.append(time.perf_counter() - start)
    shutil.rmtree(tmp, ignore_errors=True)
    return statistics.median(times)


def _report_times(site: Path) -> list[float]:
    out = []
    for manifest in site.glob("*/manifest.json"):
        data = json.loads(manifest.read_text())
        seconds = data.get("duration_seconds") or data.get("duration")
        if seconds:
            out.append(float(seconds))
    return out


def _overheads(site: Path) -> list[float]:
    """Per report: its time minus its cells' own time (kernel start or reset, papermill, rendering the page)."""
    out = []
    for manifest in site.glob("*/manifest.json"):
        data = json.loads(manifest.read_text())
        cells = (data.get("run") or {}).get("cells_seconds")
        if cells is not None and data.get("duration_seconds"):
            out.append(float(data["duration_seconds"]) - float(cells))
    return out


def _html_sizes(site: Path) -> list[int]:
    return [p.stat().st_size for p in site.rglob("*.html")]


def build_rows(plan: str, label: str, data_root: Path | None, jobs: int | None) -> list[dict]:
    site = Path(tempfile.mkdtemp(prefix="bench-site-")) / "reports"
    cmd = [str(BIN / "thanalysis"), "build", "--plan", plan, "--out", str(site), "--no-progress"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = {"THANALYSIS_DATA_ROOT": str(data_root)} if data_root else {"THANALYSIS_DATA_ROOT": ""}
    cold, cold_cpu = _timed(cmd + ["--force"], env)
    noops = sorted(_timed(cmd, env) for _ in range(3))
    noop, noop_cpu = noops[1]
    per_report = _report_times(site)
    overheads = _overheads(site)
    sizes = _html_sizes(site)
    rows = [
        {"workload": f"{label}: build ({len(per_report)} reports)", "seconds": cold, "cpu_s": cold_cpu,
         "target_s": 60.0},
        # wall time divided by reports: what a report really costs with the pool's parallelism
        {"workload": f"{label}: wall time per report", "seconds": cold / max(1, len(per_report))},
        {"workload": f"{label}: no-op rebuild (nothing changed, median of 3)", "seconds": noop, "cpu_s": noop_cpu,
         "target_s": 3.0},
    ]
    if per_report:
        rows.append({"workload": f"{label}: per report, median (max {max(per_report):.1f} s)",
                     "seconds": statistics.median(per_report)})
    if overheads:
        # the aim: a report takes at most 1.5 x the one-cell floor beyond its own computation
        rows.append({"workload": f"{label}: per report beyond its own cells, median (max {max(overheads):.1f} s)",
                     "seconds": statistics.median(overheads), "overhead": True})
    if sizes:
        rows.append({"workload": f"{label}: largest HTML file, MB", "seconds": max(sizes) / 1e6, "target_s": 3.0,
                     "unit": "MB"})
    shutil.rmtree(site.parent, ignore_errors=True)
    return rows


def _normalise(row: dict) -> dict:
    """The part benchmarks name their columns differently; map them onto workload/seconds/r_seconds."""
    row = dict(row)
    for key in ("python_s", "python_seconds"):
        if row.get("seconds") is None and row.get(key) is not None:
            row["seconds"] = row[key]
    if row.get("r_seconds") is None and row.get("r_s") is not None:
        row["r_seconds"] = row["r_s"]
    row.setdefault("seconds", float("nan"))
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-builds", action="store_true", help="only the library benchmarks")
    parser.add_argument("--london", action="store_true", help="also build the 33-borough London plan")
    parser.add_argument("--real-only", action="store_true", help="build only the real Tower Hamlets site (no demo)")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks run at once in each build (default: cores)")
    args = parser.parse_args(argv)
    rows: list[dict] = []
    mirror = _mirror()
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; date {time.strftime('%Y-%m-%d')}; "
          f"load average {_load()} at the start")
    if not args.skip_builds:
        # as `make report` does: with PYTHONDONTWRITEBYTECODE set, every build and kernel would compile thanalysis
        subprocess.run([sys.executable, "-m", "compileall", "-q", "thanalysis"], cwd=ROOT, check=True,
                       capture_output=True)
        floor = floor_seconds()
        rows.append({"workload": "floor: one-cell notebook under papermill", "seconds": floor})
        demo_cache = Path(tempfile.mkdtemp(prefix="bench-demo-"))
        subprocess.run([str(BIN / "thanalysis"), "data", "demo", "--out", str(demo_cache)], check=True,
                       capture_output=True)
        if not args.real_only:
            rows += build_rows("plans/default.yml", "demo site", demo_cache, args.jobs)
        if mirror:
            rows += build_rows("plans/default.yml", "real Tower Hamlets site", mirror, args.jobs)
            if args.london:
                rows += build_rows("plans/london.yml", "London, 33 boroughs", mirror, args.jobs)
        for r in rows:
            if "per report, median" in r["workload"] or r.get("overhead"):  # comparable with the floor
                r["vs_floor"] = r["seconds"] / floor
        shutil.rmtree(demo_cache, ignore_errors=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows.append({"workload": "peak memory of one build process (MiB)", "seconds": peak, "unit": "MiB"})
    import bench_data
    import bench_sii
    import bench_stats

    if mirror:
        rows += bench_data.run(str(mirror))
    rows += bench_stats.run()
    rows += bench_sii.run()
    rows = [_normalise(r) for r in rows]
    width = max(len(r["workload"]) for r in rows)
    print(f"load average {_load()} at the end")
    print(f"{'workload':<{width}}  {'value':>9}  {'cpu s':>8}  {'target':>7}  {'R ref':>8}  ratio")
    for r in rows:
        unit = r.get("unit", "s")
        target = r.get("target_s")
        ref = r.get("r_seconds")
        floor_ratio = f"{r['vs_floor']:.2f}x floor" if r.get("vs_floor") else ""
        ratio = f"{ref / r['seconds']:.0f}x faster" if ref and r["seconds"] else floor_ratio
        cpu = "" if r.get("cpu_s") is None else f"{r['cpu_s']:.2f}"
        print(f"{r['workload']:<{width}}  {r['seconds']:>8.3f}{unit[0] if unit != 's' else 's'}  {cpu:>8}  "
              f"{'' if target is None else f'{target:g}':>7}  {'' if not ref else f'{ref:g}s':>8}  {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
