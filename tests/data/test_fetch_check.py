"""The catalogue, ``thanalysis data fetch`` (mirror copy and download over a loopback HTTP server) and
``thanalysis data check``. No test uses the internet."""
from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
import yaml

from thanalysis.cli import main as cli_main
from thanalysis.data.catalogue import load_catalogue
from thanalysis.data.check import check, format_rows
from thanalysis.data.fetch import MANIFEST, fetch
from thanalysis.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def small_catalogue(tmp_path: Path, **download) -> Path:
    """A three-dataset catalogue pointing at the fixture files (official-looking URLs, rebased in tests)."""
    entries = [
        {"id": "imd_sample", "title": "IMD sample", "publisher": "MHCLG", "licence": "OGL v3",
         "url": "https://www.gov.uk/imd", "file": "imd2019/imd2019_file1_sample.csv", "reader": "csv",
         "encoding": "utf-8-sig", "table": "values", "area_type": "lsoa11",
         "columns": {"LSOA code (2011)": "area_code"}},
        {"id": "census_sample", "title": "Census sample", "publisher": "ONS", "licence": "OGL v3",
         "url": "https://www.nomisweb.co.uk/sources/census_2021_bulk",
         "file": "population/census2021/census_ts011_lsoa_sample.csv", "reader": "csv", "table": "values",
         "columns": {"geography code": "area_code"}},
        {"id": "wards_sample", "title": "Wards sample", "publisher": "LBTH", "licence": "OGL v3",
         "url": "https://example.org/wards", "file": "boundaries/tiny_wards.topo.json", "reader": "topojson",
         "table": "geometries", "area_type": "ward22", "columns": {"wardcode": "area_code"}},
    ]
    for entry in entries:
        if entry["id"] in download:
            entry.update(download[entry["id"]])
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump({"version": 1, "datasets": entries, "indicators": []}, sort_keys=False))
    return path


def make_mirror(tmp_path: Path) -> Path:
    mirror = tmp_path / "mirror"
    for rel, name in (("imd2019/imd2019_file1_sample.csv", "imd2019_file1_sample.csv"),
                      ("population/census2021/census_ts011_lsoa_sample.csv", "census_ts011_lsoa_sample.csv"),
                      ("boundaries/tiny_wards.topo.json", "tiny_wards.topo.json")):
        (mirror / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / name, mirror / rel)
    return mirror


# --- catalogue ---------------------------------------------------------------------------------------------
def test_project_catalogue_is_valid_and_complete():
    cat = load_catalogue()
    assert len(cat) >= 35
    for ds in cat:
        assert ds.url.startswith("https://") and "raw.githubusercontent" not in ds.url
        assert ds.publisher and ds.licence and ds.reader and ds.file and not ds.file.startswith("/")
    ids = {i["indicator_id"] for i in cat.indicators}
    assert {"census21_households_deprived", "imd2019_score", "93759", "93867", "qof_prevalence_dm"} <= ids
    assert sum(i["indicator_id"].startswith("qof_prevalence_") for i in cat.indicators) == 21
    assert cat["boundaries_london_lsoa21"].crs == "EPSG:27700"
    assert cat["gla_ward_profiles_2015"].encoding == "latin-1"


@pytest.mark.parametrize("change, message", [
    ({"publisher": None}, "missing required field(s) publisher"),
    ({"reader": "shapfile"}, "did you mean 'shapefile'"),
    ({"file": "/abs/path.csv"}, "relative path"),
    ({"file": "../outside.csv"}, "relative path"),
    ({"area_type": "lsoa"}, "area_type must be one of"),
    ({"columns": {"code": "areacode"}}, "not a canonical column name"),
    ({"url": "ftp://x"}, "http(s) address"),
    ({"encodng": "utf-8"}, "did you mean 'encoding'"),
    ({"crs": "EPSG:99999999"}, "unknown crs"),
])
def test_bad_catalogue_entries_are_config_errors(tmp_path, change, message):
    path = small_catalogue(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["datasets"][0].update(change)
    raw["datasets"][0] = {k: v for k, v in raw["datasets"][0].items() if v is not None}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError) as exc:
        load_catalogue(path)
    assert message in str(exc.value) and "imd_sample" in str(exc.value) and "sources.yml" in str(exc.value)


def test_bad_indicator_entry(tmp_path):
    path = small_catalogue(tmp_path)
    raw = yaml.safe_load(path.read_text())
    raw["indicators"] = [{"indicator_id": "x", "name": "X", "value_type": "proportion", "multiplier": 100,
                          "unit": "%", "polarity": "lower_is_better", "frequency": "annual", "datasets": ["imd_sampel"]}]
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(ConfigError, match="did you mean 'imd_sample'"):
        load_catalogue(path)


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
