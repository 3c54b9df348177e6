"""Runs *inside* a report kernel that the build reuses: make it look freshly started before the next report.

A kernel costs about 1 s to start and a report's imports (pandas, scipy, geopandas, matplotlib, folium) about
1.5 s more, per report; a worker therefore keeps one kernel and runs its reports in turn
(:mod:`thanalysis.publish.runner`). Before each report :func:`prepare` puts back what a notebook can change:

- the user namespace (IPython ``reset``), the execution counter (so cell numbers and the executed notebook
  are the same as in a fresh kernel) and the input history, in a new session as a fresh kernel opens one (in
  the old session, cell numbers counted from 1 again collide with the last report's in IPython's history
  database, and IPython prints an error about it into whichever cell is running);
- ``os.environ`` (the report contract: output folder, data root) and the working directory;
- ``sys.path``, warning filters, matplotlib's rcParams, pandas display options and open pyplot figures.

Imported modules stay loaded (that is the saving), and so do files read by :mod:`thanalysis.data`, which are
cached per process by path, modification time and size. Notebook code therefore must not change a table it
was given in place; the library never does, and builds with and without reuse are compared in the tests.
"""
from __future__ import annotations

_BASELINE: dict | None = None


def prepare(environ: dict[str, str], cwd: str) -> None:
    """Reset this kernel for the next report: environment ``environ``, working directory ``cwd``."""
    global _BASELINE
    import os
    import sys
    import warnings

    from IPython import get_ipython

    shell = get_ipython()
    if _BASELINE is None:  # the kernel's first report: remember how a fresh kernel looks
        _BASELINE = {"path": list(sys.path), "warnings": list(warnings.filters), "rc": _rc_params()}
    else:
        shell.reset(new_session=True)
        sys.path[:] = _BASELINE["path"]
        warnings.filters[:] = _BASELINE["warnings"]
        warnings._filters_mutated()  # noqa: SLF001 - tells the C warnings module its filter cache is stale
        _restore_rc(_BASELINE["rc"])
        _reset_pandas_options()
        _close_pyplot_figures()
    kept = {k: v for k, v in os.environ.items() if k.startswith("JPY_")}  # set by Jupyter for this kernel
    os.environ.clear()
    os.environ.update(environ)
    os.environ.update(kept)
    os.chdir(cwd)
    shell.execution_count = 1


def _rc_params():
    """matplotlib's settings as a fresh kernel has them (importing it here costs a tenth of a second, once)."""
    import matplotlib

    return matplotlib.rcParams.copy()


def _restore_rc(saved) -> None:
    import warnings

    import matplotlib

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(saved)


def _reset_pandas_options() -> None:
    import sys
    import warnings

    if "pandas" not in sys.modules:
        return
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.reset_option("all")


def _close_pyplot_figures() -> None:
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
