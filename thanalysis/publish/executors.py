"""Where notebook jobs run: a local process pool (default) or a Dask cluster.

Both send the same function (:func:`thanalysis.publish.runner.run_job`) the same :class:`JobSpec` and yield
:class:`JobOutcome` objects as jobs finish, so the build renders each report while others still run.
On the first failure the jobs not yet started are cancelled (the build stops anyway); jobs already
running are allowed to finish. Local workers and their kernels die with the build, however it ends
(:mod:`thanalysis.publish.lifetime`).

Dask: workers must run this same environment (``pip install thanalysis[dask]``) and see the same file
system paths as the machine running ``thanalysis build`` (outputs are written in place, not sent back).
"""
from __future__ import annotations

import multiprocessing
import os
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Iterator, Sequence

from thanalysis.errors import ConfigError
from thanalysis.publish.lifetime import start_worker
from thanalysis.publish.runner import JobOutcome, JobSpec, run_job

EXECUTORS = ("local", "dask")


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


def run_jobs(specs: Sequence[JobSpec], *, executor: str = "local", jobs: int | None = None,
             scheduler: str | None = None) -> Iterator[JobOutcome]:
    """Run every job; yield outcomes in the order they finish."""
    if not specs:
        return iter(())
    if executor == "local":
        return _run_local(specs, jobs or default_jobs())
    if executor == "dask":
        if not scheduler:
            raise ConfigError("--executor dask needs --scheduler ADDRESS (e.g. tcp://127.0.0.1:8786)")
        return _run_dask(specs, scheduler)
    raise ConfigError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")


def _pool_context():
    # fork starts workers in milliseconds and they inherit the parent's imports; elsewhere use the default.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _run_local(specs: Sequence[JobSpec], jobs: int) -> Iterator[JobOutcome]:
    if jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}")
    # each worker dies with this process, even when it is killed (kill -9) and runs no cleanup of its own
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(specs)), mp_context=_pool_context(),
                               initializer=start_worker, initargs=(os.getpid(),))
    try:
        pending = {pool.submit(run_job, spec) for spec in specs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            failed = False
            for fut in done:
                outcome = fut.result()
                failed = failed or not outcome.ok
                yield outcome
            if failed:
                for fut in pending:
                    fut.cancel()
                pending = {f for f in pending if not f.cancelled()}
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(specs: Sequence[JobSpec], scheduler: str) -> Iterator[JobOutcome]:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError("--executor dask needs the 'distributed' package (pip install 'thanalysis[dask]')") from None
    run_id = uuid.uuid4().hex[:8]
    try:
        client = Client(scheduler, timeout="15s")
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        futures = [client.submit(run_job, spec, key=f"thanalysis-{spec.name}-{run_id}", pure=False) for spec in specs]
        remaining = set(futures)
        for fut in as_completed(futures):
            remaining.discard(fut)
            outcome = fut.result()
            yield outcome
            if not outcome.ok:
                client.cancel(list(remaining))
                break
    finally:
        client.close()
