"""A report's ``manifest.json``: what ran, on which data and code, and what it wrote.

It lets a researcher reproduce a report (``thanalysis reproduce``) and lets the build skip a report whose
notebook, parameters, inputs and code have not changed. Every path in it is relative (to the project or the
data root): a manifest never holds an absolute local path, a user name or a secret. The same rule holds for
every published file, so the path scrubbing and checking live here too (``scrub_notebook``,
``check_no_local_paths``).

Shape (``manifest_version`` 1)::

    {"manifest_version": 1,
     "report": {"name", "title", "group"},
     "notebook": {"path": "notebooks/x.ipynb", "sha256"},
     "parameters": {...},
     "data": {"kind": "demo" | "real", "root": "data/cache/demo" | null, "statement": "..."},
     "inputs": [{"dataset", "path" (relative to the data root), "sha256", "publisher", "licence", "url"}],
     "data_currency": {"newest", "oldest", "periods": [{"indicator_id", "name", "source", "period", "period_end",
                       "frequency", "lag_months", "current_until"}]} | null,  (publish.currency)
     "extracts": {"folder": "extracts", "files": [{"name", "bytes", "sha256"}]} (reports that can read extracts),
     "packages": {"thanalysis", "python", "pandas", ...}, "library_sha256": "...",
     "git_commit": "..." | null, "git_dirty": bool,            (the build's own code, which renders the page)
     "kernel_code": {"path": "thanalysis" | "../main/thanalysis" | ..., "git_commit", "git_dirty",
                     "library_sha256", "same_as_build"} | null,  (the thanalysis the kernel imported, or would
                                                                   have: null when it finds none)
     "outputs": [{"path": "index.html" | "results/x.csv" | ..., "sha256", "bytes"}],
     "warnings": [{"cell", "kind": "stdout" | "stderr" | "warning", "text"}],  (kept out of the page)
     "built_at": "2025-01-01T12:00:00Z", "duration_seconds": 12.3,
     "run": {"kernel", "attempts", "timeout_seconds", "cells_seconds", "kernel_reused"}}

Nothing a kernel prints reaches a page: :func:`strip_stray_output` takes every stream (stdout, stderr: logging,
warnings, IPython's own messages) and plain-text warning out of the executed notebook before it is rendered, and
the manifest keeps them under ``warnings``.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, Iterable

from thanalysis import __version__
from thanalysis.config import PACKAGE_DIR, project_root
from thanalysis.data.store import sha256_file
from thanalysis.errors import BuildError

MANIFEST = "manifest.json"
MANIFEST_VERSION = 1
SOURCES_JSON = "sources.json"
#: Packages whose versions are recorded (their versions can change results).
RECORDED_PACKAGES = ("thanalysis", "pandas", "numpy", "scipy", "statsmodels", "geopandas", "folium", "papermill")


# code and environment ------------------------------------------------------------------------------

def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        if name == "thanalysis":
            versions[name] = __version__
            continue
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(root: Path | None = None) -> tuple[str | None, bool]:
    """(commit hash, has uncommitted changes) of the project, or (None, False) outside a git repository."""
    root = root or project_root()
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None, False
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10)
        return head.stdout.strip() or None, bool(status.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None, False


def library_fingerprint(package_dir: Path | None = None, data_dir: Path | None = None) -> str:
    """sha256 over the library's source files and the project's small data files (not ``data/cache``).

    A report is rebuilt when this changes, even if the version number did not (code edited in place).
    """
    package_dir = Path(package_dir or PACKAGE_DIR)
    data_dir = Path(data_dir) if data_dir else project_root() / "data"
    h = hashlib.sha256()
    for base, label in ((package_dir, "thanalysis"), (data_dir, "data")):
        if not base.is_dir():
            continue
        files = []
        for path in base.rglob("*"):
            rel = path.relative_to(base)
            if not path.is_file() or "__pycache__" in rel.parts or (label == "data" and rel.parts[0] == "cache"):
                continue
            if label == "thanalysis" and path.suffix not in {".py", ".yml", ".yaml", ".json", ".html", ".css", ".js", ".j2"}:
                continue
            if any(part.startswith(".") for part in rel.parts):
                continue
            files.append(rel)
        for rel in sorted(files, key=lambda p: p.as_posix()):
            h.update(f"{label}/{rel.as_posix()}\0".encode())
            h.update(sha256_file(base / rel).encode())
    return h.hexdigest()


def cells_seconds(nb) -> float | None:
    """Time the notebook's own cells took (papermill records each), i.e. the report's computation without
    kernel start-up and papermill's overhead; None when no cell carries a duration."""
    durations = [c.get("metadata", {}).get("papermill", {}).get("duration") for c in nb.cells]
    durations = [float(d) for d in durations if isinstance(d, (int, float))]
    return round(sum(durations), 2) if durations else None


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# paths ---------------------------------------------------------------------------------------------

def relative_to_project(path: Path) -> str | None:
    """``path`` relative to the project root, if it is inside the project or in a sibling folder; else None.

    (A sibling such as ``../shared/data/open`` is recorded; anything further away, e.g. a temporary folder or
    a home directory, is not: it would only name somebody's machine.)
    """
    rel = os.path.relpath(Path(path).resolve(), project_root().resolve())
    parts = Path(rel).parts
    ups = sum(1 for p in parts if p == "..")
    if ups > 1 or (ups == 1 and len(parts) < 2):
        return None
    return Path(rel).as_posix()


def data_record(store) -> dict[str, Any]:
    return {"kind": getattr(store, "kind", "real"), "root": relative_to_project(Path(store.root)),
            "statement": store.data_statement}


def local_path_replacements(*, output_dir: Path | None = None, data_root: Path | None = None,
                            extra: Iterable[tuple[Path, str]] = ()) -> list[tuple[str, str]]:
    """(absolute prefix, what to show instead) pairs, longest first, used to scrub notebook outputs."""
    pairs: list[tuple[Path, str]] = list(extra)
    if output_dir is not None:
        pairs.append((Path(output_dir), "."))
    if data_root is not None:
        pairs.append((Path(data_root), "$THANALYSIS_DATA_ROOT"))
    pairs += [(project_root(), "."), (Path(sys.prefix), "<python>"), (Path(sys.base_prefix), "<python>")]
    home = Path.home()
    if str(home) not in ("/", ""):
        pairs.append((home, "~"))
    seen: dict[str, str] = {}
    for path, shown in pairs:
        for variant in {str(path), str(Path(path).resolve())}:
            if len(variant) > 1 and variant not in seen:
                seen[variant] = shown
    return sorted(seen.items(), key=lambda kv: -len(kv[0]))


def scrub_text(text: str, replacements: list[tuple[str, str]]) -> str:
    for prefix, shown in replacements:
        if prefix in text:
            text = text.replace(prefix, shown)
    return text


def find_local_paths(text: str, replacements: list[tuple[str, str]]) -> list[str]:
    """The absolute local prefixes that occur in ``text`` (empty when it is clean)."""
    found = []
    for prefix, _ in replacements:
        # a prefix counts only as a whole path component ("/root/x" but not "/rootless")
        if re.search(re.escape(prefix) + r"(?![\w.-])", text):
            found.append(prefix)
    return found



def scrub_notebook(nb, replacements: list[tuple[str, str]], *, notebook_shown: str) -> None:
    """Replace absolute local paths in outputs, sources and papermill metadata (tracebacks, warnings, prints)."""
    meta = nb.metadata.get("papermill")
    if isinstance(meta, dict):
        meta["input_path"] = notebook_shown
        meta["output_path"] = None
        meta.pop("environment_variables", None)
    for cell in nb.cells:
        cell.source = scrub_text(cell.source, replacements)
        for output in cell.get("outputs", []):
            _scrub_node(output, replacements)


def _scrub_node(node: Any, replacements: list[tuple[str, str]]) -> Any:
    if isinstance(node, str):
        return scrub_text(node, replacements)
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


#: A line of a Python warning ("file.py:12: FutureWarning: ...", "UserWarning: ...").
_WARNING_LINE = re.compile(r"^\s*(?:\S+:\d+:\s*)?(?:[A-Z]\w*)?Warning\b")
#: How much of one stray output the manifest keeps.
STRAY_TEXT_LIMIT = 2000


def strip_stray_output(nb) -> list[dict[str, Any]]:
    """Remove from the executed notebook what a kernel printed rather than displayed: every ``stream`` output
    (stdout and stderr: prints, logging, warnings, IPython's own messages) and every plain-text output that is
    only Python warnings. Returns them (cell number as the person sees it, kind, text) for the manifest."""
    stray: list[dict[str, Any]] = []
    number = 0
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags") or []) & {"injected-parameters", "papermill-error-cell-tag"}:
            continue
        number += 1
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            kind, text = _stray(output)
            if kind is None:
                kept.append(output)
                continue
            if text.strip():
                cut = text if len(text) <= STRAY_TEXT_LIMIT else text[:STRAY_TEXT_LIMIT] + "\n[...]"
                stray.append({"cell": number, "kind": kind, "text": cut})
        cell.outputs = kept
    return stray


def _stray(output) -> tuple[str | None, str]:
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        return str(output.get("name") or "stream"), "".join(text) if isinstance(text, list) else str(text)
    data = output.get("data") or {}
    if output.get("output_type") in ("display_data", "execute_result") and set(data) == {"text/plain"}:
        text = data["text/plain"]
        text = "".join(text) if isinstance(text, list) else str(text)
        lines = [line for line in text.splitlines() if line.strip()]
        if lines and _WARNING_LINE.match(lines[0]) and all(
                _WARNING_LINE.match(line) or line.startswith((" ", "\t")) for line in lines):
            return "warning", text
    return None, ""


def check_no_local_paths(report_dir: Path, replacements: list[tuple[str, str]], name: str,
                         only: list[str] | None = None) -> None:
    """Raise BuildError if a published text file holds an absolute local path (tmp folder, home, project, ...)."""
    files = [report_dir / p for p in only] if only else [
        p for p in report_dir.rglob("*") if p.is_file() and p.suffix.lower() in {".html", ".json", ".csv", ".txt", ".md", ".svg"}]
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        found = find_local_paths(text, replacements)
        if found:
            rel = path.relative_to(report_dir).as_posix()
            raise BuildError(f"{name}/{rel} contains a local path ({found[0]!r}); published files must not name "
                             "folders on this machine (write paths relative to the data root or the output folder)")

# inputs and outputs --------------------------------------------------------------------------------

def read_sources(report_dir: Path, data_root: Path | None = None) -> list[dict[str, Any]]:
    """The inputs a notebook recorded with ``report.record_sources`` (``sources.json``), paths made relative.

    Accepts a list of source records or a mapping holding one under ``"sources"``.
    """
    path = Path(report_dir) / SOURCES_JSON
    if not path.is_file():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return []
    items = raw.get("sources", []) if isinstance(raw, dict) else raw
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("path"):
            continue
        rel = str(item["path"]).replace("\\", "/")
        if os.path.isabs(rel):
            try:
                rel = Path(rel).resolve().relative_to(Path(data_root).resolve()).as_posix() if data_root else Path(rel).name
            except ValueError:
                rel = Path(rel).name
        out.append({
            "dataset": str(item.get("dataset", "")), "path": rel, "sha256": str(item.get("sha256", "")),
            "publisher": str(item.get("publisher", "") or ""), "licence": str(item.get("licence", "") or ""),
            "url": str(item.get("url", "") or ""),
        })
    out.sort(key=lambda s: (s["path"], s["dataset"]))
    return out


def list_outputs(report_dir: Path) -> list[dict[str, Any]]:
    """Every file in the report folder (except the manifest itself) with its sha256 and size."""
    report_dir = Path(report_dir)
    out = []
    for path in sorted(p for p in report_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(report_dir).as_posix()
        if rel == MANIFEST:
            continue
        out.append({"path": rel, "sha256": sha256_file(path), "bytes": path.stat().st_size})
    return out


def write_manifest(report_dir: Path, manifest: dict[str, Any]) -> Path:
    path = Path(report_dir) / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict) or data.get("manifest_version") != MANIFEST_VERSION:
        return None
    return data


def canonical(value: Any) -> str:
    """Parameters as a canonical JSON string (for comparing runs)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# incremental builds -------------------------------------------------------------------------------

def reuse_check(previous: dict[str, Any] | None, previous_dir: Path, *, notebook_sha256: str,
                parameters: dict[str, Any], data: dict[str, Any], data_root: Path,
                packages: dict[str, str], library_sha256: str,
                hash_file: Callable[[Path], str] = sha256_file, kernel_code: dict[str, Any] | None = None,
                extracts: dict[str, Any] | None = None) -> tuple[bool, str]:
    """(True, "unchanged: ...") if the previous build of a report can be reused as it is, else (False, why not).

    ``hash_file`` computes a file's SHA-256; a build passes a cached one (publish.hashcache) so inputs shared by
    many reports are read once per build. ``kernel_code`` describes the ``thanalysis`` the kernels import now
    (compared when the report's kernel imported one last time); ``extracts`` is the extracts folder now, given
    for a report whose code can read extracts (publish.inputs).
    """
    if previous is None:
        return False, "no previous build"
    if previous.get("notebook", {}).get("sha256") != notebook_sha256:
        return False, "notebook changed"
    if canonical(previous.get("parameters", {})) != canonical(parameters):
        return False, "parameters changed"
    prev_data = previous.get("data", {})
    if prev_data.get("kind") != data.get("kind"):
        return False, f"data changed ({prev_data.get('kind')} → {data.get('kind')})"
    inputs = previous.get("inputs", [])
    if not inputs and prev_data.get("root") != data.get("root"):
        return False, "data root changed (and the report recorded no inputs to compare)"
    for item in inputs:
        path = Path(data_root) / item["path"]
        if not path.is_file():
            return False, f"input {item['path']} is missing"
        if hash_file(path) != item.get("sha256"):
            return False, f"input {item['path']} changed"
    if extracts is not None:
        why = extracts_change(previous.get("extracts"), extracts)
        if why:
            return False, why
    prev_packages = previous.get("packages", {})
    for name, version in packages.items():
        if prev_packages.get(name) != version:
            return False, f"{name} {prev_packages.get(name)} → {version}"
    if previous.get("library_sha256") != library_sha256:
        return False, "library code changed"
    why = _kernel_code_change(previous.get("kernel_code"), kernel_code)
    if why:
        return False, why
    for item in previous.get("outputs", []):
        path = Path(previous_dir) / item["path"]
        if not path.is_file() or hash_file(path) != item.get("sha256"):
            return False, f"output {item['path']} is missing or was edited"
    n = len(inputs)
    listed = ""
    if extracts is not None:
        k = len(extracts.get("files", []))
        listed = f", extracts folder ({k} file{'s' if k != 1 else ''})"
    return True, (f"unchanged: notebook, parameters, {n} input{'s' if n != 1 else ''}{listed}, "
                  f"thanalysis {packages.get('thanalysis', '?')}")


def extracts_change(before: dict[str, Any] | None, now: dict[str, Any]) -> str:
    """Why the extracts folder differs from the one a report was built with ('' if it does not)."""
    if not isinstance(before, dict):
        return "the extracts folder was not recorded by the last build"
    if before.get("folder") != now.get("folder"):
        return f"extracts folder changed ({before.get('folder')} → {now.get('folder')})"
    old = {f.get("name"): f.get("sha256") for f in before.get("files", [])}
    new = {f["name"]: f["sha256"] for f in now.get("files", [])}
    for words, names in (("new extract", sorted(set(new) - set(old))),
                         ("extract removed:", sorted(set(old) - set(new))),
                         ("extract changed:", sorted(n for n in set(new) & set(old) if new[n] != old[n]))):
        if names:
            more = f" (and {len(names) - 1} more)" if len(names) > 1 else ""
            return f"{words} {names[0]}{more}"
    return ""


def _kernel_code_change(before: dict[str, Any] | None, now: dict[str, Any] | None) -> str:
    if not isinstance(before, dict) or now is None:
        return ""  # the report imported no thanalysis code last time, or none is found now
    if before.get("path") != now.get("path"):
        return f"the kernels now import thanalysis from {now.get('path')} (was {before.get('path')})"
    if before.get("library_sha256") != now.get("library_sha256"):
        return f"library code changed (in {now.get('path')}, imported by the kernels)"
    return ""
