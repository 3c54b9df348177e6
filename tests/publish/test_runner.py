"""Running one notebook: the report contract, failures described by cell, retries of a kernel that won't start."""
from __future__ import annotations

import json
import os
from pathlib import Path

import nbformat
import pytest

from thanalysis.config import PACKAGE_DIR
from thanalysis.publish import runner
from thanalysis.publish.runner import JobSpec, is_kernel_start_failure, run_job

from .conftest import NOTEBOOKS


def _spec(tmp_path: Path, stem: str, data_root: Path, **kw) -> JobSpec:
    nb = NOTEBOOKS / f"{stem}.ipynb" if "notebook" not in kw else Path(kw.pop("notebook"))
    return JobSpec(name=stem, notebook=str(nb), notebook_shown=f"nb/{nb.name}", parameters=kw.pop("parameters", {}),
                   output_dir=str(tmp_path / "out" / stem), executed_path=str(tmp_path / "work" / f"{stem}.ipynb"),
                   data_root=str(data_root), cwd=str(nb.parent), kernel_log=str(tmp_path / "work" / f"{stem}.log"),
                   **kw)


@pytest.mark.slow
def test_runs_a_notebook_with_the_report_contract(tmp_path, data_root, monkeypatch):
    monkeypatch.delenv("THANALYSIS_OUTPUT_DIR", raising=False)
    outcome = run_job(_spec(tmp_path, "typed", data_root, parameters={"n": 7, "area_code": "E09000012"}))
    assert outcome.ok and outcome.attempts == 1 and outcome.failure is None
    summary = json.loads((tmp_path / "out" / "typed" / "summary.json").read_text())
    assert summary["n"] == 7 and summary["area_code"] == "E09000012" and summary["ids"] == ["a", "b"]
    # the contract is set for the kernel only: this process's environment is put back
    assert "THANALYSIS_OUTPUT_DIR" not in os.environ


@pytest.mark.slow
def test_failing_cell_is_named(tmp_path, data_root):
    outcome = run_job(_spec(tmp_path, "fails", data_root, parameters={"n": 2}))
    assert not outcome.ok and outcome.attempts == 1  # a cell's error is never retried
    f = outcome.failure
    assert (f.kind, f.cell_number, f.first_line, f.ename) == ("cell", 3, "ratio = n / 0", "ZeroDivisionError")
    text = f.describe()
    assert "cell 3 (index 2)" in text and "`ratio = n / 0`" in text and "ZeroDivisionError: division by zero" in text
    # the executed notebook (with the traceback) is saved for debugging
    executed = nbformat.read(tmp_path / "work" / "fails.ipynb", as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in executed.cells for o in c.get("outputs", []))


@pytest.mark.slow
def test_cell_timeout_is_reported(tmp_path, data_root):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# Slow"), nbformat.v4.new_code_cell("import time\ntime.sleep(30)")]
    path = tmp_path / "slow.ipynb"
    nbformat.write(nb, path)
    outcome = run_job(_spec(tmp_path, "slow", data_root, notebook=path, execution_timeout=2))
    assert not outcome.ok and outcome.failure.kind == "timeout"
    assert outcome.failure.cell_number == 2 and outcome.failure.first_line == "import time"
    assert outcome.duration < 25


def test_retries_a_kernel_that_fails_to_start(tmp_path, data_root, monkeypatch):
    import papermill

    calls = []

    def flaky(input_path, output_path, **kwargs):
        calls.append(os.environ.get("THANALYSIS_OUTPUT_DIR"))
        if len(calls) == 1:
            raise RuntimeError("Kernel died before replying to kernel_info")
        if len(calls) == 2:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        Path(output_path).write_text("{}")
        return None

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    monkeypatch.setattr(runner.time, "sleep", lambda s: None)
    outcome = run_job(_spec(tmp_path, "ok", data_root, backoff=0.01))
    assert outcome.ok and outcome.attempts == 3
    assert calls == [str(tmp_path / "out" / "ok")] * 3


def test_gives_up_after_three_kernel_start_failures(tmp_path, data_root, monkeypatch):
    import papermill

    calls = []

    def dead(*a, **k):
        calls.append(1)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(papermill, "execute_notebook", dead)
    monkeypatch.setattr(runner.time, "sleep", lambda s: None)
    outcome = run_job(_spec(tmp_path, "ok", data_root))
    assert not outcome.ok and len(calls) == 3 and outcome.failure.kind == "kernel"
    assert "would not start" in outcome.failure.describe() and "after 3 attempts" in outcome.failure.describe()


def test_other_errors_are_not_retried(tmp_path, data_root, monkeypatch):
    import papermill

    calls = []

    def broken(*a, **k):
        calls.append(1)
        raise ValueError("No such kernel named python9")

    monkeypatch.setattr(papermill, "execute_notebook", broken)
    outcome = run_job(_spec(tmp_path, "ok", data_root))
    assert not outcome.ok and calls == [1] and outcome.failure.kind == "error"
    assert "ValueError: No such kernel named python9" in outcome.failure.describe()


@pytest.mark.parametrize("exc, retry", [
    (RuntimeError("Kernel died before replying to kernel_info"), True),
    (TimeoutError("Kernel didn't respond in 60 seconds"), True),
    (RuntimeError("zmq: Address already in use"), True),
    (RuntimeError("Kernel died"), False),
    (ZeroDivisionError("division by zero"), False),
])
def test_kernel_start_failure_classification(exc, retry):
    assert is_kernel_start_failure(exc) is retry


def test_cell_errors_and_timeouts_are_never_kernel_start_failures():
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    err = PapermillExecutionError(3, 2, "x", "RuntimeError", "Kernel didn't respond", [])
    assert not is_kernel_start_failure(err)
    assert not is_kernel_start_failure(CellTimeoutError("Kernel didn't respond"))
    assert not is_kernel_start_failure(DeadKernelError("Kernel died before replying"))


@pytest.mark.slow
def test_the_outcome_names_the_thanalysis_the_kernel_imported(tmp_path, data_root):
    imports = run_job(_spec(tmp_path, "extracts", data_root))
    assert imports.ok and imports.imported == str(PACKAGE_DIR / "__init__.py")
    plain = run_job(_spec(tmp_path, "table", data_root))
    assert plain.ok and plain.imported is None  # a fresh kernel that imported no thanalysis
