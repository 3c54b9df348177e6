"""Helpers for the published-series tests: a data root made from the hand-written fixtures, optionally edited."""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import Callable

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
#: Fixture files kept as plain text here but gzipped in the data root, as the real files are.
GZIPPED = {"england_trust_criteria_to_reside.csv", "england_trust_discharged_patients.csv",
           "england_rtt_trust_by_treatment.csv", "england_delayed_discharge_reasons_trust.csv",
           "hclic_A1_TA1_long_all_LAs_2018Q2_2025Q4.csv"}


def edit_row(text: str, data_row: int, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` in one data row (1 = the first line under the header)."""
    lines = text.split("\n")
    assert old in lines[data_row], (old, lines[data_row])
    lines[data_row] = lines[data_row].replace(old, new, 1)
    return "\n".join(lines)


@pytest.fixture
def fixture_root(tmp_path) -> Callable[..., Path]:
    """``fixture_root(**edits)``: a data root of the fixtures; ``edits`` maps a file name (dots as underscores)
    to a function from the file's text to the text to write."""
    def make(**edits: Callable[[str], str]) -> Path:
        root = tmp_path / "root"
        if root.exists():
            shutil.rmtree(root)
        for src in FIXTURES.rglob("*.csv"):
            rel = src.relative_to(FIXTURES)
            text = src.read_text(encoding="utf-8")
            key = rel.name.replace(".", "_")
            if key in edits:
                text = edits[key](text)
            dest = root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if rel.name in GZIPPED:
                with gzip.open(dest.with_name(rel.name + ".gz"), "wt", encoding="utf-8", newline="") as f:
                    f.write(text)
            else:
                dest.write_text(text, encoding="utf-8", newline="")
        return root
    return make
