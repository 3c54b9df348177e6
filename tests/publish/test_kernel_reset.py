"""A worker's kernel is reused across reports and reset in between: nothing one report does reaches the next.

The checks run real kernels: a "leaky" notebook changes everything a notebook can change (globals, the
environment, the working directory, warning filters, matplotlib and pandas settings, sys.path), then a
"checker" notebook in the same kernel records what it sees. A failed report never leaves its kernel to the next.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from thanalysis.publish import runner
from thanalysis.publish.runner import JobSpec, run_job

pytestmark = pytest.mark.slow

LEAKY = [
    "import os, sys, warnings\nimport matplotlib\nimport pandas as pd",
    "leaked_global = 42\nos.environ['THANALYSIS_TEST_LEAK'] = 'yes'\nos.chdir('/')\n"
    "warnings.simplefilter('error')\nmatplotlib.rcParams['lines.linewidth'] = 9.5\n"
    "pd.set_option('display.max_rows', 3)\nsys.path.insert(0, '/leaked/path')",
    "import json\njson.dump({'pid': os.getpid()}, open(os.path.join(os.environ['THANALYSIS_OUTPUT_DIR'], "
    "'seen.json'), 'w'))",
]
CHECKER = [
    "import os, sys, json, warnings\nimport matplotlib\nimport pandas as pd",
    "seen = {'pid': os.getpid(), 'leaked_global': 'leaked_global' in globals(),\n"
    "        'env': os.environ.get('THANALYSIS_TEST_LEAK'), 'cwd': os.getcwd(),\n"
    "        'output_dir': os.environ['THANALYSIS_OUTPUT_DIR'],\n"
    "        'error_filter': any(f[0] == 'error' and f[2] is Warning for f in warnings.filters),\n"
    "        'linewidth': matplotlib.rcParams['lines.linewidth'], 'max_rows': pd.get_option('display.max_rows'),\n"
    "        'path': '/leaked/path' in sys.path, 'count': get_ipython().execution_count}\n"
    "json.dump(seen, open(os.path.join(os.environ['THANALYSIS_OUTPUT_DIR'], 'seen.json'), 'w'))",
]


def _notebook(tmp_path: Path, name: str, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}")] + [nbformat.v4.new_code_cell(c) for c in cells]
    folder = tmp_path / "notebooks"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _spec(tmp_path: Path, name: str, notebook: Path, data_root: Path, reuse: bool) -> JobSpec:
    return JobSpec(name=name, notebook=str(notebook), notebook_shown=notebook.name, parameters={},
                   output_dir=str(tmp_path / "out" / name), executed_path=str(tmp_path / "work" / f"{name}.ipynb"),
                   data_root=str(data_root), cwd=str(notebook.parent), kernel_log=str(tmp_path / "work" / f"{name}.log"),
                   reuse_kernel=reuse)


def _seen(tmp_path: Path, name: str) -> dict:
    return json.loads((tmp_path / "out" / name / "seen.json").read_text())


@pytest.fixture(autouse=True)
def _no_kernel_left():
    runner._WARM.discard()
    yield
    runner._WARM.discard()


def test_reused_kernel_is_reset_between_reports(tmp_path, data_root):
    leaky = _notebook(tmp_path, "leaky", LEAKY)
    checker = _notebook(tmp_path, "checker", CHECKER)
    assert run_job(_spec(tmp_path, "leaky", leaky, data_root, reuse=True)).ok
    outcome = run_job(_spec(tmp_path, "checker", checker, data_root, reuse=True))
    assert outcome.ok, outcome.failure
    seen = _seen(tmp_path, "checker")
    assert seen["pid"] == _seen(tmp_path, "leaky")["pid"], "the second report should run in the same kernel"
    assert seen["leaked_global"] is False and seen["env"] is None and seen["path"] is False
    assert Path(seen["cwd"]) == checker.parent and Path(seen["output_dir"]) == tmp_path / "out" / "checker"
    assert seen["error_filter"] is False
    assert seen["linewidth"] != 9.5 and seen["max_rows"] != 3
    # cells are numbered from 1 as in a fresh kernel, so the executed notebook is the same either way
    executed = nbformat.read(tmp_path / "work" / "checker.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells if c.cell_type == "code"] == [1, 2]


def test_fresh_kernels_when_reuse_is_off(tmp_path, data_root):
    leaky = _notebook(tmp_path, "leaky", LEAKY)
    checker = _notebook(tmp_path, "checker", CHECKER)
    assert run_job(_spec(tmp_path, "leaky", leaky, data_root, reuse=False)).ok
    assert run_job(_spec(tmp_path, "checker", checker, data_root, reuse=False)).ok
    assert _seen(tmp_path, "checker")["pid"] != _seen(tmp_path, "leaky")["pid"]


def test_a_failed_report_does_not_hand_its_kernel_on(tmp_path, data_root):
    first = _notebook(tmp_path, "first", LEAKY)
    broken = _notebook(tmp_path, "broken", ["raise RuntimeError('this report fails')"])
    checker = _notebook(tmp_path, "checker", CHECKER)
    assert run_job(_spec(tmp_path, "first", first, data_root, reuse=True)).ok
    failed = run_job(_spec(tmp_path, "broken", broken, data_root, reuse=True))
    assert not failed.ok and failed.failure.ename == "RuntimeError"
    assert run_job(_spec(tmp_path, "checker", checker, data_root, reuse=True)).ok
    assert _seen(tmp_path, "checker")["pid"] != _seen(tmp_path, "first")["pid"]


def test_kernel_is_replaced_after_the_reuse_limit(tmp_path, data_root, monkeypatch):
    monkeypatch.setattr(runner, "KERNEL_REUSE_LIMIT", 1)
    first = _notebook(tmp_path, "leaky", LEAKY)
    checker = _notebook(tmp_path, "checker", CHECKER)
    assert run_job(_spec(tmp_path, "leaky", first, data_root, reuse=True)).ok
    assert run_job(_spec(tmp_path, "checker", checker, data_root, reuse=True)).ok
    assert _seen(tmp_path, "checker")["pid"] != _seen(tmp_path, "leaky")["pid"]


def test_a_reused_kernel_starts_a_new_history_session(tmp_path, data_root):
    """IPython keeps each cell's input in a history database, one row per (session, line number). Cells
    numbered from 1 again in the same session collide with the last report's rows, and IPython then prints
    "ERROR! Session/line number was not unique ..." into whichever cell is running: a published page showed
    it. Writing the history out at the end of each cell makes the collision certain if it can happen."""
    write_history = "get_ipython().history_manager.writeout_cache()\nprint('history written')"
    first = _notebook(tmp_path, "first", ["x = 1", write_history])
    second = _notebook(tmp_path, "second", ["y = 2", write_history])
    assert run_job(_spec(tmp_path, "first", first, data_root, reuse=True)).ok
    assert run_job(_spec(tmp_path, "second", second, data_root, reuse=True)).ok
    executed = nbformat.read(tmp_path / "work" / "second.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells if c.cell_type == "code" for o in c.outputs)
    assert printed == "history written\n"
    assert [c.execution_count for c in executed.cells if c.cell_type == "code"] == [1, 2]
