"""A small data catalogue over the fixture files, and a mirror folder holding them, for the catalogue, fetch and
check tests."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import yaml

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
