"""What a report depends on besides its recorded inputs: the whole extracts folder (a new file rebuilds the reports
that read extracts) and the ``thanalysis`` its kernel imports (named in the manifest, even from another clone)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from thanalysis.config import PACKAGE_DIR
from thanalysis.publish import build
from thanalysis.publish.inputs import CodeRecords, kernel_package, reads_extracts

from .conftest import NOTEBOOKS, nb_rel


def _notebook(tmp_path: Path, name: str, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_notebook_reads_extracts_if_its_imports_reach_the_extracts_module(tmp_path):
    assert reads_extracts(NOTEBOOKS / "extracts.ipynb", PACKAGE_DIR)  # directly
    assert not reads_extracts(NOTEBOOKS / "table.ipynb", PACKAGE_DIR)  # no thanalysis at all
    dashboard = _notebook(tmp_path, "dash", "%matplotlib inline\nfrom thanalysis.analyses.dashboard import run_dashboard")
    assert reads_extracts(dashboard, PACKAGE_DIR)  # through the library's own imports
    stats = _notebook(tmp_path, "stats", "from thanalysis.stats import intervals\nimport thanalysis.vocabulary")
    assert not reads_extracts(stats, PACKAGE_DIR)
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not a notebook")
    assert reads_extracts(broken, PACKAGE_DIR)  # cannot tell: rebuilt rather than left stale


@pytest.mark.slow
def test_a_new_extract_file_rebuilds_the_reports_that_read_extracts(write_plan, tmp_path, fake_store,
                                                                   fallback_renderer, fixed_library, data_root,
                                                                   monkeypatch):
    monkeypatch.delenv("THANALYSIS_EXTRACTS", raising=False)
    site = tmp_path / "reports"
    plan = write_plan([{"name": "extracts", "notebook": nb_rel("extracts")},
                       {"name": "table", "notebook": nb_rel("table")}])
    build.build_site(plan, out_dir=site, progress=False)
    man = json.loads((site / "extracts" / "manifest.json").read_text())
    assert man["extracts"] == {"folder": "extracts", "files": []}
    assert "extracts" not in json.loads((site / "table" / "manifest.json").read_text())

    messages: list[str] = []
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert {r.name: r.status for r in result.reports} == {"extracts": "unchanged", "table": "unchanged"}
    assert "skipped extracts: unchanged: notebook, parameters, 0 inputs, extracts folder (0 files), " \
           "thanalysis 0.1.0" in messages

    # a first extract, in a folder that did not exist: the report that reads extracts is rebuilt, the other is not
    (data_root / "extracts").mkdir()
    (data_root / "extracts" / "ae_waits.csv").write_text("indicator_id,area_code,area_type,period,value\n")
    messages.clear()
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert {r.name: r.status for r in result.reports} == {"extracts": "built", "table": "unchanged"}
    assert "rebuilding extracts: new extract ae_waits.csv" in messages
    assert pd.read_csv(site / "extracts" / "results" / "extracts.csv")["file"].tolist() == ["ae_waits.csv"]

    # a second file, then a changed one, then one removed
    (data_root / "extracts" / "falls.csv").write_text("indicator_id,area_code,area_type,period,value\n")
    messages.clear()
    build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert "rebuilding extracts: new extract falls.csv" in messages
    (data_root / "extracts" / "falls.csv").write_text("indicator_id,area_code,area_type,period,value\nx,y,la,2024-01,1\n")
    messages.clear()
    build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert "rebuilding extracts: extract changed: falls.csv" in messages
    (data_root / "extracts" / "ae_waits.csv").unlink()
    messages.clear()
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert "rebuilding extracts: extract removed: ae_waits.csv" in messages
    assert {r.name: r.status for r in result.reports} == {"extracts": "built", "table": "unchanged"}

    # the folder named by $THANALYSIS_EXTRACTS, outside the data root: recorded by the variable's name
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("THANALYSIS_EXTRACTS", str(elsewhere))
    messages.clear()
    build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert "rebuilding extracts: extracts folder changed (extracts → $THANALYSIS_EXTRACTS)" in messages
    assert json.loads((site / "extracts" / "manifest.json").read_text())["extracts"] == {
        "folder": "$THANALYSIS_EXTRACTS", "files": []}


def _clone(tmp_path: Path) -> Path:
    """Another clone of the project: a copy of this package, committed in a git repository of its own."""
    clone = tmp_path / "other-clone"
    shutil.copytree(PACKAGE_DIR, clone / "thanalysis", ignore=shutil.ignore_patterns("__pycache__"))
    (clone / "pyproject.toml").write_text("[project]\nname = 'thanalysis'\n")
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "clone"], check=True)
    return clone


@pytest.mark.slow
def test_the_manifest_names_the_code_the_kernels_imported(write_plan, tmp_path, fake_store, fallback_renderer,
                                                          fixed_library, monkeypatch):
    site = tmp_path / "reports"
    plan = write_plan([{"name": "extracts", "notebook": nb_rel("extracts")},
                       {"name": "table", "notebook": nb_rel("table")}])
    build.build_site(plan, out_dir=site, progress=False)
    man = json.loads((site / "extracts" / "manifest.json").read_text())
    assert man["kernel_code"]["path"] == "thanalysis" and man["kernel_code"]["same_as_build"] is True
    assert man["kernel_code"]["library_sha256"] == man["library_sha256"] == "pinned-for-tests"
    # a notebook that imports no thanalysis: the code its kernel would import, the same in fresh and reused kernels
    assert json.loads((site / "table" / "manifest.json").read_text())["kernel_code"] == man["kernel_code"]

    # the kernels import another clone's code (here through PYTHONPATH; an editable install does the same)
    clone = _clone(tmp_path)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    monkeypatch.setenv("PYTHONPATH", str(clone))
    assert kernel_package(NOTEBOOKS) == clone / "thanalysis"
    messages: list[str] = []
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert {r.name: r.status for r in result.reports} == {"extracts": "built", "table": "built"}
    assert any(m.startswith("note: the notebooks' kernels import thanalysis from <outside this project>/thanalysis, "
                            "not from this build's own (thanalysis)") for m in messages), messages
    assert any(m.startswith("rebuilding extracts: the kernels now import thanalysis from <outside this project>")
               for m in messages), messages
    man = json.loads((site / "extracts" / "manifest.json").read_text())
    code = man["kernel_code"]
    assert code["same_as_build"] is False and code["git_commit"] == commit and code["git_dirty"] is False
    assert code["library_sha256"] == CodeRecords(library_sha256="", commit=None, dirty=False).record(
        clone / "thanalysis")["library_sha256"] != "pinned-for-tests"
    page = (site / "extracts" / "index.html").read_text()
    assert f"{commit} (the report&#x27;s code, imported from &lt;outside this project&gt;/thanalysis" in page

    # unchanged while that code is; an edit in it rebuilds
    messages.clear()
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert {r.name: r.status for r in result.reports} == {"extracts": "unchanged", "table": "unchanged"}
    (clone / "thanalysis" / "vocabulary.py").write_text((clone / "thanalysis" / "vocabulary.py").read_text() + "\n# edited\n")
    messages.clear()
    build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert "rebuilding extracts: library code changed (in <outside this project>/thanalysis, imported by the " \
           "kernels)" in messages
