"""The package's shape (README, "Layout"): one-way layers, imports at the top, small documented modules."""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "thanalysis"
#: The only module allowed to import the package's own modules lazily (keeps `thanalysis --help` fast).
LAZY_ALLOWED = {"cli.py"}
#: Modules that are one method from start to end, allowed past the size limit.
ONE_METHOD = {"stats/spc.py"}
MAX_LINES = 520


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _own_import(node: ast.AST) -> str | None:
    if isinstance(node, ast.ImportFrom):
        if node.level > 0 or (node.module or "").split(".")[0] == "thanalysis":
            return ("." * node.level) + (node.module or "")
    elif isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == "thanalysis":
                return alias.name
    return None


def in_function_imports(path: Path) -> list[str]:
    """``thanalysis`` imports written inside a function or method of ``path``: ["line: module", ...]."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for func in ast.walk(tree):
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for node in ast.walk(func):
                name = _own_import(node)
                if name is not None:
                    found.append(f"{node.lineno}: {name}")
    return sorted(set(found), key=lambda s: int(s.split(":")[0]))


def test_the_in_function_import_check_finds_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import os\n\ndef f():\n    from thanalysis import stats\n    from .x import y\n    import json\n")
    assert in_function_imports(sample) == ["4: thanalysis", "5: .x"]


def test_no_package_import_inside_a_function():
    offenders = {}
    for path in _modules():
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in LAZY_ALLOWED:
            continue
        found = in_function_imports(path)
        if found:
            offenders[rel] = found
    assert not offenders, f"imports of thanalysis modules inside functions (move them to the top): {offenders}"


def test_import_linter_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is a test dependency (pyproject.toml [project.optional-dependencies] test)"
    root = PACKAGE.parent
    done = subprocess.run([exe, "--config", str(root / "pyproject.toml"), "--no-cache"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout and "kept" in done.stdout


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_every_module_says_what_it_is_for(path):
    if path.name == "__main__.py":
        return
    assert ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))), f"{path.name} has no module docstring"


def test_no_module_is_a_folder_in_disguise():
    long = {p.relative_to(PACKAGE).as_posix(): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
            and p.relative_to(PACKAGE).as_posix() not in ONE_METHOD}
    assert not long, f"modules over {MAX_LINES} lines (split them by what they do): {long}"
