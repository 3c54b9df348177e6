"""``thanalysis build``: run a report plan and publish the site folder.

The steps, in order (each can stop the build with a message for a person, and none touches the published
site until every report has succeeded):

1. read and check the plan; open the data store (the synthetic demo when no real data is configured);
2. expand the plan into reports; check each notebook exists and its parameters match its ``parameters`` cell
   (before any kernel starts);
3. in a temporary folder next to the site: copy reports whose notebook, parameters, inputs and code are
   unchanged since their last build; run the others with papermill (a local process pool or Dask);
4. for each run: render the self-contained HTML (``thanalysis.publish.html.render_report``) and write
   ``manifest.json``;
5. write ``index.html`` + ``site.json`` and swap the new site in. If any report failed: keep the failed
   executed notebook in ``<site>/_failed/``, leave the last good site as it was, and raise :class:`BuildError`.
"""
from __future__ import annotations

import fnmatch
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import nbformat

from thanalysis.config import project_root
from thanalysis.data.store import sha256_file
from thanalysis.errors import BuildError, ConfigError
from thanalysis.publish import manifest as mf
from thanalysis.publish.executors import default_jobs, run_jobs
from thanalysis.publish.hashcache import FileHashes
from thanalysis.publish.params import check_parameters
from thanalysis.publish.plan import Plan, ReportJob, display_path, expand_plan, load_plan
from thanalysis.publish.runner import KERNEL_NAME, JobOutcome, JobSpec
from thanalysis.publish.site import (
    FAILED_DIR,
    SiteEntry,
    SiteInfo,
    carry_over,
    check_replaceable,
    swap_in,
    write_site_index,
)

DEFAULT_TIMEOUT = 900
WORK_DIR = "_work"  # executed notebooks, inside the temporary site; never published


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


@dataclass
class BuildResult:
    ok: bool
    out_dir: Path
    reports: list[ReportResult] = field(default_factory=list)
    duration: float = 0.0
    data_statement: str = ""

    def with_status(self, status: str) -> list[ReportResult]:
        return [r for r in self.reports if r.status == status]


# seams kept small so tests can replace them -----------------------------------------------------

def _open_store(data_root):
    from thanalysis.data.open import open_store

    return open_store(data_root)


def _renderer() -> Callable[..., str]:
    try:
        from thanalysis.publish.html import render_report
    except ImportError as exc:
        raise BuildError(f"cannot render reports: thanalysis.publish.html is not available ({exc})") from None
    return render_report


# the build ------------------------------------------------------------------------------------

def build_site(plan_path: str | Path = "plans/default.yml", data_root: str | Path | None = None,
               out_dir: str | Path = "reports", jobs: int | None = None, only: list[str] | None = None,
               force: bool = False, timeout: int | None = None, executor: str = "local",
               scheduler: str | None = None, progress: bool = True,
               log: Callable[[str], None] | None = None, reuse_kernels: bool = True) -> BuildResult:
    """Build the site described by ``plan_path`` into ``out_dir``; raise BuildError/ConfigError if anything fails.

    With the local executor each worker keeps one kernel and resets it between reports (``reuse_kernels``;
    see :mod:`thanalysis.publish.kernel_reset`); ``reuse_kernels=False`` starts a fresh kernel per report.
    """
    started = time.perf_counter()
    log = log or print
    plan = load_plan(plan_path)
    store = _open_store(data_root)
    data_root_path = Path(store.root).resolve()
    all_jobs = expand_plan(plan, store)
    selected = _select(all_jobs, only, plan)

    # Everything that can be checked without a kernel is checked now.
    notebooks, missing = {}, {}
    for job in selected:
        try:
            notebooks[job.name] = _resolve_notebook(plan, job)
        except ConfigError as exc:
            missing.setdefault(job.notebook, (str(exc), []))[1].append(job.entry)
    if len(missing) == 1 and len(next(iter(missing.values()))[1]) == 1:
        raise ConfigError(next(iter(missing.values()))[0])
    if missing:
        lines = [f"plan {display_path(plan.path)}, field 'notebook': {len(missing)} notebook file(s) do not exist "
                 "(looked in the project folder and beside the plan):"]
        lines += [f"  {nb} (report {', '.join(repr(e) for e in dict.fromkeys(entries))})"
                  for nb, (_, entries) in missing.items()]
        raise ConfigError("\n".join(lines))
    for job in selected:
        nb_path, shown = notebooks[job.name]
        check_parameters(nb_path, job.parameters, shown=shown, report=job.name)
    out = Path(out_dir).resolve()
    check_replaceable(out)

    packages = mf.package_versions()
    library_sha = mf.library_fingerprint()
    commit, dirty = mf.git_commit()
    data = mf.data_record(store)
    ctx = _Context(plan=plan, store=store, data=data, data_root=data_root_path, out=out, packages=packages,
                   library_sha=library_sha, commit=commit, dirty=dirty, timeout=timeout or DEFAULT_TIMEOUT,
                   reuse_kernels=reuse_kernels and executor == "local")

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    ctx.tmp = tmp
    try:
        results: dict[str, ReportResult] = {}
        to_run: list[ReportJob] = []
        hashes = FileHashes()  # each file version is hashed once per build, however many reports share it
        for job in all_jobs:
            if job not in selected:
                results[job.name] = _keep_unselected(job, ctx)
                continue
            nb_path, shown = notebooks[job.name]
            nb_sha = hashes.sha256(nb_path)
            previous_dir = out / job.name
            previous = mf.read_manifest(previous_dir / mf.MANIFEST)
            if not force:
                same, why = mf.reuse_check(previous, previous_dir, notebook_sha256=nb_sha, parameters=job.parameters,
                                           data=data, data_root=data_root_path, packages=packages,
                                           library_sha256=library_sha, hash_file=hashes.sha256)
                if same:
                    shutil.copytree(previous_dir, tmp / job.name)
                    results[job.name] = _result(job, ctx, shown, "unchanged", why, previous)
                    log(f"skipped {job.name}: {why}")
                    continue
                if previous is not None:
                    log(f"rebuilding {job.name}: {why}")
            to_run.append(job)

        failures: list[ReportResult] = []
        if to_run:
            render = _renderer()
            specs = [_spec(job, notebooks[job.name], ctx) for job in to_run]
            by_name = {job.name: job for job in to_run}
            bar = _progress(len(specs), enabled=progress)
            say = bar.write if bar is not None else log
            try:
                for outcome in run_jobs(specs, executor=executor, jobs=jobs or default_jobs(), scheduler=scheduler):
                    job = by_name[outcome.name]
                    spec = next(s for s in specs if s.name == outcome.name)
                    res = _finish(job, spec, outcome, ctx, render)
                    results[job.name] = res
                    if res.status == "failed":
                        failures.append(res)
                        say(f"FAILED {job.name}: {res.failure}")
                    if bar is not None:
                        bar.update(1)
            finally:
                if bar is not None:
                    bar.close()

        ordered = [results.get(job.name) or _result(job, ctx, notebooks.get(job.name, ("", job.notebook))[1],
                                                   "not built", "stopped after a failure")
                   for job in all_jobs]
        result = BuildResult(ok=not failures, out_dir=out, reports=ordered,
                             duration=time.perf_counter() - started, data_statement=store.data_statement)
        if failures:
            raise _build_failed(failures, result, ctx)

        shutil.rmtree(tmp / WORK_DIR, ignore_errors=True)
        built_at = mf.utc_now()
        links, ranking_error = _rankings(plan, all_jobs, ordered, ctx, built_at)
        write_site_index(tmp, SiteInfo(title=plan.title, built_at=built_at, data_statement=store.data_statement,
                                       description=plan.description, entries=[_site_entry(r) for r in ordered],
                                       links=links))
        carry_over(out, tmp)
        swap_in(tmp, out)
        result.duration = time.perf_counter() - started
        if ranking_error is not None:
            err = BuildError(f"the {len(ordered)} report(s) were published to {_shown_out(out)}/, but the rankings "
                             f"page was not: {ranking_error}\nFix the plan's 'rankings' section and build again "
                             "(unchanged reports are skipped).")
            err.result = result  # type: ignore[attr-defined]
            raise err
        return result
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class _Context:
    plan: Plan
    store: Any
    data: dict[str, Any]
    data_root: Path
    out: Path
    packages: dict[str, str]
    library_sha: str
    commit: str | None
    dirty: bool
    timeout: int
    tmp: Path | None = None
    reuse_kernels: bool = True


def _select(all_jobs: list[ReportJob], only: list[str] | None, plan: Plan) -> list[ReportJob]:
    if not only:
        return list(all_jobs)
    chosen = [j for j in all_jobs if any(fnmatch.fnmatchcase(j.name, pat) or pat == j.entry for pat in only)]
    if not chosen:
        names = ", ".join(j.name for j in all_jobs)
        raise ConfigError(f"--only {' '.join(only)}: no report in plan {display_path(plan.path)} has that name "
                          f"(reports: {names})")
    return chosen


def _resolve_notebook(plan: Plan, job: ReportJob) -> tuple[Path, str]:
    """(absolute path, path as shown) of a report's notebook: relative to the project root, else to the plan."""
    for base in (project_root(), plan.path.resolve().parent):
        candidate = (base / job.notebook).resolve()
        if candidate.is_file():
            shown = mf.relative_to_project(candidate) or job.notebook
            return candidate, shown
    raise ConfigError(f"plan {display_path(plan.path)}, report {job.name!r}, field 'notebook': "
                      f"{job.notebook} does not exist (looked in the project folder and beside the plan)")


def _spec(job: ReportJob, notebook: tuple[Path, str], ctx: _Context) -> JobSpec:
    nb_path, shown = notebook
    return JobSpec(
        name=job.name, notebook=str(nb_path), notebook_shown=shown, parameters=dict(job.parameters),
        output_dir=str(ctx.tmp / job.name), executed_path=str(ctx.tmp / WORK_DIR / f"{job.name}.ipynb"),
        data_root=str(ctx.data_root), cwd=str(nb_path.parent), kernel_name=KERNEL_NAME,
        execution_timeout=ctx.timeout, kernel_log=str(ctx.tmp / WORK_DIR / f"{job.name}.log"),
        reuse_kernel=ctx.reuse_kernels,
    )


def _cells_seconds(nb) -> float | None:
    """Time the notebook's own cells took (papermill records each), i.e. the report's computation without
    kernel start-up and papermill's overhead; None when no cell carries a duration."""
    durations = [c.get("metadata", {}).get("papermill", {}).get("duration") for c in nb.cells]
    durations = [float(d) for d in durations if isinstance(d, (int, float))]
    return round(sum(durations), 2) if durations else None


def _title(job: ReportJob, notebook_path: Path | None) -> str:
    if job.title:
        return job.title
    heading = first_heading(notebook_path) if notebook_path else None
    base = heading or job.name
    return f"{base}: {job.variant}" if job.variant else base


def first_heading(notebook_path: Path) -> str | None:
    """The notebook's first level-1 markdown heading (its title), or None."""
    try:
        nb = nbformat.read(str(notebook_path), as_version=4)
    except Exception:  # noqa: BLE001
        return None
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in cell.source.splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return None


def _result(job: ReportJob, ctx: _Context, shown: str, status: str, reason: str = "",
            previous: dict | None = None) -> ReportResult:
    path = (project_root() / shown) if shown else None
    return ReportResult(
        name=job.name, title=_title(job, path if path and path.is_file() else None), group=job.group, notebook=shown,
        parameters=dict(job.parameters), status=status, reason=reason, description=job.description,
        built_at=(previous or {}).get("built_at"), duration=(previous or {}).get("duration_seconds"),
    )


def _keep_unselected(job: ReportJob, ctx: _Context) -> ReportResult:
    """A report left out by --only: carry its last build over if there is one."""
    previous_dir = ctx.out / job.name
    previous = mf.read_manifest(previous_dir / mf.MANIFEST)
    shown = (previous or {}).get("notebook", {}).get("path", job.notebook)
    if previous is not None:
        shutil.copytree(previous_dir, ctx.tmp / job.name)
        return _result(job, ctx, shown, "kept", "not selected with --only", previous)
    return _result(job, ctx, shown, "not built", "not selected with --only")


def _progress(total: int, *, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="report", desc="notebooks", file=sys.stderr, dynamic_ncols=True)


def _finish(job: ReportJob, spec: JobSpec, outcome: JobOutcome, ctx: _Context, render) -> ReportResult:
    """After a run: render the HTML and write the manifest; or keep the failed notebook for debugging."""
    nb_path = Path(spec.notebook)
    if not outcome.ok:
        kept = _keep_failed(spec, ctx)
        res = _result(job, ctx, spec.notebook_shown, "failed")
        text = (f"report {job.name!r} (notebook {spec.notebook_shown}) "
                f"{outcome.failure.describe() if outcome.failure else 'failed'}")
        if kept:
            text += f"\n    the executed notebook is kept at {kept}"
        res.failure = text
        return res
    t0 = time.perf_counter()
    report_dir = Path(spec.output_dir)
    try:
        nb = nbformat.read(spec.executed_path, as_version=4)
        replacements = mf.local_path_replacements(
            output_dir=report_dir, data_root=ctx.data_root,
            extra=[(ctx.tmp, ctx.out.name), (nb_path.parent, Path(spec.notebook_shown).parent.as_posix() or "."),
                   (ctx.out.parent, "."), (Path.cwd(), "."), (Path(tempfile.gettempdir()), "<tmp>")])
        scrub_notebook(nb, replacements, notebook_shown=spec.notebook_shown)
        inputs = mf.read_sources(report_dir, ctx.data_root)
        built_at = mf.utc_now()
        git_text = None
        if ctx.commit:
            git_text = ctx.commit + (" (with uncommitted changes)" if ctx.dirty else "")
        provenance = {
            "data_statement": ctx.store.data_statement,
            "sources": inputs,
            "parameters": dict(job.parameters),
            "package_version": ctx.packages.get("thanalysis", ""),
            "git_commit": git_text,
            "built_at": built_at,
            "notebook": spec.notebook_shown,
        }
        html_path = report_dir / "index.html"
        returned = render(nb, html_path, provenance=provenance)
        if not html_path.is_file():
            if isinstance(returned, str) and returned.lstrip().startswith("<"):
                html_path.write_text(returned, encoding="utf-8")
            else:
                raise BuildError(f"the renderer wrote no {html_path.name}")
        check_no_local_paths(report_dir, replacements, job.name)
        manifest = {
            "manifest_version": mf.MANIFEST_VERSION,
            "report": {"name": job.name, "title": _title(job, nb_path), "group": job.group},
            "notebook": {"path": spec.notebook_shown, "sha256": sha256_file(nb_path)},
            "parameters": dict(job.parameters),
            "data": ctx.data,
            "inputs": inputs,
            "packages": ctx.packages,
            "library_sha256": ctx.library_sha,
            "git_commit": ctx.commit,
            "git_dirty": ctx.dirty,
            "outputs": mf.list_outputs(report_dir),
            "built_at": built_at,
            "duration_seconds": round(outcome.duration + (time.perf_counter() - t0), 2),
            "run": {"kernel": spec.kernel_name, "attempts": outcome.attempts, "timeout_seconds": spec.execution_timeout,
                    "cells_seconds": _cells_seconds(nb), "kernel_reused": spec.reuse_kernel},
        }
        mf.write_manifest(report_dir, manifest)
        check_no_local_paths(report_dir, replacements, job.name, only=[mf.MANIFEST])
    except BuildError as exc:
        kept = _keep_failed(spec, ctx)
        res = _result(job, ctx, spec.notebook_shown, "failed")
        res.failure = f"report {job.name!r} (notebook {spec.notebook_shown}): {exc}" + (
            f"\n    the executed notebook is kept at {kept}" if kept else "")
        return res
    except Exception as exc:  # noqa: BLE001 - a renderer bug must not lose the site; say which report
        kept = _keep_failed(spec, ctx)
        res = _result(job, ctx, spec.notebook_shown, "failed")
        res.failure = (f"report {job.name!r} (notebook {spec.notebook_shown}) ran, but publishing it failed: "
                       f"{type(exc).__name__}: {exc}" + (f"\n    the executed notebook is kept at {kept}" if kept else ""))
        return res
    res = _result(job, ctx, spec.notebook_shown, "built", f"ran in {outcome.duration:.1f}s")
    res.built_at, res.duration = manifest["built_at"], manifest["duration_seconds"]
    return res


def _keep_failed(spec: JobSpec, ctx: _Context) -> str | None:
    src = Path(spec.executed_path)
    if not src.is_file():
        return None
    dest_dir = ctx.out / FAILED_DIR
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / f"{spec.name}.ipynb"
    shutil.copy2(src, dest)
    if spec.kernel_log and Path(spec.kernel_log).is_file():
        shutil.copy2(spec.kernel_log, dest_dir / f"{spec.name}.log")
    return _shown_out(ctx.out) + f"/{FAILED_DIR}/{dest.name}"


def _shown_out(out: Path) -> str:
    try:
        return out.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return out.name


def scrub_notebook(nb: nbformat.NotebookNode, replacements: list[tuple[str, str]], *, notebook_shown: str) -> None:
    """Replace absolute local paths in outputs, sources and papermill metadata (tracebacks, warnings, prints)."""
    meta = nb.metadata.get("papermill")
    if isinstance(meta, dict):
        meta["input_path"] = notebook_shown
        meta["output_path"] = None
        meta.pop("environment_variables", None)
    for cell in nb.cells:
        cell.source = mf.scrub_text(cell.source, replacements)
        for output in cell.get("outputs", []):
            _scrub_node(output, replacements)


def _scrub_node(node: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(node, str):
        return mf.scrub_text(node, replacements)
    if isinstance(node, list):
        for i, item in enumerate(node):
            node[i] = _scrub_node(item, replacements)
        return node
    if isinstance(node, dict):
        for key in list(node):
            if key.startswith("image/") and key != "image/svg+xml":
                continue  # base64 pictures
            node[key] = _scrub_node(node[key], replacements)
        return node
    return node


def check_no_local_paths(report_dir: Path, replacements: list[tuple[str, str]], name: str,
                         only: list[str] | None = None) -> None:
    """Raise BuildError if a published text file holds an absolute local path (tmp folder, home, project, ...)."""
    files = [report_dir / p for p in only] if only else [
        p for p in report_dir.rglob("*") if p.is_file() and p.suffix.lower() in {".html", ".json", ".csv", ".txt", ".md", ".svg"}]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = mf.find_local_paths(text, replacements)
        if found:
            rel = path.relative_to(report_dir).as_posix()
            raise BuildError(f"{name}/{rel} contains a local path ({found[0]!r}); published files must not name "
                             "folders on this machine (write paths relative to the data root or the output folder)")


def _build_failed(failures: list[ReportResult], result: BuildResult, ctx: _Context) -> BuildError:
    n_run = sum(1 for r in result.reports if r.status in {"built", "failed"})
    kept = "the last good site was left as it was" if (ctx.out / "site.json").exists() else "no site was published"
    lines = [f"{len(failures)} of {n_run} report(s) run failed; {kept} ({_shown_out(ctx.out)}/)."]
    lines += ["  " + f.failure for f in failures if f.failure]
    err = BuildError("\n".join(lines))
    err.result = result  # type: ignore[attr-defined]
    return err


def _rankings(plan: Plan, all_jobs: list[ReportJob], ordered: list[ReportResult], ctx: _Context,
              built_at: str) -> tuple[list[tuple[str, str]], BuildError | None]:
    """Write rankings.html/.csv when the plan has a ``rankings:`` section: (index links, error or None).

    A ranking that cannot be made (a table or column the notebooks do not write) must not throw away reports
    that built fine: they are published without the rankings page and the error is raised after the swap.
    """
    if not plan.rankings:
        return [], None
    from thanalysis.publish.rankings import RANKINGS_HTML, write_rankings

    names: dict[str, str] = {}

    def area_names() -> dict[str, str]:
        if not names:
            areas = ctx.store.areas()
            names.update(zip(areas["area_code"].astype(str), areas["area_name"].astype(str)))
        return names

    try:
        write_rankings(ctx.tmp, plan.rankings, all_jobs, {r.name: r.status for r in ordered}, site_title=plan.title,
                       built_at=built_at, data_statement=ctx.store.data_statement, area_names=area_names)
    except BuildError as exc:
        return [], exc
    text = plan.rankings[0].title if len(plan.rankings) == 1 else "Rankings across reports"
    return [(RANKINGS_HTML, text)], None


def _site_entry(r: ReportResult) -> SiteEntry:
    return SiteEntry(name=r.name, title=r.title, group=r.group, parameters=r.parameters, status=r.status,
                     notebook=r.notebook, built_at=r.built_at, reason=r.reason, description=r.description,
                     has_page=r.status in {"built", "unchanged", "kept"})


# command line ---------------------------------------------------------------------------------

def main(args) -> int:
    """``thanalysis build`` (arguments parsed in thanalysis/cli.py)."""
    result = build_site(
        plan_path=args.plan, data_root=args.data_root, out_dir=args.out, jobs=args.jobs, only=args.only,
        force=args.force, timeout=args.timeout, executor=args.executor, scheduler=args.scheduler,
        progress=not args.no_progress, reuse_kernels=not args.fresh_kernels,
    )
    built, same, kept = (len(result.with_status(s)) for s in ("built", "unchanged", "kept"))
    kept_text = f", kept {kept}" if kept else ""
    print(f"built {built}, unchanged {same}{kept_text} report(s) in {result.duration:.1f}s "
          f"→ {_shown_out(result.out_dir)}/index.html")
    print(f"data: {result.data_statement}")
    return 0
