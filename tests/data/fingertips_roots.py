"""Data roots for the tests of Fingertips indicators fetched on demand: the open-data mirror seen through symlinks,
with a ``fingertips/api/`` folder of its own, and exports written in the layout ``thanalysis data fingertips``
leaves (27-column CSV, metadata JSON and CSV, provenance records)."""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

from thanalysis.data.readers import FINGERTIPS_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"
LONDON = FIXTURES / "fingertips_api_london"
#: The parent comparison column as current exports name it.
HEADER = [c.replace("<parent>", "London region") for c in FINGERTIPS_COLUMNS]


def mirror_root(tmp: Path, mirror: Path) -> Path:
    """A data root that is the mirror (every folder a symlink) but whose ``fingertips/`` folder is its own, so
    ``fingertips/api/`` can be written without touching the mirror."""
    root = tmp / "root"
    root.mkdir()
    for entry in mirror.iterdir():
        if entry.name != "fingertips":
            os.symlink(entry, root / entry.name)
    (root / "fingertips").mkdir()
    for entry in (mirror / "fingertips").iterdir():
        os.symlink(entry, root / "fingertips" / entry.name)
    return root


def put_metadata(root: Path, indicator_id: str, fixtures: Path = LONDON) -> None:
    """``fingertips/api/metadata/<id>.json`` and ``.csv`` for one indicator, from a fixture folder's metadata."""
    folder = root / "fingertips/api/metadata"
    folder.mkdir(parents=True, exist_ok=True)
    meta = json.loads((fixtures / "indicator_metadata.json").read_text(encoding="utf-8"))
    (folder / f"{indicator_id}.json").write_text(json.dumps({indicator_id: meta[indicator_id]}), encoding="utf-8")
    with open(fixtures / "indicator_metadata.csv", newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *(r for r in rows if r[0] == indicator_id)])
    (folder / f"{indicator_id}.csv").write_text(buf.getvalue(), encoding="utf-8")


def put_export(root: Path, indicator_id: str, area_type_id: int, text: str, *, retrieved_at: str | None = None,
               fixtures: Path = LONDON) -> str:
    """Write an export (and its indicator's metadata) as ``thanalysis data fingertips`` leaves it; returns its path
    relative to the root. ``retrieved_at`` is recorded in provenance.json."""
    rel = f"fingertips/api/{indicator_id}_{area_type_id}.csv"
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, encoding="utf-8")
    put_metadata(root, indicator_id, fixtures)
    if retrieved_at:
        path = root / "provenance.json"
        manifest = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {"files": {}}
        manifest["files"][rel] = {"path": rel, "retrieved_at": retrieved_at}
        path.write_text(json.dumps(manifest), encoding="utf-8")
    return rel


def copy_fixture(root: Path, indicator_id: str, area_type_id: int = 502, fixtures: Path = LONDON, **kw) -> str:
    """A fixture export ``all_data_<id>_<type>.csv`` put into the root as fetched."""
    text = (fixtures / f"all_data_{indicator_id}_{area_type_id}.csv").read_text(encoding="utf-8")
    return put_export(root, indicator_id, area_type_id, text, fixtures=fixtures, **kw)


def export_text(rows: list[dict]) -> str:
    """A 27-column export from rows given as {column: value} (missing columns blank)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows([[r.get(c, "") for c in HEADER] for r in rows])
    return buf.getvalue()


def fresh(root: Path) -> None:
    """Remove the root's fetched Fingertips folder and provenance (between cases of one test)."""
    shutil.rmtree(root / "fingertips/api", ignore_errors=True)
    (root / "provenance.json").unlink(missing_ok=True)
