"""Reproducing a published report from its manifest, and refusing to rerun it on another kind of data."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from thanalysis.cli import main as cli_main
from thanalysis.publish import build, reproduce
from thanalysis.publish.reproduce import compare_tables

from .conftest import FakeStore, nb_rel


@pytest.mark.slow
def test_clean_rerun_has_no_differences_and_a_changed_input_does(write_plan, tmp_path, fake_store,
                                                                  fallback_renderer, fixed_library, data_root, capsys):
    site = tmp_path / "reports"
    plan = write_plan([{"name": "table", "notebook": nb_rel("table"), "parameters": {"factor": 2.5}}])
    build.build_site(plan, out_dir=site, progress=False)
    manifest = site / "table" / "manifest.json"

    assert cli_main(["reproduce", str(manifest), "--data-root", str(data_root)]) == 0
    out = capsys.readouterr().out
    assert "no differences: 1 result table(s) identical" in out and "warning" not in out

    # change one input value: the rerun's table differs, and the input's checksum warning is given
    df = pd.read_csv(data_root / "input.csv", dtype={"area_code": str})
    df.loc[1, "value"] = 99.0
    df.to_csv(data_root / "input.csv", index=False)
    keep = tmp_path / "kept"
    assert cli_main(["reproduce", str(manifest), "--data-root", str(data_root), "--keep", str(keep)]) == 1
    out = capsys.readouterr().out
    assert "warning: input input.csv has changed since the report was built" in out
    assert "results/table.csv" in out and "row 2, column 'value': '2.25' published, '99.0' now" in out
    assert "column 'scaled'" in out and "summary.json" in out
    assert (keep / "table" / "results" / "table.csv").is_file()  # --keep leaves the rerun to inspect
    assert json.loads((keep / "table" / "summary.json").read_text())["rows"] == 3


def test_compare_tables_reports_shape_and_cells(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("code,x,y\nE1,0.1,NA\nE2,2,3\n")
    b.write_text("code,x,z\nE1,0.10,NA\nE2,2,3\nE3,4,5\n")
    diffs = compare_tables(a, b)
    assert "column(s) missing in the rerun: y" in diffs and "new column(s) in the rerun: z" in diffs
    assert "2 rows published, 3 rows in the rerun" in diffs
    assert "  row 1, column 'x': '0.1' published, '0.10' now" in diffs  # exact text, nothing rounded
    assert compare_tables(a, a) == []


def test_reproduce_rejects_a_file_that_is_not_a_manifest(tmp_path, capsys):
    bad = tmp_path / "manifest.json"
    bad.write_text("{}")
    assert cli_main(["reproduce", str(bad)]) == 2
    assert "not a thanalysis report manifest" in capsys.readouterr().err


def test_reproduce_names_a_manifest_without_its_notebook(tmp_path, capsys):
    bad = tmp_path / "manifest.json"
    bad.write_text(json.dumps({"manifest_version": 1, "report": {"name": "table"}, "parameters": {}}))
    assert cli_main(["reproduce", str(bad)]) == 2
    assert "manifest of report 'table' names no notebook" in capsys.readouterr().err


def _no_rerun(*args, **kwargs):
    raise AssertionError("the report was rerun")


@pytest.mark.slow
def test_a_report_built_on_real_data_is_not_rerun_on_the_demo(write_plan, tmp_path, fallback_renderer,
                                                              fixed_library, data_root, capsys, monkeypatch):
    """Without --data-root a rerun would fall back to the demo and report "differences": it is refused before
    anything runs, naming the data root the manifest expects and how to give it."""
    real = FakeStore(root=data_root, kind="real", data_statement="Real open data (test fixture).")
    monkeypatch.setattr(build, "open_store", lambda data_root=None: real)
    site = tmp_path / "reports"
    build.build_site(write_plan([{"name": "table", "notebook": nb_rel("table")}]), out_dir=site, progress=False)
    manifest = site / "table" / "manifest.json"
    assert json.loads(manifest.read_text())["data"]["kind"] == "real"

    opened = []
    monkeypatch.setattr(reproduce, "open_store", lambda data_root=None: opened.append(data_root) or (
        real if data_root else FakeStore(root=tmp_path / "demo")))
    monkeypatch.setattr(reproduce, "run_job", _no_rerun)
    monkeypatch.delenv("THANALYSIS_DATA_ROOT", raising=False)
    assert cli_main(["reproduce", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "report 'table' was built on real data (its data root was outside the project" in err
    assert "without --data-root this rerun would use the synthetic demo" in err
    assert f"thanalysis reproduce {manifest} --data-root DIR" in err
    assert opened == []  # refused before even opening (and so generating) the demo

    # the manifest names its data root (relative to the project): the message gives it back
    man = json.loads(manifest.read_text())
    man["data"]["root"] = "../not-here/data/open"
    manifest.write_text(json.dumps(man))
    assert cli_main(["reproduce", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "built on real data (data root ../not-here/data/open, as its manifest records)" in err
    assert "--data-root ../not-here/data/open" in err

    # $THANALYSIS_DATA_ROOT or --data-root holding demo data: refused too, before running
    monkeypatch.setenv("THANALYSIS_DATA_ROOT", str(tmp_path / "demo"))
    assert cli_main(["reproduce", str(manifest)]) == 2
    assert "$THANALYSIS_DATA_ROOT holds demo data, so a rerun could only differ" in capsys.readouterr().err
    monkeypatch.setattr(reproduce, "open_store", lambda data_root=None: FakeStore(root=tmp_path / "demo"))
    assert cli_main(["reproduce", str(manifest), "--data-root", str(tmp_path / "demo")]) == 2
    assert f"--data-root {tmp_path / 'demo'} holds demo data" in capsys.readouterr().err
