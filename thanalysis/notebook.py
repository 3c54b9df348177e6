"""What notebook cells call to show and save: accessible tables and key figures, result tables after
small-number suppression, the summary and the provenance.

Everything shown is escaped where it becomes markup: table cells, captions, titles, key figures and the
sentences shown with :func:`paragraph` are text, so a name from the data never runs as HTML or Markdown.

The report runner executes each notebook with ``$THANALYSIS_OUTPUT_DIR`` set to a fresh folder; outside a
build (JupyterLab) files go to ``./report-output``. What a notebook writes there:

- ``results/<name>.csv``: each key table, after small-number suppression (:mod:`thanalysis.stats.disclosure`),
  written deterministically (fixed float format, LF newlines, no index);
- ``tables.json``: caption, columns, row count and suppressed-cell count of every saved table;
- ``sources.json``: the data statement, the files read (relative paths and checksums) and the latest period of
  each indicator read (its data currency);
- ``summary.json``: the notebook's key figures (sorted keys).
"""
from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import re
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from IPython.display import HTML, Markdown

from thanalysis.config import OUTPUT_DIR_ENV
from thanalysis.errors import DataError
from thanalysis.narrative.markup import md_text
from thanalysis.stats.disclosure import DEFAULT_THRESHOLD, suppress_small_numbers

#: Float format for published CSVs: enough digits to reproduce every figure, the same text on every machine.
CSV_FLOAT_FORMAT = "%.10g"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DEMO_BANNER = (
    "This report uses synthetic demonstration data: the places, people and numbers are made up so that the "
    "reports can be built anywhere. Do not use these figures for decisions."
)


def output_dir() -> Path:
    """Where this notebook's results go: ``$THANALYSIS_OUTPUT_DIR`` or ``./report-output`` (created)."""
    out = Path(os.environ.get(OUTPUT_DIR_ENV) or "report-output")
    out.mkdir(parents=True, exist_ok=True)
    return out


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name) or name.endswith(".csv"):
        raise DataError("A results table needs a plain file name (letters, digits, '_', '-', no '.csv').",
                        values=[name], expected="e.g. 'ward_rates'")
    return name


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp, _dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    if is_dataclass(value):
        return asdict(value)
    if value is pd.NA or value is pd.NaT:
        return None
    raise DataError(f"A {type(value).__name__} cannot be written to JSON.", values=[value],
                    expected="numbers, text, dates, lists and dicts of them")


def _clean(value):
    """NaN/inf become null (JSON has no NaN)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.floating) and not np.isfinite(value):
        return None
    return value


def write_json(path: Path, data) -> Path:
    """Deterministic JSON: sorted keys, 2-space indent, UTF-8, LF, trailing newline."""
    text = json.dumps(_clean(data), sort_keys=True, indent=2, ensure_ascii=False, default=_json_default,
                      allow_nan=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text + "\n")
    return path


def save_table(
    df: pd.DataFrame,
    name: str,
    *,
    count_columns: str | Sequence[str] = ("count",),
    suppress: bool = True,
    threshold: int | None = None,
    group_by: str | Sequence[str] | None = None,
    total_rows=None,
    caption: str | None = None,
) -> pd.DataFrame:
    """Write ``<out>/results/<name>.csv`` after small-number suppression; return the published table.

    Counts in ``count_columns`` (those present; naming one that is absent is an error unless it is the
    default ``count``) below ``threshold`` (default 5) are removed with their rates, and ``group_by`` /
    ``total_rows`` switch on secondary suppression (see :func:`thanalysis.stats.disclosure.suppress_small_numbers`).
    Pass ``suppress=False`` only for tables with no counts of people.
    """
    _check_name(name)
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"save_table needs a DataFrame, got {type(df).__name__}.", expected="a pandas DataFrame")
    columns = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    published = df.reset_index(drop=True)
    suppressed = int(df.attrs.get("suppressed_cells", 0))  # cells an analysis withheld before (e.g. the dashboard)
    if suppress:
        if tuple(columns) != ("count",):
            absent = [c for c in columns if c not in df.columns]
            if absent:
                raise DataError(f"Table {name!r}: a count column to check for small numbers is missing.",
                                column=", ".join(absent), expected=f"one of: {', '.join(map(str, df.columns))}")
        present = [c for c in columns if c in df.columns]
        if present:
            published = suppress_small_numbers(
                published, present, threshold=threshold or DEFAULT_THRESHOLD, group_by=group_by,
                total_rows=total_rows)
            suppressed += int(published.attrs.get("suppressed_cells", 0))
    out = output_dir()
    path = out / "results" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    published.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT, lineterminator="\n", encoding="utf-8",
                     date_format="%Y-%m-%d")
    index_path = out / "tables.json"
    tables = json.loads(index_path.read_text(encoding="utf-8")) if index_path.exists() else {}
    tables[name] = {"caption": caption or "", "columns": [str(c) for c in published.columns],
                    "rows": int(len(published)), "suppressed_cells": suppressed, "file": f"results/{name}.csv"}
    write_json(index_path, tables)
    return published


# --------------------------------------------------------------------------------------------------
# display
# --------------------------------------------------------------------------------------------------
def _label(column: str) -> str:
    text = str(column).replace("_", " ").strip()
    text = re.sub(r"\bci\b", "CI", text)
    text = re.sub(r"\b95\b", "95%", text) if "ci" in str(column) else text
    return text[:1].upper() + text[1:]


def _format_cell(value, fmt) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if fmt is not None:
        return fmt(value) if callable(fmt) else fmt.format(value)
    if isinstance(value, (bool, np.bool_)):
        return "Yes" if value else "No"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.0f}" if float(value).is_integer() and abs(value) >= 1000 else f"{float(value):,.1f}"
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return value.strftime("%d %b %Y")
    return str(value)


def table_html(
    df: pd.DataFrame,
    caption: str,
    *,
    formats: Mapping[str, str | object] | None = None,
    labels: Mapping[str, str] | None = None,
    row_header: str | None = None,
    max_rows: int | None = None,
    note: str | None = None,
) -> str:
    """An accessible HTML table: caption, column headers with scope, formatted numbers, no index."""
    if not caption or not str(caption).strip():
        raise DataError("Every table needs a caption saying what it shows.")
    formats = dict(formats or {})
    labels = dict(labels or {})
    d = df.reset_index(drop=True)
    shown_rows = d if max_rows is None else d.head(max_rows)
    row_header = row_header if row_header in d.columns else (d.columns[0] if len(d.columns) else None)
    numeric = {c: pd.api.types.is_numeric_dtype(d[c]) and not pd.api.types.is_bool_dtype(d[c]) for c in d.columns}
    num_class = ' class="num"'
    head = "".join(
        f'<th scope="col"{num_class if numeric[c] else ""}>{html.escape(labels.get(c, _label(c)))}</th>'
        for c in d.columns)
    body = []
    for row in shown_rows.itertuples(index=False, name=None):
        cells = []
        for c, v in zip(d.columns, row):
            text = html.escape(_format_cell(v, formats.get(c)))
            cls = ' class="num"' if numeric[c] else ""
            cells.append(f'<th scope="row"{cls}>{text}</th>' if c == row_header else f"<td{cls}>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = ""
    if max_rows is not None and len(d) > max_rows:
        more = f'<p class="th-table-note">Showing the first {max_rows} of {len(d):,} rows.</p>'
    notes = f'<p class="th-table-note">{html.escape(note)}</p>' if note else ""
    return (f'<div class="th-table-wrap"><table class="th-table"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{more}{notes}</div>")


def paragraph(text: str):
    """Display a plain sentence or paragraph from the narrative (e.g. ``words.age_sentence(results)``), every
    character shown as written: names from the data in it never become HTML or Markdown."""
    return Markdown(md_text(text))


def show_table(df: pd.DataFrame, caption: str, **kwargs):
    """Display ``df`` as an accessible table (see :func:`table_html` for the options)."""
    return HTML(table_html(df, caption, **kwargs))


def _statement(store_or_text) -> tuple[str, bool]:
    if isinstance(store_or_text, str):
        return store_or_text, "synthetic" in store_or_text.lower()
    kind = getattr(store_or_text, "kind", "real")
    return str(getattr(store_or_text, "data_statement", "")), kind == "demo"


def data_banner_html(store) -> str:
    """The banner's HTML: the synthetic-data warning for the demo store (or statement), else the data statement."""
    statement, is_demo = _statement(store)
    if is_demo:
        # The store's own statement says what the demo is (and its seed); add the warning once.
        text = f"{statement} Do not use these figures for decisions." if statement else DEMO_BANNER
        style = "border-left:6px solid #B35900;background:#FFF4E5;"
        label = "Demonstration data"
    else:
        text = statement
        style = "border-left:6px solid #0B4F8A;background:#EEF4FA;"
        label = "About the data"
    return (f'<div class="th-banner{" th-banner-demo" if is_demo else ""}" role="note" '
            f'style="{style}color:#1a1a1a;padding:0.6em 1em;margin:0.5em 0 1em 0;">'
            f"<strong>{label}:</strong> {html.escape(text)}</div>")


def title(text: str):
    """Display the report's title computed from its parameters (e.g. "Inequalities in Tower Hamlets").

    The published page uses it as its one H1, in place of the notebook's static first heading.
    """
    return HTML(f'<h1 class="th-report-title">{html.escape(str(text))}</h1>')


def data_banner(store):
    """A banner for the top of a report: the synthetic-data warning for the demo, else the data statement."""
    return HTML(data_banner_html(store))


def key_figure_html(label: str, value, note: str = "", *, fmt: str | None = None) -> str:
    """A boxed key figure's HTML: the label, the number (formatted like a table cell), a short note."""
    shown = _format_cell(value, fmt) if not isinstance(value, str) else value
    note_html = f'<span class="th-kf-note" style="display:block;font-size:0.9em;color:#4a4a4a;">{html.escape(note)}</span>' if note else ""
    return (f'<div class="th-key-figure" style="display:inline-block;vertical-align:top;min-width:11em;max-width:18em;'
            f'border:1px solid #6b6b6b;border-radius:4px;padding:0.5em 0.8em;margin:0 0.6em 0.6em 0;">'
            f'<span class="th-kf-label" style="display:block;font-size:0.95em;">{html.escape(label)}</span>'
            f'<span class="th-kf-value" style="display:block;font-size:1.6em;font-weight:700;">{html.escape(shown)}</span>'
            f"{note_html}</div>")


def key_figures(items: Sequence[tuple]):
    """Several key figures in a row: ``[(label, value, note), ...]``."""
    boxes = "".join(key_figure_html(*item) for item in items)
    return HTML(f'<div class="th-key-figures">{boxes}</div>')


def check(condition, message: str) -> None:
    """Stop the report if a key-figure check fails (raises :class:`~thanalysis.errors.DataError` with ``message``)."""
    if not bool(condition):
        raise DataError(message)


# --------------------------------------------------------------------------------------------------
# provenance files
# --------------------------------------------------------------------------------------------------
def record_sources(store) -> Path:
    """Write ``<out>/sources.json``: the data statement, each file read (relative path, checksum) and the latest
    period of each indicator the store served (``periods``: the report's data currency)."""
    sources = []
    for s in store.sources_used():
        item = asdict(s) if is_dataclass(s) else dict(s)
        path = str(item.get("path", ""))
        if path.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[\\/]", path) or path.startswith("~"):
            raise DataError("A source path in the provenance is absolute; only paths relative to the data root "
                            "may be published.", values=[path], expected="e.g. imd2019/File_1.csv")
        sources.append(item)
    periods = [asdict(p) for p in store.periods_used()] if hasattr(store, "periods_used") else []
    data = {"data_statement": store.data_statement, "kind": getattr(store, "kind", ""), "sources": sources,
            "periods": periods}
    return write_json(output_dir() / "sources.json", data)


def write_summary(summary: Mapping) -> Path:
    """Write ``<out>/summary.json`` (sorted keys; NaN as null)."""
    if not isinstance(summary, Mapping):
        raise DataError("write_summary needs a dict of key figures.", expected="e.g. {'population': 310306}")
    return write_json(output_dir() / "summary.json", dict(summary))
