"""Run one report notebook with papermill into its own output folder.

:func:`run_job` is the unit of work every executor sends to a worker (a local process or a Dask worker):
it takes a :class:`JobSpec` and returns a :class:`JobOutcome` (both plain, picklable data). It never raises
for a failing notebook: the outcome says which cell failed and why, so the build can say it to a person.

The notebook's kernel inherits this process's environment, so for the duration of a run ``os.environ``
holds the report contract (``THANALYSIS_OUTPUT_DIR``, ``THANALYSIS_DATA_ROOT``) plus ``PYTHONHASHSEED=0``
for reproducible hashing. A process-wide lock serialises runs inside one process (papermill also changes
the working directory, which is process-wide), so a multi-threaded Dask worker stays correct.

With ``JobSpec.reuse_kernel`` (the local executor's default) a worker keeps its kernel for up to
``KERNEL_REUSE_LIMIT`` reports and resets it before each (:mod:`thanalysis.publish.kernel_reset`: namespace,
environment, working directory, settings); a report that fails or times out takes its kernel with it. Either
way the runner starts the kernel itself: it dies with the process that started it
(:mod:`thanalysis.publish.lifetime`), and after the notebook the runner asks it which ``thanalysis`` it imported
(``JobOutcome.imported``: the manifest records that code, not the build's own).
"""
from __future__ import annotations

import ast
import logging
import os
import random
import shutil
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thanalysis.config import DATA_ROOT_ENV, OUTPUT_DIR_ENV
from thanalysis.errors import BuildError
from thanalysis.publish.lifetime import forget_kernel, kernel_preexec, track_kernel

KERNEL_NAME = "python3"
#: Messages jupyter_client / nbclient give when a kernel fails to start (e.g. the known port race when
#: several kernels start at once); these, and only these, are retried.
KERNEL_START_FAILURES = (
    "Kernel died before replying",
    "Kernel didn't respond",
    "Address already in use",
    "Kernel failed to start",
)
_RUN_LOCK = threading.Lock()
_PAPERMILL_TAGS = {"injected-parameters", "papermill-error-cell-tag"}
#: Evaluated in the kernel after the notebook: the file of the ``thanalysis`` package it imported (None if none).
_IMPORTED_EXPRESSION = "getattr(__import__('sys').modules.get('thanalysis'), '__file__', None)"


@dataclass
class JobSpec:
    """Everything a worker needs to run one notebook (absolute paths: they never leave the build machine)."""

    name: str
    notebook: str  # absolute path of the source notebook
    notebook_shown: str  # relative path, for messages
    parameters: dict[str, Any]
    output_dir: str  # where the notebook writes results/, sources.json, summary.json
    executed_path: str  # where the executed .ipynb is saved
    data_root: str
    cwd: str
    kernel_name: str = KERNEL_NAME
    execution_timeout: int | None = 900  # seconds per cell (nbclient)
    start_timeout: int = 60  # seconds for the kernel to start
    attempts: int = 3  # kernel starts tried before giving up
    backoff: float = 1.0  # seconds; doubled after each failed start (plus jitter)
    extra_env: dict[str, str] = field(default_factory=dict)
    kernel_log: str | None = None  # the kernel's own stderr goes here (keeps the terminal clean)
    reuse_kernel: bool = False  # run in this worker's kernel, reset between reports (see kernel_reset.py)


@dataclass
class FailedCell:
    """Where and how a notebook failed, in words a person can act on."""

    kind: str  # "cell" (an exception in a cell), "timeout", "kernel" (would not start) or "error"
    cell_number: int | None = None  # 1-based, counting every cell of the source notebook
    first_line: str = ""
    ename: str = ""
    evalue: str = ""

    def describe(self) -> str:
        where = ""
        if self.cell_number is not None:
            where = f"cell {self.cell_number} (index {self.cell_number - 1})"
            if self.first_line:
                where += f", which starts `{self.first_line}`"
        what = f"{self.ename}: {self.evalue}" if self.evalue else self.ename
        if self.kind == "timeout":
            return f"timed out in {where}: {what}" if where else f"timed out: {what}"
        if self.kind == "kernel":
            return f"the Jupyter kernel would not start: {what}"
        return f"failed in {where}: {what}" if where else f"failed: {what}"


@dataclass
class JobOutcome:
    name: str
    ok: bool
    duration: float
    attempts: int
    failure: FailedCell | None = None
    imported: str | None = None  # the __init__.py of the thanalysis package the kernel imported, if it did


def is_kernel_start_failure(exc: BaseException) -> bool:
    """True for the transient 'kernel did not come up' errors worth retrying (never for a cell's own error)."""
    if type(exc).__name__ in {"PapermillExecutionError", "CellTimeoutError", "DeadKernelError", "CellExecutionError"}:
        return False
    text = str(exc)
    return any(marker in text for marker in KERNEL_START_FAILURES)


def run_job(spec: JobSpec) -> JobOutcome:
    """Execute ``spec.notebook`` with papermill; retry a kernel that fails to start; never raise for a bad notebook."""
    import papermill

    # Parameters were checked before the build started; papermill's own "unknown parameter" guess is noise.
    logging.getLogger("papermill").setLevel(logging.ERROR)
    out = Path(spec.output_dir)
    started = time.perf_counter()
    attempt = 0
    with _RUN_LOCK, _job_environment(spec), _stderr_to(spec.kernel_log):
        while True:
            attempt += 1
            km = None
            try:
                _empty_folder(out)
                Path(spec.executed_path).parent.mkdir(parents=True, exist_ok=True)
                km = _warm_kernel(spec) if spec.reuse_kernel else _start_kernel(spec)
                papermill.execute_notebook(
                    spec.notebook,
                    spec.executed_path,
                    parameters=spec.parameters or None,
                    kernel_name=spec.kernel_name,
                    cwd=spec.cwd,
                    log_output=False,
                    progress_bar=False,
                    start_timeout=spec.start_timeout,
                    execution_timeout=spec.execution_timeout,
                    km=km,
                )
                imported = _imported_package(km, spec)
                if spec.reuse_kernel:
                    _WARM.reports += 1
                return JobOutcome(spec.name, True, time.perf_counter() - started, attempt, imported=imported)
            # Everything a notebook run can raise (a cell's error, a timeout, a dead kernel, papermill's own
            # errors) becomes an outcome: this runs in a pool or Dask worker, and the build must learn which
            # report failed and how (type, message, cell) to say it, keep the executed notebook and the last
            # good site, and stop starting new reports. Nothing is swallowed: the outcome carries it all.
            except Exception as exc:  # noqa: BLE001
                if spec.reuse_kernel:  # never run another report in a kernel that failed or timed out
                    _WARM.discard()
                if is_kernel_start_failure(exc) and attempt < spec.attempts:
                    time.sleep(spec.backoff * 2 ** (attempt - 1) * (1 + random.random() / 2))
                    continue
                failure = describe_failure(exc, spec)
                return JobOutcome(spec.name, False, time.perf_counter() - started, attempt, failure)
            finally:
                if km is not None and not spec.reuse_kernel:
                    _shutdown(km)


def _start_kernel(spec: JobSpec):
    """A new kernel for ``spec``, in its working directory with this process's environment, that dies with this
    process (:func:`thanalysis.publish.lifetime.kernel_preexec`).

    An *async* kernel manager, as nbclient itself uses: a blocking one handed to nbclient would make
    jupyter_core run each call on a helper thread, and a process that forks after that (a test, or a pool
    started from a process that ran a report) would hang in the child waiting for a thread it does not have.
    """
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=spec.kernel_name)
    try:
        run_sync(km.start_kernel)(cwd=spec.cwd, env=dict(os.environ), preexec_fn=kernel_preexec())
    except Exception:
        _shutdown(km, now=True)
        raise
    km._thanalysis_pgid = track_kernel(km)  # noqa: SLF001 - read back by _shutdown
    return km


def _shutdown(km, *, now: bool = False) -> None:
    from jupyter_core.utils import run_sync

    forget_kernel(getattr(km, "_thanalysis_pgid", None))
    if not km.has_kernel:
        return
    try:
        run_sync(km.shutdown_kernel)(now=now)
    except (OSError, RuntimeError):  # a kernel already gone, or an event loop already closed at exit
        pass


def _imported_package(km, spec: JobSpec) -> str | None:
    """Ask the kernel, after the notebook ran, which ``thanalysis`` it has imported (None if none: a fresh kernel
    whose notebook did not import it; a reused kernel always has, to reset itself)."""
    from jupyter_core.utils import run_sync

    kc = km.client()
    kc.start_channels()
    try:
        reply = run_sync(kc.execute_interactive)("", silent=True, store_history=False, timeout=spec.start_timeout,
                                                 user_expressions={"imported": _IMPORTED_EXPRESSION},
                                                 output_hook=lambda msg: None)
    except (TimeoutError, RuntimeError):  # the report is done; the manifest then records the code the build expected
        return None
    finally:
        kc.stop_channels()
    found = reply["content"].get("user_expressions", {}).get("imported", {})
    if found.get("status") != "ok":
        return None
    value = ast.literal_eval(found.get("data", {}).get("text/plain", "None"))
    return value if isinstance(value, str) else None


# --------------------------------------------------------------------------------------------------
# one kernel per worker, reused across its reports
# --------------------------------------------------------------------------------------------------
#: A worker starts a fresh kernel after this many reports (bounds the memory a long build's kernel can gather).
KERNEL_REUSE_LIMIT = 20


class _WarmKernel:
    """This worker process's kernel (None until the first report that reuses one)."""

    def __init__(self):
        self.km = None
        self.owner = None  # pid of the process that started it: a forked child must not use its parent's
        self.reports = 0
        self._finalizer_registered = False

    def discard(self) -> None:
        km, owner, self.km, self.owner, self.reports = self.km, self.owner, None, None, 0
        if km is not None and owner == os.getpid():
            _shutdown(km, now=True)

    def register_shutdown(self) -> None:
        if self._finalizer_registered:
            return
        import atexit
        from multiprocessing import util

        atexit.register(self.discard)  # the main process
        util.Finalize(self, _WarmKernel.discard, args=(self,), exitpriority=10)  # pool workers skip atexit
        self._finalizer_registered = True


_WARM = _WarmKernel()


def _warm_kernel(spec: JobSpec):
    """This worker's kernel, started if needed, reset for ``spec`` (environment and working directory)."""
    from jupyter_core.utils import run_sync

    if _WARM.km is not None and (_WARM.owner != os.getpid() or _WARM.reports >= KERNEL_REUSE_LIMIT
                                 or not run_sync(_WARM.km.is_alive)()):
        _WARM.discard()
    if _WARM.km is None:
        _WARM.km, _WARM.owner, _WARM.reports = _start_kernel(spec), os.getpid(), 0
        _WARM.register_shutdown()
    code = (f"__import__('thanalysis.publish.kernel_reset', fromlist=['prepare'])"
            f".prepare({dict(os.environ)!r}, {spec.cwd!r})")
    kc = _WARM.km.client()
    kc.start_channels()
    try:
        run_sync(kc.wait_for_ready)(timeout=spec.start_timeout)
        reply = run_sync(kc.execute_interactive)(code, silent=True, store_history=False, timeout=spec.start_timeout,
                                                 output_hook=lambda msg: None)
    except Exception:
        _WARM.discard()
        raise
    finally:
        kc.stop_channels()
    if reply["content"].get("status") != "ok":
        _WARM.discard()
        raise BuildError("Kernel failed to start: resetting the reused kernel failed "
                           f"({reply['content'].get('ename')}: {reply['content'].get('evalue')})")
    return _WARM.km


class _job_environment:
    """Set the report contract in ``os.environ`` for the kernel, and put the old values back afterwards."""

    def __init__(self, spec: JobSpec):
        self.values = {
            OUTPUT_DIR_ENV: str(spec.output_dir),
            DATA_ROOT_ENV: str(spec.data_root),
            "PYTHONHASHSEED": "0",
            "MPLBACKEND": "Agg",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",  # quiets ipykernel's debugger warning on Python 3.11
            **spec.extra_env,
        }
        self.saved: dict[str, str | None] = {}

    def __enter__(self):
        for key, value in self.values.items():
            self.saved[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def __exit__(self, *exc):
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        return False


@contextmanager
def _stderr_to(path: str | None):
    """Send file descriptor 2 (inherited by the kernel process) to ``path`` while a notebook runs."""
    if not path:
        yield
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(path, "ab") as fh:
            os.dup2(fh.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)


def _empty_folder(folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)


def describe_failure(exc: BaseException, spec: JobSpec) -> FailedCell:
    """Turn papermill's exception (and the saved executed notebook) into a :class:`FailedCell`."""
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        kind, ename, evalue = "cell", exc.ename, exc.evalue  # type: ignore[attr-defined]
    elif name == "CellTimeoutError" or isinstance(exc, TimeoutError) and not is_kernel_start_failure(exc):
        kind, ename, evalue = "timeout", name, _first_line(str(exc))
    elif is_kernel_start_failure(exc):
        kind, ename, evalue = "kernel", name, _first_line(str(exc)) + f" (after {spec.attempts} attempts)"
    else:
        kind, ename, evalue = "error", name, _first_line(str(exc))
    number, first = failing_cell(spec.executed_path)
    if number is None and name == "PapermillExecutionError":
        first = _first_code_line(getattr(exc, "source", ""))
    return FailedCell(kind=kind, cell_number=number, first_line=first, ename=ename, evalue=evalue)


def failing_cell(executed_path: str | Path) -> tuple[int | None, str]:
    """(1-based number of the failing cell in the *source* notebook, its first code line) from papermill's metadata.

    Cells papermill added (the injected parameters, the error banner) are not counted, so the number is the
    one a person sees when opening the notebook they wrote.
    """
    import nbformat

    try:
        nb = nbformat.read(str(executed_path), as_version=4)
    except (OSError, ValueError):  # no saved notebook (e.g. the kernel never started), or a partial one
        return None, ""
    number = 0
    last_started: tuple[int, str] | None = None
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags") or [])
        if tags & _PAPERMILL_TAGS:
            continue
        number += 1
        meta = cell.get("metadata", {}).get("papermill", {})
        if meta.get("exception"):
            return number, _first_code_line(cell.source)
        if cell.cell_type == "code" and meta.get("status") not in (None, "pending"):
            last_started = (number, _first_code_line(cell.source))
    return last_started if last_started else (None, "")


def _first_code_line(source: str) -> str:
    for line in (source or "").splitlines():
        if line.strip():
            text = line.strip()
            return text if len(text) <= 100 else text[:97] + "..."
    return ""


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""
