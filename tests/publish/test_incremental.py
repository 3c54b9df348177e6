"""Incremental builds: unchanged reports are copied, not rerun; --force, --only and every kind of change."""
from __future__ import annotations

import hashlib
import time

import pandas as pd
import pytest

from thanalysis.publish import build, manifest

from .conftest import nb_rel


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


def test_library_fingerprint_sees_an_edit(tmp_path):
    pkg, data = tmp_path / "pkg", tmp_path / "data"
    (pkg / "sub").mkdir(parents=True)
    (data / "cache").mkdir(parents=True)
    (pkg / "a.py").write_text("x = 1\n")
    (pkg / "sub" / "b.yml").write_text("k: v\n")
    (data / "priorities.yml").write_text("p: 1\n")
    first = manifest.library_fingerprint(pkg, data)
    (data / "cache" / "big.csv").write_text("downloaded data is not code\n")
    (pkg / "notes.bin").write_bytes(b"\0")
    assert manifest.library_fingerprint(pkg, data) == first
    (pkg / "sub" / "b.yml").write_text("k: w\n")
    second = manifest.library_fingerprint(pkg, data)
    assert second != first
    (data / "priorities.yml").write_text("p: 2\n")
    assert manifest.library_fingerprint(pkg, data) not in {first, second}


def test_reuse_check_reasons(tmp_path):
    (tmp_path / "in.csv").write_text("a\n1\n")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "index.html").write_text("<html></html>")
    sha_in = hashlib.sha256(b"a\n1\n").hexdigest()
    prev = {"notebook": {"sha256": "n1"}, "parameters": {"a": 1}, "data": {"kind": "demo", "root": None},
            "inputs": [{"path": "in.csv", "sha256": sha_in}], "packages": {"thanalysis": "0.1.0", "pandas": "2.3"},
            "library_sha256": "L", "outputs": [{"path": "index.html",
                                                 "sha256": hashlib.sha256(b"<html></html>").hexdigest()}]}
    now = dict(notebook_sha256="n1", parameters={"a": 1}, data={"kind": "demo", "root": None}, data_root=tmp_path,
               packages={"thanalysis": "0.1.0", "pandas": "2.3"}, library_sha256="L")
    check = lambda **kw: manifest.reuse_check(prev, tmp_path / "report", **{**now, **kw})  # noqa: E731
    assert check() == (True, "unchanged: notebook, parameters, 1 input, thanalysis 0.1.0")
    assert check(notebook_sha256="n2") == (False, "notebook changed")
    assert check(parameters={"a": 2}) == (False, "parameters changed")
    assert check(packages={"thanalysis": "0.2.0", "pandas": "2.3"}) == (False, "thanalysis 0.1.0 → 0.2.0")
    assert check(data={"kind": "real", "root": None})[1].startswith("data changed")
    (tmp_path / "report" / "index.html").write_text("edited by hand")
    assert check() == (False, "output index.html is missing or was edited")
    assert manifest.reuse_check(None, tmp_path, **now) == (False, "no previous build")
