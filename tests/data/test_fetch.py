"""Filling a data root (``thanalysis.data.fetch``): from a mirror folder, over HTTP (a loopback server), and by
the command line from the real mirror."""
from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
import zipfile

import pytest

from thanalysis.cli import main as cli_main
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.fetch import MANIFEST, fetch

from .sample_catalogue import FIXTURES, make_mirror, sha256, small_catalogue


# --- fetch from a mirror -------------------------------------------------------------------------------------
def test_fetch_from_mirror_writes_files_and_provenance(tmp_path):
    cat = load_catalogue(small_catalogue(tmp_path))
    mirror = make_mirror(tmp_path)
    root = tmp_path / "root"
    results = fetch(root, source_dir=mirror, catalogue=cat)
    assert [r["status"] for r in results] == ["copied"] * 3
    manifest = json.loads((root / MANIFEST).read_text())
    assert set(manifest["files"]) == {ds.file for ds in cat}
    for rel, entry in manifest["files"].items():
        assert (root / rel).read_bytes() == (mirror / rel).read_bytes()
        assert entry["sha256"] == sha256(root / rel) and entry["size"] == (root / rel).stat().st_size
        assert entry["mirror_path"] == rel  # relative, never an absolute local path
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry["retrieved_at"])
    assert str(tmp_path) not in (root / MANIFEST).read_text()


def test_fetch_only_and_missing_in_mirror(tmp_path):
    cat = load_catalogue(small_catalogue(tmp_path))
    mirror = make_mirror(tmp_path)
    (mirror / "boundaries/tiny_wards.topo.json").unlink()
    results = fetch(tmp_path / "root", source_dir=mirror, only=["census_sample", "wards_sample"], catalogue=cat)
    assert [(r["dataset"], r["status"]) for r in results] == [("census_sample", "copied"), ("wards_sample", "failed")]
    assert "tiny_wards.topo.json" in results[1]["message"]


# --- fetch over HTTP (loopback server) ---------------------------------------------------------------------
@pytest.fixture()
def http_server(tmp_path):
    site = tmp_path / "site"
    (site / "files").mkdir(parents=True)
    shutil.copy(FIXTURES / "imd2019_file1_sample.csv", site / "files" / "imd.csv")
    with zipfile.ZipFile(site / "files" / "census2021-ts011.zip", "w") as zf:
        zf.write(FIXTURES / "census_ts011_lsoa_sample.csv", "census_ts011_lsoa_sample.csv")
        zf.writestr("census2021-ts011-oa.csv", "not wanted\n")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


def test_fetch_downloads_from_official_urls_rebased(tmp_path, http_server):
    base, site = http_server
    cat = load_catalogue(small_catalogue(tmp_path, imd_sample={"download": "https://assets.example.gov.uk/files/imd.csv"},
                                         census_sample={"download": "https://www.example.org/files/census2021-ts011.zip",
                                                        "archive_member": "census_ts011_lsoa_sample.csv"}))
    root = tmp_path / "root"
    results = {r["dataset"]: r for r in fetch(root, base_url=base, catalogue=cat)}
    assert results["imd_sample"]["status"] == "downloaded"
    assert results["census_sample"]["status"] == "downloaded"
    assert results["wards_sample"]["status"] == "manual" and "https://example.org/wards" in results["wards_sample"]["message"]
    imd = root / "imd2019/imd2019_file1_sample.csv"
    assert imd.read_bytes() == (FIXTURES / "imd2019_file1_sample.csv").read_bytes()
    census = root / "population/census2021/census_ts011_lsoa_sample.csv"
    assert census.read_bytes() == (FIXTURES / "census_ts011_lsoa_sample.csv").read_bytes()
    manifest = json.loads((root / MANIFEST).read_text())
    entry = manifest["files"]["imd2019/imd2019_file1_sample.csv"]
    assert entry["source_url"] == "https://assets.example.gov.uk/files/imd.csv"  # the official address is recorded
    assert entry["sha256"] == sha256(imd)
    assert "wards" not in " ".join(manifest["files"])  # nothing recorded for what was not fetched


def test_fetch_reports_http_errors(tmp_path, http_server):
    base, _ = http_server
    cat = load_catalogue(small_catalogue(tmp_path, imd_sample={"download": "https://assets.example.gov.uk/files/gone.csv"}))
    results = fetch(tmp_path / "root", base_url=base, only=["imd_sample"], catalogue=cat)
    assert results[0]["status"] == "failed" and "404" in results[0]["message"]
    assert not (tmp_path / "root/imd2019/imd2019_file1_sample.csv").exists()


def test_fetch_zip_without_the_member(tmp_path, http_server):
    base, _ = http_server
    cat = load_catalogue(small_catalogue(tmp_path, census_sample={
        "download": "https://www.example.org/files/census2021-ts011.zip", "archive_member": "census2021-ts011-lsoa.csv"}))
    results = fetch(tmp_path / "root", base_url=base, only=["census_sample"], catalogue=cat)
    assert results[0]["status"] == "failed" and "does not contain census2021-ts011-lsoa.csv" in results[0]["message"]


# --- the command line and check on the real mirror ----------------------------------------------------------
def test_cli_fetch_from_real_mirror_one_dataset(tmp_path, open_data_root, capsys):
    root = tmp_path / "root"
    rc = cli_main(["data", "fetch", "--from", str(open_data_root), "--data-root", str(root),
                   "--only", "census21_ts011_ltla", "--only", "boundaries_london_lad22"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "census21_ts011_ltla" in out and "copied" in out
    manifest = json.loads((root / MANIFEST).read_text())
    assert len(manifest["files"]) == 1 + 5  # the CSV and the shapefile's five parts
    rel = "boundaries/london/london-2021-lad22-gen20.prj"
    assert manifest["files"][rel]["sha256"] == sha256(open_data_root / rel)
