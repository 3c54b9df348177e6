"""``thanalysis build``: run a report plan and publish the site folder.

:func:`build_site` is five steps, one function each; each can stop the build with a message for a person, and
none touches the published site until every report has succeeded:

1. ``_check``  read and check the plan; open the data store (the synthetic demo when no real data is
   configured); expand the plan into reports; check each notebook exists and its parameters match its
   ``parameters`` cell (before any kernel starts); then, holding the site folder's lock, check the folder can be
   written and clear what stopped builds left (:mod:`thanalysis.publish.folder`);
2. ``_reuse``  in a temporary folder next to the site: copy the reports whose notebook, parameters, inputs,
   code (the build's and the kernels') and, for reports that can read them, the extracts folder are unchanged
   since their last build (:mod:`thanalysis.publish.inputs`), and those left out by ``--only``;
3. ``_run``    run the others with papermill (a local process pool or Dask);
4. ``_render`` as each finishes: take what the kernel printed out of the executed notebook (into the
   manifest's ``warnings``: nothing printed reaches a page), render its self-contained HTML
   (:func:`thanalysis.publish.html.render_report`) and write its ``manifest.json``; a failed report keeps its
   executed notebook in ``<site>/_failed/``;
5. ``_swap``   write ``index.html`` + ``site.json`` (and the rankings page), carry a person's files at the top of
   the site over, and swap the new site in. If any report failed: leave the last good site as it was, and raise
   :class:`BuildError`.
"""
from __future__ import annotations

import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator, Iterator

import nbformat
from tqdm.auto import tqdm

from thanalysis.config import project_root
from thanalysis.data.open import open_store
from thanalysis.data.store import sha256_file
from thanalysis.errors import BuildError
from thanalysis.geography.places import area_names
from thanalysis.publish import manifest as mf
from thanalysis.publish.currency import data_currency, read_periods
from thanalysis.publish.executors import default_jobs, run_jobs
from thanalysis.publish.folder import (
    WORK_DIR,
    carry_over,
    check_replaceable,
    check_writable,
    clear_leftovers,
    copy_report,
    site_lock,
    staging,
    swap_in,
)
from thanalysis.publish.hashcache import FileHashes
from thanalysis.publish.html import render_report
from thanalysis.publish.inputs import CodeRecords, extracts_listing, probe_kernels
from thanalysis.publish.params import check_parameters
from thanalysis.publish.pdf import find_chromium, write_pdfs
from thanalysis.publish.plan import (
    Plan,
    ReportJob,
    expand_plan,
    find_notebooks,
    load_plan,
    report_title,
    select_jobs,
)
from thanalysis.publish.rankings import RANKINGS_HTML, write_rankings
from thanalysis.publish.runner import KERNEL_NAME, JobOutcome, JobSpec
from thanalysis.publish.site import FAILED_DIR, SiteEntry, SiteInfo, write_site_index

DEFAULT_TIMEOUT = 900


@dataclass
class ReportResult:
    name: str
    title: str
    group: str
    notebook: str
    parameters: dict[str, Any]
    status: str  # built | unchanged | kept | not built | failed
    reason: str = ""
    duration: float | None = None
    built_at: str | None = None
    description: str | None = None
    failure: str | None = None
    stray: int = 0  # outputs the kernel printed, kept out of the page (listed in the manifest's warnings)
    currency: dict[str, Any] | None = None  # the manifest's data_currency: newest and oldest data (the index)


@dataclass
class BuildResult:
    ok: bool
    out_dir: Path
    reports: list[ReportResult] = field(default_factory=list)
    duration: float = 0.0
    data_statement: str = ""

    def with_status(self, status: str) -> list[ReportResult]:
        return [r for r in self.reports if r.status == status]


# the build: five steps ------------------------------------------------------------------------

def build_site(plan_path: str | Path = "plans/default.yml", data_root: str | Path | None = None,
               out_dir: str | Path = "reports", jobs: int | None = None, only: list[str] | None = None,
               force: bool = False, timeout: int | None = None, executor: str = "local",
               scheduler: str | None = None, progress: bool = True,
               log: Callable[[str], None] | None = None, reuse_kernels: bool = True, wait: float = 0) -> BuildResult:
    """Build the site described by ``plan_path`` into ``out_dir``; raise BuildError/ConfigError if anything fails.

    With the local executor each worker keeps one kernel and resets it between reports (``reuse_kernels``;
    see :mod:`thanalysis.publish.kernel_reset`); ``reuse_kernels=False`` starts a fresh kernel per report.
    If another build is writing the same folder, stop at once naming it, or wait up to ``wait`` seconds for it.
    """
    build = _check(plan_path, data_root, out_dir, only=only, timeout=timeout, log=log or print,
                   reuse_kernels=reuse_kernels and executor == "local")
    with _site_folder(build, wait=wait):
        to_run = _reuse(build, force=force)
        finished = _run(build, to_run, executor=executor, jobs=jobs, scheduler=scheduler)
        _render(build, finished, count=len(to_run), progress=progress)
        return _swap(build)


@dataclass
class _Build:
    """What the steps share: the checked plan and reports, what they are built from, and where."""

    plan: Plan
    store: Any
    jobs: list[ReportJob]  # every report of the plan, in plan order
    selected: list[ReportJob]  # the reports to build (all, or those named with --only)
    notebooks: dict[str, tuple[Path, str]]  # report name → (notebook path, the path as shown)
    data: dict[str, Any]
    data_root: Path
    out: Path
    packages: dict[str, str]
    code: CodeRecords  # the build's and the kernels' thanalysis, described for the manifests
    kernel_code: dict[str, dict[str, Any] | None]  # notebook folder → the thanalysis its kernels import
    reads_extracts: set[str]  # the reports whose code can read the extracts folder
    timeout: int
    reuse_kernels: bool
    log: Callable[[str], None]
    started: float
    tmp: Path | None = None  # the new site while it is put together (see _site_folder)
    extracts: dict[str, Any] | None = None  # the extracts folder's listing (once some report needs it)
    results: dict[str, ReportResult] = field(default_factory=dict)  # by report name
    failures: list[ReportResult] = field(default_factory=list)  # in the order they happened


def _check(plan_path: str | Path, data_root: str | Path | None, out_dir: str | Path, *, only: list[str] | None,
           timeout: int | None, reuse_kernels: bool, log: Callable[[str], None]) -> _Build:
    """Step 1, check: everything that can be checked without a kernel, before anything is written.

    Reads and checks the plan, opens the data store (the synthetic demo when no real data is configured),
    expands the plan into reports and picks those named with ``--only``; checks that each notebook exists and
    that its parameters match its ``parameters`` cell; refuses an ``out_dir`` that is not a site; and records
    the code and data the reports are built from (for the manifests and the reuse check): the build's own code,
    the ``thanalysis`` the kernels will import, and which reports can read the extracts folder.
    """
    started = time.perf_counter()
    plan = load_plan(plan_path)
    store = open_store(data_root)
    data_root_path = Path(store.root).resolve()
    all_jobs = expand_plan(plan, store)
    selected = select_jobs(all_jobs, only, plan)
    notebooks = find_notebooks(plan, selected)
    for job in selected:
        nb_path, shown = notebooks[job.name]
        check_parameters(nb_path, job.parameters, shown=shown, report=job.name)
    out = Path(out_dir).resolve()
    check_replaceable(out, {job.name for job in all_jobs})

    packages = mf.package_versions()
    commit, dirty = mf.git_commit()
    code = CodeRecords(library_sha256=mf.library_fingerprint(), commit=commit, dirty=dirty)
    kernel_code, extracts_readers = probe_kernels({job.name: notebooks[job.name][0] for job in selected}, code, log)
    return _Build(plan=plan, store=store, jobs=all_jobs, selected=selected, notebooks=notebooks,
                  data=mf.data_record(store), data_root=data_root_path, out=out, packages=packages,
                  code=code, kernel_code=kernel_code, reads_extracts=extracts_readers,
                  timeout=timeout or DEFAULT_TIMEOUT,
                  reuse_kernels=reuse_kernels, log=log, started=started)


@contextmanager
def _site_folder(build: _Build, *, wait: float) -> Iterator[Path]:
    """Hold the site folder's lock; check it can be written and clear what stopped builds left, before any kernel
    starts; put the new site together in a temporary folder beside it, which is gone afterwards."""
    with site_lock(build.out, wait=wait, log=build.log):
        check_writable(build.out)
        clear_leftovers(build.out, build.log)
        with staging(build.out) as tmp:
            build.tmp = tmp
            yield tmp


def _reuse(build: _Build, *, force: bool) -> list[ReportJob]:
    """Step 2, reuse: copy into the new site every report that need not run; return the reports that must.

    A report left out by ``--only`` keeps its last build ("kept"). A selected report whose notebook, parameters,
    inputs and code are unchanged since its last build is copied as it is ("unchanged"), unless ``force``.
    """
    to_run: list[ReportJob] = []
    hashes = FileHashes()  # each file version is hashed once per build, however many reports share it
    if build.reads_extracts:
        build.extracts = extracts_listing(build.store, build.data_root, hashes.sha256)
    for job in build.jobs:
        if job not in build.selected:
            build.results[job.name] = _keep_unselected(job, build)
            continue
        nb_path, shown = build.notebooks[job.name]
        nb_sha = hashes.sha256(nb_path)
        previous_dir = build.out / job.name
        previous = mf.read_manifest(previous_dir / mf.MANIFEST)
        if not force:
            same, why = mf.reuse_check(previous, previous_dir, notebook_sha256=nb_sha, parameters=job.parameters,
                                       data=build.data, data_root=build.data_root, packages=build.packages,
                                       library_sha256=build.code.own["library_sha256"], hash_file=hashes.sha256,
                                       kernel_code=build.kernel_code.get(str(nb_path.parent)),
                                       extracts=build.extracts if job.name in build.reads_extracts else None)
            if same:
                copy_report(previous_dir, build.tmp / job.name)
                build.results[job.name] = _result(job, shown, "unchanged", why, previous)
                build.log(f"skipped {job.name}: {why}")
                continue
            if previous is not None:
                build.log(f"rebuilding {job.name}: {why}")
        to_run.append(job)
    return to_run


def _run(build: _Build, to_run: list[ReportJob], *, executor: str, jobs: int | None,
         scheduler: str | None) -> Generator[tuple[ReportJob, JobSpec, JobOutcome], None, None]:
    """Step 3, run: each report's notebook with papermill (a local process pool or Dask), many at once.

    Yields each report as it finishes, so that the next step renders it while others still run; nothing
    starts until the next step asks for the first one.
    """
    specs = {job.name: (job, _spec(job, build)) for job in to_run}
    for outcome in run_jobs([spec for _, spec in specs.values()], executor=executor, jobs=jobs or default_jobs(),
                            scheduler=scheduler):
        job, spec = specs[outcome.name]
        yield job, spec, outcome


def _render(build: _Build, finished: Generator[tuple[ReportJob, JobSpec, JobOutcome], None, None], *,
            count: int, progress: bool) -> None:
    """Step 4, render: each report that ran becomes its self-contained page and its ``manifest.json``.

    A report that failed (in a cell, or while publishing) keeps its executed notebook in ``<site>/_failed/``
    and is said at once; once a notebook has failed, the run starts no new reports.
    """
    if not count:
        return
    bar = _progress(count, enabled=progress)
    say = bar.write if bar is not None else build.log
    try:
        for job, spec, outcome in finished:
            res = _finish(job, spec, outcome, build)
            build.results[job.name] = res
            if res.stray:
                say(f"{job.name}: {res.stray} printed output(s) kept out of the page (see 'warnings' in its "
                    "manifest.json)")
            if res.status == "failed":
                build.failures.append(res)
                say(f"FAILED {job.name}: {res.failure}")
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
        finished.close()  # leaves no report running if this step stops early


def _swap(build: _Build) -> BuildResult:
    """Step 5, swap: write ``index.html``, ``site.json`` (and the rankings) and make the new site the published one.

    If any report failed, the published site is left as it was and :class:`BuildError` lists the failures. A
    rankings page that cannot be made does not hold back the reports: they are published, then the error is raised.
    """
    ordered = [build.results.get(job.name) or _result(job, build.notebooks.get(job.name, ("", job.notebook))[1],
                                                      "not built", "stopped after a failure")
               for job in build.jobs]
    result = BuildResult(ok=not build.failures, out_dir=build.out, reports=ordered,
                         duration=time.perf_counter() - build.started, data_statement=build.store.data_statement)
    if build.failures:
        raise _build_failed(build.failures, result, build)

    shutil.rmtree(build.tmp / WORK_DIR, ignore_errors=True)
    built_at = mf.utc_now()
    try:
        links, ranking_error = _rankings(build, ordered, built_at)
        write_site_index(build.tmp, SiteInfo(title=build.plan.title, built_at=built_at,
                                             data_statement=build.store.data_statement,
                                             description=build.plan.description,
                                             entries=[_site_entry(r) for r in ordered], links=links,
                                             as_of=getattr(build.store, "as_of", None)))
    except OSError as exc:
        raise BuildError(f"could not write the site's index in the new site ({exc.strerror or exc}); the published "
                         "site was left as it was: check the disk has space, then build again") from None
    carry_over(build.out, build.tmp, {job.name for job in build.jobs})
    swap_in(build.tmp, build.out, build.log)
    result.duration = time.perf_counter() - build.started
    if ranking_error is not None:
        err = BuildError(f"the {len(ordered)} report(s) were published to {_shown_out(build.out)}/, but the "
                         f"rankings page was not: {ranking_error}\nFix the plan's 'rankings' section and build again "
                         "(unchanged reports are skipped).")
        err.result = result  # type: ignore[attr-defined]
        raise err
    return result


# helpers of the steps ---------------------------------------------------------------------------

def _spec(job: ReportJob, build: _Build) -> JobSpec:
    nb_path, shown = build.notebooks[job.name]
    return JobSpec(
        name=job.name, notebook=str(nb_path), notebook_shown=shown, parameters=dict(job.parameters),
        output_dir=str(build.tmp / job.name), executed_path=str(build.tmp / WORK_DIR / f"{job.name}.ipynb"),
        data_root=str(build.data_root), cwd=str(nb_path.parent), kernel_name=KERNEL_NAME,
        execution_timeout=build.timeout, kernel_log=str(build.tmp / WORK_DIR / f"{job.name}.log"),
        reuse_kernel=build.reuse_kernels,
    )


def _result(job: ReportJob, shown: str, status: str, reason: str = "", previous: dict | None = None) -> ReportResult:
    path = (project_root() / shown) if shown else None
    return ReportResult(
        name=job.name, title=report_title(job, path if path and path.is_file() else None), group=job.group, notebook=shown,
        parameters=dict(job.parameters), status=status, reason=reason, description=job.description,
        built_at=(previous or {}).get("built_at"), duration=(previous or {}).get("duration_seconds"),
        currency=(previous or {}).get("data_currency"),
    )


def _keep_unselected(job: ReportJob, build: _Build) -> ReportResult:
    """A report left out by --only: carry its last build over if there is one."""
    previous_dir = build.out / job.name
    previous = mf.read_manifest(previous_dir / mf.MANIFEST)
    shown = (previous or {}).get("notebook", {}).get("path", job.notebook)
    if previous is not None:
        copy_report(previous_dir, build.tmp / job.name)
        return _result(job, shown, "kept", "not selected with --only", previous)
    return _result(job, shown, "not built", "not selected with --only")


def _progress(total: int, *, enabled: bool):
    if not enabled:
        return None
    return tqdm(total=total, unit="report", desc="notebooks", file=sys.stderr, dynamic_ncols=True)


def _finish(job: ReportJob, spec: JobSpec, outcome: JobOutcome, build: _Build) -> ReportResult:
    """After a run: render the HTML and write the manifest; or keep the failed notebook for debugging.

    A :class:`BuildError` while publishing (a local path or a link to the internet in the page, an error output)
    fails this report with its message; any other exception is a bug and stops the build with its traceback
    (the published site is untouched either way: nothing is swapped in before every report is done).
    """
    nb_path = Path(spec.notebook)
    if not outcome.ok:
        res = _result(job, spec.notebook_shown, "failed")
        res.failure = _with_kept(f"report {job.name!r} (notebook {spec.notebook_shown}) "
                                 f"{outcome.failure.describe() if outcome.failure else 'failed'}", spec, build)
        return res
    t0 = time.perf_counter()
    report_dir = Path(spec.output_dir)
    try:
        nb = nbformat.read(spec.executed_path, as_version=4)
        replacements = mf.local_path_replacements(
            output_dir=report_dir, data_root=build.data_root,
            extra=[(build.tmp, build.out.name), (nb_path.parent, Path(spec.notebook_shown).parent.as_posix() or "."),
                   (build.out.parent, "."), (Path.cwd(), "."), (Path(tempfile.gettempdir()), "<tmp>")])
        mf.scrub_notebook(nb, replacements, notebook_shown=spec.notebook_shown)
        stray = mf.strip_stray_output(nb)  # before rendering: nothing a kernel prints reaches a page
        inputs = mf.read_sources(report_dir, build.data_root)
        # the thanalysis the kernel imported; for a notebook that imported none, the one its kernel would have
        kernel_code = build.code.for_imported(outcome.imported) or build.kernel_code.get(str(nb_path.parent))
        built_at = mf.utc_now()
        provenance = {
            "data_statement": build.store.data_statement,
            "sources": inputs,
            "parameters": dict(job.parameters),
            "package_version": build.packages.get("thanalysis", ""),
            "git_commit": build.code.commit_text(kernel_code),
            "built_at": built_at,
            "notebook": spec.notebook_shown,
        }
        html_path = report_dir / "index.html"
        returned = render_report(nb, html_path, provenance=provenance)
        if not html_path.is_file():
            if isinstance(returned, str) and returned.lstrip().startswith("<"):
                html_path.write_text(returned, encoding="utf-8")
            else:
                raise BuildError(f"the renderer wrote no {html_path.name}")
        mf.check_no_local_paths(report_dir, replacements, job.name)
        manifest = {
            "manifest_version": mf.MANIFEST_VERSION,
            "report": {"name": job.name, "title": report_title(job, nb_path), "group": job.group},
            "notebook": {"path": spec.notebook_shown, "sha256": sha256_file(nb_path)},
            "parameters": dict(job.parameters),
            "data": build.data,
            "inputs": inputs,
            "data_currency": data_currency(read_periods(report_dir)),
            **({"extracts": build.extracts} if job.name in build.reads_extracts else {}),
            "packages": build.packages,
            **{key: build.code.own[key] for key in ("library_sha256", "git_commit", "git_dirty")},
            "kernel_code": kernel_code,
            "outputs": mf.list_outputs(report_dir),
            "warnings": stray,
            "built_at": built_at,
            "duration_seconds": round(outcome.duration + (time.perf_counter() - t0), 2),
            "run": {"kernel": spec.kernel_name, "attempts": outcome.attempts, "timeout_seconds": spec.execution_timeout,
                    "cells_seconds": mf.cells_seconds(nb), "kernel_reused": spec.reuse_kernel},
        }
        mf.write_manifest(report_dir, manifest)
        mf.check_no_local_paths(report_dir, replacements, job.name, only=[mf.MANIFEST])
    except (BuildError, OSError) as exc:
        why = exc if isinstance(exc, BuildError) else \
            f"could not write its files ({exc.strerror or exc}); check the disk has space"
        res = _result(job, spec.notebook_shown, "failed")
        res.failure = _with_kept(f"report {job.name!r} (notebook {spec.notebook_shown}): {why}", spec, build)
        return res
    res = _result(job, spec.notebook_shown, "built", f"ran in {outcome.duration:.1f}s")
    res.built_at, res.duration, res.stray = manifest["built_at"], manifest["duration_seconds"], len(stray)
    res.currency = manifest["data_currency"]
    return res


def _with_kept(text: str, spec: JobSpec, build: _Build) -> str:
    """``text`` and where the failed report's executed notebook is kept (in ``<site>/_failed/``), if it was saved."""
    kept = _keep_failed(spec, build)
    return text + (f"\n    the executed notebook {kept}" if kept else "")


def _keep_failed(spec: JobSpec, build: _Build) -> str | None:
    src = Path(spec.executed_path)
    if not src.is_file():
        return None
    dest_dir = build.out / FAILED_DIR
    dest = dest_dir / f"{spec.name}.ipynb"
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        if spec.kernel_log and Path(spec.kernel_log).is_file():
            shutil.copy2(spec.kernel_log, dest_dir / f"{spec.name}.log")
    except OSError as exc:
        return f"could not be kept in {_shown_out(build.out)}/{FAILED_DIR}/ ({exc.strerror or exc})"
    return f"is kept at {_shown_out(build.out)}/{FAILED_DIR}/{dest.name}"


def _shown_out(out: Path) -> str:
    try:
        return out.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return out.name


def _build_failed(failures: list[ReportResult], result: BuildResult, build: _Build) -> BuildError:
    n_run = sum(1 for r in result.reports if r.status in {"built", "failed"})
    kept = "the last good site was left as it was" if (build.out / "site.json").exists() else "no site was published"
    lines = [f"{len(failures)} of {n_run} report(s) run failed; {kept} ({_shown_out(build.out)}/)."]
    lines += ["  " + f.failure for f in failures if f.failure]
    err = BuildError("\n".join(lines))
    err.result = result  # type: ignore[attr-defined]
    return err


def _rankings(build: _Build, ordered: list[ReportResult], built_at: str) -> tuple[list[tuple[str, str]], BuildError | None]:
    """Write rankings.html/.csv when the plan has a ``rankings:`` section: (index links, error or None).

    A ranking that cannot be made (a table or column the notebooks do not write) must not throw away reports
    that built fine: they are published without the rankings page and the error is raised after the swap.
    """
    plan = build.plan
    if not plan.rankings:
        return [], None
    try:
        write_rankings(build.tmp, plan.rankings, build.jobs, {r.name: r.status for r in ordered},
                       site_title=plan.title, built_at=built_at, data_statement=build.store.data_statement,
                       area_names=lambda: area_names(build.store))
    except BuildError as exc:
        return [], exc
    text = plan.rankings[0].title if len(plan.rankings) == 1 else "Rankings across reports"
    return [(RANKINGS_HTML, text)], None


def _site_entry(r: ReportResult) -> SiteEntry:
    return SiteEntry(name=r.name, title=r.title, group=r.group, parameters=r.parameters, status=r.status,
                     notebook=r.notebook, built_at=r.built_at, reason=r.reason, description=r.description,
                     has_page=r.status in {"built", "unchanged", "kept"}, currency=r.currency)


# command line ---------------------------------------------------------------------------------

def main(args) -> int:
    """``thanalysis build`` (arguments parsed in thanalysis/cli.py)."""
    chromium = find_chromium() if getattr(args, "pdf", False) else None  # --pdf: stop before building if none
    result = build_site(
        plan_path=args.plan, data_root=args.data_root, out_dir=args.out, jobs=args.jobs, only=args.only,
        force=args.force, timeout=args.timeout, executor=args.executor, scheduler=args.scheduler,
        progress=not args.no_progress, reuse_kernels=not args.fresh_kernels, wait=args.wait,
    )
    built, same, kept = (len(result.with_status(s)) for s in ("built", "unchanged", "kept"))
    kept_text = f", kept {kept}" if kept else ""
    print(f"built {built}, unchanged {same}{kept_text} report(s) in {result.duration:.1f}s "
          f"→ {_shown_out(result.out_dir)}/index.html")
    print(f"data: {result.data_statement}")
    if chromium is not None:
        write_pdfs(result.out_dir, result.reports, chromium=chromium)
    return 0
