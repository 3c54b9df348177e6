"""A data root made from the small hand-written fixtures in tests/data/published/fixtures (real layouts, few rows).

Files the mirror stores gzipped are kept as plain CSV here (readable in a diff) and gzipped into the copy.
"""
from __future__ import annotations

import gzip
import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
#: Fixture files that the readers expect gzipped (as in the open-data mirror).
GZIPPED = ("children/dfe_lait/lait_bds_long.csv",
           "health_index/ons_health_index_ltla/england_health_index_indicators.csv")


def fixture_root(tmp_path: Path, *folders: str) -> Path:
    """Copy the fixture ``folders`` (e.g. "children/dfe_csc") under ``tmp_path/root`` and return that root."""
    root = tmp_path / "root"
    for folder in folders:
        shutil.copytree(FIXTURES / folder, root / folder)
    for rel in GZIPPED:
        plain = root / rel
        if plain.exists():
            with plain.open("rb") as src, gzip.open(plain.with_name(plain.name + ".gz"), "wb") as dst:
                shutil.copyfileobj(src, dst)
            plain.unlink()
    return root


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a (plain or gzipped) fixture copy; the text must be there."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        text = f.read()
    assert old in text, f"{old!r} not in {path}"
    with opener(path, "wt", encoding="utf-8") as f:
        f.write(text.replace(old, new, count))
