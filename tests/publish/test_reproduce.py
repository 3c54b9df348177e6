"""Reproducing a published report from its manifest."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from thanalysis.cli import main as cli_main
from thanalysis.publish import build
from thanalysis.publish.reproduce import compare_tables

from .conftest import nb_rel


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
