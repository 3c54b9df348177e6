"""Writing the demo (``thanalysis.data.demo.write``): the same seed gives byte-identical files, the marker
records what was written, and the command prints every checksum."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from thanalysis.data.demo.common import DEFAULT_SEED, HOME_CODE
from thanalysis.data.demo.write import main, write_demo
from thanalysis.data.store import sha256_file
from thanalysis.vocabulary import DEMO_MARKER


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


# --- determinism ------------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_files(demo_root, tmp_path):
    again = write_demo(tmp_path / "again", seed=DEFAULT_SEED)
    first, second = _digests(demo_root), _digests(again)
    assert len(first) >= 13
    assert first == second


def test_different_seed_gives_different_data(demo_root, tmp_path):
    other = _digests(write_demo(tmp_path / "other", seed=DEFAULT_SEED + 1))
    first = _digests(demo_root)
    assert set(other) == set(first)
    for name in ("values.csv", "population.csv", "geometries/lsoa21.geojson", "flows.csv", DEMO_MARKER):
        assert other[name] != first[name], name


def test_marker_records_seed_version_note_and_file_checksums(demo_root, meta):
    assert meta["seed"] == DEFAULT_SEED
    assert meta["version"]
    assert "synthetic" in meta["note"].lower()
    assert "0°N 0°E" in meta["location"]
    assert meta["home_area_code"] == HOME_CODE
    for rel, digest in meta["files"].items():
        assert sha256_file(demo_root / rel) == digest, rel
    assert {"areas.csv", "values.csv", "geometries/ward22.geojson"} <= set(meta["files"])


def test_no_timestamps_or_absolute_paths_in_files(demo_root):
    marker = (demo_root / DEMO_MARKER).read_text(encoding="utf-8")
    assert str(demo_root) not in marker
    assert "built_at" not in marker and "generated_at" not in marker


# --- command line -----------------------------------------------------------------------------------------------
def test_cli_prints_checksums(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(argparse.Namespace(out=str(out), seed=7)) == 0
    printed = capsys.readouterr().out
    assert json.loads((out / DEMO_MARKER).read_text())["seed"] == 7
    for rel, digest in _digests(out).items():
        assert f"{digest}  {rel}" in printed
