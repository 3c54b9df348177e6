"""``thanalysis data check``: is this data root complete and does every table pass its schema?

Four passes, printed as one table (item, kind, rows, status, note):
1. every dataset in ``data/sources.yml``: all its files present; a core file readable with its reader, with the
   columns the catalogue maps present in the file;
2. every published series (kind ``series``: a module of :mod:`thanalysis.data.published`, reading one or more
   datasets): read and validated, with its rows, indicators, the span of its periods and the date of its copy;
3. the cross-checks of published sources (kind ``check``): the original H-CLIC workbooks against the long extract,
   the DfE LA number to ONS code mapping of LAIT (:data:`CHECKS`);
4. every canonical table the store builds (areas, lookups, indicators, values, population, flows, and the
   geometries of each area type for the home borough), validated with its pandera schema.
A demo data root is checked on its canonical tables only. Exit status 1 if anything fails.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from thanalysis.config import resolve_data_root
from thanalysis.data.catalogue import Catalogue, load_catalogue
from thanalysis.data.open import is_demo_root, open_store
from thanalysis.data.published import homelessness_workbooks, lait
from thanalysis.data.published.registry import module
from thanalysis.data.readers import reader, require_columns
from thanalysis.errors import ThanalysisError

GEOMETRY_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "la")
#: Cross-checks of published sources: module name → its checks(root) (a list of series.Check).
CHECKS = {"homelessness": homelessness_workbooks.checks, "lait": lait.checks}


def _first_line(exc: Exception) -> str:
    text = str(exc)
    lines = text.splitlines()
    where = next((ln.strip() for ln in lines[1:] if ln.strip().startswith(("file:", "column:"))), "")
    return lines[0] + (f" [{where}]" if where else "") if lines else type(exc).__name__


def check_datasets(root: Path, catalogue: Catalogue) -> list[dict]:
    """One row per catalogue dataset: its files present, readable by its reader, with the columns mapped."""
    rows = []
    for ds in catalogue:
        row = {"item": ds.id, "kind": "dataset", "file": ds.file, "rows": None, "status": "ok", "note": ""}
        missing = [rel for rel in ds.files if not root.joinpath(rel).is_file()]
        if missing:
            row.update(status="missing", note=f"not in the data root: {', '.join(missing)}")
            rows.append(row)
            continue
        if ds.is_published_series:
            n = len(ds.files)
            row["note"] = f"{n} file{'s' if n != 1 else ''}, read by series:{ds.module}"
            rows.append(row)
            continue
        try:
            data = reader(ds.reader)(ds.path(root), **ds.reader_options())
            if hasattr(data, "columns"):
                needed = [c for c in ds.columns if ds.reader != "fingertips_csv"]
                require_columns(data, needed, file=ds.file)
            row["rows"] = len(data) if hasattr(data, "__len__") else None
        except ThanalysisError as exc:
            row.update(status="error", note=_first_line(exc))
        rows.append(row)
    return rows


def _span(values) -> str:
    start, end = values["period_start"].min(), values["period_end"].max()
    return f"{start:%Y-%m} to {end:%Y-%m}" if start == start and end == end else "no dated periods"


def check_series(root: Path, catalogue: Catalogue) -> list[dict]:
    """One row per published series whose files are all present (read and validated), then its cross-checks."""
    rows = []
    for name, datasets in catalogue.published_series().items():
        if not all(root.joinpath(rel).is_file() for ds in datasets for rel in ds.files):
            continue  # the dataset rows say which files are missing
        row = {"item": f"series:{name}", "kind": "series", "file": "", "rows": None, "status": "ok", "note": ""}
        start = time.perf_counter()
        try:
            series = module(name).read(root)
            dates = sorted({str(ds.currency_date) for ds in datasets if ds.currency_date})
            row.update(rows=len(series.values),
                       note=f"{series.indicators['indicator_id'].nunique()} indicators; {_span(series.values)}; "
                            f"copy of {', '.join(dates)}; {time.perf_counter() - start:.1f} s")
        except ThanalysisError as exc:
            row.update(status="error", note=_first_line(exc))
        rows.append(row)
        for check_of in ([CHECKS[name]] if name in CHECKS else []):
            try:
                found = check_of(root)
            except ThanalysisError as exc:
                rows.append({"item": f"check:{name}", "kind": "check", "file": "", "rows": None, "status": "error",
                             "note": _first_line(exc)})
                continue
            rows += [{"item": f"check:{c.name}", "kind": "check", "file": "", "rows": c.rows,
                      "status": "ok" if c.ok else "error", "note": c.note} for c in found]
    return rows


def check_tables(root: Path, home_area_code: str | None = None) -> list[dict]:
    """One row per canonical table the store builds (and the home borough's boundaries), validated."""
    rows = []
    try:
        store = open_store(root)
    except ThanalysisError as exc:
        return [{"item": "store", "kind": "table", "file": "", "rows": None, "status": "error", "note": _first_line(exc)}]
    home = home_area_code or store.home_area_code
    jobs = [(name, getattr(store, name)) for name in ("areas", "lookups", "indicators", "values", "population", "flows")]
    try:  # check the boundaries of the area types this store has areas of (the demo has no MSOAs, for one)
        present = set(store.areas()["area_type"])
    except ThanalysisError:
        present = set(GEOMETRY_TYPES)
    jobs += [(f"geometries:{t}", (lambda t=t: store.geometries(t, within=home)))
             for t in GEOMETRY_TYPES if t in present]
    for name, build in jobs:
        row = {"item": name, "kind": "table", "file": "", "rows": None, "status": "ok", "note": ""}
        start = time.perf_counter()
        try:
            table = build()
            row["rows"] = len(table)
            row["note"] = f"{time.perf_counter() - start:.2f} s"
        except ThanalysisError as exc:
            row.update(status="error", note=_first_line(exc))
        rows.append(row)
    return rows


def check(data_root: str | os.PathLike | None = None, *, catalogue: Catalogue | None = None,
          home_area_code: str | None = None) -> list[dict]:
    """Check a data root; returns one row per dataset and per canonical table (see the module docstring)."""
    root = resolve_data_root(data_root)
    rows: list[dict] = []
    if not is_demo_root(root):
        catalogue = catalogue or load_catalogue()
        rows += check_datasets(root, catalogue)
        rows += check_series(root, catalogue)
    rows += check_tables(root, home_area_code)
    return rows


def format_rows(rows: list[dict]) -> str:
    """The check rows as a text table with a last line counting what passed."""
    w_item = max([len(r["item"]) for r in rows] + [4])
    lines = [f"{'item':<{w_item}}  {'kind':<7}  {'rows':>9}  {'status':<7}  note"]
    for r in rows:
        n = "" if r["rows"] is None else f"{r['rows']:,}"
        lines.append(f"{r['item']:<{w_item}}  {r['kind']:<7}  {n:>9}  {r['status']:<7}  {r['note']}")
    bad = [r for r in rows if r["status"] != "ok"]
    lines.append("")
    lines.append(f"{len(rows) - len(bad)} of {len(rows)} checks passed" + (f"; {len(bad)} failed" if bad else ""))
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    """CLI entry (``thanalysis data check``)."""
    rows = check(getattr(args, "data_root", None))
    print(format_rows(rows))
    return 1 if any(r["status"] != "ok" for r in rows) else 0


__all__ = ["check", "check_datasets", "check_series", "check_tables", "format_rows", "main", "CHECKS"]
