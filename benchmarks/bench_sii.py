"""Benchmark the slope index of inequality and deprivation quantiles against the R reference.

Run on demand:  .venv/bin/python benchmarks/bench_sii.py

* SII: the inputs come from the shared, deterministic ``make_inputs.py`` (``sii_input.csv``,
  300 areas x 10 deciles), run exactly as the R call timed in ``shared/bench/README.md``:
  ``phe_sii(group_by(sii, area), decile, population, value_type = 0, value = value, se = se,
  repetitions = 100000, confidence = 0.95, rii = TRUE, intercept = TRUE)`` - 112.4 s in R.
  The bench folder is ``$THANALYSIS_BENCH_DIR`` or ``../shared/bench`` beside the project.
* Deprivation deciles for all 32,844 LSOAs of England from the IMD 2019 scores
  (``imd2019/imd2019_scores_england_from_mysociety.csv`` under ``$THANALYSIS_DATA_ROOT`` or
  ``../shared/data/open``). There is no R timing for this one.

Each is timed as the median of 3 runs of the library call alone (inputs already read). Peak memory
is the process's peak resident set size after the runs. ``run()`` returns the rows as dicts.
"""
from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

import pandas as pd

from thanalysis.stats.inequality import slope_index_of_inequality
from thanalysis.stats.quantiles import assign_deprivation_quantiles

BENCH_ENV = "THANALYSIS_BENCH_DIR"
DATA_ENV = "THANALYSIS_DATA_ROOT"
REPEATS = 3
#: R median for the SII workload (shared/bench/README.md; PHEindicatormethods 2.1.0, 2 cores).
R_SII_SECONDS = 112.4
R_SII_PEAK_MIB = 228
IMD_FILE = Path("imd2019") / "imd2019_scores_england_from_mysociety.csv"


def _beside_project(*parts: str) -> Path:
    return Path(__file__).resolve().parent.parent.parent.joinpath(*parts)


def bench_dir() -> Path:
    env = os.environ.get(BENCH_ENV)
    return Path(env).expanduser().resolve() if env else _beside_project("shared", "bench").resolve()


def data_root() -> Path:
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser().resolve() if env else _beside_project("shared", "data", "open").resolve()


def make_inputs(out: Path) -> Path:
    """Run the shared generator into ``out`` and return the SII input file."""
    script = bench_dir() / "make_inputs.py"
    if not script.is_file():
        raise FileNotFoundError(f"make_inputs.py not found at {script} (set ${BENCH_ENV})")
    subprocess.run([sys.executable, str(script), str(out)], check=True, capture_output=True, text=True)
    return out / "sii_input.csv"


def median_seconds(call: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        sii_input = pd.read_csv(make_inputs(Path(tmp)))

    def sii():
        return slope_index_of_inequality(
            sii_input, "decile", "population", "value", value_type=0, group_by="area", se="se",
            repetitions=100_000, confidence=0.95, rii=True, intercept=True,
        )

    seconds, cpu = median_seconds(sii)
    rows.append({
        "workload": "SII, 300 areas x 10 deciles, 100,000 repetitions, RII and intercept",
        "python_seconds": round(seconds, 3),
        "python_cpu_seconds": round(cpu, 3),
        "r_seconds": R_SII_SECONDS,
        "speed_up": round(R_SII_SECONDS / seconds, 1),
        "python_peak_mib": round(peak_mib(), 1),
        "r_peak_mib": R_SII_PEAK_MIB,
    })

    imd_path = data_root() / IMD_FILE
    if imd_path.is_file():
        imd = pd.read_csv(imd_path)
        seconds, cpu = median_seconds(lambda: assign_deprivation_quantiles(imd, "imd_score", n_quantiles=10))
        rows.append({
            "workload": f"IMD 2019 deciles, {len(imd):,} LSOAs",
            "python_seconds": round(seconds, 4),
            "python_cpu_seconds": round(cpu, 4),
            "r_seconds": None,
            "speed_up": None,
            "python_peak_mib": round(peak_mib(), 1),
            "r_peak_mib": None,
        })
    else:
        rows.append({"workload": f"IMD 2019 deciles: skipped, {imd_path} not found (set ${DATA_ENV})"})
    return rows


def main() -> int:
    for row in run():
        if row.get("python_seconds") is None:
            print(row["workload"])
            continue
        r = f"R {row['r_seconds']:>7.1f} s  ratio R/Python {row['speed_up']:>6.1f}x" if row["r_seconds"] else "R      n/a"
        print(f"{row['workload']:<72} Python {row['python_seconds']:>8.3f} s (CPU {row['python_cpu_seconds']:.3f} s)  {r}  peak {row['python_peak_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
