"""Fixtures for the publishing tests: tiny data roots, stand-in stores, a plan writer, a kernel spec; builds in a
process of their own (to kill or race them) and folders this user cannot change.

``fake_store`` (a home borough with two localities) serves most builds; ``area_store`` (four named boroughs
and an inequality table to rank) serves the rankings. Builds open them in place of the real data
(``open_store`` is replaced in ``build`` and ``reproduce``) and render with a small stand-in renderer.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
import yaml

from thanalysis.config import project_root
from thanalysis.publish import build, manifest, reproduce

NOTEBOOKS = Path(__file__).parent / "notebooks"


def nb_rel(stem: str) -> str:
    """A test notebook's path relative to the project root (as a plan writes it)."""
    return (NOTEBOOKS / f"{stem}.ipynb").resolve().relative_to(project_root().resolve()).as_posix()


@pytest.fixture(scope="session", autouse=True)
def python3_kernel(tmp_path_factory):
    """Make sure a "python3" kernel spec exists; if not, point one at this interpreter in a temp JUPYTER_PATH."""
    from jupyter_client.kernelspec import KernelSpecManager

    if "python3" in KernelSpecManager().find_kernel_specs():
        yield
        return
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(root) + (os.pathsep + old if old else "")
    yield
    if old is None:
        os.environ.pop("JUPYTER_PATH", None)
    else:
        os.environ["JUPYTER_PATH"] = old


@dataclass
class _StandInStore:
    """What the publishing code uses of thanalysis.data.Store: tables, a root, a statement, the per-store cache."""

    root: Path
    kind: str = "demo"
    data_statement: str = "These reports use synthetic demonstration data (test fixture)."
    home_area_code: str = "E09000030"

    def __post_init__(self):
        self._cache: dict = {}

    def cached(self, key, build):
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


@dataclass
class FakeStore(_StandInStore):
    """A home borough with two localities of one ward each; X1 is a locality of another borough."""

    localities: dict = field(default_factory=lambda: {"E0900003001": "North West", "E0900003002": "North East"})

    def areas(self):
        rows = [("E09000030", "Tower Hamlets", "la"), ("E09000012", "Hackney", "la")]
        rows += [(c, n, "locality") for c, n in self.localities.items()] + [("X1", "Elsewhere", "locality")]
        rows += [(f"W{c}", f"Ward of {n}", "ward22") for c, n in self.localities.items()] + [("WX1", "Far", "ward22")]
        return pd.DataFrame(rows, columns=["area_code", "area_name", "area_type"])

    def lookups(self):
        rows = [(c, "locality", "E09000030", "la", 1.0) for c in self.localities] + [("X1", "locality", "E09000012", "la", 1.0)]
        rows += [(f"W{c}", "ward22", c, "locality", 1.0) for c in [*self.localities, "X1"]]
        return pd.DataFrame(rows, columns=["child_code", "child_type", "parent_code", "parent_type", "weight"])


@pytest.fixture
def data_root(tmp_path) -> Path:
    root = tmp_path / "data-root"
    root.mkdir()
    pd.DataFrame({"area_code": ["E05000001", "E05000002", "E05000003"], "value": [1.5, 2.25, 7.0]}).to_csv(
        root / "input.csv", index=False)
    return root


def _open_with(monkeypatch, opener) -> None:
    """Builds and reruns open their data with ``opener`` instead of thanalysis.data.open.open_store."""
    monkeypatch.setattr(build, "open_store", opener)
    monkeypatch.setattr(reproduce, "open_store", opener)


@pytest.fixture
def fake_store(monkeypatch, data_root):
    """build/reproduce open this store instead of the real or demo data."""
    store = FakeStore(root=data_root)
    _open_with(monkeypatch, lambda data_root=None: FakeStore(root=Path(data_root)) if data_root else store)
    return store


def fallback_render_report(nb, out_path, *, provenance):
    """A trivial stand-in for thanalysis.publish.html.render_report: title, text outputs, provenance."""
    import html

    title = next((ln[2:] for c in nb.cells if c.cell_type == "markdown" for ln in c.source.splitlines()
                  if ln.startswith("# ")), "Report")
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                texts.append(out["text"])
            elif "data" in out and "text/plain" in out["data"]:
                texts.append(out["data"]["text/plain"])
            elif out.get("output_type") == "error":
                texts.append("\n".join(out["traceback"]))
    body = "".join(f"<pre>{html.escape(t)}</pre>" for t in texts)
    page = (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{body}<footer><pre>{html.escape(json.dumps(provenance, indent=1))}"
            "</pre></footer></body></html>")
    Path(out_path).write_text(page, encoding="utf-8")
    return page


@pytest.fixture
def fallback_renderer(monkeypatch):
    monkeypatch.setattr(build, "render_report", fallback_render_report)
    return fallback_render_report


@pytest.fixture
def write_plan(tmp_path):
    def write(reports: list[dict], rankings: list[dict] | None = None, title: str = "Test reports",
              name: str = "plan.yml") -> Path:
        path = tmp_path / name
        doc = {"title": title, "reports": reports}
        if rankings is not None:
            doc["rankings"] = rankings
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    return write


@pytest.fixture
def fixed_library(monkeypatch):
    """Pin the library fingerprint: other people edit the source tree while these tests run."""
    monkeypatch.setattr(manifest, "library_fingerprint", lambda *a, **k: "pinned-for-tests")


# rankings across reports ---------------------------------------------------------------------------

#: Four areas with made-up inequality figures: two indicators each, one tie, one suppressed figure.
AREAS = {"E09000030": "Tower Hamlets", "E09000012": "Hackney", "E09000025": "Newham", "E09000001": "City of London"}
SII_ROWS = [
    # area_code, indicator_id, indicator_name, sii, lower, upper
    ("E09000030", "deprived", "Households in deprivation", 12.5, 10.0, 15.0),
    ("E09000012", "deprived", "Households in deprivation", 20.25, 18.0, 22.5),
    ("E09000025", "deprived", "Households in deprivation", 12.5, 9.5, 15.5),
    ("E09000001", "deprived", "Households in deprivation", None, None, None),
    ("E09000030", "no_quals", "No qualifications", -3.0, -5.0, -1.0),
    ("E09000012", "no_quals", "No qualifications", 4.75, 2.0, 7.5),
    ("E09000025", "no_quals", "No qualifications", 0.5, -1.0, 2.0),
    ("E09000001", "no_quals", "No qualifications", 1.25, -4.0, 6.5),
]


@dataclass
class AreaStore(_StandInStore):
    """Four named boroughs (so ranking labels can be area names) and no localities."""

    def areas(self):
        return pd.DataFrame([(c, n, "la") for c, n in AREAS.items()], columns=["area_code", "area_name", "area_type"])

    def lookups(self):
        return pd.DataFrame(columns=["child_code", "child_type", "parent_code", "parent_type", "weight"])


@pytest.fixture
def sii_root(tmp_path) -> Path:
    root = tmp_path / "data-root"
    root.mkdir()
    pd.DataFrame(SII_ROWS, columns=["area_code", "indicator_id", "indicator_name", "sii", "sii_lower_ci_95",
                                    "sii_upper_ci_95"]).to_csv(root / "sii_input.csv", index=False)
    return root


@pytest.fixture
def area_store(monkeypatch, sii_root):
    store = AreaStore(root=sii_root)
    _open_with(monkeypatch, lambda data_root=None: store)
    return store


# builds in a process of their own, and folders this user cannot change ------------------------------------------

DRIVER = Path(__file__).parent / "build_in_subprocess.py"
#: Set in the environment of a build started by start_build: every process of that build (the build, its workers,
#: their kernels) carries it, so a test can find them all in /proc.
MARK_ENV = "THANALYSIS_TEST_BUILD_MARK"


def start_build(plan: Path, out: Path, data_root: Path, marker: str = "") -> subprocess.Popen:
    """``thanalysis build`` of ``plan`` into ``out`` in a new process (see build_in_subprocess.py), importing this
    project's code; its output is read from ``proc.stdout``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(project_root()), os.environ.get("PYTHONPATH", "")]),
           MARK_ENV: marker}
    return subprocess.Popen([sys.executable, str(DRIVER), str(plan), str(out), str(data_root)], cwd=project_root(),
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(condition, seconds: float, proc: subprocess.Popen | None = None):
    """Poll ``condition()`` until it is true (returned) or ``seconds`` pass (the test fails, with the process's
    output if ``proc`` stopped early)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if proc is not None and proc.poll() is not None:
            pytest.fail(f"the build stopped early (exit {proc.returncode}):\n{proc.stdout.read()}")
        time.sleep(0.1)
    pytest.fail(f"still waiting after {seconds} s")


def processes_with(marker: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live process whose environment holds ``MARK_ENV=marker`` (zombies are dead)."""
    wanted = f"{MARK_ENV}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if wanted in environ and stat[stat.rindex(")") + 2] not in "ZX":
            found.append((int(entry.name), cmdline.strip()))
    return found


@contextmanager
def unwritable(path: Path):
    """Make ``path`` a folder this user cannot change: ``chattr +i`` as root (whom permissions do not stop), else
    read-only permissions; skip the test when neither is possible here. Yields ``[path]``: a test that moves the
    folder puts its new place there, so that it is made writable again afterwards."""
    where = [Path(path)]
    if os.geteuid() != 0:
        mode = where[0].stat().st_mode
        os.chmod(where[0], 0o555)
        try:
            yield where
        finally:
            os.chmod(where[0], mode)
        return
    chattr = shutil.which("chattr")
    done = subprocess.run([chattr, "+i", str(path)], capture_output=True, text=True) if chattr else None
    if done is None or done.returncode != 0:
        pytest.skip("running as root, and this file system cannot make a folder immutable (chattr +i): "
                    + (done.stderr.strip() if done is not None else "no chattr"))
    try:
        yield where
    finally:
        subprocess.run([chattr, "-i", str(where[0])], check=True)
