"""Whole builds: the site layout, manifests, the index, no local paths, and a failure that keeps the last good site."""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from thanalysis.cli import main as cli_main
from thanalysis.config import project_root
from thanalysis.errors import BuildError
from thanalysis.publish import build

from .conftest import nb_rel

pytestmark = pytest.mark.slow


def _plan(write_plan, *, failing: bool = False):
    reports = [
        {"name": "ok", "notebook": nb_rel("ok"), "title": "Works", "group": "Simple"},
        {"name": "table-{factor}", "notebook": nb_rel("table"), "for_each": {"factor": [1.5, 3]}, "group": "Tables"},
        {"name": "typed", "notebook": nb_rel("typed"), "parameters": {"n": 3, "area_code": "E09000030"}},
    ]
    if failing:
        reports.append({"name": "broken", "notebook": nb_rel("fails"), "parameters": {"n": 4}})
    return write_plan(reports)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _forbidden(tmp_path: Path) -> list[str]:
    return sorted({str(tmp_path), str(tmp_path.resolve()), "pytest-of-", str(project_root()), sys.prefix,
                   "/root/", "/home/", str(Path.home()) + "/"})


def assert_no_local_paths(site: Path, forbidden: list[str]) -> None:
    for path in site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".csv"}:
            text = path.read_text(encoding="utf-8")
            for bad in forbidden:
                assert bad not in text, f"{path.relative_to(site)} contains {bad!r}"


def test_build_publishes_reports_index_and_manifests(write_plan, tmp_path, fake_store, fallback_renderer,
                                                     fixed_library, data_root):
    site = tmp_path / "reports"
    result = build.build_site(_plan(write_plan), out_dir=site, jobs=2, progress=False)
    assert result.ok and [r.status for r in result.reports] == ["built"] * 4
    assert sorted(p.name for p in site.iterdir()) == ["index.html", "ok", "site.json", "table-1.5", "table-3", "typed"]
    assert not list(tmp_path.glob("reports.tmp-*")) and not (site / "_work").exists()

    # results written by the notebook, with the parameter applied
    table = pd.read_csv(site / "table-3" / "results" / "table.csv")
    source = pd.read_csv(data_root / "input.csv")
    assert table["scaled"].tolist() == (source["value"] * 3).tolist()

    # the manifest: relative notebook path + checksum, parameters, inputs, versions, outputs with checksums
    man = json.loads((site / "table-3" / "manifest.json").read_text())
    assert man["notebook"] == {"path": nb_rel("table"), "sha256": _sha(project_root() / nb_rel("table"))}
    assert man["parameters"] == {"factor": 3}
    assert man["inputs"][0]["path"] == "input.csv" and man["inputs"][0]["sha256"] == _sha(data_root / "input.csv")
    assert man["data"]["statement"] == fake_store.data_statement and man["data"]["root"] is None
    assert {"thanalysis", "python", "pandas", "numpy", "scipy", "geopandas", "folium", "papermill"} <= set(man["packages"])
    outputs = {o["path"]: o["sha256"] for o in man["outputs"]}
    assert set(outputs) == {"index.html", "results/table.csv", "summary.json", "sources.json"}
    for rel, sha in outputs.items():
        assert _sha(site / "table-3" / rel) == sha
    assert man["built_at"].endswith("Z") and man["duration_seconds"] > 0
    # the notebook's own cell time (for the benchmark's overhead figure) is part of the report's time
    assert 0 < man["run"]["cells_seconds"] < man["duration_seconds"]
    assert man["run"]["kernel_reused"] is True  # the local executor's default

    # the provenance handed to the renderer ends up in the page (fallback renderer prints it)
    page = (site / "table-3" / "index.html").read_text()
    assert "synthetic demonstration data" in page and nb_rel("table") in page

    # index: every report, grouped, with parameters and status; a machine-readable list beside it
    index = (site / "index.html").read_text()
    assert '<html lang="en">' in index and "<h2" in index and 'href="table-3/index.html"' in index
    assert "Works" in index and "Simple" in index and "Tables" in index and "factor" in index
    assert "http://" not in index and "https://" not in index and "<script" not in index
    listing = json.loads((site / "site.json").read_text())
    assert [r["name"] for r in listing["reports"]] == ["ok", "table-1.5", "table-3", "typed"]
    assert listing["reports"][3]["parameters"] == {"n": 3, "area_code": "E09000030"}

    # the ok notebook printed its output folder, working folder and data root: none is published
    assert "output folder: ." in (site / "ok" / "index.html").read_text()
    assert_no_local_paths(site, _forbidden(tmp_path))


def test_failure_keeps_last_good_site_and_the_failed_notebook(write_plan, tmp_path, fake_store, fallback_renderer,
                                                              fixed_library, capsys, monkeypatch):
    site = tmp_path / "reports"
    good = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    assert cli_main(["build", "--plan", str(good), "--out", str(site), "--no-progress"]) == 0
    (site / "README.md").write_text("kept across builds")
    before = {p.relative_to(site).as_posix(): _sha(p) for p in site.rglob("*") if p.is_file()}

    code = cli_main(["build", "--plan", str(_plan(write_plan, failing=True)), "--out", str(site),
                     "--no-progress", "--jobs", "2"])
    err = capsys.readouterr().err
    assert code != 0
    assert "report 'broken'" in err and nb_rel("fails") in err
    assert "cell 3 (index 2)" in err and "`ratio = n / 0`" in err and "ZeroDivisionError: division by zero" in err
    assert "last good site was left as it was" in err

    after = {p.relative_to(site).as_posix(): _sha(p) for p in site.rglob("*")
             if p.is_file() and "_failed" not in p.parts}
    assert after == before  # untouched, byte for byte
    failed = site / "_failed" / "broken.ipynb"
    assert failed.is_file() and "reports/_failed/broken.ipynb" in err.replace(str(tmp_path) + "/", "")
    assert "ZeroDivisionError" in failed.read_text()
    assert not list(tmp_path.glob("reports.tmp-*"))

    # fixing the plan publishes, carries README.md over, and drops the failed notebook
    assert cli_main(["build", "--plan", str(_plan(write_plan)), "--out", str(site), "--no-progress"]) == 0
    assert (site / "README.md").read_text() == "kept across builds" and not (site / "_failed").exists()


def test_build_error_lists_failure_for_library_callers(write_plan, tmp_path, fake_store, fallback_renderer,
                                                       fixed_library):
    plan = write_plan([{"name": "broken", "notebook": nb_rel("fails")}])
    with pytest.raises(BuildError) as err:
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)
    assert "no site was published" in str(err.value)
    result = err.value.result
    assert [r.status for r in result.reports] == ["failed"] and not result.ok
    assert not (tmp_path / "site" / "index.html").exists()


def test_a_local_path_in_a_published_file_fails_the_build(write_plan, tmp_path, fake_store, fixed_library,
                                                          monkeypatch):
    """The renderer (or a notebook) must not publish local folders: the build checks every text file."""
    leaky_dir = str(tmp_path)

    def leaky(nb, out_path, *, provenance):
        Path(out_path).write_text(f"<html><body>written from {leaky_dir}/x</body></html>")
        return ""

    monkeypatch.setattr(build, "_renderer", lambda: leaky)
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    with pytest.raises(BuildError, match=r"ok/index.html contains a local path"):
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)


def test_real_renderer_if_available(write_plan, tmp_path, fake_store, fixed_library):
    """With the project's own render_report (when it exists): a self-contained page with provenance."""
    try:
        from thanalysis.publish.html import render_report  # noqa: F401
    except ImportError:
        pytest.skip("thanalysis.publish.html is not written yet")
    site = tmp_path / "reports"
    build.build_site(write_plan([{"name": "table", "notebook": nb_rel("table")}]), out_dir=site, progress=False)
    page = (site / "table" / "index.html").read_text()
    assert "A result table" in page and "<script src=\"http" not in page
    assert_no_local_paths(site, _forbidden(tmp_path))
