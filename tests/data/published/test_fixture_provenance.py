"""The fixtures of tests/data/published/fixtures/ are hand-written: no data row may be a row of the open-data mirror.

The project rule: nothing copied from the open-data mirror is committed; small hand-written fixtures in the real
formats are fine. Each fixture file is compared with the mirror file of the same path (``.gz`` where the mirror
gzips it), row by row, after reading both as CSV: cells are compared as numbers where they are numbers (so "1397.0"
and "1397", or "30,379" and 30379, are the same) and as trimmed, case-folded text otherwise, so quoting, line endings,
byte-order marks and thousands separators do not hide a copied row. Header rows are format and are not compared.
"""
from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Iterator

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
FILES = sorted(str(p.relative_to(FIXTURES)) for p in FIXTURES.rglob("*.csv"))


def cell(text: str) -> str:
    """A cell as comparable text: numbers to 10 significant figures (thousands separators and £ ignored)."""
    s = text.strip()
    try:
        return "%.10g" % float(s.replace(",", "").replace("£", ""))
    except ValueError:
        return s.casefold()


def rows_of(path: Path) -> Iterator[list[str]]:
    """The rows of a (plain or gzipped) CSV file, header first, with stripped header names."""
    with (gzip.open if path.suffix == ".gz" else open)(path, "rt", encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        yield [h.strip() for h in next(rows)]
        yield from rows


def test_cell_normalisation():
    assert cell("1397.0") == cell("1397") == cell(" 1,397 ") and cell("£34,930") == cell("34930")
    assert cell("Bow East") == cell("bow east ") and cell("20.100000000000001") == cell("20.1")
    assert cell("1397") != cell("1398") and cell("-") != cell("")


def test_every_fixture_file_is_checked():
    assert len(FILES) == 59, FILES  # a new fixture file is checked too: update the count


@pytest.mark.real
@pytest.mark.parametrize("rel", FILES)
def test_no_fixture_row_is_a_mirror_row(open_data_root, rel):
    mirror = open_data_root / rel
    if not mirror.exists():
        mirror = mirror.with_name(mirror.name + ".gz")
    assert mirror.exists(), f"no mirror file for the fixture {rel}"
    header, *rows = rows_of(FIXTURES / rel)
    wanted = {tuple(cell(c) for c in row) for row in rows}
    mirror_rows = rows_of(mirror)
    mirror_header = next(mirror_rows)
    assert set(header) <= set(mirror_header), set(header) - set(mirror_header)
    at = [mirror_header.index(h) for h in header]
    firsts = {w[0] for w in wanted}
    copied = []
    for row in mirror_rows:
        if len(row) > at[0] and cell(row[at[0]]) in firsts:  # cheap first look, then the whole row
            key = tuple(cell(row[i]) if i < len(row) else "" for i in at)
            if key in wanted:
                copied.append(",".join(row))
    assert not copied, f"{len(copied)} rows of {rel} are rows of the mirror: {copied[:3]}"
