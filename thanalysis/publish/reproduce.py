"""``thanalysis reproduce MANIFEST``: rerun one report from its manifest and compare its result tables.

The rerun uses the notebook and parameters the manifest records, on the data root given with ``--data-root``
(else the one recorded, when it is inside or beside the project; else ``$THANALYSIS_DATA_ROOT``/the demo). A rerun
on another kind of data than the build's (the demo for a report built on real data) is refused before it runs,
naming the data root the manifest expects and how to give it.
Before running it warns when the notebook or an input file has changed since the build (checksums differ).
Each published ``results/*.csv`` is compared with the rerun's, cell by cell as text (so ``0.1`` and ``0.10``
differ, and nothing is rounded away): the answer is "no differences" (exit 0) or the rows and columns that
differ (exit 1).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from thanalysis.config import DATA_ROOT_ENV, project_root
from thanalysis.data.open import open_store
from thanalysis.data.store import sha256_file
from thanalysis.errors import BuildError, ConfigError
from thanalysis.publish import manifest as mf
from thanalysis.publish.params import check_parameters
from thanalysis.publish.runner import KERNEL_NAME, JobSpec, run_job

MAX_CELLS_SHOWN = 10


@dataclass
class ReproduceResult:
    same: bool
    tables: int = 0
    differences: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"warning: {w}" for w in self.warnings]
        if self.same:
            lines.append(f"no differences: {self.tables} result table(s) identical")
        else:
            lines.append(f"differences found in the result tables ({self.tables} compared):")
            lines += ["  " + d for d in self.differences]
        return "\n".join(lines)


def reproduce(manifest_path: str | Path, data_root: str | Path | None = None,
              keep: str | Path | None = None) -> ReproduceResult:
    """Rerun the report ``manifest_path`` describes (its notebook and parameters) and compare its result tables.

    Raises ConfigError when the manifest or its notebook cannot be used, BuildError when the rerun fails.
    """
    manifest_path = Path(manifest_path)
    man = mf.read_manifest(manifest_path)
    if man is None:
        raise ConfigError(f"{manifest_path.name}: not a thanalysis report manifest (manifest_version "
                          f"{mf.MANIFEST_VERSION}), or it cannot be read")
    report_dir = manifest_path.parent
    name = man.get("report", {}).get("name", report_dir.name)
    warnings: list[str] = []

    nb_rel = (man.get("notebook") or {}).get("path")
    if not isinstance(nb_rel, str) or not nb_rel:
        raise ConfigError(f"{manifest_path.name}: the manifest of report {name!r} names no notebook "
                          "(field 'notebook', 'path')")
    notebook = project_root() / nb_rel
    if not notebook.is_file() and (Path.cwd() / nb_rel).is_file():
        notebook = Path.cwd() / nb_rel  # a notebook kept outside the project, beside its plan
    if not notebook.is_file():
        raise ConfigError(f"report {name!r}: its notebook {nb_rel} is not in this project")
    if sha256_file(notebook) != man["notebook"].get("sha256"):
        warnings.append(f"the notebook {nb_rel} has changed since the report was built")

    store = _open_recorded_data(man, name, manifest_path, data_root)
    root = Path(store.root).resolve()
    for item in man.get("inputs", []):
        path = root / item["path"]
        if not path.is_file():
            warnings.append(f"input {item['path']} is missing from the data root")
        elif sha256_file(path) != item.get("sha256"):
            warnings.append(f"input {item['path']} has changed since the report was built "
                            f"(sha256 {item.get('sha256', '')[:12]}… then, {sha256_file(path)[:12]}… now)")

    parameters = man.get("parameters", {})
    check_parameters(notebook, parameters, shown=nb_rel, report=name)

    work = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="thanalysis-reproduce-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        spec = JobSpec(name=name, notebook=str(notebook), notebook_shown=nb_rel, parameters=parameters,
                       output_dir=str(work / name), executed_path=str(work / f"{name}.ipynb"), data_root=str(root),
                       cwd=str(notebook.parent), kernel_name=man.get("run", {}).get("kernel", KERNEL_NAME),
                       execution_timeout=man.get("run", {}).get("timeout_seconds") or 900,
                       kernel_log=str(work / f"{name}.log"))
        outcome = run_job(spec)
        if not outcome.ok:
            raise BuildError(f"rerunning report {name!r} (notebook {nb_rel}) "
                             f"{outcome.failure.describe() if outcome.failure else 'failed'}")
        result = compare_outputs(man, report_dir, work / name)
        result.warnings = warnings + result.warnings
        return result
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def _open_recorded_data(man: dict, name: str, manifest_path: Path, data_root: str | Path | None):
    """The store to rerun on: ``data_root``, else the root the manifest records (when it is inside or beside the
    project), else ``$THANALYSIS_DATA_ROOT``/the demo. A rerun on another kind of data than the build's (the demo
    for a report built on real data) would only report differences: it is refused before anything runs."""
    data = man.get("data") or {}
    kind, recorded = data.get("kind"), data.get("root")
    if data_root is None and recorded and (project_root() / recorded).is_dir():
        data_root = project_root() / recorded
    expects = (f"report {name!r} was built on {kind} data (data root {recorded}, as its manifest records)" if recorded
               else f"report {name!r} was built on {kind} data (its data root was outside the project, so the "
                    "manifest does not name it)")
    how = (f"give its data root: thanalysis reproduce {manifest_path} --data-root "
           f"{recorded if recorded else 'DIR'}")
    if data_root is None and kind == "real" and not os.environ.get(DATA_ROOT_ENV):
        raise ConfigError(f"{expects}; without --data-root this rerun would use the synthetic demo: {how}")
    store = open_store(data_root)
    if kind and kind != getattr(store, "kind", None):
        where = f"--data-root {data_root}" if data_root is not None else f"${DATA_ROOT_ENV}"
        raise ConfigError(f"{expects}; {where} holds {getattr(store, 'kind', 'other')} data, so a rerun could only "
                          f"differ: {how}")
    return store


def compare_outputs(man: dict, report_dir: Path, rerun_dir: Path) -> ReproduceResult:
    """Compare the published result tables (and summary.json) with a rerun's."""
    result = ReproduceResult(same=True)
    recorded = {o["path"]: o.get("sha256") for o in man.get("outputs", [])}
    published = sorted(p for p in recorded if p.startswith("results/") and p.endswith(".csv"))
    rerun = sorted(p.relative_to(rerun_dir).as_posix() for p in (rerun_dir / "results").glob("*.csv")) \
        if (rerun_dir / "results").is_dir() else []
    for rel in published:
        old, new = report_dir / rel, rerun_dir / rel
        if not old.is_file():
            result.warnings.append(f"{rel} is listed in the manifest but missing beside it")
            continue
        if sha256_file(old) != recorded[rel]:
            result.warnings.append(f"{rel} was edited after the build (its checksum differs from the manifest)")
        if not new.is_file():
            result.differences.append(f"{rel}: the rerun did not write this table")
            continue
        result.tables += 1
        result.differences += [f"{rel}: {d}" for d in compare_tables(old, new)]
    for rel in rerun:
        if rel not in recorded:
            result.differences.append(f"{rel}: written by the rerun but not in the published report")
    if "summary.json" in recorded and (report_dir / "summary.json").is_file() and (rerun_dir / "summary.json").is_file():
        old = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
        new = json.loads((rerun_dir / "summary.json").read_text(encoding="utf-8"))
        if old != new:
            keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k)) if isinstance(old, dict) \
                and isinstance(new, dict) else ["(whole file)"]
            result.differences.append(f"summary.json: key(s) differ: {', '.join(map(str, keys[:10]))}")
    result.same = not result.differences
    return result


def compare_tables(old_path: Path, new_path: Path) -> list[str]:
    """Differences between two CSVs read the same way (every cell as text, nothing treated as missing)."""
    old = pd.read_csv(old_path, dtype=str, keep_default_na=False)
    new = pd.read_csv(new_path, dtype=str, keep_default_na=False)
    out = []
    missing = [c for c in old.columns if c not in new.columns]
    extra = [c for c in new.columns if c not in old.columns]
    if missing:
        out.append(f"column(s) missing in the rerun: {', '.join(missing)}")
    if extra:
        out.append(f"new column(s) in the rerun: {', '.join(extra)}")
    if len(old) != len(new):
        out.append(f"{len(old)} rows published, {len(new)} rows in the rerun")
    common = [c for c in old.columns if c in new.columns]
    n = min(len(old), len(new))
    if not common or n == 0:
        return out
    a = old[common].iloc[:n].to_numpy()
    b = new[common].iloc[:n].to_numpy()
    rows, cols = (a != b).nonzero()
    if len(rows):
        out.append(f"{len(rows)} cell(s) differ in {len(set(rows.tolist()))} row(s):")
        for r, c in list(zip(rows.tolist(), cols.tolist()))[:MAX_CELLS_SHOWN]:
            # row numbers as a person counts them in the file: row 1 is the first row after the header
            out.append(f"  row {r + 1}, column {common[c]!r}: {a[r, c]!r} published, {b[r, c]!r} now")
        if len(rows) > MAX_CELLS_SHOWN:
            out.append(f"  … and {len(rows) - MAX_CELLS_SHOWN} more")
    return out


def main(args) -> int:
    """``thanalysis reproduce MANIFEST [--data-root DIR] [--keep DIR]``."""
    result = reproduce(args.manifest, data_root=args.data_root, keep=args.keep)
    print(result.text())
    return 0 if result.same else 1
