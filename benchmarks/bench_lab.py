"""Does `make lab` slow the build? Prints the start-up figures of the report environment (.venv).

JupyterLab lives in .venv-lab; this prints, for the .venv that builds the reports, whether any JupyterLab
package leaked into it and how long `thanalysis --help` and `import papermill` take (median of 5 runs). Run it
before and after `make lab`: the figures should not move.

    .venv/bin/python benchmarks/bench_lab.py
"""
from __future__ import annotations

import importlib.util
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def _median_seconds(cmd: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    leaked = [m for m in ("jupyterlab", "rfc3987_syntax", "jupyter_server") if importlib.util.find_spec(m)]
    lab = Path(__file__).resolve().parents[1] / ".venv-lab"
    print(f".venv-lab present: {lab.is_dir()}; JupyterLab packages in the report environment: {leaked or 'none'}")
    print(f"thanalysis --help:  {_median_seconds([str(BIN / 'thanalysis'), '--help']):.2f} s (median of 5)")
    print(f"import papermill:   {_median_seconds([sys.executable, '-c', 'import papermill']):.2f} s (median of 5)")


if __name__ == "__main__":
    main()
