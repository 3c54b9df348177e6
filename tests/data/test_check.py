"""Checking a data root (``thanalysis.data.check``): missing datasets, tables that fail, and a demo root."""
from __future__ import annotations

import os

from tests.data.test_real_published import NHS, NHS_ENTRY, OFLOG, OFLOG_ENTRY, copy_fixtures, write_catalogue
from thanalysis.cli import main as cli_main
from thanalysis.data import check as check_module
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.check import check, format_rows
from thanalysis.data.published.series import Check


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
    # Every published series is read and counted, and the cross-checks of its sources pass.
    series = {r["item"]: r for r in rows if r["kind"] == "series"}
    assert set(series) == {f"series:{m}" for m, ds in cat.published_series().items()
                           if not all(d.is_on_demand for d in ds)}  # nothing fetched on demand here
    assert by_item["fingertips_api"]["note"].startswith("none fetched yet")
    assert series["series:nhs_trusts"]["rows"] == 171468 and series["series:lait"]["rows"] == 640900
    assert "434 indicators" in series["series:lait"]["note"] and "2026-04-08" in series["series:lait"]["note"]
    assert by_item["nhse_trust_monthly_2019_2025"]["note"] == "6 files, read by series:nhs_trusts"
    checks = {r["item"]: r for r in rows if r["kind"] == "check"}
    assert checks["check:hclic: original workbooks vs long extract"]["rows"] == 15528
    assert "every cell agrees" in checks["check:hclic: original workbooks vs long extract"]["note"]
    assert checks["check:lait: DfE LA numbers to ONS codes"]["note"].endswith(
        "153 of 153 current upper-tier authorities in LAIT")
    # The Census ward table (Tower Hamlets and Hackney) against the LSOAs: 2 boroughs, 41 wards x 25 groups.
    wards = checks["check:census21 ward table: best-fit ward shares against published"]
    assert (wards["status"], wards["rows"]) == ("ok", 41 * 25)
    boroughs = checks["check:census21 ward table: borough totals against their LSOAs"]
    assert boroughs["status"] == "ok" and boroughs["rows"] == 2 * 25 and "largest difference 35 people" in boroughs["note"]
    assert series["series:census"]["rows"] > 1_800_000  # the whole of England and Wales, not the store's London
    rc = cli_main(["data", "check", "--data-root", str(root)])
    out = capsys.readouterr().out
    assert rc == 1 and "missing" in out and "checks passed; 1 failed" in out


def test_a_series_that_fails_and_a_failed_cross_check_are_errors(tmp_path, monkeypatch):
    """A published series whose file is bad, and a cross-check that finds a difference, each fail the check."""
    root = tmp_path / "root"
    copy_fixtures(root, NHS, OFLOG)
    cat = write_catalogue(tmp_path, [NHS_ENTRY, OFLOG_ENTRY])
    (root / OFLOG / "ASC_data.csv").write_text("Financial year,Code\n2022-23,ASC1\n", encoding="utf-8")
    monkeypatch.setitem(check_module.CHECKS, "nhs_trusts", lambda r: [Check("nhs: a cross-check", 3, False,
                                                                             "1 of 3 cells differ")])
    rows = {r["item"]: r for r in check_module.check_series(root, cat)}
    assert rows["series:nhs_trusts"]["status"] == "ok" and rows["series:nhs_trusts"]["rows"] > 0
    assert rows["series:social_care"]["status"] == "error" and "ASC_data.csv" in rows["series:social_care"]["note"]
    assert (rows["check:nhs: a cross-check"]["status"], rows["check:nhs: a cross-check"]["note"]) == (
        "error", "1 of 3 cells differ")
    (root / NHS / "england_trust_accidents_emergency.csv").unlink()  # a series without all its files is not read
    assert "series:nhs_trusts" not in {r["item"] for r in check_module.check_series(root, cat)}
    assert {r["item"]: r["status"] for r in check_module.check_datasets(root, cat)}["nhs_series"] == "missing"


def test_check_a_demo_root(demo_root):
    rows = check(demo_root)
    assert rows and all(r["kind"] == "table" for r in rows)
    assert all(r["status"] == "ok" for r in rows), format_rows(rows)
