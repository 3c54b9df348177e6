"""``thanalysis data check``: is this data root complete and does every table pass its schema?

Four passes, printed as one table (item, kind, rows, status, note):
1. every dataset in ``data/sources.yml``: all its files present; a core file readable with its reader, with the
   columns the catalogue maps present in the file;
2. every published series (kind ``series``: a module of :mod:`thanalysis.data.published`, reading one or more
   datasets): read and validated, with its rows, indicators, the span of its periods and the date of its copy;
3. the cross-checks of published sources (kind ``check``): the original H-CLIC workbooks against the long extract,
   the DfE LA number to ONS code mapping of LAIT, the Census 2021 ward table against the LSOAs (:data:`CHECKS`);
4. every canonical table the store builds (areas, lookups, indicators, values, population, flows, and the
   geometries of each area type for the home borough), validated with its pandera schema.
5. known published totals against the sum of their parts (:func:`check_published_totals`): each London
   borough's Census 2021 total against the sum of its LSOAs, and the LSOAs of IMD 2019 (32,844 in England, every
   London LSOA of the boundaries present), so a file cut short or a borough's total published blank fails.
A demo data root is checked on its canonical tables only. Exit status 1 if anything fails.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from thanalysis.config import resolve_data_root
from thanalysis.data.catalogue import Catalogue, Dataset, load_catalogue
from thanalysis.data.open import is_demo_root, open_store
from thanalysis.data.published import census, homelessness_workbooks, lait
from thanalysis.data.published.registry import module
from thanalysis.data.readers import reader, require_columns
from thanalysis.errors import ThanalysisError

GEOMETRY_TYPES = ("lsoa11", "lsoa21", "msoa21", "ward22", "la")
#: Cross-checks of published sources: module name → its checks(root) (a list of series.Check).
CHECKS = {"homelessness": homelessness_workbooks.checks, "lait": lait.checks, "census": census.checks}


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
        if ds.is_on_demand:
            found = [p for p in root.glob(ds.file) if p.is_file()]
            row.update(rows=len(found), note=f"{len(found)} file(s) fetched on demand, read by series:{ds.module}"
                       if found else "none fetched yet (optional: `thanalysis data fingertips --indicator ID`)")
            rows.append(row)
            continue
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
        if not all(ds.present(root) for ds in datasets):
            continue  # the dataset rows say which files are missing
        row = {"item": f"series:{name}", "kind": "series", "file": "", "rows": None, "status": "ok", "note": ""}
        start = time.perf_counter()
        try:
            series = module(name).read(root)
            dates = sorted({str(ds.currency_date) for ds in datasets if ds.currency_date})
            row.update(rows=len(series.values),
                       note=f"{series.indicators['indicator_id'].nunique()} indicators; {_span(series.values)}; "
                            f"copy of {', '.join(dates) or series.retrieved}; {time.perf_counter() - start:.1f} s")
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


# --- known published totals ---------------------------------------------------------------------------------
#: LSOAs (2011) in England, ranked 1 to 32,844 by the English Indices of Deprivation 2019.
IMD2019_LSOAS = 32_844
#: How far a borough's published Census total may differ from the sum of its LSOAs: Census 2021 cells are
#: perturbed for disclosure control, so the sums differ by up to about 70 people (0.03%) on the real files.
CENSUS_TOLERANCE = (25, 0.001)  # absolute, relative: the larger applies


def _read(root: Path, ds: Dataset, **extra) -> pd.DataFrame:
    return reader(ds.reader)(ds.path(root), **(ds.reader_options() | extra))


def _lines(labels) -> str:
    """``lines 12, 40`` for row labels of :func:`thanalysis.data.readers.read_csv` (label + 2 is the line)."""
    labels = list(labels)
    shown = ", ".join(str(int(i) + 2) for i in labels[:5]) + (f" (and {len(labels) - 5} more)" if len(labels) > 5
                                                               else "")
    return f"line{'s' if len(labels) > 1 else ''} {shown}"


def _total_row(item: str, file: str, n: int | None, problems: list[str]) -> dict:
    return {"item": item, "kind": "total", "file": file, "rows": n, "status": "error" if problems else "ok",
            "note": "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")}


def census_totals(root: Path, lsoa: Dataset, ltla: Dataset, total: str, lsoa_la: pd.Series) -> dict:
    """One London borough total of a Census 2021 table (column ``total``) against the sum of its LSOAs
    (``lsoa_la``: LSOA 2021 code → local authority, from the London boundaries); also lists LSOAs of the boundaries
    missing from the LSOA file, and rows named after a London borough whose code is not a London LSOA."""
    parts, whole = _read(root, lsoa), _read(root, ltla)
    code, name = lsoa.column_for("area_code"), lsoa.column_for("area_name")
    problems = []
    la_names = whole.set_index(ltla.column_for("area_code"))[ltla.column_for("area_name")]
    london_names = set(la_names.reindex(pd.unique(lsoa_la)).dropna())
    named = parts[name].astype(str).str.replace(r"\s+\d{3}[A-Z]$", "", regex=True).isin(london_names)
    unknown = named & ~parts[code].isin(lsoa_la.index)
    if unknown.any():
        problems.append(f"{int(unknown.sum())} rows named after a London borough have codes that are not London LSOAs "
                        f"({', '.join(parts.loc[unknown, code].astype(str).head(5))}; {_lines(parts.index[unknown])} "
                        f"of {lsoa.file}): they would be dropped")
    missing = sorted(set(lsoa_la.index) - set(parts[code]))
    if missing:
        problems.append(f"{len(missing)} London LSOAs are missing from {lsoa.file} ({', '.join(missing[:5])}): "
                        "the file looks cut short")
    inside = parts[parts[code].isin(lsoa_la.index)]
    summed = pd.to_numeric(inside[total], errors="coerce").groupby(inside[code].map(lsoa_la).to_numpy()).sum(min_count=1)
    rows = whole[whole[ltla.column_for("area_code")].isin(summed.index)]
    published = pd.to_numeric(rows[total], errors="coerce")
    expected = summed.reindex(rows[ltla.column_for("area_code")]).to_numpy()
    allowed = np.maximum(CENSUS_TOLERANCE[0], CENSUS_TOLERANCE[1] * np.abs(expected))
    with np.errstate(invalid="ignore"):
        bad = ~(np.abs(published.to_numpy() - expected) <= allowed)
    for label, la, value, parts_sum in zip(rows.index[bad], rows.loc[bad, ltla.column_for("area_code")],
                                           published[bad], expected[bad]):
        shown = "blank" if np.isnan(value) else f"{value:,.0f}"
        problems.append(f"{la_names.get(la, la)} ({la}) total {shown} on line {int(label) + 2} of {ltla.file}, but its "
                        f"LSOAs sum to {parts_sum:,.0f}")
    return _total_row(f"total:{lsoa.id}", ltla.file, len(rows), problems)


def imd_lsoas(root: Path, ds: Dataset, london11: pd.Series) -> dict:
    """An IMD 2019 file holds the 32,844 LSOAs of England, among them every London LSOA 2011 of the boundaries
    (``london11``: code → local authority); missing ones are counted per borough."""
    t = _read(root, ds)
    problems = []
    if len(t) != IMD2019_LSOAS:
        problems.append(f"{len(t):,} LSOAs where IMD 2019 ranks {IMD2019_LSOAS:,}: the file looks cut short"
                        if len(t) < IMD2019_LSOAS else f"{len(t):,} rows where IMD 2019 has {IMD2019_LSOAS:,} LSOAs")
    missing = london11[~london11.index.isin(t[ds.column_for("area_code")])]
    for la, codes in missing.groupby(missing.to_numpy()).groups.items():
        problems.append(f"{la}: {len(codes)} of its {int((london11 == la).sum())} LSOAs are missing "
                        f"({', '.join(list(codes)[:3])})")
    return _total_row(f"total:{ds.id}", ds.file, len(t), problems)


def check_published_totals(root: Path, catalogue: Catalogue) -> list[dict]:
    """Known published totals against the sum of their parts, one row each (``kind`` total): every Census 2021
    table with an LSOA and a local authority file (the total column of its indicators) and every IMD 2019 file on
    LSOA 2011. A missing file or a problem reading one is left to the dataset check."""
    rows: list[dict] = []
    try:
        b21, b11 = catalogue["boundaries_london_lsoa21"], catalogue["boundaries_london_lsoa11"]
        lsoa21 = _read(root, b21, columns=["LSOA21CD", "LAD22CD"], to_storage=False).set_index("LSOA21CD")["LAD22CD"]
        london11 = _read(root, b11, columns=["LSOA11CD", "LAD11CD"], to_storage=False).set_index("LSOA11CD")["LAD11CD"]
    except (ThanalysisError, KeyError) as exc:
        return [_total_row("total:boundaries", "", None, [f"cannot read the London boundaries: {_first_line(exc)}"])]
    pairs = {}
    for ind in catalogue.indicators:
        ds = [catalogue[d] for d in ind["datasets"]]
        lsoa = [d for d in ds if d.id.startswith("census21_") and d.area_type == "lsoa21"]
        ltla = [d for d in ds if d.id.startswith("census21_") and d.area_type == "la"]
        if lsoa and ltla and "denominator" in ind:
            pairs[(lsoa[0].id, ltla[0].id)] = (lsoa[0], ltla[0], ind["denominator"])
    jobs = [lambda a=a, b=b, c=c: census_totals(root, a, b, c, lsoa21) for a, b, c in pairs.values()]
    jobs += [lambda d=d: imd_lsoas(root, d, london11) for d in catalogue
             if d.id.startswith("imd2019_") and d.area_type == "lsoa11"]
    for job in jobs:
        try:
            rows.append(job())
        except ThanalysisError as exc:
            rows.append(_total_row("total", "", None, [_first_line(exc)]))
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
    if not is_demo_root(root):
        rows += check_published_totals(root, catalogue or load_catalogue())
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


__all__ = ["check", "check_datasets", "check_series", "check_tables", "check_published_totals", "census_totals",
           "imd_lsoas", "format_rows", "main", "CHECKS"]
