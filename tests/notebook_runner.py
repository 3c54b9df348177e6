"""Run one of the project's notebooks in a test, the way the report runner does.

papermill executes the notebook (kernel ``python3``) into ``<out>/executed.ipynb`` with
``$THANALYSIS_OUTPUT_DIR`` pointing at ``out``, so its result tables land in ``<out>/results``.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import papermill


def execute_notebook(notebook: Path, out: Path, **parameters) -> float:
    """Execute ``notebook`` with ``parameters`` into ``out``; returns the seconds it took."""
    out.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("THANALYSIS_OUTPUT_DIR")
    os.environ["THANALYSIS_OUTPUT_DIR"] = str(out)
    started = time.perf_counter()
    try:
        papermill.execute_notebook(str(notebook), str(out / "executed.ipynb"), parameters=parameters,
                                   kernel_name="python3", progress_bar=False, cwd=str(out))
    finally:
        if previous is None:
            os.environ.pop("THANALYSIS_OUTPUT_DIR", None)
        else:
            os.environ["THANALYSIS_OUTPUT_DIR"] = previous
    return time.perf_counter() - started
