"""Checking a data root (``thanalysis.data.check``): missing datasets, tables that fail, and a demo root."""
from __future__ import annotations

import os

from thanalysis.cli import main as cli_main
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.check import check, format_rows


def test_check_reports_missing_dataset_and_tables(tmp_path, open_data_root, capsys):
    root = tmp_path / "root"
    cat = load_catalogue()
    for ds in cat:
        if ds.id == "gla_ward_profiles_2015":
            continue
        for rel in ds.files:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(open_data_root / rel, root / rel)
    rows = check(root)
    by_item = {r["item"]: r for r in rows}
    assert by_item["gla_ward_profiles_2015"]["status"] == "missing"
    assert all(r["status"] == "ok" for r in rows if r["item"] != "gla_ward_profiles_2015"), format_rows(rows)
    assert by_item["imd2019_file1"]["rows"] == 32844
    assert by_item["geometries:ward22"]["rows"] == 20 and by_item["geometries:lsoa21"]["rows"] == 169
    rc = cli_main(["data", "check", "--data-root", str(root)])
    out = capsys.readouterr().out
    assert rc == 1 and "missing" in out and "checks passed; 1 failed" in out


def test_check_a_demo_root(demo_root):
    rows = check(demo_root)
    assert rows and all(r["kind"] == "table" for r in rows)
    assert all(r["status"] == "ok" for r in rows), format_rows(rows)
