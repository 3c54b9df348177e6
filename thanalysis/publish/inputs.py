"""What a report depends on besides its notebook, parameters and recorded inputs: the code its kernel imports, and
the extracts folder.

- **The code the kernels import.** A report's kernel imports ``thanalysis`` the way Python finds it from the
  notebook's folder (``PYTHONPATH``, an editable install), which need not be the code running the build (for
  example ``python -m thanalysis build`` run in another clone imports that clone, while its kernels import the
  editable install). :func:`kernel_package` asks a Python started as a kernel is (this interpreter, this
  environment, the notebook's folder) which package it imports; the runner asks each kernel which one it did.
  :class:`CodeRecords` describes a package for the manifest: where it is (relative to the project), its git
  commit and its fingerprint.
- **The extracts folder.** A report whose code can read analyst extracts (its notebook imports
  :mod:`thanalysis.data.extracts`, directly or through the library: :func:`reads_extracts`) depends on the whole
  folder, not only on the files it read last time: a new file can be a new series. :func:`extracts_listing`
  lists the folder (name, size, sha256 of each file) for the manifest and the reuse check.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import nbformat

from thanalysis.config import PACKAGE_DIR
from thanalysis.data.extracts import EXTRACTS_ENV, extracts_dir
from thanalysis.publish.manifest import git_commit, library_fingerprint, relative_to_project
from thanalysis.publish.params import NOTEBOOK_READ_ERRORS

#: The module through which a report reads analyst extracts.
EXTRACTS_MODULE = extracts_dir.__module__
#: Run by a Python started like a kernel: the file of the ``thanalysis`` it would import (found, not imported).
_PROBE = ("import importlib.util as u; s = u.find_spec('thanalysis'); "
          "print(s.origin if s is not None and s.origin else '')")


# the code the kernels import --------------------------------------------------------------------------------

def kernel_package(cwd: str | os.PathLike) -> Path | None:
    """The folder of the ``thanalysis`` package a kernel started in ``cwd`` imports (None if it finds none).

    A kernel spec's ``python`` is this interpreter (jupyter_client starts kernels with ``sys.executable``) and a
    kernel inherits this environment, so a Python started the same way in the same folder finds the same package.
    """
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE], cwd=str(cwd), capture_output=True, text=True,
                              timeout=60, env=dict(os.environ))
    except (OSError, subprocess.SubprocessError):
        return None
    found = done.stdout.strip() if done.returncode == 0 else ""
    return Path(found).resolve().parent if found else None


def shown_package(package_dir: Path) -> str:
    """Where a ``thanalysis`` package is, with no absolute path: relative to the project (``thanalysis``,
    ``../main/thanalysis``), inside the Python installation, or only that it is elsewhere."""
    rel = relative_to_project(package_dir)
    if rel is not None:
        return rel
    for prefix in {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}:
        try:
            return "<python>/" + Path(package_dir).resolve().relative_to(prefix).as_posix()
        except ValueError:
            continue
    return "<outside this project>/" + Path(package_dir).name


class CodeRecords:
    """Each ``thanalysis`` package a build meets, described once: ``{"path", "git_commit", "git_dirty",
    "library_sha256", "same_as_build"}``. The build's own package is described by what the build computed."""

    def __init__(self, *, library_sha256: str, commit: str | None, dirty: bool, package_dir: Path = PACKAGE_DIR):
        self.build_package = Path(package_dir).resolve()
        self._known: dict[Path, dict[str, Any]] = {self.build_package: {
            "path": shown_package(self.build_package), "git_commit": commit, "git_dirty": dirty,
            "library_sha256": library_sha256, "same_as_build": True}}

    @property
    def own(self) -> dict[str, Any]:
        """The build's own package."""
        return dict(self._known[self.build_package])

    def record(self, package_dir: str | os.PathLike) -> dict[str, Any]:
        key = Path(package_dir).resolve()
        if key not in self._known:
            root = key.parent if (key.parent / "pyproject.toml").is_file() else None
            commit, dirty = git_commit(root) if root is not None else (None, False)
            data_dir = root / "data" if root is not None else key / "no-project-data"
            self._known[key] = {"path": shown_package(key), "git_commit": commit, "git_dirty": dirty,
                                "library_sha256": library_fingerprint(key, data_dir), "same_as_build": False}
        return dict(self._known[key])

    def for_imported(self, init_file: str | None) -> dict[str, Any] | None:
        """The record of the package whose ``__init__.py`` a kernel imported; None if it imported none."""
        return self.record(Path(init_file).parent) if init_file else None

    def commit_text(self, kernel_code: dict[str, Any] | None) -> str | None:
        """The commit a page names: of the code its kernel imported (the build's own if it imported none)."""
        code = kernel_code or self.own
        text = code["git_commit"] + (" (with uncommitted changes)" if code["git_dirty"] else "") \
            if code["git_commit"] else None
        if kernel_code is not None and not kernel_code["same_as_build"]:
            text = (f"{text or 'no git commit'} (the report's code, imported from {kernel_code['path']}; the page "
                    f"rendered by {self.own['git_commit'] or 'code outside git'})")
        return text


def probe_kernels(notebooks: dict[str, Path], code: CodeRecords, log: Callable[[str], None]
                  ) -> tuple[dict[str, dict[str, Any] | None], set[str]]:
    """For reports ``{name: notebook path}``: the code their kernels import, by notebook folder (None: none found),
    and the names of the reports whose code can read the extracts folder. Says so when the kernels import
    another ``thanalysis`` than the build's own."""
    by_folder: dict[str, dict[str, Any] | None] = {}
    readers: set[str] = set()
    for folder in sorted({str(path.parent) for path in notebooks.values()}):
        package = kernel_package(folder)
        by_folder[folder] = code.record(package) if package is not None else None
        if package is not None and not by_folder[folder]["same_as_build"]:
            log(f"note: the notebooks' kernels import thanalysis from {by_folder[folder]['path']}, not from this "
                f"build's own ({code.own['path']}); the manifests record the code they import")
        reads = {path: reads_extracts(path, package or code.build_package)
                 for path in {p for p in notebooks.values() if str(p.parent) == folder}}
        readers |= {name for name, path in notebooks.items() if reads.get(path)}
    return by_folder, readers


# the extracts folder -----------------------------------------------------------------------------------------

def reads_extracts(notebook: str | os.PathLike, package_dir: str | os.PathLike | None) -> bool:
    """True if the notebook's code can read analyst extracts: it imports :data:`EXTRACTS_MODULE`, directly or
    through the modules of ``package_dir`` it imports (imports are at the top of every module, a rule the tests
    enforce, so following them finds every module a report can use). A notebook that cannot be read counts as
    reading them (it is then rebuilt when the folder changes, never left stale)."""
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except NOTEBOOK_READ_ERRORS:
        return True
    start = _imports("\n".join(c.source for c in nb.cells if c.cell_type == "code"), package="")
    package = Path(package_dir).resolve() if package_dir else None
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        if name == EXTRACTS_MODULE:
            return True
        if name in seen or package is None:
            continue
        seen.add(name)
        todo += _module_imports(package, name)
    return False


#: An import statement (``from x import (a, b)`` over several lines too); indented ones count as well.
_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)|import[ \t]+([^\n#;]+))",
                     re.MULTILINE)


def _imports(source: str, package: str) -> set[str]:
    """The ``thanalysis`` modules a module's source imports (``from a import b`` may import module ``a.b``).

    Read as text, not parsed (the build reads every module a notebook reaches): a line in a docstring that looks
    like an import counts too, which can only make a report rebuild when it need not."""
    found: set[str] = set()
    for match in _IMPORT.finditer(source):
        base, names, plain = match.groups()
        if plain is not None:
            found |= {part.split(" as ")[0].strip() for part in plain.split(",")}
            continue
        dots = len(base) - len(base.lstrip("."))
        if dots:
            parent = package.rsplit(".", dots - 1)[0] if dots > 1 else package
            base = f"{parent}.{base[dots:]}" if base[dots:] else parent
        found.add(base)
        found |= {f"{base}.{part.split(' as ')[0].strip()}" for part in names.strip("()").split(",") if part.strip()}
    return {name for name in found if name.split(".")[0] == "thanalysis"}


def _module_imports(package: Path, name: str) -> list[str]:
    """The modules ``name`` imports, and its parent packages (importing a module runs their ``__init__``)."""
    parts = name.split(".")[1:]
    folder = package.joinpath(*parts)
    path = folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")
    if not path.is_file():
        return []  # a name imported from a module (a function, a class), not a module
    parents = [".".join(name.split(".")[:i]) for i in range(1, len(name.split(".")))]
    own = path.name == "__init__.py"
    return parents + list(_read_imports(str(path), path.stat().st_mtime_ns, name if own else name.rsplit(".", 1)[0]))


@lru_cache(maxsize=512)
def _read_imports(path: str, mtime_ns: int, package: str) -> tuple[str, ...]:
    try:
        return tuple(sorted(_imports(Path(path).read_text(encoding="utf-8"), package)))
    except (OSError, ValueError):
        return (EXTRACTS_MODULE,)  # cannot tell what it imports: assume the worst


def extracts_listing(store, data_root: Path, hash_file: Callable[[Path], str]) -> dict[str, Any]:
    """The extracts folder as the manifest records it: where it is (relative to the data root, or the variable
    naming it) and each file in it (name, bytes, sha256); hidden files are left out."""
    folder = extracts_dir(store)
    try:
        where = folder.resolve().relative_to(Path(data_root).resolve()).as_posix()
    except ValueError:
        where = f"${EXTRACTS_ENV}"
    files = sorted((p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")),
                   key=lambda p: p.name) if folder.is_dir() else []
    return {"folder": where,
            "files": [{"name": p.name, "bytes": p.stat().st_size, "sha256": hash_file(p)} for p in files]}
