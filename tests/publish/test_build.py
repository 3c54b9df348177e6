"""``thanalysis build``: what is checked before any kernel starts, whole builds (the site layout, manifests, the
index, no local paths, a failure that keeps the last good site) and incremental rebuilds."""
from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import papermill

import pandas as pd
import pytest

from thanalysis.cli import main as cli_main
from thanalysis.config import project_root
from thanalysis.errors import BuildError, ConfigError
from thanalysis.publish import build, executors, manifest, runner

from .conftest import nb_rel

# before any kernel starts -----------------------------------------------------------------------------------

def _no_kernel(*args, **kwargs):
    raise AssertionError("a kernel was started")


@pytest.mark.parametrize("params, words", [
    ({"nn": 3}, "unknown parameter 'nn'"),
    ({"n": 2.5}, "parameter 'n' must be int"),
    ({"flag": "yes"}, "parameter 'flag' must be bool"),
])
def test_build_rejects_bad_parameters_before_any_kernel(monkeypatch, write_plan, tmp_path, fake_store,
                                                         fallback_renderer, params, words):
    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    monkeypatch.setattr(executors, "run_job", _no_kernel)
    monkeypatch.setattr(runner, "run_job", _no_kernel)
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")},
                       {"name": "typed", "notebook": nb_rel("typed"), "parameters": params}])
    with pytest.raises(ConfigError) as err:
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)
    assert words in str(err.value) and "typed.ipynb" in str(err.value) and "'typed'" in str(err.value)
    assert not (tmp_path / "site").exists()
    assert not list(tmp_path.glob("site.tmp-*"))


def test_build_names_a_missing_notebook(monkeypatch, write_plan, tmp_path, fake_store, fallback_renderer):
    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")},
                       {"name": "ghost", "notebook": "notebooks/not_written_yet.ipynb"}], name="p.yml")
    with pytest.raises(ConfigError) as err:
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)
    msg = str(err.value)
    assert "p.yml" in msg and "'ghost'" in msg and "notebooks/not_written_yet.ipynb does not exist" in msg


def test_only_selects_and_rejects_unknown(monkeypatch, write_plan, tmp_path, fake_store, fallback_renderer):
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    with pytest.raises(ConfigError, match="--only nope: no report"):
        build.build_site(plan, out_dir=tmp_path / "site", only=["nope"], progress=False)


def test_out_folder_that_is_not_a_site_is_never_replaced(monkeypatch, write_plan, tmp_path, fake_store,
                                                         fallback_renderer):
    monkeypatch.setattr(papermill, "execute_notebook", _no_kernel)
    precious = tmp_path / "documents"
    precious.mkdir()
    (precious / "thesis.docx").write_text("years of work")
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    with pytest.raises(BuildError, match="thesis.docx"):
        build.build_site(plan, out_dir=precious, progress=False)
    assert (precious / "thesis.docx").read_text() == "years of work"


# whole builds -----------------------------------------------------------------------------------------------

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


@pytest.mark.slow
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

    # the ok notebook printed its output folder, working folder and data root: what a kernel prints never reaches
    # the page; the manifest keeps it, with no local path
    page = (site / "ok" / "index.html").read_text()
    assert "hello" not in page and "output folder" not in page
    printed = json.loads((site / "ok" / "manifest.json").read_text())["warnings"]
    assert [(w["cell"], w["kind"]) for w in printed] == [(3, "stdout")]
    assert printed[0]["text"].startswith("hello\noutput folder: .\n")
    assert man["warnings"] == []
    assert_no_local_paths(site, _forbidden(tmp_path))


@pytest.mark.slow
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


@pytest.mark.slow
def test_build_error_lists_failure_for_library_callers(write_plan, tmp_path, fake_store, fallback_renderer,
                                                       fixed_library):
    plan = write_plan([{"name": "broken", "notebook": nb_rel("fails")}])
    with pytest.raises(BuildError) as err:
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)
    assert "no site was published" in str(err.value)
    result = err.value.result
    assert [r.status for r in result.reports] == ["failed"] and not result.ok
    assert not (tmp_path / "site" / "index.html").exists()


@pytest.mark.slow
def test_a_local_path_in_a_published_file_fails_the_build(write_plan, tmp_path, fake_store, fixed_library,
                                                          monkeypatch):
    """The renderer (or a notebook) must not publish local folders: the build checks every text file."""
    leaky_dir = str(tmp_path)

    def leaky(nb, out_path, *, provenance):
        Path(out_path).write_text(f"<html><body>written from {leaky_dir}/x</body></html>")
        return ""

    monkeypatch.setattr(build, "render_report", leaky)
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    with pytest.raises(BuildError, match=r"ok/index.html contains a local path"):
        build.build_site(plan, out_dir=tmp_path / "site", progress=False)



@pytest.mark.slow
def test_a_renderer_bug_stops_the_build_as_it_is_and_keeps_the_site(write_plan, tmp_path, fake_store,
                                                                    fallback_renderer, fixed_library, monkeypatch):
    """A BuildError while publishing fails its report with a message; any other exception is a bug and is raised
    as it is (type and traceback, not a sentence), leaving the last good site and no temporary folder."""
    site = tmp_path / "reports"
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")}])
    build.build_site(plan, out_dir=site, progress=False)
    before = {p.relative_to(site).as_posix(): _sha(p) for p in site.rglob("*") if p.is_file()}

    def buggy(nb, out_path, *, provenance):
        return provenance["no such key"]

    monkeypatch.setattr(build, "render_report", buggy)
    with pytest.raises(KeyError, match="no such key"):
        build.build_site(plan, out_dir=site, progress=False, force=True)
    assert {p.relative_to(site).as_posix(): _sha(p) for p in site.rglob("*") if p.is_file()} == before
    assert not list(tmp_path.glob("reports.tmp-*"))

@pytest.mark.slow
def test_the_real_renderer_publishes_a_self_contained_page(write_plan, tmp_path, fake_store, fixed_library):
    """With the project's own render_report: a self-contained page with provenance."""
    site = tmp_path / "reports"
    build.build_site(write_plan([{"name": "table", "notebook": nb_rel("table")}]), out_dir=site, progress=False)
    page = (site / "table" / "index.html").read_text()
    assert "A result table" in page and "<script src=\"http" not in page
    assert_no_local_paths(site, _forbidden(tmp_path))


# incremental builds -----------------------------------------------------------------------------------------

def _no_run(*args, **kwargs):
    raise AssertionError("a notebook was run")


def _files(site):
    return {p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in site.rglob("*") if p.is_file() and p.parent != site}


@pytest.mark.slow
def test_unchanged_reports_are_skipped_and_changes_rebuild(write_plan, tmp_path, fake_store, fallback_renderer,
                                                           fixed_library, data_root, monkeypatch):
    site = tmp_path / "reports"
    reports = [{"name": "ok", "notebook": nb_rel("ok")},
               {"name": "table", "notebook": nb_rel("table"), "parameters": {"factor": 2.0}}]
    plan = write_plan(reports)
    build.build_site(plan, out_dir=site, progress=False)
    first = _files(site)

    # 1. nothing changed: no kernel starts, the reports are copied byte for byte, and the log says why
    messages: list[str] = []
    with monkeypatch.context() as m:
        m.setattr(build, "run_jobs", _no_run)
        t0 = time.perf_counter()
        result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
        noop_seconds = time.perf_counter() - t0
    assert [r.status for r in result.reports] == ["unchanged", "unchanged"]
    assert "skipped table: unchanged: notebook, parameters, 1 input, thanalysis 0.1.0" in messages
    assert "skipped ok: unchanged: notebook, parameters, 0 inputs, thanalysis 0.1.0" in messages
    assert _files(site) == first
    assert noop_seconds < 5, noop_seconds
    assert "Unchanged since last build" in (site / "index.html").read_text()

    # 2. --force reruns everything
    result = build.build_site(plan, out_dir=site, progress=False, force=True)
    assert [r.status for r in result.reports] == ["built", "built"]

    # 3. an input file changed: only the report that read it is rerun
    df = pd.read_csv(data_root / "input.csv")
    df.loc[0, "value"] = 10.0
    df.to_csv(data_root / "input.csv", index=False)
    messages.clear()
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert {r.name: r.status for r in result.reports} == {"ok": "unchanged", "table": "built"}
    assert "rebuilding table: input input.csv changed" in messages
    assert pd.read_csv(site / "table" / "results" / "table.csv")["scaled"].iloc[0] == 20.0

    # 4. a parameter changed
    plan = write_plan([reports[0], {**reports[1], "parameters": {"factor": 3.0}}])
    messages.clear()
    result = build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert {r.name: r.status for r in result.reports} == {"ok": "unchanged", "table": "built"}
    assert "rebuilding table: parameters changed" in messages

    # 5. the library changed (code edited without a version bump): everything reruns
    monkeypatch.setattr(manifest, "library_fingerprint", lambda *a, **k: "edited")
    with monkeypatch.context() as m:
        m.setattr(build, "run_jobs", _no_run)
        with pytest.raises(AssertionError, match="a notebook was run"):
            build.build_site(plan, out_dir=site, progress=False, log=messages.append)
    assert "rebuilding ok: library code changed" in messages


@pytest.mark.slow
def test_only_builds_the_named_reports_and_keeps_the_rest(write_plan, tmp_path, fake_store, fallback_renderer,
                                                          fixed_library):
    site = tmp_path / "reports"
    plan = write_plan([{"name": "ok", "notebook": nb_rel("ok")},
                       {"name": "typed-{n}", "notebook": nb_rel("typed"), "for_each": {"n": [1, 2]}}])
    result = build.build_site(plan, out_dir=site, progress=False, only=["typed-1"])
    assert {r.name: r.status for r in result.reports} == {"ok": "not built", "typed-1": "built", "typed-2": "not built"}
    assert (site / "typed-1" / "index.html").is_file() and not (site / "ok").exists()
    index = (site / "index.html").read_text()
    assert "Not built yet" in index and 'href="ok/index.html"' not in index

    result = build.build_site(plan, out_dir=site, progress=False, only=["typed-*"], force=True)
    assert {r.name: r.status for r in result.reports} == {"ok": "not built", "typed-1": "built", "typed-2": "built"}
    result = build.build_site(plan, out_dir=site, progress=False, only=["ok"])
    assert {r.name: r.status for r in result.reports} == {"ok": "built", "typed-1": "kept", "typed-2": "kept"}
    assert (site / "typed-2" / "summary.json").is_file()


# nothing a kernel prints reaches a page ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("renderer", ["the project's", "stand-in"])
def test_printed_output_warnings_and_logs_never_reach_a_page(write_plan, tmp_path, fake_store, fixed_library,
                                                             monkeypatch, renderer, capsys):
    """stdout, stderr, warnings, logging and IPython's own messages (one reached a published dashboard) are taken
    out of the executed notebook before any renderer sees it: the manifest lists them, the build says so."""
    from .conftest import fallback_render_report  # renders every stream output it is given

    if renderer == "stand-in":
        monkeypatch.setattr(build, "render_report", fallback_render_report)
    site = tmp_path / "reports"
    build.build_site(write_plan([{"name": "noisy", "notebook": nb_rel("noisy")}]), out_dir=site, progress=False)
    page = (site / "noisy" / "index.html").read_text()
    if renderer == "the project's":  # (the stand-in shows only plain text: the Markdown's repr)
        assert "The reader sees this sentence." in page
    for text in ("printed to stdout", "History logging", "printed to stderr", "a warning from a cell",
                 "a log message", "UserWarning", "Warning"):
        assert text not in page, f"{text!r} reached the page"
    kept = json.loads((site / "noisy" / "manifest.json").read_text())["warnings"]
    by_kind = {}
    for item in kept:
        by_kind.setdefault(item["kind"], "")
        by_kind[item["kind"]] += item["text"]
        assert item["cell"] in (3, 4)
    assert "printed to stdout" in by_kind["stdout"] and "History logging moved to new session 4" in by_kind["stdout"]
    assert "printed to stderr" in by_kind["stderr"] and "UserWarning: a warning from a cell" in by_kind["stderr"]
    assert "a log message" in by_kind["stderr"]
    assert by_kind["warning"] == "UserWarning('a warning shown as a value')"
    assert "noisy: " in capsys.readouterr().out  # the build says how many it kept out of the page
